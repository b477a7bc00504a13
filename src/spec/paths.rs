//! The paths of the spec's collections, so that rules and lowerings name a resource's place in
//! the file the same way.

use crate::diagnostic::FieldPath;

pub fn node_path(name: &str) -> FieldPath {
    FieldPath::root().key("virtual_nodes").key(name)
}
pub fn router_path(name: &str) -> FieldPath {
    FieldPath::root().key("virtual_routers").key(name)
}
pub fn service_path(name: &str) -> FieldPath {
    FieldPath::root().key("virtual_services").key(name)
}
pub fn gateway_path(name: &str) -> FieldPath {
    FieldPath::root().key("virtual_gateways").key(name)
}
pub fn airflow_path() -> FieldPath {
    FieldPath::root().key("airflow")
}
pub fn workload_path(name: &str) -> FieldPath {
    FieldPath::root().key("workloads").key(name)
}

/// One size of the `airflow:` section: where it is, its CPU and its memory.
pub type SizeAt<'a> = (
    FieldPath,
    Option<&'a super::Amount>,
    Option<&'a super::Amount>,
);

/// Every size the `airflow:` section sets (components, workers, DAG tasks), with its path: ECS
/// and EKS check the same list by their own rules.
pub fn airflow_sizes(af: &super::Airflow) -> Vec<SizeAt<'_>> {
    let comps = &af.components;
    let mut out = Vec::new();
    for (key, c) in [
        ("api_server", &comps.api_server),
        ("webserver", &comps.webserver),
        ("scheduler", &comps.scheduler),
        ("dag_processor", &comps.dag_processor),
        ("triggerer", &comps.triggerer),
    ] {
        if let Some(c) = c {
            out.push((
                airflow_path().key("components").key(key),
                c.cpu.as_ref(),
                c.memory.as_ref(),
            ));
        }
    }
    if let Some(w) = &af.workers {
        out.push((
            airflow_path().key("workers"),
            w.cpu.as_ref(),
            w.memory.as_ref(),
        ));
    }
    for (n, t) in &af.tasks {
        out.push((
            airflow_path().key("tasks").key(n),
            Some(&t.cpu),
            Some(&t.memory),
        ));
    }
    out
}
