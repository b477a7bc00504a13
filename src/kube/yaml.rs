//! Kubernetes YAML from serialized typed objects: keys in the order people read manifests in
//! (`apiVersion`, `kind`, `metadata`, `name` first, the rest alphabetical), multi-line strings
//! as literal blocks, several objects as one multi-document file.

use serde_json::Value;
use yaml_rust2::yaml::Hash;
use yaml_rust2::{Yaml, YamlEmitter};

/// Keys that lead, in this order; every other key follows alphabetically.
const LEADING: [&str; 4] = ["apiVersion", "kind", "metadata", "name"];

fn rank(key: &str) -> (usize, &str) {
    match LEADING.iter().position(|k| *k == key) {
        Some(i) => (i, ""),
        None => (LEADING.len(), key),
    }
}

fn to_yaml(v: &Value) -> Yaml {
    match v {
        Value::Null => Yaml::Null,
        Value::Bool(b) => Yaml::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Yaml::Integer(i),
            None => Yaml::Real(n.to_string()),
        },
        Value::String(s) => Yaml::String(s.clone()),
        Value::Array(items) => Yaml::Array(items.iter().map(to_yaml).collect()),
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| rank(a).cmp(&rank(b)));
            let mut h = Hash::new();
            for k in keys {
                h.insert(Yaml::String(k.clone()), to_yaml(&map[k]));
            }
            Yaml::Hash(h)
        }
    }
}

/// One YAML document (without the leading `---`), ending in a newline.
pub fn document(v: &Value) -> String {
    let mut out = String::new();
    {
        let mut e = YamlEmitter::new(&mut out);
        e.multiline_strings(true);
        e.dump(&to_yaml(v))
            .expect("writing to a String cannot fail");
    }
    // The emitter starts every document with `---`; files add their own separators.
    let body = out.strip_prefix("---\n").unwrap_or(&out).to_owned();
    body + "\n"
}

/// Several objects as one file: documents separated by `---`.
pub fn documents(vs: &[Value]) -> String {
    vs.iter().map(document).collect::<Vec<_>>().join("---\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_order_and_blocks() {
        let v = serde_json::json!({
            "spec": {"b": 1, "a": "true"},
            "metadata": {"name": "x", "labels": {"app": "1.31"}},
            "kind": "ConfigMap",
            "apiVersion": "v1",
            "data": {"pod.yaml": "a: 1\nb: 2\n"},
        });
        let text = document(&v);
        assert_eq!(
            text,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    app: \"1.31\"\ndata:\n  pod.yaml: |\n    a: 1\n    b: 2\nspec:\n  a: \"true\"\n  b: 1\n"
        );
    }
}
