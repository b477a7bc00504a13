//! Checked spec → resource graph, for the App Mesh resources and their Cloud Map wiring.

pub mod sidecar;

use std::collections::{BTreeMap, BTreeSet};

use crate::case::snake_case;
use crate::check::{Checked, GatewayRouteKind, Provider, RouteKind};
use crate::diagnostic::FieldPath;
use crate::ir::{Attr, Kind, Obj, Param, ParamType, Plan, Resource, ResourceId, Value};
use crate::observe::metrics::{ENVOY_ACCESS_LOG_JSON, ENVOY_ACCESS_LOG_PATH};
use crate::params::VPC_ID;
use crate::spec::paths::{gateway_path, node_path, router_path, service_path};
use crate::spec::*;

/// Lowers the App Mesh part. The generated nodes and services of `checked` go through exactly
/// the same code as the spec's own.
pub(super) fn lower(checked: &Checked) -> Plan {
    let spec = checked.spec();
    let mut l = Lowering {
        checked,
        spec,
        plan: Plan {
            project: spec.name.clone(),
            description: format!(
                "{}: App Mesh mesh `{}` with {}, {}, {} and {}",
                spec.name,
                spec.mesh.name,
                super::count(spec.virtual_nodes.len(), "virtual node"),
                super::count(spec.virtual_routers.len(), "virtual router"),
                super::count(spec.virtual_services.len(), "virtual service"),
                super::count(spec.virtual_gateways.len(), "virtual gateway"),
            ),
            resources: BTreeMap::new(),
            params: BTreeMap::new(),
            outputs: BTreeMap::new(),
            airflow: None,
            backend: crate::spec::MeshBackend::AppMesh,
            migration: None,
            kube: None,
            observability: None,
            node_roles: BTreeMap::new(),
            index: Default::default(),
        },
    };
    l.mesh();
    l.cloud_map();
    for (name, node) in &spec.virtual_nodes {
        l.node(name, node);
    }
    for (name, router) in &spec.virtual_routers {
        l.router(name, router);
    }
    for (name, vs) in &spec.virtual_services {
        l.service(name, vs);
    }
    for (name, gw) in &spec.virtual_gateways {
        l.gateway(name, gw);
    }
    l.plan
}

struct Lowering<'a> {
    checked: &'a Checked,
    spec: &'a Spec,
    plan: Plan,
}

fn mesh_id(spec: &Spec) -> ResourceId {
    ResourceId::new(Kind::Mesh, &spec.mesh.name)
}
pub(crate) fn node_id(name: &str) -> ResourceId {
    ResourceId::new(Kind::VirtualNode, name)
}
fn router_id(name: &str) -> ResourceId {
    ResourceId::new(Kind::VirtualRouter, name)
}
pub(crate) fn service_id(name: &str) -> ResourceId {
    ResourceId::new(Kind::VirtualService, name)
}
fn gateway_id(name: &str) -> ResourceId {
    ResourceId::new(Kind::VirtualGateway, name)
}
fn namespace_id(namespace: &str) -> ResourceId {
    ResourceId::new(Kind::CloudMapNamespace, namespace)
}
pub(crate) fn cloud_map_service_id(name: &str) -> ResourceId {
    ResourceId::new(Kind::CloudMapService, name)
}

/// App Mesh durations: whole seconds when exact, milliseconds otherwise.
fn duration(d: Duration) -> Value {
    let ms = d.millis();
    if ms % 1000 == 0 {
        Obj::new().set("Unit", "s").set("Value", ms / 1000).into()
    } else {
        Obj::new().set("Unit", "ms").set("Value", ms).into()
    }
}

fn protocol(p: Protocol) -> Value {
    Value::str(p.as_str())
}

fn ip_preference(p: IpPreference) -> &'static str {
    match p {
        IpPreference::Ipv4Only => "IPv4_ONLY",
        IpPreference::Ipv4Preferred => "IPv4_PREFERRED",
        IpPreference::Ipv6Only => "IPv6_ONLY",
        IpPreference::Ipv6Preferred => "IPv6_PREFERRED",
    }
}

fn toggle(t: Toggle) -> &'static str {
    match t {
        Toggle::Enabled => "ENABLED",
        Toggle::Disabled => "DISABLED",
    }
}

fn key_values(m: &BTreeMap<String, String>) -> Vec<Value> {
    m.iter()
        .map(|(k, v)| Obj::new().set("Key", k).set("Value", v).into())
        .collect()
}

/// The protocol key App Mesh uses inside unions keyed by protocol (`HTTP`, `HTTP2`, `GRPC`, `TCP`).
fn protocol_key(p: Protocol) -> &'static str {
    match p {
        Protocol::Http => "HTTP",
        Protocol::Http2 => "HTTP2",
        Protocol::Grpc => "GRPC",
        Protocol::Tcp => "TCP",
    }
}

impl Lowering<'_> {
    fn add(
        &mut self,
        id: ResourceId,
        source: FieldPath,
        props: Obj,
        own_tags: &BTreeMap<String, String>,
    ) -> &mut Resource {
        let mut tags = self.spec.tags.clone();
        tags.extend(own_tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.plan.add(id, source, props, &tags)
    }

    /// `MeshName` (and `MeshOwner` for a shared mesh) for every child resource: a reference to
    /// the mesh this stack creates, else its name as text.
    fn in_mesh(&self, o: Obj) -> Obj {
        let m = &self.spec.mesh;
        match &m.owner {
            Some(owner) => o.set("MeshName", &m.name).set("MeshOwner", owner),
            None if m.existing => o.set("MeshName", &m.name),
            None => o.set("MeshName", Value::Ref(mesh_id(self.spec), Attr::Name)),
        }
    }

    /// A node's or gateway's `Logging`: its own `access_log`, else with `access_logs` on (the
    /// default) JSON lines on Envoy's stdout, which the task's log driver ships to CloudWatch Logs
    /// and the saved queries read by field.
    fn logging(&self, own: Option<&AccessLog>) -> Option<Value> {
        if let Some(al) = own {
            return Some(access_log(al));
        }
        if !self.spec.observability().access_logs {
            return None;
        }
        let default = AccessLog {
            path: ENVOY_ACCESS_LOG_PATH.into(),
            format: Some(LogFormat {
                json: Some(
                    ENVOY_ACCESS_LOG_JSON
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect(),
                ),
                text: None,
            }),
        };
        Some(access_log(&default))
    }

    fn mesh(&mut self) {
        let m = &self.spec.mesh;
        let path = FieldPath::root().key("mesh");
        if m.exists() {
            // The owner account or another stack created the mesh; this stack only adds
            // resources to it.
            return;
        }
        let mut spec = Obj::new().set(
            "EgressFilter",
            Obj::new().set(
                "Type",
                match m.egress_filter.unwrap_or(EgressFilter::DropAll) {
                    EgressFilter::DropAll => "DROP_ALL",
                    EgressFilter::AllowAll => "ALLOW_ALL",
                },
            ),
        );
        if let Some(p) = m.ip_preference {
            spec = spec.set(
                "ServiceDiscovery",
                Obj::new().set("IpPreference", ip_preference(p)),
            );
        }
        let props = Obj::new().set("MeshName", &m.name).set("Spec", spec);
        let tags = m.tags.clone();
        self.add(mesh_id(self.spec), path, props, &tags);
        self.plan.add_output(
            "mesh_arn".into(),
            format!("ARN of the App Mesh mesh `{}`", m.name),
            Value::Ref(mesh_id(self.spec), Attr::Arn),
            None,
        );
        self.plan.add_output(
            "mesh_name".into(),
            "Name of the App Mesh mesh".into(),
            Value::Ref(mesh_id(self.spec), Attr::Name),
            None,
        );
    }

    /// The namespace, and one Cloud Map service per distinct `cloud_map.service` that lives in it.
    /// An `existing` namespace already has both (the ECS services read the ARNs they register
    /// in from parameters: `lower/ecs`).
    fn cloud_map(&mut self) {
        let Some(ns) = self.spec.created_namespace() else {
            return;
        };
        let path = FieldPath::root().key("service_discovery").key("cloud_map");
        self.plan.params.insert(
            VPC_ID.into(),
            Param {
                ty: ParamType::VpcId,
                description: format!(
                    "The VPC in which the Cloud Map private DNS namespace `{}` is created",
                    ns.namespace
                ),
                label: "VPC".into(),
                group: "Network".into(),
                default: None,
            },
        );
        let props = Obj::new()
            .set("Name", &ns.namespace)
            .set("Vpc", Value::Param(VPC_ID.into()))
            .set(
                "Description",
                format!(
                    "Service discovery for the {} mesh (meshsynth)",
                    self.spec.mesh.name
                ),
            );
        self.add(
            namespace_id(&ns.namespace),
            path.clone(),
            props,
            &BTreeMap::new(),
        );
        self.plan.add_output(
            "cloud_map_namespace_id".into(),
            format!("ID of the Cloud Map namespace `{}`", ns.namespace),
            Value::Ref(namespace_id(&ns.namespace), Attr::Id),
            None,
        );
        let ttl = ns.dns_ttl.unwrap_or(60);
        let mut services: BTreeMap<&str, FieldPath> = BTreeMap::new();
        for (name, node) in &self.spec.virtual_nodes {
            if let Some(cm) = node
                .service_discovery
                .as_ref()
                .and_then(|s| s.cloud_map.as_ref())
            {
                if self.checked.node_namespace(cm).1 {
                    services.entry(cm.service.as_str()).or_insert_with(|| {
                        self.checked.source(
                            &node_path(name)
                                .key("service_discovery")
                                .key("cloud_map")
                                .key("service"),
                        )
                    });
                }
            }
        }
        for (svc, source) in services {
            let props = Obj::new()
                .set("Name", svc)
                .set(
                    "Description",
                    format!(
                        "Tasks of `{svc}` in the {} mesh (meshsynth)",
                        self.spec.mesh.name
                    ),
                )
                .set(
                    "DnsConfig",
                    Obj::new()
                        .set(
                            "NamespaceId",
                            Value::Ref(namespace_id(&ns.namespace), Attr::Id),
                        )
                        .set("RoutingPolicy", "MULTIVALUE")
                        .set(
                            "DnsRecords",
                            vec![Obj::new().set("Type", "A").set("TTL", ttl).into()],
                        ),
                )
                .set(
                    "HealthCheckCustomConfig",
                    Obj::new().set("FailureThreshold", 1u32),
                );
            self.add(cloud_map_service_id(svc), source, props, &BTreeMap::new());
            self.plan.add_output(
                format!("cloud_map_service_{}_arn", snake_case(svc)),
                format!("ARN of the Cloud Map service `{svc}` (for ECS ServiceRegistries)"),
                Value::Ref(cloud_map_service_id(svc), Attr::Arn),
                Some(("cloud_map_service_arns", svc)),
            );
        }
    }

    fn health_check(
        &self,
        hc: &HealthCheck,
        listener_port: u32,
        listener_protocol: Protocol,
    ) -> Value {
        let proto = hc.protocol.unwrap_or(listener_protocol);
        let path = hc
            .path
            .clone()
            .or_else(|| matches!(proto, Protocol::Http | Protocol::Http2).then(|| "/".to_owned()));
        Obj::new()
            .set("Protocol", protocol(proto))
            .set("Port", hc.port.unwrap_or(listener_port))
            .opt("Path", path)
            .set(
                "IntervalMillis",
                hc.interval
                    .unwrap_or(HealthCheck::DEFAULT_INTERVAL)
                    .millis(),
            )
            .set(
                "TimeoutMillis",
                hc.timeout.unwrap_or(HealthCheck::DEFAULT_TIMEOUT).millis(),
            )
            .set(
                "HealthyThreshold",
                hc.healthy_threshold
                    .unwrap_or(HealthCheck::DEFAULT_THRESHOLD),
            )
            .set(
                "UnhealthyThreshold",
                hc.unhealthy_threshold
                    .unwrap_or(HealthCheck::DEFAULT_THRESHOLD),
            )
            .into()
    }

    fn connection_pool(&self, cp: &ConnectionPool, p: Protocol) -> Value {
        let inner = match p {
            Protocol::Http => Obj::new()
                .opt("MaxConnections", cp.max_connections)
                .opt("MaxPendingRequests", cp.max_pending_requests),
            Protocol::Tcp => Obj::new().opt("MaxConnections", cp.max_connections),
            Protocol::Http2 | Protocol::Grpc => Obj::new().opt("MaxRequests", cp.max_requests),
        };
        Obj::new().set(protocol_key(p), inner).into()
    }

    /// What node and gateway listeners share: the port mapping, health check, connection pool
    /// and TLS (a node listener adds timeouts and outlier detection).
    fn listener(
        &self,
        port: u32,
        p: Protocol,
        hc: Option<&HealthCheck>,
        cp: Option<&ConnectionPool>,
        tls: Option<&ListenerTls>,
    ) -> Obj {
        Obj::new()
            .set(
                "PortMapping",
                Obj::new().set("Port", port).set("Protocol", protocol(p)),
            )
            .opt("HealthCheck", hc.map(|hc| self.health_check(hc, port, p)))
            .opt("ConnectionPool", cp.map(|cp| self.connection_pool(cp, p)))
            .opt("TLS", tls.and_then(listener_tls))
    }

    fn node(&mut self, name: &str, node: &VirtualNode) {
        let path = self.checked.source(&node_path(name));
        let mut spec = Obj::new();
        let listeners: Vec<Value> = node
            .listeners
            .iter()
            .map(|l| {
                let mut o = self.listener(
                    l.port,
                    l.protocol,
                    l.health_check.as_ref(),
                    l.connection_pool.as_ref(),
                    l.tls.as_ref(),
                );
                if let Some(t) = &l.timeout {
                    let mut inner = Obj::new().opt("Idle", t.idle.map(duration));
                    if l.protocol != Protocol::Tcp {
                        inner = inner.opt("PerRequest", t.per_request.map(duration));
                    }
                    o = o.set("Timeout", Obj::new().set(protocol_key(l.protocol), inner));
                }
                if let Some(od) = &l.outlier_detection {
                    o = o.set(
                        "OutlierDetection",
                        Obj::new()
                            .set("MaxServerErrors", od.max_server_errors)
                            .set("Interval", duration(od.interval))
                            .set("BaseEjectionDuration", duration(od.base_ejection_duration))
                            .set("MaxEjectionPercent", od.max_ejection_percent),
                    );
                }
                o.into()
            })
            .collect();
        spec = spec.list("Listeners", listeners);
        let backends: Vec<Value> = node
            .backends
            .iter()
            .map(|b| {
                // By name, not by reference: App Mesh does not need the service to exist first, and a
                // reference would make a node that calls its own service a dependency cycle.
                Obj::new()
                    .set(
                        "VirtualService",
                        Obj::new()
                            .set("VirtualServiceName", &b.virtual_service)
                            .opt("ClientPolicy", b.client_policy.as_ref().map(client_policy)),
                    )
                    .into()
            })
            .collect();
        spec = spec.list("Backends", backends);
        if let Some(bd) = &node.backend_defaults {
            spec = spec.set("BackendDefaults", backend_defaults(bd));
        }
        let mut depends = BTreeSet::new();
        if let Some(sd) = &node.service_discovery {
            if let Some(cm) = &sd.cloud_map {
                let (ns_name, in_spec_ns) = self.checked.node_namespace(cm);
                let managed = in_spec_ns && self.spec.created_namespace().is_some();
                let service_name = if managed {
                    Value::Ref(cloud_map_service_id(&cm.service), Attr::Name)
                } else {
                    Value::str(&cm.service)
                };
                if managed {
                    // The namespace name is a literal (CloudFormation exposes no Name attribute for it).
                    depends.insert(namespace_id(ns_name));
                }
                spec = spec.set(
                    "ServiceDiscovery",
                    Obj::new().set(
                        "AWSCloudMap",
                        Obj::new()
                            .set("NamespaceName", ns_name)
                            .set("ServiceName", service_name)
                            .list("Attributes", key_values(&cm.attributes))
                            .opt("IpPreference", cm.ip_preference.map(ip_preference)),
                    ),
                );
            } else if let Some(dns) = &sd.dns {
                spec = spec.set(
                    "ServiceDiscovery",
                    Obj::new().set(
                        "DNS",
                        Obj::new()
                            .set("Hostname", &dns.hostname)
                            .opt(
                                "ResponseType",
                                dns.response_type.map(|r| match r {
                                    DnsResponseType::LoadBalancer => "LOADBALANCER",
                                    DnsResponseType::Endpoints => "ENDPOINTS",
                                }),
                            )
                            .opt("IpPreference", dns.ip_preference.map(ip_preference)),
                    ),
                );
            }
        }
        if let Some(logging) = self.logging(node.access_log.as_ref()) {
            spec = spec.set("Logging", logging);
        }
        let props = self
            .in_mesh(Obj::new().set("VirtualNodeName", name))
            .set("Spec", spec);
        let r = self.add(node_id(name), path, props, &node.tags);
        r.depends_on.extend(depends);
        self.plan.add_output(
            format!("virtual_node_{}_arn", snake_case(name)),
            format!("ARN of the virtual node `{name}` (APPMESH_RESOURCE_ARN of its Envoy)"),
            Value::Ref(node_id(name), Attr::Arn),
            Some(("virtual_node_arns", name)),
        );
    }

    fn router(&mut self, name: &str, router: &VirtualRouter) {
        let path = router_path(name);
        let listeners: Vec<Value> = router
            .listeners
            .iter()
            .map(|l| {
                Obj::new()
                    .set(
                        "PortMapping",
                        Obj::new()
                            .set("Port", l.port)
                            .set("Protocol", protocol(l.protocol)),
                    )
                    .into()
            })
            .collect();
        let props = self
            .in_mesh(Obj::new().set("VirtualRouterName", name))
            .set("Spec", Obj::new().list("Listeners", listeners));
        self.add(router_id(name), path.clone(), props, &router.tags);
        for (rname, route) in &router.routes {
            let spec = Obj::new().opt("Priority", route.priority);
            let spec = match self.checked.route_kind(route) {
                RouteKind::Http(h) => spec.set("HttpRoute", http_route(h)),
                RouteKind::Http2(h) => spec.set("Http2Route", http_route(h)),
                RouteKind::Grpc(g) => spec.set("GrpcRoute", grpc_route(g)),
                RouteKind::Tcp(t) => spec.set("TcpRoute", tcp_route(t)),
            };
            let props = self
                .in_mesh(Obj::new().set("RouteName", rname))
                .set("VirtualRouterName", Value::Ref(router_id(name), Attr::Name))
                .set("Spec", spec);
            self.add(
                ResourceId::new(Kind::Route, format!("{name}/{rname}")),
                path.key("routes").key(rname),
                props,
                &route.tags,
            );
        }
    }

    fn service(&mut self, name: &str, vs: &VirtualService) {
        let path = self.checked.source(&service_path(name));
        let provider = match self.checked.provider(name) {
            Provider::Router(r, _) => Obj::new().set(
                "Provider",
                Obj::new().set(
                    "VirtualRouter",
                    Obj::new().set("VirtualRouterName", Value::Ref(router_id(r), Attr::Name)),
                ),
            ),
            Provider::Node(n, _) => Obj::new().set(
                "Provider",
                Obj::new().set(
                    "VirtualNode",
                    Obj::new().set("VirtualNodeName", Value::Ref(node_id(n), Attr::Name)),
                ),
            ),
            Provider::Nothing => Obj::new(),
        };
        let props = self
            .in_mesh(Obj::new().set("VirtualServiceName", name))
            .set("Spec", provider);
        self.add(service_id(name), path, props, &vs.tags);
        self.plan.add_output(
            format!("virtual_service_{}_name", snake_case(name)),
            format!("Name of the virtual service `{name}` (the host name clients call)"),
            Value::Ref(service_id(name), Attr::Name),
            Some(("virtual_service_names", name)),
        );
    }

    fn gateway(&mut self, name: &str, gw: &VirtualGateway) {
        let path = gateway_path(name);
        let listeners: Vec<Value> = gw
            .listeners
            .iter()
            .map(|l| {
                self.listener(
                    l.port,
                    l.protocol,
                    l.health_check.as_ref(),
                    l.connection_pool.as_ref(),
                    l.tls.as_ref(),
                )
                .into()
            })
            .collect();
        let mut spec = Obj::new().list("Listeners", listeners);
        if let Some(bd) = &gw.backend_defaults {
            spec = spec.set("BackendDefaults", backend_defaults(bd));
        }
        if let Some(logging) = self.logging(gw.access_log.as_ref()) {
            spec = spec.set("Logging", logging);
        }
        let props = self
            .in_mesh(Obj::new().set("VirtualGatewayName", name))
            .set("Spec", spec);
        self.add(gateway_id(name), path.clone(), props, &gw.tags);
        self.plan.add_output(
            format!("virtual_gateway_{}_arn", snake_case(name)),
            format!("ARN of the virtual gateway `{name}` (APPMESH_RESOURCE_ARN of its Envoy)"),
            Value::Ref(gateway_id(name), Attr::Arn),
            Some(("virtual_gateway_arns", name)),
        );
        for (rname, route) in &gw.routes {
            let spec = Obj::new().opt("Priority", route.priority);
            let spec = match self.checked.gateway_route_kind(route) {
                GatewayRouteKind::Http(h) => spec.set("HttpRoute", gateway_http_route(h)),
                GatewayRouteKind::Http2(h) => spec.set("Http2Route", gateway_http_route(h)),
                GatewayRouteKind::Grpc(g) => spec.set("GrpcRoute", gateway_grpc_route(g)),
            };
            let props = self
                .in_mesh(Obj::new().set("GatewayRouteName", rname))
                .set(
                    "VirtualGatewayName",
                    Value::Ref(gateway_id(name), Attr::Name),
                )
                .set("Spec", spec);
            self.add(
                ResourceId::new(Kind::GatewayRoute, format!("{name}/{rname}")),
                path.key("routes").key(rname),
                props,
                &route.tags,
            );
        }
    }
}

fn certificate(c: &Certificate) -> Value {
    if let Some(arn) = &c.acm {
        Obj::new()
            .set("ACM", Obj::new().set("CertificateArn", arn))
            .into()
    } else if let Some(f) = &c.file {
        Obj::new()
            .set(
                "File",
                Obj::new()
                    .set("CertificateChain", &f.certificate_chain)
                    .set("PrivateKey", &f.private_key),
            )
            .into()
    } else if let Some(s) = &c.sds {
        Obj::new()
            .set("SDS", Obj::new().set("SecretName", s))
            .into()
    } else {
        Obj::new().into()
    }
}

fn validation(v: &TlsValidation) -> Value {
    let trust = if let Some(arns) = &v.trust.acm {
        Obj::new().set(
            "ACM",
            Obj::new().set(
                "CertificateAuthorityArns",
                arns.iter().map(Value::from).collect::<Vec<_>>(),
            ),
        )
    } else if let Some(f) = &v.trust.file {
        Obj::new().set(
            "File",
            Obj::new().set("CertificateChain", &f.certificate_chain),
        )
    } else if let Some(s) = &v.trust.sds {
        Obj::new().set("SDS", Obj::new().set("SecretName", s))
    } else {
        Obj::new()
    };
    let sans: Vec<Value> = v
        .subject_alternative_names
        .iter()
        .map(Value::from)
        .collect();
    let mut o = Obj::new().set("Trust", trust);
    if !sans.is_empty() {
        o = o.set(
            "SubjectAlternativeNames",
            Obj::new().set("Match", Obj::new().set("Exact", sans)),
        );
    }
    o.into()
}

/// `None` for `mode: disabled` without a certificate: the API requires a certificate in every
/// listener TLS block, and leaving the block out means the same thing (no TLS).
fn listener_tls(t: &ListenerTls) -> Option<Value> {
    if t.mode == TlsMode::Disabled && t.certificate.is_none() {
        return None;
    }
    let tls: Value = Obj::new()
        .set(
            "Mode",
            match t.mode {
                TlsMode::Strict => "STRICT",
                TlsMode::Permissive => "PERMISSIVE",
                TlsMode::Disabled => "DISABLED",
            },
        )
        .opt("Certificate", t.certificate.as_ref().map(certificate))
        .opt("Validation", t.validation.as_ref().map(validation))
        .into();
    Some(tls)
}

fn client_policy(cp: &ClientPolicy) -> Value {
    let mut o = Obj::new();
    if let Some(t) = &cp.tls {
        o = o.set(
            "TLS",
            Obj::new()
                .opt("Enforce", t.enforce)
                .list("Ports", t.ports.iter().map(|p| Value::from(*p)).collect())
                .opt("Certificate", t.certificate.as_ref().map(certificate))
                .set("Validation", validation(&t.validation)),
        );
    }
    o.into()
}

fn backend_defaults(bd: &BackendDefaults) -> Value {
    Obj::new()
        .opt("ClientPolicy", bd.client_policy.as_ref().map(client_policy))
        .into()
}

fn access_log(al: &AccessLog) -> Value {
    let format = al.format.as_ref().map(|f| {
        if let Some(json) = &f.json {
            Obj::new().set("Json", key_values(json))
        } else {
            Obj::new().opt("Text", f.text.as_ref())
        }
    });
    Obj::new()
        .set(
            "AccessLog",
            Obj::new().set(
                "File",
                Obj::new().set("Path", &al.path).opt("Format", format),
            ),
        )
        .into()
}

fn header_matches(m: &BTreeMap<String, OneOrMany<HeaderMatch>>) -> Vec<Value> {
    let mut out = Vec::new();
    for (name, list) in m {
        for h in list.iter() {
            let mut inner = Obj::new()
                .opt("Exact", h.exact.as_ref())
                .opt("Prefix", h.prefix.as_ref())
                .opt("Suffix", h.suffix.as_ref())
                .opt("Regex", h.regex.as_ref());
            if let Some(r) = &h.range {
                inner = inner.set("Range", Obj::new().set("Start", r.start).set("End", r.end));
            }
            let mut o = Obj::new().set("Name", name).opt("Invert", h.invert);
            if !inner.is_empty() {
                o = o.set("Match", inner);
            }
            out.push(o.into());
        }
    }
    out
}

fn query_matches(m: &BTreeMap<String, OneOrMany<QueryParameterMatch>>) -> Vec<Value> {
    let mut out = Vec::new();
    for (name, list) in m {
        for q in list.iter() {
            let o = Obj::new().set("Name", name).opt(
                "Match",
                q.exact.as_ref().map(|e| Obj::new().set("Exact", e)),
            );
            out.push(o.into());
        }
    }
    out
}

fn path_match(p: &PathMatch) -> Value {
    Obj::new()
        .opt("Exact", p.exact.as_ref())
        .opt("Regex", p.regex.as_ref())
        .into()
}

fn weighted_targets(t: &BTreeMap<String, Short<WeightedTarget>>) -> Value {
    let list: Vec<Value> = t
        .iter()
        .map(|(node, t)| {
            Obj::new()
                .set("VirtualNode", Value::Ref(node_id(node), Attr::Name))
                .set("Weight", t.weight)
                .opt("Port", t.port)
                .into()
        })
        .collect();
    Obj::new().set("WeightedTargets", list).into()
}

fn retry(r: &RetryPolicy, grpc: bool) -> Value {
    let strs = |v: &Vec<String>| v.iter().map(Value::from).collect::<Vec<_>>();
    let mut o = Obj::new()
        .set("MaxRetries", r.max_retries)
        .set("PerRetryTimeout", duration(r.per_retry_timeout))
        .list("HttpRetryEvents", strs(&r.http_events))
        .list("TcpRetryEvents", strs(&r.tcp_events));
    if grpc {
        o = o.list("GrpcRetryEvents", strs(&r.grpc_events));
    }
    o.into()
}

fn route_timeout(t: &RouteTimeout) -> Value {
    Obj::new()
        .opt("PerRequest", t.per_request.map(duration))
        .opt("Idle", t.idle.map(duration))
        .into()
}

fn http_route(h: &HttpRoute) -> Value {
    let m = &h.matches;
    let matches = Obj::new()
        .opt("Prefix", m.prefix.as_ref())
        .opt("Path", m.path.as_ref().map(path_match))
        .list("Headers", header_matches(&m.headers))
        .list("QueryParameters", query_matches(&m.query_parameters))
        .opt("Method", m.method.map(|x| x.as_str()))
        .opt(
            "Scheme",
            m.scheme.map(|s| match s {
                Scheme::Http => "http",
                Scheme::Https => "https",
            }),
        )
        .opt("Port", m.port);
    Obj::new()
        .set("Match", matches)
        .set("Action", weighted_targets(&h.targets))
        .opt("RetryPolicy", h.retry.as_ref().map(|r| retry(r, false)))
        .opt("Timeout", h.timeout.as_ref().map(route_timeout))
        .into()
}

fn grpc_route(g: &GrpcRoute) -> Value {
    let m = &g.matches;
    let matches = Obj::new()
        .opt("ServiceName", m.service_name.as_ref())
        .opt("MethodName", m.method_name.as_ref())
        .list("Metadata", header_matches(&m.metadata))
        .opt("Port", m.port);
    Obj::new()
        .set("Match", matches)
        .set("Action", weighted_targets(&g.targets))
        .opt("RetryPolicy", g.retry.as_ref().map(|r| retry(r, true)))
        .opt("Timeout", g.timeout.as_ref().map(route_timeout))
        .into()
}

fn tcp_route(t: &TcpRoute) -> Value {
    let mut o = Obj::new().set("Action", weighted_targets(&t.targets));
    if let Some(port) = t.matches.as_ref().and_then(|m| m.port) {
        o = o.set("Match", Obj::new().set("Port", port));
    }
    if let Some(idle) = t.timeout.as_ref().and_then(|x| x.idle) {
        o = o.set("Timeout", Obj::new().set("Idle", duration(idle)));
    }
    o.into()
}

fn gateway_target(t: &GatewayTarget) -> Value {
    Obj::new()
        .set(
            "VirtualService",
            Obj::new().set(
                "VirtualServiceName",
                Value::Ref(service_id(&t.virtual_service), Attr::Name),
            ),
        )
        .opt("Port", t.port)
        .into()
}

fn hostname_match(h: &HostnameMatch) -> Value {
    Obj::new()
        .opt("Exact", h.exact.as_ref())
        .opt("Suffix", h.suffix.as_ref())
        .into()
}

fn gateway_http_route(h: &GatewayHttpRoute) -> Value {
    let m = &h.matches;
    let matches = Obj::new()
        .opt("Prefix", m.prefix.as_ref())
        .opt("Path", m.path.as_ref().map(path_match))
        .list("Headers", header_matches(&m.headers))
        .list("QueryParameters", query_matches(&m.query_parameters))
        .opt("Method", m.method.map(|x| x.as_str()))
        .opt("Port", m.port)
        .opt("Hostname", m.hostname.as_ref().map(hostname_match));
    let mut action = Obj::new().set("Target", gateway_target(&h.target));
    if let Some(rw) = &h.rewrite {
        let prefix = rw.prefix.as_ref().map(|p| {
            Obj::new()
                .opt("DefaultPrefix", p.default_prefix.map(toggle))
                .opt("Value", p.value.as_ref())
        });
        action = action.set(
            "Rewrite",
            Obj::new()
                .opt(
                    "Hostname",
                    rw.hostname
                        .map(|t| Obj::new().set("DefaultTargetHostname", toggle(t))),
                )
                .opt("Prefix", prefix)
                .opt(
                    "Path",
                    rw.path.as_ref().map(|p| Obj::new().set("Exact", &p.exact)),
                ),
        );
    }
    Obj::new()
        .set("Match", matches)
        .set("Action", action)
        .into()
}

fn gateway_grpc_route(g: &GatewayGrpcRoute) -> Value {
    let m = &g.matches;
    let matches = Obj::new()
        .opt("ServiceName", m.service_name.as_ref())
        .opt("Hostname", m.hostname.as_ref().map(hostname_match))
        .list("Metadata", header_matches(&m.metadata))
        .opt("Port", m.port);
    let mut action = Obj::new().set("Target", gateway_target(&g.target));
    if let Some(h) = g.rewrite.as_ref().and_then(|r| r.hostname) {
        action = action.set(
            "Rewrite",
            Obj::new().set(
                "Hostname",
                Obj::new().set("DefaultTargetHostname", toggle(h)),
            ),
        );
    }
    Obj::new()
        .set("Match", matches)
        .set("Action", action)
        .into()
}
