//! `observability:` lowered: the log group of the collectors' metrics (App Mesh), and for both
//! backends the dashboard, the alarms with their SNS topic, and the saved Logs Insights queries.
//! What each backend emits is declared in [`crate::observe`]; the collectors themselves are the
//! sidecars' (`lower/appmesh/sidecar.rs`, `lower/eks/pods.rs`).

// The sidecars' lowerings call these as they land.
#![allow(dead_code)]

use crate::diagnostic::FieldPath;
use crate::ir::{Kind, Obj, Plan, ResourceId, Value};
use crate::lower::iam::{arn, statement};
use crate::observe;
use crate::spec::Spec;

/// The metrics log group's resource.
pub(crate) fn metrics_log_group_id() -> ResourceId {
    ResourceId::new(Kind::LogGroup, "mesh-metrics")
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
    if o.tracing == crate::spec::Tracing::Xray {
        // X-Ray's write actions take no resource narrower than `*`.
        out.push(statement(
            &observe::collector::XRAY_ACTIONS,
            vec![Value::str("*")],
        ));
    }
    out
}

/// Whether meshed App Mesh tasks and pods run a collector.
pub(crate) fn runs_collector(spec: &Spec) -> bool {
    let o = spec.observability();
    o.metrics || o.tracing == crate::spec::Tracing::Xray
}
