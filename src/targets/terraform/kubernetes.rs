//! `kubernetes.tf.json`: every object of `kubernetes/manifests/` as a `kubernetes_manifest`
//! resource, created only when `var.create_kubernetes_objects` is true, so the module can
//! apply what `kubectl apply -f kubernetes/manifests/` would (one or the other, not both).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value as Json};

use super::escape;
use crate::case::snake_case;
use crate::ir::KubeDoc;
use crate::params::CREATE_KUBERNETES_OBJECTS;

/// The provider constraint: `kubernetes_manifest` as in 2.38 (the oracles' schema); 3.0
/// dropped the provider's unversioned resource types, not this one.
pub const KUBERNETES_PROVIDER_VERSION: &str = ">= 2.38.0, < 4.0.0";

/// The file the resources go to.
pub const FILE: &str = "kubernetes.tf.json";

/// One object of the manifests, as the module creates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestResource {
    /// The resource name: `<kind>_<namespace>_<name>`, snake_case.
    pub name: String,
    /// The manifest file it comes from (`00-namespaces.yaml`).
    pub file: String,
    pub object: Json,
}

/// The variable's description.
pub fn variable_description() -> String {
    "Whether this module creates the objects of kubernetes/manifests/ as kubernetes_manifest resources, instead of kubectl apply -f kubernetes/manifests/ (one or the other, not both). Needs the hashicorp/kubernetes provider configured for the cluster, and the CRDs of every kind they use installed before planning: kubernetes_manifest reads each kind's schema from the cluster at plan time".into()
}

/// Every object of the manifests, in file and apply order, with unique resource names.
pub fn resources(doc: &KubeDoc) -> Vec<ManifestResource> {
    let mut taken = BTreeSet::new();
    let mut out = Vec::new();
    for (file, objects) in &doc.manifests {
        for object in objects {
            let base = resource_name(object);
            let mut name = base.clone();
            let mut n = 2;
            // Sanitizing can meet (`a.b` and `a-b`); the later object gets a suffix.
            while !taken.insert(name.clone()) {
                name = format!("{base}_{n}");
                n += 1;
            }
            out.push(ManifestResource {
                name,
                file: file.clone(),
                object: object.clone(),
            });
        }
    }
    out
}

/// `ServiceAccount` `orders-v1` in `shop` → `service_account_shop_orders_v1`.
fn resource_name(object: &Json) -> String {
    let text = |v: Option<&Json>| v.and_then(Json::as_str).unwrap_or_default().to_owned();
    let kind = snake_case(&text(object.get("kind")));
    let meta = object.get("metadata");
    let parts = [
        text(meta.and_then(|m| m.get("namespace"))),
        text(meta.and_then(|m| m.get("name"))),
    ];
    let mut name = kind;
    for p in parts.iter().filter(|p| !p.is_empty()) {
        name.push('_');
        name.extend(p.chars().map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        }));
    }
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "object_");
    }
    name
}

/// The module file, or `None` when there are no objects.
pub fn render(doc: &KubeDoc) -> Option<Json> {
    let resources = resources(doc);
    if resources.is_empty() {
        return None;
    }
    // The namespaces the module itself creates, by name → resource.
    let namespaces: BTreeMap<&str, &str> = resources
        .iter()
        .filter(|r| r.object.get("kind").and_then(Json::as_str) == Some("Namespace"))
        .filter_map(|r| {
            Some((
                r.object.get("metadata")?.get("name")?.as_str()?,
                r.name.as_str(),
            ))
        })
        .collect();
    let mut body = Map::new();
    for r in &resources {
        let mut res = Map::new();
        res.insert(
            "count".into(),
            json!(format!("${{var.{CREATE_KUBERNETES_OBJECTS} ? 1 : 0}}")),
        );
        res.insert("manifest".into(), literal(&r.object));
        let ns = r
            .object
            .get("metadata")
            .and_then(|m| m.get("namespace"))
            .and_then(Json::as_str);
        if let Some(dep) = ns.and_then(|ns| namespaces.get(ns)) {
            res.insert(
                "depends_on".into(),
                json!([format!("kubernetes_manifest.{dep}")]),
            );
        }
        body.insert(r.name.clone(), Json::Object(res));
    }
    Some(json!({
        "//": "The objects of kubernetes/manifests/, created only when var.create_kubernetes_objects is true.",
        "resource": { "kubernetes_manifest": body },
    }))
}

/// A JSON value as a literal Terraform JSON expression: every string (and key) is a template
/// there, so `${` and `%{` are escaped.
fn literal(v: &Json) -> Json {
    match v {
        Json::String(s) => Json::String(escape(s).into_owned()),
        Json::Array(items) => Json::Array(items.iter().map(literal).collect()),
        Json::Object(m) => Json::Object(
            m.iter()
                .map(|(k, v)| (escape(k).into_owned(), literal(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(objects: Vec<Json>) -> KubeDoc {
        KubeDoc {
            manifests: BTreeMap::from([("10-x.yaml".to_owned(), objects)]),
            ..KubeDoc::default()
        }
    }

    #[test]
    fn names_are_kind_namespace_name_and_unique() {
        let d = doc(vec![
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "orders-v1", "namespace": "shop"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a.b", "namespace": "shop"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a-b", "namespace": "shop"}}),
        ]);
        let names: Vec<String> = resources(&d).into_iter().map(|r| r.name).collect();
        assert_eq!(
            names,
            [
                "namespace_shop",
                "service_account_shop_orders_v1",
                "config_map_shop_a_b",
                "config_map_shop_a_b_2"
            ]
        );
    }

    #[test]
    fn namespaced_objects_wait_for_their_namespace_and_templates_are_escaped() {
        let d = doc(vec![
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "t", "namespace": "shop"}, "data": {"x": "${HOME} %{if}"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "u", "namespace": "other"}}),
        ]);
        let f = render(&d).unwrap();
        let r = &f["resource"]["kubernetes_manifest"];
        assert_eq!(
            r["config_map_shop_t"]["depends_on"],
            json!(["kubernetes_manifest.namespace_shop"])
        );
        assert_eq!(
            r["config_map_shop_t"]["manifest"]["data"]["x"],
            "$${HOME} %%{if}"
        );
        assert!(r["config_map_other_u"].get("depends_on").is_none());
        assert!(r["namespace_shop"].get("depends_on").is_none());
        assert_eq!(
            r["namespace_shop"]["count"],
            "${var.create_kubernetes_objects ? 1 : 0}"
        );
        assert!(render(&KubeDoc::default()).is_none());
    }
}
