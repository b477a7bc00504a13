use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::{
    AccessLog, BackendDefaults, ConnectionPool, HeaderMatch, HealthCheck, HttpMethod, ListenerTls,
    OneOrMany, PathMatch, Protocol, QueryParameterMatch, Short, ShortForm, Toggle,
};

/// A virtual gateway: an ingress Envoy that sends outside traffic to virtual services.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct VirtualGateway {
    /// Listeners (`http`, `http2` or `grpc`; at least one).
    #[serde(default)]
    pub listeners: Vec<GatewayListener>,
    /// The client policy for calls to virtual services.
    #[serde(default)]
    pub backend_defaults: Option<BackendDefaults>,
    /// Envoy access logging for this gateway.
    #[serde(default)]
    pub access_log: Option<AccessLog>,
    /// Gateway routes, keyed by their App Mesh name.
    #[serde(default)]
    pub routes: BTreeMap<String, GatewayRoute>,
    /// Tags for this gateway only.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A gateway listener.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct GatewayListener {
    /// The port (1–65535).
    pub port: u32,
    /// `http`, `http2` or `grpc` (gateways have no `tcp`).
    pub protocol: Protocol,
    /// Active health checking of the gateway.
    #[serde(default)]
    pub health_check: Option<HealthCheck>,
    /// Connection pool limits.
    #[serde(default)]
    pub connection_pool: Option<ConnectionPool>,
    /// TLS termination.
    #[serde(default)]
    pub tls: Option<ListenerTls>,
}

/// A gateway route: set exactly one of `http`, `http2` and `grpc`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct GatewayRoute {
    /// Priority, 0 (first) to 1000.
    #[serde(default)]
    pub priority: Option<u32>,
    /// An HTTP/1.1 gateway route.
    #[serde(default)]
    pub http: Option<GatewayHttpRoute>,
    /// An HTTP/2 gateway route.
    #[serde(default)]
    pub http2: Option<GatewayHttpRoute>,
    /// A gRPC gateway route.
    #[serde(default)]
    pub grpc: Option<GatewayGrpcRoute>,
    /// Tags for this gateway route only.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl GatewayRoute {
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
        v
    }
    pub fn target(&self) -> Option<&GatewayTarget> {
        if let Some(r) = &self.http {
            return Some(&r.target);
        }
        if let Some(r) = &self.http2 {
            return Some(&r.target);
        }
        self.grpc.as_ref().map(|r| &*r.target)
    }
    pub fn match_port(&self) -> Option<u32> {
        if let Some(r) = &self.http {
            return r.matches.port;
        }
        if let Some(r) = &self.http2 {
            return r.matches.port;
        }
        self.grpc.as_ref().and_then(|r| r.matches.port)
    }
}

/// An HTTP or HTTP/2 gateway route.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct GatewayHttpRoute {
    /// What requests this route takes. Set `prefix` or `path`.
    #[serde(rename = "match")]
    pub matches: GatewayHttpMatch,
    /// The virtual service requests go to: a name, or `{ virtual_service, port }`.
    pub target: Short<GatewayTarget>,
    /// How the request is rewritten. App Mesh default: the host becomes the target's name and the
    /// matched prefix becomes `/`.
    #[serde(default)]
    pub rewrite: Option<HttpRewrite>,
}

/// A gateway HTTP match.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct GatewayHttpMatch {
    /// Path prefix; starts with `/`. `/aws-appmesh*` and `/aws-app-mesh*` are reserved.
    #[serde(default)]
    pub prefix: Option<String>,
    /// Whole-path match: `{ exact: /x }` or `{ regex: ... }`.
    #[serde(default)]
    pub path: Option<PathMatch>,
    /// Header name → one match or a list of matches (at most 10 in all).
    #[serde(default)]
    pub headers: BTreeMap<String, OneOrMany<HeaderMatch>>,
    /// Query parameter name → one match or a list (at most 10 in all).
    #[serde(default)]
    pub query_parameters: BTreeMap<String, OneOrMany<QueryParameterMatch>>,
    /// HTTP method (not expressible with the Terraform AWS provider).
    #[serde(default)]
    pub method: Option<HttpMethod>,
    /// The gateway listener port; required when the gateway has several listeners.
    #[serde(default)]
    pub port: Option<u32>,
    /// Host name match: `{ exact: api.example.com }` or `{ suffix: .example.com }`.
    #[serde(default)]
    pub hostname: Option<HostnameMatch>,
}

/// A host name match: set exactly one.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct HostnameMatch {
    /// The exact host name (1–253 characters).
    #[serde(default)]
    pub exact: Option<String>,
    /// A host name suffix (1–253 characters).
    #[serde(default)]
    pub suffix: Option<String>,
}

/// The target of a gateway route.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct GatewayTarget {
    /// The virtual service's name.
    pub virtual_service: String,
    /// The provider's listener port; required when the provider has several listeners.
    #[serde(default)]
    pub port: Option<u32>,
}

impl ShortForm for GatewayTarget {
    type Short = String;
    fn short_schema() -> serde_json::Value {
        serde_json::json!({ "type": "string", "description": "The virtual service's name." })
    }
    fn from_short(virtual_service: String) -> Self {
        GatewayTarget {
            virtual_service,
            port: None,
        }
    }
}

/// HTTP rewrites.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct HttpRewrite {
    /// `enabled` (App Mesh default) rewrites the Host header to the target's name; `disabled` keeps it.
    #[serde(default)]
    pub hostname: Option<Toggle>,
    /// A new prefix (`/x/`), or `{ default_prefix: disabled }` to keep the matched prefix.
    #[serde(default)]
    pub prefix: Option<Short<PrefixRewrite>>,
    /// Replace the whole path (only with a `path: { exact }` match).
    #[serde(default)]
    pub path: Option<PathRewrite>,
}

/// A prefix rewrite.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct PrefixRewrite {
    /// `enabled` (App Mesh default) rewrites the matched prefix to `/`; `disabled` keeps it.
    #[serde(default)]
    pub default_prefix: Option<Toggle>,
    /// The prefix that replaces the matched prefix.
    #[serde(default)]
    pub value: Option<String>,
}

impl ShortForm for PrefixRewrite {
    type Short = String;
    fn short_schema() -> serde_json::Value {
        serde_json::json!({ "type": "string", "description": "The prefix that replaces the matched prefix." })
    }
    fn from_short(value: String) -> Self {
        PrefixRewrite {
            default_prefix: None,
            value: Some(value),
        }
    }
}

/// A whole-path rewrite.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct PathRewrite {
    /// The new path.
    pub exact: String,
}

/// A gRPC gateway route.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct GatewayGrpcRoute {
    /// What calls this route takes.
    #[serde(rename = "match", default)]
    pub matches: GatewayGrpcMatch,
    /// The virtual service calls go to: a name, or `{ virtual_service, port }`.
    pub target: Short<GatewayTarget>,
    /// Rewrites.
    #[serde(default)]
    pub rewrite: Option<GrpcRewrite>,
}

/// A gateway gRPC match.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct GatewayGrpcMatch {
    /// Fully qualified gRPC service name. `aws.app-mesh*` and `aws.appmesh` are reserved.
    #[serde(default)]
    pub service_name: Option<String>,
    /// Host name match (not expressible with the Terraform AWS provider).
    #[serde(default)]
    pub hostname: Option<HostnameMatch>,
    /// Metadata name → one match or a list (at most 10; not expressible with the Terraform AWS provider).
    #[serde(default)]
    pub metadata: BTreeMap<String, OneOrMany<HeaderMatch>>,
    /// The gateway listener port.
    #[serde(default)]
    pub port: Option<u32>,
}

/// gRPC rewrites.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct GrpcRewrite {
    /// `enabled` (App Mesh default) rewrites the host to the target's name (not expressible with the
    /// Terraform AWS provider).
    #[serde(default)]
    pub hostname: Option<Toggle>,
}
