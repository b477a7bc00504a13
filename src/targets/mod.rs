//! Output targets: each owns its folder name, its rules (what it cannot express), its limits
//! (what it refuses once the graph exists) and a pure renderer from the graph to files in memory.
//! [`ALL`] is the registry `synth` iterates; adding a target is a folder and one line there.

pub mod cloudformation;
pub mod dag;
pub mod eks_dag;
pub mod guide;
pub mod helm;
pub mod ids;
pub mod kubernetes;
pub mod migration;
pub mod terraform;
mod text;

use std::collections::BTreeMap;

use crate::check::Ctx;
use crate::diagnostic::Diagnostics;
use crate::ir::Plan;

/// Rendered files: path relative to the target's folder → content.
pub type Rendered = BTreeMap<String, String>;

/// What a target worked out about a graph while checking its limits and needs again to render
/// it (CloudFormation's nested-stack layout): handed from one to the other so it is done once.
pub type Prepared = Box<dyn std::any::Any + Send + Sync>;

/// What the user chose about the output's shape, beside the spec.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settings {
    /// `--max-resources-per-stack`: CloudFormation templates hold at most this many resources
    /// (at most the quota of 500) before the output splits into nested stacks.
    pub max_resources_per_stack: Option<u32>,
}

/// What a renderer is told besides the graph.
#[derive(Debug, Clone)]
pub struct RenderOptions<'a> {
    /// The tool version, written once per target.
    pub version: &'a str,
    /// The spec file as the user named it.
    pub spec_file: &'a str,
    /// Where this target's folder is written, as the user would type it (`out/orders/terraform`).
    pub folder: String,
    pub settings: Settings,
}

/// What a target produces: deployable infrastructure, or a guide beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Infrastructure as code; chosen with `--target`.
    Iac,
    /// Human-facing text written whenever the spec calls for it.
    Guide,
}

/// One output target.
pub trait Target: Sync {
    /// The `--target` value and the output folder's name.
    fn name(&self) -> &'static str;
    /// What `--help` says of it.
    fn about(&self) -> &'static str;
    fn output(&self) -> Output;
    /// Rules that hold for this target only (fields it cannot express); run with the spec's own.
    fn rules(&self, _ctx: &mut Ctx) {}
    /// How many objects its output holds, for summaries: the graph's AWS resources unless the
    /// target writes something else.
    fn count(&self, plan: &Plan) -> usize {
        plan.count()
    }
    /// Limits of the whole graph (resource counts, say), checked before anything is rendered.
    fn limits(&self, _plan: &Plan, _settings: &Settings) -> Diagnostics {
        Diagnostics::default()
    }
    /// [`Target::limits`], and what of that work [`Target::render_prepared`] can reuse.
    fn prepare(&self, plan: &Plan, settings: &Settings) -> (Diagnostics, Option<Prepared>) {
        (self.limits(plan, settings), None)
    }
    /// The identifier a resource gets in this target, as (scope, identifier): two resources with
    /// the same pair collide. `None` for targets that name no resources.
    fn identifier(&self, _id: &crate::ir::ResourceId) -> Option<(String, String)> {
        None
    }
    /// The files of this target; empty when the spec gives it nothing to write.
    fn render(&self, plan: &Plan, opts: &RenderOptions) -> Rendered;
    /// [`Target::render`] with what [`Target::prepare`] worked out for the same graph and
    /// settings.
    fn render_prepared(
        &self,
        plan: &Plan,
        opts: &RenderOptions,
        _prepared: Option<Prepared>,
    ) -> Rendered {
        self.render(plan, opts)
    }
}

impl std::fmt::Debug for dyn Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq for dyn Target {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

pub static CLOUDFORMATION: &dyn Target = &cloudformation::CloudFormation;
pub static TERRAFORM: &dyn Target = &terraform::Terraform;
pub static KUBERNETES: &dyn Target = &kubernetes::Kubernetes;
pub static HELM: &dyn Target = &helm::Helm;
pub static AIRFLOW_GUIDE: &dyn Target = &guide::AirflowGuide;

/// Every target, in the order summaries list them.
pub static ALL: &[&dyn Target] = &[CLOUDFORMATION, TERRAFORM, KUBERNETES, HELM, AIRFLOW_GUIDE];

/// The targets `--target` chooses among.
pub fn iac() -> Vec<&'static dyn Target> {
    ALL.iter()
        .copied()
        .filter(|t| t.output() == Output::Iac)
        .collect()
}

/// The guides, which go with every choice of `--target`.
pub fn guides() -> Vec<&'static dyn Target> {
    ALL.iter()
        .copied()
        .filter(|t| t.output() == Output::Guide)
        .collect()
}

/// A target by its name.
pub fn by_name(name: &str) -> Option<&'static dyn Target> {
    ALL.iter().copied().find(|t| t.name() == name)
}

/// 2-space JSON with a trailing newline: the one JSON style of every output file.
pub fn to_json_text(v: &impl serde::Serialize) -> String {
    with_scratch(|buf| {
        serde_json::to_writer_pretty(&mut *buf, v).expect("JSON values always serialize");
    })
}

/// The text `write` appends to an empty buffer, with a final newline. The buffer is the
/// thread's own and is kept: a growing `String` per file reallocates and copies a template
/// many times over (a nested layout writes hundreds), where this copies each once, into an
/// allocation of its size.
fn with_scratch(write: impl FnOnce(&mut Vec<u8>)) -> String {
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let run = |buf: &mut Vec<u8>| {
        buf.clear();
        write(buf);
        buf.push(b'\n');
        String::from_utf8(buf.as_slice().to_vec()).expect("serde_json writes UTF-8")
    };
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => run(&mut buf),
        // Text written while the thread's buffer is in use gets its own.
        Err(_) => run(&mut Vec::new()),
    })
}

/// 2-space JSON whose values nested deeper than `depth` levels stay on one line: the root
/// template of nested stacks, whose hundreds of stack parameters would otherwise take six
/// lines each and push it past CloudFormation's 1 MB.
pub fn to_json_text_flat_below(v: &impl serde::Serialize, depth: usize) -> String {
    with_scratch(|buf| {
        let mut ser = serde_json::Serializer::with_formatter(buf, FlatBelow::new(depth));
        v.serialize(&mut ser).expect("JSON values always serialize");
    })
}

/// serde_json's pretty style down to a depth, compact (`{"a": 1, "b": [2, 3]}`) below it.
struct FlatBelow {
    depth: usize,
    flat_from: usize,
    has_value: bool,
}

impl FlatBelow {
    fn new(flat_from: usize) -> Self {
        FlatBelow {
            depth: 0,
            flat_from,
            has_value: false,
        }
    }
    fn flat(&self) -> bool {
        self.depth > self.flat_from
    }
    fn newline<W: ?Sized + std::io::Write>(&self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..self.depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }
    fn begin<W: ?Sized + std::io::Write>(&mut self, w: &mut W, c: &[u8]) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(c)
    }
    fn end<W: ?Sized + std::io::Write>(&mut self, w: &mut W, c: &[u8]) -> std::io::Result<()> {
        let flat = self.flat();
        self.depth -= 1;
        if self.has_value && !flat {
            self.newline(w)?;
        }
        self.has_value = true;
        w.write_all(c)
    }
    fn item<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if self.flat() {
            if !first {
                w.write_all(b", ")?;
            }
            Ok(())
        } else {
            if !first {
                w.write_all(b",")?;
            }
            self.newline(w)
        }
    }
}

impl serde_json::ser::Formatter for FlatBelow {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.begin(w, b"[")
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.end(w, b"]")
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.begin(w, b"{")
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.end(w, b"}")
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}
