//! `airflow/README.md`: how DAGs use what was generated, when the spec has an `airflow:` section.

use minijinja::context;

use super::{text, Output, RenderOptions, Rendered, Target};
use crate::case::pascal_case;
use crate::ir::Plan;

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
        return Rendered::new();
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

/// The SigV4 `requests` auth for Lattice services under IAM auth, shipped in the DAGs folder
/// as it is (tests/lattice_auth.rs signs with it against both Airflow lines).
pub const LATTICE_AUTH: &str = include_str!("lattice_auth.py");
