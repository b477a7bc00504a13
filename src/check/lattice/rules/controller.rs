//! Airflow on EKS: what the AWS Gateway API Controller (v2.1.3) and the Gateway API (v1.5) can
//! express of the Lattice model. An error when the controller's Lattice output would differ
//! from the model's (it rejects the route, or would route otherwise); a warning for each
//! approximation the model records (`model/controller.rs`), which the report lists too.
//!
//! The controller's limits (`pkg/gateway/model_build_rule.go`): one match per rule, exact
//! header matches only (at most 5), no query parameters, a gRPC method only with its service;
//! one rule list for every listener of a route; a route is an HTTPRoute or a GRPCRoute. The
//! Gateway API's (CRDs and their CEL rules): 16 rules per route, 64 listeners per Gateway,
//! header names unique per match, paths and gRPC names of given shapes, DNS names.

use std::collections::{BTreeMap, BTreeSet};

use super::Scope;
use crate::check::eks::dns_label_problem;
use crate::check::lattice::model::{
    forward_targets, headers_path, Action, KubeService, Model, RouteKind, Service, StringMatch,
    Unpublished, GRPC_HTTPS, HEADER_CASE, NOT_IN_CLUSTER,
};
use crate::check::Ctx;
use crate::diagnostic::{Code, FieldPath};
use crate::spec::paths::node_path;

/// Rules per HTTPRoute or GRPCRoute (the CRDs' `maxItems`).
pub const MAX_ROUTE_RULES: usize = 16;
/// Listeners per Gateway.
pub const MAX_GATEWAY_LISTENERS: usize = 64;

pub(super) fn check(ctx: &mut Ctx, scope: &Scope) {
    let model = scope.model;
    let Some(controller) = &model.controller else {
        return;
    };
    security_groups(ctx);
    approximations(ctx, model);
    for svc in model.services.values() {
        match &svc.controller {
            Some(Err(why)) => unpublished(ctx, svc, why),
            Some(Ok(_)) => published(ctx, scope, svc),
            None => {}
        }
    }
    target_group_policies(ctx, model);
    if controller.listeners.len() > MAX_GATEWAY_LISTENERS {
        ctx.error(
            Code::LatticeControllerLimit,
            FieldPath::root().key("mesh"),
            format!(
                "the Gateway `{}` needs {} listeners (one per protocol and port the services listen on, and per certificate), more than the {MAX_GATEWAY_LISTENERS} a Gateway takes",
                controller.gateway,
                controller.listeners.len()
            ),
        )
        .help = Some(
            "use fewer distinct listener ports, or one certificate per port".into(),
        );
    }
}

/// On EKS the VPC association is the Gateway's VpcAssociationPolicy, which takes the security
/// groups as text: a CloudFormation parameter cannot reach it.
fn security_groups(ctx: &mut Ctx) {
    let lattice = ctx.spec.mesh.lattice.as_ref();
    // An existing mesh's network is refused on EKS altogether (`settings.rs`).
    if lattice.is_some_and(|l| l.security_group_ids.is_some()) || ctx.spec.mesh.existing {
        return;
    }
    let path = match lattice {
        Some(_) => FieldPath::root().key("mesh").key("lattice"),
        None => FieldPath::root().key("mesh"),
    };
    ctx.error(
        Code::LatticeSecurityGroups,
        path,
        "on EKS the service network's VPC association is the Gateway's VpcAssociationPolicy, which needs the security groups written out, but `mesh.lattice.security_group_ids` is not set",
    )
    .help = Some(
        "list the 1 to 5 security groups that may reach the mesh's services: `lattice: { security_group_ids: [sg-0123456789abcdef0] }` under `mesh`"
            .into(),
    );
}

/// A warning for every approximation the EKS output makes.
fn approximations(ctx: &mut Ctx, model: &Model) {
    for f in model
        .findings
        .iter()
        .filter(|f| [GRPC_HTTPS, HEADER_CASE, NOT_IN_CLUSTER].contains(&f.feature.as_str()))
    {
        let d = ctx.warning(
            Code::LatticeControllerApproximation,
            f.path.clone(),
            format!("on EKS, {}", f.detail),
        );
        d.help = f.remedy.clone();
    }
}

fn unpublished(ctx: &mut Ctx, svc: &Service, why: &Unpublished) {
    let vs = &svc.domain;
    let (msg, help) = match why {
        // A warning from its finding.
        Unpublished::NotInCluster => return,
        Unpublished::Mixed(nodes) => (
            format!(
                "virtual service `{vs}` forwards to Kubernetes Services and to {}, which {} not: the AWS Gateway API Controller's route can only forward to Services of the cluster",
                nodes.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
                if nodes.len() == 1 { "is" } else { "are" },
            ),
            "give every provider DNS discovery with its `<service>.<namespace>.svc.cluster.local` name (run it from `workloads:`), or put the others behind a virtual service of their own",
        ),
        Unpublished::MixedKinds => (
            format!("virtual service `{vs}` has gRPC and HTTP listeners, but the AWS Gateway API Controller publishes a Lattice service from one HTTPRoute or one GRPCRoute"),
            "split it into two virtual services, one per protocol",
        ),
        Unpublished::ListenersDiffer => (
            format!("the listeners of virtual service `{vs}` route differently, but the AWS Gateway API Controller gives every listener of a route the same rules"),
            "give it one listener, or split it into one virtual service per port",
        ),
    };
    ctx.error(Code::LatticeControllerLimit, svc.source.clone(), msg)
        .help = Some(help.into());
}

fn published(ctx: &mut Ctx, scope: &Scope, svc: &Service) {
    let model = scope.model;
    let route = svc.route().expect("published");
    let vs = &svc.domain;
    if let Some(why) = dns_subdomain_problem(vs) {
        ctx.error(
            Code::LatticeControllerLimit,
            svc.source.clone(),
            format!("virtual service `{vs}` names its {} and is its hostname on EKS, but it is not a DNS name Kubernetes takes: {why}", route.kind.as_str()),
        )
        .help = Some("write the name in lower-case letters, digits, `-` and `.`".into());
    }
    // Services the spec names by DNS discovery but meshsynth does not create (workloads'
    // are checked with the workloads).
    let mut seen = BTreeSet::new();
    for l in &svc.listeners {
        for (node, port) in forward_targets(l) {
            let Some(k) = model
                .target_group(node, port)
                .and_then(|t| t.kube_service.as_ref())
            else {
                continue;
            };
            if scope_is_workload(ctx, node) || !seen.insert(node) {
                continue;
            }
            for (what, name) in [("Service", &k.name), ("namespace", &k.namespace)] {
                if let Some(why) = dns_label_problem(name) {
                    ctx.error(
                        Code::LatticeControllerLimit,
                        node_path(node)
                            .key("service_discovery")
                            .key("dns")
                            .key("hostname"),
                        format!("`{name}`, the Kubernetes {what} of virtual node `{node}` that the {} of `{vs}` forwards to, is not a Kubernetes name: {why}", route.kind.as_str()),
                    )
                    .help = Some("write the hostname `<service>.<namespace>.svc.cluster.local` with lower-case DNS labels".into());
                }
            }
        }
    }
    // One listener's routing stands for all (the model checked they agree).
    let Some(l) = svc.listeners.first() else {
        return;
    };
    let catch_all = !matches!(l.default_action, Action::Fixed(404));
    let rules = l.rules.len() + usize::from(catch_all);
    if rules > MAX_ROUTE_RULES {
        ctx.error(
            Code::LatticeControllerLimit,
            l.source.clone(),
            format!(
                "the {} of `{vs}` needs {rules} rules{}, more than the {MAX_ROUTE_RULES} a route takes",
                route.kind.as_str(),
                if catch_all { " (its catch-all route is one)" } else { "" }
            ),
        )
        .help = Some("merge routes that send to the same targets, or split the virtual service".into());
    }
    for r in &l.rules {
        let hp = headers_path(ctx.spec, r);
        let mut names: BTreeMap<String, &str> = BTreeMap::new();
        for h in &r.matches.headers {
            if h.kind == StringMatch::Prefix {
                ctx.error(
                    Code::LatticeControllerLimit,
                    hp.key(h.name.as_str()),
                    format!(
                        "route `{}` matches header `{}` by prefix, but the AWS Gateway API Controller matches headers exactly only: left out, its rule would take requests the spec sends elsewhere",
                        r.route, h.name
                    ),
                )
                .help = Some("match the header's exact value (one route per value), or match on the path".into());
            }
            if let Some(first) = names.insert(h.name.to_ascii_lowercase(), &h.name) {
                ctx.error(
                    Code::LatticeControllerLimit,
                    hp.key(h.name.as_str()),
                    format!(
                        "route `{}` matches header `{}` twice{}, but a Gateway API match takes each header name once",
                        r.route,
                        h.name,
                        if first == h.name { String::new() } else { format!(" (also as `{first}`)") }
                    ),
                )
                .help = Some("keep one match per header name; split the route for the others".into());
            }
            if !is_header_name(&h.name) {
                ctx.error(
                    Code::LatticeControllerLimit,
                    hp.key(h.name.as_str()),
                    format!("`{}` is not a header name the Gateway API takes", h.name),
                )
                .help =
                    Some("use letters, digits and ``!#$%&'*+-.^_`|~`` only, at most 256".into());
            }
        }
        match (route.kind, &r.matches.grpc) {
            (RouteKind::Grpc, Some(g)) => {
                let mp = r.source.key("grpc").key("match");
                if let Some(s) = g.service.as_deref().filter(|s| !is_grpc_service(s)) {
                    ctx.error(
                        Code::LatticeControllerLimit,
                        mp.key("service_name"),
                        format!("`{s}` is not a gRPC service name the GRPCRoute takes"),
                    )
                    .help = Some("write the fully qualified service: `package.Service`".into());
                }
                if let Some(m) = g.method.as_deref().filter(|m| !is_grpc_method(m)) {
                    ctx.error(
                        Code::LatticeControllerLimit,
                        mp.key("method_name"),
                        format!("`{m}` is not a gRPC method name the GRPCRoute takes"),
                    )
                    .help = Some("write the method's name: letters, digits and `_`".into());
                }
            }
            _ => {
                if let Some((_, p)) = &r.matches.path {
                    if let Some(why) = gateway_path_problem(p) {
                        ctx.error(
                            Code::LatticeControllerLimit,
                            r.source.clone(),
                            format!(
                                "the path `{p}` of route `{}` is not one an HTTPRoute takes: {why}",
                                r.route
                            ),
                        )
                        .help = Some(
                            "write the path without `?`, `#`, `//` or dot segments, with `%` only as `%XX`"
                                .into(),
                        );
                    }
                }
            }
        }
    }
}

fn scope_is_workload(ctx: &Ctx, node: &str) -> bool {
    ctx.spec.workloads.contains_key(node)
}

/// A Service takes one TargetGroupPolicy: the target groups of its ports must agree on what
/// the policy sets (the health check's port aside, which defaults to each one's own).
fn target_group_policies(ctx: &mut Ctx, model: &Model) {
    type Config = (
        &'static str,
        Option<(String, u64, u64, u32, u32, Option<u32>)>,
    );
    let mut by_service: BTreeMap<&KubeService, (Config, &str, u32)> = BTreeMap::new();
    for tg in model
        .target_groups
        .values()
        .filter(|t| model.by_controller(t))
    {
        let Some(k) = &tg.kube_service else {
            continue;
        };
        let config: Config = (
            tg.version.as_str(),
            tg.health.as_ref().map(|h| {
                (
                    format!("{}{}", h.version.as_str(), h.path),
                    h.interval_seconds,
                    h.timeout_seconds,
                    h.healthy,
                    h.unhealthy,
                    (h.port != tg.port).then_some(h.port),
                )
            }),
        );
        match by_service.get(k) {
            None => {
                by_service.insert(k, (config, &tg.node, tg.port));
            }
            Some((c, node, port)) if *c != config => {
                ctx.error(
                    Code::LatticeControllerLimit,
                    tg.source.clone(),
                    format!(
                        "ports {port} and {} of the Kubernetes Service `{}` (namespace `{}`) need different target group settings (protocol version or health check), but a Service takes one TargetGroupPolicy",
                        tg.port, k.name, k.namespace
                    ),
                )
                .help = Some(format!(
                    "give the listeners of `{node}` and `{}` the same protocol and health check, or put the ports behind two Services (two nodes)",
                    tg.node
                ));
            }
            Some(_) => {}
        }
    }
}

/// Why `s` is not a DNS-1123 subdomain (object names, hostnames), or `None`.
fn dns_subdomain_problem(s: &str) -> Option<String> {
    if s.len() > 253 {
        return Some(format!("it has {} characters, more than 253", s.len()));
    }
    for label in s.split('.') {
        if let Some(why) = dns_label_problem(label) {
            return Some(format!("label `{label}`: {why}"));
        }
    }
    None
}

/// The Gateway API's path rules (`HTTPPathMatch`'s pattern and CEL rules) for `Exact` and
/// `PathPrefix`.
fn gateway_path_problem(p: &str) -> Option<&'static str> {
    if !p.starts_with('/') {
        return Some("it does not start with `/`");
    }
    if p.len() > 1024 {
        return Some("it is longer than 1024 characters");
    }
    if p.contains("//") {
        return Some("it contains `//`");
    }
    if p.contains("/./") || p.contains("/../") || p.ends_with("/.") || p.ends_with("/..") {
        return Some("it has a `.` or `..` segment");
    }
    if p.contains('#') {
        return Some("it contains `#`");
    }
    if p.to_ascii_lowercase().contains("%2f") {
        return Some("it contains an encoded `/` (`%2F`)");
    }
    let b = p.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                if !(i + 2 < b.len()
                    && b[i + 1].is_ascii_hexdigit()
                    && b[i + 2].is_ascii_hexdigit())
                {
                    return Some("a `%` is not followed by two hex digits");
                }
                i += 3;
                continue;
            }
            c if c.is_ascii_alphanumeric() || b"-/._~!$&'()*+,;=:@".contains(&c) => {}
            b'?' => return Some("it contains `?` (HTTPRoute matches the path without the query)"),
            _ => return Some("it contains a character outside `A-Za-z0-9-/._~!$&'()*+,;=:@`"),
        }
        i += 1;
    }
    None
}

fn is_header_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 256
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// `^(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$`, at most 1024 characters.
fn is_grpc_service(s: &str) -> bool {
    let body = s.strip_prefix('.').unwrap_or(s);
    s.len() <= 1024
        && !body.is_empty()
        && body.split('.').all(|part| {
            part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// `^[A-Za-z_][A-Za-z_0-9]*$`, at most 1024 characters.
fn is_grpc_method(m: &str) -> bool {
    m.len() <= 1024
        && m.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && m.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        for ok in ["/", "/orders", "/a/b-c_d.e~f", "/%20x", "/api/v2/"] {
            assert_eq!(gateway_path_problem(ok), None, "{ok}");
        }
        for bad in [
            "orders", "/a//b", "/a/./b", "/a/..", "/a#b", "/a%2Fb", "/a%zz", "/a%2", "/q?x=1",
            "/a b",
        ] {
            assert!(gateway_path_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn grpc_names() {
        assert!(is_grpc_service("shop.Inventory"));
        assert!(is_grpc_service(".grpc.health.v1.Health"));
        assert!(!is_grpc_service("shop..Inventory"));
        assert!(!is_grpc_service("shop/Inventory"));
        assert!(!is_grpc_service("1shop.Inventory"));
        assert!(is_grpc_method("GetStock"));
        assert!(!is_grpc_method("Get-Stock"));
    }

    #[test]
    fn subdomains() {
        assert_eq!(dns_subdomain_problem("orders.shop.internal"), None);
        assert!(dns_subdomain_problem("Orders.shop.internal").is_some());
        assert!(dns_subdomain_problem("orders_v1.shop").is_some());
        assert!(dns_subdomain_problem("orders..shop").is_some());
    }

    #[test]
    fn header_names() {
        assert!(is_header_name("x-canary"));
        assert!(!is_header_name("x canary"));
        assert!(!is_header_name(""));
    }
}
