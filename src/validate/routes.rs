//! placeholder until the rule group is written
use super::Ctx;
pub(crate) fn check(_ctx: &mut Ctx) {}
