//! Stable, readable identifiers: `VirtualNodeOrdersV1` in CloudFormation,
//! `aws_appmesh_virtual_node.orders_v1` in Terraform. Sanitising loses information
//! (`orders-v1` and `orders_v1` both become `OrdersV1`), so collisions are errors that name
//! both sources, never a silent hash: a changed logical ID would replace a live resource.

use std::collections::BTreeMap;

use super::{Plan, ResourceId};
use crate::diagnostic::{Diagnostic, Diagnostics};

/// `orders-v1` → `OrdersV1`; `orders.orders.internal` → `OrdersOrdersInternal`.
pub fn pascal_case(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            let first = c.next().map(|f| f.to_ascii_uppercase());
            first.into_iter().chain(c).collect::<String>()
        })
        .collect()
}

/// `orders-v1` → `orders_v1`; `OrdersV1` → `orders_v1`; a leading digit gets a `_` prefix.
pub fn snake_case(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1);
            let boundary = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// The CloudFormation logical ID: kind noun + PascalCase name parts.
pub fn cfn_logical_id(id: &ResourceId) -> String {
    format!("{}{}", id.kind.noun(), pascal_case(&id.name))
}

/// The Terraform resource name (the type comes from the renderer's table).
pub fn tf_name(id: &ResourceId) -> String {
    snake_case(&id.name.replace('/', "__"))
}

pub(super) fn check_collisions(plan: &Plan) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let mut cfn: BTreeMap<String, &ResourceId> = BTreeMap::new();
    let mut tf: BTreeMap<(super::Kind, String), &ResourceId> = BTreeMap::new();
    for (id, r) in &plan.resources {
        let mut clash = |other: &ResourceId, ident: String| {
            let o = &plan.resources[other];
            diags.push(
                Diagnostic::error(
                    "id-collision",
                    r.source.clone(),
                    format!(
                        "{}s `{}` and `{}` both become the identifier `{ident}`",
                        id.kind.label(),
                        other.name,
                        id.name
                    ),
                )
                .with_help(format!(
                    "rename one of them; the other is at `{}` (identifiers must stay stable, so meshsynth does not add hashes)",
                    o.source
                )),
            );
        };
        let c = cfn_logical_id(id);
        if let Some(other) = cfn.get(&c) {
            clash(other, c.clone());
        } else {
            cfn.insert(c, id);
        }
        let t = (id.kind, tf_name(id));
        if let Some(other) = tf.get(&t) {
            // Same CFN collision is already reported for the same pair.
            if cfn_logical_id(other) != cfn_logical_id(id) {
                clash(other, t.1.clone());
            }
        } else {
            tf.insert(t, id);
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(pascal_case("orders-v1"), "OrdersV1");
        assert_eq!(
            pascal_case("orders.orders.internal"),
            "OrdersOrdersInternal"
        );
        assert_eq!(snake_case("orders-v1"), "orders_v1");
        assert_eq!(snake_case("AWSCloudMap"), "aws_cloud_map");
        assert_eq!(snake_case("Http2Route"), "http2_route");
        assert_eq!(snake_case("HTTP2"), "http2");
        assert_eq!(snake_case("IntervalMillis"), "interval_millis");
        assert_eq!(snake_case("TTL"), "ttl");
        assert_eq!(snake_case("9lives"), "_9lives");
    }
}
