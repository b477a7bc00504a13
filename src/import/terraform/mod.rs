//! Terraform HCL and Terraform JSON → [`crate::import::model::ReadFile`]s.

use crate::import::model::{ImportError, ReadFile, Supplied};

/// Reads every Terraform file of one module together (references cross the files of a module).
/// `files` are (path as given, text, is_json). Returns one ReadFile per input file, in input order.
pub fn read_module(
    files: &[(&str, &str, bool)],
    _supplied: &Supplied,
) -> Result<Vec<ReadFile>, Vec<ImportError>> {
    Err(files
        .iter()
        .map(|(f, _, _)| ImportError::new(f, None, "", "Terraform input is not supported yet"))
        .collect())
}
