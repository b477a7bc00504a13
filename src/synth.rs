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
                Ok(p) => result = Some(p),
                Err(d) => diagnostics.extend(d),
            }
        }
    }
    diagnostics.locate(&loaded.locations);
    diagnostics.sort();
    (diagnostics, result)
}
