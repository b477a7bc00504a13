//! The Lattice rules over the [`Model`]: its names (`names`), bounds and quotas (`bounds`), DNS
//! (`dns`), settings (`settings`), auth (`auth`) and, on EKS, what
//! the AWS Gateway API Controller can express (`controller`), and a warning (an error under
//! `--strict`) for each spec feature Lattice drops.

mod auth;
mod bounds;
mod controller;
mod dns;
mod names;
mod settings;

use std::collections::BTreeSet;

use super::model::{Model, Outcome};
use crate::check::{Checked, Ctx};
use crate::diagnostic::{Code, FieldPath};
use crate::spec::paths::node_path;

/// What the rules read besides the model: the spec with the generated objects (`ctx.spec`),
/// the nodes meshsynth generates, and where in the file a generated object comes from.
pub(super) struct Scope<'a> {
    pub model: &'a Model,
    /// The virtual nodes meshsynth generates for `airflow:` (it creates their IAM roles).
    pub generated: BTreeSet<String>,
    checked: &'a Checked,
}

impl Scope<'_> {
    /// A path as messages name it: generated objects by the part of the spec they come from.
    pub fn shown(&self, path: &FieldPath) -> String {
        self.checked.source(path).to_string()
    }
}

pub(super) fn check(ctx: &mut Ctx, model: &Model, strict: bool, checked: &Checked) {
    let generated = ctx
        .spec
        .virtual_nodes
        .keys()
        .filter(|n| checked.origin(&node_path(n)).is_some())
        .cloned()
        .collect();
    let scope = Scope {
        model,
        generated,
        checked,
    };
    dropped(ctx, model, strict);
    names::check(ctx, &scope);
    bounds::check(ctx, &scope);
    dns::check(ctx, &scope);
    settings::check(ctx);
    auth::check(ctx, &scope);
    controller::check(ctx, &scope);
}

/// Every feature the Lattice output leaves out.
fn dropped(ctx: &mut Ctx, model: &Model, strict: bool) {
    for f in model
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Dropped)
    {
        let msg = format!("VPC Lattice drops the {}: {}", f.feature, f.detail);
        let d = if strict {
            ctx.error(Code::LatticeDropped, f.path.clone(), msg)
        } else {
            ctx.warning(Code::LatticeDropped, f.path.clone(), msg)
        };
        d.help = f.remedy.clone();
    }
}
