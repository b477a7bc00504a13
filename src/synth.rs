//! The whole pipeline as one call: text → diagnostics and, when the spec is valid, files.

use std::collections::BTreeMap;

use crate::diagnostic::{reset_suggestion_budget, Diagnostics};
use crate::ir::{check_graph, Plan};
use crate::spec::{load, MeshBackend};
use crate::targets::{self, ids, Output, Prepared, RenderOptions, Rendered, Target};
use crate::{check, lower};

/// What one synthesis produced.
pub struct Synthesis {
    /// Every diagnostic, sorted and located.
    pub diagnostics: Diagnostics,
    /// Files per output folder, relative to the spec's folder (`cloudformation`, `terraform`,
    /// `airflow`, and `vpc_lattice/cloudformation`, ... for the Lattice backend); `None` when
    /// the spec has errors.
    pub files: Option<BTreeMap<String, Rendered>>,
    /// Resources in each backend's graph (for summaries), by the folder its targets go to.
    pub resources: BTreeMap<String, usize>,
    /// The backends rendered, in order.
    pub backends: Vec<MeshBackend>,
    /// What the Lattice output keeps of the spec, when the Lattice backend is rendered.
    pub migration: Option<crate::ir::MigrationDoc>,
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
    /// The backends to render; `None` renders the one the spec names (`mesh.backend`).
    pub backends: Option<&'a [MeshBackend]>,
    /// Whether a feature the Lattice backend drops is an error.
    pub strict: bool,
    /// The output's shape beside the spec (`--max-resources-per-stack`).
    pub settings: targets::Settings,
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
            backends: None,
            strict: false,
            settings: targets::Settings::default(),
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
    let scope = CheckOptions {
        targets: opts.targets,
        backends: opts.backends,
        strict: opts.strict,
        settings: opts.settings,
    };
    let (diagnostics, checked) = check_prepared(spec, &scope);
    let (plans, mut prepared): (Vec<Plan>, Vec<Vec<Option<Prepared>>>) =
        checked.into_iter().unzip();
    let backends: Vec<MeshBackend> = plans.iter().map(|p| p.backend).collect();
    if plans.is_empty() {
        return Synthesis {
            diagnostics,
            files: None,
            resources: BTreeMap::new(),
            backends,
            migration: None,
        };
    }
    let mut files: BTreeMap<String, Rendered> = BTreeMap::new();
    let mut resources = BTreeMap::new();
    let mut migration = None;
    let mut jobs: Vec<(String, &'static dyn Target, &Plan, Option<Prepared>)> = Vec::new();
    for (plan, prepared) in plans.iter().zip(&mut prepared) {
        let prefix = plan.backend.folder();
        if let (Some(doc), Some(folder)) = (&plan.migration, prefix) {
            let mut doc = doc.clone();
            doc.spec_file = opts.spec_file.to_owned();
            files.insert(
                folder.to_owned(),
                Rendered::from([(
                    targets::migration::FILE_NAME.to_owned(),
                    targets::migration::render(&doc),
                )]),
            );
            migration = Some(doc);
        }
        let folder_of = |name: &str| match prefix {
            Some(p) => format!("{p}/{name}"),
            None => name.to_owned(),
        };
        for (i, t) in opts
            .targets
            .iter()
            .copied()
            .chain(targets::guides())
            .enumerate()
        {
            let key = folder_of(t.name());
            if files.contains_key(&key) || jobs.iter().any(|(k, ..)| *k == key) {
                continue;
            }
            let ready = prepared.get_mut(i).and_then(Option::take);
            jobs.push((key, t, plan, ready));
        }
    }
    // Targets render independently: on as many threads as there are (each is pure).
    let rendered: Vec<Rendered> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .iter_mut()
            .map(|(key, t, plan, ready)| {
                let render = RenderOptions {
                    version: crate::VERSION,
                    spec_file: opts.spec_file,
                    folder: format!("{}/{key}", opts.folder),
                    settings: opts.settings,
                };
                let (t, plan, ready) = (*t, *plan, ready.take());
                scope.spawn(move || t.render_prepared(plan, &render, ready))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a renderer panicked"))
            .collect()
    });
    for ((key, t, plan, _), rendered) in jobs.into_iter().zip(rendered) {
        if !rendered.is_empty() {
            if t.output() == Output::Iac {
                resources.insert(key.clone(), t.count(plan));
            }
            files.insert(key, rendered);
        }
    }
    // A graph of a thousand services is millions of small values, and freeing them took 50 ms
    // of the run (perf): they are freed on a thread of their own, which nothing waits for (a
    // process that exits first leaves the freeing to the system).
    std::thread::spawn(move || drop(plans));
    Synthesis {
        diagnostics,
        files: Some(files),
        resources,
        backends,
        migration,
    }
}

/// What [`check_scoped`] validates and plans for.
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions<'a> {
    pub targets: &'a [&'static dyn Target],
    /// `None`: the backend the spec names.
    pub backends: Option<&'a [MeshBackend]>,
    pub strict: bool,
    pub settings: targets::Settings,
}

/// Loads, validates and plans for `targets`, with the spec's own backend; the plan is `None`
/// when there is an error.
pub fn check(text: &str, targets: &[&'static dyn Target]) -> (Diagnostics, Option<Plan>) {
    check_bytes(text.as_bytes(), targets)
}

/// [`check`] for a spec file's bytes: bytes that are not UTF-8 are a located diagnostic like any
/// other.
pub fn check_bytes(spec: &[u8], targets: &[&'static dyn Target]) -> (Diagnostics, Option<Plan>) {
    let (d, plans) = check_scoped(
        spec,
        &CheckOptions {
            targets,
            backends: None,
            strict: false,
            settings: targets::Settings::default(),
        },
    );
    (d, plans.into_iter().next())
}

/// Loads, validates and plans one graph per backend; no plan when there is an error.
pub fn check_scoped(spec: &[u8], opts: &CheckOptions) -> (Diagnostics, Vec<Plan>) {
    let (diagnostics, checked) = check_prepared(spec, opts);
    (diagnostics, checked.into_iter().map(|(p, _)| p).collect())
}

/// A plan, with what each target prepared for rendering it.
type Checked = (Plan, Vec<Option<Prepared>>);

/// [`check_scoped`], with what each of `opts.targets` prepared for rendering each plan (in the
/// order of `opts.targets`).
fn check_prepared(spec: &[u8], opts: &CheckOptions) -> (Diagnostics, Vec<Checked>) {
    let targets = opts.targets;
    // Every check's "did you mean" help shares one budget, so no spec can make it slow.
    reset_suggestion_budget();
    let loaded = load::load_bytes(spec);
    let mut diagnostics = loaded.diagnostics;
    let mut result = Vec::new();
    if let Some(spec) = &loaded.spec {
        let own = [spec.mesh.backend()];
        let backends = opts.backends.unwrap_or(&own);
        let scope = check::Scope {
            backends,
            strict: opts.strict,
        };
        let (checked, diags) = check::validate(spec, &scope, &|ctx| {
            for t in targets {
                t.rules(ctx);
            }
        });
        diagnostics.extend(diags);
        if let (Some(checked), false) = (checked, diagnostics.has_errors()) {
            let mut plans = Vec::new();
            for b in backends {
                let plan = lower::lower(&checked, *b);
                // Graph-level problems the spec rules cannot see: two names that sanitise to
                // the same identifier, a dangling reference, a dependency cycle.
                // Identifiers collide or not whichever targets this run renders: a spec that
                // one target refuses is not half valid.
                // The targets' limits run beside the graph checks (all read the plan only), and
                // count only when the graph is sound.
                let (graph, limits) = std::thread::scope(|scope| {
                    let limits: Vec<_> = targets
                        .iter()
                        .map(|t| scope.spawn(|| t.prepare(&plan, &opts.settings)))
                        .collect();
                    let mut graph = ids::check_collisions(&plan, &targets::iac());
                    graph.extend(check_graph(&plan));
                    if !graph.has_errors() {
                        graph.extend(lower::observe::findings(&plan));
                    }
                    let limits: Vec<_> = limits
                        .into_iter()
                        .map(|h| h.join().expect("a target's limits panicked"))
                        .collect();
                    (graph, limits)
                });
                let has_errors = graph.has_errors();
                diagnostics.extend(graph);
                let mut prepared = Vec::new();
                if !has_errors {
                    for (d, ready) in limits {
                        diagnostics.extend(d);
                        prepared.push(ready);
                    }
                }
                plans.push((plan, prepared));
            }
            if !diagnostics.has_errors() {
                result = plans;
            }
        }
    }
    loaded.locations.locate(&mut diagnostics);
    diagnostics.sort();
    (diagnostics, result)
}

/// Whether a rendered folder is infrastructure (counted in summaries) or a guide.
pub fn is_iac(folder: &str) -> bool {
    let name = folder.rsplit('/').next().unwrap_or(folder);
    targets::by_name(name).is_some_and(|t| t.output() == Output::Iac)
}
