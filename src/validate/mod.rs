//! Validation: every rule runs, every finding is kept, and only a spec without errors
//! becomes a [`Checked`] spec that the planner accepts.
//!
//! Rule groups live in their own modules and push into one [`Ctx`]:
//! - `names`: App Mesh name rules, references between resources;
//! - `nodes`: listeners, health checks, TLS, service discovery of nodes and gateways;
//! - `routes`: routes and gateway routes (matches, targets, retries, protocols, ports);
//! - `limits`: quotas and target-specific limits (the Terraform provider's caps);
//! - `airflow`: the `airflow` and `workloads` sections (versions, secrets, task sizes, egress).

mod airflow;
mod common;
mod limits;
mod names;
mod nodes;
mod routes;

use crate::diagnostic::{Diagnostic, Diagnostics, FieldPath};
use crate::model::Spec;
use crate::render::Target;

/// A spec that passed validation. Only [`validate`] makes one, so the planner cannot be handed
/// an unchecked spec.
#[derive(Debug, Clone, Copy)]
pub struct Checked<'a> {
    spec: &'a Spec,
}

impl<'a> Checked<'a> {
    pub fn spec(&self) -> &'a Spec {
        self.spec
    }
}

/// What validation needs to know beyond the spec.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The targets that will be rendered; some rules apply to one target only.
    pub targets: Vec<Target>,
}

/// The sink every rule writes to.
pub(crate) struct Ctx<'a> {
    pub spec: &'a Spec,
    pub opts: &'a Options,
    pub out: Diagnostics,
}

impl Ctx<'_> {
    pub fn error(
        &mut self,
        code: &'static str,
        path: FieldPath,
        msg: impl Into<String>,
    ) -> &mut Diagnostic {
        self.push(Diagnostic::error(code, path, msg))
    }
    pub fn warning(
        &mut self,
        code: &'static str,
        path: FieldPath,
        msg: impl Into<String>,
    ) -> &mut Diagnostic {
        self.push(Diagnostic::warning(code, path, msg))
    }
    fn push(&mut self, d: Diagnostic) -> &mut Diagnostic {
        self.out.push(d);
        self.out.last_mut()
    }
    pub fn targets(&self, t: Target) -> bool {
        self.opts.targets.contains(&t)
    }
}

/// Runs every rule. Returns the checked spec when there is no error; warnings come back either way.
pub fn validate<'a>(spec: &'a Spec, opts: &Options) -> (Option<Checked<'a>>, Diagnostics) {
    let mut ctx = Ctx {
        spec,
        opts,
        out: Diagnostics::default(),
    };
    names::check(&mut ctx);
    nodes::check(&mut ctx);
    routes::check(&mut ctx);
    limits::check(&mut ctx);
    airflow::check(&mut ctx);
    let out = ctx.out;
    let checked = (!out.has_errors()).then_some(Checked { spec });
    (checked, out)
}

/// The root paths of the spec's collections.
pub(crate) fn node_path(name: &str) -> FieldPath {
    FieldPath::root().key("virtual_nodes").key(name)
}
pub(crate) fn router_path(name: &str) -> FieldPath {
    FieldPath::root().key("virtual_routers").key(name)
}
pub(crate) fn service_path(name: &str) -> FieldPath {
    FieldPath::root().key("virtual_services").key(name)
}
pub(crate) fn gateway_path(name: &str) -> FieldPath {
    FieldPath::root().key("virtual_gateways").key(name)
}
