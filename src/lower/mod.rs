//! Lowering: a [`Checked`] spec → the resource graph ([`Plan`]). One folder per backend or
//! platform: `appmesh/` (the mesh and its Envoy sidecar), `ecs/` (tasks and services), with the
//! Airflow settings every platform shares in `airflow.rs`.

pub mod airflow;
pub mod appmesh;
pub mod ecs;
pub mod iam;

use crate::check::Checked;
use crate::ir::Plan;

/// Lowers a checked spec into the graph (which [`crate::ir::check_graph`] then checks).
pub fn lower(checked: &Checked) -> Plan {
    let mut plan = appmesh::lower(checked);
    let envoy = appmesh::sidecar::Envoy { checked };
    ecs::lower(checked, &mut plan, Some(&envoy));
    plan
}
