//! `helm/values.yaml`: values for the official Apache Airflow chart, for Airflow on EKS.

use super::{Output, RenderOptions, Rendered, Target};
use crate::ir::Plan;
use crate::kube::yaml;

/// The Helm values target.
pub struct Helm;

/// The values file's name.
pub const VALUES_FILE: &str = "values.yaml";

impl Target for Helm {
    fn name(&self) -> &'static str {
        "helm"
    }
    fn about(&self) -> &'static str {
        "values.yaml for the official Apache Airflow Helm chart, for Airflow on EKS"
    }
    fn output(&self) -> Output {
        Output::Iac
    }
    fn count(&self, plan: &Plan) -> usize {
        usize::from(plan.kube.as_ref().is_some_and(|k| k.helm_values.is_some()))
    }
    fn render(&self, plan: &Plan, _opts: &RenderOptions) -> Rendered {
        match plan.kube.as_ref().and_then(|k| k.helm_values.as_ref()) {
            Some(v) => Rendered::from([(VALUES_FILE.to_owned(), yaml::document(v))]),
            None => Rendered::new(),
        }
    }
}
