//! What the EKS targets write, built once in lowering from typed objects (`crate::kube`) and
//! kept as serialized values, so the `kubernetes`, `helm` and `terraform` renderers only
//! serialize them.

use std::collections::BTreeMap;

/// The Kubernetes side of an EKS plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KubeDoc {
    /// `kubernetes/manifests/<file>` → its objects, in apply order within the file. Everything
    /// here is applied (`kubectl apply -f kubernetes/manifests/`) and mirrored as
    /// `kubernetes_manifest` resources in the Terraform module.
    pub manifests: BTreeMap<String, Vec<serde_json::Value>>,
    /// `kubernetes/pod-templates/<file>` → a bare Pod: Airflow's `pod_template_file` (also in a
    /// ConfigMap under `manifests`); never applied.
    pub pod_templates: BTreeMap<String, serde_json::Value>,
    /// `helm/values.yaml` for the official Apache Airflow chart.
    pub helm_values: Option<serde_json::Value>,
    /// What `airflow/README.md` documents for the EKS deployment.
    pub guide: Option<super::EksDoc>,
}
