//! Names and references: App Mesh name rules, and every name that points at another
//! resource resolves.

use crate::check::generated;
use crate::check::Ctx;
use crate::diagnostic::{did_you_mean, Code, FieldPath};
use crate::spec::paths::{gateway_path, node_path, router_path, service_path};
use crate::spec::VirtualNode;

/// App Mesh resource names: 1–255 characters; the console allows letters, digits, `-` and `_`.
pub(crate) fn check_name(ctx: &mut Ctx, path: FieldPath, what: &str, name: &str) {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if name.is_empty() || name.len() > 255 || !ok_chars {
        ctx.error(
            Code::InvalidName,
            path,
            format!("{what} name `{name}` is not a valid App Mesh name"),
        )
        .help = Some("use 1–255 letters, digits, `-` and `_`".into());
    }
}

/// Virtual service names are DNS names clients resolve: labels of letters, digits, `-` and `_`,
/// joined by `.`. App Mesh and Route 53 take `_` (AWS's own walkthroughs name services
/// `color_server.<namespace>`), so a spec may too.
fn check_service_name(ctx: &mut Ctx, path: FieldPath, name: &str) {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    if !ok {
        ctx.error(
            Code::InvalidName,
            path,
            format!("virtual service name `{name}` is not a DNS name"),
        )
        .help = Some(
            "clients connect to this name, so write it as a host name such as `orders.orders.internal`".into(),
        );
    }
}

pub(crate) fn check(ctx: &mut Ctx) {
    let spec = ctx.spec;
    let project_ok = !spec.name.is_empty()
        && spec.name.len() <= 32
        && spec
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && spec.name.starts_with(|c: char| c.is_ascii_alphabetic());
    if !project_ok {
        ctx.error(
            Code::InvalidName,
            FieldPath::root().key("name"),
            format!(
                "project name `{}` cannot prefix IAM role and export names",
                spec.name
            ),
        )
        .help = Some("use 1–32 letters, digits and `-`, starting with a letter".into());
    }
    check_name(
        ctx,
        FieldPath::root().key("mesh").key("name"),
        "mesh",
        &spec.mesh.name,
    );
    if let Some(owner) = &spec.mesh.owner {
        if owner.len() != 12 || !owner.chars().all(|c| c.is_ascii_digit()) {
            ctx.error(
                Code::InvalidAccountId,
                FieldPath::root().key("mesh").key("owner"),
                format!("mesh owner `{owner}` is not a 12-digit AWS account ID"),
            )
            .help = Some("write the ID of the account that shares the mesh, as a quoted string: \"111122223333\"".into());
        }
        if spec.mesh.egress_filter.is_some() || spec.mesh.ip_preference.is_some() {
            let key = if spec.mesh.egress_filter.is_some() {
                "egress_filter"
            } else {
                "ip_preference"
            };
            ctx.error(
                Code::SharedMeshSpec,
                FieldPath::root().key("mesh").key(key),
                "a shared mesh is owned by another account, so its egress filter and IP preference cannot be set here",
            )
            .help = Some("remove `egress_filter` and `ip_preference`, or ask the owner account to set them".into());
        }
        if spec.mesh.existing {
            ctx.warning(
                Code::ExistingMeshOwner,
                FieldPath::root().key("mesh").key("existing"),
                "`existing: true` says nothing more than `owner`: a shared mesh exists already",
            )
            .help = Some(
                "remove `existing`; keep `owner` for a mesh another account shares with this one through AWS RAM (its children need `MeshOwner`), or remove `owner` for a mesh another stack of this account created".into(),
            );
        }
    } else if spec.mesh.existing {
        let m = &spec.mesh;
        let set = [
            (
                "egress_filter",
                m.egress_filter.is_some(),
                "its egress filter",
            ),
            (
                "ip_preference",
                m.ip_preference.is_some(),
                "its IP preference",
            ),
            ("tags", !m.tags.is_empty(), "the mesh's tags"),
        ];
        for (key, _, what) in set.iter().filter(|(_, on, _)| *on) {
            ctx.error(
                Code::ExistingMeshSpec,
                FieldPath::root().key("mesh").key(*key),
                format!("an existing mesh belongs to the stack that created it, so {what} cannot be set here"),
            )
            .help = Some(if *key == "tags" {
                "remove `mesh.tags`, or set them in the spec of the stack that creates the mesh; the top-level `tags` still tag every resource this stack creates".into()
            } else {
                format!("remove `mesh.{key}`, or set it in the spec of the stack that creates the mesh")
            });
        }
    }
    if spec.mesh.exists() {
        // A namespace this stack creates is a resource; an existing one is not.
        let nothing = spec.virtual_nodes.is_empty()
            && spec.virtual_routers.is_empty()
            && spec.virtual_services.is_empty()
            && spec.virtual_gateways.is_empty()
            && spec.created_namespace().is_none();
        if nothing {
            let (key, what) = if spec.mesh.owner.is_some() {
                ("owner", "a shared")
            } else {
                ("existing", "an existing")
            };
            ctx.error(
                Code::EmptySpec,
                FieldPath::root().key("mesh").key(key),
                format!("a spec for {what} mesh must declare at least one resource"),
            )
            .help = Some(format!(
                "meshsynth creates no mesh for {what} mesh, and CloudFormation rejects a template without resources: add virtual nodes, services, routers or gateways"
            ));
        }
    }
    if let Some(ns) = spec.namespace().filter(|n| n.existing) {
        if ns.dns_ttl.is_some() {
            ctx.error(
                Code::ExistingNamespaceSpec,
                FieldPath::root()
                    .key("service_discovery")
                    .key("cloud_map")
                    .key("dns_ttl"),
                format!(
                    "`dns_ttl` is the TTL of the Cloud Map services meshsynth creates, but it creates none in the existing namespace `{}`",
                    ns.namespace
                ),
            )
            .help = Some(
                "remove `dns_ttl`: the TTL of an existing Cloud Map service is set where it was created (`aws servicediscovery update-service`)".into(),
            );
        }
    }
    for name in spec.virtual_nodes.keys() {
        check_name(ctx, node_path(name), "virtual node", name);
    }
    for (name, router) in &spec.virtual_routers {
        check_name(ctx, router_path(name), "virtual router", name);
        for route in router.routes.keys() {
            check_name(
                ctx,
                router_path(name).key("routes").key(route),
                "route",
                route,
            );
        }
    }
    for (name, gw) in &spec.virtual_gateways {
        check_name(ctx, gateway_path(name), "virtual gateway", name);
        for route in gw.routes.keys() {
            check_name(
                ctx,
                gateway_path(name).key("routes").key(route),
                "gateway route",
                route,
            );
        }
    }
    for name in spec.virtual_services.keys() {
        check_service_name(ctx, service_path(name), name);
    }
    check_references(ctx);
}

/// Every backend of a node is a virtual service of the spec, or one meshsynth generates.
fn check_backends(ctx: &mut Ctx, name: &str, node: &VirtualNode) {
    let spec = ctx.spec;
    let generated = generated::services(spec);
    // The names to suggest from are only listed for a backend that is wrong: listing them for
    // every node made this check quadratic in the mesh's size.
    let services = || spec.virtual_services.keys().map(String::as_str);
    for (i, b) in node.backends.iter().enumerate() {
        if !spec.virtual_services.contains_key(&b.virtual_service)
            && !generated.contains(&b.virtual_service)
        {
            ctx.error(
                Code::UnknownVirtualService,
                node_path(name).key("backends").index(i),
                format!(
                    "backend `{}` is not a virtual service of this spec",
                    b.virtual_service
                ),
            )
            .help = Some(
                did_you_mean(&b.virtual_service, services()).unwrap_or_else(|| {
                    "add it under `virtual_services` (a service without a provider is `{}`)".into()
                }),
            );
        }
    }
}

fn check_references(ctx: &mut Ctx) {
    let spec = ctx.spec;
    let nodes: Vec<&str> = spec.virtual_nodes.keys().map(String::as_str).collect();
    let routers: Vec<&str> = spec.virtual_routers.keys().map(String::as_str).collect();
    let services: Vec<&str> = spec.virtual_services.keys().map(String::as_str).collect();

    for (name, vs) in &spec.virtual_services {
        let path = service_path(name);
        match (&vs.router, &vs.node) {
            (Some(_), Some(_)) => {
                ctx.error(
                    Code::AmbiguousProvider,
                    path.clone(),
                    format!(
                        "virtual service `{name}` names both a router and a node as its provider"
                    ),
                )
                .help = Some("keep one of `router` and `node`".into());
            }
            (Some(r), None) if !spec.virtual_routers.contains_key(r) => {
                ctx.error(
                    Code::UnknownVirtualRouter,
                    path.key("router"),
                    format!("virtual router `{r}` does not exist"),
                )
                .help = Some(
                    did_you_mean(r, routers.iter().copied())
                        .unwrap_or_else(|| "add it under `virtual_routers`".into()),
                );
            }
            (None, Some(n)) if !spec.virtual_nodes.contains_key(n) => {
                ctx.error(
                    Code::UnknownVirtualNode,
                    path.key("node"),
                    format!("virtual node `{n}` does not exist"),
                )
                .help = Some(
                    did_you_mean(n, nodes.iter().copied())
                        .unwrap_or_else(|| "add it under `virtual_nodes`".into()),
                );
            }
            _ => {}
        }
    }

    for (name, node) in &spec.virtual_nodes {
        check_backends(ctx, name, node);
    }

    for (rname, router) in &spec.virtual_routers {
        for (route_name, route) in &router.routes {
            let Some(kind) = route.kinds().first().copied() else {
                continue;
            };
            let Some(targets) = route.targets() else {
                continue;
            };
            for node in targets.keys() {
                if !spec.virtual_nodes.contains_key(node) {
                    ctx.error(
                        Code::UnknownVirtualNode,
                        router_path(rname)
                            .key("routes")
                            .key(route_name)
                            .key(kind.as_str())
                            .key("targets")
                            .key(node),
                        format!("route target `{node}` is not a virtual node"),
                    )
                    .help = Some(
                        did_you_mean(node, nodes.iter().copied())
                            .unwrap_or_else(|| "add it under `virtual_nodes`".into()),
                    );
                }
            }
        }
    }

    for (gname, gw) in &spec.virtual_gateways {
        for (route_name, route) in &gw.routes {
            let (Some(kind), Some(target)) = (route.kinds().first().copied(), route.target())
            else {
                continue;
            };
            if !spec.virtual_services.contains_key(&target.virtual_service) {
                ctx.error(
                    Code::UnknownVirtualService,
                    gateway_path(gname)
                        .key("routes")
                        .key(route_name)
                        .key(kind.as_str())
                        .key("target"),
                    format!(
                        "gateway route target `{}` is not a virtual service",
                        target.virtual_service
                    ),
                )
                .help = Some(
                    did_you_mean(&target.virtual_service, services.iter().copied())
                        .unwrap_or_else(|| "add it under `virtual_services`".into()),
                );
            }
        }
    }
}
