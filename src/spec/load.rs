//! Bytes → raw [`Spec`]: the encoding ([`source`]), the YAML within the loader's limits
//! ([`yaml`]), the spec's shape ([`de`]), unknown and repeated keys, and the line:column index
//! that lets every later diagnostic point into the file.
//!
//! [`source`]: crate::spec::source
//! [`yaml`]: crate::spec::yaml
//! [`de`]: crate::spec::de

use std::collections::{BTreeSet, HashMap};

use crate::diagnostic::{did_you_mean, Code, Diagnostic, Diagnostics, FieldPath, Segment};
use crate::spec::yaml::Tree;
use crate::spec::{de, source, yaml, Spec};

pub use crate::spec::yaml::LocationIndex;

/// The result of loading: a spec when the text had the right shape, and the diagnostics found
/// on the way (unknown keys are errors but do not stop loading, so they all show at once).
pub struct Loaded {
    pub spec: Option<Spec>,
    pub diagnostics: Diagnostics,
    pub locations: LocationIndex,
}

/// Loads a spec given as text.
pub fn load(text: &str) -> Loaded {
    load_bytes(text.as_bytes())
}

/// Loads a spec file's bytes: what is not UTF-8 is a located diagnostic too.
pub fn load_bytes(bytes: &[u8]) -> Loaded {
    let mut diagnostics = Diagnostics::default();
    let (source, found) = match source::decode(bytes) {
        Ok(decoded) => decoded,
        Err(d) => {
            diagnostics.push(d);
            return Loaded {
                spec: None,
                diagnostics,
                locations: LocationIndex::default(),
            };
        }
    };
    found.into_iter().for_each(|d| diagnostics.push(d));
    let parsed = yaml::parse(&source);
    parsed
        .diagnostics
        .into_iter()
        .for_each(|d| diagnostics.push(d));
    let locations = parsed.index;
    let spec = parsed
        .tree
        .as_ref()
        .and_then(|tree| read_spec(tree, &mut diagnostics));
    for (path, first, again) in &locations.duplicates {
        let key = last_key(path);
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

fn last_key(path: &FieldPath) -> &str {
    match path.segments().last() {
        Some(Segment::Key(k)) => k,
        _ => "",
    }
}

/// The spec the tree holds, reporting its shape errors and unknown keys.
fn read_spec(tree: &Tree, diagnostics: &mut Diagnostics) -> Option<Spec> {
    if tree.is_empty() {
        let mut d = Diagnostic::error(
            Code::InvalidSpecShape,
            FieldPath::root(),
            "the spec is empty",
        )
        .with_help("a spec is a mapping with at least `name` and `mesh`; see examples/");
        d.location = Some(tree.get(tree.root).location);
        diagnostics.push(d);
        return None;
    }
    let mut unknown: Vec<FieldPath> = Vec::new();
    // serde_ignored outermost, so unknown keys are collected as serde sees them; the path tracker
    // sits between it and the tree and sees every value, including those the `Short`/`OneOrMany`
    // visitors read through MapAccessDeserializer/SeqAccessDeserializer.
    let mut track = serde_path_to_error::Track::new();
    let value = serde_path_to_error::Deserializer::new(de::root(tree), &mut track);
    let spec = match serde_ignored::deserialize(value, |p| unknown.push(convert(&p, tree))) {
        Ok(spec) => Some(spec),
        Err(e) => {
            diagnostics.push(shape_error(e, &track.path()));
            None
        }
    };
    unknown_keys(unknown, diagnostics);
    spec
}

fn convert(p: &serde_ignored::Path, tree: &Tree) -> FieldPath {
    use serde_ignored::Path as P;
    match p {
        P::Root => FieldPath::root(),
        P::Seq { parent, index } => convert(parent, tree).index(*index),
        P::Map { parent, key } => convert(parent, tree).key(key.clone()),
        P::Some { parent } | P::NewtypeStruct { parent } => convert(parent, tree),
        P::NewtypeVariant { parent } => {
            let base = convert(parent, tree);
            match tree.only_key(&base) {
                Some(variant) => base.key(variant),
                None => base,
            }
        }
    }
}

/// One diagnostic per unknown key, with the nearest schema key when one is close. A key given
/// many times is looked up once.
fn unknown_keys(paths: Vec<FieldPath>, diagnostics: &mut Diagnostics) {
    let mut help: HashMap<String, String> = HashMap::new();
    for path in paths {
        let key = last_key(&path).to_owned();
        let h = help
            .entry(key.clone())
            .or_insert_with(|| unknown_key_help(&key))
            .clone();
        let d =
            Diagnostic::error(Code::UnknownKey, path, format!("unknown key `{key}`")).with_help(h);
        diagnostics.push(d);
    }
}

fn unknown_key_help(key: &str) -> String {
    if key == "<<" {
        return "YAML merge keys (`<<: *name`) are not supported: write the keys out, or repeat a whole value with `*name`".into();
    }
    did_you_mean(key, known_keys().iter().map(String::as_str)).unwrap_or_else(|| {
        "remove it; the schema in schemas/meshsynth.schema.json lists every key".into()
    })
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

/// A shape error (wrong type, missing field, bad enum value) as a diagnostic, at the path where
/// the deserializer was when it failed and the line:column of the value at fault.
fn shape_error(e: de::Error, tracked: &serde_path_to_error::Path) -> Diagnostic {
    let help = e.help.unwrap_or_else(|| {
        let m = &e.message;
        if m.starts_with("missing field") {
            "add the field; see schemas/meshsynth.schema.json for its shape"
        } else if m.contains("duration") {
            "write durations as a whole number and a unit: `250ms`, `15s`, `5m`"
        } else if m.contains("percentage") {
            "write percentages as a number with at most two decimals and `%`: `5%`, `0.5%`"
        } else if m.starts_with("unknown value") {
            "use one of the values listed"
        } else if m.starts_with("duplicate field") {
            "give the field once"
        } else {
            "fix the value's type; see schemas/meshsynth.schema.json"
        }
        .to_owned()
    });
    let mut d =
        Diagnostic::error(Code::InvalidSpecShape, field_path(tracked), e.message).with_help(help);
    d.location = e.location;
    d
}

/// The tracker's path as a spec path.
fn field_path(tracked: &serde_path_to_error::Path) -> FieldPath {
    use serde_path_to_error::Segment as S;
    let mut segments = Vec::new();
    for s in tracked {
        match s {
            S::Seq { index } => segments.push(Segment::Index(*index)),
            S::Map { key } => segments.push(Segment::Key(key.clone())),
            // An enum variant with content is written `{ s3: { … } }`: its name is a key.
            S::Enum { variant } => segments.push(Segment::Key(variant.clone())),
            // A key that is not a scalar has no name: its mapping is as close as the path gets.
            S::Unknown => break,
        }
    }
    FieldPath::from_segments(segments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Location;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    fn index(text: &str) -> LocationIndex {
        load(text).locations
    }

    #[test]
    fn index_finds_block_and_flow_keys() {
        let text = "a:\n  b: 1\n  c: { d: [x, { e: 2 }] }\n";
        let idx = index(text);
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
        assert_eq!(idx.find(&FieldPath::root()), None);
    }

    #[test]
    fn a_key_repeated_in_two_mappings_is_no_duplicate() {
        // `x` once in each of two mappings under the same (repeated) key: one duplicate, `a`.
        let loaded = load("a: { x: 1 }\na: { x: 2 }\n");
        let dups: Vec<String> = loaded
            .locations
            .duplicates
            .iter()
            .map(|(p, first, again)| {
                format!(
                    "{p} {}:{} {}:{}",
                    first.line, first.column, again.line, again.column
                )
            })
            .collect();
        assert_eq!(dups, ["a 1:1 2:1"]);
    }

    /// The first error deserializing `text` as `T`: the tracker's path as a spec path.
    fn converted<T: for<'de> Deserialize<'de>>(text: &str) -> (FieldPath, String) {
        let (source, _) = source::decode(text.as_bytes()).unwrap();
        let tree = yaml::parse(&source).tree.unwrap();
        match serde_path_to_error::deserialize::<_, T>(de::root(&tree)) {
            Ok(_) => panic!("{text:?} deserialized"),
            Err(e) => (field_path(e.path()), e.inner().message.clone()),
        }
    }

    #[test]
    fn tracked_paths_convert_without_splitting_keys() {
        let (path, _) = converted::<BTreeMap<String, Vec<BTreeMap<String, u32>>>>(
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

        // A top-level list item, and the top level.
        assert_eq!(converted::<Vec<u32>>("[x]").0, FieldPath::root().index(0));
        assert_eq!(converted::<u32>("x").0, FieldPath::root());

        // A value under a key that is not a scalar: the path stops at the mapping.
        let (path, message) = converted::<BTreeMap<String, BTreeMap<String, u32>>>("m: { [1]: x }");
        assert_eq!(path, FieldPath::root().key("m"));
        assert_eq!(message, "invalid type: sequence, expected a name");
    }

    /// The one shape error loading `text` gives: its path, message and line:column.
    fn shape(text: &str) -> (String, String, Option<Location>) {
        let loaded = load(text);
        assert!(loaded.spec.is_none(), "{text}");
        let shapes: Vec<&Diagnostic> = loaded
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::InvalidSpecShape)
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
                r#"invalid type: string "x", expected a whole number from 0 to 4294967295"#.into(),
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
                r#"invalid type: string "x", expected a whole number from 0 to 4294967295"#.into(),
                Some(Location {
                    line: 10,
                    column: 34
                })
            )
        );
        // The short form's own mistake is at the target; so is a field missing from the full form.
        let short = format!("{HEAD}{router}            orders-v1: x\n");
        assert_eq!(
            shape(&short),
            (
                "virtual_routers.orders.routes.default.http.targets.orders-v1".into(),
                r#"invalid type: string "x", expected a whole number from 0 to 4294967295"#.into(),
                Some(Location {
                    line: 10,
                    column: 24
                })
            )
        );
        let missing = format!("{HEAD}{router}            orders.v1: {{ port: 80 }}\n");
        let (path, message, location) = shape(&missing);
        assert_eq!(
            path,
            r#"virtual_routers.orders.routes.default.http.targets["orders.v1"]"#
        );
        assert_eq!(message, "missing field `weight`");
        assert_eq!(
            location,
            Some(Location {
                line: 10,
                column: 24
            })
        );
    }

    #[test]
    fn an_unreadable_key_is_reported_on_its_mapping() {
        let text =
            format!("{HEAD}virtual_nodes:\n  a:\n    listeners:\n      - {{ port: 1, [x]: 2 }}\n");
        assert_eq!(
            shape(&text),
            (
                "virtual_nodes.a.listeners[0]".into(),
                "invalid type: sequence, expected a name".into(),
                Some(Location {
                    line: 6,
                    column: 20
                })
            )
        );
    }

    #[test]
    fn a_missing_top_level_field_is_at_the_first_key() {
        assert_eq!(
            shape("# a comment\n\nname: shop\n"),
            (
                "(top level)".into(),
                "missing field `mesh`".into(),
                Some(Location { line: 3, column: 1 })
            )
        );
    }

    #[test]
    fn a_syntax_error_is_invalid_yaml() {
        let loaded = load("name: shop\nmesh: { name: shop\n");
        assert!(loaded.spec.is_none());
        let d: Vec<_> = loaded.diagnostics.iter().collect();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, Code::InvalidYaml);
        assert_eq!(d[0].path, FieldPath::root());
        assert_eq!(
            d[0].message,
            "while parsing a flow mapping, did not find expected ',' or '}'"
        );
        assert_eq!(d[0].location, Some(Location { line: 3, column: 1 }));
    }

    #[test]
    fn strings_are_strings_and_keys_are_names() {
        let (path, message, _) = shape("name: false\nmesh: { name: shop }\n");
        assert_eq!(path, "name");
        assert_eq!(message, "invalid type: boolean `false`, expected a string");
        let loaded = load("name: false\nmesh: { name: shop }\n");
        let help = loaded
            .diagnostics
            .iter()
            .next()
            .and_then(|d| d.help.clone());
        assert_eq!(
            help.as_deref(),
            Some("quote it to make it a string: \"false\"")
        );
        // Numbers-looking keys are names, quoted strings are strings.
        let loaded = load("name: \"80\"\nmesh: { name: shop, tags: { 80: \"true\", true: x } }\n");
        let spec = loaded.spec.expect("a spec");
        assert_eq!(spec.name, "80");
        assert_eq!(spec.mesh.tags.get("80").map(String::as_str), Some("true"));
        assert_eq!(spec.mesh.tags.get("true").map(String::as_str), Some("x"));
    }

    #[test]
    fn aliases_repeat_values() {
        let text = "name: shop\nmesh: { name: shop, tags: &t { a: b } }\ntags: *t\n";
        let spec = load(text).spec.expect("a spec");
        assert_eq!(spec.tags.get("a").map(String::as_str), Some("b"));
    }
}
