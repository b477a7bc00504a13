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
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DagTaskDoc {
    pub name: String,
    pub family: String,
    pub container: String,
    pub node: String,
    pub backends: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConnectionDoc {
    pub id: String,
    pub env: String,
    pub host: String,
    pub port: u32,
}
