//! Egress around Envoy: valid ignored ports and IPs, ignored ports that would bypass the mesh,
//! and, under `drop_all`, what Airflow needs outside the mesh (Postgres, Redis).

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use crate::check::common::{and_list, and_plain, check_port, shown};
use crate::check::Ctx;
use crate::diagnostic::Code;
use crate::spec::paths::airflow_path;
use crate::spec::{Airflow, EgressFilter, Executor, Major, Spec, TaskRunner};

/// Postgres, the metadata database.
const POSTGRES_PORT: u32 = 5432;
/// Redis, the Celery broker.
const REDIS_PORT: u32 = 6379;
/// The Kubernetes API server (`kubernetes.default.svc`).
const KUBE_API_PORT: u32 = 443;

pub(crate) fn check(ctx: &mut Ctx) {
    let spec = ctx.spec;
    let Some(af) = &spec.airflow else { return };
    check_egress_values(ctx, af);
    // Envoy's egress filter: Lattice has none.
    if let (Some(m), true) = (af.major(), ctx.app_mesh) {
        check_egress_filter(ctx, af, m);
    }
}

fn check_egress_values(ctx: &mut Ctx, af: &Airflow) {
    let path = airflow_path().key("egress");
    for (i, port) in af.egress.ignored_ports.iter().enumerate() {
        check_port(ctx, path.key("ignored_ports").index(i), *port);
    }
    for (i, ip) in af.egress.ignored_ips.iter().enumerate() {
        if !valid_ipv4_or_cidr(ip) {
            ctx.error(
                Code::AirflowInvalidEgress,
                path.key("ignored_ips").index(i),
                format!("`{}` is not an IPv4 address or CIDR block", shown(ip)),
            )
            .help = Some(
                "write an address such as `10.0.12.7` or a block such as `10.0.0.0/16`: ECS takes IPv4 only here"
                    .into(),
            );
        }
    }

    // An ignored port that mesh backends listen on sends those calls around Envoy.
    let spec = ctx.spec;
    let mut backends: BTreeSet<&str> = af
        .workers
        .iter()
        .flat_map(|w| w.backends.iter().map(String::as_str))
        .collect();
    backends.extend(
        af.tasks
            .values()
            .flat_map(|t| t.backends.iter().map(String::as_str)),
    );
    for (i, port) in af.egress.ignored_ports.iter().enumerate() {
        let hit: Vec<&str> = backends
            .iter()
            .copied()
            .filter(|b| spec.provider_ports(b).contains(port))
            .collect();
        if !hit.is_empty() {
            ctx.warning(
                Code::AirflowIgnoredMeshPort,
                path.key("ignored_ports").index(i),
                format!(
                    "ignored port `{port}` is also the port of the backend{} {}, so Airflow's calls to {} bypass Envoy",
                    if hit.len() > 1 { "s" } else { "" },
                    and_list(&hit),
                    if hit.len() > 1 { "them" } else { "it" }
                ),
            )
            .help = Some(format!(
                "remove `{port}` from `ignored_ports` (the mesh carries calls to its backends), or move the other destination to another port"
            ));
        }
    }
}

fn valid_ipv4_or_cidr(s: &str) -> bool {
    match s.split_once('/') {
        Some((ip, bits)) => {
            ip.parse::<Ipv4Addr>().is_ok()
                && !bits.is_empty()
                && bits.chars().all(|c| c.is_ascii_digit())
                && bits.parse::<u32>().is_ok_and(|b| b <= 32)
        }
        None => s.parse::<Ipv4Addr>().is_ok(),
    }
}

/// Ports the backends listed make reachable through the mesh.
fn backend_ports(spec: &Spec, backends: &[String]) -> BTreeSet<u32> {
    backends
        .iter()
        .flat_map(|b| spec.provider_ports(b))
        .collect()
}

fn check_egress_filter(ctx: &mut Ctx, af: &Airflow, major: Major) {
    let spec = ctx.spec;
    if spec.mesh.egress_filter == Some(EgressFilter::AllowAll) {
        return;
    }
    let worker_backends: Vec<String> = af
        .workers
        .as_ref()
        .map(|w| w.backends.clone())
        .unwrap_or_default();
    let runner_ports = backend_ports(spec, &worker_backends);
    let eks = af.on_eks().is_some();
    let runner = match af.runs_tasks_in() {
        TaskRunner::EcsTaskDefinition => "the ECS tasks that run Airflow tasks",
        TaskRunner::CeleryWorkers => "the Celery workers",
        TaskRunner::Scheduler => "the scheduler (it runs the tasks with the local executor)",
        TaskRunner::Pods => "the pods that run Airflow tasks",
    };
    // (port, what it is, the meshed parts that need it and reach it neither way)
    let mut needs: Vec<(u32, &str, Vec<&str>)> = Vec::new();
    let mut postgres: Vec<&str> = Vec::new();
    match major {
        Major::V2 => {
            // On EKS the control plane has no Envoy: only task pods are meshed.
            if af.components.webserver.is_some() && !eks {
                postgres.push("the webserver");
            }
            if !runner_ports.contains(&POSTGRES_PORT) {
                postgres.push(runner);
            }
        }
        Major::V3 => {
            if af.components.api_server.is_some() && !eks {
                postgres.push("the API server");
            }
            if af.executor == Executor::Local && !runner_ports.contains(&POSTGRES_PORT) {
                postgres.push(runner);
            }
        }
    }
    needs.push((POSTGRES_PORT, "the metadata database (Postgres)", postgres));
    if af.executor == Executor::Celery && !runner_ports.contains(&REDIS_PORT) {
        needs.push((REDIS_PORT, "the Celery broker (Redis)", vec![runner]));
    }
    if af.on_eks().is_some() && !af.tasks.is_empty() && !runner_ports.contains(&KUBE_API_PORT) {
        needs.push((
            KUBE_API_PORT,
            "the Kubernetes API (KubernetesPodOperator starts the DAG tasks' pods from there)",
            vec![runner],
        ));
    }
    let ignored = &af.egress.ignored_ports;
    let missing: Vec<(u32, &str, Vec<&str>)> = needs
        .into_iter()
        .filter(|(port, _, who)| !who.is_empty() && !ignored.contains(port))
        .collect();
    if missing.is_empty() {
        return;
    }
    let mut all: Vec<u32> = ignored.clone();
    all.extend(missing.iter().map(|(p, _, _)| *p));
    let all_text = all
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let new_text = missing
        .iter()
        .map(|(p, _, _)| p.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let (path, line) = if !ignored.is_empty() {
        (
            airflow_path().key("egress").key("ignored_ports"),
            format!("change `airflow.egress.ignored_ports` to `ignored_ports: [{all_text}]`"),
        )
    } else if !af.egress.ignored_ips.is_empty() {
        (
            airflow_path().key("egress"),
            format!("add `ignored_ports: [{new_text}]` under `airflow.egress`"),
        )
    } else {
        (
            airflow_path().key("egress"),
            format!("add `egress: {{ ignored_ports: [{new_text}] }}` under `airflow`"),
        )
    };
    for (port, what, who) in &missing {
        ctx.warning(
            Code::AirflowEgressBlocked,
            path.clone(),
            format!(
                "under the mesh's `drop_all` egress filter, Envoy blocks port `{port}` of {what}, needed by {}",
                and_plain(who)
            ),
        )
        .help = Some(format!(
            "{line}, or set `mesh.egress_filter: allow_all`; AWS APIs over 443 (ECS, STS, CloudWatch Logs, Secrets Manager) are `*.amazonaws.com`, which App Mesh lets through, so they need nothing"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn egress_ips() {
        assert!(valid_ipv4_or_cidr("10.0.0.0/16"));
        assert!(valid_ipv4_or_cidr("10.0.12.7"));
        assert!(!valid_ipv4_or_cidr("10.0.0.0/33"));
        assert!(!valid_ipv4_or_cidr("10.0.0/8"));
        assert!(!valid_ipv4_or_cidr("fd00::1"));
        assert!(!valid_ipv4_or_cidr("10.0.0.0/"));
    }
}
