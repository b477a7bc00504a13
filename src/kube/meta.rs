//! What every Kubernetes object has: its type (`apiVersion`, `kind`) and its `metadata`.

use std::collections::BTreeMap;

use serde::Serialize;

/// `metadata` of an object: only the fields meshsynth sets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ObjectMeta {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl ObjectMeta {
    /// A cluster-scoped object's metadata.
    pub fn cluster(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }
    /// A namespaced object's metadata.
    pub fn namespaced(name: impl Into<String>, namespace: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            namespace: Some(namespace.into()),
            ..Self::default()
        }
    }
    pub fn label(mut self, k: impl Into<String>, v: impl Into<String>) -> Self {
        self.labels.insert(k.into(), v.into());
        self
    }
    pub fn annotation(mut self, k: impl Into<String>, v: impl Into<String>) -> Self {
        self.annotations.insert(k.into(), v.into());
        self
    }
}

/// A typed object of one Kubernetes kind (as kube-rs's `Resource`): its type is declared once,
/// here, and [`object`] writes it.
pub trait Resource: Serialize {
    const API_VERSION: &'static str;
    const KIND: &'static str;
}

/// The object as the manifests hold it: `apiVersion` and `kind` from its type, then its fields.
pub fn object<R: Resource>(r: &R) -> serde_json::Value {
    let mut v = serde_json::to_value(r).expect("typed Kubernetes objects always serialize");
    if let serde_json::Value::Object(m) = &mut v {
        m.insert("apiVersion".into(), R::API_VERSION.into());
        m.insert("kind".into(), R::KIND.into());
    }
    v
}

/// The label every object meshsynth writes carries, so `kubectl get -l` finds them all.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "meshsynth");
