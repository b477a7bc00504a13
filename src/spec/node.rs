use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::{
    AccessLog, ClientPolicy, Duration, IpPreference, ListenerTls, Protocol, Short, ShortForm,
};

/// A virtual node: one deployable version of a service, represented by its Envoy.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct VirtualNode {
    /// Inbound listeners. A node without listeners is a client only (for example an Airflow task).
    #[serde(default)]
    pub listeners: Vec<NodeListener>,
    /// How Envoys of other nodes find this node's tasks. Required when the node has listeners.
    #[serde(default)]
    pub service_discovery: Option<NodeServiceDiscovery>,
    /// Virtual services this node may call: a name, or `{ virtual_service, client_policy }`.
    #[serde(default)]
    pub backends: Vec<Short<Backend>>,
    /// The client policy for every backend that does not set its own.
    #[serde(default)]
    pub backend_defaults: Option<BackendDefaults>,
    /// Envoy access logging for this node.
    #[serde(default)]
    pub access_log: Option<AccessLog>,
    /// Tags for this node only.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// VPC Lattice backend: the IAM role this node's tasks run as, when meshsynth does not create
    /// it (a node without a workload or Airflow task). The auth policies of its backends allow it.
    #[serde(default)]
    pub iam_role_arn: Option<String>,
}

/// An inbound listener of a virtual node.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct NodeListener {
    /// The port the application listens on (1–65535).
    pub port: u32,
    /// The listener's protocol.
    pub protocol: Protocol,
    /// Active health checking by the Envoys that call this node.
    #[serde(default)]
    pub health_check: Option<HealthCheck>,
    /// Timeouts; `per_request` is not available for `tcp`.
    #[serde(default)]
    pub timeout: Option<ListenerTimeout>,
    /// Passive health checking: eject hosts that return server errors.
    #[serde(default)]
    pub outlier_detection: Option<OutlierDetection>,
    /// Circuit-breaker limits; which fields apply depends on the protocol.
    #[serde(default)]
    pub connection_pool: Option<ConnectionPool>,
    /// TLS termination on this listener.
    #[serde(default)]
    pub tls: Option<ListenerTls>,
}

impl NodeListener {
    /// A listener with nothing but its port and protocol; the one place that spells every field,
    /// so that generated listeners pick up new optional fields as unset.
    pub fn new(port: u32, protocol: Protocol) -> Self {
        Self {
            port,
            protocol,
            health_check: None,
            timeout: None,
            outlier_detection: None,
            connection_pool: None,
            tls: None,
        }
    }
}

/// An active health check.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct HealthCheck {
    /// Protocol of the check. Default: the listener's protocol.
    #[serde(default)]
    pub protocol: Option<Protocol>,
    /// Port of the check; must be the listener's port. Default: the listener's port.
    #[serde(default)]
    pub port: Option<u32>,
    /// HTTP path to check (`http` and `http2` only). Default: `/` for those protocols.
    #[serde(default)]
    pub path: Option<String>,
    /// Time between checks, 5s–300s. Default: 5s.
    #[serde(default)]
    pub interval: Option<Duration>,
    /// Time to wait for an answer, 2s–60s. Default: 2s.
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// Consecutive successes before a host is healthy, 2–10. Default: 2.
    #[serde(default)]
    pub healthy_threshold: Option<u32>,
    /// Consecutive failures before a host is unhealthy, 2–10. Default: 2.
    #[serde(default)]
    pub unhealthy_threshold: Option<u32>,
}

impl HealthCheck {
    pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(5_000);
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(2_000);
    pub const DEFAULT_THRESHOLD: u32 = 2;
}

/// Listener timeouts.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct ListenerTimeout {
    /// Time a request may take (http, http2, grpc). `0s` disables it. App Mesh default: 15s.
    #[serde(default)]
    pub per_request: Option<Duration>,
    /// Time a connection may stay idle.
    #[serde(default)]
    pub idle: Option<Duration>,
}

/// Outlier detection.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct OutlierDetection {
    /// Server errors (5xx) in a row before a host is ejected (≥ 1).
    // App Mesh's `MaxServerErrors` is a signed 64-bit integer: the schema says so, a rule enforces it.
    #[schemars(range(max = 9223372036854775807u64))]
    pub max_server_errors: u64,
    /// Time between ejection sweeps.
    pub interval: Duration,
    /// Base time a host stays ejected (multiplied by the number of ejections).
    pub base_ejection_duration: Duration,
    /// Most hosts, in percent, that may be ejected at once (0–100).
    pub max_ejection_percent: u32,
}

/// Connection pool limits. `http`: `max_connections` and `max_pending_requests`; `http2`/`grpc`:
/// `max_requests`; `tcp`: `max_connections`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct ConnectionPool {
    /// Most outbound connections (http, tcp; ≥ 1).
    #[serde(default)]
    pub max_connections: Option<u32>,
    /// Most requests queued while waiting for a connection (http; ≥ 1).
    #[serde(default)]
    pub max_pending_requests: Option<u32>,
    /// Most requests in flight (http2, grpc; ≥ 1).
    #[serde(default)]
    pub max_requests: Option<u32>,
}

/// Service discovery of a node: set exactly one of `cloud_map` and `dns`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct NodeServiceDiscovery {
    /// Discover tasks through AWS Cloud Map.
    #[serde(default)]
    pub cloud_map: Option<CloudMapDiscovery>,
    /// Discover tasks through DNS.
    #[serde(default)]
    pub dns: Option<DnsDiscovery>,
}

/// Cloud Map discovery.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct CloudMapDiscovery {
    /// The Cloud Map service name. meshsynth creates one Cloud Map service per distinct name in its namespace.
    pub service: String,
    /// The namespace. Default: `service_discovery.cloud_map.namespace`; any other namespace must exist already.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Instance attributes that select this node's tasks among the service's (e.g. `version: v1`).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// IP preference for this node (not expressible with the Terraform AWS provider).
    #[serde(default)]
    pub ip_preference: Option<IpPreference>,
}

/// DNS discovery.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct DnsDiscovery {
    /// The DNS name that resolves to this node's tasks.
    pub hostname: String,
    /// `load_balancer` (App Mesh default) keeps one address; `endpoints` uses every address returned.
    #[serde(default)]
    pub response_type: Option<DnsResponseType>,
    /// IP preference for this node.
    #[serde(default)]
    pub ip_preference: Option<IpPreference>,
}

/// DNS response type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DnsResponseType {
    /// One address, as a load balancer's (App Mesh default).
    LoadBalancer,
    /// Every address returned.
    Endpoints,
}

/// A backend: a virtual service this node may call.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct Backend {
    /// The virtual service's name.
    pub virtual_service: String,
    /// TLS client policy for calls to this backend.
    #[serde(default)]
    pub client_policy: Option<ClientPolicy>,
}

impl ShortForm for Backend {
    type Short = String;
    fn short_schema() -> serde_json::Value {
        serde_json::json!({ "type": "string", "description": "The virtual service's name." })
    }
    fn from_short(virtual_service: String) -> Self {
        Backend {
            virtual_service,
            client_policy: None,
        }
    }
}

/// Defaults for every backend.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct BackendDefaults {
    /// The client policy backends use unless they set their own.
    #[serde(default)]
    pub client_policy: Option<ClientPolicy>,
}
