use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Duration, OneOrMany, Protocol, Short, ShortForm};

/// A virtual router and its routes.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct VirtualRouter {
    /// The router's listeners (at least one); a route's kind must match a listener's protocol.
    #[serde(default)]
    pub listeners: Vec<RouterListener>,
    /// Routes, keyed by their App Mesh name.
    #[serde(default)]
    pub routes: BTreeMap<String, Route>,
    /// Tags for this router only.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A router listener.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct RouterListener {
    /// The port (1–65535).
    pub port: u32,
    /// The protocol; routes of this kind attach to it.
    pub protocol: Protocol,
}

/// A route: set exactly one of `http`, `http2`, `grpc` and `tcp`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct Route {
    /// Priority, 0 (first) to 1000. Routes without one are tried after those with one.
    #[serde(default)]
    pub priority: Option<u32>,
    /// An HTTP/1.1 route.
    #[serde(default)]
    pub http: Option<HttpRoute>,
    /// An HTTP/2 route.
    #[serde(default)]
    pub http2: Option<HttpRoute>,
    /// A gRPC route.
    #[serde(default)]
    pub grpc: Option<GrpcRoute>,
    /// A TCP route.
    #[serde(default)]
    pub tcp: Option<TcpRoute>,
    /// Tags for this route only.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// An HTTP or HTTP/2 route.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct HttpRoute {
    /// What requests this route takes.
    #[serde(rename = "match")]
    pub matches: HttpMatch,
    /// Weighted targets: virtual node → weight (0–100), or → `{ weight, port }`. At most 10.
    pub targets: BTreeMap<String, Short<WeightedTarget>>,
    /// Retry policy.
    #[serde(default)]
    pub retry: Option<RetryPolicy>,
    /// Route timeouts.
    #[serde(default)]
    pub timeout: Option<RouteTimeout>,
}

/// An HTTP request match. Set `prefix` or `path`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct HttpMatch {
    /// Path prefix; starts with `/`.
    #[serde(default)]
    pub prefix: Option<String>,
    /// Whole-path match: `{ exact: /x }` or `{ regex: ... }`.
    #[serde(default)]
    pub path: Option<PathMatch>,
    /// Header name → one match or a list of matches (at most 10 in all).
    #[serde(default)]
    pub headers: BTreeMap<String, OneOrMany<HeaderMatch>>,
    /// Query parameter name → one match or a list of matches (at most 10 in all); `{}` matches presence.
    #[serde(default)]
    pub query_parameters: BTreeMap<String, OneOrMany<QueryParameterMatch>>,
    /// HTTP method.
    #[serde(default)]
    pub method: Option<HttpMethod>,
    /// URL scheme.
    #[serde(default)]
    pub scheme: Option<Scheme>,
    /// The router listener port this route attaches to; required when the router has several listeners.
    #[serde(default)]
    pub port: Option<u32>,
}

/// A whole-path match: set exactly one.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct PathMatch {
    /// The exact path (1–255 characters).
    #[serde(default)]
    pub exact: Option<String>,
    /// A regular expression for the path (1–255 characters).
    #[serde(default)]
    pub regex: Option<String>,
}

/// A header or gRPC metadata match. Set at most one of `exact`, `prefix`, `suffix`, `regex`, `range`;
/// none matches presence.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct HeaderMatch {
    /// The exact value.
    #[serde(default)]
    pub exact: Option<String>,
    /// A value prefix.
    #[serde(default)]
    pub prefix: Option<String>,
    /// A value suffix.
    #[serde(default)]
    pub suffix: Option<String>,
    /// A regular expression for the value.
    #[serde(default)]
    pub regex: Option<String>,
    /// An integer range, `start` inclusive, `end` exclusive.
    #[serde(default)]
    pub range: Option<MatchRange>,
    /// Match when the value does NOT match.
    #[serde(default)]
    pub invert: Option<bool>,
}

/// An integer range.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct MatchRange {
    /// First value in the range.
    pub start: i64,
    /// First value after the range.
    pub end: i64,
}

/// A query parameter match.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct QueryParameterMatch {
    /// The exact value. Without it the parameter only has to be present.
    #[serde(default)]
    pub exact: Option<String>,
}

/// HTTP methods App Mesh matches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[allow(clippy::upper_case_acronyms)]
pub enum HttpMethod {
    GET,
    HEAD,
    POST,
    PUT,
    DELETE,
    CONNECT,
    OPTIONS,
    TRACE,
    PATCH,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::GET => "GET",
            HttpMethod::HEAD => "HEAD",
            HttpMethod::POST => "POST",
            HttpMethod::PUT => "PUT",
            HttpMethod::DELETE => "DELETE",
            HttpMethod::CONNECT => "CONNECT",
            HttpMethod::OPTIONS => "OPTIONS",
            HttpMethod::TRACE => "TRACE",
            HttpMethod::PATCH => "PATCH",
        }
    }
}

/// URL scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// `http`.
    Http,
    /// `https`.
    Https,
}

/// A weighted target.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
// Renamed from `Target` (an output target is one too); the schema keeps its `$defs` name so
// that editors configured with the published schema see no change.
#[schemars(rename = "Target")]
pub struct WeightedTarget {
    /// Relative weight, 0–100.
    pub weight: u32,
    /// The target node's listener port; required when the node has several listeners.
    #[serde(default)]
    pub port: Option<u32>,
}

impl ShortForm for WeightedTarget {
    type Short = u32;
    fn short_schema() -> serde_json::Value {
        serde_json::json!({ "type": "integer", "format": "uint32", "minimum": 0, "description": "Relative weight, 0–100." })
    }
    fn from_short(weight: u32) -> Self {
        WeightedTarget { weight, port: None }
    }
}

/// A retry policy.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct RetryPolicy {
    /// Most retries per request.
    // App Mesh's `MaxRetries` is a signed 64-bit integer: the schema says so, a rule enforces it.
    #[schemars(range(max = 9223372036854775807u64))]
    pub max_retries: u64,
    /// Timeout of each try.
    pub per_retry_timeout: Duration,
    /// HTTP events that cause a retry: `server-error`, `gateway-error`, `client-error`, `stream-error`.
    #[serde(default)]
    pub http_events: Vec<String>,
    /// TCP events that cause a retry: `connection-error`.
    #[serde(default)]
    pub tcp_events: Vec<String>,
    /// gRPC events that cause a retry (gRPC routes only): `cancelled`, `deadline-exceeded`, `internal`,
    /// `resource-exhausted`, `unavailable`.
    #[serde(default)]
    pub grpc_events: Vec<String>,
}

/// Route timeouts.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct RouteTimeout {
    /// Time a request may take. `0s` disables it. App Mesh default: 15s.
    #[serde(default)]
    pub per_request: Option<Duration>,
    /// Time a stream may stay idle.
    #[serde(default)]
    pub idle: Option<Duration>,
}

/// A gRPC route.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct GrpcRoute {
    /// What calls this route takes.
    #[serde(rename = "match", default)]
    pub matches: GrpcMatch,
    /// Weighted targets: virtual node → weight (0–100), or → `{ weight, port }`. At most 10.
    pub targets: BTreeMap<String, Short<WeightedTarget>>,
    /// Retry policy.
    #[serde(default)]
    pub retry: Option<RetryPolicy>,
    /// Route timeouts.
    #[serde(default)]
    pub timeout: Option<RouteTimeout>,
}

/// A gRPC call match.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct GrpcMatch {
    /// Fully qualified gRPC service name, e.g. `inventory.v1.Inventory`.
    #[serde(default)]
    pub service_name: Option<String>,
    /// Method name (1–50 characters); requires `service_name`.
    #[serde(default)]
    pub method_name: Option<String>,
    /// Metadata name → one match or a list of matches (at most 10 in all).
    #[serde(default)]
    pub metadata: BTreeMap<String, OneOrMany<HeaderMatch>>,
    /// The router listener port; required when the router has several listeners.
    #[serde(default)]
    pub port: Option<u32>,
}

/// A TCP route.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TcpRoute {
    /// Which router listener the route attaches to.
    #[serde(rename = "match", default)]
    pub matches: Option<TcpMatch>,
    /// Weighted targets: virtual node → weight (0–100), or → `{ weight, port }`. At most 10.
    pub targets: BTreeMap<String, Short<WeightedTarget>>,
    /// TCP timeouts.
    #[serde(default)]
    pub timeout: Option<TcpTimeout>,
}

/// A TCP route match.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct TcpMatch {
    /// The router listener port.
    #[serde(default)]
    pub port: Option<u32>,
}

/// TCP timeouts.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct TcpTimeout {
    /// Time a connection may stay idle.
    #[serde(default)]
    pub idle: Option<Duration>,
}

impl Route {
    /// The kinds that are set, in a fixed order (validation wants exactly one).
    pub fn kinds(&self) -> Vec<Protocol> {
        let mut v = Vec::new();
        if self.http.is_some() {
            v.push(Protocol::Http);
        }
        if self.http2.is_some() {
            v.push(Protocol::Http2);
        }
        if self.grpc.is_some() {
            v.push(Protocol::Grpc);
        }
        if self.tcp.is_some() {
            v.push(Protocol::Tcp);
        }
        v
    }

    /// The weighted targets of whichever kind is set.
    pub fn targets(&self) -> Option<&BTreeMap<String, Short<WeightedTarget>>> {
        if let Some(r) = &self.http {
            return Some(&r.targets);
        }
        if let Some(r) = &self.http2 {
            return Some(&r.targets);
        }
        if let Some(r) = &self.grpc {
            return Some(&r.targets);
        }
        self.tcp.as_ref().map(|r| &r.targets)
    }

    /// The router listener port the route names, if any.
    pub fn match_port(&self) -> Option<u32> {
        if let Some(r) = &self.http {
            return r.matches.port;
        }
        if let Some(r) = &self.http2 {
            return r.matches.port;
        }
        if let Some(r) = &self.grpc {
            return r.matches.port;
        }
        self.tcp.as_ref().and_then(|r| r.matches.as_ref()?.port)
    }
}
