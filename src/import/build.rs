//! Resources in CloudFormation's shape → the spec: the inverse of `lower::appmesh`.
//!
//! Every property is read through [`B`], which reports a value only deploy time knows (with the
//! flag that supplies it) and every property meshsynth's spec cannot express, at the property's
//! line:column; all of a run's errors are reported together.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::emit::{Entry, M, Y};
use super::model::{as_reference, as_unknown, ImportError, Resource};
use crate::observe::metrics::{ENVOY_ACCESS_LOG_JSON, ENVOY_ACCESS_LOG_PATH};
use crate::spec::{Duration, HealthCheck};

/// Reads one resource's properties, collecting errors.
pub struct B<'r> {
    pub res: &'r Resource,
    pub errors: &'r mut Vec<ImportError>,
}

impl B<'_> {
    fn where_(&self, prop: &str) -> String {
        if self.res.id.contains('.') {
            // A Terraform address: its arguments are snake_case, but the path is the mapped one.
            format!("{} {prop}", self.res.id)
        } else {
            format!("Resources.{}.Properties.{prop}", self.res.id)
        }
    }

    pub fn err(&mut self, prop: &str, message: impl Into<String>, help: Option<String>) {
        let mut e = ImportError::new(
            &self.res.file,
            self.res.locate(prop),
            self.where_(prop),
            message,
        );
        e.help = help;
        self.errors.push(e);
    }

    /// Refuses a marked value (known only after deploy, or not at all); true when `v` is one.
    fn refused(&mut self, v: &Value, prop: &str) -> bool {
        if let Some((what, flag)) = as_unknown(v) {
            let help = match flag {
                Some(f) => format!("pass {f} to `meshsynth import`"),
                None => "write the value itself in the file, or edit the imported spec".into(),
            };
            self.err(
                prop,
                format!(
                    "`{prop}` of `{}` is not known before deploy: {what}",
                    self.res.id
                ),
                Some(help),
            );
            return true;
        }
        if let Some((id, attr)) = as_reference(v) {
            self.err(
                prop,
                format!("`{prop}` of `{}` is the {attr} of `{id}`, known only once the stack is deployed", self.res.id),
                Some(if self.res.id.contains('.') {
                    "meshsynth's spec needs the value itself here; write it in the file or edit the imported spec".into()
                } else {
                    format!("pass --parameter {id}.{attr}=VALUE to `meshsynth import` with the value it has, or write the value in the file")
                }),
            );
            return true;
        }
        false
    }

    pub fn str(&mut self, v: Option<&Value>, prop: &str) -> Option<String> {
        let v = v?;
        if self.refused(v, prop) {
            return None;
        }
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => {
                self.err(
                    prop,
                    format!("`{prop}` of `{}` should be text", self.res.id),
                    None,
                );
                None
            }
        }
    }

    pub fn int(&mut self, v: Option<&Value>, prop: &str) -> Option<i64> {
        let v = v?;
        if self.refused(v, prop) {
            return None;
        }
        let n = match v {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        if n.is_none() {
            self.err(
                prop,
                format!(
                    "`{prop}` of `{}` should be a whole number, not `{v}`",
                    self.res.id
                ),
                None,
            );
        }
        n
    }

    pub fn bool(&mut self, v: Option<&Value>, prop: &str) -> Option<bool> {
        let v = v?;
        if self.refused(v, prop) {
            return None;
        }
        match v {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => {
                self.err(
                    prop,
                    format!("`{prop}` of `{}` should be true or false", self.res.id),
                    None,
                );
                None
            }
        }
    }

    /// An object; `allowed` are the keys meshsynth can express, every other is reported.
    pub fn obj<'v>(
        &mut self,
        v: Option<&'v Value>,
        prop: &str,
        allowed: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let v = v?;
        if self.refused(v, prop) {
            return None;
        }
        let Value::Object(m) = v else {
            self.err(
                prop,
                format!("`{prop}` of `{}` should be a mapping", self.res.id),
                None,
            );
            return None;
        };
        for k in m.keys() {
            if !allowed.contains(&k.as_str()) {
                let p = super::model::prop_path(prop, k);
                let known = crate::diagnostic::did_you_mean(k, allowed.iter().copied());
                self.err(
                    &p,
                    format!("meshsynth's spec cannot express `{p}` of `{}`", self.res.id),
                    Some(known.unwrap_or_else(|| {
                        format!("`{prop}` takes {}; remove `{k}` from the file, or import without it and add it to the output by hand", list(allowed))
                    })),
                );
            }
        }
        Some(m)
    }

    pub fn list<'v>(&mut self, v: Option<&'v Value>, prop: &str) -> Vec<(String, &'v Value)> {
        let Some(v) = v else { return Vec::new() };
        if self.refused(v, prop) {
            return Vec::new();
        }
        match v {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, x)| (super::model::index_path(prop, i), x))
                .collect(),
            _ => {
                self.err(
                    prop,
                    format!("`{prop}` of `{}` should be a list", self.res.id),
                    None,
                );
                Vec::new()
            }
        }
    }

    /// One of `options` (the API's spelling) → the spec's spelling.
    pub fn one_of(
        &mut self,
        v: Option<&Value>,
        prop: &str,
        options: &[(&str, &'static str)],
    ) -> Option<&'static str> {
        let s = self.str(v, prop)?;
        match options.iter().find(|(api, _)| *api == s) {
            Some((_, spec)) => Some(spec),
            None => {
                let names: Vec<&str> = options.iter().map(|(a, _)| *a).collect();
                self.err(
                    prop,
                    format!(
                        "`{prop}` of `{}` is `{s}`, which is not one of {}",
                        self.res.id,
                        list(&names)
                    ),
                    None,
                );
                None
            }
        }
    }

    /// `{Unit, Value}` → a duration.
    pub fn duration(&mut self, v: Option<&Value>, prop: &str) -> Option<String> {
        let o = self.obj(v, prop, &["Unit", "Value"])?;
        let unit = self.one_of(
            o.get("Unit"),
            &format!("{prop}.Unit"),
            &[("ms", "ms"), ("s", "s")],
        )?;
        let vp = format!("{prop}.Value");
        let value = self.int(o.get("Value"), &vp)?;
        let ms = u64::try_from(value)
            .ok()
            .and_then(|v| v.checked_mul(if unit == "s" { 1000 } else { 1 }));
        if ms.is_none() {
            self.err(
                &vp,
                format!(
                    "`{vp}` of `{}` is {value}: a duration is a whole number from 0",
                    self.res.id
                ),
                None,
            );
        }
        Some(Duration::from_millis(ms?).to_string())
    }

    pub fn millis(&mut self, v: Option<&Value>, prop: &str) -> Option<String> {
        let ms = self.int(v, prop)?;
        match u64::try_from(ms) {
            Ok(ms) => Some(Duration::from_millis(ms).to_string()),
            Err(_) => {
                self.err(prop, format!("`{prop}` of `{}` is {ms}: a duration is a whole number of milliseconds from 0", self.res.id), None);
                None
            }
        }
    }

    /// `[{Key, Value}]` (or Terraform's map) → a mapping.
    pub fn key_values(&mut self, v: Option<&Value>, prop: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if v.is_some_and(|v| self.refused(v, prop)) {
            return out;
        }
        if let Some(Value::Object(m)) = v {
            for (k, x) in m {
                if let Some(s) = self.str(Some(x), &super::model::prop_path(prop, k)) {
                    out.insert(k.clone(), s);
                }
            }
            return out;
        }
        for (p, item) in self.list(v, prop) {
            let Some(o) = self.obj(Some(item), &p, &["Key", "Value"]) else {
                continue;
            };
            if let (Some(k), Some(x)) = (
                self.str(o.get("Key"), &format!("{p}.Key")),
                self.str(o.get("Value"), &format!("{p}.Value")),
            ) {
                out.insert(k, x);
            }
        }
        out
    }
}

pub fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.len() {
        0 => "nothing".into(),
        1 => quoted[0].clone(),
        n => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

fn kv(m: &BTreeMap<String, String>) -> Y {
    let mut o = M::new();
    for (k, v) in m {
        o = o.set(k, v);
    }
    o.into()
}

const PROTOCOLS: &[(&str, &str)] = &[
    ("http", "http"),
    ("http2", "http2"),
    ("grpc", "grpc"),
    ("tcp", "tcp"),
];
const IP_PREFERENCES: &[(&str, &str)] = &[
    ("IPv4_ONLY", "ipv4_only"),
    ("IPv4_PREFERRED", "ipv4_preferred"),
    ("IPv6_ONLY", "ipv6_only"),
    ("IPv6_PREFERRED", "ipv6_preferred"),
];
const TOGGLES: &[(&str, &str)] = &[("ENABLED", "enabled"), ("DISABLED", "disabled")];

fn proto_key(p: &str) -> &'static str {
    match p {
        "http" => "HTTP",
        "http2" => "HTTP2",
        "grpc" => "GRPC",
        _ => "TCP",
    }
}

/// Whether an access log is the one meshsynth gives every Envoy by default.
pub fn is_default_access_log(spec_logging: Option<&Value>) -> bool {
    let Some(file) = spec_logging
        .and_then(|l| l.get("AccessLog"))
        .and_then(|a| a.get("File"))
    else {
        return false;
    };
    if file.get("Path").and_then(Value::as_str) != Some(ENVOY_ACCESS_LOG_PATH) {
        return false;
    }
    let Some(Value::Array(json)) = file.get("Format").and_then(|f| f.get("Json")) else {
        return false;
    };
    let got: BTreeSet<(String, String)> = json
        .iter()
        .filter_map(|kv| {
            Some((
                kv.get("Key")?.as_str()?.to_owned(),
                kv.get("Value")?.as_str()?.to_owned(),
            ))
        })
        .collect();
    let want: BTreeSet<(String, String)> = ENVOY_ACCESS_LOG_JSON
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    got == want && json.len() == want.len()
}

impl B<'_> {
    pub fn access_log(&mut self, v: Option<&Value>, prop: &str) -> Option<Y> {
        let l = self.obj(v, prop, &["AccessLog"])?;
        let p = format!("{prop}.AccessLog");
        let a = self.obj(l.get("AccessLog"), &p, &["File"])?;
        let p = format!("{p}.File");
        let f = self.obj(a.get("File"), &p, &["Path", "Format"])?;
        let path = self.str(f.get("Path"), &format!("{p}.Path"))?;
        let fp = format!("{p}.Format");
        let format = self
            .obj(f.get("Format"), &fp, &["Json", "Text"])
            .map(|fmt| {
                let json = fmt
                    .get("Json")
                    .map(|_| kv(&self.key_values(fmt.get("Json"), &format!("{fp}.Json"))));
                let text = self.str(fmt.get("Text"), &format!("{fp}.Text"));
                M::new().opt("json", json).opt("text", text)
            });
        Some(M::new().set("path", path).opt("format", format).into())
    }

    fn health_check(&mut self, v: Option<&Value>, prop: &str, port: i64, proto: &str) -> Option<Y> {
        let h = self.obj(
            v,
            prop,
            &[
                "Protocol",
                "Port",
                "Path",
                "IntervalMillis",
                "TimeoutMillis",
                "HealthyThreshold",
                "UnhealthyThreshold",
            ],
        )?;
        let p = |k: &str| format!("{prop}.{k}");
        let hp = self.one_of(h.get("Protocol"), &p("Protocol"), PROTOCOLS);
        let hport = self.int(h.get("Port"), &p("Port"));
        let path = self.str(h.get("Path"), &p("Path"));
        let interval = self.millis(h.get("IntervalMillis"), &p("IntervalMillis"));
        let timeout = self.millis(h.get("TimeoutMillis"), &p("TimeoutMillis"));
        let healthy = self.int(h.get("HealthyThreshold"), &p("HealthyThreshold"));
        let unhealthy = self.int(h.get("UnhealthyThreshold"), &p("UnhealthyThreshold"));
        let eff = hp.unwrap_or(proto);
        // What meshsynth writes by default is left out, so the spec shows only choices.
        let default_path = matches!(eff, "http" | "http2").then_some("/");
        Some(
            M::new()
                .opt("protocol", hp.filter(|x| *x != proto))
                .opt("port", hport.filter(|x| *x != port))
                .opt("path", path.filter(|x| Some(x.as_str()) != default_path))
                .opt(
                    "interval",
                    interval.filter(|x| *x != HealthCheck::DEFAULT_INTERVAL.to_string()),
                )
                .opt(
                    "timeout",
                    timeout.filter(|x| *x != HealthCheck::DEFAULT_TIMEOUT.to_string()),
                )
                .opt(
                    "healthy_threshold",
                    healthy.filter(|x| *x != i64::from(HealthCheck::DEFAULT_THRESHOLD)),
                )
                .opt(
                    "unhealthy_threshold",
                    unhealthy.filter(|x| *x != i64::from(HealthCheck::DEFAULT_THRESHOLD)),
                )
                .into(),
        )
    }

    fn connection_pool(&mut self, v: Option<&Value>, prop: &str, proto: &str) -> Option<Y> {
        let key = proto_key(proto);
        let c = self.obj(v, prop, &[key])?;
        let p = format!("{prop}.{key}");
        // Exactly the limits lowering writes for the protocol.
        let allowed: &[&str] = match proto {
            "http" => &["MaxConnections", "MaxPendingRequests"],
            "tcp" => &["MaxConnections"],
            _ => &["MaxRequests"],
        };
        let inner = self.obj(c.get(key), &p, allowed)?;
        Some(
            M::new()
                .opt(
                    "max_connections",
                    self.int(inner.get("MaxConnections"), &format!("{p}.MaxConnections")),
                )
                .opt(
                    "max_pending_requests",
                    self.int(
                        inner.get("MaxPendingRequests"),
                        &format!("{p}.MaxPendingRequests"),
                    ),
                )
                .opt(
                    "max_requests",
                    self.int(inner.get("MaxRequests"), &format!("{p}.MaxRequests")),
                )
                .into(),
        )
    }

    fn certificate(&mut self, v: Option<&Value>, prop: &str) -> Option<Y> {
        let c = self.obj(v, prop, &["ACM", "File", "SDS"])?;
        let mut o = M::new();
        if let Some(a) = self.obj(c.get("ACM"), &format!("{prop}.ACM"), &["CertificateArn"]) {
            o = o.opt(
                "acm",
                self.str(
                    a.get("CertificateArn"),
                    &format!("{prop}.ACM.CertificateArn"),
                ),
            );
        }
        if let Some(f) = self.obj(
            c.get("File"),
            &format!("{prop}.File"),
            &["CertificateChain", "PrivateKey"],
        ) {
            let chain = self.str(
                f.get("CertificateChain"),
                &format!("{prop}.File.CertificateChain"),
            );
            let key = self.str(f.get("PrivateKey"), &format!("{prop}.File.PrivateKey"));
            o = o.set(
                "file",
                M::new()
                    .opt("certificate_chain", chain)
                    .opt("private_key", key),
            );
        }
        if let Some(s) = self.obj(c.get("SDS"), &format!("{prop}.SDS"), &["SecretName"]) {
            o = o.opt(
                "sds",
                self.str(s.get("SecretName"), &format!("{prop}.SDS.SecretName")),
            );
        }
        Some(o.into())
    }

    fn validation(&mut self, v: Option<&Value>, prop: &str) -> Option<Y> {
        let val = self.obj(v, prop, &["Trust", "SubjectAlternativeNames"])?;
        let tp = format!("{prop}.Trust");
        let mut trust = M::new();
        if let Some(t) = self.obj(val.get("Trust"), &tp, &["ACM", "File", "SDS"]) {
            if let Some(a) = self.obj(
                t.get("ACM"),
                &format!("{tp}.ACM"),
                &["CertificateAuthorityArns"],
            ) {
                let arns: Vec<Y> = self
                    .list(
                        a.get("CertificateAuthorityArns"),
                        &format!("{tp}.ACM.CertificateAuthorityArns"),
                    )
                    .into_iter()
                    .filter_map(|(p, x)| self.str(Some(x), &p).map(Y::Str))
                    .collect();
                trust = trust.set("acm", arns);
            }
            if let Some(f) = self.obj(t.get("File"), &format!("{tp}.File"), &["CertificateChain"]) {
                trust = trust.set(
                    "file",
                    M::new().opt(
                        "certificate_chain",
                        self.str(
                            f.get("CertificateChain"),
                            &format!("{tp}.File.CertificateChain"),
                        ),
                    ),
                );
            }
            if let Some(s) = self.obj(t.get("SDS"), &format!("{tp}.SDS"), &["SecretName"]) {
                trust = trust.opt(
                    "sds",
                    self.str(s.get("SecretName"), &format!("{tp}.SDS.SecretName")),
                );
            }
        }
        let sp = format!("{prop}.SubjectAlternativeNames");
        let mut sans = Vec::new();
        if let Some(s) = self.obj(val.get("SubjectAlternativeNames"), &sp, &["Match"]) {
            if let Some(m) = self.obj(s.get("Match"), &format!("{sp}.Match"), &["Exact"]) {
                for (p, x) in self.list(m.get("Exact"), &format!("{sp}.Match.Exact")) {
                    if let Some(s) = self.str(Some(x), &p) {
                        sans.push(Y::Str(s));
                    }
                }
            }
        }
        Some(
            M::new()
                .set("trust", trust)
                .nonempty("subject_alternative_names", sans)
                .into(),
        )
    }

    fn listener_tls(&mut self, v: Option<&Value>, prop: &str) -> Option<Y> {
        let t = self.obj(v, prop, &["Mode", "Certificate", "Validation"])?;
        let mode = self.one_of(
            t.get("Mode"),
            &format!("{prop}.Mode"),
            &[
                ("STRICT", "strict"),
                ("PERMISSIVE", "permissive"),
                ("DISABLED", "disabled"),
            ],
        )?;
        let cert = self.certificate(t.get("Certificate"), &format!("{prop}.Certificate"));
        let val = self.validation(t.get("Validation"), &format!("{prop}.Validation"));
        Some(
            M::new()
                .set("mode", mode)
                .opt("certificate", cert)
                .opt("validation", val)
                .into(),
        )
    }

    pub fn client_policy(&mut self, v: Option<&Value>, prop: &str) -> Option<Y> {
        let c = self.obj(v, prop, &["TLS"])?;
        let tp = format!("{prop}.TLS");
        let tls = self
            .obj(
                c.get("TLS"),
                &tp,
                &["Enforce", "Ports", "Certificate", "Validation"],
            )
            .map(|t| {
                let enforce = self.bool(t.get("Enforce"), &format!("{tp}.Enforce"));
                let ports: Vec<Y> = self
                    .list(t.get("Ports"), &format!("{tp}.Ports"))
                    .into_iter()
                    .filter_map(|(p, x)| self.int(Some(x), &p).map(Y::Int))
                    .collect();
                let cert = self.certificate(t.get("Certificate"), &format!("{tp}.Certificate"));
                let val = self.validation(t.get("Validation"), &format!("{tp}.Validation"));
                if val.is_none() {
                    self.err(
                        &tp,
                        format!(
                            "`{tp}` of `{}` has no `Validation`, which App Mesh requires",
                            self.res.id
                        ),
                        None,
                    );
                }
                M::new()
                    .opt("enforce", enforce)
                    .nonempty("ports", ports)
                    .opt("certificate", cert)
                    .opt("validation", val)
            });
        Some(M::new().opt("tls", tls).into())
    }

    pub fn backend_defaults(&mut self, v: Option<&Value>, prop: &str) -> Option<Y> {
        let b = self.obj(v, prop, &["ClientPolicy"])?;
        Some(
            M::new()
                .opt(
                    "client_policy",
                    self.client_policy(b.get("ClientPolicy"), &format!("{prop}.ClientPolicy")),
                )
                .into(),
        )
    }

    /// A node listener or (without timeout and outlier detection) a gateway listener.
    pub fn listener(&mut self, v: &Value, prop: &str, node: bool) -> Option<Y> {
        let allowed: &[&str] = if node {
            &[
                "PortMapping",
                "HealthCheck",
                "ConnectionPool",
                "TLS",
                "Timeout",
                "OutlierDetection",
            ]
        } else {
            &["PortMapping", "HealthCheck", "ConnectionPool", "TLS"]
        };
        let l = self.obj(Some(v), prop, allowed)?;
        let pm = format!("{prop}.PortMapping");
        let m = self.obj(l.get("PortMapping"), &pm, &["Port", "Protocol"])?;
        let port = self.int(m.get("Port"), &format!("{pm}.Port"))?;
        let proto = self.one_of(m.get("Protocol"), &format!("{pm}.Protocol"), PROTOCOLS)?;
        let hc = self.health_check(
            l.get("HealthCheck"),
            &format!("{prop}.HealthCheck"),
            port,
            proto,
        );
        let timeout = if node {
            let tp = format!("{prop}.Timeout");
            let key = proto_key(proto);
            self.obj(l.get("Timeout"), &tp, &[key]).and_then(|t| {
                let kp = format!("{tp}.{key}");
                // TCP has no per-request timeout.
                let allowed: &[&str] = if proto == "tcp" {
                    &["Idle"]
                } else {
                    &["PerRequest", "Idle"]
                };
                let inner = self.obj(t.get(key), &kp, allowed)?;
                Some(
                    M::new()
                        .opt(
                            "per_request",
                            self.duration(inner.get("PerRequest"), &format!("{kp}.PerRequest")),
                        )
                        .opt(
                            "idle",
                            self.duration(inner.get("Idle"), &format!("{kp}.Idle")),
                        ),
                )
            })
        } else {
            None
        };
        let od = if node {
            let op = format!("{prop}.OutlierDetection");
            self.obj(
                l.get("OutlierDetection"),
                &op,
                &[
                    "MaxServerErrors",
                    "Interval",
                    "BaseEjectionDuration",
                    "MaxEjectionPercent",
                ],
            )
            .map(|o| {
                M::new()
                    .opt(
                        "max_server_errors",
                        self.int(o.get("MaxServerErrors"), &format!("{op}.MaxServerErrors")),
                    )
                    .opt(
                        "interval",
                        self.duration(o.get("Interval"), &format!("{op}.Interval")),
                    )
                    .opt(
                        "base_ejection_duration",
                        self.duration(
                            o.get("BaseEjectionDuration"),
                            &format!("{op}.BaseEjectionDuration"),
                        ),
                    )
                    .opt(
                        "max_ejection_percent",
                        self.int(
                            o.get("MaxEjectionPercent"),
                            &format!("{op}.MaxEjectionPercent"),
                        ),
                    )
            })
        } else {
            None
        };
        let cp = self.connection_pool(
            l.get("ConnectionPool"),
            &format!("{prop}.ConnectionPool"),
            proto,
        );
        let tls = self.listener_tls(l.get("TLS"), &format!("{prop}.TLS"));
        Some(
            M::new()
                .set("port", port)
                .set("protocol", proto)
                .opt("health_check", hc)
                .opt("timeout", timeout)
                .opt("outlier_detection", od)
                .opt("connection_pool", cp)
                .opt("tls", tls)
                .into(),
        )
    }

    /// A node's `ServiceDiscovery`, and the Cloud Map namespace it names.
    pub fn service_discovery(&mut self, v: Option<&Value>) -> (Option<M>, Option<String>) {
        let mut cm_namespace = None;
        let sd = self
            .obj(v, "Spec.ServiceDiscovery", &["AWSCloudMap", "DNS"])
            .and_then(|sd| {
                if sd.contains_key("AWSCloudMap") && sd.contains_key("DNS") {
                    self.err("Spec.ServiceDiscovery.DNS", format!("`Spec.ServiceDiscovery` of `{}` sets both `AWSCloudMap` and `DNS`; App Mesh takes one", self.res.id), Some("keep the one the node's tasks are found by".into()));
                    return None;
                }
                if let Some(cm) = self.obj(
                    sd.get("AWSCloudMap"),
                    "Spec.ServiceDiscovery.AWSCloudMap",
                    &["NamespaceName", "ServiceName", "Attributes", "IpPreference"],
                ) {
                    let p = "Spec.ServiceDiscovery.AWSCloudMap";
                    let ns = self.str(cm.get("NamespaceName"), &format!("{p}.NamespaceName"));
                    let svc = self.str(cm.get("ServiceName"), &format!("{p}.ServiceName"));
                    let attrs = self.key_values(cm.get("Attributes"), &format!("{p}.Attributes"));
                    let ip =
                        self.ip_preference(cm.get("IpPreference"), &format!("{p}.IpPreference"));
                    cm_namespace = ns.clone();
                    let mut attr_y = M::new();
                    for (k, v) in &attrs {
                        attr_y = attr_y.set(k, v);
                    }
                    return Some(
                        M::new().set(
                            "cloud_map",
                            M::new()
                                .opt("service", svc)
                                .opt("namespace", ns)
                                .nonempty("attributes", attr_y)
                                .opt("ip_preference", ip),
                        ),
                    );
                }
                let p = "Spec.ServiceDiscovery.DNS";
                let dns = self.obj(
                    sd.get("DNS"),
                    p,
                    &["Hostname", "ResponseType", "IpPreference"],
                )?;
                let host = self.str(dns.get("Hostname"), &format!("{p}.Hostname"));
                let rt = self.one_of(
                    dns.get("ResponseType"),
                    &format!("{p}.ResponseType"),
                    &[
                        ("LOADBALANCER", "load_balancer"),
                        ("ENDPOINTS", "endpoints"),
                    ],
                );
                let ip = self.ip_preference(dns.get("IpPreference"), &format!("{p}.IpPreference"));
                Some(
                    M::new().set(
                        "dns",
                        M::new()
                            .opt("hostname", host)
                            .opt("response_type", rt)
                            .opt("ip_preference", ip),
                    ),
                )
            });
        (sd, cm_namespace)
    }

    /// A node's `Backends`: names, or `{ virtual_service, client_policy }`.
    pub fn backends(&mut self, v: Option<&Value>) -> Vec<Y> {
        self.list(v, "Spec.Backends")
            .into_iter()
            .filter_map(|(p, be)| {
                let o = self.obj(Some(be), &p, &["VirtualService"])?;
                let vp = format!("{p}.VirtualService");
                let vs = self.obj(
                    o.get("VirtualService"),
                    &vp,
                    &["VirtualServiceName", "ClientPolicy"],
                )?;
                let name = self.str(
                    vs.get("VirtualServiceName"),
                    &format!("{vp}.VirtualServiceName"),
                )?;
                Some(
                    match self.client_policy(vs.get("ClientPolicy"), &format!("{vp}.ClientPolicy"))
                    {
                        Some(cp) => M::new()
                            .set("virtual_service", name)
                            .set("client_policy", cp)
                            .into(),
                        None => Y::Str(name),
                    },
                )
            })
            .collect()
    }

    pub fn ip_preference(&mut self, v: Option<&Value>, prop: &str) -> Option<&'static str> {
        self.one_of(v, prop, IP_PREFERENCES)
    }

    pub fn toggle(&mut self, v: Option<&Value>, prop: &str) -> Option<&'static str> {
        self.one_of(v, prop, TOGGLES)
    }
}

/// The spec's `Entry` list of a mapping value (for callers that add comments).
pub fn entries(y: Y) -> Vec<Entry> {
    match y {
        Y::Map(m) => m,
        _ => Vec::new(),
    }
}
