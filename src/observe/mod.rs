//! What the mesh reports and where it lands, declared once: the metrics each backend emits (names,
//! dimensions, namespace), the access-log fields, the OpenTelemetry collector that runs beside every
//! meshed App Mesh task, and the names of the dashboards, alarms and saved queries.
//!
//! Lowerings (`lower/observe`, the sidecars of `lower/appmesh`, `lower/eks`), rules
//! (`check/observability`) and tests read these; none of them spells a metric name itself.

pub mod collector;
pub mod metrics;

/// The CloudWatch namespace of one App Mesh mesh's Envoy metrics. Custom namespaces may not begin
/// with `AWS/`; 255 characters at most.
pub fn namespace(mesh: &str) -> String {
    format!("meshsynth/{mesh}")
}

/// The log group the collector writes its metrics into (CloudWatch extracts them from the
/// embedded metric format; the events themselves are kept for a day).
pub fn metrics_log_group(project: &str) -> String {
    format!("/meshsynth/{project}/metrics")
}

/// The graph's name of the metrics log group's resource.
pub const METRICS_LOG_GROUP_KEY: &str = "mesh-metrics";

/// Days CloudWatch keeps the EMF events of the metrics log group: the metrics are extracted on
/// ingestion and kept by CloudWatch Metrics for 15 months regardless.
pub const METRICS_LOG_RETENTION_DAYS: u32 = 1;

/// The period of every dashboard widget and alarm, in seconds.
pub const PERIOD_SECONDS: u32 = 300;

/// The CloudWatch console URL of a dashboard, for guides: the region is the reader's.
pub fn dashboard_url(region: &str, name: &str) -> String {
    format!("https://console.aws.amazon.com/cloudwatch/home?region={region}#dashboards/dashboard/{name}")
}
