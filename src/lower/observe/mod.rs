//! `observability:` lowered: the log group of the collectors' metrics (App Mesh), and for both
//! backends the dashboard, the alarms with their SNS topic, and the saved Logs Insights queries.
//! What each backend emits is declared in [`crate::observe`]; the collectors themselves are the
//! sidecars' (`lower/appmesh/sidecar.rs`, `lower/eks/pods.rs`).

mod alarms;
mod dashboard;
mod graph;
mod queries;
mod rows;

pub use graph::Graph;

use crate::check::Checked;

use crate::diagnostic::FieldPath;
use crate::ir::{Attr, Kind, Obj, Plan, ResourceId, Value};
use crate::lower::iam::{arn, statement};
use crate::observe;
use crate::spec::Spec;

/// The metrics log group's resource.
pub(crate) fn metrics_log_group_id() -> ResourceId {
    ResourceId::new(Kind::LogGroup, observe::METRICS_LOG_GROUP_KEY)
}

/// Adds the log group the App Mesh collectors write their EMF events into, once; returns its
/// name. Callers add it when a meshed task or pod runs a collector.
pub(crate) fn metrics_log_group(plan: &mut Plan, spec: &Spec) -> String {
    let name = observe::metrics_log_group(&spec.name);
    let id = metrics_log_group_id();
    if !plan.resources.contains_key(&id) {
        let props = Obj::new()
            .set("LogGroupName", name.clone())
            .set("RetentionInDays", observe::METRICS_LOG_RETENTION_DAYS);
        plan.add(
            id,
            FieldPath::root().key("observability"),
            props,
            &spec.tags,
        );
    }
    name
}

/// The task-role (or IRSA-role) statements of a collector: EMF events into the metrics log
/// group, and X-Ray segments with `tracing: xray`.
pub(crate) fn collector_statements(spec: &Spec) -> Vec<Value> {
    let o = spec.observability();
    let mut out = Vec::new();
    if o.metrics {
        out.push(statement(
            &observe::collector::EMF_ACTIONS,
            vec![arn(
                "logs",
                true,
                true,
                vec![Value::str(format!(
                    "log-group:{}:*",
                    observe::metrics_log_group(&spec.name)
                ))],
            )],
        ));
    }
    if o.traces() {
        // X-Ray's write actions take no resource narrower than `*`.
        out.push(statement(
            &observe::collector::XRAY_ACTIONS,
            vec![Value::str("*")],
        ));
    }
    out
}

/// Adds the dashboard(s), the alarms with their topic and the saved queries of `observability:`
/// to a backend's plan (after the backend's own resources, which some of them read).
pub(crate) fn lower(checked: &Checked, plan: &mut Plan) {
    let spec = checked.spec();
    if plan.backend == crate::spec::MeshBackend::AppMesh && spec.observability().metrics {
        // Also for a mesh whose tasks run elsewhere: their collectors write here.
        metrics_log_group(plan, spec);
    }
    let graph = Graph::new(checked);
    let cx = rows::Cx::new(checked, plan, &graph);
    let header = cx.header();
    let rows = cx.rows();
    let queries = queries::queries(&cx);
    let (alarm_list, unalarmed) = alarms::alarms(&cx);
    let eks_logs = cx.eks_logs.clone();
    drop(cx);
    let size = (
        rows.iter().map(Vec::len).sum::<usize>() + 1,
        rows.iter()
            .flatten()
            .map(dashboard::Widget::metric_count)
            .sum::<usize>(),
    );
    let pages = dashboard::paginate(&header, rows);
    let source = FieldPath::root().key("observability");
    let base = dashboard_name(&spec.name);
    let count = pages.len();
    for (i, page) in pages.into_iter().enumerate() {
        let name = if i == 0 {
            base.clone()
        } else {
            format!("{base}-{}", i + 1)
        };
        let key = if i == 0 {
            "mesh".to_owned()
        } else {
            format!("mesh-{}", i + 1)
        };
        let props = Obj::new()
            .set("DashboardName", name.clone())
            .set("DashboardBody", page.to_value());
        plan.add(
            ResourceId::new(Kind::Dashboard, key),
            source.clone(),
            props,
            &spec.tags,
        );
        plan.add_output(
            if i == 0 {
                "dashboard_name".into()
            } else {
                format!("dashboard_{}_name", i + 1)
            },
            if count == 1 {
                "The CloudWatch dashboard of the mesh".into()
            } else {
                format!(
                    "Part {} of {count} of the mesh's CloudWatch dashboard",
                    i + 1
                )
            },
            Value::str(name),
            None,
        );
    }
    for q in queries {
        let props = Obj::new()
            .set("Name", q.name.clone())
            .set("QueryString", q.query)
            .set(
                "LogGroupNames",
                q.log_groups.into_iter().map(Value::str).collect::<Vec<_>>(),
            );
        plan.add(
            ResourceId::new(Kind::QueryDefinition, q.key),
            source.clone(),
            props,
            &spec.tags,
        );
    }
    add_alarms(plan, spec, alarm_list, &source);
    let tracing = spec.observability().traces();
    plan.observability = crate::ir::ObservabilityDoc::from_plan(
        plan,
        &spec.mesh.name,
        tracing,
        eks_logs,
        unalarmed,
        size,
    );
}

fn add_alarms(plan: &mut Plan, spec: &Spec, alarm_list: Vec<alarms::Alarm>, source: &FieldPath) {
    if alarm_list.is_empty() {
        return;
    }
    let topic = match spec
        .observability()
        .alarms
        .and_then(|a| a.notify)
        .map(|n| (n.topic_arn, n.create_topic.unwrap_or(false)))
    {
        Some((Some(arn), _)) => Some(Value::str(arn)),
        Some((None, true)) => {
            let id = ResourceId::new(Kind::SnsTopic, "alarms");
            let name = format!("{}-mesh-alarms", spec.name);
            plan.add(
                id.clone(),
                source.key("alarms").key("notify"),
                Obj::new().set("TopicName", name),
                &spec.tags,
            );
            plan.add_output(
                "alarm_topic_arn".into(),
                "The SNS topic the mesh's alarms notify: subscribe to it".into(),
                Value::Ref(id.clone(), Attr::Arn),
                None,
            );
            Some(Value::Ref(id, Attr::Arn))
        }
        _ => None,
    };
    for a in alarm_list {
        let mut props = a.props;
        if let Some(t) = &topic {
            props = props
                .set("AlarmActions", vec![t.clone()])
                .set("OKActions", vec![t.clone()]);
        }
        plan.add(
            ResourceId::new(Kind::Alarm, a.key),
            a.source,
            props,
            &spec.tags,
        );
    }
}

/// The dashboard's name: the project's, in the characters CloudWatch allows (letters, digits,
/// `-`, `_`), within 255 with room for a page suffix.
pub fn dashboard_name(project: &str) -> String {
    let name: String = project
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(245)
        .collect();
    format!("{name}-mesh")
}

/// What the lowering found that a user should know: a dashboard split in several, virtual
/// services whose thresholds give no alarm.
pub(crate) fn findings(plan: &Plan) -> crate::diagnostic::Diagnostics {
    use crate::diagnostic::{Code, Diagnostic, Diagnostics};
    let mut out = Diagnostics::default();
    let Some(doc) = &plan.observability else {
        return out;
    };
    if doc.dashboards.len() > 1 {
        let names: Vec<String> = doc
            .dashboards
            .iter()
            .map(|d| format!("`{}`", d.name))
            .collect();
        let mut d = Diagnostic::warning(
            Code::ObservabilityDashboardSplit,
            // Its rows are the virtual services' (and their callers').
            FieldPath::root().key("virtual_services"),
            format!(
                "the {} dashboard has {} widgets and {} metrics, more than one CloudWatch dashboard holds ({} widgets, {} metrics): it is split into {}",
                doc.backend,
                doc.widgets,
                doc.metrics,
                dashboard::MAX_WIDGETS,
                dashboard::MAX_METRICS,
                names.join(", ")
            ),
        );
        d.help = Some("each virtual service's and caller's row stays whole on one of them; the outputs `dashboard_name`, `dashboard_2_name`, ... name them".into());
        out.push(d);
    }
    for (vs, why) in &doc.unalarmed {
        let mut d = Diagnostic::warning(
            Code::ObservabilityServiceUnmeasured,
            crate::spec::paths::service_path(vs),
            format!(
                "virtual service `{vs}` gets no {} alarm: {why}",
                doc.backend
            ),
        );
        d.help = Some(if doc.app_mesh {
            "list it in the `backends:` of the nodes that call it, or set `alarms: false` on it to say it needs none".into()
        } else {
            "alarm on its `AWS/VpcLattice` metrics once the controller has created it, or set `alarms: false` on it".into()
        });
        out.push(d);
    }
    out
}
