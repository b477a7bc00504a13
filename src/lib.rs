//! meshsynth: a typed App Mesh (+ Airflow) spec → validated → CloudFormation JSON and a
//! Terraform JSON module.
//!
//! The pipeline runs one way:
//! 1. [`load`]: YAML text → raw [`model::Spec`], collecting unknown keys and a line:column index;
//! 2. [`validate`]: every rule at once → [`validate::Checked`] (the only way to get one) plus
//!    [`diagnostic::Diagnostics`];
//! 3. [`plan`]: `Checked` → a provider-neutral resource graph whose references are stored once;
//! 4. [`render`]: one renderer per target turns the graph into files, in memory;
//! 5. the CLI writes them atomically.

pub mod diagnostic;
pub mod load;
pub mod model;
pub mod plan;
pub mod render;
pub mod schema;
pub mod synth;
pub mod validate;

/// The tool's version; it appears in one place of each output.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
