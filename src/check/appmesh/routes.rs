//! Routes and gateway routes: kinds, matches, targets, retries, and the protocols and ports
//! that tie a route to its router (or gateway) listener and to its targets.

use std::collections::{BTreeMap, BTreeSet};

use crate::check::common::{
    a, attach, check_duplicate_ports, check_header_matches, check_len, check_port,
    check_query_parameters, comma_list, exclusive, ports_list, unknown_listener_port, Attach,
    OneOf,
};
use crate::check::Ctx;
use crate::diagnostic::{did_you_mean, Code, FieldPath};
use crate::spec::paths::{gateway_path, router_path};
use crate::spec::{
    Duration, GatewayGrpcRoute, GatewayHttpRoute, GatewayRoute, GrpcRoute, HostnameMatch,
    HttpRoute, PathMatch, Protocol, RetryPolicy, Route, RouteTimeout, Short, TcpRoute,
    VirtualGateway, VirtualRouter, WeightedTarget,
};

const HTTP_EVENTS: &[&str] = &[
    "server-error",
    "gateway-error",
    "client-error",
    "stream-error",
];
const TCP_EVENTS: &[&str] = &["connection-error"];
const GRPC_EVENTS: &[&str] = &[
    "cancelled",
    "deadline-exceeded",
    "internal",
    "resource-exhausted",
    "unavailable",
];
/// The per-request timeout App Mesh applies when a route sets none.
const DEFAULT_PER_REQUEST: Duration = Duration::from_millis(15_000);
const MAX_TARGETS: usize = 10;

pub(crate) fn check(ctx: &mut Ctx) {
    let spec = ctx.spec;
    for (name, router) in &spec.virtual_routers {
        check_router_listeners(ctx, name, router);
        for (route_name, route) in &router.routes {
            check_route(ctx, name, router, route_name, route);
        }
    }
    for (name, gw) in &spec.virtual_gateways {
        for (route_name, route) in &gw.routes {
            check_gateway_route(ctx, name, gw, route_name, route);
        }
    }
}

fn check_router_listeners(ctx: &mut Ctx, name: &str, router: &VirtualRouter) {
    let path = router_path(name).key("listeners");
    if router.listeners.is_empty() {
        ctx.error(
            Code::MissingListener,
            path.clone(),
            format!("virtual router `{name}` has no listeners"),
        )
        .help = Some(
            "add one, e.g. `listeners: [{ port: 8080, protocol: http }]`; routes attach to a listener of their protocol"
                .into(),
        );
    }
    for (i, l) in router.listeners.iter().enumerate() {
        check_port(ctx, path.index(i).key("port"), l.port);
    }
    let ports: Vec<u32> = router.listeners.iter().map(|l| l.port).collect();
    check_duplicate_ports(ctx, &path, &format!("virtual router `{name}`"), &ports);
}

fn check_priority(ctx: &mut Ctx, path: FieldPath, priority: Option<u32>) {
    if let Some(p) = priority {
        if p > 1000 {
            ctx.error(
                Code::PriorityOutOfRange,
                path,
                format!("priority `{p}` is outside 0–1000"),
            )
            .help = Some("use 0 (matched first) to 1000 (matched last)".into());
        }
    }
}

fn check_route(
    ctx: &mut Ctx,
    rname: &str,
    router: &VirtualRouter,
    route_name: &str,
    route: &Route,
) {
    let base = router_path(rname).key("routes").key(route_name);
    let what = format!("route `{route_name}`");
    check_priority(ctx, base.key("priority"), route.priority);
    let one = exclusive(
        ctx,
        &base,
        OneOf {
            what: &what,
            options: &[
                ("http", route.http.is_some()),
                ("http2", route.http2.is_some()),
                ("grpc", route.grpc.is_some()),
                ("tcp", route.tcp.is_some()),
            ],
            ambiguous: Code::AmbiguousRouteKind,
            missing: Some(Code::MissingRouteKind),
        },
    );
    if let Some(r) = &route.http {
        check_http_route(ctx, &base.key("http"), Protocol::Http, &what, r);
    }
    if let Some(r) = &route.http2 {
        check_http_route(ctx, &base.key("http2"), Protocol::Http2, &what, r);
    }
    if let Some(r) = &route.grpc {
        check_grpc_route(ctx, &base.key("grpc"), &what, r);
    }
    if let Some(r) = &route.tcp {
        check_tcp_route(ctx, &base.key("tcp"), &what, r);
    }
    if one.is_some() {
        if let Some(kind) = route.kinds().first().copied() {
            check_route_protocols(
                ctx,
                rname,
                router,
                &base.key(kind.as_str()),
                kind,
                &what,
                route,
            );
        }
    }
}

/// `prefix` xor `path` (a gateway route may match on `hostname` alone), and their formats.
fn check_path_match(
    ctx: &mut Ctx,
    m: &FieldPath,
    what: &str,
    prefix: Option<&str>,
    path: Option<&PathMatch>,
    gateway: Option<bool>,
) {
    let hostname_set = gateway == Some(true);
    exclusive(
        ctx,
        m,
        OneOf {
            what,
            options: &[("prefix", prefix.is_some()), ("path", path.is_some())],
            ambiguous: Code::AmbiguousHttpMatch,
            missing: (!hostname_set).then_some(Code::MissingHttpMatch),
        },
    );
    if let Some(p) = prefix {
        if !p.starts_with('/') {
            ctx.error(
                Code::InvalidPrefix,
                m.key("prefix"),
                format!("prefix `{p}` does not start with `/`"),
            )
            .help = Some(format!("write `/{p}`"));
        } else {
            check_len(ctx, m.key("prefix"), "prefix", p, 255);
        }
        if gateway.is_some() {
            check_reserved_path(ctx, m.key("prefix"), "prefix", p);
        }
    }
    if let Some(pm) = path {
        let pp = m.key("path");
        exclusive(
            ctx,
            &pp,
            OneOf {
                what: "the path match",
                options: &[("exact", pm.exact.is_some()), ("regex", pm.regex.is_some())],
                ambiguous: Code::AmbiguousPathMatch,
                missing: Some(Code::MissingPathMatch),
            },
        );
        if let Some(e) = &pm.exact {
            if !e.starts_with('/') {
                ctx.error(
                    Code::InvalidPath,
                    pp.key("exact"),
                    format!("path `{e}` does not start with `/`"),
                )
                .help = Some(format!("write `/{e}`"));
            } else {
                check_len(ctx, pp.key("exact"), "path", e, 255);
            }
            if gateway.is_some() {
                check_reserved_path(ctx, pp.key("exact"), "path", e);
            }
        }
        if let Some(r) = &pm.regex {
            check_len(ctx, pp.key("regex"), "path regex", r, 255);
        }
    }
}

fn check_reserved_path(ctx: &mut Ctx, path: FieldPath, noun: &str, value: &str) {
    if value.starts_with("/aws-appmesh") || value.starts_with("/aws-app-mesh") {
        ctx.error(
            Code::ReservedPrefix,
            path,
            format!("{noun} `{value}` is reserved by App Mesh"),
        )
        .help = Some(
            "App Mesh keeps paths that start with `/aws-appmesh` or `/aws-app-mesh` for itself; choose another"
                .into(),
        );
    }
}

fn check_http_route(ctx: &mut Ctx, path: &FieldPath, kind: Protocol, what: &str, r: &HttpRoute) {
    let m = path.key("match");
    let match_what = format!("the match of {what}");
    check_path_match(
        ctx,
        &m,
        &match_what,
        r.matches.prefix.as_deref(),
        r.matches.path.as_ref(),
        None,
    );
    check_header_matches(ctx, &m.key("headers"), "header", &r.matches.headers);
    check_query_parameters(ctx, &m.key("query_parameters"), &r.matches.query_parameters);
    if let Some(p) = r.matches.port {
        check_port(ctx, m.key("port"), p);
    }
    check_targets(ctx, &path.key("targets"), what, &r.targets);
    if let Some(retry) = &r.retry {
        check_retry(ctx, path, kind, what, retry, r.timeout.as_ref());
    }
}

fn check_grpc_route(ctx: &mut Ctx, path: &FieldPath, what: &str, r: &GrpcRoute) {
    let m = path.key("match");
    let gm = &r.matches;
    if let Some(method) = &gm.method_name {
        check_len(ctx, m.key("method_name"), "method name", method, 50);
        if gm.service_name.is_none() {
            ctx.error(
                Code::MethodWithoutService,
                m.key("method_name"),
                format!("method `{method}` is matched without a service name"),
            )
            .help = Some(
                "add `service_name` with the method's fully qualified service, e.g. `inventory.v1.Inventory`"
                    .into(),
            );
        }
    }
    check_header_matches(ctx, &m.key("metadata"), "metadata", &gm.metadata);
    if let Some(p) = gm.port {
        check_port(ctx, m.key("port"), p);
    }
    check_targets(ctx, &path.key("targets"), what, &r.targets);
    if let Some(retry) = &r.retry {
        check_retry(ctx, path, Protocol::Grpc, what, retry, r.timeout.as_ref());
    }
}

fn check_tcp_route(ctx: &mut Ctx, path: &FieldPath, what: &str, r: &TcpRoute) {
    if let Some(p) = r.matches.as_ref().and_then(|m| m.port) {
        check_port(ctx, path.key("match").key("port"), p);
    }
    check_targets(ctx, &path.key("targets"), what, &r.targets);
}

fn check_targets(
    ctx: &mut Ctx,
    path: &FieldPath,
    what: &str,
    targets: &BTreeMap<String, Short<WeightedTarget>>,
) {
    if targets.is_empty() {
        ctx.error(
            Code::MissingTargets,
            path.clone(),
            format!("{what} has no targets"),
        )
        .help = Some(
            "add at least one virtual node with a weight, e.g. `targets: { orders-v1: 100 }`"
                .into(),
        );
        return;
    }
    if targets.len() > MAX_TARGETS {
        ctx.error(
            Code::TooManyTargets,
            path.clone(),
            format!(
                "{what} has {} targets, more than the {MAX_TARGETS} App Mesh allows",
                targets.len()
            ),
        )
        .help = Some("drop targets, e.g. those with weight `0`, or shift traffic in stages".into());
    }
    for (node, t) in targets {
        if t.weight > 100 {
            ctx.error(
                Code::WeightOutOfRange,
                path.key(node),
                format!("weight `{}` of target `{node}` is outside 0–100", t.weight),
            )
            .help =
                Some("use a weight from 0 to 100; weights are relative, e.g. `90` and `10`".into());
        }
        if let Some(p) = t.port {
            check_port(ctx, path.key(node).key("port"), p);
        }
    }
    if targets.values().all(|t| t.weight == 0) {
        ctx.error(
            Code::AllWeightsZero,
            path.clone(),
            format!("every target of {what} has weight `0`"),
        )
        .help = Some(
            "give at least one target a positive weight; as written the route sends no traffic"
                .into(),
        );
    }
}

/// Retry events per protocol, at least one event, and retries that fit in the route timeout.
fn check_retry(
    ctx: &mut Ctx,
    route_path: &FieldPath,
    kind: Protocol,
    what: &str,
    retry: &RetryPolicy,
    timeout: Option<&RouteTimeout>,
) {
    let path = route_path.key("retry");
    if i64::try_from(retry.max_retries).is_err() {
        ctx.error(
            Code::ValueOutOfRange,
            path.key("max_retries"),
            format!(
                "`max_retries: {}` is more than the {} App Mesh takes",
                retry.max_retries,
                i64::MAX
            ),
        )
        .help = Some("retry a handful of times, e.g. `max_retries: 3`".into());
    }
    let lists: [(&str, &Vec<String>, &[&str]); 3] = [
        ("http_events", &retry.http_events, HTTP_EVENTS),
        ("tcp_events", &retry.tcp_events, TCP_EVENTS),
        ("grpc_events", &retry.grpc_events, GRPC_EVENTS),
    ];
    let mut any_event = false;
    for (key, events, allowed) in lists {
        if key == "grpc_events" && kind != Protocol::Grpc {
            if !events.is_empty() {
                ctx.error(
                    Code::RetryEventProtocol,
                    path.key(key),
                    format!("`grpc_events` apply to `grpc` routes only, and {what} is `{kind}`"),
                )
                .help = Some(
                    "remove `grpc_events`; use `http_events` (e.g. `server-error`) or `tcp_events` here"
                        .into(),
                );
            }
            continue;
        }
        any_event |= !events.is_empty();
        let mut seen = BTreeSet::new();
        for (i, e) in events.iter().enumerate() {
            let p = path.key(key).index(i);
            if !allowed.contains(&e.as_str()) {
                let elsewhere = lists
                    .iter()
                    .find(|(_, _, a)| a.contains(&e.as_str()))
                    .map(|(k, _, _)| *k);
                let help = match elsewhere {
                    Some("grpc_events") if kind != Protocol::Grpc => format!(
                        "`{e}` is a gRPC event, and {what} is `{kind}`; use one of {}",
                        comma_list(allowed)
                    ),
                    Some(other) => format!("`{e}` belongs in `{other}`"),
                    None => did_you_mean(e, allowed.iter().copied())
                        .unwrap_or_else(|| format!("use one of {}", comma_list(allowed))),
                };
                let noun = match key {
                    "http_events" => "HTTP",
                    "tcp_events" => "TCP",
                    _ => "gRPC",
                };
                ctx.error(
                    Code::UnknownRetryEvent,
                    p,
                    format!("unknown {noun} retry event `{e}`"),
                )
                .help = Some(help);
            } else if !seen.insert(e.as_str()) {
                ctx.error(
                    Code::DuplicateRetryEvent,
                    p,
                    format!("retry event `{e}` is listed twice in `{key}`"),
                )
                .help = Some("remove the repeat".into());
            }
        }
    }
    if !any_event {
        let help = if kind == Protocol::Grpc {
            "add `grpc_events` (e.g. `[unavailable]`), `http_events` or `tcp_events`"
        } else {
            "add `http_events` (e.g. `[server-error, gateway-error]`) or `tcp_events: [connection-error]`"
        };
        ctx.error(
            Code::MissingRetryEvent,
            path.clone(),
            format!("the retry policy of {what} names no event to retry on"),
        )
        .help = Some(help.into());
    }

    if i64::try_from(retry.max_retries).is_err() {
        return; // reported above; the retries' total would only repeat it
    }
    let set = timeout.and_then(|t| t.per_request);
    let per_request = set.unwrap_or(DEFAULT_PER_REQUEST);
    if per_request.millis() == 0 {
        return; // `0s` disables the timeout
    }
    let total = retry
        .per_retry_timeout
        .millis()
        .saturating_mul(retry.max_retries);
    if total > per_request.millis() {
        let (at, whose) = match set {
            Some(_) => (
                route_path.key("timeout").key("per_request"),
                format!("the `{per_request}` per-request timeout"),
            ),
            None => (
                path.clone(),
                format!("the `{per_request}` per-request timeout (the App Mesh default)"),
            ),
        };
        let total = Duration::from_millis(total);
        ctx.warning(
            Code::RetryExceedsTimeout,
            at,
            format!(
                "`{}` retries of `{}` take up to `{total}`, longer than {whose}",
                retry.max_retries, retry.per_retry_timeout
            ),
        )
        .help = Some(format!(
            "the request times out before the last retry: raise `timeout.per_request` to at least `{total}`, or lower `max_retries` or `per_retry_timeout`"
        ));
    }
}

/// A route or gateway route and the listeners it may attach to.
struct Attachment<'a> {
    listeners: &'a [(u32, Protocol)],
    owner: &'a str,
    kind_path: &'a FieldPath,
    kind: Protocol,
    what: &'a str,
    port: Option<u32>,
    route_noun: &'a str,
    parent_noun: &'a str,
}

/// The route attaches to exactly one listener of its router or gateway, of its own protocol.
fn check_attachment(ctx: &mut Ctx, a: Attachment) {
    use crate::check::common::a as a_or_an;
    let match_path = a.kind_path.key("match");
    let (owner, kind, what) = (a.owner, a.kind, a.what);
    match attach(a.listeners, a.port) {
        // A `tcp` gateway listener is an error of its own.
        Attach::Found(port, proto)
            if proto != kind && !(a.parent_noun == "gateway" && proto == Protocol::Tcp) =>
        {
            ctx.error(
                Code::ProtocolMismatch,
                a.kind_path.clone(),
                format!("`{kind}` {what} attaches to the `{proto}` listener on port `{port}` of {owner}"),
            )
            .help = Some(format!(
                "make it {} `{proto}` {}, or attach it to {} `{kind}` listener of the {}",
                a_or_an(proto),
                a.route_noun,
                a_or_an(kind),
                a.parent_noun
            ));
        }
        Attach::UnknownPort(p) => {
            unknown_listener_port(ctx, match_path.key("port"), owner, p, a.listeners)
        }
        Attach::Ambiguous => {
            ctx.error(
                Code::MissingMatchPort,
                match_path,
                format!("{what} does not say which listener of {owner} it attaches to"),
            )
            .help = Some(format!(
                "set `match.port` to one of {}",
                ports_list(a.listeners)
            ));
        }
        Attach::Found(..) | Attach::NoListeners => {}
    }
}

fn listener_pairs(it: impl Iterator<Item = (u32, Protocol)>) -> Vec<(u32, Protocol)> {
    it.collect()
}

/// Route kind = router listener protocol = target listener protocol; ports exist; all targets
/// on one port.
fn check_route_protocols(
    ctx: &mut Ctx,
    rname: &str,
    router: &VirtualRouter,
    kind_path: &FieldPath,
    kind: Protocol,
    what: &str,
    route: &Route,
) {
    let spec = ctx.spec;
    let listeners = listener_pairs(router.listeners.iter().map(|l| (l.port, l.protocol)));
    let owner = format!("virtual router `{rname}`");
    check_attachment(
        ctx,
        Attachment {
            listeners: &listeners,
            owner: &owner,
            kind_path,
            kind,
            what,
            port: route.match_port(),
            route_noun: "route",
            parent_noun: "router",
        },
    );

    let Some(targets) = route.targets() else {
        return;
    };
    let tpath = kind_path.key("targets");
    let mut resolved: Vec<(&str, u32)> = Vec::new();
    for (node_name, t) in targets {
        // Unknown nodes are reported by the reference rules.
        let Some(node) = spec.virtual_nodes.get(node_name) else {
            continue;
        };
        let nl = listener_pairs(node.listeners.iter().map(|l| (l.port, l.protocol)));
        let p = tpath.key(node_name);
        let nowner = format!("virtual node `{node_name}`");
        match attach(&nl, t.port) {
            Attach::Found(port, proto) => {
                if proto != kind {
                    ctx.error(
                        Code::ProtocolMismatch,
                        p.clone(),
                        format!(
                            "`{kind}` {what} sends traffic to the `{proto}` listener on port `{port}` of {nowner}"
                        ),
                    )
                    .help = Some(
                        "a route, its router listener and its targets' listeners must use one protocol"
                            .into(),
                    );
                }
                resolved.push((node_name, port));
            }
            Attach::NoListeners => {
                ctx.error(
                    Code::TargetWithoutListener,
                    p.clone(),
                    format!("target {nowner} has no listeners"),
                )
                .help = Some(format!(
                    "add {} `{kind}` listener to `{node_name}`, or route to a node that serves traffic",
                    a(kind)
                ));
            }
            Attach::UnknownPort(x) => {
                unknown_listener_port(ctx, p.key("port"), &nowner, x, &nl);
            }
            Attach::Ambiguous => {
                ctx.error(
                    Code::MissingTargetPort,
                    p.clone(),
                    format!("target {nowner} has several listeners and the target names no port"),
                )
                .help = Some(format!(
                    "write `{node_name}: {{ weight: {}, port: ... }}` with one of {}",
                    t.weight,
                    ports_list(&nl)
                ));
            }
        }
    }
    let ports: BTreeSet<u32> = resolved.iter().map(|(_, p)| *p).collect();
    if ports.len() > 1 {
        let list: Vec<String> = resolved
            .iter()
            .map(|(n, p)| format!("`{n}` on `{p}`"))
            .collect();
        ctx.error(
            Code::TargetPortMismatch,
            tpath,
            format!(
                "the targets of {what} listen on different ports: {}",
                list.join(", ")
            ),
        )
        .help = Some(
            "App Mesh silently drops a route whose targets listen on different ports; route to one listener port, with `port` on each target if needed"
                .into(),
        );
    }
}

fn check_gateway_route(
    ctx: &mut Ctx,
    gname: &str,
    gw: &VirtualGateway,
    route_name: &str,
    route: &GatewayRoute,
) {
    let base = gateway_path(gname).key("routes").key(route_name);
    let what = format!("gateway route `{route_name}`");
    check_priority(ctx, base.key("priority"), route.priority);
    let one = exclusive(
        ctx,
        &base,
        OneOf {
            what: &what,
            options: &[
                ("http", route.http.is_some()),
                ("http2", route.http2.is_some()),
                ("grpc", route.grpc.is_some()),
            ],
            ambiguous: Code::AmbiguousRouteKind,
            missing: Some(Code::MissingRouteKind),
        },
    );
    if let Some(r) = &route.http {
        check_gateway_http(ctx, &base.key("http"), &what, r);
    }
    if let Some(r) = &route.http2 {
        check_gateway_http(ctx, &base.key("http2"), &what, r);
    }
    if let Some(r) = &route.grpc {
        check_gateway_grpc(ctx, &base.key("grpc"), r);
    }
    if one.is_some() {
        if let Some(kind) = route.kinds().first().copied() {
            check_gateway_protocols(ctx, gname, gw, &base.key(kind.as_str()), kind, &what, route);
        }
    }
}

fn check_hostname(ctx: &mut Ctx, path: &FieldPath, h: &HostnameMatch) {
    exclusive(
        ctx,
        path,
        OneOf {
            what: "the hostname match",
            options: &[("exact", h.exact.is_some()), ("suffix", h.suffix.is_some())],
            ambiguous: Code::AmbiguousHostnameMatch,
            missing: Some(Code::MissingHostnameMatch),
        },
    );
    for (key, value) in [("exact", &h.exact), ("suffix", &h.suffix)] {
        if let Some(v) = value {
            check_len(
                ctx,
                path.key(key),
                &format!("hostname `{key}` value"),
                v,
                253,
            );
        }
    }
}

fn check_gateway_http(ctx: &mut Ctx, path: &FieldPath, what: &str, r: &GatewayHttpRoute) {
    let m = path.key("match");
    let gm = &r.matches;
    let match_what = format!("the match of {what}");
    check_path_match(
        ctx,
        &m,
        &match_what,
        gm.prefix.as_deref(),
        gm.path.as_ref(),
        Some(gm.hostname.is_some()),
    );
    check_header_matches(ctx, &m.key("headers"), "header", &gm.headers);
    check_query_parameters(ctx, &m.key("query_parameters"), &gm.query_parameters);
    if let Some(p) = gm.port {
        check_port(ctx, m.key("port"), p);
    }
    if let Some(h) = &gm.hostname {
        check_hostname(ctx, &m.key("hostname"), h);
    }
    if let Some(p) = r.target.port {
        check_port(ctx, path.key("target").key("port"), p);
    }
    let Some(rw) = &r.rewrite else { return };
    let rp = path.key("rewrite");
    if let Some(prefix) = &rw.prefix {
        if let Some(v) = &prefix.value {
            if !v.starts_with('/') {
                ctx.error(
                    Code::InvalidPrefix,
                    rp.key("prefix"),
                    format!("rewritten prefix `{v}` does not start with `/`"),
                )
                .help = Some(format!("write `/{v}`"));
            } else {
                check_len(ctx, rp.key("prefix"), "rewritten prefix", v, 255);
            }
        }
        if gm.prefix.is_none() {
            ctx.error(
                Code::RewriteMatchMismatch,
                rp.key("prefix"),
                "a prefix rewrite needs a `prefix` match",
            )
            .help = Some(
                "match with `prefix`, or rewrite an exact path with `rewrite: { path: { exact: ... } }`"
                    .into(),
            );
        }
    }
    if let Some(pr) = &rw.path {
        let pp = rp.key("path").key("exact");
        if !pr.exact.starts_with('/') {
            ctx.error(
                Code::InvalidPath,
                pp.clone(),
                format!("rewritten path `{}` does not start with `/`", pr.exact),
            )
            .help = Some(format!("write `/{}`", pr.exact));
        } else {
            check_len(ctx, pp, "rewritten path", &pr.exact, 255);
        }
        if gm.path.as_ref().and_then(|p| p.exact.as_ref()).is_none() {
            ctx.error(
                Code::RewriteMatchMismatch,
                rp.key("path"),
                "a path rewrite needs a `path: { exact: ... }` match",
            )
            .help = Some(
                "match with `path: { exact: ... }`, or rewrite a prefix with `rewrite: { prefix: ... }`"
                    .into(),
            );
        }
    }
}

fn check_gateway_grpc(ctx: &mut Ctx, path: &FieldPath, r: &GatewayGrpcRoute) {
    let m = path.key("match");
    let gm = &r.matches;
    if let Some(s) = &gm.service_name {
        if s.starts_with("aws.app-mesh") || s == "aws.appmesh" {
            ctx.error(
                Code::ReservedServiceName,
                m.key("service_name"),
                format!("gRPC service name `{s}` is reserved by App Mesh"),
            )
            .help = Some(
                "App Mesh keeps `aws.appmesh` and names that start with `aws.app-mesh` for itself; match your own service"
                    .into(),
            );
        }
    }
    if let Some(h) = &gm.hostname {
        check_hostname(ctx, &m.key("hostname"), h);
    }
    check_header_matches(ctx, &m.key("metadata"), "metadata", &gm.metadata);
    if let Some(p) = gm.port {
        check_port(ctx, m.key("port"), p);
    }
    if let Some(p) = r.target.port {
        check_port(ctx, path.key("target").key("port"), p);
    }
}

/// Gateway route kind = gateway listener protocol; listener and target ports exist.
fn check_gateway_protocols(
    ctx: &mut Ctx,
    gname: &str,
    gw: &VirtualGateway,
    kind_path: &FieldPath,
    kind: Protocol,
    what: &str,
    route: &GatewayRoute,
) {
    let spec = ctx.spec;
    let listeners = listener_pairs(gw.listeners.iter().map(|l| (l.port, l.protocol)));
    let owner = format!("virtual gateway `{gname}`");
    check_attachment(
        ctx,
        Attachment {
            listeners: &listeners,
            owner: &owner,
            kind_path,
            kind,
            what,
            port: route.match_port(),
            route_noun: "gateway route",
            parent_noun: "gateway",
        },
    );

    let Some(target) = route.target() else {
        return;
    };
    let Some(vs) = spec.virtual_services.get(&target.virtual_service) else {
        return; // reported by the reference rules
    };
    let (provider, pl) = match (&vs.router, &vs.node) {
        (Some(r), None) => match spec.virtual_routers.get(r) {
            Some(router) => (
                format!("virtual router `{r}`"),
                listener_pairs(router.listeners.iter().map(|l| (l.port, l.protocol))),
            ),
            None => return,
        },
        (None, Some(n)) => match spec.virtual_nodes.get(n) {
            Some(node) => (
                format!("virtual node `{n}`"),
                listener_pairs(node.listeners.iter().map(|l| (l.port, l.protocol))),
            ),
            None => return,
        },
        _ => return,
    };
    let tpath = kind_path.key("target");
    match attach(&pl, target.port) {
        Attach::UnknownPort(p) => {
            let owner = format!("{provider} (the provider of `{}`)", target.virtual_service);
            unknown_listener_port(ctx, tpath.key("port"), &owner, p, &pl);
        }
        Attach::Ambiguous => {
            ctx.error(
                Code::MissingTargetPort,
                tpath,
                format!(
                    "`{}` is provided by {provider}, which has several listeners, and the target names no port",
                    target.virtual_service
                ),
            )
            .help = Some(format!(
                "write `target: {{ virtual_service: {}, port: ... }}` with one of {}",
                target.virtual_service,
                ports_list(&pl)
            ));
        }
        Attach::Found(..) | Attach::NoListeners => {}
    }
}
