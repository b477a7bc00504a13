//! `airflow/README.md`: how DAGs use what was generated, when the spec has an `airflow:` section.

use minijinja::context;

use super::{text, Output, RenderOptions, Rendered, Target};
use crate::case::pascal_case;
use crate::ir::{EksDoc, Plan};

/// The Airflow guide.
pub struct AirflowGuide;

impl Target for AirflowGuide {
    fn name(&self) -> &'static str {
        "airflow"
    }
    fn about(&self) -> &'static str {
        "how DAGs use what was generated (airflow/README.md), with an `airflow:` section"
    }
    fn output(&self) -> Output {
        Output::Guide
    }
    fn render(&self, plan: &Plan, opts: &RenderOptions) -> Rendered {
        render(plan, opts.spec_file)
    }
}

/// `airflow/README.md`: how DAGs use what was generated, when the spec has an `airflow:` section.
fn render(plan: &Plan, spec_file: &str) -> Rendered {
    let Some(doc) = plan.airflow.as_ref() else {
        return match plan.kube.as_ref().and_then(|k| k.guide.as_ref()) {
            Some(eks) => render_eks(plan, eks, spec_file),
            None => Rendered::new(),
        };
    };
    // What a deploy must be given: (CloudFormation parameter, Terraform variable, description).
    let inputs: Vec<(String, String, String)> = plan
        .params
        .iter()
        .filter(|(_, p)| p.default.is_none())
        .map(|(name, p)| (pascal_case(name), name.clone(), p.description.clone()))
        .collect();
    let ctx = context! {
        project => &plan.project,
        spec_file => spec_file,
        af => doc,
        inputs => inputs,
        observability => &plan.observability,
    };
    let s = text::render("airflow-README.md", ctx);
    let mut out = Rendered::from([("README.md".to_owned(), s)]);
    out.extend(super::dag::render(doc, &plan.project, spec_file));
    if let Some(l) = &doc.lattice {
        if l.auth == "iam" {
            out.insert(format!("dags/{}", l.module_file), LATTICE_AUTH.to_owned());
        }
    }
    out
}

/// `airflow/README.md` for Airflow on EKS, its DAG file, and the SigV4 module on Lattice.
fn render_eks(plan: &Plan, doc: &EksDoc, spec_file: &str) -> Rendered {
    let inputs: Vec<(String, String, String)> = plan
        .params
        .iter()
        .filter(|(_, p)| p.default.is_none())
        .map(|(name, p)| (pascal_case(name), name.clone(), p.description.clone()))
        .collect();
    let manifests: Vec<String> = plan
        .kube
        .as_ref()
        .map(|k| k.manifests.keys().cloned().collect())
        .unwrap_or_default();
    let ctx = context! {
        project => &plan.project,
        spec_file => spec_file,
        eks => doc,
        inputs => inputs,
        manifests => manifests,
        needs_jq => doc.secrets.iter().any(|s| s.fetch.contains("| jq ")),
        snippet => doc.tasks.first().map(|t| super::eks_dag::operator(t, "")),
        observability => &plan.observability,
    };
    let s = text::render("airflow-eks-README.md", ctx);
    let mut out = Rendered::from([("README.md".to_owned(), s)]);
    out.extend(super::eks_dag::render(doc, &plan.project, spec_file));
    if let Some(l) = &doc.lattice {
        if l.auth == "iam" {
            out.insert(format!("dags/{}", l.module_file), LATTICE_AUTH.to_owned());
        }
    }
    out
}

/// The SigV4 `requests` auth for Lattice services under IAM auth, shipped in the DAGs folder
/// as it is (tests/lattice_auth.rs signs with it against both Airflow lines).
pub const LATTICE_AUTH: &str = include_str!("lattice_auth.py");
