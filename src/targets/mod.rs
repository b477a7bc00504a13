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

/// What a renderer is told besides the graph.
#[derive(Debug, Clone)]
pub struct RenderOptions<'a> {
    /// The tool version, written once per target.
    pub version: &'a str,
    /// The spec file as the user named it.
    pub spec_file: &'a str,
    /// Where this target's folder is written, as the user would type it (`out/orders/terraform`).
    pub folder: String,
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
    fn limits(&self, _plan: &Plan) -> Diagnostics {
        Diagnostics::default()
    }
    /// The identifier a resource gets in this target, as (scope, identifier): two resources with
    /// the same pair collide. `None` for targets that name no resources.
    fn identifier(&self, _id: &crate::ir::ResourceId) -> Option<(String, String)> {
        None
    }
    /// The files of this target; empty when the spec gives it nothing to write.
    fn render(&self, plan: &Plan, opts: &RenderOptions) -> Rendered;
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
pub fn to_json_text(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("JSON values always serialize");
    s.push('\n');
    s
}
