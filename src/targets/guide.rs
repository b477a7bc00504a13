//! `airflow/README.md`: how DAGs use what was generated, when the spec has an `airflow:` section.

use minijinja::context;

use super::{text, Output, RenderOptions, Rendered, Target};
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
    let ctx = context! {
        project => &plan.project,
        spec_file => spec_file,
        af => doc,
    };
    let s = text::render("airflow-README.md", ctx);
    Rendered::from([("README.md".to_owned(), s)])
}
