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
