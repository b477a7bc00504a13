//! The values meshsynth sets for the official Apache Airflow Helm chart (`helm/values.yaml`),
//! typed: only the keys it writes, each spelled as the chart's `values.schema.json` has it.
//! Everything else keeps the chart's default. Secrets appear by name only, never by value.

use std::collections::BTreeMap;

use serde::Serialize;

// The chart takes these as the Kubernetes objects they are.
pub use super::core::{
    ConfigMapVolumeSource, EnvVar, ResourceRequirements as Resources, Volume, VolumeMount,
};

fn is_false(b: &bool) -> bool {
    !*b
}

/// The top level of the values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Values {
    /// `KubernetesExecutor` or `CeleryExecutor`.
    pub executor: String,
    /// The Airflow version the chart decides by (`3.1.8`).
    pub airflow_version: String,
    /// The image of every Airflow container (the chart's own default one too).
    pub default_airflow_repository: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_airflow_tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_airflow_digest: Option<String>,
    pub images: Images,
    /// The chart's bundled PostgreSQL, Redis and PgBouncer: all off (the spec's database and
    /// broker are used).
    pub postgresql: Toggle,
    pub redis: Toggle,
    pub pgbouncer: Toggle,
    pub data: Data,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fernet_key_secret_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_secret_key_secret_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webserver_secret_key_secret_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt_secret_name: Option<String>,
    /// The chart's RBAC as a ClusterRole, so the scheduler and workers may create pods in the
    /// task namespace.
    #[serde(skip_serializing_if = "is_false")]
    pub multi_namespace_mode: bool,
    /// Plain environment of every Airflow container the chart runs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    /// `airflow.cfg`, by section and option.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub config: BTreeMap<String, BTreeMap<String, String>>,
    pub scheduler: Component,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_server: Option<Component>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webserver: Option<Component>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dag_processor: Option<Component>,
    pub triggerer: Component,
    pub workers: Workers,
    pub create_user_job: CreateUserJob,
}

/// `images`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Images {
    pub airflow: Image,
}

/// `images.airflow`: the image the chart's Airflow containers run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Image {
    pub repository: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// `{ enabled: … }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Toggle {
    pub enabled: bool,
}

/// `data`: the database and broker, as Secret names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Data {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata_secret_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broker_url_secret_name: Option<String>,
}

/// A long-running component: `scheduler`, `apiServer`, `webserver`, `triggerer`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Component {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_volumes: Vec<Volume>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_volume_mounts: Vec<VolumeMount>,
}

/// `workers`: the Celery workers, and the service account of every worker pod.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Workers {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub celery: Option<CeleryWorkers>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    pub service_account: ServiceAccountRef,
    /// Containers run before the worker (on App Mesh: the iptables set-up and Envoy as a
    /// native sidecar), as the Kubernetes objects they are.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_init_containers: Vec<serde_json::Value>,
    /// Containers beside the worker (Envoy as a classic sidecar below Kubernetes 1.29).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_containers: Vec<serde_json::Value>,
    /// The App Mesh injector switched off for these pods (we add Envoy ourselves).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub pod_annotations: BTreeMap<String, String>,
    /// `fsGroup: 1337` on App Mesh, so Envoy (UID 1337) reads the IRSA token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_contexts: Option<WorkerSecurityContexts>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_volumes: Vec<Volume>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_volume_mounts: Vec<VolumeMount>,
}

/// `workers.securityContexts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WorkerSecurityContexts {
    pub pod: serde_json::Value,
}

/// `workers.celery`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CeleryWorkers {
    pub replicas: u32,
}

/// A service account the chart uses but does not create.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServiceAccountRef {
    pub create: bool,
    pub name: String,
}

/// `createUserJob`: the UI admin, with the password from a Secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateUserJob {
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_user: Option<DefaultUser>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
}

/// `createUserJob.defaultUser`: who the job creates. `password` is left empty: the job reads
/// the password from the Secret, and an empty one makes `airflow users create` refuse to run
/// should the job's arguments ever be the chart's again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DefaultUser {
    pub role: String,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub password: String,
}
