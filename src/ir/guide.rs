//! What the human-facing Airflow guide documents: facts the lowering knows, in words.

/// Facts about the generated Airflow deployment for the human-facing guide.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AirflowDoc {
    pub version: String,
    pub executor: String,
    /// The cluster name as DAGs pass it.
    pub cluster: String,
    pub launch_type: String,
    /// Used instead of the launch type when set.
    pub capacity_provider: Option<String>,
    pub worker_family: Option<String>,
    pub log_group: String,
    pub tasks: Vec<DagTaskDoc>,
    pub connections: Vec<ConnectionDoc>,
    /// Environment a scheduler run elsewhere must set (name, value or how to get it).
    pub scheduler_env: Vec<(String, String)>,
    /// Generated virtual nodes: (name, what it is, backends).
    pub nodes: Vec<(String, String, Vec<String>)>,
    /// Ports Envoy does not intercept.
    pub ignored_ports: Vec<u32>,
    /// The Airflow major version (2 or 3).
    pub major: u32,
    pub image: String,
    /// The amazon provider the DAGs are written for, e.g. `9.17.0`.
    pub amazon_provider: String,
    /// Whether `EcsRunTaskOperator` takes `container_name` (amazon 9.4.0 and later).
    pub container_name_arg: bool,
    /// The environment variables the generated DAG reads the network from.
    pub subnets_env: String,
    pub security_groups_env: String,
    /// The component whose task migrates the database before it starts, e.g. `scheduler`.
    pub migration_component: Option<String>,
    /// The UI, when an API server or webserver runs.
    pub ui: Option<UiDoc>,
    pub dags: DagsDoc,
    /// The id of the generated DAG, when there are DAG tasks; its file is `dags/<id>.py`.
    pub dag_id: Option<String>,
    /// How the sidecar stops with its task, when tasks are meshed.
    pub sidecar_stop: Option<SidecarStopDoc>,
    /// The containers that migrate the database and wait for it, and how long the wait lasts.
    pub migrate_container: String,
    pub wait_container: String,
    pub migration_wait_minutes: u32,
    /// The secrets to create before deploying.
    pub secrets: Vec<SecretDoc>,
    /// Whether the cluster exists already (`cluster: { name: … }`).
    pub existing_cluster: bool,
    /// The ports Airflow's own tasks reach each other on (the API server's).
    pub api_port: u32,
    /// How DAGs call the mesh through VPC Lattice, for the Lattice backend.
    pub lattice: Option<LatticeAirflowDoc>,
}

/// How Airflow calls the mesh's services through VPC Lattice.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LatticeAirflowDoc {
    /// `iam` or `none`.
    pub auth: String,
    /// The SigV4 module's file under `dags/`, its module and class names.
    pub module_file: String,
    pub module: String,
    pub class: String,
    /// One row per connection: how to call it.
    pub connections: Vec<LatticeConnectionDoc>,
    /// The HTTP connection the guide's example calls, if there is one.
    pub example: Option<LatticeConnectionDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LatticeConnectionDoc {
    pub id: String,
    /// The `AIRFLOW_CONN_<ID>` variable that holds it.
    pub env: String,
    /// `https://orders.orders.internal:8080`.
    pub url: String,
    pub conn_type: String,
    /// Whether requests must be SigV4-signed (the service's auth type is `AWS_IAM`).
    pub sign: bool,
    /// The route's per-request timeout in seconds, which the connection's `timeout` extra holds.
    pub timeout_seconds: Option<String>,
    /// The route's retries, for the client: `3` and `2s`.
    pub max_retries: Option<u64>,
    pub per_retry_timeout: Option<String>,
}

/// One secret the deployment injects.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SecretDoc {
    /// The key under `airflow.secrets`.
    pub key: String,
    /// The environment variable it is injected as.
    pub env: String,
    /// What the secret's value must be.
    pub holds: String,
    /// Where its ARN comes from, in words.
    pub from: String,
}

/// How the mesh's sidecar ends when its task stops, in seconds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SidecarStopDoc {
    /// The drain of a task that only calls out.
    pub client_drain: u32,
    /// The drain of a task that serves.
    pub serving_drain: u32,
    /// The container's `stopTimeout`.
    pub stop_timeout: u32,
}

/// Where the UI is and who logs in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UiDoc {
    pub component: String,
    /// `http://airflow-api-server.orders.internal:8080`, reachable inside the VPC.
    pub url: Option<String>,
    pub admin_username: String,
    /// Where the password comes from, in words (the parameter or the secret ARN).
    pub password_from: String,
}

/// How DAG files reach the components.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DagsDoc {
    Image,
    S3 {
        bucket: String,
        prefix: String,
    },
    Efs {
        file_system_id: String,
        access_point_id: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DagTaskDoc {
    pub name: String,
    pub family: String,
    pub container: String,
    /// `awslogs_stream_prefix` for EcsRunTaskOperator: the task definition's prefix and the
    /// container, so the operator finds `<prefix>/<container>/<task id>`.
    pub stream_prefix: String,
    pub node: String,
    pub backends: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConnectionDoc {
    pub id: String,
    /// `http` or `grpc`.
    pub conn_type: String,
    pub env: String,
    pub host: String,
    pub port: u32,
}
