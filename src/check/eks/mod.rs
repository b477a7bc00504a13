//! What Amazon EKS and Kubernetes accept of Airflow on EKS: the platform's own settings, the
//! names meshsynth derives (service accounts, pod templates, Services, IAM roles), resource
//! quantities, the Kubernetes version native sidecars need, and how `workloads:` are found.

use crate::check::common::shown;
use crate::check::Ctx;
use crate::diagnostic::{Code, FieldPath};
use crate::spec::airflow_names::{self as names, eks as kube};
use crate::spec::paths::{airflow_path, node_path, workload_path};
use crate::spec::{Airflow, AirflowPlatform, Amount, DagSource, EksSettings, Executor};

/// The oldest Kubernetes minor version meshsynth renders for (EKS's oldest in extended
/// support is well above it).
const MIN_MINOR: u32 = 23;
/// Native sidecars (init containers with `restartPolicy: Always`) are on by default from here.
pub const NATIVE_SIDECAR_MINOR: u32 = 29;

pub(crate) fn check(ctx: &mut Ctx) {
    let Some(af) = &ctx.spec.airflow else {
        return;
    };
    if !platform(ctx, af) {
        return;
    }
    let Some(eks) = af.on_eks() else {
        return;
    };
    settings(ctx, eks);
    identities(ctx, af);
    quantities(ctx, af);
    workloads(ctx, eks);
}

/// `platform`, `eks:` and `executor` agree, and no ECS-only setting is given on EKS. Returns
/// whether the rest of the EKS rules can run.
fn platform(ctx: &mut Ctx, af: &Airflow) -> bool {
    let p = airflow_path();
    match af.platform {
        AirflowPlatform::Ecs => {
            if af.eks.is_some() {
                ctx.error(
                    Code::EksPlatformMismatch,
                    p.key("eks"),
                    "`eks` is set, but `platform` is `ecs`",
                )
                .help = Some("set `platform: eks` to run Airflow on EKS, or remove `eks`".into());
            }
            if af.executor == Executor::Kubernetes {
                ctx.error(
                    Code::EksPlatformMismatch,
                    p.key("executor"),
                    "the `kubernetes` executor runs Airflow tasks as pods, but `platform` is `ecs`",
                )
                .help = Some(
                    "use `executor: ecs` (one ECS task per Airflow task) on ECS, or set `platform: eks`"
                        .into(),
                );
            }
            false
        }
        AirflowPlatform::Eks => {
            let mut ok = true;
            if af.eks.is_none() {
                ctx.error(
                    Code::EksPlatformMismatch,
                    p.key("platform"),
                    "`platform: eks` needs an `eks` section naming the cluster",
                )
                .help = Some(
                    "add `eks: { cluster_name: data-eks, account_id: \"111122223333\", region: us-east-1 }` under `airflow`"
                        .into(),
                );
                ok = false;
            }
            if matches!(af.executor, Executor::Ecs | Executor::Local) {
                let what = if af.executor == Executor::Ecs {
                    "the `ecs` executor starts ECS tasks"
                } else {
                    "the `local` executor runs tasks inside the scheduler, which on EKS is never meshed"
                };
                ctx.error(
                    Code::EksPlatformMismatch,
                    p.key("executor"),
                    format!("{what}, but `platform` is `eks`"),
                )
                .help = Some(
                    "use `executor: kubernetes` (one pod per Airflow task) or `executor: celery`"
                        .into(),
                );
            }
            let ecs_only: [(&str, bool); 3] = [
                (
                    "cluster",
                    af.cluster.create.is_some() || af.cluster.name.is_some(),
                ),
                ("launch_type", af.launch_type.is_some()),
                ("capacity_provider", af.capacity_provider.is_some()),
            ];
            for (key, set) in ecs_only {
                if set {
                    ctx.error(
                        Code::EksPlatformMismatch,
                        p.key(key),
                        format!("`{key}` is an ECS setting, but `platform` is `eks`"),
                    )
                    .help = Some(format!(
                        "remove `{key}`: on EKS the cluster is `eks.cluster_name`"
                    ));
                }
            }
            let other = match af.dags {
                DagSource::Image => None,
                // The S3 bundle needs IAM roles for the chart's own service accounts, which
                // meshsynth does not generate yet.
                DagSource::S3(_) => Some("`dags: { s3: … }` (the chart's scheduler, DAG processor and triggerer would need IAM roles to read the bucket)"),
                DagSource::Efs(_) => Some("`dags: { efs: … }` (an EFS mount of ECS tasks)"),
            };
            if let Some(what) = other {
                ctx.error(
                    Code::EksPlatformMismatch,
                    p.key("dags"),
                    format!("{what} is not generated for EKS; on EKS meshsynth reads DAGs from the image"),
                )
                .help = Some(
                    "use `dags: image` (bake the DAGs into the Airflow image) on EKS".into(),
                );
            }
            ok
        }
    }
}

fn eks_path() -> FieldPath {
    airflow_path().key("eks")
}

fn settings(ctx: &mut Ctx, eks: &EksSettings) {
    let p = eks_path();
    let name = &eks.cluster_name;
    let valid_cluster = !name.is_empty()
        && name.len() <= 100
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid_cluster {
        ctx.error(
            Code::EksInvalidName,
            p.key("cluster_name"),
            format!("`{}` is not an EKS cluster name", shown(name)),
        )
        .help = Some(
            "use 1 to 100 letters, digits, `-` and `_`, starting with a letter or digit".into(),
        );
    }
    if eks.account_id.len() != 12 || !eks.account_id.chars().all(|c| c.is_ascii_digit()) {
        ctx.error(
            Code::EksInvalidName,
            p.key("account_id"),
            format!("`{}` is not an AWS account ID", shown(&eks.account_id)),
        )
        .help = Some(
            "write the 12 digits of the cluster's account, quoted so leading zeros stay: `account_id: \"011122223333\"`"
                .into(),
        );
    }
    if !valid_region(&eks.region) {
        ctx.error(
            Code::EksInvalidName,
            p.key("region"),
            format!("`{}` is not an AWS region name", shown(&eks.region)),
        )
        .help = Some("write the cluster's region, e.g. `us-east-1` or `eu-west-2`".into());
    }
    for (key, ns) in [
        ("namespace", eks.namespace()),
        ("task_namespace", eks.task_namespace()),
    ] {
        if let Some(why) = dns_label_problem(ns) {
            ctx.error(
                Code::EksInvalidName,
                p.key(key),
                format!("`{}` is not a Kubernetes namespace name: {why}", shown(ns)),
            )
            .help = Some(
                "use at most 63 lower-case letters, digits and `-`, starting and ending with a letter or digit"
                    .into(),
            );
        } else if ["kube-system", "kube-public", "kube-node-lease"].contains(&ns) {
            ctx.error(
                Code::EksInvalidName,
                p.key(key),
                format!("`{ns}` is a namespace Kubernetes keeps for itself"),
            )
            .help = Some("use a namespace of Airflow's own, e.g. `airflow`".into());
        }
    }
    if eks.namespace() == eks.task_namespace() {
        let key = if eks.task_namespace.is_some() {
            "task_namespace"
        } else {
            "namespace"
        };
        ctx.error(
            Code::EksNamespaceClash,
            p.key(key),
            format!(
                "the task namespace and the control plane's namespace are both `{}`",
                eks.namespace()
            ),
        )
        .help = Some(
            "run task pods in a namespace of their own, e.g. `task_namespace: airflow-tasks`: the control plane is never meshed, the task pods are"
                .into(),
        );
    }
    match eks.kubernetes_minor() {
        None => {
            ctx.error(
                Code::EksKubernetesVersion,
                p.key("kubernetes_version"),
                format!(
                    "`{}` is not a Kubernetes version",
                    shown(eks.kubernetes_version())
                ),
            )
            .help = Some(
                "write the cluster's `1.NN` version, quoted: `kubernetes_version: \"1.31\"`".into(),
            );
        }
        Some(m) if m < MIN_MINOR => {
            ctx.error(
                Code::EksKubernetesVersion,
                p.key("kubernetes_version"),
                format!(
                    "Kubernetes 1.{m} is older than meshsynth supports (1.{MIN_MINOR} and later)"
                ),
            )
            .help = Some("upgrade the cluster; EKS supports 1.29 and later today".into());
        }
        Some(m) if m < NATIVE_SIDECAR_MINOR && ctx.app_mesh => {
            ctx.warning(
                Code::EksKubernetesVersion,
                p.key("kubernetes_version"),
                format!(
                    "Kubernetes 1.{m} has no native sidecars, so Envoy runs as a classic sidecar that keeps every task pod `Running` after its task ends: the KubernetesExecutor never sees it finish, and the pod keeps its executor slot"
                ),
            )
            .help = Some(format!(
                "upgrade the cluster to 1.{NATIVE_SIDECAR_MINOR} or later so Envoy is a native sidecar and task pods finish by themselves"
            ));
        }
        Some(_) => {}
    }
}

/// The meshed Airflow identities' derived names: service accounts and pod templates are DNS
/// subdomain names and label values, IRSA role names fit IAM's 64 characters.
fn identities(ctx: &mut Ctx, af: &Airflow) {
    let project = &ctx.spec.name;
    let mut ids: Vec<(FieldPath, String)> =
        vec![(airflow_path().key("workers"), names::WORKER_NODE.to_owned())];
    for task in af.tasks.keys() {
        ids.push((
            airflow_path().key("tasks").key(task),
            names::task_node(task),
        ));
    }
    for name in ctx.spec.workloads.keys() {
        ids.push((workload_path(name), name.clone()));
    }
    for (path, node) in ids {
        let sa = kube::service_account(&node);
        if let Some(why) = dns_label_problem(&sa) {
            ctx.error(
                Code::EksInvalidName,
                path.clone(),
                format!("the service account and pod template name `{sa}` derived from here is not a Kubernetes name: {why}"),
            )
            .help = Some(
                "rename it in lower-case letters, digits, `-` and `_` (which becomes `-`), short enough for 63 characters"
                    .into(),
            );
        }
        let role = format!("{project}-{}", node.trim_start_matches("airflow-"));
        if role.len() > 64 {
            ctx.error(
                Code::EksInvalidName,
                path,
                format!(
                    "the IRSA role `{role}` derived from here has {} characters, more than IAM's 64",
                    role.len()
                ),
            )
            .help = Some("shorten the project `name` or this name".into());
        }
    }
}

fn quantities(ctx: &mut Ctx, af: &Airflow) {
    let mut sizes = crate::spec::paths::airflow_sizes(af);
    for (n, w) in &ctx.spec.workloads {
        sizes.push((workload_path(n), Some(&w.cpu), Some(&w.memory)));
    }
    for (path, cpu, memory) in sizes {
        if let Some(cpu) = cpu {
            if let Some(why) = cpu_problem(cpu) {
                ctx.error(
                    Code::EksInvalidQuantity,
                    path.key("cpu"),
                    format!("`cpu: {cpu}` is not a Kubernetes CPU quantity: {why}"),
                )
                .help = Some(
                    "write cores or millicores: `cpu: \"1\"`, `cpu: \"0.5\"` or `cpu: 500m`".into(),
                );
            }
        }
        if let Some(memory) = memory {
            if let Some(why) = memory_problem(memory) {
                ctx.error(
                    Code::EksInvalidQuantity,
                    path.key("memory"),
                    format!("`memory: {memory}` is not a Kubernetes memory quantity: {why}"),
                )
                .help = Some("write a number with a unit: `memory: 512Mi` or `memory: 2Gi`".into());
            }
        }
    }
}

/// On EKS a workload is a Deployment behind a Service its node's DNS name names.
fn workloads(ctx: &mut Ctx, eks: &EksSettings) {
    let spec = ctx.spec;
    // Images and unknown nodes are `check/ecs/workloads`'s, on either platform.
    for name in spec.workloads.keys() {
        let Some(node) = spec.virtual_nodes.get(name) else {
            continue;
        };
        let np = node_path(name).key("service_discovery");
        let dns = node.service_discovery.as_ref().and_then(|d| d.dns.as_ref());
        let example = kube::service_host(&name.replace('_', "-"), eks.task_namespace());
        let Some(dns) = dns else {
            ctx.error(
                Code::EksWorkloadDiscovery,
                np,
                format!("workload `{name}` runs in the cluster, but its virtual node has no DNS discovery naming its Kubernetes Service"),
            )
            .help = Some(format!(
                "write `service_discovery: {{ dns: {{ hostname: {example} }} }}`: meshsynth creates the Service `{}` in namespace `{}`",
                name.replace('_', "-"),
                eks.task_namespace()
            ));
            continue;
        };
        let hp = np.key("dns").key("hostname");
        match kube::service_of_host(&dns.hostname) {
            None => {
                ctx.error(
                    Code::EksWorkloadDiscovery,
                    hp,
                    format!(
                        "`{}` is not a cluster Service name `<service>.<namespace>.svc.cluster.local`, so the Service meshsynth creates for workload `{name}` would not answer it",
                        shown(&dns.hostname)
                    ),
                )
                .help = Some(format!("write `hostname: {example}`"));
            }
            Some((svc, ns)) => {
                if let Some(why) = dns_1035_problem(svc) {
                    ctx.error(
                        Code::EksInvalidName,
                        hp.clone(),
                        format!("`{svc}` is not a Kubernetes Service name: {why}"),
                    )
                    .help = Some(
                        "use at most 63 lower-case letters, digits and `-`, starting with a letter"
                            .into(),
                    );
                }
                if let Some(why) = dns_label_problem(ns) {
                    ctx.error(
                        Code::EksInvalidName,
                        hp,
                        format!("`{ns}` is not a Kubernetes namespace name: {why}"),
                    )
                    .help = Some(format!("write `hostname: {example}`"));
                }
            }
        }
    }
}

fn valid_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// Why `s` is not a DNS-1123 label (namespaces, label values, service accounts), or `None`.
pub(crate) fn dns_label_problem(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("it is empty".into());
    }
    if s.len() > 63 {
        return Some(format!("it has {} characters, more than 63", s.len()));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Some(format!("`{c}` is not a lower-case letter, digit or `-`"));
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Some("it starts or ends with `-`".into());
    }
    None
}

/// DNS-1035 (Service names): a DNS-1123 label that starts with a letter.
fn dns_1035_problem(s: &str) -> Option<String> {
    dns_label_problem(s).or_else(|| {
        (!s.starts_with(|c: char| c.is_ascii_lowercase()))
            .then(|| "it does not start with a letter".to_owned())
    })
}

fn cpu_problem(a: &Amount) -> Option<String> {
    match a {
        Amount::Number(0) => Some("it is zero".into()),
        // Whole cores written as a number are fine; ECS units (1024) are a mix-up.
        Amount::Number(n) if *n > 192 => Some(format!(
            "{n} is {n} whole CPUs on Kubernetes (ECS counts 1024 units per vCPU)"
        )),
        Amount::Number(_) => None,
        Amount::Quantity(q) => {
            if let Some(milli) = q.strip_suffix('m') {
                return match milli.parse::<u64>() {
                    Ok(0) => Some("it is zero".into()),
                    Ok(_) => None,
                    Err(_) => Some("millicores are a whole number before `m`".into()),
                };
            }
            match decimal(q) {
                Some(v) if v > 0.0 => None,
                Some(_) => Some("it is zero".into()),
                None => Some("it is neither cores (`1`, `0.5`) nor millicores (`500m`)".into()),
            }
        }
    }
}

fn memory_problem(a: &Amount) -> Option<String> {
    const UNITS: [&str; 12] = [
        "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "k", "M", "G", "T", "P", "E",
    ];
    match a {
        Amount::Number(n) => Some(format!("without a unit it is {n} bytes (ECS counts MiB)")),
        Amount::Quantity(q) => {
            let Some(unit) = UNITS.iter().find(|u| q.ends_with(*u)) else {
                return Some("it has no unit such as `Mi` or `Gi`".into());
            };
            match decimal(&q[..q.len() - unit.len()]) {
                Some(v) if v > 0.0 => None,
                Some(_) => Some("it is zero".into()),
                None => Some(format!(
                    "`{}` before `{unit}` is not a number",
                    &q[..q.len() - unit.len()]
                )),
            }
        }
    }
}

/// `1`, `0.5`, `2.25`: digits with at most one `.`, as Kubernetes quantities write them.
fn decimal(s: &str) -> Option<f64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || (s.contains('.') && frac.is_empty()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        let q = |s: &str| Amount::Quantity(s.into());
        assert_eq!(cpu_problem(&q("500m")), None);
        assert_eq!(cpu_problem(&q("1")), None);
        assert_eq!(cpu_problem(&q("0.5")), None);
        assert!(cpu_problem(&q("1.5m")).is_some());
        assert!(cpu_problem(&q("half")).is_some());
        assert!(cpu_problem(&Amount::Number(1024)).is_some());
        assert_eq!(cpu_problem(&Amount::Number(2)), None);
        assert_eq!(memory_problem(&q("2Gi")), None);
        assert_eq!(memory_problem(&q("512Mi")), None);
        assert_eq!(memory_problem(&q("1.5Gi")), None);
        assert!(memory_problem(&q("2GB")).is_some());
        assert!(memory_problem(&q("2048")).is_some());
        assert!(memory_problem(&Amount::Number(2048)).is_some());
        assert!(memory_problem(&q("0Mi")).is_some());
    }

    #[test]
    fn names() {
        assert_eq!(dns_label_problem("airflow-tasks"), None);
        assert!(dns_label_problem("Airflow").is_some());
        assert!(dns_label_problem("-a").is_some());
        assert!(dns_label_problem(&"a".repeat(64)).is_some());
        assert!(dns_1035_problem("1orders").is_some());
        assert!(valid_region("us-east-1"));
        assert!(valid_region("us-gov-west-1"));
        assert!(!valid_region("useast1"));
        assert!(!valid_region("us-east-"));
    }
}
