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
    // serde_ignored outermost, as before, so unknown keys are collected exactly as they were; the
    // path tracker sits between it and serde_yaml and sees every value, including those the
    // `Short`/`OneOrMany` visitors read through MapAccessDeserializer/SeqAccessDeserializer.
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(
        serde_yaml::Deserializer::from_str(text),
        &mut track,
    );
    let spec = match serde_ignored::deserialize(de, |p| unknown.push(convert(&p))) {
        Ok(spec) => Some(spec),
        Err(e) => {
            diagnostics.push(shape_error(&e, &track.path(), &locations));
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

/// A serde error (wrong type, missing field, bad enum value) as a diagnostic, at the path where
/// the deserializer was when it failed.
fn shape_error(
    e: &serde_yaml::Error,
    tracked: &serde_path_to_error::Path,
    index: &LocationIndex,
) -> Diagnostic {
    let (path, message) = path_and_message(e, tracked);
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

/// The path the error is about, and serde_yaml's message less the two things the diagnostic
/// shows on lines of their own.
fn path_and_message(
    e: &serde_yaml::Error,
    tracked: &serde_path_to_error::Path,
) -> (FieldPath, String) {
    let mut msg = e.to_string();
    // serde_yaml appends its location, " at line L column C" (a syntax error may go on with
    // ", while parsing ... at line L' column C'"): cut at that exact text, the last time it occurs.
    if let Some(l) = e.location() {
        if let Some(pos) = msg.rfind(&format!(" at line {} column {}", l.line(), l.column())) {
            msg.truncate(pos);
        }
    }
    // ... and prefixes the path of the value it was reading, "virtual_nodes.a.listeners[0]:
    // invalid type ...": the tracker's path, written serde_yaml's way, is that prefix exactly.
    // A key that cannot be read (`{ [1]: x }` in a struct) is the one difference: the tracker
    // puts the error under the key, serde_yaml on the mapping holding it.
    let segments: Vec<&serde_path_to_error::Segment> = tracked.iter().collect();
    let key_error = match segments.split_last() {
        Some((
            serde_path_to_error::Segment::Map { .. } | serde_path_to_error::Segment::Unknown,
            mapping,
        )) => Some(mapping),
        _ => None,
    };
    for candidate in std::iter::once(&segments[..]).chain(key_error) {
        if let Some(p) = serde_yaml_path(candidate) {
            if let Some(rest) = msg.strip_prefix(&format!("{p}: ")) {
                return (field_path(tracked), rest.to_owned());
            }
        }
    }
    // An error serde_yaml gives without a path (a syntax error, an unknown anchor, a limit) is
    // about no one value: it stays at the top level, whichever value the reading had reached.
    (FieldPath::root(), msg)
}

/// The tracker's path as a spec path.
fn field_path(tracked: &serde_path_to_error::Path) -> FieldPath {
    use serde_path_to_error::Segment as S;
    let mut segments = Vec::new();
    for s in tracked {
        match s {
            S::Seq { index } => segments.push(Segment::Index(*index)),
            S::Map { key } => segments.push(Segment::Key(key.clone())),
            // serde_yaml reads a variant with content from a tag, `!variant content`: the
            // content stands where the enum does, so the variant adds nothing to the path.
            S::Enum { .. } => {}
            // A key that is not a scalar has no name: its mapping is as close as the path gets.
            S::Unknown => break,
        }
    }
    FieldPath::from_segments(segments)
}

/// The tracker's path as serde_yaml prints it before a message (`virtual_nodes.a.listeners[0]`,
/// `.[0]` for a top-level list item, `?` for a key that is not a scalar); `None` at the top level,
/// where serde_yaml prints no path.
fn serde_yaml_path(segments: &[&serde_path_to_error::Segment]) -> Option<String> {
    use serde_path_to_error::Segment as S;
    let mut out: Option<String> = None;
    for s in segments {
        match s {
            S::Seq { index } => {
                let parent = out.take().unwrap_or_else(|| ".".to_owned());
                out = Some(format!("{parent}[{index}]"));
            }
            S::Map { key } => out = Some(child(out.take(), key)),
            S::Unknown => out = Some(child(out.take(), "?")),
            // As in `field_path`: a tagged variant's content has the enum's path.
            S::Enum { .. } => {}
        }
    }
    fn child(parent: Option<String>, name: &str) -> String {
        match parent {
            Some(p) => format!("{p}.{name}"),
            None => name.to_owned(),
        }
    }
    out
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

    /// The first error deserializing `text` as `T`: the tracker's path as a spec path, and the
    /// prefix serde_yaml's message is expected to start with (checked against the real message).
    fn converted<T: for<'de> Deserialize<'de>>(text: &str) -> (FieldPath, Option<String>) {
        let e = match serde_path_to_error::deserialize::<_, T>(serde_yaml::Deserializer::from_str(
            text,
        )) {
            Ok(_) => panic!("{text:?} deserialized"),
            Err(e) => e,
        };
        let segments: Vec<_> = e.path().iter().collect();
        let prefix = serde_yaml_path(&segments);
        let message = e.inner().to_string();
        match &prefix {
            Some(p) => assert!(message.starts_with(&format!("{p}: ")), "{message}"),
            None => assert!(!message.contains(": invalid"), "{message}"),
        }
        (field_path(e.path()), prefix)
    }

    #[test]
    fn tracked_paths_convert_without_splitting_keys() {
        let (path, yaml) = converted::<BTreeMap<String, Vec<BTreeMap<String, u32>>>>(
            "a.b: [{ c: 1 }, { \"d e\": x }]",
        );
        assert_eq!(
            path.segments(),
            [
                Segment::Key("a.b".into()),
                Segment::Index(1),
                Segment::Key("d e".into())
            ]
        );
        assert_eq!(path.to_string(), r#"["a.b"][1]["d e"]"#);
        assert_eq!(yaml.as_deref(), Some("a.b[1].d e"));

        // A top-level list item: serde_yaml writes `.[0]`.
        let (path, yaml) = converted::<Vec<u32>>("[x]");
        assert_eq!(path, FieldPath::root().index(0));
        assert_eq!(yaml.as_deref(), Some(".[0]"));

        // The top level: no path, and serde_yaml prints none.
        let (path, yaml) = converted::<u32>("x");
        assert_eq!(path, FieldPath::root());
        assert_eq!(yaml, None);

        // A variant's content (`!V { n: x }`) stands where the enum does: the tracker's
        // Enum segment adds nothing.
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        enum E {
            V { n: u32 },
        }
        let (path, yaml) = converted::<BTreeMap<String, E>>("e: !V { n: x }");
        assert_eq!(path, FieldPath::root().key("e").key("n"));
        assert_eq!(yaml.as_deref(), Some("e.n"));

        // A value under a key that is not a scalar: the path stops at the mapping.
        let (path, yaml) = converted::<BTreeMap<String, BTreeMap<Vec<u32>, u32>>>("m: { [1]: x }");
        assert_eq!(path, FieldPath::root().key("m"));
        assert_eq!(yaml.as_deref(), Some("m.?"));
    }

    /// The one shape error loading `text` gives: its path, message and line:column.
    fn shape(text: &str) -> (String, String, Option<Location>) {
        let loaded = load(text);
        assert!(loaded.spec.is_none(), "{text}");
        let shapes: Vec<&Diagnostic> = loaded
            .diagnostics
            .iter()
            .filter(|d| d.code == crate::diagnostic::Code::InvalidSpecShape)
            .collect();
        assert_eq!(shapes.len(), 1, "{text}");
        let d = shapes[0];
        (d.path.to_string(), d.message.clone(), d.location)
    }

    const HEAD: &str = "name: shop\nmesh: { name: shop }\n";

    #[test]
    fn shape_error_under_a_dotted_key() {
        let text = format!("{HEAD}virtual_services:\n  orders.orders.internal:\n    router: [x]\n");
        assert_eq!(
            shape(&text),
            (
                r#"virtual_services["orders.orders.internal"].router"#.into(),
                "invalid type: sequence, expected a string".into(),
                Some(Location {
                    line: 5,
                    column: 13
                })
            )
        );
    }

    #[test]
    fn shape_error_in_a_list() {
        let text = format!(
            "{HEAD}virtual_nodes:\n  a:\n    listeners:\n      - {{ port: \"x\", protocol: http }}\n"
        );
        assert_eq!(
            shape(&text),
            (
                "virtual_nodes.a.listeners[0].port".into(),
                r#"invalid type: string "x", expected u32"#.into(),
                Some(Location {
                    line: 6,
                    column: 17
                })
            )
        );
    }

    #[test]
    fn shape_error_in_a_short_form() {
        let router = "virtual_routers:\n  orders:\n    routes:\n      default:\n        http:\n          match: { prefix: / }\n          targets:\n";
        let full = format!("{HEAD}{router}            orders-v1: {{ weight: x }}\n");
        assert_eq!(
            shape(&full),
            (
                "virtual_routers.orders.routes.default.http.targets.orders-v1.weight".into(),
                r#"invalid type: string "x", expected u32"#.into(),
                Some(Location {
                    line: 10,
                    column: 34
                })
            )
        );
        // The short form's own mistake is at the target; so is a field missing from the full form.
        let short = format!("{HEAD}{router}            orders-v1: x\n");
        assert_eq!(
            shape(&short).0,
            "virtual_routers.orders.routes.default.http.targets.orders-v1"
        );
        let missing = format!("{HEAD}{router}            orders.v1: {{ port: 80 }}\n");
        let (path, message, _) = shape(&missing);
        assert_eq!(
            path,
            r#"virtual_routers.orders.routes.default.http.targets["orders.v1"]"#
        );
        assert_eq!(message, "missing field `weight`");
    }

    #[test]
    fn an_unreadable_key_is_reported_on_its_mapping() {
        let text =
            format!("{HEAD}virtual_nodes:\n  a:\n    listeners:\n      - {{ port: 1, [x]: 2 }}\n");
        assert_eq!(
            shape(&text),
            (
                "virtual_nodes.a.listeners[0]".into(),
                "invalid type: sequence, expected field identifier".into(),
                Some(Location {
                    line: 6,
                    column: 20
                })
            )
        );
    }

    #[test]
    fn a_syntax_error_stays_at_the_top_level() {
        // The tracker has reached `mesh` when the events run out; serde_yaml names no path.
        let (path, message, location) = shape("name: shop\nmesh: { name: shop\n");
        assert_eq!(path, "(top level)");
        assert_eq!(message, "did not find expected ',' or '}'");
        assert_eq!(location, Some(Location { line: 3, column: 1 }));
    }
}
