//! What the Airflow-on-EKS guide (`airflow/README.md`) and its DAG file document: the EKS
//! lowering's facts, in words and commands.

use super::{ConnectionDoc, DagsDoc, LatticeAirflowDoc};

/// Facts about the generated EKS deployment for the human-facing guide.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EksDoc {
    /// `3.1`, and its major version (2 or 3).
    pub version: String,
    pub major: u32,
    /// `kubernetes` or `celery`, and the chart's `executor` value.
    pub executor: String,
    pub executor_class: String,
    pub image: String,
    pub cluster_name: String,
    pub account_id: String,
    pub region: String,
    pub kubernetes_version: String,
    /// Envoy runs as a native sidecar (Kubernetes 1.29 and later).
    pub native_sidecars: bool,
    /// The control plane's namespace (the Helm release's) and the task pods'.
    pub namespace: String,
    pub task_namespace: String,
    /// `app_mesh` or `vpc_lattice`.
    pub backend: String,
    pub chart: ChartDoc,
    /// The CloudFormation parameter and Terraform variable of the cluster's OIDC issuer, when
    /// the stack asks for it.
    pub oidc_input: Option<(String, String)>,
    /// The Kubernetes Secrets to create, in the order the guide lists them.
    pub secrets: Vec<EksSecretDoc>,
    /// `kubernetes/manifests/` files that create the namespaces (applied before the Secrets).
    pub namespace_files: Vec<String>,
    /// Namespaces no manifest creates, which the guide creates with `kubectl create namespace`.
    pub missing_namespaces: Vec<String>,
    pub ui: Option<EksUiDoc>,
    pub dags: DagsDoc,
    /// The DAG file under `airflow/` and its DAG id, when there are DAG tasks.
    pub dag_file: Option<String>,
    pub dag_id: Option<String>,
    /// Where every pod template is mounted, and the ConfigMap that holds them.
    pub pod_template_dir: String,
    pub pod_template_config_map: String,
    /// The identity that runs Airflow tasks.
    pub workers: EksIdentityDoc,
    pub tasks: Vec<EksTaskDoc>,
    pub connections: Vec<ConnectionDoc>,
    /// How DAGs call the mesh through VPC Lattice, for the Lattice backend.
    pub lattice: Option<LatticeAirflowDoc>,
    /// `AIRFLOW__CORE__EXECUTION_API_SERVER_URL` (3.x).
    pub execution_api_url: Option<String>,
    /// The chart may create pods outside its namespace (`multiNamespaceMode`).
    pub multi_namespace: bool,
    /// Ports Envoy does not intercept.
    pub ignored_ports: Vec<u32>,
    /// The ports Lattice reaches the workloads' pods on (their listener ports), for the
    /// nodes' security group.
    pub target_ports: Vec<u32>,
}

/// The chart and the release.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChartDoc {
    /// `helm repo add <repo> <url>`.
    pub repo: String,
    pub url: String,
    /// `apache-airflow/airflow`.
    pub chart: String,
    pub version: String,
    pub release: String,
}

/// One Kubernetes Secret made from a spec secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EksSecretDoc {
    /// The key under `airflow.secrets`.
    pub key: String,
    /// The Secret's name and the key in it.
    pub name: String,
    pub secret_key: String,
    /// What reads it (an environment variable, a job).
    pub env: String,
    /// What the value must be.
    pub holds: String,
    /// The shell command that prints the value, for `$(...)`.
    pub fetch: String,
    /// Where the ARN comes from, in words.
    pub from: String,
    /// The namespaces it must exist in.
    pub namespaces: Vec<String>,
}

/// The UI and who logs in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EksUiDoc {
    /// `api-server` or `webserver`.
    pub component: String,
    /// The chart's Service and its port.
    pub service: String,
    pub port: u32,
    pub admin_username: String,
    /// The Secret the create-user job reads the password from, when there is one.
    pub password_secret: Option<String>,
}

/// A meshed identity's Kubernetes names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EksIdentityDoc {
    pub node: String,
    pub namespace: String,
    pub service_account: String,
    /// Its pod template, as mounted (`<dir>/<node>.yaml`), when it has one.
    pub pod_template_file: Option<String>,
    pub role_arn: String,
    pub backends: Vec<String>,
}

/// A DAG task run with KubernetesPodOperator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EksTaskDoc {
    pub name: String,
    pub id: EksIdentityDoc,
    pub image: String,
    pub command: Vec<String>,
    /// The pod's main container, which Airflow requires to be `base`.
    pub base_container: String,
}
