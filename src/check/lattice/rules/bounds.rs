//! Lattice's bounds on listeners, rules and target groups (the strictest of API, CloudFormation
//! and Terraform), and its default quotas (warnings: AWS raises them on request).

use super::Scope;
use crate::check::common::{entry_path, shown};
use crate::check::lattice::model::{
    is_lattice_path, Action, HeaderRule, Listener, Rule, Service, StringMatch,
};
use crate::check::Ctx;
use crate::diagnostic::{Code, FieldPath};
use crate::spec::paths::router_path;
use crate::spec::{HeaderMatch, OneOrMany, Protocol, Route, Spec};

/// Rule priorities are 1–100 in CloudFormation and Terraform (the API allows 2000).
const MAX_RULES: usize = 100;
/// Default quotas, adjustable.
const QUOTA_RULES: usize = 10;
const QUOTA_LISTENERS: usize = 2;
/// Target groups per forward action.
const MAX_TARGET_GROUPS: usize = 10;
/// CloudFormation's bounds (the API allows 100 and 200).
const MAX_HEADER_MATCHES: usize = 5;
const MAX_HEADER_NAME: usize = 40;
const MAX_MATCH_VALUE: usize = 128;
/// A health-check path.
const MAX_HEALTH_PATH: usize = 2048;
const PATH_CHARACTERS: &str = "letters, digits and `@:%_+.~#?&/=-`";

pub(super) fn check(ctx: &mut Ctx, scope: &Scope) {
    let spec = ctx.spec;
    // A router that provides several virtual services gives each the same rules: its routes'
    // matches are checked once.
    let mut matched = std::collections::BTreeSet::new();
    for svc in scope.model.services.values() {
        listeners_quota(ctx, svc);
        for l in &svc.listeners {
            rules_count(ctx, svc, l);
            if let Action::Forward(t) = &l.default_action {
                let path = l
                    .default_route
                    .as_deref()
                    .and_then(|r| route_kind(spec, r))
                    .map_or_else(|| l.source.clone(), |(_, _, kp)| kp.key("targets"));
                let what = match &l.default_route {
                    Some(r) => format!("the default action of listener `{}` (route `{r}`)", l.name),
                    None => format!("the default action of listener `{}`", l.name),
                };
                too_many_targets(ctx, svc, path, &what, t.len());
            }
            for rule in &l.rules {
                let kind = route_kind(spec, &rule.route);
                if let Action::Forward(t) = &rule.action {
                    let path = kind
                        .as_ref()
                        .map_or_else(|| rule.source.clone(), |(_, _, kp)| kp.key("targets"));
                    let what = format!("rule `{}` (route `{}`)", rule.name, rule.route);
                    too_many_targets(ctx, svc, path, &what, t.len());
                }
                if let Some((route, protocol, kp)) =
                    kind.filter(|_| matched.insert(rule.route.as_str()))
                {
                    headers(ctx, rule, route, protocol, &kp);
                    path_match(ctx, rule, route, protocol, &kp);
                }
            }
        }
    }
    for tg in scope.model.target_groups.values() {
        if tg.services.len() > 1 {
            ctx.error(
                Code::LatticeSharedTargetGroup,
                tg.source.clone(),
                format!(
                    "virtual node `{}` port {} would be the target group of {} Lattice services, for virtual services {}; a target group can only be used by a single service",
                    tg.node,
                    tg.port,
                    tg.services.len(),
                    crate::check::common::and_list(&tg.services)
                ),
            )
            .help = Some(format!(
                "let one virtual service reach `{}` on port {}: have the clients of the others call that one, or give the node a listener port of its own for each service",
                tg.node, tg.port
            ));
        }
        if let Some(h) = &tg.health {
            let n = h.path.chars().count();
            if n > MAX_HEALTH_PATH || !is_lattice_path(&h.path) {
                let why = if n > MAX_HEALTH_PATH {
                    format!("has {n} characters, more than the {MAX_HEALTH_PATH} Lattice allows")
                } else if !h.path.starts_with('/') {
                    "does not start with `/`".to_owned()
                } else {
                    format!("holds a character other than {PATH_CHARACTERS}")
                };
                ctx.error(
                    Code::LatticePathMatch,
                    tg.source.key("health_check").key("path"),
                    format!(
                        "the health-check path `{}` of virtual node `{}` port {} {why}, so its Lattice target group cannot check it",
                        shown(&h.path),
                        tg.node,
                        tg.port
                    ),
                )
                .help = Some(format!(
                    "use a path of at most {MAX_HEALTH_PATH} {PATH_CHARACTERS}, starting with `/` (percent-encode anything else)"
                ));
            }
        }
    }
}

/// The route `router/route` of a rule or default action, its kind, and the path of its kind
/// (`virtual_routers.web.routes.canary.http`).
fn route_kind<'s>(spec: &'s Spec, key: &str) -> Option<(&'s Route, Protocol, FieldPath)> {
    let (router, name) = key.split_once('/')?;
    let route = spec.virtual_routers.get(router)?.routes.get(name)?;
    let kind = *route.kinds().first()?;
    let path = router_path(router)
        .key("routes")
        .key(name)
        .key(kind.as_str());
    Some((route, kind, path))
}

fn listeners_quota(ctx: &mut Ctx, svc: &Service) {
    let n = svc.listeners.len();
    if n <= QUOTA_LISTENERS {
        return;
    }
    ctx.warning(
        Code::LatticeQuota,
        svc.listeners[QUOTA_LISTENERS].source.clone(),
        format!(
            "Lattice service `{}` (virtual service `{}`) gets {n} listeners, one per listener port, more than the default quota of {QUOTA_LISTENERS} listeners per service",
            svc.name, svc.domain
        ),
    )
    .help = Some(
        "ask AWS to raise the adjustable `Listeners per service` quota of VPC Lattice before deploying, or serve fewer ports"
            .into(),
    );
}

fn rules_count(ctx: &mut Ctx, svc: &Service, l: &Listener) {
    let n = l.rules.len();
    if n > MAX_RULES {
        let first = &l.rules[MAX_RULES];
        ctx.error(
            Code::LatticeRulePriority,
            l.source.clone(),
            format!(
                "listener `{}` of Lattice service `{}` would have {n} rules, but Lattice rule priorities are 1–{MAX_RULES} in CloudFormation and Terraform, so {}",
                l.name,
                svc.name,
                if n == MAX_RULES + 1 {
                    format!("route `{}` gets none", first.route)
                } else {
                    format!("the {} routes from `{}` on get none", n - MAX_RULES, first.route)
                }
            ),
        )
        .help = Some(format!(
            "keep at most {MAX_RULES} routes per listener besides a last catch-all `prefix: /` route (it becomes the default action): merge routes with the same targets, or split the router"
        ));
    } else if n > QUOTA_RULES {
        ctx.warning(
            Code::LatticeQuota,
            l.source.clone(),
            format!(
                "listener `{}` of Lattice service `{}` has {n} rules, more than the default quota of {QUOTA_RULES} rules per listener",
                l.name, svc.name
            ),
        )
        .help = Some(
            "ask AWS to raise the adjustable `Rules per listener` quota of VPC Lattice before deploying, or merge routes with the same targets"
                .into(),
        );
    }
}

fn too_many_targets(ctx: &mut Ctx, svc: &Service, path: FieldPath, what: &str, n: usize) {
    if n <= MAX_TARGET_GROUPS {
        return;
    }
    ctx.error(
        Code::LatticeTooManyTargets,
        path,
        format!(
            "{what} of Lattice service `{}` forwards to {n} target groups, more than the {MAX_TARGET_GROUPS} a Lattice forward action takes",
            svc.name
        ),
    )
    .help = Some(format!(
        "send to at most {MAX_TARGET_GROUPS} virtual nodes per route, e.g. by shifting traffic in stages"
    ));
}

/// The spec's header (or gRPC metadata) matches of a route: their path and map.
fn header_map<'r>(
    route: &'r Route,
    protocol: Protocol,
    kp: &FieldPath,
) -> Option<(
    FieldPath,
    &'r std::collections::BTreeMap<String, OneOrMany<HeaderMatch>>,
)> {
    let m = kp.key("match");
    match protocol {
        Protocol::Http => route
            .http
            .as_ref()
            .map(|h| (m.key("headers"), &h.matches.headers)),
        Protocol::Http2 => route
            .http2
            .as_ref()
            .map(|h| (m.key("headers"), &h.matches.headers)),
        Protocol::Grpc => route
            .grpc
            .as_ref()
            .map(|g| (m.key("metadata"), &g.matches.metadata)),
        Protocol::Tcp => None,
    }
}

/// The path of the spec's match a header rule comes from.
fn header_entry(
    base: &FieldPath,
    map: &std::collections::BTreeMap<String, OneOrMany<HeaderMatch>>,
    h: &HeaderRule,
) -> FieldPath {
    let Some(list) = map.get(&h.name) else {
        return base.key(h.name.as_str());
    };
    let (key, found) = match h.kind {
        StringMatch::Exact => (
            "exact",
            list.iter()
                .position(|m| m.exact.as_deref() == Some(h.value.as_str())),
        ),
        StringMatch::Prefix => (
            "prefix",
            list.iter()
                .position(|m| m.exact.is_none() && m.prefix.as_deref() == Some(h.value.as_str())),
        ),
    };
    match found {
        Some(i) => entry_path(base, &h.name, i, list.0.len()).key(key),
        None => base.key(h.name.as_str()),
    }
}

fn headers(ctx: &mut Ctx, rule: &Rule, route: &Route, protocol: Protocol, kp: &FieldPath) {
    let hs = &rule.matches.headers;
    if hs.is_empty() {
        return;
    }
    let Some((base, map)) = header_map(route, protocol, kp) else {
        return;
    };
    let noun = if protocol == Protocol::Grpc {
        "metadata"
    } else {
        "header"
    };
    if hs.len() > MAX_HEADER_MATCHES {
        ctx.error(
            Code::LatticeHeaderMatch,
            base.clone(),
            format!(
                "route `{}` has {} {noun} matches Lattice keeps, more than the {MAX_HEADER_MATCHES} a Lattice rule takes",
                rule.route,
                hs.len()
            ),
        )
        .help = Some(format!(
            "match at most {MAX_HEADER_MATCHES} {noun}s per route: split the route into several, or move the other checks into the service"
        ));
    }
    let mut named = std::collections::BTreeSet::new();
    for h in hs {
        let n = h.name.chars().count();
        if n > MAX_HEADER_NAME && named.insert(h.name.as_str()) {
            ctx.error(
                Code::LatticeHeaderMatch,
                base.key(h.name.as_str()),
                format!(
                    "{noun} name `{}` of route `{}` has {n} characters, more than the {MAX_HEADER_NAME} Lattice header matches take",
                    shown(&h.name),
                    rule.route
                ),
            )
            .help = Some(format!(
                "match a {noun} whose name has at most {MAX_HEADER_NAME} characters (CloudFormation's limit)"
            ));
        }
        let v = h.value.chars().count();
        if v > MAX_MATCH_VALUE {
            ctx.error(
                Code::LatticeHeaderMatch,
                header_entry(&base, map, h),
                format!(
                    "the {} value `{}` of {noun} `{}` in route `{}` has {v} characters, more than the {MAX_MATCH_VALUE} Lattice header matches take",
                    h.kind.as_str().to_ascii_lowercase(),
                    shown(&h.value),
                    shown(&h.name),
                    rule.route
                ),
            )
            .help = Some(format!(
                "use at most {MAX_MATCH_VALUE} characters (CloudFormation's limit): for a prefix, a shorter prefix of it"
            ));
        }
    }
}

fn path_match(ctx: &mut Ctx, rule: &Rule, route: &Route, protocol: Protocol, kp: &FieldPath) {
    let Some((kind, value)) = &rule.matches.path else {
        return;
    };
    let n = value.chars().count();
    let valid = is_lattice_path(value);
    if n <= MAX_MATCH_VALUE && valid {
        return;
    }
    let m = kp.key("match");
    let (path, source) = match protocol {
        Protocol::Grpc => {
            let g = route.grpc.as_ref().map(|g| &g.matches);
            let method_bad = g
                .and_then(|g| g.method_name.as_deref())
                .is_some_and(|meth| !is_lattice_path(&format!("/{meth}")));
            let key = if method_bad && !valid {
                "method_name"
            } else {
                "service_name"
            };
            (
                m.key(key),
                " (gRPC routes match the path `/<service>/<method>`)",
            )
        }
        _ => match kind {
            StringMatch::Exact => (m.key("path").key("exact"), ""),
            StringMatch::Prefix => (m.key("prefix"), ""),
        },
    };
    let why = if n > MAX_MATCH_VALUE {
        format!("has {n} characters, more than the {MAX_MATCH_VALUE} Lattice path matches take")
    } else {
        format!("holds a character Lattice path matches do not allow (only {PATH_CHARACTERS})")
    };
    ctx.error(
        Code::LatticePathMatch,
        path,
        format!(
            "the {} path match `{}` of route `{}` {why}{source}",
            kind.as_str().to_ascii_lowercase(),
            shown(value),
            rule.route
        ),
    )
    .help = Some(if n > MAX_MATCH_VALUE {
        format!("use at most {MAX_MATCH_VALUE} characters (CloudFormation's limit): for a prefix, a shorter prefix of it")
    } else {
        format!("use only {PATH_CHARACTERS}, starting with `/`; percent-encode anything else, e.g. a space as `%20`")
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::lattice::model::Model;
    use crate::check::Checked;
    use crate::spec::load::load;

    /// More than ten targets cannot pass the App Mesh rules (ten at most), so no fixture shows
    /// this rule: it runs here on a model built from an unchecked spec.
    #[test]
    fn forward_actions_take_ten_target_groups() {
        let mut text = String::from(
            "name: p\nmesh: { name: p, backend: vpc_lattice, lattice: { hosted_zone: { create: p.internal } } }\nvirtual_nodes:\n",
        );
        let mut targets = Vec::new();
        for i in 0..11 {
            text.push_str(&format!(
                "  n{i}: {{ listeners: [{{ port: 8080, protocol: http }}], service_discovery: {{ dns: {{ hostname: n{i}.p.internal }} }} }}\n"
            ));
            targets.push(format!("n{i}: 1"));
        }
        text.push_str(&format!(
            "virtual_routers:\n  r:\n    listeners: [{{ port: 8080, protocol: http }}]\n    routes:\n      a: {{ http: {{ match: {{ prefix: /a }}, targets: {{ {} }} }} }}\n      b: {{ http: {{ match: {{ prefix: / }}, targets: {{ {} }} }} }}\nvirtual_services:\n  s.p.internal: {{ router: r }}\n",
            targets.join(", "),
            targets.join(", ")
        ));
        let spec = load(&text).spec.expect("the spec parses");
        let (checked, _) = Checked::build(&spec, false, &|_| {});
        let checked = checked.expect("nothing is generated");
        let model = Model::build(checked.spec(), None);
        let mut ctx = Ctx::new(checked.spec());
        super::super::check(&mut ctx, &model, false, &checked);
        let found: Vec<String> = ctx
            .out
            .iter()
            .filter(|d| d.code == Code::LatticeTooManyTargets)
            .map(|d| d.path.to_string())
            .collect();
        assert_eq!(
            found,
            [
                "virtual_routers.r.routes.b.http.targets",
                "virtual_routers.r.routes.a.http.targets"
            ]
        );
    }
}
