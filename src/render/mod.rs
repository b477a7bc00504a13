//! Renderers: one per target, each a pure function from the resource graph to files in memory.

pub mod cloudformation;
pub mod terraform;
pub mod text;

use std::collections::BTreeMap;

/// An output target.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// A CloudFormation template (`cloudformation/template.json`).
    Cloudformation,
    /// A Terraform JSON module (`terraform/*.tf.json` and `README.md`).
    Terraform,
}

impl Target {
    pub const ALL: [Target; 2] = [Target::Cloudformation, Target::Terraform];
    pub fn dir(self) -> &'static str {
        match self {
            Target::Cloudformation => "cloudformation",
            Target::Terraform => "terraform",
        }
    }
}

/// Rendered files: path relative to the spec's output folder → content.
pub type Rendered = BTreeMap<String, String>;

/// 2-space JSON with a trailing newline: the one JSON style of every output file.
pub fn to_json_text(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("JSON values always serialize");
    s.push('\n');
    s
}
