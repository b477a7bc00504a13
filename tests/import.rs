//! `meshsynth import`: every example synthesizes, imports back from its CloudFormation (and its
//! Terraform module), validates clean, and synthesizes to the same App Mesh resources.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use meshsynth::import::model::{InputFile, Supplied};
use meshsynth::import::{self, Options};
use meshsynth::synth;
use meshsynth::targets;

fn examples() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// App Mesh synthesis of a spec: folder → file → text.
fn synth_app_mesh(text: &str, file: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let targets = targets::iac();
    let mut opts = synth::Options::new(file, &targets);
    opts.backends = Some(&[meshsynth::spec::MeshBackend::AppMesh]);
    let s = synth::synthesize_with(text, &opts);
    assert!(
        !s.diagnostics.has_errors(),
        "{file}:\n{}",
        s.diagnostics.render_human(file)
    );
    s.files.expect("files")
}

/// The App Mesh resources of a template, keyed by type and name (and router or gateway), with
/// `Fn::GetAtt` of a name replaced by the name and meshsynth's own tags left out.
pub fn appmesh_resources(template: &Value) -> BTreeMap<String, Value> {
    let res = template["Resources"].as_object().unwrap();
    let name_of = |id: &str, attr: &str| -> Value { res[id]["Properties"][attr].clone() };
    fn resolve(v: &Value, name_of: &dyn Fn(&str, &str) -> Value) -> Value {
        match v {
            Value::Object(m) => {
                if let Some(Value::Array(a)) = m.get("Fn::GetAtt") {
                    let (id, attr) = (a[0].as_str().unwrap(), a[1].as_str().unwrap());
                    if attr.ends_with("Name") {
                        return name_of(id, attr);
                    }
                    return json!(format!("<{attr} of {id}>"));
                }
                if let Some(Value::String(id)) = m.get("Ref") {
                    return json!(format!("<Ref {id}>"));
                }
                Value::Object(
                    m.iter()
                        .map(|(k, v)| (k.clone(), resolve(v, name_of)))
                        .collect(),
                )
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| resolve(x, name_of)).collect()),
            other => other.clone(),
        }
    }
    let mut out = BTreeMap::new();
    for (id, r) in res {
        let ty = r["Type"].as_str().unwrap();
        if !ty.starts_with("AWS::AppMesh::") {
            continue;
        }
        let mut props = resolve(&r["Properties"], &name_of);
        if let Some(Value::Array(tags)) = props.get_mut("Tags") {
            tags.retain(|t| !t["Key"].as_str().unwrap().starts_with("meshsynth:"));
            tags.sort_by_key(|t| t["Key"].as_str().unwrap().to_owned());
        }
        let name_key = [
            "MeshName",
            "VirtualNodeName",
            "VirtualRouterName",
            "RouteName",
            "VirtualServiceName",
            "VirtualGatewayName",
            "GatewayRouteName",
        ];
        let short = ty.trim_start_matches("AWS::AppMesh::");
        let key = match short {
            "Mesh" => format!("Mesh {}", props["MeshName"].as_str().unwrap()),
            "Route" => format!(
                "Route {}/{}",
                props["VirtualRouterName"].as_str().unwrap(),
                props["RouteName"].as_str().unwrap()
            ),
            "GatewayRoute" => format!(
                "GatewayRoute {}/{}",
                props["VirtualGatewayName"].as_str().unwrap(),
                props["GatewayRouteName"].as_str().unwrap()
            ),
            _ => format!(
                "{short} {}",
                name_key
                    .iter()
                    .filter(|k| **k != "MeshName")
                    .find_map(|k| props[*k].as_str())
                    .unwrap_or(id)
            ),
        };
        out.insert(key, props);
    }
    out
}

fn import_text(files: Vec<InputFile>) -> String {
    match import::import(
        &files,
        &Supplied::default(),
        &Options {
            schema: "schema.json".into(),
            ..Options::default()
        },
    ) {
        Ok(i) => i.text,
        Err(errors) => panic!(
            "{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn assert_same(before: &BTreeMap<String, Value>, after: &BTreeMap<String, Value>, what: &str) {
    let keys_b: Vec<&String> = before.keys().collect();
    let keys_a: Vec<&String> = after.keys().collect();
    assert_eq!(keys_b, keys_a, "{what}: the App Mesh resources differ");
    for (k, b) in before {
        assert_eq!(b, &after[k], "{what}: {k} differs");
    }
}

#[test]
fn every_example_round_trips_through_its_cloudformation() {
    for (file, text) in examples() {
        let first = synth_app_mesh(&text, &file);
        let template = &first["cloudformation"]["template.json"];
        let imported = import_text(vec![InputFile {
            path: "template.json".into(),
            text: template.clone(),
        }]);
        let (diags, _) = synth::check(&imported, &targets::iac());
        assert!(
            !diags.has_errors(),
            "{file}: the imported spec is invalid:\n{}\n{imported}",
            diags.render_human("imported.yaml")
        );
        let second = synth_app_mesh(&imported, "imported.yaml");
        let before = appmesh_resources(&serde_json::from_str(template).unwrap());
        let after = appmesh_resources(
            &serde_json::from_str(&second["cloudformation"]["template.json"]).unwrap(),
        );
        assert!(!before.is_empty(), "{file}: no App Mesh resources");
        assert_same(&before, &after, &file);
    }
}
