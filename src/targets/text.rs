//! Human-facing text, rendered with minijinja from `templates/` (embedded at build time).

use minijinja::{Environment, UndefinedBehavior};

const TERRAFORM_README: &str = include_str!("../../templates/terraform-README.md.j2");
const AIRFLOW_README: &str = include_str!("../../templates/airflow-README.md.j2");
const AIRFLOW_EKS_README: &str = include_str!("../../templates/airflow-eks-README.md.j2");
const MIGRATION: &str = include_str!("../../templates/MIGRATION.md.j2");
const WHERE_TO_LOOK: &str = include_str!("../../templates/where-to-look.md.j2");

fn env() -> Environment<'static> {
    let mut env = Environment::new();
    // A variable missing from the context is a bug, not an empty string.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_template("terraform-README.md", TERRAFORM_README)
        .expect("the bundled template parses");
    env.add_template("airflow-README.md", AIRFLOW_README)
        .expect("the bundled template parses");
    env.add_template("airflow-eks-README.md", AIRFLOW_EKS_README)
        .expect("the bundled template parses");
    env.add_template("MIGRATION.md", MIGRATION)
        .expect("the bundled template parses");
    env.add_template("where-to-look.md", WHERE_TO_LOOK)
        .expect("the bundled template parses");
    env.add_filter("cell", cell);
    env.add_filter("code", code);
    env
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
