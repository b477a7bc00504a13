//! What the Terraform AWS provider cannot express: errors only when Terraform is rendered.

use crate::check::Ctx;
use crate::spec::paths::{gateway_path, node_path};

const TF_HELP: &str = "render with `--target cloudformation`, or drop the field";

pub(super) fn check(ctx: &mut Ctx) {
    // Both concern App Mesh resources, which only the App Mesh backend renders.
    if ctx.app_mesh {
        check_unsupported(ctx);
        check_backends(ctx);
    }
}

/// The AWS provider's schema caps a node's `backend` blocks (MaxItems 50, since
/// hashicorp/terraform-provider-aws#19423), although the App Mesh quota can be raised.
const MAX_BACKENDS: usize = 50;

/// Over the provider's cap, the App Mesh quota warning for the same node becomes an error (it
/// supersedes the warning: same code, same place).
fn check_backends(ctx: &mut Ctx) {
    use crate::check::too_many_backends_message;
    let spec = ctx.spec;
    for (name, node) in &spec.virtual_nodes {
        let n = node.backends.len();
        if n > MAX_BACKENDS {
            ctx.error(
                crate::diagnostic::Code::TooManyBackends,
                node_path(name).key("backends"),
                too_many_backends_message(name, n),
            )
            .help = Some(format!(
                "the Terraform AWS provider caps `backend` at {MAX_BACKENDS}: render with `--target cloudformation` (and ask AWS to raise the `Backends per virtual node` quota), or split the node"
            ));
        }
    }
}

/// Fields the Terraform AWS provider has no argument for.
fn check_unsupported(ctx: &mut Ctx) {
    let spec = ctx.spec;
    for (name, node) in &spec.virtual_nodes {
        let cm = node
            .service_discovery
            .as_ref()
            .and_then(|sd| sd.cloud_map.as_ref());
        if cm.and_then(|c| c.ip_preference).is_some() {
            ctx.error(
                crate::diagnostic::Code::TerraformUnsupported,
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
                            crate::diagnostic::Code::TerraformUnsupported,
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
                    crate::diagnostic::Code::TerraformUnsupported,
                    m.clone(),
                    "the Terraform AWS provider requires `service_name` on gRPC gateway routes",
                )
                .help = Some(
                    "set `match.service_name`, or render with `--target cloudformation`".into(),
                );
            }
            if g.matches.hostname.is_some() {
                ctx.error(
                    crate::diagnostic::Code::TerraformUnsupported,
                    m.key("hostname"),
                    "the Terraform AWS provider cannot match gRPC gateway routes on `hostname`",
                )
                .help = Some(TF_HELP.into());
            }
            if !g.matches.metadata.is_empty() {
                ctx.error(
                    crate::diagnostic::Code::TerraformUnsupported,
                    m.key("metadata"),
                    "the Terraform AWS provider cannot match gRPC gateway routes on `metadata`",
                )
                .help = Some(TF_HELP.into());
            }
            if g.rewrite.as_ref().and_then(|r| r.hostname).is_some() {
                ctx.error(
                    crate::diagnostic::Code::TerraformUnsupported,
                    p.key("rewrite").key("hostname"),
                    "the Terraform AWS provider cannot rewrite the hostname of gRPC gateway routes",
                )
                .help = Some(TF_HELP.into());
            }
        }
    }
}
