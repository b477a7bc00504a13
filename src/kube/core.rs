//! The core (`v1`) and `apps/v1` kinds meshsynth writes: namespaces, service accounts,
//! ConfigMaps, pods (Airflow's pod templates), Deployments and Services. Each struct has only
//! the fields meshsynth sets, named as the API names them (camelCase); empty and unset fields
//! are left out, so the YAML holds what was decided and nothing else.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{ObjectMeta, Resource};

fn is_false(b: &bool) -> bool {
    !*b
}

/// `v1/Namespace`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Namespace {
    pub metadata: ObjectMeta,
}

impl Resource for Namespace {
    const API_VERSION: &'static str = "v1";
    const KIND: &'static str = "Namespace";
}

/// `v1/ServiceAccount`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceAccount {
    pub metadata: ObjectMeta,
}

impl Resource for ServiceAccount {
    const API_VERSION: &'static str = "v1";
    const KIND: &'static str = "ServiceAccount";
}

/// `v1/ConfigMap`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigMap {
    pub metadata: ObjectMeta,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, String>,
}

impl Resource for ConfigMap {
    const API_VERSION: &'static str = "v1";
    const KIND: &'static str = "ConfigMap";
}

/// `v1/Pod`: here only Airflow's pod templates, never applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pod {
    pub metadata: ObjectMeta,
    pub spec: PodSpec,
}

impl Resource for Pod {
    const API_VERSION: &'static str = "v1";
    const KIND: &'static str = "Pod";
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    /// `Always` (the default, and all a Deployment accepts), `OnFailure` or `Never`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_context: Option<PodSecurityContext>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub init_containers: Vec<Container>,
    pub containers: Vec<Container>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Volume>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSecurityContext {
    /// Group of every volume (the projected service-account token too) and a supplementary
    /// group of every container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fs_group: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    pub name: String,
    pub image: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ContainerPort>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_context: Option<SecurityContext>,
    /// Only on init containers: `Always` makes one a native sidecar (Kubernetes ≥ 1.29).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub startup_probe: Option<Probe>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness_probe: Option<Probe>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volume_mounts: Vec<VolumeMount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVar {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_from: Option<EnvVarSource>,
}

impl EnvVar {
    /// A variable with a literal value.
    pub fn value(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: Some(value.into()),
            value_from: None,
        }
    }
    /// A variable read from a key of a Secret in the pod's namespace.
    pub fn secret(name: impl Into<String>, secret: &str, key: &str) -> Self {
        Self {
            name: name.into(),
            value: None,
            value_from: Some(EnvVarSource {
                secret_key_ref: Some(KeySelector {
                    name: secret.into(),
                    key: key.into(),
                }),
                field_ref: None,
            }),
        }
    }
    /// A variable read from a field of the pod (`metadata.uid`).
    pub fn field(name: impl Into<String>, path: &str) -> Self {
        Self {
            name: name.into(),
            value: None,
            value_from: Some(EnvVarSource {
                secret_key_ref: None,
                field_ref: Some(FieldSelector {
                    field_path: path.into(),
                }),
            }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVarSource {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_key_ref: Option<KeySelector>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_ref: Option<FieldSelector>,
}

/// `SecretKeySelector`: a key of a named Secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeySelector {
    pub name: String,
    pub key: String,
}

/// `ObjectFieldSelector`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldSelector {
    pub field_path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerPort {
    /// An IANA service name: at most 15 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub container_port: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

/// Requests and limits by resource name (`cpu`, `memory`), as quantities.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResourceRequirements {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub requests: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: BTreeMap<String, String>,
}

impl ResourceRequirements {
    /// The same quantities requested and as the limit; `None` when neither is given.
    pub fn guaranteed(cpu: Option<String>, memory: Option<String>) -> Option<Self> {
        let mut q = BTreeMap::new();
        if let Some(c) = cpu {
            q.insert("cpu".to_owned(), c);
        }
        if let Some(m) = memory {
            q.insert("memory".to_owned(), m);
        }
        (!q.is_empty()).then(|| Self {
            requests: q.clone(),
            limits: q,
        })
    }

    /// Requests equal to limits: the pod's QoS class is `Guaranteed` when every container does.
    pub fn exact(cpu: String, memory: String) -> Self {
        let both = BTreeMap::from([("cpu".to_owned(), cpu), ("memory".to_owned(), memory)]);
        Self {
            requests: both.clone(),
            limits: both,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityContext {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_as_user: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Capabilities>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub add: Vec<String>,
}

/// A probe: exactly one of its handlers is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Probe {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecAction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_get: Option<HttpGetAction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grpc: Option<GrpcAction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp_socket: Option<TcpSocketAction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_delay_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_threshold: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_threshold: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExecAction {
    pub command: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpGetAction {
    pub path: String,
    pub port: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrpcAction {
    pub port: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TcpSocketAction {
    pub port: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_map: Option<ConfigMapVolumeSource>,
}

/// A ConfigMap of the pod's namespace as files, one per key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigMapVolumeSource {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeMount {
    pub name: String,
    pub mount_path: String,
    #[serde(skip_serializing_if = "is_false")]
    pub read_only: bool,
}

/// `apps/v1/Deployment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deployment {
    pub metadata: ObjectMeta,
    pub spec: DeploymentSpec,
}

impl Resource for Deployment {
    const API_VERSION: &'static str = "apps/v1";
    const KIND: &'static str = "Deployment";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeploymentSpec {
    pub replicas: u32,
    pub selector: LabelSelector,
    pub template: PodTemplateSpec,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    pub match_labels: BTreeMap<String, String>,
}

/// A pod template inside a workload object: metadata without a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PodTemplateSpec {
    pub metadata: TemplateMeta,
    pub spec: PodSpec,
}

/// `metadata` of a pod template inside a workload: labels and annotations only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TemplateMeta {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// `v1/Service`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    pub metadata: ObjectMeta,
    pub spec: ServiceSpec,
}

impl Resource for Service {
    const API_VERSION: &'static str = "v1";
    const KIND: &'static str = "Service";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceSpec {
    #[serde(rename = "type")]
    pub type_: String,
    pub selector: BTreeMap<String, String>,
    pub ports: Vec<ServicePort>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePort {
    /// Required when a Service has several ports; at most 15 characters.
    pub name: String,
    pub port: u32,
    /// The container port's name.
    pub target_port: String,
    pub protocol: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_protocol: Option<String>,
}

/// `rbac.authorization.k8s.io/v1/Role`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Role {
    pub metadata: ObjectMeta,
    pub rules: Vec<PolicyRule>,
}

impl Resource for Role {
    const API_VERSION: &'static str = "rbac.authorization.k8s.io/v1";
    const KIND: &'static str = "Role";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    /// `""` is the core group.
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
}

impl PolicyRule {
    /// Verbs on resources of the core group.
    pub fn core(resources: &[&str], verbs: &[&str]) -> Self {
        let own = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
        Self {
            api_groups: vec![String::new()],
            resources: own(resources),
            verbs: own(verbs),
        }
    }
}

/// `rbac.authorization.k8s.io/v1/RoleBinding`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleBinding {
    pub metadata: ObjectMeta,
    pub role_ref: RoleRef,
    pub subjects: Vec<Subject>,
}

impl Resource for RoleBinding {
    const API_VERSION: &'static str = "rbac.authorization.k8s.io/v1";
    const KIND: &'static str = "RoleBinding";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleRef {
    pub api_group: String,
    pub kind: String,
    pub name: String,
}

/// A service account, possibly of another namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subject {
    pub kind: String,
    pub name: String,
    pub namespace: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::object;

    #[test]
    fn only_what_is_set() {
        let pod = Pod {
            metadata: ObjectMeta::cluster("p"),
            spec: PodSpec {
                containers: vec![Container {
                    name: "base".into(),
                    image: "i".into(),
                    env: vec![EnvVar::secret("A", "s", "k")],
                    volume_mounts: vec![VolumeMount {
                        name: "v".into(),
                        mount_path: "/m".into(),
                        read_only: true,
                    }],
                    ..Container::default()
                }],
                ..PodSpec::default()
            },
        };
        assert_eq!(
            object(&pod),
            serde_json::json!({
                "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                "spec": {"containers": [{
                    "name": "base", "image": "i",
                    "env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}],
                    "volumeMounts": [{"name": "v", "mountPath": "/m", "readOnly": true}],
                }]},
            })
        );
    }
}
