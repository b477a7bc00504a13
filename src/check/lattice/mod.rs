//! VPC Lattice's own rules, run when the Lattice backend is rendered: its bounds on names,
//! rules, headers and paths (the strictest of API, CloudFormation and Terraform), its quotas
//! (warnings: they can be raised), and a warning for every spec feature Lattice drops.

pub mod model;
mod rules;

pub use model::Model;

use super::Checked;
use crate::diagnostic::Diagnostics;

/// Builds the Lattice model of `checked` (kept in it for the lowering) and runs the Lattice
/// rules over it. Findings on generated objects point at the part of the spec they come from.
pub(super) fn check(checked: &mut Checked, strict: bool) -> Diagnostics {
    let api = checked.api_service();
    let model = Model::build(checked.spec(), api.as_deref());
    let mut ctx = super::Ctx::new(checked.spec());
    rules::check(&mut ctx, &model, strict, checked);
    let mut out = Diagnostics::default();
    for mut d in ctx.out {
        d.path = checked.source(&d.path);
        out.push(d);
    }
    checked.set_lattice(model);
    out
}
