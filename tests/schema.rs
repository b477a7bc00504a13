//! The committed JSON Schema is exactly what the model generates.

#[test]
fn committed_schema_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/meshsynth.schema.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == meshsynth::spec::schema::json_schema_text(),
        "schemas/meshsynth.schema.json is stale: run `cargo run -- schema` and commit it"
    );
}

#[test]
fn every_property_has_a_description() {
    fn walk(v: &serde_json::Value, path: &str, missing: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(serde_json::Value::Object(props)) = m.get("properties") {
                    for (k, p) in props {
                        if p.get("description").is_none() {
                            missing.push(format!("{path}.{k}"));
                        }
                    }
                }
                for (k, x) in m {
                    walk(x, &format!("{path}/{k}"), missing);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, path, missing)),
            _ => {}
        }
    }
    let mut missing = Vec::new();
    walk(&meshsynth::spec::schema::json_schema(), "", &mut missing);
    assert!(
        missing.is_empty(),
        "fields without a doc comment: {missing:?}"
    );
}

#[test]
fn schema_refuses_unknown_keys() {
    let s = meshsynth::spec::schema::json_schema();
    assert_eq!(s["additionalProperties"], serde_json::json!(false));
    assert_eq!(
        s["$defs"]["NodeListener"]["additionalProperties"],
        serde_json::json!(false)
    );
}
