//! The JSON Schema of the spec, generated from the model's types and doc comments.

use crate::spec::Spec;

/// Where the committed schema lives, relative to the repository root.
pub const SCHEMA_PATH: &str = "schemas/meshsynth.schema.json";

/// The schema as JSON. One generator, so the file, the tests and "did you mean" agree.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<Spec>();
    let mut v = serde_json::to_value(schema).expect("a schema is plain JSON");
    close_objects(&mut v);
    v
}

/// The loader refuses unknown keys, so the schema does too: editors then flag a typo as you type.
/// (serde's `deny_unknown_fields` would stop loading at the first one instead of listing all.)
fn close_objects(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            if m.contains_key("properties") && !m.contains_key("additionalProperties") {
                m.insert(
                    "additionalProperties".into(),
                    serde_json::Value::Bool(false),
                );
            }
            m.values_mut().for_each(close_objects);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(close_objects),
        _ => {}
    }
}

/// The schema file's exact text: 2-space JSON with a trailing newline.
pub fn json_schema_text() -> String {
    let mut s = serde_json::to_string_pretty(&json_schema()).expect("a schema is plain JSON");
    s.push('\n');
    s
}
