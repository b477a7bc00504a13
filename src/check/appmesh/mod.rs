//! App Mesh's own rules: names and references, nodes and gateways, routes, quotas, and egress
//! around Envoy. (Its API bounds live here rather than with the spec: another backend, such as
//! VPC Lattice, bounds names and weights differently.)

mod egress;
mod names;
mod nodes;
mod quotas;
mod routes;

pub(crate) use quotas::too_many_backends_message;

use super::Ctx;

pub(crate) fn check(ctx: &mut Ctx) {
    names::check(ctx);
    nodes::check(ctx);
    routes::check(ctx);
    if ctx.app_mesh {
        quotas::check(ctx);
    }
    egress::check(ctx);
}
