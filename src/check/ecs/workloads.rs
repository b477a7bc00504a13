//! `workloads:`: virtual nodes meshsynth runs as ECS services.

use std::collections::BTreeMap;

use super::iam::check_role_name;
use super::sizes::{check_task_size, TaskSize, MIN_APP_MEMORY};
use crate::check::common::shown;
use crate::check::images::check_image;
use crate::check::Ctx;
use crate::diagnostic::{did_you_mean, Code};
use crate::spec::airflow_names as names;
use crate::spec::paths::{node_path, workload_path};
use crate::spec::LaunchType;

/// Task definition families (after `<project>-`) and IAM role names meshsynth uses itself.
const RESERVED_FAMILIES: [(&str, &str); 7] = [
    ("api-server", "the Airflow API server"),
    ("webserver", "the Airflow webserver"),
    ("scheduler", "the Airflow scheduler"),
    ("dag-processor", "the Airflow dag processor"),
    ("triggerer", "the Airflow triggerer"),
    ("worker", "the Airflow worker task definition"),
    ("execution", "the ECS task execution role"),
];

pub(super) fn check(ctx: &mut Ctx) {
    let spec = ctx.spec;
    if spec.workloads.is_empty() {
        return;
    }
    // On EKS workloads are Deployments: `check/eks` owns their names, sizes and discovery.
    let eks = spec.airflow.as_ref().is_some_and(|a| a.on_eks().is_some());
    let mut families: BTreeMap<String, &str> = BTreeMap::new();
    for name in spec.workloads.keys().filter(|_| !eks) {
        let path = workload_path(name);
        let suffix = name.replace('_', "-");
        let family = names::family(&spec.name, name);
        if let Some(other) = families.get(&family) {
            ctx.error(
                Code::WorkloadNameCollision,
                path.clone(),
                format!("workloads `{other}` and `{name}` both get the task definition family `{family}`"),
            )
            .help = Some("rename one of the virtual nodes: `_` becomes `-` in family names".into());
        } else if let Some(what) = RESERVED_FAMILIES
            .iter()
            .find(|(f, _)| *f == suffix)
            .map(|(_, what)| *what)
            .or_else(|| {
                suffix
                    .starts_with("task-")
                    .then_some("DAG tasks (`task-<task>`)")
            })
        {
            ctx.error(
                Code::WorkloadNameCollision,
                path.clone(),
                format!(
                    "workload `{name}` gets the task definition family and IAM role `{family}`, which meshsynth uses for {what}"
                ),
            )
            .help = Some("rename the virtual node, e.g. with a version suffix such as `-v1`".into());
        }
        families.entry(family.clone()).or_insert(name);
        check_role_name(
            ctx,
            Code::WorkloadNameTooLong,
            path,
            &format!("workload `{name}`"),
            &format!("{}-{name}", spec.name),
        );
    }
    let nodes: Vec<&str> = spec.virtual_nodes.keys().map(String::as_str).collect();
    let ns = spec.namespace().map(|n| n.namespace.as_str());
    let fargate = spec
        .airflow
        .as_ref()
        .is_none_or(|a| a.launch_type() == LaunchType::Fargate);
    for (name, w) in &spec.workloads {
        let path = workload_path(name);
        check_image(
            ctx,
            &path.key("image"),
            &format!("workload `{name}`'s image"),
            &w.image,
            true,
        );
        let quantity = matches!(w.cpu, crate::spec::Amount::Quantity(_))
            || matches!(w.memory, crate::spec::Amount::Quantity(_));
        if quantity && !eks {
            super::sizes::report_quantities(ctx, &path, Some(&w.cpu), Some(&w.memory));
        }
        if !eks && !quantity {
            check_task_size(
                ctx,
                &TaskSize {
                    path: path.clone(),
                    what: format!("workload `{name}`"),
                    cpu: Some(w.cpu.units()),
                    memory: Some(w.memory.units()),
                    default: (w.cpu.units(), w.memory.units()),
                    meshed: true,
                    min_app: MIN_APP_MEMORY,
                    app: "its container",
                    workload: true,
                },
                fargate,
            );
        }
        let Some(node) = spec.virtual_nodes.get(name) else {
            ctx.error(
                Code::WorkloadUnknownVirtualNode,
                path,
                format!("workload `{name}` is not a virtual node of this spec"),
            )
            .help = Some(did_you_mean(name, nodes.iter().copied()).unwrap_or_else(|| {
                "name a workload after the virtual node it runs, and declare that node under `virtual_nodes`".into()
            }));
            continue;
        };
        let np = node_path(name);
        if node.listeners.is_empty() {
            ctx.warning(
                Code::WorkloadWithoutListener,
                np.clone(),
                format!(
                    "workload `{name}` runs virtual node `{name}`, which has no listeners, so no mesh traffic reaches it"
                ),
            )
            .help = Some(
                "add the port the service listens on under the node's `listeners`, or remove the workload if it is a client only"
                    .into(),
            );
            continue;
        }
        let Some(sd) = node.service_discovery.as_ref().filter(|_| !eks) else {
            continue;
        };
        let sdp = np.key("service_discovery");
        match (&sd.cloud_map, &sd.dns) {
            (Some(cm), None) => {
                let cmp = sdp.key("cloud_map");
                if let Some(node_ns) = &cm.namespace {
                    if !spec.in_own_namespace(cm) {
                        let help = match ns {
                            Some(d) => format!(
                                "remove `namespace` so the node uses `{d}`, or drop `{name}` from `workloads` and run it yourself"
                            ),
                            None => format!(
                                "set `service_discovery: {{ cloud_map: {{ namespace: {node_ns} }} }}` at the top level and remove `namespace` here, or drop `{name}` from `workloads`"
                            ),
                        };
                        ctx.error(
                            Code::WorkloadForeignNamespace,
                            cmp.key("namespace"),
                            format!(
                                "workload `{name}` would register in the Cloud Map namespace `{}`, which meshsynth does not create",
                                shown(node_ns)
                            ),
                        )
                        .help = Some(help);
                    }
                }
                if let Some((k, v)) = cm.attributes.iter().next() {
                    ctx.warning(
                        Code::WorkloadCloudMapAttributes,
                        cmp.key("attributes"),
                        format!(
                            "workload `{name}` filters Cloud Map on `{}: {}`, but ECS registers its tasks with `ECS_*` attributes only, so no task matches",
                            shown(k),
                            shown(v)
                        ),
                    )
                    .help = Some(
                        "remove `attributes`: meshsynth filters on `ECS_TASK_DEFINITION_FAMILY` itself, which tells the workloads of one Cloud Map service apart"
                            .into(),
                    );
                }
            }
            (None, Some(dns)) => {
                ctx.warning(
                    Code::WorkloadDnsDiscovery,
                    sdp.key("dns").key("hostname"),
                    format!(
                        "workload `{name}` uses DNS discovery, and meshsynth registers its tasks nowhere, so `{}` must resolve to them some other way",
                        shown(&dns.hostname)
                    ),
                )
                .help = Some(
                    "switch the node to `cloud_map: { service: … }` so the ECS service registers its tasks, or point the DNS name at them yourself (a load balancer or a Route 53 record)"
                        .into(),
                );
            }
            _ => {}
        }
    }
}
