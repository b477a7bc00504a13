//! What the guides say about observability ("Where to look"), read off the graph: the
//! dashboards, saved queries and alarms are resources of the plan, so the text names exactly
//! what was generated.

use serde::Serialize;

use super::{Kind, Plan, Value};
use crate::observe;
use crate::spec::MeshBackend;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObservabilityDoc {
    pub backend: &'static str,
    pub app_mesh: bool,
    pub dashboards: Vec<DashboardDoc>,
    pub queries: Vec<String>,
    pub query_folder: String,
    pub alarms: Vec<AlarmDoc>,
    /// Who the alarms notify, in words.
    pub notify: String,
    /// The App Mesh namespace of the Envoy metrics, when the collectors report.
    pub namespace: Option<String>,
    /// Whether meshsynth runs a collector beside the meshed tasks or pods it generates.
    pub collectors: bool,
    pub tracing: bool,
    /// Envoy's environment for metrics (and traces), for nodes meshsynth does not run.
    pub envoy_env: Vec<(String, String)>,
    pub collector_image: String,
    /// The collector's configuration for a node meshsynth does not run (`<node>` as its stream).
    pub collector_config: String,
    /// On EKS with App Mesh: the Container Insights log group the saved queries read.
    pub eks_logs: Option<String>,
    /// Virtual services with thresholds that get no alarm, and why.
    pub unalarmed: Vec<(String, String)>,
    /// The widgets and metrics of the whole dashboard, before it was split.
    pub widgets: usize,
    pub metrics: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DashboardDoc {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlarmDoc {
    pub name: String,
    pub description: String,
}

fn str_prop<'a>(props: &'a super::Map, key: &str) -> Option<&'a str> {
    match props.get(key) {
        Some(Value::Str(s)) => Some(s),
        _ => None,
    }
}

impl ObservabilityDoc {
    /// `None` when the plan has no dashboard.
    pub fn from_plan(
        plan: &Plan,
        mesh: &str,
        tracing: bool,
        eks_logs: Option<String>,
        unalarmed: Vec<(String, String)>,
        (widgets, metric_count): (usize, usize),
    ) -> Option<Self> {
        let of = |kind: Kind| plan.resources.values().filter(move |r| r.id.kind == kind);
        let dashboards: Vec<DashboardDoc> = of(Kind::Dashboard)
            .filter_map(|r| str_prop(&r.props, "DashboardName"))
            .map(|n| DashboardDoc {
                name: n.to_owned(),
                url: observe::dashboard_url("<region>", n),
            })
            .collect();
        if dashboards.is_empty() {
            return None;
        }
        let queries: Vec<String> = of(Kind::QueryDefinition)
            .filter_map(|r| str_prop(&r.props, "Name"))
            .map(str::to_owned)
            .collect();
        let alarms: Vec<AlarmDoc> = of(Kind::Alarm)
            .filter_map(|r| {
                Some(AlarmDoc {
                    name: str_prop(&r.props, "AlarmName")?.to_owned(),
                    description: str_prop(&r.props, "AlarmDescription")?.to_owned(),
                })
            })
            .collect();
        let topic = of(Kind::SnsTopic).find_map(|r| str_prop(&r.props, "TopicName"));
        let given = of(Kind::Alarm).find_map(|r| match r.props.get("AlarmActions") {
            Some(Value::List(l)) => l.iter().find_map(|v| match v {
                Value::Str(s) => Some(s.clone()),
                _ => None,
            }),
            _ => None,
        });
        let notify = match (topic, given) {
            (Some(t), _) => format!(
                "the SNS topic `{t}` this stack creates (output `alarm_topic_arn`): subscribe to it, e.g. `aws sns subscribe --topic-arn <alarm_topic_arn> --protocol email --notification-endpoint you@example.com`"
            ),
            (None, Some(arn)) => format!("the SNS topic `{arn}`"),
            (None, None) => "no one: they change state in the console only (set `observability.alarms.notify`)".into(),
        };
        let app_mesh = plan.backend == MeshBackend::AppMesh;
        // Meshed tasks and pods meshsynth generates run the collector whenever metrics are on.
        let metrics = plan.resources.contains_key(&super::ResourceId::new(
            Kind::LogGroup,
            observe::METRICS_LOG_GROUP_KEY,
        ));
        let collectors = app_mesh
            && metrics
            && (plan.kube.is_some() || of(Kind::TaskDefinition).next().is_some());
        let namespace = (app_mesh && metrics).then(|| observe::namespace(mesh));
        let config = observe::collector::Config::new(&observe::collector::Destination {
            namespace: observe::namespace(mesh),
            log_group: observe::metrics_log_group(&plan.project),
            log_stream: "<node>".into(),
            region: None,
            metrics: true,
            tracing,
        });
        Some(ObservabilityDoc {
            backend: match plan.backend {
                MeshBackend::AppMesh => "App Mesh",
                MeshBackend::VpcLattice => "VPC Lattice",
            },
            app_mesh,
            query_folder: format!("meshsynth/{}", plan.project),
            dashboards,
            queries,
            alarms,
            notify,
            namespace,
            collectors,
            tracing: tracing && app_mesh,
            envoy_env: observe::collector::envoy_environment(true, tracing)
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            collector_image: observe::collector::IMAGE.into(),
            eks_logs,
            unalarmed,
            widgets,
            metrics: metric_count,
            collector_config: serde_json::to_string_pretty(
                &serde_json::from_str::<serde_json::Value>(&config.to_text())
                    .expect("the config is JSON"),
            )
            .expect("JSON prints"),
        })
    }
}
