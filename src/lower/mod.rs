//! Lowering: a [`Checked`] spec → the resource graph ([`Plan`]). One folder per backend or
//! platform: `appmesh/` (the mesh and its Envoy sidecar), `lattice/` (service network, services, target
//! groups, auth policies), `ecs/` (tasks and services), with the
//! Airflow settings every platform shares in `airflow.rs`.

pub mod airflow;
pub mod appmesh;
pub mod ecs;
pub(crate) mod eks;
pub mod iam;
pub mod lattice;
pub(crate) mod observe;

use crate::check::Checked;
use crate::ir::Plan;
use crate::spec::MeshBackend;

/// Lowers a checked spec into the graph of one backend (which [`crate::ir::check_graph`] then
/// checks).
pub fn lower(checked: &Checked, backend: MeshBackend) -> Plan {
    let mut plan = match backend {
        MeshBackend::AppMesh => {
            let mut plan = appmesh::lower(checked);
            let envoy = appmesh::sidecar::Envoy { checked };
            ecs::lower(checked, &mut plan, &ecs::AppMeshEcs(&envoy));
            eks::lower(checked, &mut plan, backend);
            plan
        }
        MeshBackend::VpcLattice => lattice::lower(checked),
    };
    observe::lower(checked, &mut plan);
    for r in plan.resources.values_mut() {
        if r.id.kind.taggable() {
            r.tags.insert(SOURCE_TAG.into(), source_tag(&r.source));
        }
    }
    plan
}

/// How long CloudWatch keeps the stack's logs: `airflow.log_retention_days`, else 30 days.
pub(crate) fn log_retention_days(spec: &crate::spec::Spec) -> u32 {
    spec.airflow
        .as_ref()
        .and_then(|a| a.log_retention_days)
        .unwrap_or(30)
}

/// `1 virtual node`, `2 virtual nodes`.
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The tag that leads from a resource in the console back to the spec.
pub const SOURCE_TAG: &str = "meshsynth:source";

/// `virtual_nodes.orders-v1`: the spec path a resource comes from, in the characters every
/// AWS tag value allows (letters, digits, spaces and `_.:/=+-@`), at most 256 of them.
pub fn source_tag(path: &crate::diagnostic::FieldPath) -> String {
    use crate::diagnostic::Segment;
    let parts: Vec<String> = path
        .segments()
        .iter()
        .map(|s| match s {
            Segment::Key(k) => k.clone(),
            Segment::Index(i) => i.to_string(),
        })
        .collect();
    let text = if parts.is_empty() {
        "spec".to_owned()
    } else {
        parts.join(".")
    };
    text.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(256)
        .collect()
}

/// A Route 53 private hosted zone `name` in `vpc`: the Lattice backend's zone and, with Airflow
/// on EKS, App Mesh's zone of the virtual-service names.
pub(crate) fn private_zone(name: &str, vpc: crate::ir::Value, comment: String) -> crate::ir::Obj {
    use crate::ir::{Obj, Pseudo, Value};
    Obj::new()
        .set("Name", name)
        .set(
            "VPCs",
            vec![Obj::new()
                .set("VPCId", vpc)
                .set("VPCRegion", Value::Pseudo(Pseudo::Region))
                .into()],
        )
        .set("HostedZoneConfig", Obj::new().set("Comment", comment))
}
