//! What CloudFormation refuses of a whole template, and when the output splits into nested
//! stacks instead.

use super::{layout, Shape};
use crate::diagnostic::Diagnostics;
use crate::ir::Plan;

pub(super) fn check(plan: &Plan, max_resources: usize) -> (Diagnostics, Shape) {
    if layout::fits_one(plan, max_resources) {
        return (Diagnostics::default(), Shape::One);
    }
    match layout::layout(plan, max_resources) {
        Ok(l) => {
            let mut d = Diagnostics::default();
            // The root is small next to its children: measured, not estimated. `aws
            // cloudformation package` rewrites it as block YAML, about a fifth larger than the
            // root as written (one line per stack's parameters), S3 URLs included.
            let bytes = super::nested::root_text(plan, "", &l).len();
            let packaged = bytes + bytes / 4;
            if packaged > layout::MAX_BODY_BYTES {
                d.push(layout::error(
                    format!(
                        "the root template would have about {packaged} bytes once `aws cloudformation package` rewrites it, more than the {} CloudFormation reads from S3",
                        layout::MAX_BODY_BYTES
                    ),
                    "split the spec into several specs (stacks), or render with `--target terraform`",
                ));
            }
            (d, Shape::Nested(Some(l)))
        }
        Err(d) => (d, Shape::Nested(None)),
    }
}
