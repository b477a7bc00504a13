//! Values for the official Apache Airflow Helm chart.

use super::Eks;
use crate::ir::KubeDoc;

pub(super) fn lower(cx: &Eks, doc: &mut KubeDoc) {
    doc.helm_values = Some(serde_json::json!({
        "executor": crate::lower::airflow::executor_class(cx.af.executor),
    }));
}
