//! The raw spec: exactly what the YAML says, nothing resolved.
//!
//! These types mirror the wire format and carry the doc comments that become the
//! JSON Schema's descriptions. They are deliberately permissive about values
//! (ports are `u32`, retry events are strings) so that `check` can report
//! every mistake at once with a path, instead of serde stopping at the first.
//! Field names are the YAML keys, so an error path reads like the YAML.

mod airflow;
mod de;
mod gateway;
mod lattice;
pub mod limits;
pub mod load;
mod node;
mod observability;
pub mod paths;
mod routing;
pub mod schema;
pub mod shapes;
mod source;
mod tls;
mod yaml;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

pub use airflow::{
    names as airflow_names, Airflow, AirflowPlatform, AirflowSecrets, AirflowVersion, ClusterRef,
    ComponentSize, Components, ConnType, Connection, DagSource, DagTask, EfsDags, Egress,
    EksSettings, Executor, LaunchType, Major, ProviderVersion, S3Dags, SecretRef, TaskRunner,
    Workers, Workload,
};
pub use gateway::*;
pub use lattice::{HostedZone, LatticeAuth, LatticeSettings, MeshBackend};
pub use node::*;
pub use observability::{
    AlarmThresholds, Alarms, Notify, Observability, Percent, ServiceAlarms, Tracing,
};
pub use routing::*;
pub use shapes::{Amount, Duration, OneOrMany, Short, ShortForm};
pub use tls::*;

/// A meshsynth spec: one App Mesh service mesh and the services in it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(title = "meshsynth spec")]
pub struct Spec {
    /// Project name. Prefixes account-wide names (IAM roles, log groups, export names); letters, digits and `-`.
    pub name: String,
    /// The App Mesh service mesh.
    pub mesh: Mesh,
    /// Service discovery of the mesh: a Cloud Map private DNS namespace that meshsynth creates,
    /// or one that already exists.
    #[serde(default)]
    pub service_discovery: Option<ServiceDiscoveryDefaults>,
    /// Virtual nodes, keyed by their App Mesh name. A virtual node stands for one version of one service (its Envoy).
    #[serde(default)]
    pub virtual_nodes: BTreeMap<String, VirtualNode>,
    /// Virtual routers, keyed by their App Mesh name. A router spreads a virtual service's traffic over virtual nodes.
    #[serde(default)]
    pub virtual_routers: BTreeMap<String, VirtualRouter>,
    /// Virtual services, keyed by their name (usually a DNS name such as `orders.orders.internal`).
    #[serde(default)]
    pub virtual_services: BTreeMap<String, VirtualService>,
    /// Virtual gateways (ingress Envoys) with their gateway routes, keyed by their App Mesh name.
    #[serde(default)]
    pub virtual_gateways: BTreeMap<String, VirtualGateway>,
    /// Apache Airflow on Amazon ECS, whose tasks call the mesh's services through Envoy.
    #[serde(default)]
    pub airflow: Option<Airflow>,
    /// Virtual nodes run as ECS services by meshsynth, keyed by the virtual node's name.
    #[serde(default)]
    pub workloads: BTreeMap<String, Workload>,
    /// Metrics, tracing, access logs, alarms, the dashboard and saved queries. Default: metrics
    /// and access logs on, no tracing, no alarms.
    #[serde(default)]
    pub observability: Option<Observability>,
    /// Tags put on every resource meshsynth creates. A resource's own `tags` win over these.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// What the raw spec says provides a virtual service, as far as ports are concerned. The rules
/// ask this of a spec whose names may not resolve (hence `Unknown`); lowerings ask
/// [`crate::check::Checked::provider`], where every name resolves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderListeners {
    /// The service, or its provider, does not exist (reported by the reference rules).
    Unknown,
    /// `{}`: a virtual service without a provider.
    Nothing,
    /// The provider router's or node's listeners: how it is named, and (port, protocol) pairs.
    Listeners(String, Vec<(u32, Protocol)>),
}

impl Spec {
    /// `observability:`, or its defaults.
    pub fn observability(&self) -> Observability {
        self.observability.clone().unwrap_or_default()
    }

    /// The spec's Cloud Map namespace (`service_discovery.cloud_map`), which nodes use unless
    /// they name another: one meshsynth creates, or with `existing` one that exists already.
    pub fn namespace(&self) -> Option<&CloudMapNamespace> {
        self.service_discovery.as_ref()?.cloud_map.as_ref()
    }

    /// The Cloud Map namespace meshsynth creates, with its Cloud Map services: the spec's,
    /// unless it already exists.
    pub fn created_namespace(&self) -> Option<&CloudMapNamespace> {
        self.namespace().filter(|n| !n.existing)
    }

    /// Whether a node's Cloud Map discovery uses the spec's namespace: it names none, or names
    /// that one.
    pub fn in_own_namespace(&self, cm: &CloudMapDiscovery) -> bool {
        match (&cm.namespace, self.namespace()) {
            (None, _) => true,
            (Some(n), Some(d)) => *n == d.namespace,
            (Some(_), None) => false,
        }
    }

    pub fn provider_listeners(&self, service: &str) -> ProviderListeners {
        let Some(vs) = self.virtual_services.get(service) else {
            return ProviderListeners::Unknown;
        };
        let found = match (&vs.router, &vs.node) {
            (Some(r), None) => self.virtual_routers.get(r).map(|router| {
                let ls = router.listeners.iter().map(|l| (l.port, l.protocol));
                (format!("virtual router `{r}`"), ls.collect())
            }),
            (None, Some(n)) => self.virtual_nodes.get(n).map(|node| {
                let ls = node.listeners.iter().map(|l| (l.port, l.protocol));
                (format!("virtual node `{n}`"), ls.collect())
            }),
            (None, None) => return ProviderListeners::Nothing,
            (Some(_), Some(_)) => None,
        };
        match found {
            Some((owner, listeners)) => ProviderListeners::Listeners(owner, listeners),
            None => ProviderListeners::Unknown,
        }
    }

    /// The listener ports of a virtual service's provider (empty when it has none or is unknown).
    pub fn provider_ports(&self, service: &str) -> Vec<u32> {
        match self.provider_listeners(service) {
            ProviderListeners::Listeners(_, ls) => ls.into_iter().map(|(p, _)| p).collect(),
            ProviderListeners::Unknown | ProviderListeners::Nothing => Vec::new(),
        }
    }
}

/// The mesh itself.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct Mesh {
    /// The mesh name (1–255 letters, digits, `-` and `_`).
    pub name: String,
    /// What Envoy does with traffic to destinations outside the mesh. Default: `drop_all` (the App Mesh default).
    #[serde(default)]
    pub egress_filter: Option<EgressFilter>,
    /// The IP version Envoy prefers for every node; nodes can override it in their service discovery.
    #[serde(default)]
    pub ip_preference: Option<IpPreference>,
    /// For a mesh shared with this account through AWS RAM: the 12-digit account ID that owns it.
    /// meshsynth then creates no mesh, and sets `MeshOwner` on every resource it creates in the mesh.
    #[serde(default)]
    pub owner: Option<String>,
    /// The mesh already exists in this account (created by another stack): meshsynth creates no
    /// mesh and refers to it by name. On VPC Lattice the service network exists too: its ID or
    /// ARN is the `lattice_service_network_id` parameter / variable. Default: `false`.
    #[serde(default)]
    pub existing: bool,
    /// Tags for the mesh resource only.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Which AWS service renders the mesh: `app_mesh` (default; AWS ended App Mesh on
    /// 2026-09-30) or `vpc_lattice`. `meshsynth synth --backend` overrides it.
    #[serde(default)]
    pub backend: Option<MeshBackend>,
    /// Settings of the VPC Lattice backend (all optional).
    #[serde(default)]
    pub lattice: Option<LatticeSettings>,
}

impl Mesh {
    /// Whether another stack or account created the mesh, so this spec creates none.
    pub fn exists(&self) -> bool {
        self.existing || self.owner.is_some()
    }

    /// The backend the spec asks for.
    pub fn backend(&self) -> MeshBackend {
        self.backend.unwrap_or_default()
    }

    /// The Lattice settings, defaults where the spec says nothing.
    pub fn lattice(&self) -> LatticeSettings {
        self.lattice.clone().unwrap_or_default()
    }
}

/// Egress filter of the mesh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EgressFilter {
    /// Only mesh backends and `*.amazonaws.com` are reachable (App Mesh default).
    DropAll,
    /// Any destination is reachable.
    AllowAll,
}

/// IP version preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IpPreference {
    /// IPv4 only.
    Ipv4Only,
    /// IPv4 first, IPv6 as a fallback.
    Ipv4Preferred,
    /// IPv6 only.
    Ipv6Only,
    /// IPv6 first, IPv4 as a fallback.
    Ipv6Preferred,
}

/// Mesh-wide service discovery.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ServiceDiscoveryDefaults {
    /// A Cloud Map private DNS namespace that meshsynth creates in the VPC (or, with `existing`,
    /// one that exists); every `cloud_map` node uses it unless it names another namespace.
    #[serde(default)]
    pub cloud_map: Option<CloudMapNamespace>,
}

/// The mesh's Cloud Map namespace.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct CloudMapNamespace {
    /// The namespace's DNS name, e.g. `orders.internal`.
    pub namespace: String,
    /// TTL in seconds of the A records Cloud Map creates for each task. Default: 60.
    #[serde(default)]
    pub dns_ttl: Option<u32>,
    /// The namespace and the Cloud Map services nodes name in it already exist: meshsynth
    /// creates neither and refers to them by name. ECS services that register in one read its
    /// ARN from a `cloud_map_service_<service>_arn` parameter / variable. Default: `false`.
    #[serde(default)]
    pub existing: bool,
}

/// A virtual service: the name clients call. Its provider is a router, a node, or nothing (`{}`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct VirtualService {
    /// The virtual router that provides this service.
    #[serde(default)]
    pub router: Option<String>,
    /// The virtual node that provides this service.
    #[serde(default)]
    pub node: Option<String>,
    /// This service's alarms: `false` for none, or thresholds that override
    /// `observability.alarms` (`{ latency_p99: 500ms }`).
    #[serde(default)]
    pub alarms: Option<ServiceAlarms>,
    /// Tags for this virtual service only.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// The transport protocol of a listener, route or health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// HTTP/1.1.
    Http,
    /// HTTP/2.
    Http2,
    /// gRPC.
    Grpc,
    /// Plain TCP.
    Tcp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Http2 => "http2",
            Protocol::Grpc => "grpc",
            Protocol::Tcp => "tcp",
        }
    }
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Access logging of an Envoy.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct AccessLog {
    /// The file Envoy writes access logs to, e.g. `/dev/stdout`.
    pub path: String,
    /// The log format. Default: Envoy's default text format.
    #[serde(default)]
    pub format: Option<LogFormat>,
}

/// Access log format: set exactly one of `json` and `text`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct LogFormat {
    /// JSON log lines: field name → Envoy format string, e.g. `status: "%RESPONSE_CODE%"`.
    #[serde(default)]
    pub json: Option<BTreeMap<String, String>>,
    /// A text format string (1–1000 characters).
    #[serde(default)]
    pub text: Option<String>,
}

/// `enabled` or `disabled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Toggle {
    /// Enabled.
    Enabled,
    /// Disabled.
    Disabled,
}
