//! meshsynth: a typed App Mesh (+ Airflow) spec → validated → CloudFormation JSON and a
//! Terraform JSON module.
//!
//! The pipeline runs one way:
//! 1. [`spec`]: YAML text → raw [`spec::Spec`], collecting unknown keys and a line:column index;
//! 2. [`check`]: every rule at once → [`check::Checked`] (the only way to get one: the spec plus
//!    what meshsynth generates, validated alike) and [`diagnostic::Diagnostics`];
//! 3. [`lower`]: `Checked` → the provider-neutral resource graph of [`ir`], whose references are
//!    stored once and whose resource kinds are described by one table;
//! 4. [`targets`]: one renderer per target turns the graph into files, in memory; each target owns
//!    its folder, its rules and its limits;
//! 5. the CLI writes them, each spec's folder in one step, with a [`manifest`] of what it wrote.

pub mod case;
pub mod check;
pub mod diagnostic;
pub mod generate;
pub mod import;
pub mod ir;
pub mod kube;
pub mod lower;
pub mod manifest;
pub mod observe;
pub mod par;
pub mod params;
pub mod spec;
pub mod synth;
pub mod targets;

/// The tool's version; it appears in one place of each output.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
