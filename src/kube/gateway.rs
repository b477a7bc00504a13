//! The Gateway API objects (`gateway.networking.k8s.io`, v1.5 standard channel) and the AWS
//! Gateway API Controller's policies (`application-networking.k8s.aws/v1alpha1`, v2.1.3) that
//! meshsynth writes, with only the fields it sets. Field names are the CRDs'.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{ObjectMeta, Resource};

/// The file under `kubernetes/manifests/` the Gateway, the routes and the policies go to.
pub const MANIFEST_FILE: &str = "40-gateway-api.yaml";

/// The Gateway API's group, as `targetRef`s and `from`s name it.
pub const GATEWAY_GROUP: &str = "gateway.networking.k8s.io";
/// The GatewayClass the controller installs.
pub const GATEWAY_CLASS: &str = "amazon-vpc-lattice";
/// The controller's annotations and TLS option.
pub const CERTIFICATE_ARN_OPTION: &str = "application-networking.k8s.aws/certificate-arn";
pub const SERVICE_NAME_OVERRIDE: &str = "application-networking.k8s.aws/service-name-override";

/// `application-networking.k8s.aws/rule-{i}-priority`: the Lattice priority of the route's
/// rule `i` (0-based), passed to Lattice as is.
pub fn rule_priority_annotation(i: usize) -> String {
    format!("application-networking.k8s.aws/rule-{i}-priority")
}

macro_rules! resource {
    ($t:ty, $v:literal, $k:literal) => {
        impl Resource for $t {
            const API_VERSION: &'static str = $v;
            const KIND: &'static str = $k;
        }
    };
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gateway {
    pub metadata: ObjectMeta,
    pub spec: GatewaySpec,
}
resource!(Gateway, "gateway.networking.k8s.io/v1", "Gateway");

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewaySpec {
    pub gateway_class_name: String,
    pub listeners: Vec<Listener>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Listener {
    pub name: String,
    pub protocol: String,
    pub port: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<ListenerTls>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_routes: Option<AllowedRoutes>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListenerTls {
    /// `Terminate`.
    pub mode: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub certificate_refs: Vec<SecretRef>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretRef {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllowedRoutes {
    pub namespaces: RouteNamespaces,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteNamespaces {
    /// `All`, `Same` or `Selector`.
    pub from: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelSelectorRequirement {
    pub key: String,
    /// `In`.
    pub operator: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParentRef {
    pub group: String,
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub section_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackendRef {
    pub group: String,
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub port: u32,
    pub weight: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeaderMatch {
    /// `Exact`: the only type the controller takes.
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteSpec<R> {
    pub parent_refs: Vec<ParentRef>,
    pub hostnames: Vec<String>,
    pub rules: Vec<R>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpRoute {
    pub metadata: ObjectMeta,
    pub spec: RouteSpec<HttpRouteRule>,
}
resource!(HttpRoute, "gateway.networking.k8s.io/v1", "HTTPRoute");

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// One match at most (the controller takes no more); none matches every request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<HttpRouteMatch>,
    /// None: Lattice answers 500.
    pub backend_refs: Vec<BackendRef>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HttpRouteMatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathMatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<HeaderMatch>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathMatch {
    /// `Exact` or `PathPrefix`.
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrpcRoute {
    pub metadata: ObjectMeta,
    pub spec: RouteSpec<GrpcRouteRule>,
}
resource!(GrpcRoute, "gateway.networking.k8s.io/v1", "GRPCRoute");

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GrpcRouteRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<GrpcRouteMatch>,
    pub backend_refs: Vec<BackendRef>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GrpcRouteMatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<GrpcMethodMatch>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<HeaderMatch>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrpcMethodMatch {
    /// `Exact`.
    #[serde(rename = "type")]
    pub kind: String,
    pub service: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

/// Lets routes in `from`'s namespace forward to Services in this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferenceGrant {
    pub metadata: ObjectMeta,
    pub spec: ReferenceGrantSpec,
}
resource!(
    ReferenceGrant,
    "gateway.networking.k8s.io/v1beta1",
    "ReferenceGrant"
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferenceGrantSpec {
    pub from: Vec<ReferenceGrantFrom>,
    pub to: Vec<ReferenceGrantTo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferenceGrantFrom {
    pub group: String,
    pub kind: String,
    pub namespace: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferenceGrantTo {
    pub group: String,
    pub kind: String,
    pub name: String,
}

/// What a policy attaches to (in its own namespace: the controller's policies take targets of
/// their namespace only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetRef {
    /// `gateway.networking.k8s.io`, or empty for a core Service.
    pub group: String,
    pub kind: String,
    pub name: String,
}

/// Protocol and health check of the Lattice target groups of a Service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetGroupPolicy {
    pub metadata: ObjectMeta,
    pub spec: TargetGroupPolicySpec,
}
resource!(
    TargetGroupPolicy,
    "application-networking.k8s.aws/v1alpha1",
    "TargetGroupPolicy"
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetGroupPolicySpec {
    pub target_ref: TargetRef,
    /// `HTTP`.
    pub protocol: String,
    /// `HTTP1` or `HTTP2` (a GRPCRoute's target groups are GRPC whatever this says).
    pub protocol_version: String,
    pub health_check: HealthCheck,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthCheck {
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Unset: each target group's own port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthy_threshold_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unhealthy_threshold_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_match: Option<String>,
}

/// A Lattice auth policy on the Gateway's service network or a route's service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IamAuthPolicy {
    pub metadata: ObjectMeta,
    pub spec: IamAuthPolicySpec,
}
resource!(
    IamAuthPolicy,
    "application-networking.k8s.aws/v1alpha1",
    "IAMAuthPolicy"
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IamAuthPolicySpec {
    pub target_ref: TargetRef,
    /// The IAM policy document, as JSON text.
    pub policy: String,
}

/// The service network's VPC association (the cluster's VPC) and its security groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VpcAssociationPolicy {
    pub metadata: ObjectMeta,
    pub spec: VpcAssociationPolicySpec,
}
resource!(
    VpcAssociationPolicy,
    "application-networking.k8s.aws/v1alpha1",
    "VpcAssociationPolicy"
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VpcAssociationPolicySpec {
    pub target_ref: TargetRef,
    pub associate_with_vpc: bool,
    pub security_group_ids: Vec<String>,
}

/// An access-log subscription of the Gateway's service network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessLogPolicy {
    pub metadata: ObjectMeta,
    pub spec: AccessLogPolicySpec,
}
resource!(
    AccessLogPolicy,
    "application-networking.k8s.aws/v1alpha1",
    "AccessLogPolicy"
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessLogPolicySpec {
    pub target_ref: TargetRef,
    pub destination_arn: String,
}
