//! Namespaces, service accounts, pod templates and their ConfigMaps, and `workloads:` as
//! Deployments and Services.

use super::Eks;
use crate::ir::KubeDoc;

pub(super) fn lower(cx: &Eks, doc: &mut KubeDoc) {
    let mut namespaces: Vec<&str> = vec![cx.eks.namespace(), cx.eks.task_namespace()];
    namespaces.extend(cx.identities.iter().map(|i| i.namespace.as_str()));
    namespaces.sort();
    namespaces.dedup();
    doc.manifests.insert(
        "00-namespaces.yaml".into(),
        namespaces
            .into_iter()
            .map(|n| {
                serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}})
            })
            .collect(),
    );
}
