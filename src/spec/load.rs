//! Text → raw [`Spec`]: YAML parsing, unknown-key collection and the line:column index
//! that lets every later diagnostic point into the file.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::diagnostic::{
    did_you_mean, Code, Diagnostic, Diagnostics, FieldPath, Location, Segment,
};
use crate::spec::Spec;

/// The result of loading: a spec when the text had the right shape, and the diagnostics found
/// on the way (unknown keys are errors but do not stop loading, so they all show at once).
pub struct Loaded {
    pub spec: Option<Spec>,
    pub diagnostics: Diagnostics,
    pub locations: LocationIndex,
}

pub fn load(text: &str) -> Loaded {
    // Editors on Windows may save a byte-order mark; YAML would read it as part of the first key.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let locations = LocationIndex::build(text);
    let mut diagnostics = Diagnostics::default();
    let mut unknown: Vec<FieldPath> = Vec::new();
    let de = serde_yaml::Deserializer::from_str(text);
    let spec = match serde_ignored::deserialize(de, |p| unknown.push(convert(&p))) {
        Ok(spec) => Some(spec),
        Err(e) => {
            diagnostics.push(shape_error(&e, &locations));
            None
        }
    };
    let known = if unknown.is_empty() {
        None
    } else {
        Some(known_keys())
    };
    for path in unknown {
        let key = match path.segments().last() {
            Some(Segment::Key(k)) => k.clone(),
            _ => String::new(),
        };
        let mut d = Diagnostic::error(
            Code::UnknownKey,
            path.clone(),
            format!("unknown key `{key}`"),
        );
        d.help = Some(
            did_you_mean(
                &key,
                known.iter().flat_map(|k| k.iter()).map(String::as_str),
            )
            .unwrap_or_else(|| {
                "remove it; the schema in schemas/meshsynth.schema.json lists every key".into()
            }),
        );
        diagnostics.push(d);
    }
    for (path, first, again) in &locations.duplicates {
        let key = match path.segments().last() {
            Some(Segment::Key(k)) => k.clone(),
            _ => String::new(),
        };
        let mut d = Diagnostic::error(
            Code::DuplicateKey,
            path.clone(),
            format!(
                "key `{key}` is given twice in the same mapping (first at line {})",
                first.line
            ),
        )
        .with_help("YAML keeps only the last one, silently: remove or merge one of them");
        d.location = Some(*again);
        diagnostics.push(d);
    }
    locations.locate(&mut diagnostics);
    Loaded {
        spec,
        diagnostics,
        locations,
    }
}

fn convert(p: &serde_ignored::Path) -> FieldPath {
    use serde_ignored::Path as P;
    match p {
        P::Root => FieldPath::root(),
        P::Seq { parent, index } => convert(parent).index(*index),
        P::Map { parent, key } => convert(parent).key(key.clone()),
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
            convert(parent)
        }
    }
}

/// Every property name the schema knows, for "did you mean" on unknown keys (built once).
fn known_keys() -> &'static BTreeSet<String> {
    static KEYS: std::sync::OnceLock<BTreeSet<String>> = std::sync::OnceLock::new();
    KEYS.get_or_init(schema_keys)
}

fn schema_keys() -> BTreeSet<String> {
    fn walk(v: &serde_json::Value, out: &mut BTreeSet<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(serde_json::Value::Object(props)) = m.get("properties") {
                    out.extend(props.keys().cloned());
                }
                m.values().for_each(|x| walk(x, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(&crate::spec::schema::json_schema(), &mut out);
    out
}

/// A serde error (wrong type, missing field, bad enum value) as a diagnostic.
fn shape_error(e: &serde_yaml::Error, index: &LocationIndex) -> Diagnostic {
    let mut msg = e.to_string();
    // serde_yaml appends " at line L column C"; the location is shown on its own line.
    if let Some(pos) = msg.find(" at line ") {
        msg.truncate(pos);
    }
    // ... and prefixes the path it knows: "virtual_nodes.a.listeners[0]: invalid type ...".
    let (path, message) = match msg.split_once(": ") {
        Some((p, m)) if !p.contains(' ') => (parse_serde_path(p), m.to_owned()),
        _ => (FieldPath::root(), msg.clone()),
    };
    let location = e
        .location()
        .map(|l| Location {
            line: l.line(),
            column: l.column(),
        })
        .or_else(|| index.find(&path));
    let help = if message.starts_with("missing field") {
        "add the field; see schemas/meshsynth.schema.json for its shape"
    } else if message.contains("is not a duration") {
        "write durations as a whole number and a unit: `250ms`, `15s`, `5m`"
    } else if message.contains("unknown variant") {
        "use one of the values listed"
    } else {
        "fix the value's type; see schemas/meshsynth.schema.json"
    };
    let mut d = Diagnostic::error(Code::InvalidSpecShape, path, message).with_help(help);
    d.location = location;
    d
}

fn parse_serde_path(p: &str) -> FieldPath {
    let mut segs = Vec::new();
    for part in p.split('.') {
        let mut rest = part;
        let key_end = rest.find('[').unwrap_or(rest.len());
        if key_end > 0 {
            segs.push(Segment::Key(rest[..key_end].to_owned()));
        }
        rest = &rest[key_end..];
        while let Some(close) = rest.find(']') {
            if let Ok(n) = rest[1..close].parse() {
                segs.push(Segment::Index(n));
            }
            rest = &rest[close + 1..];
        }
    }
    FieldPath::from_segments(segs)
}

/// Where each key and list item of the YAML file starts.
#[derive(Debug, Default, Clone)]
pub struct LocationIndex {
    at: BTreeMap<FieldPath, Location>,
    /// Keys given twice in one mapping: the path, where it first stood, where it stood again.
    duplicates: Vec<(FieldPath, Location, Location)>,
}

impl LocationIndex {
    pub fn build(text: &str) -> Self {
        let mut b = Builder::default();
        let mut parser = Parser::new_from_str(text);
        // A syntax error is reported by serde_yaml with its own location; keep what was indexed.
        let _ = parser.load(&mut b, false);
        Self {
            at: b.at,
            duplicates: b.duplicates,
        }
    }

    /// Points every diagnostic that has no location yet at its path, or its closest located ancestor.
    pub fn locate(&self, diagnostics: &mut Diagnostics) {
        for d in diagnostics.iter_mut() {
            if d.location.is_none() {
                d.location = self.find(&d.path);
            }
        }
    }

    /// The location of the path, or of its closest located ancestor.
    pub fn find(&self, path: &FieldPath) -> Option<Location> {
        path.find_prefix(|p| self.at.get(p).copied())
    }
}

enum Frame {
    Map {
        path: FieldPath,
        key: Option<String>,
        seen: BTreeMap<String, Location>,
    },
    Seq {
        path: FieldPath,
        next: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    at: BTreeMap<FieldPath, Location>,
    duplicates: Vec<(FieldPath, Location, Location)>,
}

impl Builder {
    /// The path of the value that starts now, consuming the pending key or list slot.
    fn value_path(&mut self, mark: Marker) -> Option<FieldPath> {
        let loc = Location {
            line: mark.line(),
            column: mark.col() + 1,
        };
        match self.stack.last_mut() {
            None => Some(FieldPath::root()),
            Some(Frame::Map { path, key, .. }) => key.take().map(|k| path.key(k)),
            Some(Frame::Seq { path, next }) => {
                let p = path.index(*next);
                *next += 1;
                self.at.entry(p.clone()).or_insert(loc);
                Some(p)
            }
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, ..) => {
                if let Some(Frame::Map { path, key, seen }) = self.stack.last_mut() {
                    if key.is_none() {
                        let p = path.key(value.clone());
                        let here = Location {
                            line: mark.line(),
                            column: mark.col() + 1,
                        };
                        match seen.get(&value) {
                            Some(first) => self.duplicates.push((p.clone(), *first, here)),
                            None => {
                                seen.insert(value.clone(), here);
                            }
                        }
                        self.at.entry(p).or_insert(here);
                        *key = Some(value);
                        return;
                    }
                }
                self.value_path(mark);
            }
            Event::MappingStart(..) => {
                let path = self.value_path(mark).unwrap_or_default();
                self.stack.push(Frame::Map {
                    path,
                    key: None,
                    seen: BTreeMap::new(),
                });
            }
            Event::SequenceStart(..) => {
                let path = self.value_path(mark).unwrap_or_default();
                self.stack.push(Frame::Seq { path, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            Event::Alias(_) => {
                self.value_path(mark);
            }
            _ => {}
        }
    }
}

/// Reads a YAML document that is not a spec (used by tests and tools).
pub fn from_str<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, serde_yaml::Error> {
    serde_yaml::from_str(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_finds_block_and_flow_keys() {
        let text = "a:\n  b: 1\n  c: { d: [x, { e: 2 }] }\n";
        let idx = LocationIndex::build(text);
        let p = FieldPath::root()
            .key("a")
            .key("c")
            .key("d")
            .index(1)
            .key("e");
        assert_eq!(
            idx.find(&p),
            Some(Location {
                line: 3,
                column: 17
            })
        );
        let b = FieldPath::root().key("a").key("b");
        assert_eq!(idx.find(&b), Some(Location { line: 2, column: 3 }));
        let missing = FieldPath::root().key("a").key("b").key("zz");
        assert_eq!(idx.find(&missing), Some(Location { line: 2, column: 3 }));
    }

    #[test]
    fn serde_paths_parse() {
        let p = parse_serde_path("virtual_nodes.a.listeners[0].port");
        assert_eq!(p.to_string(), "virtual_nodes.a.listeners[0].port");
    }
}
