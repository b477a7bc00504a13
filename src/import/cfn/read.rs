//! CloudFormation YAML or JSON text → a tree of values with their line:column.
//!
//! JSON is YAML's flow style, so one parser reads both. Short-form tags become the long form
//! they abbreviate (`!Ref X` → `{Ref: X}`, `!GetAtt A.B` → `{Fn::GetAtt: [A, B]}`), so the
//! resolver sees one spelling. yaml-rust2 is pulled one event at a time with the open
//! collections on a heap stack, so no nesting overflows the call stack; an alias is written out
//! in full, counted toward [`MAX_VALUES`] so that nested aliases cannot blow up.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;

use crate::diagnostic::Location;

/// CloudFormation allows 1 MB templates (S3-hosted); anything near this is not a template.
const MAX_VALUES: usize = 2_000_000;
/// Far deeper than any template; the resolver recurses, so depth is bounded here.
pub const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub at: Location,
    pub v: V,
}

#[derive(Debug, Clone, PartialEq)]
pub enum V {
    Null,
    Bool(bool),
    Int(i64),
    /// A number that is not an integer, as written.
    Float(String),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.v {
            V::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.v {
            V::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(String, Node)] {
        match &self.v {
            V::Map(m) => m,
            _ => &[],
        }
    }
}

/// A syntax error: the parser's message and where.
#[derive(Debug)]
pub struct SyntaxError {
    pub at: Location,
    pub message: String,
}

enum Frame {
    Seq(Location, Vec<Node>, Option<String>, Option<usize>),
    /// Start, entries, the key waiting for its value (and where it is), anchor, tag.
    Map(
        Location,
        Vec<(String, Node)>,
        Option<(String, Location)>,
        Option<usize>,
        Option<String>,
    ),
}

/// Parses the first document of `text`.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut values = 0usize;
    let at = |m: yaml_rust2::scanner::Marker| Location {
        line: m.line(),
        column: m.col() + 1,
    };
    loop {
        let (event, mark) = parser.next_token().map_err(|e| SyntaxError {
            at: at(*e.marker()),
            message: e.info().to_owned(),
        })?;
        let here = at(mark);
        let done: Option<(Node, usize)> = match event {
            Event::StreamEnd | Event::DocumentEnd => {
                return Ok(Node {
                    at: Location { line: 1, column: 1 },
                    v: V::Null,
                })
            }
            Event::StreamStart | Event::DocumentStart | Event::Nothing => None,
            Event::Scalar(value, style, anchor, tag) => {
                let v = scalar(value, style);
                let node = tagged(Node { at: here, v }, tag.as_ref(), here)?;
                Some((node, anchor))
            }
            Event::SequenceStart(anchor, tag) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(too_deep(here));
                }
                stack.push(Frame::Seq(
                    here,
                    Vec::new(),
                    tag_name(tag.as_ref(), here)?,
                    Some(anchor),
                ));
                None
            }
            Event::MappingStart(anchor, tag) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(too_deep(here));
                }
                stack.push(Frame::Map(
                    here,
                    Vec::new(),
                    None,
                    Some(anchor),
                    tag_name(tag.as_ref(), here)?,
                ));
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(start, items, tag, anchor)) => {
                    let node = wrap(
                        Node {
                            at: start,
                            v: V::Seq(items),
                        },
                        tag,
                    );
                    Some((node, anchor.unwrap_or(0)))
                }
                _ => None,
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(start, entries, _, anchor, tag)) => {
                    let node = wrap(
                        Node {
                            at: start,
                            v: V::Map(entries),
                        },
                        tag,
                    );
                    Some((node, anchor.unwrap_or(0)))
                }
                _ => None,
            },
            Event::Alias(id) => match anchors.get(&id) {
                Some(n) => {
                    // Counted before it is copied, so nested aliases stop before they grow.
                    values = values.saturating_add(count(n));
                    if values > MAX_VALUES {
                        return Err(SyntaxError {
                            at: here,
                            message: format!("more than {MAX_VALUES} values with aliases written out: this is not a CloudFormation template"),
                        });
                    }
                    Some((n.clone(), 0))
                }
                None => {
                    return Err(SyntaxError {
                        at: here,
                        message: "an alias of an anchor that is not defined".into(),
                    })
                }
            },
        };
        let Some((node, anchor)) = done else { continue };
        values += 1;
        if values > MAX_VALUES {
            return Err(SyntaxError {
                at: here,
                message: format!(
                    "more than {MAX_VALUES} values: this is not a CloudFormation template"
                ),
            });
        }
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => return Ok(node),
            Some(Frame::Seq(_, items, _, _)) => items.push(node),
            Some(Frame::Map(_, entries, pending, _, _)) => match pending.take() {
                Some((key, key_at)) => {
                    // A collection is located at its key: the parser marks a block
                    // collection's start past its first key.
                    let mut node = node;
                    if matches!(node.v, V::Seq(_) | V::Map(_)) {
                        node.at = key_at;
                    }
                    entries.push((key, node))
                }
                None => {
                    let key_at = node.at;
                    let key = match node.v {
                        V::Str(s) => s,
                        V::Int(n) => n.to_string(),
                        V::Float(f) => f,
                        V::Bool(b) => b.to_string(),
                        V::Null => String::new(),
                        V::Seq(_) | V::Map(_) => {
                            return Err(SyntaxError {
                                at: node.at,
                                message: "a mapping key that is a list or a mapping".into(),
                            })
                        }
                    };
                    *pending = Some((key, key_at));
                }
            },
        }
    }
}

fn too_deep(at: Location) -> SyntaxError {
    SyntaxError {
        at,
        message: format!(
            "values nested more than {MAX_DEPTH} deep: this is not a CloudFormation template"
        ),
    }
}

fn count(n: &Node) -> usize {
    match &n.v {
        V::Seq(items) => 1 + items.iter().map(count).sum::<usize>(),
        V::Map(m) => 1 + m.iter().map(|(_, v)| count(v)).sum::<usize>(),
        _ => 1,
    }
}

/// CloudFormation reads plain scalars the YAML 1.1 way for booleans (`True`, `false`).
fn scalar(value: String, style: TScalarStyle) -> V {
    if style != TScalarStyle::Plain {
        return V::Str(value);
    }
    match value.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return V::Null,
        "true" | "True" | "TRUE" => return V::Bool(true),
        "false" | "False" | "FALSE" => return V::Bool(false),
        _ => {}
    }
    if let Ok(n) = value.parse::<i64>() {
        // `010` stays text: CloudFormation keeps leading zeros (account IDs).
        if !(value.len() > 1 && value.trim_start_matches(['-', '+']).starts_with('0')) {
            return V::Int(n);
        }
    }
    if value.parse::<f64>().is_ok_and(f64::is_finite) && value.contains(['.', 'e', 'E']) {
        return V::Float(value);
    }
    V::Str(value)
}

/// CloudFormation's intrinsic functions and condition functions that have a short form.
const FUNCTIONS: &[&str] = &[
    "And",
    "Base64",
    "Cidr",
    "Condition",
    "Equals",
    "FindInMap",
    "ForEach",
    "GetAtt",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Length",
    "Not",
    "Or",
    "Ref",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Transform",
];

/// The long-form key a short-form tag stands for (`!Ref` → `Ref`, `!Sub` → `Fn::Sub`).
fn tag_name(tag: Option<&Tag>, at: Location) -> Result<Option<String>, SyntaxError> {
    let Some(tag) = tag else { return Ok(None) };
    if tag.handle == "!" {
        if !FUNCTIONS.contains(&tag.suffix.as_str()) {
            return Err(SyntaxError {
                at,
                message: format!("`!{}` is not a CloudFormation function", tag.suffix),
            });
        }
        return Ok(Some(match tag.suffix.as_str() {
            "Ref" | "Condition" => tag.suffix.clone(),
            s => format!("Fn::{s}"),
        }));
    }
    // `!!str` and the other core tags only restate a plain value's type.
    if tag.handle == "tag:yaml.org,2002:" {
        return Ok(None);
    }
    Err(SyntaxError {
        at,
        message: format!(
            "the YAML tag `{}{}` is not a CloudFormation function",
            tag.handle, tag.suffix
        ),
    })
}

fn tagged(node: Node, tag: Option<&Tag>, at: Location) -> Result<Node, SyntaxError> {
    let name = tag_name(tag, at)?;
    if let (Some(t), Some("str")) = (tag, tag.map(|t| t.suffix.as_str())) {
        if t.handle == "tag:yaml.org,2002:" {
            let text = match node.v {
                V::Str(s) | V::Float(s) => s,
                V::Int(n) => n.to_string(),
                V::Bool(b) => b.to_string(),
                V::Null => String::new(),
                v => return Ok(Node { at: node.at, v }),
            };
            return Ok(Node {
                at: node.at,
                v: V::Str(text),
            });
        }
    }
    Ok(wrap(node, name))
}

/// `!GetAtt A.B` (a scalar) is `{Fn::GetAtt: [A, B]}`; every other tag wraps its value.
fn wrap(node: Node, tag: Option<String>) -> Node {
    let Some(tag) = tag else { return node };
    let at = node.at;
    let value = match (&tag[..], &node.v) {
        ("Fn::GetAtt", V::Str(s)) => {
            let (res, attr) = s.split_once('.').unwrap_or((s, ""));
            Node {
                at,
                v: V::Seq(vec![
                    Node {
                        at,
                        v: V::Str(res.to_owned()),
                    },
                    Node {
                        at,
                        v: V::Str(attr.to_owned()),
                    },
                ]),
            }
        }
        _ => node,
    };
    Node {
        at,
        v: V::Map(vec![(tag, value)]),
    }
}
