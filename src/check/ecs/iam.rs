//! IAM names meshsynth derives from the spec.

use crate::check::Ctx;
use crate::diagnostic::{Code, FieldPath};

/// IAM role names: at most 64 characters.
const MAX_ROLE_NAME: usize = 64;

/// The task role of a task definition is `<project>-<what>`; IAM caps role names at 64.
pub(crate) fn check_role_name(ctx: &mut Ctx, code: Code, path: FieldPath, what: &str, role: &str) {
    let n = role.chars().count();
    if n > MAX_ROLE_NAME {
        let over = n - MAX_ROLE_NAME;
        ctx.error(
            code,
            path,
            format!(
                "{what} gets the IAM role `{role}`, {n} characters, more than the {MAX_ROLE_NAME} IAM allows"
            ),
        )
        .help = Some(format!(
            "shorten the name (or the project `name`) by at least {over} character{}",
            if over == 1 { "" } else { "s" }
        ));
    }
}
