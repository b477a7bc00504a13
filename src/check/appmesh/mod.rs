//! App Mesh's own rules: names and references, nodes and gateways, routes, quotas, and egress
//! around Envoy. (Its API bounds live here rather than with the spec: another backend, such as
//! VPC Lattice, bounds names and weights differently.)

mod egress;
mod names;
mod nodes;
mod quotas;
mod routes;

pub(crate) use quotas::{too_many_backends_message, MAX_BACKENDS};

use super::Ctx;

pub(crate) fn check(ctx: &mut Ctx) {
    names::check(ctx);
    nodes::check(ctx);
    routes::check(ctx);
    quotas::check(ctx);
    egress::check(ctx);
}

/// The App Mesh rules for one generated object at `path` (`virtual_nodes.<name>` or
/// `virtual_services.<name>`): the rules the spec's own nodes and services pass.
pub(crate) fn check_generated(ctx: &mut Ctx, path: &crate::diagnostic::FieldPath) {
    use crate::diagnostic::Segment::Key;
    let spec = ctx.spec;
    match path.segments() {
        [Key(c), Key(name)] if c == "virtual_nodes" => {
            names::check_name(ctx, path.clone(), "virtual node", name);
            if let Some(node) = spec.virtual_nodes.get(name) {
                nodes::check_node(ctx, name, node);
                names::check_backends(ctx, name, node);
            }
        }
        [Key(c), Key(name)] if c == "virtual_services" => {
            names::check_service_name(ctx, path.clone(), name);
        }
        _ => {}
    }
}
