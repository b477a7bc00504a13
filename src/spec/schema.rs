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
    bound_integers(&mut v);
    describe_variants(&mut v);
    v
}

/// An enum variant with a value (`{ s3: { … } }`) is an object with one property; editors show
/// the property's description on hover, so it gets the variant's.
fn describe_variants(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(serde_json::Value::Array(variants)) = m.get_mut("oneOf") {
                for variant in variants {
                    let description = variant.get("description").cloned();
                    let Some(serde_json::Value::Object(props)) = variant.get_mut("properties")
                    else {
                        continue;
                    };
                    if let (1, Some(d)) = (props.len(), description) {
                        if let Some(serde_json::Value::Object(p)) = props.values_mut().next() {
                            p.entry("description").or_insert(d);
                        }
                    }
                }
            }
            m.values_mut().for_each(describe_variants);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(describe_variants),
        _ => {}
    }
}

/// The bounds of each integer format, as the loader enforces them (schemars writes `minimum: 0`
/// for unsigned formats, and no `maximum` at all: editors would then accept a port of 2^40 that
/// meshsynth refuses).
fn integer_bounds(format: &str) -> Option<(serde_json::Value, serde_json::Value)> {
    use serde_json::Value as V;
    Some(match format {
        "uint8" => (V::from(0), V::from(u8::MAX)),
        "uint16" => (V::from(0), V::from(u16::MAX)),
        "uint32" => (V::from(0), V::from(u32::MAX)),
        "uint64" => (V::from(0), V::from(u64::MAX)),
        "int8" => (V::from(i8::MIN), V::from(i8::MAX)),
        "int16" => (V::from(i16::MIN), V::from(i16::MAX)),
        "int32" => (V::from(i32::MIN), V::from(i32::MAX)),
        "int64" => (V::from(i64::MIN), V::from(i64::MAX)),
        _ => return None,
    })
}

/// Gives every integer with a format the `minimum` and `maximum` of that format, so the schema
/// accepts exactly the integers the loader does.
fn bound_integers(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            let bounds = m
                .get("format")
                .and_then(serde_json::Value::as_str)
                .and_then(integer_bounds);
            if let Some((min, max)) = bounds {
                m.entry("minimum").or_insert(min);
                m.entry("maximum").or_insert(max);
            }
            m.values_mut().for_each(bound_integers);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(bound_integers),
        _ => {}
    }
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
