//! Routers: listeners, rules in App Mesh's order, matches, weighted targets, and what moves
//! to the client.

use std::collections::BTreeMap;

use super::*;
use crate::spec::{RetryPolicy, RouteTimeout, WeightedTarget};

impl Builder<'_> {
    pub(super) fn router_listeners(&mut self, svc: &mut Service, router: &str) {
        let Some(r) = self.spec.virtual_routers.get(router) else {
            return;
        };
        let listeners: Vec<(usize, u32, Protocol)> = r
            .listeners
            .iter()
            .enumerate()
            .map(|(i, l)| (i, l.port, l.protocol))
            .collect();
        let single = listeners.len() == 1;
        let order = route_order(&r.routes);
        for (i, port, protocol) in listeners {
            let lp = router_path(router).key("listeners").index(i);
            let routes: Vec<(&String, &Route)> = order
                .iter()
                .copied()
                .filter(|(_, route)| single || route.match_port() == Some(port))
                .collect();
            if protocol == Protocol::Tcp {
                self.tcp_dropped(lp);
                for (rname, route) in routes {
                    if route.tcp.is_some() {
                        self.find(
                            router_path(router).key("routes").key(rname.as_str()),
                            "TCP route",
                            Outcome::Dropped,
                            "not rendered with its TCP listener",
                            Some("weighted TCP routing has no Lattice equivalent; shift TCP traffic with DNS or by deploying"),
                        );
                    }
                }
                continue;
            }
            let mut rules = Vec::new();
            let mut default_action = Action::Fixed(404);
            let mut default_route = None;
            let mut target_nodes: Vec<String> = Vec::new();
            let n = routes.len();
            for (idx, (rname, route)) in routes.into_iter().enumerate() {
                let rp = router_path(router).key("routes").key(rname.as_str());
                // The route's kind (`http`, `http2`, `grpc`) holds its match, targets, retry
                // and timeout: `virtual_routers.orders.routes.default.http.retry`.
                let Some((kp, matches, catch_all, targets, retry, timeout)) =
                    self.route_parts(route, &rp)
                else {
                    continue;
                };
                let action = self.forward(targets, port, &kp, &svc.domain);
                if let Action::Forward(t) = &action {
                    target_nodes.extend(t.iter().map(|(n, _, _)| n.clone()));
                }
                self.client_side(&kp, retry, timeout, svc, port, catch_all);
                if catch_all && idx + 1 == n {
                    default_action = action;
                    default_route = Some(format!("{router}/{rname}"));
                    self.find(
                        kp.key("match"),
                        "catch-all match",
                        Outcome::Kept,
                        "the listener's default action",
                        None,
                    );
                    continue;
                }
                let priority = u32::try_from(rules.len() + 1).unwrap_or(u32::MAX);
                rules.push(Rule {
                    name: lattice_name(rname, RULE_NAME_MAX, RULE_PREFIX),
                    priority,
                    matches,
                    action,
                    source: rp,
                    route: format!("{router}/{rname}"),
                });
            }
            let refs: Vec<&str> = target_nodes.iter().map(String::as_str).collect();
            let cert = if refs.is_empty() {
                None
            } else {
                self.certificate(&refs, port)
            };
            let lprotocol = self.listener_protocol(svc, cert);
            svc.listeners.push(Listener {
                name: listener_name(lprotocol, port),
                protocol: lprotocol,
                port,
                app_protocol: protocol,
                rules,
                default_action,
                default_route,
                source: lp,
            });
        }
    }

    /// Timeouts and retries move to the caller.
    fn client_side(
        &mut self,
        rp: &FieldPath,
        retry: Option<&RetryPolicy>,
        timeout: Option<&RouteTimeout>,
        svc: &mut Service,
        port: u32,
        catch_all: bool,
    ) {
        if let Some(r) = retry {
            self.find(
                rp.key("retry"),
                "retry policy",
                Outcome::MovedToClient,
                format!("Lattice does not retry; the generated Airflow connections carry `max_retries: {}` and `per_retry_timeout: {}` for the client to apply", r.max_retries, fmt_duration(r.per_retry_timeout)),
                Some("retry in the client: `HttpHook.run_with_advanced_retry(_retry_args=...)`, or the Airflow task's own `retries`"),
            );
        }
        if timeout.is_some() {
            self.find(
                rp.key("timeout"),
                "route timeout",
                Outcome::MovedToClient,
                "Lattice has no per-request or idle timeout; the generated Airflow connections carry the per-request timeout",
                Some("set the client's timeout: `extra_options={\"timeout\": ...}` on HttpOperator/HttpHook"),
            );
        }
        if catch_all || !svc.client.contains_key(&port) {
            let policy = ClientPolicy {
                timeout: timeout.and_then(|t| t.per_request),
                max_retries: retry.map(|r| r.max_retries),
                per_retry_timeout: retry.map(|r| r.per_retry_timeout),
            };
            if policy != ClientPolicy::default() || catch_all {
                svc.client.insert(port, policy);
            }
        }
    }

    fn forward(
        &mut self,
        targets: &std::collections::BTreeMap<String, Short<WeightedTarget>>,
        port: u32,
        rp: &FieldPath,
        service: &str,
    ) -> Action {
        let mut out = Vec::new();
        for (node, t) in targets {
            let tport = t.port.or_else(|| self.node_port(node)).unwrap_or(port);
            if t.weight == 0 {
                self.find(
                    rp.key("targets").key(node.as_str()),
                    "zero-weight target",
                    Outcome::Dropped,
                    "left out of the rule (Lattice rule weights are 1–999)",
                    Some("none: it received no traffic; give it a weight when it should"),
                );
                continue;
            }
            self.target_group(node, tport, service);
            out.push((node.clone(), tport, t.weight));
        }
        if out.is_empty() {
            Action::Fixed(500)
        } else {
            out.sort_by(|a, b| a.0.cmp(&b.0));
            Action::Forward(out)
        }
    }

    #[allow(clippy::type_complexity)]
    fn route_parts<'r>(
        &mut self,
        route: &'r Route,
        rp: &FieldPath,
    ) -> Option<(
        FieldPath,
        RuleMatch,
        bool,
        &'r BTreeMap<String, Short<WeightedTarget>>,
        Option<&'r RetryPolicy>,
        Option<&'r RouteTimeout>,
    )> {
        if let Some((kind, h)) = route
            .http
            .as_ref()
            .map(|h| ("http", h))
            .or(route.http2.as_ref().map(|h| ("http2", h)))
        {
            let kp = rp.key(kind);
            let m = self.http_match(&h.matches, &kp.key("match"));
            return Some((
                kp,
                m,
                http_catch_all(&h.matches),
                &h.targets,
                h.retry.as_ref(),
                h.timeout.as_ref(),
            ));
        }
        if let Some(g) = &route.grpc {
            let kp = rp.key("grpc");
            let m = self.grpc_match(&g.matches, &kp.key("match"));
            return Some((
                kp,
                m,
                grpc_catch_all(&g.matches),
                &g.targets,
                g.retry.as_ref(),
                g.timeout.as_ref(),
            ));
        }
        None
    }

    fn headers(
        &mut self,
        headers: &BTreeMap<String, OneOrMany<HeaderMatch>>,
        mp: &FieldPath,
        out: &mut Vec<HeaderRule>,
    ) {
        for (name, list) in headers {
            let hp = mp.key(name.as_str());
            for h in list.iter() {
                let dropped = |what: &str| Some(what.to_owned());
                let reason = if h.invert == Some(true) {
                    dropped("inverted header match")
                } else if h.suffix.is_some() {
                    dropped("suffix header match")
                } else if h.regex.is_some() {
                    dropped("regex header match")
                } else if h.range.is_some() {
                    dropped("range header match")
                } else {
                    None
                };
                if let Some(feature) = reason {
                    self.find(
                        hp.clone(),
                        &feature,
                        Outcome::Dropped,
                        "left out of the rule, which then matches without it (Lattice header matches are exact, prefix or contains)",
                        Some("split the route into exact or prefix matches, or match in the service"),
                    );
                    continue;
                }
                let (kind, value) = match (&h.exact, &h.prefix) {
                    (Some(e), _) => (StringMatch::Exact, e.clone()),
                    (None, Some(p)) => (StringMatch::Prefix, p.clone()),
                    // `{}`: presence. A prefix of nothing is not allowed (values are 1–128).
                    (None, None) => {
                        self.find(
                            hp.clone(),
                            "header presence match",
                            Outcome::Dropped,
                            "left out of the rule (Lattice matches header values of 1–128 characters)",
                            Some("match a value or prefix instead"),
                        );
                        continue;
                    }
                };
                out.push(HeaderRule {
                    name: name.clone(),
                    kind,
                    value,
                });
            }
        }
    }

    fn http_match(&mut self, m: &HttpMatch, mp: &FieldPath) -> RuleMatch {
        let mut out = RuleMatch::default();
        if let Some(p) = &m.prefix {
            out.path = Some((StringMatch::Prefix, p.clone()));
        }
        if let Some(p) = &m.path {
            if let Some(e) = &p.exact {
                out.path = Some((StringMatch::Exact, e.clone()));
            } else if p.regex.is_some() {
                self.find(
                    mp.key("path").key("regex"),
                    "regex path match",
                    Outcome::Dropped,
                    "left out of the rule, which then matches without it (Lattice path matches are exact or prefix)",
                    Some("split the route into several exact or prefix routes"),
                );
            }
        }
        self.headers(&m.headers, &mp.key("headers"), &mut out.headers);
        if !m.query_parameters.is_empty() {
            self.find(
                mp.key("query_parameters"),
                "query-parameter match",
                Outcome::Dropped,
                "left out of the rule, which then matches without it",
                Some("route on the path or a header instead, or branch in the service"),
            );
        }
        if let Some(method) = m.method {
            if method == HttpMethod::PATCH {
                self.find(
                    mp.key("method"),
                    "PATCH method match",
                    Outcome::Dropped,
                    "left out of the rule: CloudFormation's Lattice method enum has no PATCH",
                    Some("match on the path or a header, or handle PATCH in the catch-all route"),
                );
            } else {
                out.method = Some(method.as_str());
            }
        }
        if m.scheme.is_some() {
            self.find(
                mp.key("scheme"),
                "scheme match",
                Outcome::Dropped,
                "left out of the rule: a Lattice listener has one protocol",
                Some("none needed: each listener's protocol is the scheme"),
            );
        }
        if out.path.is_none() && out.method.is_none() && out.headers.is_empty() {
            // A rule needs one condition; `/` is what App Mesh would have matched.
            out.path = Some((StringMatch::Prefix, "/".into()));
        }
        out
    }

    fn grpc_match(&mut self, m: &GrpcMatch, mp: &FieldPath) -> RuleMatch {
        let mut out = RuleMatch {
            method: Some("POST"),
            ..RuleMatch::default()
        };
        out.path = Some(match (&m.service_name, &m.method_name) {
            (Some(s), Some(meth)) => (StringMatch::Exact, format!("/{s}/{meth}")),
            (Some(s), None) => (StringMatch::Prefix, format!("/{s}/")),
            _ => (StringMatch::Prefix, "/".into()),
        });
        out.grpc = Some(GrpcMethod {
            service: m.service_name.clone(),
            method: m.service_name.as_ref().and(m.method_name.clone()),
        });
        if m.service_name.is_some() {
            self.find(
                mp.key("service_name"),
                "gRPC service/method match",
                Outcome::Kept,
                "a POST rule on the path `/<service>/<method>` (exact) or `/<service>/` (prefix)",
                None,
            );
        }
        self.headers(&m.metadata, &mp.key("metadata"), &mut out.headers);
        out
    }
}
