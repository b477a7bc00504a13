//! The `airflow:` and `workloads:` sections: Apache Airflow on Amazon ECS inside the mesh, and the
//! meshed services themselves run as ECS services.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::Amount;

/// An Apache Airflow deployment whose tasks call meshed services.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct Airflow {
    /// The Airflow major.minor version, e.g. `"3.1"` or `"2.10"`. 3.x and 2.x differ in components and settings.
    pub version: String,
    /// The Airflow image, pinned by tag or digest, e.g. `apache/airflow:3.1.3` (`latest` is a warning).
    pub image: String,
    /// Where Airflow runs: `ecs` (Amazon ECS, one task definition per component) or `eks`
    /// (Amazon EKS with the official Helm chart).
    pub platform: AirflowPlatform,
    /// `ecs` (AwsEcsExecutor: one ECS task per Airflow task), `kubernetes` (KubernetesExecutor:
    /// one pod per Airflow task, EKS only), `celery` or `local`.
    pub executor: Executor,
    /// The ECS cluster: `{ create: true }` or `{ name: existing-cluster }` (ECS only).
    #[serde(default)]
    pub cluster: ClusterRef,
    /// The EKS cluster and namespaces Airflow runs in (EKS only).
    #[serde(default)]
    pub eks: Option<EksSettings>,
    /// How ECS runs the tasks. Default: `fargate`.
    #[serde(default)]
    pub launch_type: Option<LaunchType>,
    /// Run tasks and services through this capacity provider of the cluster instead of a launch
    /// type: `FARGATE` or `FARGATE_SPOT` with `launch_type: fargate`, an EC2 Auto Scaling group
    /// provider with `launch_type: ec2`.
    #[serde(default)]
    pub capacity_provider: Option<String>,
    /// Secrets injected with ECS `secrets[].valueFrom`, never as plain environment values.
    pub secrets: AirflowSecrets,
    /// The long-running Airflow components, each an ECS service.
    #[serde(default)]
    pub components: Components,
    /// The task definition AwsEcsExecutor runs every Airflow task with (or the Celery workers' service).
    #[serde(default)]
    pub workers: Option<Workers>,
    /// Traffic that must bypass Envoy (under `drop_all` everything else not in the mesh is blocked).
    #[serde(default)]
    pub egress: Egress,
    /// Airflow connections to meshed services, by connection id; they become `AIRFLOW_CONN_<ID>`.
    #[serde(default)]
    pub connections: BTreeMap<String, Connection>,
    /// Containers DAGs run with `EcsRunTaskOperator`, each with its own task definition and virtual node.
    #[serde(default)]
    pub tasks: BTreeMap<String, DagTask>,
    /// Days CloudWatch keeps the logs of every Airflow container. Default: 30.
    #[serde(default)]
    pub log_retention_days: Option<u32>,
    /// The `apache-airflow-providers-amazon` version the image has, e.g. `"9.17.0"`: DAG
    /// arguments are chosen for it. Default: what the official image of `version` ships
    /// (9.2.0 for 2.10, 9.17.0 for 3.1). meshsynth supports 9.2.0 and later.
    #[serde(default)]
    pub amazon_provider: Option<String>,
    /// How DAG files reach the components. Default: `image` (baked into `image` at
    /// `/opt/airflow/dags`).
    #[serde(default)]
    pub dags: DagSource,
    /// The user who logs in to the UI (FAB auth manager; created once by the database
    /// migration with the password in `secrets.admin_password`). Default: `admin`.
    #[serde(default)]
    pub admin_username: Option<String>,
}

/// Where the DAG files come from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DagSource {
    /// Baked into the Airflow image at `/opt/airflow/dags` (build `FROM` the official image).
    #[default]
    Image,
    /// An S3 DAG bundle (Airflow 3.x): every component that parses or runs DAGs reads them from
    /// the bucket; meshsynth grants exactly that read.
    S3(S3Dags),
    /// An EFS file system mounted read-only at `/opt/airflow/dags` in every Airflow container
    /// (2.x and 3.x): copy DAG files onto it and every component sees them.
    Efs(EfsDags),
}

/// DAG files on an Amazon EFS file system.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
pub struct EfsDags {
    /// The file system's ID, e.g. `fs-0123456789abcdef0`.
    pub file_system_id: String,
    /// An access point to mount through (its root directory and POSIX user apply), e.g.
    /// `fsap-0123456789abcdef0`. Default: the file system's root.
    #[serde(default)]
    pub access_point_id: Option<String>,
}

/// DAG files in an S3 bucket.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
pub struct S3Dags {
    /// The bucket name (not an ARN).
    pub bucket: String,
    /// The key prefix the DAG files are under, e.g. `dags/`. Default: the whole bucket.
    #[serde(default)]
    pub prefix: Option<String>,
}

/// Where Airflow runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AirflowPlatform {
    /// Amazon ECS.
    Ecs,
    /// Amazon EKS, with the official Apache Airflow Helm chart.
    Eks,
}

/// Where Airflow runs on EKS.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct EksSettings {
    /// The existing EKS cluster. Its IAM OIDC provider is a parameter / variable
    /// (`EksOidcIssuer` / `eks_oidc_issuer`) that every task role trusts.
    pub cluster_name: String,
    /// The AWS account the cluster runs in (12 digits): the IRSA role ARNs the service
    /// accounts carry name it.
    pub account_id: String,
    /// The cluster's region, e.g. `us-east-1` (Envoy's `AWS_REGION`).
    pub region: String,
    /// The namespace of the Airflow control plane (scheduler, API server, DAG processor,
    /// triggerer); never sidecar-injected. Default: `airflow`.
    #[serde(default)]
    pub namespace: Option<String>,
    /// The namespace worker and KubernetesPodOperator pods run in; not `namespace`.
    /// Default: `airflow-tasks`.
    #[serde(default)]
    pub task_namespace: Option<String>,
    /// The cluster's Kubernetes version, e.g. `"1.31"`. Envoy runs as a native sidecar from
    /// 1.29; older clusters get a classic sidecar (and a warning). Default: `"1.31"`.
    #[serde(default)]
    pub kubernetes_version: Option<String>,
}

impl EksSettings {
    pub fn namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or("airflow")
    }
    pub fn task_namespace(&self) -> &str {
        self.task_namespace.as_deref().unwrap_or("airflow-tasks")
    }
    pub fn kubernetes_version(&self) -> &str {
        self.kubernetes_version.as_deref().unwrap_or("1.31")
    }
    /// The minor version of `1.NN`, when it parses.
    pub fn kubernetes_minor(&self) -> Option<u32> {
        let v = self.kubernetes_version();
        let (major, minor) = v.split_once('.')?;
        (major == "1").then(|| minor.parse().ok())?
    }
    /// Whether Envoy can be a native sidecar (an init container with `restartPolicy: Always`,
    /// on by default from Kubernetes 1.29).
    pub fn native_sidecars(&self) -> bool {
        self.kubernetes_minor().is_some_and(|m| m >= 29)
    }
}

/// The Airflow executor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Executor {
    /// `AwsEcsExecutor` from the Amazon provider: every Airflow task is an ECS task.
    Ecs,
    /// `KubernetesExecutor` (EKS): every Airflow task is a pod in the task namespace.
    Kubernetes,
    /// `CeleryExecutor`: long-running Celery workers take tasks from a Redis broker.
    Celery,
    /// `LocalExecutor`: tasks run inside the scheduler's container.
    Local,
}

/// ECS launch type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LaunchType {
    /// AWS Fargate.
    Fargate,
    /// EC2 container instances of the cluster.
    Ec2,
}

/// The ECS cluster Airflow runs in.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct ClusterRef {
    /// Create a cluster named after the project.
    #[serde(default)]
    pub create: Option<bool>,
    /// The name of an existing cluster.
    #[serde(default)]
    pub name: Option<String>,
}

/// A secret value: a Secrets Manager / SSM Parameter Store ARN, or the name of a CloudFormation
/// parameter / Terraform variable that will hold the ARN.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct SecretRef {
    /// A Secrets Manager secret ARN (optionally with `:json-key::`) or an SSM parameter ARN.
    #[serde(default)]
    pub arn: Option<String>,
    /// A parameter (CloudFormation, PascalCase) / variable (Terraform, snake_case) that holds the ARN.
    #[serde(default)]
    pub parameter: Option<String>,
}

/// The secrets every Airflow component needs.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct AirflowSecrets {
    /// The metadata database URL (`AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`).
    #[serde(default)]
    pub database_url: Option<SecretRef>,
    /// The Fernet key (`AIRFLOW__CORE__FERNET_KEY`); identical on every component.
    #[serde(default)]
    pub fernet_key: Option<SecretRef>,
    /// The API server's secret key (`AIRFLOW__API__SECRET_KEY` on 3.x, `AIRFLOW__WEBSERVER__SECRET_KEY` on 2.x).
    #[serde(default)]
    pub api_secret_key: Option<SecretRef>,
    /// The Execution API's JWT signing secret (`AIRFLOW__API_AUTH__JWT_SECRET`, 3.x only).
    #[serde(default)]
    pub jwt_secret: Option<SecretRef>,
    /// The Celery broker URL (`AIRFLOW__CELERY__BROKER_URL`, Celery only).
    #[serde(default)]
    pub broker_url: Option<SecretRef>,
    /// The UI admin's password (required with an API server or webserver). The database
    /// migration creates the user with it once; it is never generated per container.
    #[serde(default)]
    pub admin_password: Option<SecretRef>,
}

/// Sizes of one ECS service.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct ComponentSize {
    /// Task CPU units (Fargate: 256, 512, 1024, 2048, 4096, 8192, 16384); on EKS the
    /// container's CPU quantity, e.g. `"1"` or `500m`.
    #[serde(default)]
    pub cpu: Option<Amount>,
    /// Task memory in MiB, which must fit the CPU on Fargate; on EKS a quantity, e.g. `2Gi`.
    #[serde(default)]
    pub memory: Option<Amount>,
    /// Number of tasks. Default: 1.
    #[serde(default)]
    pub desired_count: Option<u32>,
}

/// The long-running components.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct Components {
    /// The API server (3.x): UI, REST API and the Execution API that tasks call.
    #[serde(default)]
    pub api_server: Option<ComponentSize>,
    /// The webserver (2.x).
    #[serde(default)]
    pub webserver: Option<ComponentSize>,
    /// The scheduler.
    #[serde(default)]
    pub scheduler: Option<ComponentSize>,
    /// The DAG processor (required on 3.x).
    #[serde(default)]
    pub dag_processor: Option<ComponentSize>,
    /// The triggerer.
    #[serde(default)]
    pub triggerer: Option<ComponentSize>,
}

/// The worker task definition.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct Workers {
    /// Task CPU units (ECS), or the pod's CPU request and limit (EKS, e.g. `"1"`).
    #[serde(default)]
    pub cpu: Option<Amount>,
    /// Task memory in MiB (ECS), or the pod's memory (EKS, e.g. `2Gi`).
    #[serde(default)]
    pub memory: Option<Amount>,
    /// Virtual services every Airflow task may call.
    #[serde(default)]
    pub backends: Vec<String>,
    /// Most Airflow tasks running at once (`AIRFLOW__CORE__PARALLELISM`). Default: 32 (Airflow's default).
    #[serde(default)]
    pub parallelism: Option<u32>,
    /// Celery worker tasks (Celery only). Default: 1.
    #[serde(default)]
    pub desired_count: Option<u32>,
}

/// Egress that bypasses Envoy.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct Egress {
    /// Destination ports Envoy does not intercept (e.g. 5432 for Postgres).
    #[serde(default)]
    pub ignored_ports: Vec<u32>,
    /// Destination IPs or CIDRs Envoy does not intercept, besides the ECS metadata and IMDS addresses.
    #[serde(default)]
    pub ignored_ips: Vec<String>,
}

/// An Airflow connection to a meshed service.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct Connection {
    /// The virtual service the connection points at (its name is the host).
    pub virtual_service: String,
    /// The port of the virtual service's provider listener.
    pub port: u32,
    /// The Airflow connection type. Default: `grpc` when the provider's listener on `port` is
    /// gRPC, else `http`.
    #[serde(default)]
    pub conn_type: Option<ConnType>,
}

/// The connection types meshsynth generates (each opens with its hook: `HttpHook`, `GrpcHook`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConnType {
    /// `HttpHook`, `HttpOperator`: plain `http`, Envoy adds TLS where the mesh asks for it.
    Http,
    /// `GrpcHook`, `GrpcOperator`: `auth_type` `NO_AUTH`, Envoy adds TLS where the mesh asks for it.
    Grpc,
}

impl ConnType {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnType::Http => "http",
            ConnType::Grpc => "grpc",
        }
    }
}

/// A container a DAG runs with `EcsRunTaskOperator`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct DagTask {
    /// The container image, pinned by tag or digest.
    pub image: String,
    /// The command the container runs.
    #[serde(default)]
    pub command: Vec<String>,
    /// Virtual services this task may call.
    #[serde(default)]
    pub backends: Vec<String>,
    /// Task CPU units (ECS), or the pod's CPU (EKS, e.g. `500m`).
    pub cpu: Amount,
    /// Task memory in MiB (ECS), or the pod's memory (EKS, e.g. `1Gi`).
    pub memory: Amount,
    /// Plain environment variables (never secrets).
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
}

/// A meshed service run as an ECS service (or, on EKS, a Deployment and a Service); its key is
/// the virtual node it runs.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct Workload {
    /// The container image, pinned by tag or digest.
    pub image: String,
    /// Task CPU units (ECS), or the container's CPU (EKS, e.g. `250m`).
    pub cpu: Amount,
    /// Task memory in MiB (ECS), or the container's memory (EKS, e.g. `512Mi`).
    pub memory: Amount,
    /// Number of tasks (ECS) or replicas (EKS). Default: 1.
    #[serde(default)]
    pub desired_count: Option<u32>,
    /// Plain environment variables (never secrets).
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
}

impl Connection {
    /// The connection type: as written, else `grpc` when the provider's listener on the port is
    /// gRPC, else `http`.
    pub fn conn_type(&self, spec: &super::Spec) -> ConnType {
        if let Some(t) = self.conn_type {
            return t;
        }
        match spec.provider_listeners(&self.virtual_service) {
            super::ProviderListeners::Listeners(_, ls)
                if ls
                    .iter()
                    .any(|(p, proto)| *p == self.port && *proto == super::Protocol::Grpc) =>
            {
                ConnType::Grpc
            }
            _ => ConnType::Http,
        }
    }
}

/// A provider package version, `MAJOR.MINOR[.PATCH]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProviderVersion(pub u32, pub u32, pub u32);

impl ProviderVersion {
    /// The oldest amazon provider meshsynth's output supports (the one apache/airflow:2.10.5 ships).
    pub const MIN_AMAZON: ProviderVersion = ProviderVersion(9, 2, 0);
    /// `EcsRunTaskOperator(container_name=...)` exists from this version on.
    pub const AMAZON_CONTAINER_NAME: ProviderVersion = ProviderVersion(9, 4, 0);

    pub fn parse(s: &str) -> Option<ProviderVersion> {
        let mut parts = s.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = match parts.next() {
            Some(p) => p.parse().ok()?,
            None => 0,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(ProviderVersion(major, minor, patch))
    }
}

impl std::fmt::Display for ProviderVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// A parsed Airflow version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct AirflowVersion {
    pub major: u32,
    pub minor: u32,
}

impl Airflow {
    /// `"3.1"` → 3.1; `None` when the text is not `MAJOR.MINOR[.PATCH]`.
    pub fn parsed_version(&self) -> Option<AirflowVersion> {
        let mut parts = self.version.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next().map_or(Some(0), |m| m.parse().ok())?;
        Some(AirflowVersion { major, minor })
    }

    /// The major version, when it is one meshsynth supports.
    pub fn major(&self) -> Option<Major> {
        match self.parsed_version()?.major {
            2 => Some(Major::V2),
            3 => Some(Major::V3),
            _ => None,
        }
    }

    /// Whether an API server (3.x) or webserver (2.x) runs, and so joins the mesh.
    pub fn has_api(&self) -> bool {
        self.components.api_server.is_some() || self.components.webserver.is_some()
    }

    /// The API component's command and family suffix: `api-server` (3.x) or `webserver` (2.x).
    pub fn api_component(&self) -> &'static str {
        if self.is_v3() {
            "api-server"
        } else {
            "webserver"
        }
    }

    /// The spec key of the API component under `components`.
    pub fn api_key(&self) -> &'static str {
        if self.is_v3() {
            "api_server"
        } else {
            "webserver"
        }
    }

    /// The path the API component answers health checks on.
    pub fn api_health_path(&self) -> &'static str {
        if self.is_v3() {
            "/api/v2/version"
        } else {
            "/health"
        }
    }

    /// The EKS settings, when Airflow runs on EKS.
    pub fn on_eks(&self) -> Option<&EksSettings> {
        match self.platform {
            AirflowPlatform::Eks => self.eks.as_ref(),
            AirflowPlatform::Ecs => None,
        }
    }

    pub fn is_v3(&self) -> bool {
        self.parsed_version().is_some_and(|v| v.major >= 3)
    }

    /// The amazon provider the output is written for: `amazon_provider`, else what the official
    /// image of this Airflow line ships.
    pub fn amazon_provider(&self) -> ProviderVersion {
        self.amazon_provider
            .as_deref()
            .and_then(ProviderVersion::parse)
            .unwrap_or(if self.is_v3() {
                ProviderVersion(9, 17, 0)
            } else {
                ProviderVersion::MIN_AMAZON
            })
    }

    /// The UI admin's user name.
    pub fn admin_username(&self) -> &str {
        self.admin_username.as_deref().unwrap_or("admin")
    }

    /// Fargate unless the spec says `ec2`.
    pub fn launch_type(&self) -> LaunchType {
        self.launch_type.unwrap_or(LaunchType::Fargate)
    }

    /// The parallelism the worker node must carry (Airflow's default is 32).
    pub fn parallelism(&self) -> u32 {
        self.workers
            .as_ref()
            .and_then(|w| w.parallelism)
            .unwrap_or(32)
    }

    /// The component that runs Airflow tasks and therefore needs the worker virtual node.
    pub fn runs_tasks_in(&self) -> TaskRunner {
        match self.executor {
            Executor::Ecs => TaskRunner::EcsTaskDefinition,
            Executor::Kubernetes => TaskRunner::Pods,
            Executor::Celery => TaskRunner::CeleryWorkers,
            Executor::Local => TaskRunner::Scheduler,
        }
    }
}

/// The Airflow major versions meshsynth supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Major {
    V2,
    V3,
}

/// Where Airflow tasks run, by executor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskRunner {
    /// AwsEcsExecutor: a task definition the executor starts once per Airflow task.
    EcsTaskDefinition,
    /// CeleryExecutor: an ECS service of Celery workers.
    CeleryWorkers,
    /// LocalExecutor: inside the scheduler's container.
    Scheduler,
    /// KubernetesExecutor: a pod per Airflow task.
    Pods,
}

/// Names meshsynth gives the Airflow side of the mesh. Validation checks they do not collide
/// with the spec's own names; lowering uses them.
pub mod names {
    /// The virtual node of the containers that run Airflow tasks.
    pub const WORKER_NODE: &str = "airflow-worker";
    /// The virtual node of the API server (3.x) or webserver (2.x).
    pub const API_NODE: &str = "airflow-api-server";
    /// The Cloud Map service of the API server.
    pub const API_CLOUD_MAP_SERVICE: &str = "airflow-api-server";
    /// The API server's port.
    pub const API_PORT: u32 = 8080;
    /// The name of the Airflow container in every task definition.
    pub const AIRFLOW_CONTAINER: &str = "airflow";
    /// The container that migrates the metadata database before the scheduler starts.
    pub const MIGRATE_CONTAINER: &str = "airflow-db-migrate";
    /// The container that waits for that migration before another component starts.
    pub const WAIT_FOR_MIGRATIONS_CONTAINER: &str = "airflow-wait-for-migrations";
    /// How long that container waits for the migration before its task gives up.
    pub const MIGRATION_WAIT_SECONDS: u32 = 600;
    /// The environment variables the migration creates the UI admin from.
    pub const ADMIN_USERNAME_ENV: &str = "MESHSYNTH_ADMIN_USERNAME";
    pub const ADMIN_PASSWORD_ENV: &str = "MESHSYNTH_ADMIN_PASSWORD";
    /// The environment variables the generated DAGs read the network of their ECS tasks from.
    pub const SUBNETS_ENV: &str = "MESHSYNTH_SUBNET_IDS";
    pub const SECURITY_GROUPS_ENV: &str = "MESHSYNTH_SECURITY_GROUP_IDS";
    /// Where DAG files are in every Airflow container (the official image's DAG folder).
    pub const DAGS_FOLDER: &str = "/opt/airflow/dags";
    /// The task definition volume of an EFS DAG folder.
    pub const DAG_VOLUME: &str = "dags";
    /// The NFS port an EFS mount uses.
    pub const NFS_PORT: u32 = 2049;
    /// The name of the S3 DAG bundle.
    pub const DAG_BUNDLE: &str = "dags";
    /// The name of the Envoy container in every meshed task definition.
    pub const ENVOY_CONTAINER: &str = "envoy";

    /// Memory (MiB) reserved for Envoy in every meshed task; the rest is the application's.
    pub const ENVOY_MEMORY_RESERVATION: u32 = 128;
    /// CPU units reserved for Envoy in every meshed task.
    pub const ENVOY_CPU: u32 = 64;
    /// The least memory (MiB) an Airflow container gets after Envoy's reservation.
    pub const MIN_AIRFLOW_MEMORY: u32 = 512;
    /// Task sizes used when the spec sets none: (cpu, memory).
    pub const DEFAULT_SIZE: (u32, u32) = (1024, 2048);
    pub const DEFAULT_SMALL_SIZE: (u32, u32) = (512, 1024);

    /// The key of a DAG task's task definition, role and family suffix (`ingest_orders` →
    /// `task-ingest_orders`).
    pub fn dag_task(task: &str) -> String {
        format!("task-{task}")
    }

    /// The environment variable Airflow reads connection `id` from.
    pub fn connection_env(id: &str) -> String {
        format!("AIRFLOW_CONN_{}", id.to_uppercase())
    }

    /// The virtual node of a DAG task container (`ingest_orders` → `airflow-task-ingest-orders`).
    pub fn task_node(task: &str) -> String {
        format!("airflow-task-{}", task.replace('_', "-"))
    }

    /// The virtual service clients of the API server call.
    pub fn api_service(namespace: &str) -> String {
        format!("{API_CLOUD_MAP_SERVICE}.{namespace}")
    }

    /// An ECS task definition family: `<project>-<what>`.
    pub fn family(project: &str, what: &str) -> String {
        format!("{project}-{}", what.replace('_', "-"))
    }

    /// What meshsynth names on EKS: the Helm release, its Services, and per meshed identity the
    /// service account, pod template and IAM role.
    pub mod eks {
        /// The Helm release of the official chart; the chart names its objects after it.
        pub const RELEASE: &str = "airflow";
        /// The chart's API server Service (`<release>-api-server`).
        pub const API_SERVICE: &str = "airflow-api-server";
        /// The chart's webserver Service (2.x).
        pub const WEBSERVER_SERVICE: &str = "airflow-webserver";
        /// The main container of every pod template, as Airflow requires.
        pub const BASE_CONTAINER: &str = "base";
        /// Envoy and the iptables set-up of App Mesh pods.
        pub const ENVOY_CONTAINER: &str = "envoy";
        pub const PROXY_INIT_CONTAINER: &str = "proxyinit";
        /// Where each pod template is mounted in the scheduler and workers: not the chart's
        /// own `/opt/airflow/pod_templates`, where the chart mounts its `pod_template_file.yaml`
        /// into the scheduler (a directory mount there would hide or clash with it).
        pub const POD_TEMPLATE_DIR: &str = "/opt/meshsynth/pod-templates";
        /// The ConfigMap that holds every pod template (key: [`pod_template_file`]), mounted at
        /// [`POD_TEMPLATE_DIR`].
        pub const POD_TEMPLATES_CONFIGMAP: &str = "meshsynth-pod-templates";

        /// The official chart: its repository (as `helm repo add` names it) and the version the
        /// values are written for. 1.19.0 is the last release that runs Airflow 2.10 (1.20
        /// needs 2.11) and runs 3.1; the values are checked against its schema.
        pub const CHART_REPO: &str = "apache-airflow";
        pub const CHART_REPO_URL: &str = "https://airflow.apache.org";
        pub const CHART: &str = "apache-airflow/airflow";
        pub const CHART_VERSION: &str = "1.19.0";

        /// The Kubernetes Secrets Airflow reads, created from the spec's Secrets Manager / SSM
        /// ARNs (the guide has the commands) and referenced by name only: (name, key). The
        /// keys are the ones the chart reads; the names are not the chart's own defaults, so
        /// `kubectl get secrets` tells them from the ones Helm generates.
        pub const METADATA_SECRET: &str = "meshsynth-metadata-db";
        pub const METADATA_SECRET_KEY: &str = "connection";
        pub const FERNET_SECRET: &str = "meshsynth-fernet-key";
        pub const FERNET_SECRET_KEY: &str = "fernet-key";
        /// The API server's secret key (3.x).
        pub const API_SECRET_KEY_SECRET: &str = "meshsynth-api-secret-key";
        pub const API_SECRET_KEY_SECRET_KEY: &str = "api-secret-key";
        /// The webserver's secret key (2.x).
        pub const WEBSERVER_SECRET_KEY_SECRET: &str = "meshsynth-webserver-secret-key";
        pub const WEBSERVER_SECRET_KEY_SECRET_KEY: &str = "webserver-secret-key";
        /// The Execution API's JWT signing secret (3.x).
        pub const JWT_SECRET: &str = "meshsynth-jwt-secret";
        pub const JWT_SECRET_KEY: &str = "jwt-secret";
        /// The Celery broker URL.
        pub const BROKER_URL_SECRET: &str = "meshsynth-broker-url";
        pub const BROKER_URL_SECRET_KEY: &str = "connection";
        /// The UI admin's password, which the chart's create-user job reads.
        pub const ADMIN_PASSWORD_SECRET: &str = "meshsynth-admin-password";
        pub const ADMIN_PASSWORD_SECRET_KEY: &str = "password";
        /// The Role (and its RoleBinding) that lets the workers' service account start DAG
        /// tasks' pods in the task namespace (KubernetesPodOperator).
        pub const POD_LAUNCHER_ROLE: &str = "meshsynth-pod-launcher";

        /// The in-cluster DNS name of a Service.
        pub fn service_host(service: &str, namespace: &str) -> String {
            format!("{service}.{namespace}.svc.cluster.local")
        }

        /// The virtual service (and DNS name) of the API server on EKS (3.x).
        pub fn api_service(namespace: &str) -> String {
            service_host(API_SERVICE, namespace)
        }

        /// The chart's Service of the API component: the API server on 3.x, the webserver
        /// (`<release>-webserver`) on 2.x.
        pub fn api_component_service(namespace: &str, v3: bool) -> String {
            if v3 {
                api_service(namespace)
            } else {
                service_host(WEBSERVER_SERVICE, namespace)
            }
        }

        /// `AIRFLOW__CORE__EXECUTION_API_SERVER_URL` on EKS (3.x): the chart's API server
        /// Service by its full name, so pods of every namespace reach it.
        pub fn execution_api_url(namespace: &str) -> String {
            format!(
                "http://{}:{}/execution/",
                api_service(namespace),
                super::API_PORT
            )
        }

        /// A Kubernetes Service named by a DNS discovery hostname
        /// (`orders.shop.svc.cluster.local` → (`orders`, `shop`)).
        pub fn service_of_host(hostname: &str) -> Option<(&str, &str)> {
            let rest = hostname.strip_suffix(".svc.cluster.local")?;
            let (svc, ns) = rest.split_once('.')?;
            (!svc.is_empty() && !ns.is_empty() && !ns.contains('.')).then_some((svc, ns))
        }

        /// The service account (and pod template, ConfigMap) of a meshed identity: the
        /// identity's virtual node name (`airflow-worker`, `airflow-task-ingest-orders`).
        pub fn service_account(node: &str) -> String {
            node.to_owned()
        }

        /// The pod template file of an identity (`airflow-worker-pod-template.yaml`), in the
        /// kubernetes folder's `pod-templates/`, as a key of [`POD_TEMPLATES_CONFIGMAP`] and
        /// under [`POD_TEMPLATE_DIR`]. The name says what it is, so a checker of ConfigMaps
        /// knows the key holds an Airflow pod template (`containers[0]` named `base`).
        pub fn pod_template_file(node: &str) -> String {
            format!("{node}-pod-template.yaml")
        }

        /// The IRSA role of an identity: `<project>-<node>`, at most 64 characters.
        pub fn role_name(project: &str, node: &str) -> String {
            let full = format!("{project}-{}", node.trim_start_matches("airflow-"));
            full.chars().take(64).collect()
        }
    }
}
