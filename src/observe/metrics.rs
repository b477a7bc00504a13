//! The metrics each backend emits, with their dimensions: what dashboards and alarms may read.
//!
//! App Mesh: the Envoy metrics extension (`APPMESH_METRIC_EXTENSION_VERSION=1`), 12 metrics, as
//! listed in the App Mesh user guide ("Metrics extension", awsdocs/aws-app-mesh-user-guide
//! `doc_source/metrics.md`) and tagged by aws/amazon-ecs-service-connect-agent
//! `agent/envoy_bootstrap/metric_filter/metric_filter.go`. Envoy's DogStatsD sink names them
//! `envoy.appmesh.<Name>`; the collector keeps those names (the awsemf exporter does not rewrite
//! dots, unlike the CloudWatch agent's statsd input).
//!
//! VPC Lattice: the `AWS/VpcLattice` service metrics, dimension `Service` = the service ID
//! (`svc-...`).

/// Whether an App Mesh metric is measured on the way in (by the node that serves) or on the way
/// out (by the caller, per target).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Dimensions `Mesh`, `VirtualNode`: the serving node's Envoy.
    Inbound,
    /// Dimensions `Mesh`, `VirtualNode` (the caller), `TargetVirtualService`, `TargetVirtualNode`.
    Outbound,
}

/// The prefix Envoy's DogStatsD sink puts before the extension's stats.
pub const APPMESH_PREFIX: &str = "envoy.appmesh.";

/// Every metric of the App Mesh metrics extension, by its short name.
pub const APPMESH_METRICS: [(&str, Direction); 12] = [
    ("ActiveConnectionCount", Direction::Inbound),
    ("NewConnectionCount", Direction::Inbound),
    ("ProcessedBytes", Direction::Inbound),
    ("RequestCount", Direction::Inbound),
    ("GrpcRequestCount", Direction::Inbound),
    ("TargetProcessedBytes", Direction::Outbound),
    ("HTTPCode_Target_2XX_Count", Direction::Outbound),
    ("HTTPCode_Target_3XX_Count", Direction::Outbound),
    ("HTTPCode_Target_4XX_Count", Direction::Outbound),
    ("HTTPCode_Target_5XX_Count", Direction::Outbound),
    ("RequestCountPerTarget", Direction::Outbound),
    ("TargetResponseTime", Direction::Outbound),
];

/// The dimensions of an inbound App Mesh metric.
pub const INBOUND_DIMENSIONS: [&str; 2] = ["Mesh", "VirtualNode"];
/// The dimensions of an outbound App Mesh metric.
pub const OUTBOUND_DIMENSIONS: [&str; 4] = [
    "Mesh",
    "VirtualNode",
    "TargetVirtualService",
    "TargetVirtualNode",
];

/// What the dashboard and alarms read on App Mesh.
pub mod appmesh {
    /// Requests a caller sent to one target node of one virtual service.
    pub const REQUESTS: &str = "RequestCountPerTarget";
    /// Of those, answered 5xx.
    pub const ERRORS_5XX: &str = "HTTPCode_Target_5XX_Count";
    /// Of those, answered 4xx.
    pub const ERRORS_4XX: &str = "HTTPCode_Target_4XX_Count";
    /// The time until the whole response arrived, in milliseconds (a DogStatsD timer).
    pub const LATENCY: &str = "TargetResponseTime";
}

/// The same, measured by a virtual gateway's Envoy.
pub const GATEWAY_INBOUND_DIMENSIONS: [&str; 2] = ["Mesh", "VirtualGateway"];
pub const GATEWAY_OUTBOUND_DIMENSIONS: [&str; 4] = [
    "Mesh",
    "VirtualGateway",
    "TargetVirtualService",
    "TargetVirtualNode",
];

/// Every dimension set the extension emits, nodes' and gateways'.
pub const DIMENSION_SETS: [&[&str]; 4] = [
    &INBOUND_DIMENSIONS,
    &OUTBOUND_DIMENSIONS,
    &GATEWAY_INBOUND_DIMENSIONS,
    &GATEWAY_OUTBOUND_DIMENSIONS,
];

/// The dimension sets of an App Mesh metric by its short name (a node's, then a gateway's);
/// `None` for a name the extension does not emit.
pub fn appmesh_dimension_sets(short: &str) -> Option<[&'static [&'static str]; 2]> {
    APPMESH_METRICS
        .iter()
        .find(|(n, _)| *n == short)
        .map(|(_, d)| match d {
            Direction::Inbound => [&INBOUND_DIMENSIONS[..], &GATEWAY_INBOUND_DIMENSIONS[..]],
            Direction::Outbound => [&OUTBOUND_DIMENSIONS[..], &GATEWAY_OUTBOUND_DIMENSIONS[..]],
        })
}

/// The full metric name as it lands in CloudWatch: `envoy.appmesh.RequestCount`.
pub fn appmesh_metric(short: &str) -> String {
    format!("{APPMESH_PREFIX}{short}")
}

/// The dimensions of an App Mesh metric by its short name; `None` for a name the extension does
/// not emit.
pub fn appmesh_dimensions(short: &str) -> Option<&'static [&'static str]> {
    APPMESH_METRICS
        .iter()
        .find(|(n, _)| *n == short)
        .map(|(_, d)| match d {
            Direction::Inbound => &INBOUND_DIMENSIONS[..],
            Direction::Outbound => &OUTBOUND_DIMENSIONS[..],
        })
}

/// VPC Lattice's namespace.
pub const LATTICE_NAMESPACE: &str = "AWS/VpcLattice";
/// The dimension of a Lattice service metric: the service ID.
pub const LATTICE_SERVICE_DIMENSION: &str = "Service";

/// What the dashboard and alarms read on VPC Lattice, per service.
pub mod lattice {
    pub const REQUESTS: &str = "TotalRequestCount";
    pub const ERRORS_5XX: &str = "HTTPCode_5XX_Count";
    pub const ERRORS_4XX: &str = "HTTPCode_4XX_Count";
    /// Milliseconds from the first byte of the request to the last byte of the response.
    pub const LATENCY: &str = "RequestTime";
}

/// Every Lattice service metric the dashboard and alarms may read, all with the `Service`
/// dimension.
pub const LATTICE_METRICS: [&str; 4] = [
    lattice::REQUESTS,
    lattice::ERRORS_5XX,
    lattice::ERRORS_4XX,
    lattice::LATENCY,
];

/// The keys of a VPC Lattice access-log record (JSON in CloudWatch Logs), as Lattice writes them.
pub const LATTICE_ACCESS_LOG_FIELDS: [&str; 35] = [
    "serviceNetworkArn",
    "resolvedUser",
    "listenerType",
    "authDeniedReason",
    "targetGroupArn",
    "sourceVpcArn",
    "destinationVpcId",
    "sourceIpPort",
    "listenerId",
    "targetIpPort",
    "failureReason",
    "serviceArn",
    "sourceVpcId",
    "startTime",
    "requestMethod",
    "requestPath",
    "protocol",
    "responseCode",
    "bytesReceived",
    "bytesSent",
    "duration",
    "userAgent",
    "hostHeader",
    "serverNameIndication",
    "requestToTargetDuration",
    "responseFromTargetDuration",
    "sslCipher",
    "tlsVersion",
    "callerPrincipal",
    "callerPrincipalOrgID",
    "callerX509IssuerOU",
    "callerX509SubjectCN",
    "callerX509SANNameCN",
    "callerX509SANDNS",
    "callerX509SANURI",
];

/// The JSON access-log format meshsynth gives Envoy when a node or gateway names none (App Mesh
/// `Logging.AccessLog.File.Format.Json`): key → Envoy command operator. A value that is a single
/// operator is written typed (numbers stay numbers), so Logs Insights compares them as numbers.
///
/// `node` is the virtual node's ARN from Envoy's own environment, so a line says who logged it
/// even where the log stream does not (Container Insights on EKS names streams by pod and node).
pub const ENVOY_ACCESS_LOG_JSON: [(&str, &str); 15] = [
    ("authority", "%REQ(:AUTHORITY)%"),
    ("bytes_received", "%BYTES_RECEIVED%"),
    ("bytes_sent", "%BYTES_SENT%"),
    ("duration", "%DURATION%"),
    ("method", "%REQ(:METHOD)%"),
    ("node", "%ENVIRONMENT(APPMESH_RESOURCE_ARN)%"),
    ("path", "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%"),
    ("protocol", "%PROTOCOL%"),
    ("request_id", "%REQ(X-REQUEST-ID)%"),
    ("response_code", "%RESPONSE_CODE%"),
    ("response_flags", "%RESPONSE_FLAGS%"),
    ("start_time", "%START_TIME%"),
    ("upstream_cluster", "%UPSTREAM_CLUSTER%"),
    ("upstream_host", "%UPSTREAM_HOST%"),
    (
        "upstream_service_time",
        "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%",
    ),
];

/// The path Envoy writes access logs to when meshsynth picks it: the container's stdout, which
/// the task's log driver ships to CloudWatch Logs.
pub const ENVOY_ACCESS_LOG_PATH: &str = "/dev/stdout";

/// The log group the Amazon CloudWatch Observability EKS add-on (Container Insights, Fluent Bit)
/// writes every container's stdout to: the Envoy access logs of App Mesh pods land there, each
/// JSON line's keys under `log_processed.`.
pub fn container_insights_log_group(cluster: &str) -> String {
    format!("/aws/containerinsights/{cluster}/application")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_consistent() {
        assert_eq!(
            appmesh_dimensions(appmesh::REQUESTS),
            Some(&OUTBOUND_DIMENSIONS[..])
        );
        assert_eq!(
            appmesh_dimensions("RequestCount"),
            Some(&INBOUND_DIMENSIONS[..])
        );
        assert_eq!(appmesh_dimensions("TargetConnectionErrorCount"), None);
        for m in [
            appmesh::REQUESTS,
            appmesh::ERRORS_5XX,
            appmesh::ERRORS_4XX,
            appmesh::LATENCY,
        ] {
            assert!(appmesh_dimensions(m).is_some(), "{m}");
        }
        assert_eq!(appmesh_metric("RequestCount"), "envoy.appmesh.RequestCount");
        let keys: Vec<&str> = ENVOY_ACCESS_LOG_JSON.iter().map(|(k, _)| *k).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted);
    }
}
