//! Airflow on Amazon EKS: the AWS Gateway API Controller publishes the Lattice services whose
//! providers are Kubernetes Services of the cluster, from a Gateway named like the service
//! network and one HTTPRoute or GRPCRoute per service. What it publishes, from which route,
//! on which Gateway listener, is decided here once: the Kubernetes lowering writes it, the
//! CloudFormation / Terraform lowering leaves it out, the rules bound it and the report names
//! it. The controller's own translation (`pkg/gateway/model_build_rule.go`, v2.1.3) fixes what
//! it can express; `rules/controller.rs` reports the rest.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::spec::airflow_names::eks::service_of_host;
use crate::spec::{EksSettings, VirtualNode};

/// The features of the findings the EKS output adds: `rules/controller.rs` warns of each.
pub const GRPC_HTTPS: &str = "gRPC listener on EKS";
pub const HEADER_CASE: &str = "header match on EKS";
pub const NOT_IN_CLUSTER: &str = "virtual service outside the cluster";

/// The gRPC service and method of a gRPC route's match (none: every call).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GrpcMethod {
    pub service: Option<String>,
    /// Only with `service` (the controller rejects a method without a service).
    pub method: Option<String>,
}

/// The kind of route a Lattice service is published from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteKind {
    Http,
    Grpc,
}

impl RouteKind {
    /// Its Kubernetes kind.
    pub fn as_str(self) -> &'static str {
        match self {
            RouteKind::Http => "HTTPRoute",
            RouteKind::Grpc => "GRPCRoute",
        }
    }
}

/// A Kubernetes Service, named by a node's `<svc>.<ns>.svc.cluster.local` DNS name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct KubeService {
    pub name: String,
    pub namespace: String,
}

/// The route the controller publishes a Lattice service from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeRoute {
    pub kind: RouteKind,
    /// The object's name: the virtual-service name (a DNS name, so a valid object name; the
    /// rules check it).
    pub name: String,
    /// The namespace of its providers' Services (the one most of them share).
    pub namespace: String,
    /// The Gateway listener (`sectionName`) of each of the service's listeners, in order.
    pub sections: Vec<String>,
}

/// Why the controller cannot publish a Lattice service: CloudFormation / Terraform then create
/// it (when the rules let the spec through at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unpublished {
    /// No provider of it is a Kubernetes Service of the cluster (or it forwards nowhere).
    NotInCluster,
    /// Some of its targets are Kubernetes Services and these nodes are not: one route cannot
    /// mix the controller's target groups with others.
    Mixed(Vec<String>),
    /// Its listeners route differently: a route gives every listener it attaches to the same
    /// rules.
    ListenersDiffer,
    /// It has gRPC and HTTP listeners: a route is an HTTPRoute or a GRPCRoute.
    MixedKinds,
}

/// The Gateway of the AWS Gateway API Controller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Controller {
    /// Its name: the service network's (the controller maps a Gateway to the network of its
    /// name, whatever its namespace).
    pub gateway: String,
    /// `eks.namespace`.
    pub namespace: String,
    /// Its listeners, one per protocol and port the published services listen on (HTTPS ones
    /// per certificate when services on one port have different ones).
    pub listeners: Vec<GatewayListener>,
}

impl Controller {
    /// The namespaces the published routes live in, other than the Gateway's.
    pub fn route_namespaces(&self, model: &Model) -> BTreeSet<String> {
        model
            .services
            .values()
            .filter_map(Service::route)
            .map(|r| r.namespace.clone())
            .filter(|n| *n != self.namespace)
            .collect()
    }
}

/// A Gateway listener: a Lattice listener of every route attached to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayListener {
    /// `http-8080`, `https-9090`, or `https-9090-<Lattice service>` when it has a hostname.
    pub name: String,
    pub protocol: ListenerProtocol,
    pub port: u32,
    /// Set when HTTPS services on one port have different certificates: each gets its own
    /// listener, which only its route (by hostname) attaches to.
    pub hostname: Option<String>,
    /// The ACM certificate of an HTTPS listener (the providers' own, as the CloudFormation
    /// output picks it); without one the controller looks up an ACM certificate for the
    /// route's hostname.
    pub certificate_arn: Option<String>,
}

/// A node's Kubernetes Service, from its DNS discovery hostname.
pub(crate) fn kube_service(node: &VirtualNode) -> Option<KubeService> {
    let dns = node.service_discovery.as_ref()?.dns.as_ref()?;
    let (name, namespace) = service_of_host(&dns.hostname)?;
    Some(KubeService {
        name: name.to_owned(),
        namespace: namespace.to_owned(),
    })
}

/// Every (node, port) a listener forwards to, rules first, in order.
pub(crate) fn forward_targets(l: &Listener) -> Vec<(&str, u32)> {
    l.rules
        .iter()
        .map(|r| &r.action)
        .chain(std::iter::once(&l.default_action))
        .filter_map(|a| match a {
            Action::Forward(t) => Some(t),
            Action::Fixed(_) => None,
        })
        .flatten()
        .map(|(n, p, _)| (n.as_str(), *p))
        .collect()
}

/// What a listener does, as one route expresses it: its rules (match and action) and default.
fn routing(l: &Listener) -> (Vec<(&RuleMatch, &Action)>, &Action) {
    (
        l.rules.iter().map(|r| (&r.matches, &r.action)).collect(),
        &l.default_action,
    )
}

impl Builder<'_> {
    pub(super) fn controller(&mut self, eks: &EksSettings) {
        for tg in self.model.target_groups.values_mut() {
            tg.kube_service = self.spec.virtual_nodes.get(&tg.node).and_then(kube_service);
        }
        let names: Vec<String> = self.model.services.keys().cloned().collect();
        for name in &names {
            let decision = self.publish(&self.model.services[name]);
            let svc = self.model.services.get_mut(name).expect("listed above");
            if let Ok(route) = &decision {
                if route.kind == RouteKind::Grpc {
                    // The controller attaches GRPCRoutes to HTTPS listeners only.
                    let mut switched = Vec::new();
                    for l in &mut svc.listeners {
                        if l.protocol == ListenerProtocol::Http {
                            l.protocol = ListenerProtocol::Https;
                            l.name = listener_name(l.protocol, l.port);
                            switched.push((l.source.clone(), l.port));
                        }
                    }
                    let domain = svc.domain.clone();
                    let cert = svc.certificate_arn.clone();
                    for (path, port) in switched {
                        self.grpc_https(path, &domain, port, cert.as_deref());
                    }
                }
            }
            if decision == Err(Unpublished::NotInCluster) {
                let svc = &self.model.services[name];
                let nodes: BTreeSet<&str> = svc
                    .listeners
                    .iter()
                    .flat_map(forward_targets)
                    .map(|(n, _)| n)
                    .collect();
                if !nodes.is_empty() {
                    let list = nodes
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let path = svc.source.clone();
                    self.find(
                        path,
                        NOT_IN_CLUSTER,
                        Outcome::Approximated,
                        format!("the AWS Gateway API Controller does not publish `{}`: none of its providers ({list}) is a Kubernetes Service of the cluster, so CloudFormation / Terraform create its Lattice service and target groups, and nothing in the cluster registers targets in them", svc.domain),
                        Some("give the providers DNS discovery with their `<service>.<namespace>.svc.cluster.local` names (or run them from `workloads:`), or register their targets in the `target_group_arns` output"),
                    );
                }
            }
            let svc = self.model.services.get_mut(name).expect("listed above");
            svc.controller = Some(decision);
        }
        let listeners = self.gateway_listeners();
        self.case_insensitive_headers();
        self.catch_alls();
        let published = self
            .model
            .services
            .values()
            .filter(|s| s.route().is_some())
            .count();
        let controller = Controller {
            gateway: self.model.network.clone(),
            namespace: eks.namespace().to_owned(),
            listeners,
        };
        self.find(
            crate::spec::paths::airflow_path().key("eks"),
            "AWS Gateway API Controller",
            Outcome::Kept,
            format!(
                "the Gateway `{}` (namespace `{}`) is the service network of its name: the controller publishes {} from their routes in `kubernetes/manifests/`, and holds the network's VPC association, access logs and auth policy; CloudFormation / Terraform keep the service network, the private hosted zone and the IAM roles",
                controller.gateway,
                controller.namespace,
                if published == 1 { "1 service".to_owned() } else { format!("{published} services") },
            ),
            None,
        );
        self.model.controller = Some(controller);
    }

    /// Whether the controller can publish `svc`, and from which route.
    fn publish(&self, svc: &Service) -> Result<KubeRoute, Unpublished> {
        let targets: Vec<(&str, u32)> = svc.listeners.iter().flat_map(forward_targets).collect();
        let mut inside: Vec<&KubeService> = Vec::new();
        let mut outside: BTreeSet<String> = BTreeSet::new();
        for (node, port) in &targets {
            match self
                .model
                .target_group(node, *port)
                .and_then(|t| t.kube_service.as_ref())
            {
                Some(k) => inside.push(k),
                None => {
                    outside.insert((*node).to_owned());
                }
            }
        }
        if inside.is_empty() {
            return Err(Unpublished::NotInCluster);
        }
        if !outside.is_empty() {
            return Err(Unpublished::Mixed(outside.into_iter().collect()));
        }
        let kinds: BTreeSet<bool> = svc
            .listeners
            .iter()
            .map(|l| l.app_protocol == Protocol::Grpc)
            .collect();
        if kinds.len() > 1 {
            return Err(Unpublished::MixedKinds);
        }
        let first = routing(&svc.listeners[0]);
        if svc.listeners.iter().any(|l| routing(l) != first) {
            return Err(Unpublished::ListenersDiffer);
        }
        // The namespace most providers share; the others grant the route their Services.
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for k in &inside {
            *counts.entry(k.namespace.as_str()).or_default() += 1;
        }
        let namespace = counts
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(n, _)| (*n).to_owned())
            .expect("inside is not empty");
        Ok(KubeRoute {
            kind: if kinds.contains(&true) {
                RouteKind::Grpc
            } else {
                RouteKind::Http
            },
            name: svc.domain.clone(),
            namespace,
            sections: Vec::new(),
        })
    }

    fn grpc_https(&mut self, path: FieldPath, domain: &str, port: u32, cert: Option<&str>) {
        let detail = match cert {
            Some(c) => format!(
                "the AWS Gateway API Controller attaches GRPCRoutes to HTTPS listeners only: Lattice listens on port {port} with HTTPS (certificate `{c}`), so clients call `{domain}` with TLS (the generated Airflow connections do)"
            ),
            None => format!(
                "the AWS Gateway API Controller attaches GRPCRoutes to HTTPS listeners only: Lattice listens on port {port} with HTTPS, so clients call `{domain}` with TLS (the generated Airflow connections do), and the controller uses an ACM certificate it finds for `{domain}` (the spec names none; without one the route is not programmed)"
            ),
        };
        self.find(
            path,
            GRPC_HTTPS,
            Outcome::Approximated,
            detail,
            Some("give the node's listener `tls: { mode: strict, certificate: { acm: <certificate ARN> } }` with a certificate for the virtual-service name (a private CA's: clients then trust that CA), or import one into ACM"),
        );
    }

    /// The Gateway's listeners, and each published route's sections.
    fn gateway_listeners(&mut self) -> Vec<GatewayListener> {
        // HTTPS certificates per port, over the published services.
        let mut certs: BTreeMap<u32, BTreeSet<Option<String>>> = BTreeMap::new();
        for s in self.model.services.values().filter(|s| s.route().is_some()) {
            for l in s.listeners.iter() {
                if l.protocol == ListenerProtocol::Https {
                    certs
                        .entry(l.port)
                        .or_default()
                        .insert(s.certificate_arn.clone());
                }
            }
        }
        let mut out: Vec<GatewayListener> = Vec::new();
        for s in self.model.services.values_mut() {
            let Some(Ok(route)) = &mut s.controller else {
                continue;
            };
            route.sections.clear();
            for l in &s.listeners {
                let shared = l.protocol == ListenerProtocol::Http
                    || certs.get(&l.port).is_some_and(|c| c.len() == 1);
                let gl = if shared {
                    GatewayListener {
                        name: listener_name(l.protocol, l.port),
                        protocol: l.protocol,
                        port: l.port,
                        hostname: None,
                        certificate_arn: (l.protocol == ListenerProtocol::Https)
                            .then(|| s.certificate_arn.clone())
                            .flatten(),
                    }
                } else {
                    GatewayListener {
                        name: format!("{}-{}", listener_name(l.protocol, l.port), s.name),
                        protocol: l.protocol,
                        port: l.port,
                        hostname: Some(s.domain.clone()),
                        certificate_arn: s.certificate_arn.clone(),
                    }
                };
                route.sections.push(gl.name.clone());
                if !out.iter().any(|x| x.name == gl.name) {
                    out.push(gl);
                }
            }
        }
        out.sort_by(|a, b| (a.port, &a.name).cmp(&(b.port, &b.name)));
        out
    }

    /// A published route's catch-all route is its last rule, matching every path: the
    /// controller's Lattice listeners answer 404 by default.
    fn catch_alls(&mut self) {
        let mut routes: Vec<(String, u32)> = Vec::new();
        for s in self.model.services.values().filter(|s| s.route().is_some()) {
            if let Some(l) = s.listeners.first() {
                if let Some(r) = &l.default_route {
                    let last = l.rules.iter().map(|r| r.priority).max().unwrap_or(0) + 1;
                    routes.push((r.clone(), last));
                }
            }
        }
        for (route, priority) in routes {
            let Some((router, name)) = route.split_once('/') else {
                continue;
            };
            let prefix = router_path(router).key("routes").key(name).to_string();
            for f in self.model.findings.iter_mut().filter(|f| {
                f.feature == "catch-all match" && f.path.to_string().starts_with(&prefix)
            }) {
                f.detail = format!(
                    "the route's last rule (priority {priority}), matching every path (the AWS Gateway API Controller keeps each Lattice listener's default action at 404)"
                );
            }
        }
    }

    /// The controller matches header values ignoring case (`CaseSensitive: false`), where the
    /// CloudFormation output matches them exactly.
    fn case_insensitive_headers(&mut self) {
        let mut found = Vec::new();
        for s in self.model.services.values().filter(|s| s.route().is_some()) {
            for l in &s.listeners {
                for r in l.rules.iter().filter(|r| !r.matches.headers.is_empty()) {
                    found.push(headers_path(self.spec, r));
                }
            }
        }
        found.sort();
        found.dedup();
        for path in found {
            self.find(
                path,
                HEADER_CASE,
                Outcome::Approximated,
                "the AWS Gateway API Controller's Lattice rule matches these header values ignoring case (the CloudFormation output's matches them exactly)",
                Some("none, unless requests differ only in the case of these values: then route on the path instead"),
            );
        }
    }
}

/// Where a rule's header (or gRPC metadata) matches are in the spec: the route's
/// `<kind>.match.headers` (`grpc.match.metadata`).
pub(crate) fn headers_path(spec: &Spec, r: &Rule) -> FieldPath {
    let route = r
        .route
        .split_once('/')
        .and_then(|(router, route)| spec.virtual_routers.get(router)?.routes.get(route));
    match route {
        Some(route) if route.grpc.is_some() => r.source.key("grpc").key("match").key("metadata"),
        Some(route) if route.http2.is_some() => r.source.key("http2").key("match").key("headers"),
        _ => r.source.key("http").key("match").key("headers"),
    }
}
