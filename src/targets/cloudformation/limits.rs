//! What CloudFormation refuses of a whole template.

use crate::diagnostic::{Diagnostic, Diagnostics, FieldPath, Location};
use crate::ir::Plan;

pub(super) fn check(plan: &Plan) -> Diagnostics {
    let mut d = Diagnostics::default();
    for (what, count, max) in [
        ("resources", plan.resources.len(), 500),
        ("outputs", plan.outputs.len(), 200),
        ("parameters", plan.params.len(), 200),
    ] {
        if count > max {
            let mut diag = Diagnostic::error(
                    crate::diagnostic::Code::CloudformationLimit,
                    FieldPath::root(),
                    format!("the CloudFormation template would have {count} {what}, more than the {max} CloudFormation allows"),
                )
            .with_help("split the spec into several specs (stacks), or render with `--target terraform`");
            // The whole file is the cause; point at its start.
            diag.location = Some(Location { line: 1, column: 1 });
            d.push(diag);
        }
    }
    d
}
