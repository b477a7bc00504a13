//! Human-facing text, rendered with minijinja from `templates/` (embedded at build time).

use minijinja::{Environment, UndefinedBehavior};

const TERRAFORM_README: &str = include_str!("../../templates/terraform-README.md.j2");
const AIRFLOW_README: &str = include_str!("../../templates/airflow-README.md.j2");
const AIRFLOW_EKS_README: &str = include_str!("../../templates/airflow-eks-README.md.j2");
const MIGRATION: &str = include_str!("../../templates/MIGRATION.md.j2");
const WHERE_TO_LOOK: &str = include_str!("../../templates/where-to-look.md.j2");

/// The bundled templates, each compiled the first time it is rendered (a run renders two or
/// three of the five; compiling all of them took a third of a small spec's synthesis).
fn env() -> &'static Environment<'static> {
    static ENV: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        // A variable missing from the context is a bug, not an empty string.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_loader(|name| {
            Ok(match name {
                "terraform-README.md" => Some(TERRAFORM_README.to_owned()),
                "airflow-README.md" => Some(AIRFLOW_README.to_owned()),
                "airflow-eks-README.md" => Some(AIRFLOW_EKS_README.to_owned()),
                "MIGRATION.md" => Some(MIGRATION.to_owned()),
                "where-to-look.md" => Some(WHERE_TO_LOOK.to_owned()),
                _ => None,
            })
        });
        env.add_filter("cell", cell);
        env.add_filter("code", code);
        env
    })
}

/// Text made safe for one Markdown table cell: `|` escaped, line breaks as spaces.
fn cell(s: String) -> String {
    s.replace('|', "\\|").replace(['\r', '\n'], " ")
}

/// Text as a Markdown code span, with enough backticks around it to hold any inside.
fn code(s: String) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    if longest == 0 {
        return format!("`{s}`");
    }
    let fence = "`".repeat(longest + 1);
    format!("{fence} {s} {fence}")
}

/// Renders a bundled template; the text always ends with a newline.
pub fn render(template: &str, ctx: minijinja::Value) -> String {
    let mut s = env()
        .get_template(template)
        .and_then(|t| t.render(ctx))
        .expect("the bundled template renders with this context");
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    /// Templates compile when first rendered: each must parse, and names no other template.
    #[test]
    fn every_bundled_template_parses() {
        for name in [
            "terraform-README.md",
            "airflow-README.md",
            "airflow-eks-README.md",
            "MIGRATION.md",
            "where-to-look.md",
        ] {
            super::env()
                .get_template(name)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        assert!(super::env().get_template("missing.md").is_err());
    }
}
