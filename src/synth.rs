//! The whole pipeline as one call: text → diagnostics and, when the spec is valid, files.

use std::collections::BTreeMap;

use crate::diagnostic::Diagnostics;
use crate::render::{self, Rendered, Target};
use crate::{load, plan, validate};

/// What one synthesis produced.
pub struct Synthesis {
    /// Every diagnostic, sorted and located.
    pub diagnostics: Diagnostics,
    /// Files per output folder (`cloudformation`, `terraform`, `airflow`); `None` when the spec
    /// has errors.
    pub files: Option<BTreeMap<&'static str, Rendered>>,
    /// Resources in the graph (for summaries).
    pub resources: usize,
}

/// Loads, validates, plans and renders `text`. `spec_file` names the spec in output and messages.
pub fn synthesize(text: &str, spec_file: &str, targets: &[Target]) -> Synthesis {
    let (diagnostics, plan) = check(text, targets);
    let Some(plan) = plan else {
        return Synthesis {
            diagnostics,
            files: None,
            resources: 0,
        };
    };
    let mut files: BTreeMap<&'static str, Rendered> = targets
        .iter()
        .map(|t| {
            let rendered = match t {
                Target::Cloudformation => render::cloudformation::render(&plan, crate::VERSION),
                Target::Terraform => render::terraform::render(&plan, crate::VERSION, spec_file),
            };
            (t.dir(), rendered)
        })
        .collect();
    if let Some(guide) = render::text::airflow_guide(&plan, spec_file) {
        files.insert("airflow", guide);
    }
    Synthesis {
        diagnostics,
        files: Some(files),
        resources: plan.count(),
    }
}

/// Loads, validates and plans; the plan is `None` when there is an error.
pub fn check(text: &str, targets: &[Target]) -> (Diagnostics, Option<plan::Plan>) {
    let loaded = load::load(text);
    let mut diagnostics = loaded.diagnostics;
    let mut result = None;
    if let Some(spec) = &loaded.spec {
        let opts = validate::Options {
            targets: targets.to_vec(),
        };
        let (checked, diags) = validate::validate(spec, &opts);
        diagnostics.extend(diags);
        if let (Some(checked), false) = (checked, diagnostics.has_errors()) {
            match plan::plan(&checked) {
                Ok(p) => {
                    if targets.contains(&Target::Cloudformation) {
                        diagnostics.extend(cloudformation_limits(&p));
                    }
                    if !diagnostics.has_errors() {
                        result = Some(p);
                    }
                }
                Err(d) => diagnostics.extend(d),
            }
        }
    }
    diagnostics.locate(&loaded.locations);
    diagnostics.sort();
    (diagnostics, result)
}

/// CloudFormation refuses a template with more than 500 resources, 200 outputs or 200 parameters.
fn cloudformation_limits(plan: &plan::Plan) -> Diagnostics {
    use crate::diagnostic::{Diagnostic, FieldPath, Location};
    let mut d = Diagnostics::default();
    for (what, count, max) in [
        ("resources", plan.resources.len(), 500),
        ("outputs", plan.outputs.len(), 200),
        ("parameters", plan.params.len(), 200),
    ] {
        if count > max {
            let mut diag = Diagnostic::error(
                    "cloudformation-limit",
                    FieldPath::root(),
                    format!("the CloudFormation template would have {count} {what}, more than the {max} CloudFormation allows"),
                )
            .with_help("split the spec into several specs (stacks), or render with `--target terraform`");
            // The whole file is the cause; point at its start.
            diag.location = Some(Location { line: 1, column: 1 });
            d.push(diag);
        }
    }
    d
}
