//! Stable, readable identifiers: `VirtualNodeOrdersV1` in CloudFormation,
//! `aws_appmesh_virtual_node.orders_v1` in Terraform. Sanitising loses information
//! (`orders-v1` and `orders_v1` both become `OrdersV1`), so collisions are errors that name
//! both sources, never a silent hash: a changed logical ID would replace a live resource.

use std::collections::{BTreeSet, HashMap};

use super::Target;
use crate::case::{pascal_case, snake_case};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ir::{Plan, ResourceId};

/// The CloudFormation logical ID: kind noun + PascalCase name parts.
pub fn cfn_logical_id(id: &ResourceId) -> String {
    format!("{}{}", id.kind.info().noun, pascal_case(&id.name))
}

/// The Terraform resource name (the type comes from the kind's descriptor).
pub fn tf_name(id: &ResourceId) -> String {
    snake_case(&id.name.replace('/', "__"))
}

/// Two resources that one of `targets` would give the same identifier. Each pair is reported
/// once, by the first target (in registry order) in which it collides.
pub fn check_collisions(plan: &Plan, targets: &[&dyn Target]) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let mut reported: BTreeSet<(&ResourceId, &ResourceId)> = BTreeSet::new();
    for t in targets {
        // Lookups only (reports follow the plan's order): hashing beats comparing long IDs.
        let mut seen: HashMap<(String, String), &ResourceId> =
            HashMap::with_capacity(plan.resources.len());
        for (id, r) in &plan.resources {
            let Some(key) = t.identifier(id) else {
                continue;
            };
            let Some(other) = seen.get(&key).copied() else {
                seen.insert(key, id);
                continue;
            };
            if !reported.insert((other, id)) {
                continue;
            }
            let o = &plan.resources[other];
            diags.push(
                Diagnostic::error(
                    crate::diagnostic::Code::IdCollision,
                    r.source.clone(),
                    format!(
                        "{}s `{}` and `{}` both become the identifier `{}`",
                        id.kind.label(),
                        other.name,
                        id.name,
                        key.1
                    ),
                )
                .with_help(format!(
                    "rename one of them; the other is at `{}` (identifiers must stay stable, so meshsynth does not add hashes)",
                    o.source
                )),
            );
        }
    }
    diags
}
