//! The collector beside every meshed App Mesh task or pod: the AWS Distro for OpenTelemetry
//! collector, receiving Envoy's DogStatsD (and, with `tracing: xray`, its X-Ray segments) on
//! localhost and writing CloudWatch embedded-metric-format events and X-Ray traces.
//!
//! Why this collector and not the CloudWatch agent's statsd input: that input cannot drop
//! metrics, and Envoy tags *every* stat with `Mesh` and `VirtualNode`, so it would publish
//! hundreds of custom metrics per node; it also rewrites `envoy.appmesh.X` to `envoy_appmesh_X`
//! and adds a `metric_type` dimension. Here a `filter` processor keeps the extension's 12
//! metrics and the `awsemf` exporter declares exactly their dimension sets. X-Ray segments go
//! through the same collector (`awsxray` receiver and exporter) instead of the X-Ray daemon, whose
//! support ends on 2027-02-25.
//!
//! The config is built from typed values and serialized as JSON, which the collector reads as
//! YAML (`AOT_CONFIG_CONTENT`).

use serde::Serialize;
use std::collections::BTreeMap;

use super::metrics::{APPMESH_PREFIX, DIMENSION_SETS};

/// The collector image, pinned: a floating tag would change what the dashboard reads without a
/// change in the spec.
pub const IMAGE: &str = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3";
/// The container's name in task definitions and pods.
pub const CONTAINER: &str = "otel-collector";
/// The environment variable the image reads its configuration from.
pub const CONFIG_ENV: &str = "AOT_CONFIG_CONTENT";
/// CPU units (ECS) reserved for the collector.
pub const CPU: u32 = 64;
/// MiB reserved for the collector (soft on ECS, the request on EKS).
pub const MEMORY_RESERVATION: u32 = 128;
/// Seconds ECS waits after SIGTERM: the collector exports its last batch, then exits 0.
pub const STOP_TIMEOUT: u32 = 10;
/// Envoy's DogStatsD sink sends to this UDP port on localhost (its default).
pub const STATSD_PORT: u32 = 8125;
/// Envoy's X-Ray tracer sends segments to this UDP port on localhost (its default).
pub const XRAY_PORT: u32 = 2000;
/// Seconds the statsd receiver aggregates before it hands metrics on: short, because it drops
/// what it holds when it stops, so a DAG task that lives seconds still reports (Envoy itself
/// sends every 5 s; the saved queries over the access logs are the complete record).
pub const AGGREGATION_SECONDS: u32 = 2;

/// Where the collector writes.
#[derive(Debug, Clone)]
pub struct Destination {
    /// The CloudWatch namespace (one per mesh).
    pub namespace: String,
    /// The log group of the EMF events.
    pub log_group: String,
    /// The log stream: one per task family or pod template, so streams name who measured.
    pub log_stream: String,
    /// The region, when the environment does not tell the collector (EKS without IMDS).
    pub region: Option<String>,
    /// Whether Envoy's metrics are received and exported.
    pub metrics: bool,
    /// Whether X-Ray segments are received and exported.
    pub tracing: bool,
}

/// The collector's configuration.
#[derive(Debug, Serialize)]
pub struct Config {
    pub receivers: BTreeMap<&'static str, Receiver>,
    pub processors: BTreeMap<&'static str, Processor>,
    pub exporters: BTreeMap<&'static str, Exporter>,
    pub service: Service,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Receiver {
    Statsd(StatsdReceiver),
    Xray(XrayReceiver),
}

#[derive(Debug, Serialize)]
pub struct StatsdReceiver {
    pub endpoint: String,
    pub aggregation_interval: String,
    pub timer_histogram_mapping: Vec<TimerMapping>,
}

#[derive(Debug, Serialize)]
pub struct TimerMapping {
    pub statsd_type: &'static str,
    pub observer_type: &'static str,
}

#[derive(Debug, Serialize)]
pub struct XrayReceiver {
    pub endpoint: String,
    pub transport: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Processor {
    Filter(FilterProcessor),
    Batch(BatchProcessor),
}

#[derive(Debug, Serialize)]
pub struct FilterProcessor {
    pub metrics: FilterMetrics,
}

#[derive(Debug, Serialize)]
pub struct FilterMetrics {
    pub include: MetricMatch,
}

#[derive(Debug, Serialize)]
pub struct MetricMatch {
    pub match_type: &'static str,
    pub metric_names: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct BatchProcessor {
    pub timeout: String,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Exporter {
    Emf(EmfExporter),
    Xray(XrayExporter),
}

#[derive(Debug, Serialize)]
pub struct EmfExporter {
    pub namespace: String,
    pub log_group_name: String,
    pub log_stream_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub dimension_rollup_option: &'static str,
    pub metric_declarations: Vec<MetricDeclaration>,
}

/// Which metrics become CloudWatch metrics, with which dimension sets; the others are dropped.
#[derive(Debug, Serialize)]
pub struct MetricDeclaration {
    pub dimensions: Vec<Vec<&'static str>>,
    pub metric_name_selectors: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct XrayExporter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Service {
    pub pipelines: BTreeMap<&'static str, Pipeline>,
}

#[derive(Debug, Serialize)]
pub struct Pipeline {
    pub receivers: Vec<&'static str>,
    pub processors: Vec<&'static str>,
    pub exporters: Vec<&'static str>,
}

/// The regular expression of the metrics the collector keeps: the extension's, nothing else.
pub fn kept_metrics_regex() -> String {
    format!("^{}.+$", regex_escape(APPMESH_PREFIX))
}

fn regex_escape(s: &str) -> String {
    s.replace('.', "\\.")
}

impl Config {
    pub fn new(d: &Destination) -> Self {
        let kept = kept_metrics_regex();
        let mut receivers = BTreeMap::new();
        let mut processors = BTreeMap::new();
        let mut exporters = BTreeMap::new();
        let mut pipelines = BTreeMap::new();
        processors.insert(
            "batch",
            Processor::Batch(BatchProcessor {
                timeout: format!("{AGGREGATION_SECONDS}s"),
            }),
        );
        if d.metrics {
            receivers.insert(
                "statsd",
                Receiver::Statsd(StatsdReceiver {
                    endpoint: format!("127.0.0.1:{STATSD_PORT}"),
                    aggregation_interval: format!("{AGGREGATION_SECONDS}s"),
                    // Histograms, so CloudWatch gets the values and can answer p50 and p99 (a summary
                    // would reach it as min/max/sum/count only).
                    timer_histogram_mapping: vec![
                        TimerMapping {
                            statsd_type: "timing",
                            observer_type: "histogram",
                        },
                        TimerMapping {
                            statsd_type: "histogram",
                            observer_type: "histogram",
                        },
                    ],
                }),
            );
            processors.insert(
                "filter/appmesh",
                Processor::Filter(FilterProcessor {
                    metrics: FilterMetrics {
                        include: MetricMatch {
                            match_type: "regexp",
                            metric_names: vec![kept.clone()],
                        },
                    },
                }),
            );
            exporters.insert(
                "awsemf",
                Exporter::Emf(EmfExporter {
                    namespace: d.namespace.clone(),
                    log_group_name: d.log_group.clone(),
                    log_stream_name: d.log_stream.clone(),
                    region: d.region.clone(),
                    dimension_rollup_option: "NoDimensionRollup",
                    metric_declarations: vec![MetricDeclaration {
                        dimensions: DIMENSION_SETS.iter().map(|d| d.to_vec()).collect(),
                        metric_name_selectors: vec![kept],
                    }],
                }),
            );
            pipelines.insert(
                "metrics",
                Pipeline {
                    receivers: vec!["statsd"],
                    processors: vec!["filter/appmesh", "batch"],
                    exporters: vec!["awsemf"],
                },
            );
        }
        if d.tracing {
            receivers.insert(
                "awsxray",
                Receiver::Xray(XrayReceiver {
                    endpoint: format!("127.0.0.1:{XRAY_PORT}"),
                    transport: "udp",
                }),
            );
            exporters.insert(
                "awsxray",
                Exporter::Xray(XrayExporter {
                    region: d.region.clone(),
                }),
            );
            pipelines.insert(
                "traces",
                Pipeline {
                    receivers: vec!["awsxray"],
                    processors: vec!["batch"],
                    exporters: vec!["awsxray"],
                },
            );
        }
        Config {
            receivers,
            processors,
            exporters,
            service: Service { pipelines },
        }
    }

    /// The configuration as the collector reads it (JSON is YAML).
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("the collector config serializes")
    }
}

/// The IAM actions the collector needs for traces (what `AWSXRayDaemonWriteAccess` allows).
pub const XRAY_ACTIONS: [&str; 5] = [
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
];

/// The IAM actions the collector needs on its metrics log group.
pub const EMF_ACTIONS: [&str; 2] = ["logs:CreateLogStream", "logs:PutLogEvents"];

/// Envoy's environment for the collector on localhost: with metrics, the extension and its
/// DogStatsD sink; with tracing, the X-Ray tracer.
pub fn envoy_environment(metrics: bool, tracing: bool) -> Vec<(&'static str, String)> {
    let mut env = Vec::new();
    if metrics {
        env.extend([
            ("APPMESH_METRIC_EXTENSION_VERSION", "1".to_owned()),
            ("ENABLE_ENVOY_DOG_STATSD", "1".to_owned()),
            ("STATSD_ADDRESS", "127.0.0.1".to_owned()),
            ("STATSD_PORT", STATSD_PORT.to_string()),
        ]);
    }
    if tracing {
        env.push(("ENABLE_ENVOY_XRAY_TRACING", "1".to_owned()));
        env.push(("XRAY_DAEMON_PORT", XRAY_PORT.to_string()));
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_keeps_only_the_extension_and_declares_its_dimensions() {
        let c = Config::new(&Destination {
            namespace: "meshsynth/m".into(),
            log_group: "/meshsynth/p/metrics".into(),
            log_stream: "worker".into(),
            region: None,
            metrics: true,
            tracing: false,
        });
        let v: serde_json::Value = serde_json::from_str(&c.to_text()).unwrap();
        assert_eq!(
            v["processors"]["filter/appmesh"]["metrics"]["include"]["metric_names"][0],
            "^envoy\\.appmesh\\..+$"
        );
        assert_eq!(
            v["exporters"]["awsemf"]["metric_declarations"][0]["dimensions"][1],
            serde_json::json!([
                "Mesh",
                "VirtualNode",
                "TargetVirtualService",
                "TargetVirtualNode"
            ])
        );
        assert!(v["service"]["pipelines"].get("traces").is_none());
        assert!(v["exporters"]["awsemf"].get("region").is_none());
        let t = Config::new(&Destination {
            namespace: "meshsynth/m".into(),
            log_group: "/meshsynth/p/metrics".into(),
            log_stream: "worker".into(),
            region: Some("eu-west-1".into()),
            metrics: true,
            tracing: true,
        });
        let v: serde_json::Value = serde_json::from_str(&t.to_text()).unwrap();
        assert_eq!(v["receivers"]["awsxray"]["endpoint"], "127.0.0.1:2000");
        assert_eq!(
            v["service"]["pipelines"]["traces"]["exporters"][0],
            "awsxray"
        );
    }
}
