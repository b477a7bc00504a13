//! The whole pipeline as one call: text → diagnostics and, when the spec is valid, files.

use std::collections::BTreeMap;

use crate::diagnostic::{reset_suggestion_budget, Diagnostics};
use crate::ir::{check_graph, Plan};
use crate::spec::load;
use crate::targets::{self, ids, Output, RenderOptions, Rendered, Target};
use crate::{check, lower};

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

/// How to synthesize one spec.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    /// The spec file as the user named it, for output and messages.
    pub spec_file: &'a str,
    /// The infrastructure targets to render; guides come with any of them.
    pub targets: &'a [&'static dyn Target],
    /// The folder this spec's target folders go to, as the user would type it (`out/orders`).
    pub folder: String,
}

impl<'a> Options<'a> {
    /// Output under `out/<spec file stem>/`, as `meshsynth synth` writes by default.
    pub fn new(spec_file: &'a str, targets: &'a [&'static dyn Target]) -> Self {
        let stem = spec_file
            .rsplit('/')
            .next()
            .unwrap_or(spec_file)
            .trim_end_matches(".yaml")
            .trim_end_matches(".yml");
        Options {
            spec_file,
            targets,
            folder: format!("out/{stem}"),
        }
    }
}

/// Loads, validates, plans and renders `text` into `out/<spec stem>/`.
pub fn synthesize(text: &str, spec_file: &str, targets: &[&'static dyn Target]) -> Synthesis {
    synthesize_with(text, &Options::new(spec_file, targets))
}

/// Loads, validates, plans and renders `text` as `opts` says.
pub fn synthesize_with(text: &str, opts: &Options) -> Synthesis {
    synthesize_bytes(text.as_bytes(), opts)
}

/// Loads, validates, plans and renders a spec file's bytes as `opts` says: bytes that are not
/// UTF-8 are a located diagnostic like any other.
pub fn synthesize_bytes(spec: &[u8], opts: &Options) -> Synthesis {
    let (diagnostics, plan) = check_bytes(spec, opts.targets);
    let Some(plan) = plan else {
        return Synthesis {
            diagnostics,
            files: None,
            resources: 0,
        };
    };
    let mut files: BTreeMap<&'static str, Rendered> = BTreeMap::new();
    for t in opts.targets.iter().copied().chain(targets::guides()) {
        if files.contains_key(t.name()) {
            continue;
        }
        let render = RenderOptions {
            version: crate::VERSION,
            spec_file: opts.spec_file,
            folder: format!("{}/{}", opts.folder, t.name()),
        };
        let rendered = t.render(&plan, &render);
        if !rendered.is_empty() {
            files.insert(t.name(), rendered);
        }
    }
    Synthesis {
        diagnostics,
        files: Some(files),
        resources: plan.count(),
    }
}

/// Loads, validates and plans for `targets`; the plan is `None` when there is an error.
pub fn check(text: &str, targets: &[&'static dyn Target]) -> (Diagnostics, Option<Plan>) {
    check_bytes(text.as_bytes(), targets)
}

/// [`check`] for a spec file's bytes: bytes that are not UTF-8 are a located diagnostic like any
/// other.
pub fn check_bytes(spec: &[u8], targets: &[&'static dyn Target]) -> (Diagnostics, Option<Plan>) {
    // Every check's "did you mean" help shares one budget, so no spec can make it slow.
    reset_suggestion_budget();
    let loaded = load::load_bytes(spec);
    let mut diagnostics = loaded.diagnostics;
    let mut result = None;
    if let Some(spec) = &loaded.spec {
        let (checked, diags) = check::validate(spec, &|ctx| {
            for t in targets {
                t.rules(ctx);
            }
        });
        diagnostics.extend(diags);
        if let (Some(checked), false) = (checked, diagnostics.has_errors()) {
            let plan = lower::lower(&checked);
            // Graph-level problems the spec rules cannot see: two names that sanitise to the
            // same identifier, a dangling reference, a dependency cycle.
            // Identifiers collide or not whichever targets this run renders: a spec that one
            // target refuses is not half valid.
            let mut graph = ids::check_collisions(&plan, &targets::iac());
            graph.extend(check_graph(&plan));
            if graph.has_errors() {
                diagnostics.extend(graph);
            } else {
                for t in targets {
                    diagnostics.extend(t.limits(&plan));
                }
                if !diagnostics.has_errors() {
                    result = Some(plan);
                }
            }
        }
    }
    loaded.locations.locate(&mut diagnostics);
    diagnostics.sort();
    (diagnostics, result)
}

/// Whether a rendered folder is infrastructure (counted in summaries) or a guide.
pub fn is_iac(folder: &str) -> bool {
    targets::by_name(folder).is_some_and(|t| t.output() == Output::Iac)
}
