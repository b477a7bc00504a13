//! Small reshapings of what import reads and writes: key spelling, implicit namespaces, the
//! project name.

use serde_json::Value;

use super::build::entries;
use super::emit::{Entry, M, Y};

/// Upper-cases the first letter of every key (App Mesh `Spec` keys are PascalCase; their values
/// that are names are lists of `Key`/`Value`, never keys), recording the keys renamed.
pub fn pascal_keys(v: &mut Value, renamed: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            let keys: Vec<String> = m
                .keys()
                .filter(|k| k.starts_with(|c: char| c.is_ascii_lowercase()))
                .cloned()
                .collect();
            for k in keys {
                let mut up = k.clone();
                up[..1].make_ascii_uppercase();
                if !m.contains_key(&up) {
                    if let Some(x) = m.remove(&k) {
                        m.insert(up, x);
                        renamed.push(k);
                    }
                }
            }
            m.values_mut().for_each(|x| pascal_keys(x, renamed));
        }
        Value::Array(a) => a.iter_mut().for_each(|x| pascal_keys(x, renamed)),
        _ => {}
    }
}

/// `cloud_map.namespace` left out (the spec's own namespace is the default).
pub fn strip_namespace(body: M) -> M {
    M(body
        .0
        .into_iter()
        .map(|mut e| {
            if e.key == "service_discovery" {
                e.value = map_entries(e.value, |cm| {
                    if cm.key == "cloud_map" {
                        cm.value = Y::Map(
                            entries(std::mem::replace(&mut cm.value, Y::Map(Vec::new())))
                                .into_iter()
                                .filter(|x| x.key != "namespace")
                                .collect(),
                        );
                    }
                });
            }
            e
        })
        .collect())
}

pub fn map_entries(y: Y, mut f: impl FnMut(&mut Entry)) -> Y {
    match y {
        Y::Map(mut m) => {
            m.iter_mut().for_each(&mut f);
            Y::Map(m)
        }
        other => other,
    }
}

/// A project name from a mesh name: lowercase letters, digits and `-`.
pub fn project_name(mesh: &str) -> String {
    let mut s: String = mesh
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    let s = s.trim_matches('-');
    let s: String = s.chars().take(32).collect();
    let s = s.trim_end_matches('-').to_owned();
    match s.chars().next() {
        None => "imported".into(),
        Some(c) if !c.is_ascii_alphabetic() => format!("mesh-{s}").chars().take(32).collect(),
        Some(_) => s,
    }
}
