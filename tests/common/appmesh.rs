//! The App Mesh resources of a CloudFormation template, for comparing two syntheses.

use std::collections::BTreeMap;

use serde_json::{json, Value};

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
