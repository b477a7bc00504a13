//! Paths into the spec, rendered the way the YAML reads.

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
    /// Whether `prefix` is this path or one of its ancestors.
    pub fn starts_with(&self, prefix: &FieldPath) -> bool {
        self.0.starts_with(&prefix.0)
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
}
