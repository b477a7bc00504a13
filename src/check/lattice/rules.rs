//! The Lattice bounds and quotas over the [`Model`], and a warning (an error under `--strict`)
//! for each spec feature Lattice drops.

use super::model::{Model, Outcome};
use crate::check::Ctx;
use crate::diagnostic::Code;

pub(super) fn check(ctx: &mut Ctx, model: &Model, strict: bool) {
    dropped(ctx, model, strict);
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
