//! Diagnostics: what is wrong, where (a spec path and, when known, a YAML line:column),
//! and how to fix it.

pub mod code;
mod path;
mod suggest;

use std::fmt::Write as _;

use serde::Serialize;

pub use code::Code;
pub use path::{FieldPath, Segment};
pub use suggest::{did_you_mean, levenshtein, reset_budget as reset_suggestion_budget, suggest};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A line and column in the spec file, both 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable code, e.g. `unknown-virtual-node`.
    pub code: Code,
    pub path: FieldPath,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl Diagnostic {
    pub fn error(code: Code, path: FieldPath, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            path,
            message: message.into(),
            help: None,
            location: None,
        }
    }
    pub fn warning(code: Code, path: FieldPath, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, path, message)
        }
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Every diagnostic of one run, in a stable order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn last_mut(&mut self) -> &mut Diagnostic {
        self.0.last_mut().expect("called right after a push")
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }
    pub fn errors(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }
    pub fn warnings(&self) -> usize {
        self.0.len() - self.errors()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }
    /// Sorts by position in the file (unlocated last), then path, then code, and drops exact repeats.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            let la = a
                .location
                .map(|l| (l.line, l.column))
                .unwrap_or((usize::MAX, 0));
            let lb = b
                .location
                .map(|l| (l.line, l.column))
                .unwrap_or((usize::MAX, 0));
            (la, &a.path, a.code, &a.message).cmp(&(lb, &b.path, b.code, &b.message))
        });
        self.0.dedup();
        // An error for the same reason at the same place supersedes a warning (a quota that one
        // target enforces as a hard cap, say): report it once, as the error.
        let errors: std::collections::BTreeSet<(Code, FieldPath)> = self
            .0
            .iter()
            .filter(|d| d.is_error())
            .map(|d| (d.code, d.path.clone()))
            .collect();
        self.0
            .retain(|d| d.is_error() || !errors.contains(&(d.code, d.path.clone())));
    }
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Diagnostic> {
        self.0.iter_mut()
    }

    /// The human report: one block per diagnostic, then a summary line.
    pub fn render_human(&self, file: &str) -> String {
        let mut out = String::new();
        for d in &self.0 {
            let sev = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let _ = writeln!(out, "{sev}[{}]: {}", d.code, d.message);
            match d.location {
                Some(l) => {
                    let _ = writeln!(out, "  --> {file}:{}:{}", l.line, l.column);
                }
                None => {
                    let _ = writeln!(out, "  --> {file}");
                }
            }
            let _ = writeln!(out, "   = at: {}", d.path);
            if let Some(h) = &d.help {
                let _ = writeln!(out, "   = help: {h}");
            }
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "{}: {} error(s), {} warning(s)",
            file,
            self.errors(),
            self.warnings()
        );
        out
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}
