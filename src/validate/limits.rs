//! Quotas (warnings: most App Mesh quotas can be raised) and what a target cannot express
//! (errors only when that target is rendered).

use super::{gateway_path, node_path, router_path, Ctx};
use crate::diagnostic::FieldPath;
use crate::render::Target;

const MAX_PER_MESH: usize = 200;
const MAX_ROUTES_PER_ROUTER: usize = 50;
const MAX_BACKENDS_PER_NODE: usize = 50;
const MAX_ROUTES_PER_GATEWAY: usize = 10;

const TF_HELP: &str = "render with `--target cloudformation`, or drop the field";

pub(crate) fn check(ctx: &mut Ctx) {
    check_quotas(ctx);
    if ctx.targets(Target::Terraform) {
        check_terraform(ctx);
    }
}

fn check_quotas(ctx: &mut Ctx) {
    let spec = ctx.spec;
    for (key, noun, quota, count) in [
        (
            "virtual_nodes",
            "virtual nodes",
            "Virtual nodes per mesh",
            spec.virtual_nodes.len(),
        ),
        (
            "virtual_services",
            "virtual services",
            "Virtual services per mesh",
            spec.virtual_services.len(),
        ),
        (
            "virtual_routers",
            "virtual routers",
            "Virtual routers per mesh",
            spec.virtual_routers.len(),
        ),
    ] {
        if count > MAX_PER_MESH {
            ctx.warning(
                "too-many-resources",
                FieldPath::root().key(key),
                format!(
                    "the mesh has {count} {noun}, more than the default quota of {MAX_PER_MESH}"
                ),
            )
            .help = Some(format!(
                "ask AWS to raise the `{quota}` quota before deploying, or split the mesh"
            ));
        }
    }

    for (name, router) in &spec.virtual_routers {
        let n = router.routes.len();
        if n > MAX_ROUTES_PER_ROUTER {
            ctx.warning(
                "too-many-routes",
                router_path(name).key("routes"),
                format!(
                    "virtual router `{name}` has {n} routes, more than the default quota of {MAX_ROUTES_PER_ROUTER}"
                ),
            )
            .help = Some(
                "ask AWS to raise the `Routes per virtual router` quota, or spread the routes over several routers"
                    .into(),
            );
        }
    }

    let terraform = ctx.targets(Target::Terraform);
    for (name, node) in &spec.virtual_nodes {
        let n = node.backends.len();
        if n <= MAX_BACKENDS_PER_NODE {
            continue;
        }
        let path = node_path(name).key("backends");
        let msg = format!(
            "virtual node `{name}` has {n} backends, more than the {MAX_BACKENDS_PER_NODE} of the default quota"
        );
        if terraform {
            ctx.error("too-many-backends", path, msg).help = Some(format!(
                "the Terraform AWS provider caps `backend` at {MAX_BACKENDS_PER_NODE}: render with `--target cloudformation` (and ask AWS to raise the `Backends per virtual node` quota), or split the node"
            ));
        } else {
            ctx.warning("too-many-backends", path, msg).help = Some(
                "ask AWS to raise the `Backends per virtual node` quota before deploying, or split the node"
                    .into(),
            );
        }
    }

    for (name, gw) in &spec.virtual_gateways {
        let n = gw.routes.len();
        if n > MAX_ROUTES_PER_GATEWAY {
            ctx.warning(
                "too-many-gateway-routes",
                gateway_path(name).key("routes"),
                format!(
                    "virtual gateway `{name}` has {n} gateway routes, more than the default quota of {MAX_ROUTES_PER_GATEWAY}"
                ),
            )
            .help = Some(
                "ask AWS to raise the `Gateway routes per virtual gateway` quota, or spread the routes over several gateways"
                    .into(),
            );
        }
    }
}

/// Fields the Terraform AWS provider has no argument for.
fn check_terraform(ctx: &mut Ctx) {
    let spec = ctx.spec;
    for (name, node) in &spec.virtual_nodes {
        let cm = node
            .service_discovery
            .as_ref()
            .and_then(|sd| sd.cloud_map.as_ref());
        if cm.and_then(|c| c.ip_preference).is_some() {
            ctx.error(
                "terraform-unsupported",
                node_path(name)
                    .key("service_discovery")
                    .key("cloud_map")
                    .key("ip_preference"),
                "the Terraform AWS provider cannot set `ip_preference` on Cloud Map discovery",
            )
            .help = Some(TF_HELP.into());
        }
    }
    for (gname, gw) in &spec.virtual_gateways {
        for (route_name, route) in &gw.routes {
            let base = gateway_path(gname).key("routes").key(route_name);
            for (kind, r) in [("http", &route.http), ("http2", &route.http2)] {
                if let Some(r) = r {
                    if r.matches.method.is_some() {
                        ctx.error(
                            "terraform-unsupported",
                            base.key(kind).key("match").key("method"),
                            "the Terraform AWS provider cannot match gateway routes on `method`",
                        )
                        .help = Some(TF_HELP.into());
                    }
                }
            }
            let Some(g) = &route.grpc else { continue };
            let p = base.key("grpc");
            let m = p.key("match");
            if g.matches.service_name.is_none() {
                ctx.error(
                    "terraform-unsupported",
                    m.clone(),
                    "the Terraform AWS provider requires `service_name` on gRPC gateway routes",
                )
                .help = Some(
                    "set `match.service_name`, or render with `--target cloudformation`".into(),
                );
            }
            if g.matches.hostname.is_some() {
                ctx.error(
                    "terraform-unsupported",
                    m.key("hostname"),
                    "the Terraform AWS provider cannot match gRPC gateway routes on `hostname`",
                )
                .help = Some(TF_HELP.into());
            }
            if !g.matches.metadata.is_empty() {
                ctx.error(
                    "terraform-unsupported",
                    m.key("metadata"),
                    "the Terraform AWS provider cannot match gRPC gateway routes on `metadata`",
                )
                .help = Some(TF_HELP.into());
            }
            if g.rewrite.as_ref().and_then(|r| r.hostname).is_some() {
                ctx.error(
                    "terraform-unsupported",
                    p.key("rewrite").key("hostname"),
                    "the Terraform AWS provider cannot rewrite the hostname of gRPC gateway routes",
                )
                .help = Some(TF_HELP.into());
            }
        }
    }
}
