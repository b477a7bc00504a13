//! The spec as people write it: block style, small mappings and lists on one line, a comment
//! above each resource naming its source.

use std::fmt::Write as _;

/// A YAML value of the spec being written.
#[derive(Debug, Clone, PartialEq)]
pub enum Y {
    Str(String),
    Int(i64),
    Bool(bool),
    Seq(Vec<Y>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub value: Y,
    /// Comment lines written above the key.
    pub comment: Vec<String>,
}

/// Builds a mapping in the order keys are set (the schema's order).
#[derive(Debug, Clone, Default)]
pub struct M(pub Vec<Entry>);

impl M {
    pub fn new() -> Self {
        Self(Vec::new())
    }
    pub fn set(mut self, key: impl Into<String>, value: impl Into<Y>) -> Self {
        self.0.push(Entry {
            key: key.into(),
            value: value.into(),
            comment: Vec::new(),
        });
        self
    }
    pub fn opt(self, key: &str, value: Option<impl Into<Y>>) -> Self {
        match value {
            Some(v) => self.set(key, v),
            None => self,
        }
    }
    /// Sets `key` unless `value` is an empty mapping or list.
    pub fn nonempty(self, key: &str, value: impl Into<Y>) -> Self {
        let v = value.into();
        match &v {
            Y::Map(m) if m.is_empty() => self,
            Y::Seq(s) if s.is_empty() => self,
            _ => self.set(key, v),
        }
    }
    pub fn commented(
        mut self,
        key: impl Into<String>,
        value: impl Into<Y>,
        comment: Vec<String>,
    ) -> Self {
        self.0.push(Entry {
            key: key.into(),
            value: value.into(),
            comment,
        });
        self
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<M> for Y {
    fn from(m: M) -> Y {
        Y::Map(m.0)
    }
}
impl From<String> for Y {
    fn from(s: String) -> Y {
        Y::Str(s)
    }
}
impl From<&str> for Y {
    fn from(s: &str) -> Y {
        Y::Str(s.to_owned())
    }
}
impl From<&String> for Y {
    fn from(s: &String) -> Y {
        Y::Str(s.clone())
    }
}
impl From<i64> for Y {
    fn from(n: i64) -> Y {
        Y::Int(n)
    }
}
impl From<bool> for Y {
    fn from(b: bool) -> Y {
        Y::Bool(b)
    }
}
impl From<Vec<Y>> for Y {
    fn from(v: Vec<Y>) -> Y {
        Y::Seq(v)
    }
}

/// One line holds a flow collection up to this many characters.
const FLOW_WIDTH: usize = 76;

/// The document: `header` comment lines, then the mapping.
pub fn document(header: &[String], root: &[Entry]) -> String {
    let mut out = String::new();
    for h in header {
        if h.is_empty() {
            out.push_str("#\n");
        } else {
            let _ = writeln!(out, "# {h}");
        }
    }
    map_block(&mut out, root, 0);
    out
}

fn map_block(out: &mut String, entries: &[Entry], indent: usize) {
    let pad = " ".repeat(indent);
    for e in entries {
        for c in &e.comment {
            let _ = writeln!(out, "{pad}# {c}");
        }
        let key = scalar(&e.key);
        match &e.value {
            Y::Map(m) if !m.is_empty() && flow(&e.value, indent + key.len() + 2).is_none() => {
                let _ = writeln!(out, "{pad}{key}:");
                map_block(out, m, indent + 2);
            }
            Y::Seq(s) if !s.is_empty() && flow(&e.value, indent + key.len() + 2).is_none() => {
                let _ = writeln!(out, "{pad}{key}:");
                seq_block(out, s, indent + 2);
            }
            v => {
                let text = flow(v, 0).unwrap_or_else(|| inline(v));
                let _ = writeln!(out, "{pad}{key}: {text}");
            }
        }
    }
}

fn seq_block(out: &mut String, items: &[Y], indent: usize) {
    let pad = " ".repeat(indent);
    for item in items {
        match item {
            Y::Map(m) if !m.is_empty() && flow(item, indent + 2).is_none() => {
                // The first key goes on the dash's line.
                let mut first = String::new();
                map_block(&mut first, m, indent + 2);
                let _ = write!(out, "{pad}- {}", &first[indent + 2..]);
            }
            Y::Seq(s) if !s.is_empty() && flow(item, indent + 2).is_none() => {
                let _ = writeln!(out, "{pad}-");
                seq_block(out, s, indent + 2);
            }
            v => {
                let _ = writeln!(out, "{pad}- {}", flow(v, 0).unwrap_or_else(|| inline(v)));
            }
        }
    }
}

/// The value on one line, when it fits and has no comments inside.
fn flow(v: &Y, used: usize) -> Option<String> {
    let text = inline(v);
    let has_comment = |v: &Y| -> bool {
        fn any(v: &Y) -> bool {
            match v {
                Y::Map(m) => m.iter().any(|e| !e.comment.is_empty() || any(&e.value)),
                Y::Seq(s) => s.iter().any(any),
                _ => false,
            }
        }
        any(v)
    };
    let depth = |v: &Y| -> usize {
        fn d(v: &Y) -> usize {
            match v {
                Y::Map(m) => 1 + m.iter().map(|e| d(&e.value)).max().unwrap_or(0),
                Y::Seq(s) => 1 + s.iter().map(d).max().unwrap_or(0),
                _ => 0,
            }
        }
        d(v)
    };
    (used + text.len() <= FLOW_WIDTH && !has_comment(v) && depth(v) <= 2).then_some(text)
}

fn inline(v: &Y) -> String {
    match v {
        Y::Str(s) => scalar(s),
        Y::Int(n) => n.to_string(),
        Y::Bool(b) => b.to_string(),
        Y::Seq(s) => format!("[{}]", s.iter().map(inline).collect::<Vec<_>>().join(", ")),
        Y::Map(m) if m.is_empty() => "{}".into(),
        Y::Map(m) => format!(
            "{{ {} }}",
            m.iter()
                .map(|e| format!("{}: {}", scalar(&e.key), inline(&e.value)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A string, plain when YAML reads it back as the same string, else double-quoted.
pub fn scalar(s: &str) -> String {
    if plain_ok(s) {
        s.to_owned()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_ascii_alphanumeric() || first == '/' || first == '_' || first == '.') {
        return false;
    }
    if s.ends_with(' ') || s.ends_with(':') || s.contains(": ") || s.contains(" #") {
        return false;
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " _./:@%+=-*^$()?|".contains(c))
    {
        return false;
    }
    // Anything YAML would read as another type stays quoted.
    let lower = s.to_ascii_lowercase();
    if [
        "true", "false", "yes", "no", "on", "off", "null", "~", "y", "n",
    ]
    .contains(&lower.as_str())
    {
        return false;
    }
    let numeric = s.trim_start_matches(['-', '+']);
    !(numeric.parse::<f64>().is_ok()
        || numeric.starts_with("0x")
        || numeric.starts_with("0o")
        || numeric.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_yaml_would_read_otherwise() {
        assert_eq!(scalar("orders-v1"), "orders-v1");
        assert_eq!(scalar("8080"), "\"8080\"");
        assert_eq!(scalar("111122223333"), "\"111122223333\"");
        assert_eq!(scalar("true"), "\"true\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar("%START_TIME%"), "\"%START_TIME%\"");
        assert_eq!(scalar(""), "\"\"");
        assert_eq!(scalar("/dev/stdout"), "/dev/stdout");
    }

    #[test]
    fn small_mappings_go_on_one_line() {
        let root = M::new()
            .set("targets", M::new().set("a", 90i64).set("b", 10i64))
            .commented(
                "x",
                M::new().set("list", vec![Y::from("a"), Y::from("b")]),
                vec!["from f: X".into()],
            );
        assert_eq!(
            document(&["h".into()], &root.0),
            "# h\ntargets: { a: 90, b: 10 }\n# from f: X\nx: { list: [a, b] }\n"
        );
    }
}
