//! The spec in VPC Lattice's terms, built once from a spec: the names Lattice gets, each
//! virtual service's listeners and rules in order, the target groups, who may call whom, and
//! what of the spec Lattice keeps, moves to the client, approximates or drops. The rules bound
//! it, the lowering renders it, and the migration report lists its findings: each fact is
//! decided here only.

use std::collections::BTreeMap;

use crate::diagnostic::FieldPath;
use crate::spec::paths::{gateway_path, node_path, router_path, service_path};
use crate::spec::{
    Duration, GrpcMatch, HeaderMatch, HttpMatch, HttpMethod, LatticeAuth, NodeListener, OneOrMany,
    Protocol, RetryPolicy, Route, RouteTimeout, Short, Spec, TlsMode, WeightedTarget,
};

/// What happens to a spec feature on VPC Lattice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Lattice does the same.
    Kept,
    /// The client does it now (the generated Airflow connections carry it).
    MovedToClient,
    /// Lattice does something close; `detail` says how it differs.
    Approximated,
    /// Lattice has nothing like it; `remedy` says what to do instead.
    Dropped,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Kept => "kept",
            Outcome::MovedToClient => "moved to the client",
            Outcome::Approximated => "approximated",
            Outcome::Dropped => "dropped",
        }
    }
}

/// One spec feature and what Lattice makes of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Where it is in the spec.
    #[serde(serialize_with = "display")]
    pub path: FieldPath,
    /// What it is, in a few words: `retry policy`.
    pub feature: String,
    pub outcome: Outcome,
    /// What the Lattice output does with it.
    pub detail: String,
    /// What to do instead (for everything not kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
}

fn display<S: serde::Serializer>(p: &FieldPath, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(p)
}

/// A Lattice listener protocol meshsynth uses (TLS passthrough needs TLS end to end, which an
/// App Mesh spec never has: Envoy held the certificates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerProtocol {
    Http,
    Https,
}

impl ListenerProtocol {
    pub fn as_str(self) -> &'static str {
        match self {
            ListenerProtocol::Http => "HTTP",
            ListenerProtocol::Https => "HTTPS",
        }
    }
}

/// A target group's protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolVersion {
    Http1,
    Http2,
    Grpc,
}

impl ProtocolVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            ProtocolVersion::Http1 => "HTTP1",
            ProtocolVersion::Http2 => "HTTP2",
            ProtocolVersion::Grpc => "GRPC",
        }
    }
}

/// A target group: one listener port of one virtual node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TargetKey<'a> {
    pub node: &'a str,
    pub port: u32,
}

#[derive(Debug, Clone)]
pub struct TargetGroup {
    /// The Lattice name (unique in the account, so it starts with the project).
    pub name: String,
    pub node: String,
    pub port: u32,
    pub version: ProtocolVersion,
    pub health: Option<Health>,
    pub source: FieldPath,
    /// The Lattice service that uses it (a target group serves one service only).
    pub services: Vec<String>,
}

/// A target group health check, within Lattice's bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub version: ProtocolVersion,
    pub path: String,
    pub port: u32,
    pub interval_seconds: u64,
    pub timeout_seconds: u64,
    pub healthy: u32,
    pub unhealthy: u32,
}

/// Where a listener or rule sends requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Weighted target groups, as (node, port, weight), in the spec's order.
    Forward(Vec<(String, u32, u32)>),
    /// A fixed status code (Lattice allows 404 and 500 only).
    Fixed(u16),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringMatch {
    Exact,
    Prefix,
}

impl StringMatch {
    pub fn as_str(self) -> &'static str {
        match self {
            StringMatch::Exact => "Exact",
            StringMatch::Prefix => "Prefix",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderRule {
    pub name: String,
    pub kind: StringMatch,
    pub value: String,
}

/// A rule's match; at least one part is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleMatch {
    pub method: Option<&'static str>,
    pub path: Option<(StringMatch, String)>,
    pub headers: Vec<HeaderRule>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    /// The Lattice name (unique per listener).
    pub name: String,
    /// 1–100, in the routes' order.
    pub priority: u32,
    pub matches: RuleMatch,
    pub action: Action,
    /// The route it comes from: `virtual_routers.orders.routes.canary`.
    pub source: FieldPath,
    /// The route's key: `orders/canary`.
    pub route: String,
}

#[derive(Debug, Clone)]
pub struct Listener {
    pub name: String,
    pub protocol: ListenerProtocol,
    pub port: u32,
    pub rules: Vec<Rule>,
    pub default_action: Action,
    /// The route that became the default action, if one did.
    pub default_route: Option<String>,
    pub source: FieldPath,
}

/// What clients of one route must do themselves now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientPolicy {
    pub timeout: Option<Duration>,
    pub max_retries: Option<u64>,
    pub per_retry_timeout: Option<Duration>,
}

#[derive(Debug, Clone)]
pub struct Service {
    /// The Lattice name: 3–40 characters derived from the virtual-service name.
    pub name: String,
    /// The custom domain name: the virtual-service name, which clients keep calling.
    pub domain: String,
    pub auth: LatticeAuth,
    pub certificate_arn: Option<String>,
    pub listeners: Vec<Listener>,
    /// Timeouts and retries of the catch-all route, per listener port, for clients.
    pub client: BTreeMap<u32, ClientPolicy>,
    pub source: FieldPath,
}

/// The mesh in Lattice's terms.
#[derive(Debug, Clone)]
pub struct Model {
    /// The service network's name.
    pub network: String,
    pub auth: LatticeAuth,
    /// By virtual-service name.
    pub services: BTreeMap<String, Service>,
    /// By (node, port).
    pub target_groups: BTreeMap<(String, u32), TargetGroup>,
    /// Caller node → the Lattice services it lists in `backends:`.
    pub callers: BTreeMap<String, Vec<String>>,
    /// The private hosted zone's name, when meshsynth creates it.
    pub zone_name: Option<String>,
    pub findings: Vec<Finding>,
}

/// The reserved prefixes of Lattice names, by what is named.
pub const SERVICE_PREFIX: &str = "svc-";
pub const NETWORK_PREFIX: &str = "servicenetwork-";
pub const TARGET_GROUP_PREFIX: &str = "tg-";
pub const LISTENER_PREFIX: &str = "listener-";
pub const RULE_PREFIX: &str = "rule-";

/// Maximum lengths of Lattice names (CloudFormation, API and provider agree).
pub const SERVICE_NAME_MAX: usize = 40;
pub const NETWORK_NAME_MAX: usize = 63;
pub const TARGET_GROUP_NAME_MAX: usize = 128;
pub const RULE_NAME_MAX: usize = 63;

/// A Lattice name from any text: lower-case letters, digits and single hyphens, no hyphen at
/// either end, not starting with `reserved`, 3 to `max` characters. Different texts can give
/// one name; the rules report that.
pub fn lattice_name(text: &str, max: usize, reserved: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    if out.starts_with(reserved) {
        out.insert_str(0, "x-");
    }
    out.truncate(max);
    while out.ends_with('-') {
        out.pop();
    }
    while out.len() < 3 {
        out.push('x');
    }
    out
}

/// Whether `name` matches Lattice's name pattern without the reserved prefix.
pub fn is_lattice_name(name: &str, reserved: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
        && !name.starts_with(reserved)
}

/// The path pattern of Lattice path and health-check matches (CloudFormation's).
pub fn is_lattice_path(p: &str) -> bool {
    p.starts_with('/')
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"@:%_+.~#?&/=-".contains(&b))
}

/// Bounds of a target-group health check (CloudFormation's, the strictest).
pub const HEALTH_INTERVAL: (u64, u64) = (5, 300);
pub const HEALTH_TIMEOUT: (u64, u64) = (1, 120);
pub const HEALTH_THRESHOLD: (u32, u32) = (2, 10);

struct Builder<'a> {
    spec: &'a Spec,
    model: Model,
}

impl Model {
    /// The spec (with what meshsynth generates) in Lattice's terms.
    pub fn build(spec: &Spec, generated_api_service: Option<&str>) -> Model {
        let settings = spec.mesh.lattice();
        let auth = settings.auth.unwrap_or_default();
        let mut b = Builder {
            spec,
            model: Model {
                network: lattice_name(&spec.mesh.name, NETWORK_NAME_MAX, NETWORK_PREFIX),
                auth,
                services: BTreeMap::new(),
                target_groups: BTreeMap::new(),
                callers: BTreeMap::new(),
                zone_name: None,
                findings: Vec::new(),
            },
        };
        b.mesh();
        for name in spec.virtual_services.keys() {
            b.service(name, generated_api_service == Some(name.as_str()));
        }
        for (name, node) in &spec.virtual_nodes {
            b.node(name, node);
        }
        for (name, gw) in &spec.virtual_gateways {
            let path = gateway_path(name);
            b.find(
                path.clone(),
                "virtual gateway",
                Outcome::Dropped,
                "not rendered: Lattice services are reachable only from associated VPCs and VPC endpoints, and have no ingress Envoy",
                Some("put an Application Load Balancer or API Gateway (private integration) in front of the Lattice services, or associate the callers' VPC with the service network"),
            );
            for (rname, route) in &gw.routes {
                let rp = path.key("routes").key(rname);
                let rewrite = route
                    .http
                    .as_ref()
                    .and_then(|h| h.rewrite.as_ref())
                    .is_some()
                    || route
                        .http2
                        .as_ref()
                        .and_then(|h| h.rewrite.as_ref())
                        .is_some()
                    || route
                        .grpc
                        .as_ref()
                        .and_then(|g| g.rewrite.as_ref())
                        .is_some();
                b.find(
                    rp,
                    if rewrite { "gateway route with a rewrite" } else { "gateway route" },
                    Outcome::Dropped,
                    "not rendered with its gateway",
                    Some(if rewrite {
                        "rewrite paths and host names in the load balancer or API in front of Lattice, or in the service itself"
                    } else {
                        "route in the load balancer or API in front of Lattice"
                    }),
                );
            }
        }
        b.zone();
        b.model
            .findings
            .sort_by(|a, b| a.path.cmp(&b.path).then(a.feature.cmp(&b.feature)));
        b.model
    }

    /// The target group of a node's listener port.
    pub fn target_group(&self, node: &str, port: u32) -> Option<&TargetGroup> {
        self.target_groups.get(&(node.to_owned(), port))
    }
}

/// The longest common DNS suffix of names, of at least two labels.
fn common_suffix<'a>(names: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut common: Option<Vec<&str>> = None;
    for n in names {
        // Top-level label first; the first label is the host, never part of the zone.
        let labels: Vec<&str> = n.rsplit('.').collect();
        let cand = &labels[..labels.len().saturating_sub(1)];
        common = Some(match common {
            None => cand.to_vec(),
            Some(c) => c
                .iter()
                .zip(cand)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| *a)
                .collect(),
        });
    }
    let c = common?;
    (c.len() >= 2).then(|| c.iter().rev().copied().collect::<Vec<_>>().join("."))
}

/// An HTTP route whose match takes every request: the listener's default action.
fn http_catch_all(m: &HttpMatch) -> bool {
    m.prefix.as_deref() == Some("/")
        && m.path.is_none()
        && m.headers.is_empty()
        && m.query_parameters.is_empty()
        && m.method.is_none()
        && m.scheme.is_none()
}

fn grpc_catch_all(m: &GrpcMatch) -> bool {
    m.service_name.is_none() && m.method_name.is_none() && m.metadata.is_empty()
}

/// How App Mesh orders routes: by priority (lower first; none last), then by name.
pub fn route_order(routes: &BTreeMap<String, Route>) -> Vec<(&String, &Route)> {
    let mut v: Vec<_> = routes.iter().collect();
    v.sort_by_key(|(name, r)| (r.priority.is_none(), r.priority, name.as_str()));
    v
}

fn seconds_clamped(d: Duration, (lo, hi): (u64, u64)) -> (u64, bool) {
    let s = d.millis().div_ceil(1000);
    let c = s.clamp(lo, hi);
    (c, c * 1000 != d.millis())
}

impl Builder<'_> {
    fn find(
        &mut self,
        path: FieldPath,
        feature: &str,
        outcome: Outcome,
        detail: impl Into<String>,
        remedy: Option<&str>,
    ) {
        self.model.findings.push(Finding {
            path,
            feature: feature.into(),
            outcome,
            detail: detail.into(),
            remedy: remedy.map(str::to_owned),
        });
    }

    fn mesh(&mut self) {
        let m = &self.spec.mesh;
        let p = FieldPath::root().key("mesh");
        self.find(
            p.key("name"),
            "mesh",
            Outcome::Kept,
            format!("service network `{}`", self.model.network),
            None,
        );
        if m.egress_filter == Some(crate::spec::EgressFilter::AllowAll) {
            self.find(
                p.key("egress_filter"),
                "egress filter",
                Outcome::Kept,
                "Lattice does not filter what tasks call outside the service network either",
                None,
            );
        } else if m.egress_filter.is_some() {
            self.find(
                p.key("egress_filter"),
                "egress filter",
                Outcome::Dropped,
                "Lattice does not filter what tasks call outside the service network",
                Some("limit egress with the tasks' security groups (outbound rules) or AWS Network Firewall"),
            );
        }
        if m.ip_preference == Some(crate::spec::IpPreference::Ipv4Only) {
            self.find(
                p.key("ip_preference"),
                "IP preference",
                Outcome::Kept,
                "target groups register the tasks' IPv4 addresses",
                None,
            );
        } else if m.ip_preference.is_some() {
            self.find(
                p.key("ip_preference"),
                "IP preference",
                Outcome::Dropped,
                "target groups register the tasks' IPv4 addresses",
                Some("nothing to do for IPv4 tasks; for IPv6 create the target groups with `IpAddressType: IPV6`"),
            );
        }
        if m.owner.is_some() {
            self.find(
                p.key("owner"),
                "shared mesh",
                Outcome::Dropped,
                "this stack creates its own service network",
                Some("share one service network with AWS RAM and associate the services with it"),
            );
        }
        if let Some(ns) = self.spec.namespace() {
            let _ = ns;
            self.find(
                FieldPath::root().key("service_discovery").key("cloud_map"),
                "Cloud Map namespace",
                Outcome::Approximated,
                "not created: ECS registers the tasks in Lattice target groups, and the virtual-service names resolve through the private hosted zone",
                Some("none; keep the App Mesh stack's namespace until its clients are gone"),
            );
        }
    }

    fn zone(&mut self) {
        let settings = self.spec.mesh.lattice();
        if settings.hosted_zone.is_some() {
            if let Some(crate::spec::HostedZone::Create(name)) = settings.hosted_zone {
                self.model.zone_name = Some(name);
            }
            return;
        }
        let from_ns = self
            .spec
            .namespace()
            .map(|n| n.namespace.clone())
            .filter(|ns| {
                self.model
                    .services
                    .keys()
                    .all(|s| s.ends_with(&format!(".{ns}")))
            });
        self.model.zone_name =
            from_ns.or_else(|| common_suffix(self.model.services.keys().map(String::as_str)));
    }

    fn service(&mut self, name: &str, generated_api: bool) {
        let path = service_path(name);
        let vs = &self.spec.virtual_services[name];
        let mut auth = self.model.auth;
        if generated_api && auth == LatticeAuth::Iam {
            // The task SDK's Execution API client cannot sign requests; the API authenticates
            // tasks with its own JWTs.
            auth = LatticeAuth::None;
            self.find(
                path.clone(),
                "Airflow API server",
                Outcome::Approximated,
                "its Lattice service uses auth type NONE: Airflow's task SDK cannot sign requests, and the Execution API authenticates every task with its own JWT",
                Some("restrict it with the VPC association's security groups"),
            );
        }
        let mut svc = Service {
            name: lattice_name(name, SERVICE_NAME_MAX, SERVICE_PREFIX),
            domain: name.to_owned(),
            auth,
            certificate_arn: None,
            listeners: Vec::new(),
            client: BTreeMap::new(),
            source: path.clone(),
        };
        match (&vs.router, &vs.node) {
            (Some(r), _) => self.router_listeners(&mut svc, r),
            (None, Some(n)) => self.node_listeners(&mut svc, n),
            (None, None) => self.find(
                path.clone(),
                "virtual service without a provider",
                Outcome::Approximated,
                "a Lattice service without listeners: calls to it fail until it gets one",
                Some("give it a router or node"),
            ),
        }
        self.model.services.insert(name.to_owned(), svc);
    }

    /// The TLS certificate of the targets' listeners on `port`, when all of them terminate TLS
    /// with one: Lattice terminates TLS at an HTTPS listener with it instead of Envoy.
    fn certificate(&self, nodes: &[&str], port_of: &dyn Fn(&str) -> Option<u32>) -> Option<String> {
        let mut arn: Option<String> = None;
        for n in nodes {
            let node = self.spec.virtual_nodes.get(*n)?;
            let port = port_of(n)?;
            let l = node.listeners.iter().find(|l| l.port == port)?;
            let t = l.tls.as_ref()?;
            if t.mode == TlsMode::Disabled {
                return None;
            }
            let a = t.certificate.as_ref()?.acm.clone()?;
            match &arn {
                None => arn = Some(a),
                Some(x) if *x == a => {}
                Some(_) => return None,
            }
        }
        arn
    }

    fn node_port(&self, node: &str) -> Option<u32> {
        self.spec
            .virtual_nodes
            .get(node)?
            .listeners
            .first()
            .map(|l| l.port)
    }

    fn target_group(&mut self, node: &str, port: u32, service: &str) {
        let key = (node.to_owned(), port);
        if let Some(tg) = self.model.target_groups.get_mut(&key) {
            if !tg.services.iter().any(|s| s == service) {
                tg.services.push(service.to_owned());
            }
            return;
        }
        let Some(n) = self.spec.virtual_nodes.get(node) else {
            return;
        };
        let Some((i, l)) = n.listeners.iter().enumerate().find(|(_, l)| l.port == port) else {
            return;
        };
        let source = node_path(node).key("listeners").index(i);
        let version = match l.protocol {
            Protocol::Http | Protocol::Tcp => ProtocolVersion::Http1,
            Protocol::Http2 => ProtocolVersion::Http2,
            Protocol::Grpc => ProtocolVersion::Grpc,
        };
        let health = self.health(l, &source, version);
        let name = lattice_name(
            &format!("{}-{node}-{port}", self.spec.name),
            TARGET_GROUP_NAME_MAX,
            TARGET_GROUP_PREFIX,
        );
        self.model.target_groups.insert(
            key,
            TargetGroup {
                name,
                node: node.to_owned(),
                port,
                version,
                health,
                source,
                services: vec![service.to_owned()],
            },
        );
    }

    fn health(
        &mut self,
        l: &NodeListener,
        source: &FieldPath,
        version: ProtocolVersion,
    ) -> Option<Health> {
        let hc = l.health_check.as_ref()?;
        let hp = source.key("health_check");
        let proto = hc.protocol.unwrap_or(l.protocol);
        let hv = match proto {
            Protocol::Http => ProtocolVersion::Http1,
            Protocol::Http2 => ProtocolVersion::Http2,
            Protocol::Grpc | Protocol::Tcp => {
                self.find(
                    hp.key("protocol"),
                    if proto == Protocol::Grpc { "gRPC health check" } else { "TCP health check" },
                    Outcome::Dropped,
                    "Lattice checks target health over HTTP only (never gRPC): the target group's health check is off",
                    Some("serve an HTTP health endpoint and set `health_check: { protocol: http, path: ... }` (or http2)"),
                );
                return None;
            }
        };
        let _ = version;
        let (interval, ic) = seconds_clamped(
            hc.interval
                .unwrap_or(crate::spec::HealthCheck::DEFAULT_INTERVAL),
            HEALTH_INTERVAL,
        );
        let (timeout, tc) = seconds_clamped(
            hc.timeout
                .unwrap_or(crate::spec::HealthCheck::DEFAULT_TIMEOUT),
            HEALTH_TIMEOUT,
        );
        let clamp = |n: u32| n.clamp(HEALTH_THRESHOLD.0, HEALTH_THRESHOLD.1);
        let h = hc
            .healthy_threshold
            .unwrap_or(crate::spec::HealthCheck::DEFAULT_THRESHOLD);
        let u = hc
            .unhealthy_threshold
            .unwrap_or(crate::spec::HealthCheck::DEFAULT_THRESHOLD);
        let health = Health {
            version: hv,
            path: hc.path.clone().unwrap_or_else(|| "/".into()),
            port: hc.port.unwrap_or(l.port),
            interval_seconds: interval,
            timeout_seconds: timeout,
            healthy: clamp(h),
            unhealthy: clamp(u),
        };
        if ic || tc || clamp(h) != h || clamp(u) != u {
            self.find(
                hp,
                "health check",
                Outcome::Approximated,
                format!(
                    "the target group checks every {interval} s with a {timeout} s timeout, {} healthy / {} unhealthy (Lattice takes whole seconds, 5–300 s intervals, 1–120 s timeouts and thresholds of 2–10)",
                    health.healthy, health.unhealthy
                ),
                Some("set values within Lattice's bounds to silence this"),
            );
        } else {
            self.find(
                hp,
                "health check",
                Outcome::Kept,
                "the target group's health check",
                None,
            );
        }
        Some(health)
    }

    fn node_listeners(&mut self, svc: &mut Service, node: &str) {
        let Some(n) = self.spec.virtual_nodes.get(node) else {
            return;
        };
        let listeners: Vec<(usize, u32, Protocol)> = n
            .listeners
            .iter()
            .enumerate()
            .map(|(i, l)| (i, l.port, l.protocol))
            .collect();
        for (i, port, protocol) in listeners {
            let lp = node_path(node).key("listeners").index(i);
            if protocol == Protocol::Tcp {
                self.tcp_dropped(lp);
                continue;
            }
            self.target_group(node, port, &svc.domain);
            let cert = self.certificate(&[node], &|_| Some(port));
            let protocol = self.listener_protocol(svc, cert);
            svc.listeners.push(Listener {
                name: listener_name(protocol, port),
                protocol,
                port,
                rules: Vec::new(),
                default_action: Action::Forward(vec![(node.to_owned(), port, 100)]),
                default_route: None,
                source: lp,
            });
        }
    }

    fn listener_protocol(&self, svc: &mut Service, cert: Option<String>) -> ListenerProtocol {
        match cert {
            Some(c) if svc.certificate_arn.as_ref().is_none_or(|x| *x == c) => {
                svc.certificate_arn = Some(c);
                ListenerProtocol::Https
            }
            _ => ListenerProtocol::Http,
        }
    }

    fn tcp_dropped(&mut self, path: FieldPath) {
        self.find(
            path,
            "TCP listener",
            Outcome::Dropped,
            "not rendered: Lattice services listen for HTTP and HTTPS (TCP only as TLS passthrough, which needs TLS end to end)",
            Some("reach TCP services (databases, brokers) through a Lattice resource gateway and resource configuration, or keep them outside the mesh"),
        );
    }

    fn router_listeners(&mut self, svc: &mut Service, router: &str) {
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
                self.certificate(&refs, &|_| Some(port))
            };
            let lprotocol = self.listener_protocol(svc, cert);
            svc.listeners.push(Listener {
                name: listener_name(lprotocol, port),
                protocol: lprotocol,
                port,
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

    fn node(&mut self, name: &str, node: &crate::spec::VirtualNode) {
        let p = node_path(name);
        let callees: Vec<String> = node
            .backends
            .iter()
            .map(|b| b.virtual_service.clone())
            .filter(|s| self.model.services.contains_key(s))
            .collect();
        if !callees.is_empty() {
            self.find(
                p.key("backends"),
                "backends",
                if self.model.auth == LatticeAuth::Iam { Outcome::Kept } else { Outcome::Approximated },
                if self.model.auth == LatticeAuth::Iam {
                    "each backend's auth policy allows this node's IAM role, and the role may invoke exactly these services"
                } else {
                    "with `auth: none` any client the VPC association's security groups admit may call; the list is not enforced"
                },
                (self.model.auth != LatticeAuth::Iam).then_some("use `mesh.lattice.auth: iam` (the default)"),
            );
            self.model.callers.insert(name.to_owned(), callees);
        }
        let client_policy = if node
            .backend_defaults
            .as_ref()
            .and_then(|b| b.client_policy.as_ref())
            .is_some()
        {
            Some(p.key("backend_defaults").key("client_policy"))
        } else {
            node.backends
                .iter()
                .position(|b| b.client_policy.is_some())
                .map(|i| p.key("backends").index(i).key("client_policy"))
        };
        if let Some(cp) = client_policy {
            self.find(
                cp,
                "client TLS policy",
                Outcome::Dropped,
                "Lattice has no mutual TLS or certificate validation by the caller; it authenticates callers with IAM (SigV4) and encrypts with HTTPS listeners",
                Some("rely on `auth: iam`, or use TLS passthrough and do mutual TLS in the applications"),
            );
        }
        if node.access_log.is_some() {
            self.find(
                p.key("access_log"),
                "access log",
                Outcome::Approximated,
                "the service network's access-log subscription logs every request instead of each Envoy",
                None,
            );
        }
        if let Some(sd) = &node.service_discovery {
            self.find(
                p.key("service_discovery"),
                "service discovery",
                Outcome::Approximated,
                if sd.cloud_map.is_some() {
                    "ECS registers the tasks in the node's target group instead of Cloud Map"
                } else {
                    "the node's target group replaces DNS discovery; ECS registers workload tasks in it, other targets must be registered"
                },
                None,
            );
        }
        for (i, l) in node.listeners.iter().enumerate() {
            let lp = p.key("listeners").index(i);
            if l.timeout.is_some() {
                self.find(
                    lp.key("timeout"),
                    "listener timeout",
                    Outcome::MovedToClient,
                    "Lattice has no idle or per-request timeout",
                    Some("set timeouts in the client and the server"),
                );
            }
            if l.outlier_detection.is_some() {
                self.find(
                    lp.key("outlier_detection"),
                    "outlier detection",
                    Outcome::Dropped,
                    "Lattice checks health actively only (and fails open when every target is unhealthy)",
                    Some("rely on the target group's health check: ECS replaces tasks that fail it"),
                );
            }
            if l.connection_pool.is_some() {
                self.find(
                    lp.key("connection_pool"),
                    "connection pool",
                    Outcome::Dropped,
                    "Lattice has no circuit breaking",
                    Some("limit concurrency in the client (Airflow pools) and the service"),
                );
            }
            if let Some(t) = &l.tls {
                let acm = t
                    .certificate
                    .as_ref()
                    .and_then(|c| c.acm.as_ref())
                    .is_some();
                if t.mode != TlsMode::Disabled && !acm {
                    self.find(
                        lp.key("tls"),
                        "listener TLS",
                        Outcome::Dropped,
                        "the Lattice listener is HTTP: Lattice terminates TLS only with an ACM certificate, and cannot read Envoy's file or SDS certificates",
                        Some("import the certificate into ACM and give it as `certificate: { acm: ... }`"),
                    );
                } else if t.mode != TlsMode::Disabled {
                    self.find(
                        lp.key("tls"),
                        "listener TLS",
                        Outcome::Approximated,
                        "the Lattice service's HTTPS listener terminates TLS with this ACM certificate (it must cover the virtual-service name); Lattice reaches the task over HTTP inside the VPC",
                        Some("none; for TLS to the task itself use TLS passthrough"),
                    );
                }
                if t.validation.is_some() {
                    self.find(
                        lp.key("tls").key("validation"),
                        "mutual TLS",
                        Outcome::Dropped,
                        "Lattice does not ask callers for certificates",
                        Some("authenticate callers with `auth: iam`"),
                    );
                }
            }
        }
    }
}

fn listener_name(p: ListenerProtocol, port: u32) -> String {
    format!("{}-{port}", p.as_str().to_ascii_lowercase())
}

/// `15s`, `250ms`: how the spec spells durations.
pub fn fmt_duration(d: Duration) -> String {
    let ms = d.millis();
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_pattern() {
        assert_eq!(
            lattice_name("orders.orders.internal", 40, SERVICE_PREFIX),
            "orders-orders-internal"
        );
        assert_eq!(lattice_name("Svc-A__b", 40, SERVICE_PREFIX), "x-svc-a-b");
        assert_eq!(lattice_name("a", 40, SERVICE_PREFIX), "axx");
        let long = "a".repeat(39) + ".b";
        let n = lattice_name(&long, 40, SERVICE_PREFIX);
        assert_eq!(n.len(), 39);
        assert!(is_lattice_name(&n, SERVICE_PREFIX));
        for s in ["--a--", "ä.b", "x.-y", "SERVICENETWORK-a"] {
            let n = lattice_name(s, 63, NETWORK_PREFIX);
            assert!(is_lattice_name(&n, NETWORK_PREFIX), "{s} → {n}");
            assert!(n.len() >= 3);
        }
    }

    #[test]
    fn common_suffixes() {
        assert_eq!(
            common_suffix(["orders.shop.internal", "inv.shop.internal"].into_iter()).as_deref(),
            Some("shop.internal")
        );
        assert_eq!(common_suffix(["a.internal", "b.local"].into_iter()), None);
        assert_eq!(
            common_suffix(["orders.shop.internal"].into_iter()).as_deref(),
            Some("shop.internal")
        );
    }

    #[test]
    fn paths() {
        assert!(is_lattice_path("/orders/v1?x=1"));
        assert!(!is_lattice_path("orders"));
        assert!(!is_lattice_path("/a b"));
        assert!(!is_lattice_path("/a*"));
    }
}
