//! Route and gateway route specs → the spec's `routes:` entries.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::build::B;
use super::emit::{M, Y};

const METHODS: &[(&str, &str)] = &[
    ("GET", "GET"),
    ("HEAD", "HEAD"),
    ("POST", "POST"),
    ("PUT", "PUT"),
    ("DELETE", "DELETE"),
    ("CONNECT", "CONNECT"),
    ("OPTIONS", "OPTIONS"),
    ("TRACE", "TRACE"),
    ("PATCH", "PATCH"),
];

/// Name → one match, or a list when the name is matched several times.
fn grouped(items: Vec<(String, Y)>) -> Y {
    let mut by: BTreeMap<String, Vec<Y>> = BTreeMap::new();
    for (k, v) in items {
        by.entry(k).or_default().push(v);
    }
    let mut o = M::new();
    for (k, mut v) in by {
        o = if v.len() == 1 {
            o.set(k, v.remove(0))
        } else {
            o.set(k, v)
        };
    }
    o.into()
}

impl B<'_> {
    fn header_matches(&mut self, v: Option<&Value>, prop: &str) -> Y {
        let mut items = Vec::new();
        for (p, h) in self.list(v, prop) {
            let Some(h) = self.obj(Some(h), &p, &["Name", "Invert", "Match"]) else {
                continue;
            };
            let Some(name) = self.str(h.get("Name"), &format!("{p}.Name")) else {
                continue;
            };
            let mp = format!("{p}.Match");
            let mut o = M::new();
            if let Some(m) = self.obj(
                h.get("Match"),
                &mp,
                &["Exact", "Prefix", "Suffix", "Regex", "Range"],
            ) {
                o = o
                    .opt("exact", self.str(m.get("Exact"), &format!("{mp}.Exact")))
                    .opt("prefix", self.str(m.get("Prefix"), &format!("{mp}.Prefix")))
                    .opt("suffix", self.str(m.get("Suffix"), &format!("{mp}.Suffix")))
                    .opt("regex", self.str(m.get("Regex"), &format!("{mp}.Regex")));
                let rp = format!("{mp}.Range");
                if let Some(r) = self.obj(m.get("Range"), &rp, &["Start", "End"]) {
                    let start = self.int(r.get("Start"), &format!("{rp}.Start"));
                    let end = self.int(r.get("End"), &format!("{rp}.End"));
                    o = o.set("range", M::new().opt("start", start).opt("end", end));
                }
            }
            o = o.opt("invert", self.bool(h.get("Invert"), &format!("{p}.Invert")));
            items.push((name, o.into()));
        }
        grouped(items)
    }

    fn query_matches(&mut self, v: Option<&Value>, prop: &str) -> Y {
        let mut items = Vec::new();
        for (p, q) in self.list(v, prop) {
            let Some(q) = self.obj(Some(q), &p, &["Name", "Match"]) else {
                continue;
            };
            let Some(name) = self.str(q.get("Name"), &format!("{p}.Name")) else {
                continue;
            };
            let mp = format!("{p}.Match");
            let exact = self
                .obj(q.get("Match"), &mp, &["Exact"])
                .and_then(|m| self.str(m.get("Exact"), &format!("{mp}.Exact")));
            items.push((name, M::new().opt("exact", exact).into()));
        }
        grouped(items)
    }

    fn path_match(&mut self, v: Option<&Value>, prop: &str) -> Option<Y> {
        let p = self.obj(v, prop, &["Exact", "Regex"])?;
        Some(
            M::new()
                .opt("exact", self.str(p.get("Exact"), &format!("{prop}.Exact")))
                .opt("regex", self.str(p.get("Regex"), &format!("{prop}.Regex")))
                .into(),
        )
    }

    fn hostname_match(&mut self, v: Option<&Value>, prop: &str) -> Option<Y> {
        let h = self.obj(v, prop, &["Exact", "Suffix"])?;
        Some(
            M::new()
                .opt("exact", self.str(h.get("Exact"), &format!("{prop}.Exact")))
                .opt(
                    "suffix",
                    self.str(h.get("Suffix"), &format!("{prop}.Suffix")),
                )
                .into(),
        )
    }

    fn targets(&mut self, action: Option<&Map<String, Value>>, prop: &str) -> Y {
        let mut o = M::new();
        let Some(action) = action else {
            return o.into();
        };
        for (p, t) in self.list(
            action.get("WeightedTargets"),
            &format!("{prop}.WeightedTargets"),
        ) {
            let Some(t) = self.obj(Some(t), &p, &["VirtualNode", "Weight", "Port"]) else {
                continue;
            };
            let Some(node) = self.str(t.get("VirtualNode"), &format!("{p}.VirtualNode")) else {
                continue;
            };
            if t.get("Weight").is_none() {
                self.err(
                    &p,
                    format!(
                        "weighted target `{node}` of `{}` has no `Weight`, which App Mesh requires",
                        self.res.id
                    ),
                    None,
                );
                continue;
            }
            let Some(weight) = self.int(t.get("Weight"), &format!("{p}.Weight")) else {
                continue;
            };
            if o.0.iter().any(|e| e.key == node) {
                self.err(&p, format!("`{}` names virtual node `{node}` as a weighted target twice; the spec keys targets by node", self.res.id), Some("merge the two targets into one".into()));
                continue;
            }
            o = match self.int(t.get("Port"), &format!("{p}.Port")) {
                Some(port) => o.set(node, M::new().set("weight", weight).set("port", port)),
                None => o.set(node, weight),
            };
        }
        o.into()
    }

    fn retry(&mut self, v: Option<&Value>, prop: &str, grpc: bool) -> Option<Y> {
        let allowed: &[&str] = if grpc {
            &[
                "MaxRetries",
                "PerRetryTimeout",
                "HttpRetryEvents",
                "TcpRetryEvents",
                "GrpcRetryEvents",
            ]
        } else {
            &[
                "MaxRetries",
                "PerRetryTimeout",
                "HttpRetryEvents",
                "TcpRetryEvents",
            ]
        };
        let r = self.obj(v, prop, allowed)?;
        let events = |b: &mut Self, key: &str| -> Vec<Y> {
            b.list(r.get(key), &format!("{prop}.{key}"))
                .into_iter()
                .filter_map(|(p, x)| b.str(Some(x), &p).map(Y::Str))
                .collect()
        };
        let http = events(self, "HttpRetryEvents");
        let tcp = events(self, "TcpRetryEvents");
        let grpc_events = events(self, "GrpcRetryEvents");
        Some(
            M::new()
                .opt(
                    "max_retries",
                    self.int(r.get("MaxRetries"), &format!("{prop}.MaxRetries")),
                )
                .opt(
                    "per_retry_timeout",
                    self.duration(r.get("PerRetryTimeout"), &format!("{prop}.PerRetryTimeout")),
                )
                .nonempty("http_events", http)
                .nonempty("tcp_events", tcp)
                .nonempty("grpc_events", grpc_events)
                .into(),
        )
    }

    fn route_timeout(&mut self, v: Option<&Value>, prop: &str) -> Option<Y> {
        let t = self.obj(v, prop, &["PerRequest", "Idle"])?;
        Some(
            M::new()
                .opt(
                    "per_request",
                    self.duration(t.get("PerRequest"), &format!("{prop}.PerRequest")),
                )
                .opt(
                    "idle",
                    self.duration(t.get("Idle"), &format!("{prop}.Idle")),
                )
                .into(),
        )
    }

    /// An HTTP match of a route (with `Scheme`) or of a gateway route (with `Hostname`), in the
    /// spec's key order.
    fn http_match(&mut self, v: Option<&Value>, mp: &str, gateway: bool) -> M {
        let allowed: &[&str] = if gateway {
            &[
                "Prefix",
                "Path",
                "Headers",
                "QueryParameters",
                "Method",
                "Port",
                "Hostname",
            ]
        } else {
            &[
                "Prefix",
                "Path",
                "Headers",
                "QueryParameters",
                "Method",
                "Scheme",
                "Port",
            ]
        };
        let Some(m) = self.obj(v, mp, allowed) else {
            return M::new();
        };
        let mut o = M::new()
            .opt("prefix", self.str(m.get("Prefix"), &format!("{mp}.Prefix")))
            .opt(
                "path",
                self.path_match(m.get("Path"), &format!("{mp}.Path")),
            )
            .nonempty(
                "headers",
                self.header_matches(m.get("Headers"), &format!("{mp}.Headers")),
            )
            .nonempty(
                "query_parameters",
                self.query_matches(m.get("QueryParameters"), &format!("{mp}.QueryParameters")),
            )
            .opt(
                "method",
                self.one_of(m.get("Method"), &format!("{mp}.Method"), METHODS),
            );
        if !gateway {
            o = o.opt(
                "scheme",
                self.one_of(
                    m.get("Scheme"),
                    &format!("{mp}.Scheme"),
                    &[("http", "http"), ("https", "https")],
                ),
            );
        }
        o = o.opt("port", self.int(m.get("Port"), &format!("{mp}.Port")));
        if gateway {
            o = o.opt(
                "hostname",
                self.hostname_match(m.get("Hostname"), &format!("{mp}.Hostname")),
            );
        }
        o
    }

    fn http_route(&mut self, v: Option<&Value>, prop: &str) -> Option<Y> {
        let r = self.obj(v, prop, &["Match", "Action", "RetryPolicy", "Timeout"])?;
        let mp = format!("{prop}.Match");
        let matches = self.http_match(r.get("Match"), &mp, false);
        let ap = format!("{prop}.Action");
        let action = self.obj(r.get("Action"), &ap, &["WeightedTargets"]);
        Some(
            M::new()
                .set("match", matches)
                .set("targets", self.targets(action, &ap))
                .opt(
                    "retry",
                    self.retry(r.get("RetryPolicy"), &format!("{prop}.RetryPolicy"), false),
                )
                .opt(
                    "timeout",
                    self.route_timeout(r.get("Timeout"), &format!("{prop}.Timeout")),
                )
                .into(),
        )
    }

    fn grpc_route(&mut self, v: Option<&Value>, prop: &str) -> Option<Y> {
        let r = self.obj(v, prop, &["Match", "Action", "RetryPolicy", "Timeout"])?;
        let mp = format!("{prop}.Match");
        let matches = match self.obj(
            r.get("Match"),
            &mp,
            &["ServiceName", "MethodName", "Metadata", "Port"],
        ) {
            Some(m) => M::new()
                .opt(
                    "service_name",
                    self.str(m.get("ServiceName"), &format!("{mp}.ServiceName")),
                )
                .opt(
                    "method_name",
                    self.str(m.get("MethodName"), &format!("{mp}.MethodName")),
                )
                .nonempty(
                    "metadata",
                    self.header_matches(m.get("Metadata"), &format!("{mp}.Metadata")),
                )
                .opt("port", self.int(m.get("Port"), &format!("{mp}.Port"))),
            None => M::new(),
        };
        let ap = format!("{prop}.Action");
        let action = self.obj(r.get("Action"), &ap, &["WeightedTargets"]);
        Some(
            M::new()
                .nonempty("match", matches)
                .set("targets", self.targets(action, &ap))
                .opt(
                    "retry",
                    self.retry(r.get("RetryPolicy"), &format!("{prop}.RetryPolicy"), true),
                )
                .opt(
                    "timeout",
                    self.route_timeout(r.get("Timeout"), &format!("{prop}.Timeout")),
                )
                .into(),
        )
    }

    fn tcp_route(&mut self, v: Option<&Value>, prop: &str) -> Option<Y> {
        let r = self.obj(v, prop, &["Match", "Action", "Timeout"])?;
        let mp = format!("{prop}.Match");
        let port = self
            .obj(r.get("Match"), &mp, &["Port"])
            .and_then(|m| self.int(m.get("Port"), &format!("{mp}.Port")));
        let ap = format!("{prop}.Action");
        let action = self.obj(r.get("Action"), &ap, &["WeightedTargets"]);
        let tp = format!("{prop}.Timeout");
        let idle = self
            .obj(r.get("Timeout"), &tp, &["Idle"])
            .and_then(|t| self.duration(t.get("Idle"), &format!("{tp}.Idle")));
        Some(
            M::new()
                .opt("match", port.map(|p| M::new().set("port", p)))
                .set("targets", self.targets(action, &ap))
                .opt("timeout", idle.map(|i| M::new().set("idle", i)))
                .into(),
        )
    }

    /// A route's `Spec` → `{ priority, http | http2 | grpc | tcp }`.
    pub fn route(&mut self, spec: Option<&Value>) -> Option<M> {
        let s = self.obj(
            spec,
            "Spec",
            &[
                "Priority",
                "HttpRoute",
                "Http2Route",
                "GrpcRoute",
                "TcpRoute",
            ],
        )?;
        let mut o = M::new().opt("priority", self.int(s.get("Priority"), "Spec.Priority"));
        let kinds = ["HttpRoute", "Http2Route", "GrpcRoute", "TcpRoute"]
            .into_iter()
            .filter(|k| s.contains_key(*k))
            .count();
        if kinds != 1 {
            self.err("Spec", format!("route `{}` must have exactly one of `HttpRoute`, `Http2Route`, `GrpcRoute` and `TcpRoute`", self.res.id), None);
            return None;
        }
        o = o
            .opt(
                "http",
                self.http_route(s.get("HttpRoute"), "Spec.HttpRoute"),
            )
            .opt(
                "http2",
                self.http_route(s.get("Http2Route"), "Spec.Http2Route"),
            )
            .opt(
                "grpc",
                self.grpc_route(s.get("GrpcRoute"), "Spec.GrpcRoute"),
            )
            .opt("tcp", self.tcp_route(s.get("TcpRoute"), "Spec.TcpRoute"));
        Some(o)
    }

    fn gateway_target(&mut self, action: Option<&Map<String, Value>>, prop: &str) -> Option<Y> {
        let tp = format!("{prop}.Target");
        let t = self.obj(action?.get("Target"), &tp, &["VirtualService", "Port"])?;
        let vp = format!("{tp}.VirtualService");
        let vs = self.obj(t.get("VirtualService"), &vp, &["VirtualServiceName"])?;
        let name = self.str(
            vs.get("VirtualServiceName"),
            &format!("{vp}.VirtualServiceName"),
        )?;
        Some(match self.int(t.get("Port"), &format!("{tp}.Port")) {
            Some(port) => M::new()
                .set("virtual_service", name)
                .set("port", port)
                .into(),
            None => Y::Str(name),
        })
    }

    fn gateway_http(&mut self, v: Option<&Value>, prop: &str) -> Option<Y> {
        let r = self.obj(v, prop, &["Match", "Action"])?;
        let mp = format!("{prop}.Match");
        let matches = self.http_match(r.get("Match"), &mp, true);
        let ap = format!("{prop}.Action");
        let action = self.obj(r.get("Action"), &ap, &["Target", "Rewrite"]);
        let target = self.gateway_target(action, &ap)?;
        let rp = format!("{ap}.Rewrite");
        let rewrite = action
            .and_then(|a| self.obj(a.get("Rewrite"), &rp, &["Hostname", "Prefix", "Path"]))
            .map(|rw| {
                let hp = format!("{rp}.Hostname");
                let host = self
                    .obj(rw.get("Hostname"), &hp, &["DefaultTargetHostname"])
                    .and_then(|h| {
                        self.toggle(
                            h.get("DefaultTargetHostname"),
                            &format!("{hp}.DefaultTargetHostname"),
                        )
                    });
                let pp = format!("{rp}.Prefix");
                let prefix = self
                    .obj(rw.get("Prefix"), &pp, &["DefaultPrefix", "Value"])
                    .map(|p| {
                        let default =
                            self.toggle(p.get("DefaultPrefix"), &format!("{pp}.DefaultPrefix"));
                        let value = self.str(p.get("Value"), &format!("{pp}.Value"));
                        match (default, value) {
                            (None, Some(v)) => Y::Str(v),
                            (d, v) => M::new().opt("default_prefix", d).opt("value", v).into(),
                        }
                    });
                let xp = format!("{rp}.Path");
                let path = self
                    .obj(rw.get("Path"), &xp, &["Exact"])
                    .and_then(|p| self.str(p.get("Exact"), &format!("{xp}.Exact")))
                    .map(|e| M::new().set("exact", e));
                M::new()
                    .opt("hostname", host)
                    .opt("prefix", prefix)
                    .opt("path", path)
            });
        Some(
            M::new()
                .set("match", matches)
                .set("target", target)
                .opt("rewrite", rewrite)
                .into(),
        )
    }

    fn gateway_grpc(&mut self, v: Option<&Value>, prop: &str) -> Option<Y> {
        let r = self.obj(v, prop, &["Match", "Action"])?;
        let mp = format!("{prop}.Match");
        let matches = match self.obj(
            r.get("Match"),
            &mp,
            &["ServiceName", "Hostname", "Metadata", "Port"],
        ) {
            Some(m) => M::new()
                .opt(
                    "service_name",
                    self.str(m.get("ServiceName"), &format!("{mp}.ServiceName")),
                )
                .opt(
                    "hostname",
                    self.hostname_match(m.get("Hostname"), &format!("{mp}.Hostname")),
                )
                .nonempty(
                    "metadata",
                    self.header_matches(m.get("Metadata"), &format!("{mp}.Metadata")),
                )
                .opt("port", self.int(m.get("Port"), &format!("{mp}.Port"))),
            None => M::new(),
        };
        let ap = format!("{prop}.Action");
        let action = self.obj(r.get("Action"), &ap, &["Target", "Rewrite"]);
        let target = self.gateway_target(action, &ap)?;
        let rp = format!("{ap}.Rewrite");
        let rewrite = action
            .and_then(|a| self.obj(a.get("Rewrite"), &rp, &["Hostname"]))
            .map(|rw| {
                let hp = format!("{rp}.Hostname");
                let host = self
                    .obj(rw.get("Hostname"), &hp, &["DefaultTargetHostname"])
                    .and_then(|h| {
                        self.toggle(
                            h.get("DefaultTargetHostname"),
                            &format!("{hp}.DefaultTargetHostname"),
                        )
                    });
                M::new().opt("hostname", host)
            });
        Some(
            M::new()
                .nonempty("match", matches)
                .set("target", target)
                .opt("rewrite", rewrite)
                .into(),
        )
    }

    /// A gateway route's `Spec` → `{ priority, http | http2 | grpc }`.
    pub fn gateway_route(&mut self, spec: Option<&Value>) -> Option<M> {
        let s = self.obj(
            spec,
            "Spec",
            &["Priority", "HttpRoute", "Http2Route", "GrpcRoute"],
        )?;
        let kinds = ["HttpRoute", "Http2Route", "GrpcRoute"]
            .into_iter()
            .filter(|k| s.contains_key(*k))
            .count();
        if kinds != 1 {
            self.err("Spec", format!("gateway route `{}` must have exactly one of `HttpRoute`, `Http2Route` and `GrpcRoute`", self.res.id), None);
            return None;
        }
        Some(
            M::new()
                .opt("priority", self.int(s.get("Priority"), "Spec.Priority"))
                .opt(
                    "http",
                    self.gateway_http(s.get("HttpRoute"), "Spec.HttpRoute"),
                )
                .opt(
                    "http2",
                    self.gateway_http(s.get("Http2Route"), "Spec.Http2Route"),
                )
                .opt(
                    "grpc",
                    self.gateway_grpc(s.get("GrpcRoute"), "Spec.GrpcRoute"),
                ),
        )
    }
}
