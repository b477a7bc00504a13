//! The spec in VPC Lattice's terms, built once from a spec: the names Lattice gets, each
//! virtual service's listeners and rules in order, the target groups, who may call whom, and
//! what of the spec Lattice keeps, moves to the client, approximates or drops. The rules bound
//! it, the lowering renders it, and the migration report lists its findings: each fact is
//! decided here only.

use std::collections::BTreeMap;

mod controller;
mod network;
mod nodes;
mod routes;

pub(crate) use controller::{forward_targets, headers_path};
pub use controller::{
    Controller, GatewayListener, GrpcMethod, KubeRoute, KubeService, RouteKind, Unpublished,
    GRPC_HTTPS, HEADER_CASE, NOT_IN_CLUSTER,
};

use crate::diagnostic::FieldPath;
use crate::spec::paths::{gateway_path, node_path, router_path, service_path};
use crate::spec::{
    Duration, GrpcMatch, HeaderMatch, HttpMatch, HttpMethod, LatticeAuth, NodeListener, OneOrMany,
    Protocol, Route, Short, Spec, TlsMode,
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
    /// On EKS: the node's Kubernetes Service (its `<svc>.<ns>.svc.cluster.local` DNS name),
    /// whose pods the AWS Gateway API Controller registers.
    pub kube_service: Option<KubeService>,
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
    /// For a gRPC route: the service and method `path` and `method` stand for (a GRPCRoute
    /// matches on them).
    pub grpc: Option<GrpcMethod>,
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
    /// The protocol of the spec's listener it comes from (`grpc` makes a GRPCRoute on EKS).
    pub app_protocol: Protocol,
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
    /// On EKS: the route the AWS Gateway API Controller publishes it from, or why it cannot
    /// (then CloudFormation / Terraform create it, as off EKS). `None` off EKS.
    pub controller: Option<Result<KubeRoute, Unpublished>>,
}

impl Service {
    /// The route it is published from, when the AWS Gateway API Controller publishes it
    /// (CloudFormation and Terraform then leave it, its listeners, rules, target groups, auth
    /// policy and DNS records out).
    pub fn route(&self) -> Option<&KubeRoute> {
        self.controller.as_ref()?.as_ref().ok()
    }
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
    /// Whether each Lattice service gets alias records for its virtual-service name (in the
    /// zone meshsynth creates or the one the spec names): not with `hosted_zone: none`, nor by
    /// default beside an `existing` Cloud Map namespace, which holds the names in the VPC.
    pub records: bool,
    /// Whether the service network exists already (`mesh.existing`): the services join the one
    /// the `lattice_service_network_id` input names, and the stack that created it holds its
    /// VPC association, access logs and auth policy.
    pub existing_network: bool,
    pub findings: Vec<Finding>,
    /// On EKS: the Gateway of the AWS Gateway API Controller, which publishes the services
    /// whose providers run in the cluster ([`Service::route`]) and holds the service network's
    /// VPC association, access logs and auth policy.
    pub controller: Option<Controller>,
}

/// The reserved prefixes of Lattice names, by what is named.
pub const SERVICE_PREFIX: &str = "svc-";
pub const NETWORK_PREFIX: &str = "servicenetwork-";
pub const TARGET_GROUP_PREFIX: &str = "tg-";
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
    /// The node of the Airflow API server, which meshsynth runs as an ECS service.
    api_node: Option<String>,
}

impl Model {
    /// The spec (with what meshsynth generates) in Lattice's terms.
    pub fn build(spec: &Spec, generated_api_service: Option<&str>) -> Model {
        let settings = spec.mesh.lattice();
        let auth = settings.auth.unwrap_or_default();
        // On EKS task pods reach the API server through its cluster Service, not Lattice.
        let in_cluster_api = spec
            .airflow
            .as_ref()
            .is_some_and(|a| a.on_eks().is_some())
            .then_some(generated_api_service)
            .flatten();
        let generated_api_service = generated_api_service.filter(|_| in_cluster_api.is_none());
        let api_node = generated_api_service
            .and_then(|s| spec.virtual_services.get(s))
            .and_then(|vs| vs.node.clone());
        let mut b = Builder {
            spec,
            api_node,
            model: Model {
                network: lattice_name(&spec.mesh.name, NETWORK_NAME_MAX, NETWORK_PREFIX),
                auth,
                services: BTreeMap::new(),
                target_groups: BTreeMap::new(),
                callers: BTreeMap::new(),
                zone_name: None,
                records: !matches!(settings.hosted_zone, Some(crate::spec::HostedZone::None)),
                existing_network: spec.mesh.existing,
                findings: Vec::new(),
                controller: None,
            },
        };
        b.mesh();
        for name in spec.virtual_services.keys() {
            if in_cluster_api == Some(name.as_str()) {
                continue;
            }
            b.service(name, generated_api_service == Some(name.as_str()));
        }
        for (name, node) in &spec.virtual_nodes {
            if in_cluster_api.is_some() && name == crate::spec::airflow_names::API_NODE {
                continue;
            }
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
        b.existing_network();
        if let Some(eks) = spec.airflow.as_ref().and_then(|a| a.on_eks()) {
            b.controller(eks);
        }
        b.model
            .findings
            .sort_by(|a, b| a.path.cmp(&b.path).then(a.feature.cmp(&b.feature)));
        b.model
    }

    /// The target group of a node's listener port.
    pub fn target_group(&self, node: &str, port: u32) -> Option<&TargetGroup> {
        self.target_groups.get(&(node.to_owned(), port))
    }

    /// Whether the AWS Gateway API Controller creates a target group (for the routes of the
    /// services it publishes), so the stack must not.
    pub fn by_controller(&self, tg: &TargetGroup) -> bool {
        !tg.services.is_empty()
            && tg
                .services
                .iter()
                .all(|s| self.services.get(s).is_some_and(|s| s.route().is_some()))
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
            // Unique in the account: two stacks (a staging and a production one) each get their
            // own.
            name: lattice_name(
                &format!("{}-{name}", self.spec.name),
                SERVICE_NAME_MAX,
                SERVICE_PREFIX,
            ),
            domain: name.to_owned(),
            auth,
            certificate_arn: None,
            listeners: Vec::new(),
            client: BTreeMap::new(),
            source: path.clone(),
            controller: None,
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
    fn certificate(&self, nodes: &[&str], port: u32) -> Option<String> {
        let mut arn: Option<String> = None;
        for n in nodes {
            let node = self.spec.virtual_nodes.get(*n)?;
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
        let health = self.health(l, &source);
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
                kube_service: None,
            },
        );
    }

    fn health(&mut self, l: &NodeListener, source: &FieldPath) -> Option<Health> {
        let hc = l.health_check.as_ref()?;
        let hp = source.key("health_check");
        let proto = hc.protocol.unwrap_or(l.protocol);
        let hv = match proto {
            Protocol::Http => ProtocolVersion::Http1,
            Protocol::Http2 => ProtocolVersion::Http2,
            Protocol::Grpc | Protocol::Tcp => {
                self.find(
                    // The listener's protocol when the check names none.
                    if hc.protocol.is_some() {
                        hp.key("protocol")
                    } else {
                        hp.clone()
                    },
                    if proto == Protocol::Grpc { "gRPC health check" } else { "TCP health check" },
                    Outcome::Dropped,
                    "Lattice checks target health over HTTP only (never gRPC): the target group's health check is off",
                    Some("serve an HTTP health endpoint and set `health_check: { protocol: http, path: ... }` (or http2)"),
                );
                return None;
            }
        };
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
            let protocol_of_node = protocol;
            self.target_group(node, port, &svc.domain);
            let cert = self.certificate(&[node], port);
            let protocol = self.listener_protocol(svc, cert);
            svc.listeners.push(Listener {
                name: listener_name(protocol, port),
                protocol,
                port,
                app_protocol: protocol_of_node,
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
}

fn listener_name(p: ListenerProtocol, port: u32) -> String {
    format!("{}-{port}", p.as_str().to_ascii_lowercase())
}

/// The log group of the service network's access logs, when the spec names no destination
/// (the stack creates it; on EKS the Gateway's AccessLogPolicy names it).
pub fn access_log_group_name(project: &str) -> String {
    format!("/meshsynth/{project}/lattice-access-logs")
}

/// The log group the service network's access logs go to: the one the stack creates, or the
/// one `access_log_destination_arn` names; `None` for a Firehose stream or S3 bucket.
pub fn access_log_group(project: &str, destination: Option<&str>) -> Option<String> {
    let Some(arn) = destination else {
        return Some(access_log_group_name(project));
    };
    // `arn:<partition>:logs:<region>:<account>:log-group:<name>` (checked by the settings rules).
    let rest = arn.split(":log-group:").nth(1)?;
    let name = rest.strip_suffix(":*").unwrap_or(rest);
    (!name.is_empty() && arn.contains(":logs:")).then(|| name.to_owned())
}

/// `arn:aws:iam::444455556666:root` of a role ARN `arn:aws:iam::444455556666:role/web`.
pub fn account_root(role_arn: &str) -> Option<String> {
    let mut parts = role_arn.splitn(6, ':');
    let (_, partition, _, _, account) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    Some(format!("arn:{partition}:iam::{account}:root"))
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
