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
    out
}
