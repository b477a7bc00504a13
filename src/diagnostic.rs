//! Diagnostics: what is wrong, where (a spec path and, when known, a YAML line:column),
//! and how to fix it.

use std::fmt::{self, Write as _};

use serde::Serialize;

/// One step of a path into the spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A path into the spec, e.g. `virtual_routers.orders.routes.default.http.targets.orders-v2`.
/// Keys that are not plain identifiers are quoted: `virtual_services["orders.orders.internal"]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldPath(Vec<Segment>);

impl FieldPath {
    pub fn root() -> Self {
        Self(Vec::new())
    }
    pub fn key(&self, k: impl Into<String>) -> Self {
        let mut v = self.0.clone();
        v.push(Segment::Key(k.into()));
        Self(v)
    }
    pub fn index(&self, i: usize) -> Self {
        let mut v = self.0.clone();
        v.push(Segment::Index(i));
        Self(v)
    }
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }
    pub fn from_segments(segments: Vec<Segment>) -> Self {
        Self(segments)
    }
    /// The longest prefix of this path (itself included) for which `f` answers.
    pub fn find_prefix<T>(&self, mut f: impl FnMut(&FieldPath) -> Option<T>) -> Option<T> {
        let mut p = self.clone();
        loop {
            if let Some(t) = f(&p) {
                return Some(t);
            }
            p.0.pop()?;
        }
    }
}

fn is_plain(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '/')
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(top level)");
        }
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Segment::Key(k) if is_plain(k) => {
                    if i > 0 {
                        f.write_char('.')?;
                    }
                    f.write_str(k)?;
                }
                Segment::Key(k) => write!(f, "[{k:?}]")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

impl Serialize for FieldPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

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
    pub code: &'static str,
    pub path: FieldPath,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl Diagnostic {
    pub fn error(code: &'static str, path: FieldPath, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            path,
            message: message.into(),
            help: None,
            location: None,
        }
    }
    pub fn warning(code: &'static str, path: FieldPath, message: impl Into<String>) -> Self {
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
    }
    pub fn locate(&mut self, index: &crate::load::LocationIndex) {
        for d in &mut self.0 {
            if d.location.is_none() {
                d.location = index.find(&d.path);
            }
        }
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

/// Edit distance, for "did you mean" help.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest candidate to `word`, if one is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// `did you mean `x`?` when a candidate is close.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    suggest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_like_the_yaml() {
        let p = FieldPath::root()
            .key("virtual_routers")
            .key("orders")
            .key("listeners")
            .index(0)
            .key("port");
        assert_eq!(p.to_string(), "virtual_routers.orders.listeners[0].port");
        let q = FieldPath::root()
            .key("virtual_services")
            .key("orders.orders.internal")
            .key("router");
        assert_eq!(
            q.to_string(),
            r#"virtual_services["orders.orders.internal"].router"#
        );
    }

    #[test]
    fn suggestions_pick_close_names_only() {
        assert_eq!(
            suggest("orders-v3", ["orders-v1", "inventory-v1"]),
            Some("orders-v1")
        );
        assert_eq!(suggest("zzz", ["orders-v1"]), None);
    }
}
