//! `kubernetes/`: the EKS side as plain YAML. `manifests/` is what `kubectl apply -f` takes
//! (namespaces, service accounts, pod-template ConfigMaps, workloads, Gateway API objects);
//! `pod-templates/` holds the same pod templates as files, for `pod_template_file`.

use super::{Output, RenderOptions, Rendered, Target};
use crate::ir::Plan;
use crate::kube::yaml;

/// The Kubernetes manifests target.
pub struct Kubernetes;

/// The folder `kubectl apply -f` reads.
pub const MANIFESTS: &str = "manifests";
/// The folder of Airflow pod template files.
pub const POD_TEMPLATES: &str = "pod-templates";

impl Target for Kubernetes {
    fn name(&self) -> &'static str {
        "kubernetes"
    }
    fn about(&self) -> &'static str {
        "Kubernetes YAML for Airflow on EKS: namespaces, service accounts, pod templates, workloads (and Gateway API objects on VPC Lattice)"
    }
    fn output(&self) -> Output {
        Output::Iac
    }
    fn count(&self, plan: &Plan) -> usize {
        plan.kube
            .as_ref()
            .map_or(0, |k| k.manifests.values().map(Vec::len).sum())
    }
    fn render(&self, plan: &Plan, _opts: &RenderOptions) -> Rendered {
        let Some(doc) = &plan.kube else {
            return Rendered::new();
        };
        let mut out = Rendered::new();
        for (file, objects) in &doc.manifests {
            if !objects.is_empty() {
                out.insert(format!("{MANIFESTS}/{file}"), yaml::documents(objects));
            }
        }
        for (file, pod) in &doc.pod_templates {
            out.insert(format!("{POD_TEMPLATES}/{file}"), yaml::document(pod));
        }
        out
    }
}
