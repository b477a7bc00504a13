//! Airflow on Amazon ECS and the `workloads:` services: task definitions with Envoy, ECS
//! services registered in Cloud Map, IAM roles scoped to each virtual node, a log group and
//! (optionally) a cluster.
//!
//! The Airflow side's virtual nodes and the API server's virtual service are not lowered here:
//! [`augment`] adds them to the spec, and the App Mesh lowering treats them like the user's own.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use super::lower::{cloud_map_service_id, node_id};
use super::{
    snake_case, Attr, Kind, Obj, Param, ParamType, Plan, Pseudo, Resource, ResourceId, Value,
};
use crate::diagnostic::FieldPath;
use crate::model::airflow_names as names;
use crate::model::*;

/// The Envoy image used when the environment does not name one.
pub const DEFAULT_ENVOY_IMAGE: &str = "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.34.13.3-prod";
/// Envoy drains listeners this long on SIGTERM; its `stopTimeout` is longer so it exits 0 before
/// ECS sends SIGKILL (a 137 exit would fail the Airflow task and make the executor retry it).
const ENVOY_DRAIN_SECONDS: u32 = 20;
const ENVOY_STOP_TIMEOUT: u32 = 30;
/// ECS refuses an APPMESH proxy configuration without `AppPorts` ("App ports not found",
/// aws/aws-app-mesh-roadmap#467), so client-only tasks name a port nothing listens on. Not
/// Airflow's log-server port 8793: Envoy has no listener there and would swallow log fetches.
const CLIENT_ONLY_APP_PORT: u32 = 15099;
const SCHEDULER_HEALTH_PORT: u32 = 8974;

/// Adds the Airflow side's virtual nodes and services to the spec, and points the Cloud Map
/// filter of every workload at the task family ECS registers.
pub(super) fn augment(spec: &Spec) -> Cow<'_, Spec> {
    if spec.airflow.is_none() && spec.workloads.is_empty() {
        return Cow::Borrowed(spec);
    }
    let mut s = spec.clone();
    let namespace = s
        .service_discovery
        .as_ref()
        .and_then(|d| d.cloud_map.as_ref())
        .map(|c| c.namespace.clone());
    if let Some(af) = &spec.airflow {
        let api_service = namespace.as_deref().map(names::api_service);
        let has_api = af.components.api_server.is_some() || af.components.webserver.is_some();
        if has_api {
            let family = names::family(&spec.name, api_component(af));
            let node = VirtualNode {
                listeners: vec![NodeListener {
                    port: names::API_PORT,
                    protocol: Protocol::Http,
                    health_check: Some(HealthCheck {
                        path: Some(api_health_path(af).into()),
                        ..HealthCheck::default()
                    }),
                    timeout: None,
                    outlier_detection: None,
                    connection_pool: None,
                    tls: None,
                }],
                service_discovery: Some(NodeServiceDiscovery {
                    cloud_map: Some(CloudMapDiscovery {
                        service: names::API_CLOUD_MAP_SERVICE.into(),
                        namespace: None,
                        attributes: family_filter(&family),
                        ip_preference: None,
                    }),
                    dns: None,
                }),
                ..VirtualNode::default()
            };
            s.virtual_nodes.insert(names::API_NODE.into(), node);
            if let Some(svc) = &api_service {
                s.virtual_services.insert(
                    svc.clone(),
                    VirtualService {
                        node: Some(names::API_NODE.into()),
                        ..VirtualService::default()
                    },
                );
            }
        }
        let mut worker_backends: Vec<String> = af
            .workers
            .as_ref()
            .map(|w| w.backends.clone())
            .unwrap_or_default();
        if af.is_v3() && has_api {
            // Tasks reach the Execution API through the mesh.
            worker_backends.extend(api_service.clone());
        }
        s.virtual_nodes
            .insert(names::WORKER_NODE.into(), client_node(&worker_backends));
        for (task, t) in &af.tasks {
            s.virtual_nodes
                .insert(names::task_node(task), client_node(&t.backends));
        }
    }
    for name in spec.workloads.keys() {
        let family = names::family(&spec.name, name);
        if let Some(cm) = s
            .virtual_nodes
            .get_mut(name)
            .and_then(|n| n.service_discovery.as_mut())
            .and_then(|d| d.cloud_map.as_mut())
        {
            // ECS registers tasks with ECS_* attributes only; filter on the one that tells versions apart.
            cm.attributes = family_filter(&family);
        }
    }
    Cow::Owned(s)
}

fn client_node(backends: &[String]) -> VirtualNode {
    let mut seen = BTreeSet::new();
    VirtualNode {
        backends: backends
            .iter()
            .filter(|b| seen.insert(b.as_str()))
            .map(|b| Short(Backend::from_short(b.clone())))
            .collect(),
        ..VirtualNode::default()
    }
}

/// The value of `AIRFLOW__CORE__EXECUTOR`.
fn executor_class(e: Executor) -> &'static str {
    match e {
        Executor::Ecs => "airflow.providers.amazon.aws.executors.ecs.ecs_executor.AwsEcsExecutor",
        Executor::Celery => "CeleryExecutor",
        Executor::Local => "LocalExecutor",
    }
}

fn family_filter(family: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("ECS_TASK_DEFINITION_FAMILY".to_owned(), family.to_owned())])
}

fn api_component(af: &Airflow) -> &'static str {
    if af.is_v3() {
        "api-server"
    } else {
        "webserver"
    }
}

fn api_health_path(af: &Airflow) -> &'static str {
    if af.is_v3() {
        "/api/v2/version"
    } else {
        "/health"
    }
}

/// One ECS task definition to generate.
struct TaskSpec {
    /// Family suffix and resource name (`api-server`, `worker`, `task-ingest-orders`, `orders-v1`).
    what: String,
    source: FieldPath,
    cpu: u32,
    memory: u32,
    /// The virtual node whose Envoy runs beside the app, if the task is meshed.
    node: Option<String>,
    app: Container,
    /// Run as an ECS service with this many tasks; `None` for task definitions others run.
    service: Option<u32>,
    /// Cloud Map service the ECS service registers its tasks in.
    registry: Option<String>,
    /// Statements of the task role's own policy (besides the Envoy ones).
    extra_statements: Vec<Value>,
}

struct Container {
    name: String,
    image: Value,
    command: Vec<String>,
    environment: BTreeMap<String, Value>,
    secrets: BTreeMap<String, Value>,
    ports: Vec<u32>,
    health: Option<(String, u32)>,
}

pub(super) fn lower(spec: &Spec, plan: &mut Plan) {
    if spec.airflow.is_none() && spec.workloads.is_empty() {
        return;
    }
    let mut l = Ecs {
        spec,
        plan,
        tasks: Vec::new(),
    };
    l.shared();
    if let Some(af) = &spec.airflow {
        l.airflow(af);
    }
    for (name, w) in &spec.workloads {
        l.workload(name, w);
    }
    l.emit();
    l.attribute_generated_nodes();
}

struct Ecs<'a> {
    spec: &'a Spec,
    plan: &'a mut Plan,
    tasks: Vec<TaskSpec>,
}

fn arn(service: &str, region: bool, account: bool, resource: Vec<Value>) -> Value {
    let mut parts = vec![
        Value::str("arn:"),
        Value::Pseudo(Pseudo::Partition),
        Value::str(format!(":{service}:")),
    ];
    if region {
        parts.push(Value::Pseudo(Pseudo::Region));
    }
    parts.push(Value::str(":"));
    if account {
        parts.push(Value::Pseudo(Pseudo::AccountId));
    }
    parts.push(Value::str(":"));
    parts.extend(resource);
    Value::Join(parts)
}

fn statement(actions: &[&str], resources: Vec<Value>) -> Value {
    Obj::new()
        .set("Effect", "Allow")
        .set(
            "Action",
            actions.iter().map(|a| Value::str(*a)).collect::<Vec<_>>(),
        )
        .set("Resource", resources)
        .into()
}

fn policy(statements: Vec<Value>) -> Value {
    Obj::new()
        .set("Version", "2012-10-17")
        .set("Statement", statements)
        .into()
}

fn kv(name: &str, value: Value, value_key: &str) -> Value {
    Obj::new().set("Name", name).set(value_key, value).into()
}

impl Ecs<'_> {
    fn project(&self) -> &str {
        &self.spec.name
    }

    fn add(&mut self, id: ResourceId, source: FieldPath, props: Obj) {
        let Value::Map(props) = Value::from(props) else {
            unreachable!()
        };
        let tags = if id.kind.taggable() {
            self.spec.tags.clone()
        } else {
            BTreeMap::new()
        };
        self.plan.resources.insert(
            id.clone(),
            Resource {
                id,
                source,
                props,
                tags,
                depends_on: BTreeSet::new(),
            },
        );
    }

    fn param(
        &mut self,
        name: &str,
        ty: ParamType,
        label: &str,
        group: &str,
        description: String,
        default: Option<&str>,
    ) {
        self.plan.params.insert(
            name.into(),
            Param {
                ty,
                description,
                label: label.into(),
                group: group.into(),
                default: default.map(str::to_owned),
            },
        );
    }

    fn cluster_id(&self) -> ResourceId {
        ResourceId::new(Kind::EcsCluster, self.project())
    }
    fn creates_cluster(&self) -> bool {
        self.spec
            .airflow
            .as_ref()
            .is_none_or(|a| a.cluster.name.is_none())
    }
    /// The cluster as ECS APIs take it (name or ARN).
    fn cluster_name(&self) -> Value {
        match self
            .spec
            .airflow
            .as_ref()
            .and_then(|a| a.cluster.name.clone())
        {
            Some(n) => Value::str(n),
            None => Value::Ref(self.cluster_id(), Attr::Name),
        }
    }
    fn log_group_id(&self) -> ResourceId {
        ResourceId::new(Kind::LogGroup, self.project())
    }
    fn log_group_name(&self) -> String {
        format!("/meshsynth/{}", self.project())
    }
    fn execution_role_id(&self) -> ResourceId {
        ResourceId::new(Kind::IamRole, "execution")
    }
    fn capacity_provider(&self) -> Option<&str> {
        self.spec.airflow.as_ref()?.capacity_provider.as_deref()
    }
    fn capacity_provider_strategy(&self) -> Option<Value> {
        let cp = self.capacity_provider()?;
        Some(Value::List(vec![Obj::new()
            .set("CapacityProvider", cp)
            .set("Weight", 1u32)
            .into()]))
    }
    fn capacity_providers_id(&self) -> ResourceId {
        ResourceId::new(Kind::ClusterCapacityProviders, self.project())
    }
    fn launch_type(&self) -> &'static str {
        match self.spec.airflow.as_ref().map(|a| a.launch_type()) {
            Some(LaunchType::Ec2) => "EC2",
            _ => "FARGATE",
        }
    }

    fn shared(&mut self) {
        let src = FieldPath::root().key("airflow");
        self.param(
            "subnet_ids",
            ParamType::SubnetIds,
            "Subnets",
            "Network",
            "Private subnets the ECS tasks run in (awsvpc)".into(),
            None,
        );
        self.param(
            "security_group_ids",
            ParamType::SecurityGroupIds,
            "Security groups",
            "Network",
            "Security groups of the ECS tasks".into(),
            None,
        );
        self.param(
            "envoy_image",
            ParamType::String,
            "Envoy image",
            "Mesh",
            "The App Mesh Envoy image every meshed task runs beside its application".into(),
            Some(DEFAULT_ENVOY_IMAGE),
        );
        if self.creates_cluster() {
            let props = Obj::new().set("ClusterName", self.project()).set(
                "ClusterSettings",
                vec![Obj::new()
                    .set("Name", "containerInsights")
                    .set("Value", "enabled")
                    .into()],
            );
            self.add(self.cluster_id(), src.key("cluster"), props);
            if let (Some(cp), Some(strategy)) =
                (self.capacity_provider(), self.capacity_provider_strategy())
            {
                // A capacity provider must be associated with the cluster before services use it.
                let props = Obj::new()
                    .set("Cluster", Value::Ref(self.cluster_id(), Attr::Name))
                    .set("CapacityProviders", vec![Value::str(cp)])
                    .set("DefaultCapacityProviderStrategy", strategy);
                self.add(
                    self.capacity_providers_id(),
                    src.key("capacity_provider"),
                    props,
                );
            }
            self.plan.add_output(
                "ecs_cluster_arn".into(),
                "ARN of the ECS cluster".into(),
                Value::Ref(self.cluster_id(), Attr::Arn),
                None,
            );
        }
        let retention = self
            .spec
            .airflow
            .as_ref()
            .and_then(|a| a.log_retention_days)
            .unwrap_or(30);
        let props = Obj::new()
            .set("LogGroupName", self.log_group_name())
            .set("RetentionInDays", retention);
        self.add(self.log_group_id(), src.key("log_retention_days"), props);
    }

    fn secret_value(&mut self, s: &SecretRef, env: &str) -> Value {
        match (&s.arn, &s.parameter) {
            (Some(arn), _) => Value::str(arn),
            (None, Some(p)) => {
                let name = snake_case(p);
                self.param(
                    &name,
                    ParamType::String,
                    p,
                    "Airflow secrets",
                    // The execution role is scoped to exactly this value, and IAM does not match a
                    // `:json-key::` suffix against the secret's ARN: only the literal `arn:` form
                    // can be stripped of it (see `secret_arn`).
                    format!("ARN of the Secrets Manager secret (without a :json-key:: suffix) or SSM parameter injected as {env}"),
                    None,
                );
                Value::Param(name)
            }
            (None, None) => Value::str(""),
        }
    }

    fn airflow(&mut self, af: &Airflow) {
        let v3 = af.is_v3();
        let src = FieldPath::root().key("airflow");
        let namespace = self
            .spec
            .service_discovery
            .as_ref()
            .and_then(|d| d.cloud_map.as_ref())
            .map(|c| c.namespace.clone());
        let secret = |me: &mut Self, s: &Option<SecretRef>, env: &str| {
            s.as_ref()
                .map(|s| (env.to_owned(), me.secret_value(s, env)))
        };
        let db = secret(
            self,
            &af.secrets.database_url,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        );
        let fernet = secret(self, &af.secrets.fernet_key, "AIRFLOW__CORE__FERNET_KEY");
        let api_key_env = if v3 {
            "AIRFLOW__API__SECRET_KEY"
        } else {
            "AIRFLOW__WEBSERVER__SECRET_KEY"
        };
        let api_key = secret(self, &af.secrets.api_secret_key, api_key_env);
        let jwt = secret(
            self,
            &af.secrets.jwt_secret,
            "AIRFLOW__API_AUTH__JWT_SECRET",
        );
        let broker = secret(self, &af.secrets.broker_url, "AIRFLOW__CELERY__BROKER_URL");

        let executor = executor_class(af.executor);
        let mut common: BTreeMap<String, Value> = BTreeMap::new();
        common.insert("AIRFLOW__CORE__EXECUTOR".into(), Value::str(executor));
        common.insert("AIRFLOW__CORE__LOAD_EXAMPLES".into(), Value::str("False"));
        if let Some(p) = af.workers.as_ref().and_then(|w| w.parallelism) {
            common.insert(
                "AIRFLOW__CORE__PARALLELISM".into(),
                Value::str(p.to_string()),
            );
        }
        if !v3 && af.components.dag_processor.is_some() {
            // On 2.x `airflow dag-processor` exits unless this is set ("The option
            // [scheduler/standalone_dag_processor] must be True"), and without it the scheduler
            // parses DAGs as well. 3.x always runs the DAG processor separately.
            common.insert(
                "AIRFLOW__SCHEDULER__STANDALONE_DAG_PROCESSOR".into(),
                Value::str("True"),
            );
        }
        let has_api = af.components.api_server.is_some() || af.components.webserver.is_some();
        if let (true, true, Some(ns)) = (v3, has_api, &namespace) {
            common.insert(
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL".into(),
                Value::str(format!(
                    "http://{}:{}/execution/",
                    names::api_service(ns),
                    names::API_PORT
                )),
            );
        }
        for (id, c) in &af.connections {
            let conn_type = c.conn_type.as_deref().unwrap_or("http");
            // serde_json escapes what the spec does not constrain (`conn_type` is free text).
            let mut json = serde_json::json!({
                "conn_type": conn_type,
                "host": c.virtual_service,
                "port": c.port,
            });
            if conn_type == "http" {
                // HttpHook reads `schema` as the URL scheme; other hooks read it differently
                // (a database name, a path), so it is only set for HTTP.
                json["schema"] = "http".into();
            }
            common.insert(names::connection_env(id), Value::str(json.to_string()));
        }

        let worker_family = names::family(self.project(), "worker");
        let mut scheduler_env = common.clone();
        scheduler_env.insert(
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK".into(),
            Value::str("True"),
        );
        if af.executor == Executor::Ecs {
            for (k, v) in self.executor_env(&worker_family) {
                scheduler_env.insert(k, v);
            }
        }

        let pick = |list: &[&Option<(String, Value)>]| -> BTreeMap<String, Value> {
            list.iter().filter_map(|x| (*x).clone()).collect()
        };
        let comps = &af.components;
        let size =
            |c: &ComponentSize, d: (u32, u32)| (c.cpu.unwrap_or(d.0), c.memory.unwrap_or(d.1));
        let csrc = src.key("components");

        if let Some(c) = comps.api_server.as_ref().or(comps.webserver.as_ref()) {
            let what = api_component(af);
            let (cpu, memory) = size(c, names::DEFAULT_SIZE);
            let secrets = if v3 {
                pick(&[&db, &fernet, &api_key, &jwt])
            } else {
                pick(&[&db, &fernet, &api_key])
            };
            self.tasks.push(TaskSpec {
                what: what.into(),
                source: csrc.key(if v3 { "api_server" } else { "webserver" }),
                cpu,
                memory,
                node: Some(names::API_NODE.into()),
                app: Container {
                    name: names::AIRFLOW_CONTAINER.into(),
                    image: Value::str(&af.image),
                    command: vec![what.into()],
                    environment: common.clone(),
                    secrets,
                    ports: vec![names::API_PORT],
                    health: Some((
                        format!(
                            "curl --fail --silent http://localhost:{}{} || exit 1",
                            names::API_PORT,
                            api_health_path(af)
                        ),
                        60,
                    )),
                },
                service: Some(c.desired_count.unwrap_or(1)),
                registry: Some(names::API_CLOUD_MAP_SERVICE.into()),
                extra_statements: Vec::new(),
            });
        }
        if let Some(c) = &comps.scheduler {
            let (cpu, memory) = size(c, names::DEFAULT_SIZE);
            let runs_tasks = af.runs_tasks_in() == TaskRunner::Scheduler;
            let mut secrets = pick(&[&db, &fernet, &api_key, &broker]);
            if v3 {
                secrets.extend(pick(&[&jwt]));
            }
            // The scheduler runs the executor's ECS tasks, and with the LocalExecutor also the
            // Airflow tasks, whose EcsRunTaskOperator calls then come from this role.
            let mut statements = if af.executor == Executor::Ecs {
                self.executor_statements(&worker_family)
            } else {
                Vec::new()
            };
            if runs_tasks {
                statements.extend(self.dag_task_statements(af));
            }
            self.tasks.push(TaskSpec {
                what: "scheduler".into(),
                source: csrc.key("scheduler"),
                cpu,
                memory,
                node: runs_tasks.then(|| names::WORKER_NODE.to_owned()),
                app: Container {
                    name: names::AIRFLOW_CONTAINER.into(),
                    image: Value::str(&af.image),
                    command: vec!["scheduler".into()],
                    environment: scheduler_env.clone(),
                    secrets,
                    ports: Vec::new(),
                    health: Some((
                        format!("curl --fail --silent http://localhost:{SCHEDULER_HEALTH_PORT}/health || exit 1"),
                        60,
                    )),
                },
                service: Some(c.desired_count.unwrap_or(1)),
                registry: None,
                extra_statements: statements,
            });
        }
        for (key, c, job, cmd) in [
            (
                "dag_processor",
                &comps.dag_processor,
                "DagProcessorJob",
                "dag-processor",
            ),
            ("triggerer", &comps.triggerer, "TriggererJob", "triggerer"),
        ] {
            let Some(c) = c else { continue };
            let (cpu, memory) = size(c, names::DEFAULT_SMALL_SIZE);
            self.tasks.push(TaskSpec {
                what: cmd.into(),
                source: csrc.key(key),
                cpu,
                memory,
                node: None,
                app: Container {
                    name: names::AIRFLOW_CONTAINER.into(),
                    image: Value::str(&af.image),
                    command: vec![cmd.into()],
                    environment: common.clone(),
                    secrets: pick(&[&db, &fernet, &api_key]),
                    ports: Vec::new(),
                    health: Some((
                        // `--local` compares with the hostname Airflow itself recorded
                        // (`hostname_callable`), which need not equal `$HOSTNAME` on ECS.
                        format!("airflow jobs check --job-type {job} --local"),
                        120,
                    )),
                },
                service: Some(c.desired_count.unwrap_or(1)),
                registry: None,
                extra_statements: Vec::new(),
            });
        }
        // The task runner: the executor's task definition, or the Celery workers' service.
        let w = af.workers.clone().unwrap_or_default();
        let worker_secrets = match (v3, af.executor) {
            (true, Executor::Celery) => pick(&[&broker]),
            (true, _) => BTreeMap::new(),
            (false, Executor::Celery) => pick(&[&db, &fernet, &api_key, &broker]),
            (false, _) => pick(&[&db, &fernet, &api_key]),
        };
        match af.runs_tasks_in() {
            TaskRunner::EcsTaskDefinition | TaskRunner::CeleryWorkers => {
                let celery = af.executor == Executor::Celery;
                self.tasks.push(TaskSpec {
                    what: "worker".into(),
                    source: src.key("workers"),
                    cpu: w.cpu.unwrap_or(names::DEFAULT_SIZE.0),
                    memory: w.memory.unwrap_or(names::DEFAULT_SIZE.1),
                    node: Some(names::WORKER_NODE.into()),
                    app: Container {
                        name: names::AIRFLOW_CONTAINER.into(),
                        image: Value::str(&af.image),
                        // AwsEcsExecutor replaces the command of this container for every task.
                        command: if celery { vec!["celery".into(), "worker".into()] } else { Vec::new() },
                        environment: common.clone(),
                        secrets: worker_secrets,
                        ports: Vec::new(),
                        health: celery.then(|| {
                            (
                                "celery --app airflow.providers.celery.executors.celery_executor.app inspect ping -d \"celery@$HOSTNAME\"".to_owned(),
                                120,
                            )
                        }),
                    },
                    service: celery.then(|| w.desired_count.unwrap_or(1)),
                    registry: None,
                    extra_statements: self.dag_task_statements(af),
                });
            }
            TaskRunner::Scheduler => {}
        }
        for (task, t) in &af.tasks {
            self.tasks.push(TaskSpec {
                what: names::dag_task(task),
                source: src.key("tasks").key(task),
                cpu: t.cpu,
                memory: t.memory,
                node: Some(names::task_node(task)),
                app: Container {
                    name: task.clone(),
                    image: Value::str(&t.image),
                    command: t.command.clone(),
                    environment: t
                        .environment
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::str(v)))
                        .collect(),
                    secrets: BTreeMap::new(),
                    ports: Vec::new(),
                    health: None,
                },
                service: None,
                registry: None,
                extra_statements: Vec::new(),
            });
        }
        self.plan.airflow = Some(self.doc(af, &worker_family));
        // What a scheduler run elsewhere needs to drive the executor.
        if af.executor == Executor::Ecs {
            let mut parts = vec![Value::str("{")];
            let env = self.executor_env(&worker_family);
            for (i, (k, v)) in env.into_iter().enumerate() {
                if i > 0 {
                    parts.push(Value::str(", "));
                }
                parts.push(Value::str(format!("\"{k}\": \"")));
                parts.push(v);
                parts.push(Value::str("\""));
            }
            parts.push(Value::str("}"));
            self.plan.add_output(
                "scheduler_environment".into(),
                "Environment (JSON) a scheduler run outside this stack needs for AwsEcsExecutor"
                    .into(),
                Value::Join(parts),
                None,
            );
        }
    }

    fn doc(&self, af: &Airflow, worker_family: &str) -> super::AirflowDoc {
        let cluster = af
            .cluster
            .name
            .clone()
            .unwrap_or_else(|| self.project().to_owned());
        // The same values the stack sets, with deploy-time ones described instead of shown.
        let mut scheduler_env = vec![(
            "AIRFLOW__CORE__EXECUTOR".to_owned(),
            executor_class(af.executor).to_owned(),
        )];
        if af.executor == Executor::Ecs {
            scheduler_env.extend(
                self.executor_env(worker_family)
                    .into_iter()
                    .map(|(k, v)| (k, self.describe(&v))),
            );
        }
        let mut nodes = Vec::new();
        for (name, what) in [
            (
                names::API_NODE.to_owned(),
                format!("the {} (HTTP {})", api_component(af), names::API_PORT),
            ),
            (
                names::WORKER_NODE.to_owned(),
                "the containers that run Airflow tasks (client only)".to_owned(),
            ),
        ] {
            if let Some(n) = self.spec.virtual_nodes.get(&name) {
                nodes.push((
                    name,
                    what,
                    n.backends
                        .iter()
                        .map(|b| b.virtual_service.clone())
                        .collect(),
                ));
            }
        }
        let tasks = af
            .tasks
            .iter()
            .map(|(t, spec)| {
                let node = names::task_node(t);
                nodes.push((
                    node.clone(),
                    format!("DAG task `{t}` (client only)"),
                    spec.backends.clone(),
                ));
                super::DagTaskDoc {
                    name: t.clone(),
                    family: names::family(self.project(), &names::dag_task(t)),
                    container: t.clone(),
                    node,
                    backends: spec.backends.clone(),
                }
            })
            .collect();
        super::AirflowDoc {
            version: af.version.clone(),
            executor: format!("{:?}", af.executor).to_lowercase(),
            cluster,
            launch_type: self.launch_type().to_owned(),
            capacity_provider: self.capacity_provider().map(str::to_owned),
            worker_family: (af.executor == Executor::Ecs).then(|| worker_family.to_owned()),
            log_group: self.log_group_name(),
            tasks,
            connections: af
                .connections
                .iter()
                .map(|(id, c)| super::ConnectionDoc {
                    id: id.clone(),
                    env: names::connection_env(id),
                    host: c.virtual_service.clone(),
                    port: c.port,
                })
                .collect(),
            scheduler_env,
            nodes,
            ignored_ports: af.egress.ignored_ports.clone(),
        }
    }

    /// The App Mesh lowering names generated nodes after `virtual_nodes.<name>`, which is not in
    /// the file; point them at the spec section they come from.
    fn attribute_generated_nodes(&mut self) {
        let Some(af) = &self.spec.airflow else { return };
        let src = FieldPath::root().key("airflow");
        let api_key = if af.is_v3() {
            "api_server"
        } else {
            "webserver"
        };
        let mut sources: Vec<(ResourceId, FieldPath)> = vec![
            (node_id(names::API_NODE), src.key("components").key(api_key)),
            (node_id(names::WORKER_NODE), src.key("workers")),
            (
                cloud_map_service_id(names::API_CLOUD_MAP_SERVICE),
                src.key("components").key(api_key),
            ),
        ];
        if let Some(ns) = self
            .spec
            .service_discovery
            .as_ref()
            .and_then(|d| d.cloud_map.as_ref())
        {
            sources.push((
                ResourceId::new(Kind::VirtualService, names::api_service(&ns.namespace)),
                src.key("components").key(api_key),
            ));
        }
        for t in af.tasks.keys() {
            sources.push((node_id(&names::task_node(t)), src.key("tasks").key(t)));
        }
        for (id, path) in sources {
            if let Some(r) = self.plan.resources.get_mut(&id) {
                r.source = path;
            }
        }
    }

    /// A value as the guide shows it: literals as they are, deploy-time values in words.
    fn describe(&self, v: &Value) -> String {
        match v {
            Value::Str(s) => s.clone(),
            Value::Ref(id, Attr::Name) if *id == self.cluster_id() => self.project().to_owned(),
            Value::JoinList(_, list) => match list.as_ref() {
                Value::Param(p) if p == "subnet_ids" => {
                    "the subnet IDs you deploy with, comma-separated".into()
                }
                Value::Param(p) if p == "security_group_ids" => {
                    "the security group IDs you deploy with, comma-separated".into()
                }
                _ => "set at deploy time".into(),
            },
            Value::Pseudo(Pseudo::Region) => "the stack's region".into(),
            _ => "set at deploy time".into(),
        }
    }

    fn executor_env(&self, worker_family: &str) -> BTreeMap<String, Value> {
        let p = "AIRFLOW__AWS_ECS_EXECUTOR__";
        let mut env = BTreeMap::new();
        env.insert(format!("{p}CLUSTER"), self.cluster_name());
        env.insert(
            format!("{p}CONTAINER_NAME"),
            Value::str(names::AIRFLOW_CONTAINER),
        );
        env.insert(format!("{p}TASK_DEFINITION"), Value::str(worker_family));
        // The executor refuses a launch type together with a capacity provider strategy.
        match self.capacity_provider() {
            Some(cp) => env.insert(
                format!("{p}CAPACITY_PROVIDER_STRATEGY"),
                Value::str(
                    serde_json::json!([{ "capacityProvider": cp, "weight": 1 }]).to_string(),
                ),
            ),
            None => env.insert(format!("{p}LAUNCH_TYPE"), Value::str(self.launch_type())),
        };
        env.insert(
            format!("{p}SUBNETS"),
            Value::JoinList(",".into(), Box::new(Value::Param("subnet_ids".into()))),
        );
        env.insert(
            format!("{p}SECURITY_GROUPS"),
            Value::JoinList(
                ",".into(),
                Box::new(Value::Param("security_group_ids".into())),
            ),
        );
        env.insert(format!("{p}ASSIGN_PUBLIC_IP"), Value::str("False"));
        env.insert(format!("{p}REGION_NAME"), Value::Pseudo(Pseudo::Region));
        env
    }

    /// Starting, watching and stopping tasks of `families` in the cluster, and passing `roles`
    /// (RunTask needs PassRole on the task definition's execution role and task role), and nothing more.
    fn run_task_statements(&self, families: &[String], roles: Vec<Value>) -> Vec<Value> {
        let td_arns: Vec<Value> = families
            .iter()
            .map(|f| {
                arn(
                    "ecs",
                    true,
                    true,
                    vec![Value::str(format!("task-definition/{f}:*"))],
                )
            })
            .collect();
        let tasks_arn = arn(
            "ecs",
            true,
            true,
            vec![Value::str("task/"), self.cluster_name(), Value::str("/*")],
        );
        vec![
            statement(&["ecs:RunTask"], td_arns),
            statement(&["ecs:DescribeTasks", "ecs:StopTask"], vec![tasks_arn]),
            statement(&["iam:PassRole"], roles),
        ]
    }

    /// AwsEcsExecutor, in the scheduler: runs the worker task definition, and checks the cluster
    /// at start-up.
    fn executor_statements(&self, worker_family: &str) -> Vec<Value> {
        let roles = vec![
            Value::Ref(self.execution_role_id(), Attr::Arn),
            Value::Ref(ResourceId::new(Kind::IamRole, "worker"), Attr::Arn),
        ];
        let mut out = self.run_task_statements(&[worker_family.to_owned()], roles);
        let cluster_arn = arn(
            "ecs",
            true,
            true,
            vec![Value::str("cluster/"), self.cluster_name()],
        );
        out.push(statement(&["ecs:DescribeClusters"], vec![cluster_arn]));
        out
    }

    /// EcsRunTaskOperator runs inside the Airflow task, so these go to the role of whatever runs
    /// Airflow tasks (the executor's worker task, the Celery workers, or the LocalExecutor's
    /// scheduler), not to the scheduler's: it runs the DAG task definitions, passes their roles,
    /// and reads their log streams (the guide's `awslogs_group` / `awslogs_stream_prefix`).
    fn dag_task_statements(&self, af: &Airflow) -> Vec<Value> {
        if af.tasks.is_empty() {
            return Vec::new();
        }
        let families: Vec<String> = af
            .tasks
            .keys()
            .map(|t| names::family(self.project(), &names::dag_task(t)))
            .collect();
        let mut roles = vec![Value::Ref(self.execution_role_id(), Attr::Arn)];
        roles.extend(af.tasks.keys().map(|t| {
            Value::Ref(
                ResourceId::new(Kind::IamRole, names::dag_task(t)),
                Attr::Arn,
            )
        }));
        let streams: Vec<Value> = af
            .tasks
            .keys()
            .map(|t| {
                arn(
                    "logs",
                    true,
                    true,
                    vec![Value::str(format!(
                        "log-group:{}:log-stream:task-{t}/*",
                        self.log_group_name()
                    ))],
                )
            })
            .collect();
        let mut out = self.run_task_statements(&families, roles);
        out.push(statement(&["logs:GetLogEvents"], streams));
        out
    }

    fn workload(&mut self, name: &str, w: &Workload) {
        let node = self.spec.virtual_nodes.get(name);
        let ports: Vec<u32> = node
            .map(|n| n.listeners.iter().map(|l| l.port).collect())
            .unwrap_or_default();
        let registry = node
            .and_then(|n| n.service_discovery.as_ref())
            .and_then(|d| d.cloud_map.as_ref())
            .filter(|c| {
                c.namespace.is_none()
                    || self
                        .spec
                        .service_discovery
                        .as_ref()
                        .and_then(|d| d.cloud_map.as_ref())
                        .map(|n| &n.namespace)
                        == c.namespace.as_ref()
            })
            .map(|c| c.service.clone());
        self.tasks.push(TaskSpec {
            what: name.into(),
            source: FieldPath::root().key("workloads").key(name),
            cpu: w.cpu,
            memory: w.memory,
            node: Some(name.into()),
            app: Container {
                name: "app".into(),
                image: Value::str(&w.image),
                command: Vec::new(),
                environment: w
                    .environment
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::str(v)))
                    .collect(),
                secrets: BTreeMap::new(),
                ports,
                health: None,
            },
            service: Some(w.desired_count.unwrap_or(1)),
            registry,
            extra_statements: Vec::new(),
        });
    }

    /// Envoy's task-role permissions: xDS for its own node, and the ACM/PCA reads TLS needs.
    fn envoy_statements(&self, node_name: &str) -> Vec<Value> {
        let mut out = vec![statement(
            &["appmesh:StreamAggregatedResources"],
            vec![Value::Ref(node_id(node_name), Attr::Arn)],
        )];
        let Some(node) = self.spec.virtual_nodes.get(node_name) else {
            return out;
        };
        let certs: BTreeSet<&str> = node
            .listeners
            .iter()
            .filter_map(|l| l.tls.as_ref()?.certificate.as_ref()?.acm.as_deref())
            .collect();
        if !certs.is_empty() {
            out.push(statement(
                &["acm:ExportCertificate"],
                certs.into_iter().map(Value::str).collect(),
            ));
        }
        let mut cas = BTreeSet::new();
        let policies = node
            .backends
            .iter()
            .filter_map(|b| b.client_policy.as_ref())
            .chain(
                node.backend_defaults
                    .as_ref()
                    .and_then(|d| d.client_policy.as_ref()),
            );
        for p in policies {
            if let Some(arns) = p.tls.as_ref().and_then(|t| t.validation.trust.acm.as_ref()) {
                cas.extend(arns.iter().map(String::as_str));
            }
        }
        if !cas.is_empty() {
            out.push(statement(
                &["acm-pca:GetCertificateAuthorityCertificate"],
                cas.into_iter().map(Value::str).collect(),
            ));
        }
        out
    }

    fn emit(&mut self) {
        let tasks = std::mem::take(&mut self.tasks);
        let exec_src = FieldPath::root().key(if self.spec.airflow.is_some() {
            "airflow"
        } else {
            "workloads"
        });
        self.execution_role(&tasks, exec_src);
        for t in &tasks {
            self.emit_task(t);
        }
    }

    fn assume_ecs_tasks() -> Value {
        policy(vec![Obj::new()
            .set("Effect", "Allow")
            .set(
                "Principal",
                Obj::new().set("Service", "ecs-tasks.amazonaws.com"),
            )
            .set("Action", "sts:AssumeRole")
            .into()])
    }

    fn role(
        &mut self,
        name: &str,
        source: FieldPath,
        description: String,
        statements: Vec<Value>,
    ) -> ResourceId {
        let id = ResourceId::new(Kind::IamRole, name);
        // Named like the task definition family (`_` becomes `-`), so a DAG task's role, family
        // and virtual node spell the task the same way.
        let role_name = names::family(self.project(), name);
        let props = Obj::new()
            .set("RoleName", role_name.clone())
            .set("Description", description)
            .set("AssumeRolePolicyDocument", Self::assume_ecs_tasks());
        self.add(id.clone(), source.clone(), props);
        if !statements.is_empty() {
            let props = Obj::new()
                .set("PolicyName", role_name.clone())
                .set("RoleName", Value::Ref(id.clone(), Attr::Name))
                .set("PolicyDocument", policy(statements));
            self.add(ResourceId::new(Kind::IamRolePolicy, name), source, props);
        }
        self.plan.add_output(
            format!("role_{}_arn", snake_case(name)),
            format!("ARN of the IAM role `{role_name}`"),
            Value::Ref(id.clone(), Attr::Arn),
            Some(("role_arns", name)),
        );
        id
    }

    /// One execution role: image pulls, logs, and exactly the secrets the task definitions inject.
    fn execution_role(&mut self, tasks: &[TaskSpec], source: FieldPath) {
        let log_arn = arn(
            "logs",
            true,
            true,
            vec![Value::str(format!("log-group:{}:*", self.log_group_name()))],
        );
        let mut statements = vec![statement(
            &["logs:CreateLogStream", "logs:PutLogEvents"],
            vec![log_arn],
        )];
        let mut repos = BTreeSet::new();
        for t in tasks {
            if let Value::Str(image) = &t.app.image {
                if let Some(repo) = ecr_repository(image) {
                    repos.insert(repo);
                }
            }
        }
        if !repos.is_empty() {
            // GetAuthorizationToken has no resource-level permissions.
            statements.push(statement(
                &["ecr:GetAuthorizationToken"],
                vec![Value::str("*")],
            ));
            statements.push(statement(
                &[
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchGetImage",
                ],
                repos.into_iter().map(Value::str).collect(),
            ));
        }
        let mut sm: Vec<Value> = Vec::new();
        let mut ssm: Vec<Value> = Vec::new();
        let mut seen = BTreeSet::new();
        for t in tasks {
            for v in t.app.secrets.values() {
                // Two JSON keys of one secret are one resource: dedupe on what the policy names.
                let key = match v {
                    Value::Str(a) if !a.contains(":ssm:") => secret_arn(a),
                    other => format!("{other:?}"),
                };
                if !seen.insert(key) {
                    continue;
                }
                match v {
                    Value::Str(a) if a.contains(":ssm:") => ssm.push(v.clone()),
                    Value::Str(a) => sm.push(Value::str(secret_arn(a))),
                    // A parameter may hold either kind of ARN.
                    other => {
                        sm.push(other.clone());
                        ssm.push(other.clone());
                    }
                }
            }
        }
        if !sm.is_empty() {
            statements.push(statement(&["secretsmanager:GetSecretValue"], sm));
        }
        if !ssm.is_empty() {
            statements.push(statement(&["ssm:GetParameters"], ssm));
        }
        self.role(
            "execution",
            source,
            "ECS task execution role: image pulls, awslogs and secret injection (meshsynth)".into(),
            statements,
        );
    }

    fn emit_task(&mut self, t: &TaskSpec) {
        let family = names::family(self.project(), &t.what);
        let mut statements = t.extra_statements.clone();
        if let Some(node) = &t.node {
            statements.extend(self.envoy_statements(node));
        }
        let role = self.role(
            &t.what,
            t.source.clone(),
            format!("Task role of `{family}` (meshsynth)"),
            statements,
        );
        let log = |prefix: String| -> Value {
            Obj::new()
                .set("LogDriver", "awslogs")
                .set(
                    "Options",
                    Obj::new()
                        .set(
                            "awslogs-group",
                            Value::Ref(ResourceId::new(Kind::LogGroup, self.project()), Attr::Name),
                        )
                        .set("awslogs-region", Value::Pseudo(Pseudo::Region))
                        .set("awslogs-stream-prefix", prefix),
                )
                .into()
        };
        let mut containers = Vec::new();
        let c = &t.app;
        let mut app = Obj::new()
            .set("Name", &c.name)
            .set("Image", c.image.clone())
            .set("Essential", true)
            .set("LogConfiguration", log(t.what.clone()));
        if !c.command.is_empty() {
            app = app.set(
                "Command",
                c.command.iter().map(Value::str).collect::<Vec<_>>(),
            );
        }
        app = app.list(
            "Environment",
            c.environment
                .iter()
                .map(|(k, v)| kv(k, v.clone(), "Value"))
                .collect(),
        );
        app = app.list(
            "Secrets",
            c.secrets
                .iter()
                .map(|(k, v)| kv(k, v.clone(), "ValueFrom"))
                .collect(),
        );
        app = app.list(
            "PortMappings",
            c.ports
                .iter()
                .map(|p| {
                    Obj::new()
                        .set("ContainerPort", *p)
                        .set("Protocol", "tcp")
                        .into()
                })
                .collect(),
        );
        if let Some((cmd, start)) = &c.health {
            app = app.set(
                "HealthCheck",
                Obj::new()
                    .set("Command", vec![Value::str("CMD-SHELL"), Value::str(cmd)])
                    .set("Interval", 30u32)
                    .set("Timeout", 10u32)
                    .set("Retries", 5u32)
                    .set("StartPeriod", *start),
            );
        }
        let mut proxy = None;
        if let Some(node) = &t.node {
            app = app.set(
                "DependsOn",
                vec![Obj::new()
                    .set("ContainerName", names::ENVOY_CONTAINER)
                    .set("Condition", "HEALTHY")
                    .into()],
            );
            containers.push(self.envoy_container(node, log(format!("{}-envoy", t.what))));
            proxy = Some(self.proxy_configuration(&c.ports));
        }
        containers.insert(0, app.into());
        let td_id = ResourceId::new(Kind::TaskDefinition, &t.what);
        let props = Obj::new()
            .set("Family", family.clone())
            .set("Cpu", t.cpu.to_string())
            .set("Memory", t.memory.to_string())
            .set("NetworkMode", "awsvpc")
            .set(
                "RequiresCompatibilities",
                vec![Value::str(self.launch_type())],
            )
            .set(
                "ExecutionRoleArn",
                Value::Ref(self.execution_role_id(), Attr::Arn),
            )
            .set("TaskRoleArn", Value::Ref(role.clone(), Attr::Arn))
            .set("ContainerDefinitions", containers)
            .opt("ProxyConfiguration", proxy);
        self.add(td_id.clone(), t.source.clone(), props);
        self.plan.add_output(
            format!("task_definition_{}_arn", snake_case(&t.what)),
            format!("ARN of the task definition `{family}`"),
            Value::Ref(td_id.clone(), Attr::Arn),
            Some(("task_definition_arns", &t.what)),
        );
        self.plan.add_output(
            format!("task_definition_{}_family", snake_case(&t.what)),
            format!("Family of the task definition for `{}`", t.what),
            Value::str(&family),
            Some(("task_definition_families", &t.what)),
        );
        if let Some(count) = t.service {
            let mut props = Obj::new()
                .set("ServiceName", family.clone())
                .set(
                    "Cluster",
                    if self.creates_cluster() {
                        Value::Ref(self.cluster_id(), Attr::Arn)
                    } else {
                        self.cluster_name()
                    },
                )
                .set("TaskDefinition", Value::Ref(td_id, Attr::Arn))
                .set("DesiredCount", count)
                .set("PropagateTags", "SERVICE")
                .set(
                    "NetworkConfiguration",
                    Obj::new().set(
                        "AwsvpcConfiguration",
                        Obj::new()
                            .set("Subnets", Value::Param("subnet_ids".into()))
                            .set("SecurityGroups", Value::Param("security_group_ids".into()))
                            .set("AssignPublicIp", "DISABLED"),
                    ),
                );
            props = match self.capacity_provider_strategy() {
                Some(strategy) => props.set("CapacityProviderStrategy", strategy),
                None => props.set("LaunchType", self.launch_type()),
            };
            if let Some(svc) = &t.registry {
                props = props.set(
                    "ServiceRegistries",
                    vec![Obj::new()
                        .set(
                            "RegistryArn",
                            Value::Ref(cloud_map_service_id(svc), Attr::Arn),
                        )
                        .into()],
                );
            }
            let service_id = ResourceId::new(Kind::EcsService, &t.what);
            self.add(service_id.clone(), t.source.clone(), props);
            // Tasks reference the roles, not their inline policies: without this order the first
            // tasks can start before they may read secrets or stream Envoy's configuration.
            let policies: Vec<ResourceId> = ["execution", role.name.as_str()]
                .iter()
                .map(|n| ResourceId::new(Kind::IamRolePolicy, *n))
                .filter(|id| self.plan.resources.contains_key(id))
                .collect();
            if let Some(r) = self.plan.resources.get_mut(&service_id) {
                r.depends_on.extend(policies);
            }
            if self
                .plan
                .resources
                .contains_key(&self.capacity_providers_id())
            {
                // The strategy names the provider by name only, so nothing else orders the two.
                let dep = self.capacity_providers_id();
                if let Some(r) = self.plan.resources.get_mut(&service_id) {
                    r.depends_on.insert(dep);
                }
            }
        }
    }

    fn envoy_container(&self, node: &str, log: Value) -> Value {
        Obj::new()
            .set("Name", names::ENVOY_CONTAINER)
            .set("Image", Value::Param("envoy_image".into()))
            .set("Essential", true)
            .set("User", "1337")
            .set("MemoryReservation", names::ENVOY_MEMORY_RESERVATION)
            .set("Cpu", names::ENVOY_CPU)
            .set(
                "Environment",
                vec![
                    kv("APPMESH_RESOURCE_ARN", Value::Ref(node_id(node), Attr::Arn), "Value"),
                    kv("LISTENER_DRAIN_WAIT_TIME_S", Value::str(ENVOY_DRAIN_SECONDS.to_string()), "Value"),
                ],
            )
            .set(
                "HealthCheck",
                Obj::new()
                    .set(
                        "Command",
                        vec![
                            Value::str("CMD-SHELL"),
                            Value::str("curl -s http://localhost:9901/server_info | grep state | grep -q LIVE"),
                        ],
                    )
                    .set("Interval", 5u32)
                    .set("Timeout", 2u32)
                    .set("Retries", 3u32)
                    .set("StartPeriod", 10u32),
            )
            .set("StopTimeout", ENVOY_STOP_TIMEOUT)
            .set(
                "Ulimits",
                vec![Obj::new().set("Name", "nofile").set("SoftLimit", 15000u32).set("HardLimit", 15000u32).into()],
            )
            .set("LogConfiguration", log)
            .into()
    }

    fn proxy_configuration(&self, app_ports: &[u32]) -> Value {
        let ports = if app_ports.is_empty() {
            vec![CLIENT_ONLY_APP_PORT]
        } else {
            app_ports.to_vec()
        };
        let join = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let mut props = vec![
            kv("IgnoredUID", Value::str("1337"), "Value"),
            kv("ProxyIngressPort", Value::str("15000"), "Value"),
            kv("ProxyEgressPort", Value::str("15001"), "Value"),
            kv("AppPorts", Value::str(join(&ports)), "Value"),
        ];
        let egress = self
            .spec
            .airflow
            .as_ref()
            .map(|a| a.egress.clone())
            .unwrap_or_default();
        let mut ips = vec!["169.254.170.2".to_owned(), "169.254.169.254".to_owned()];
        ips.extend(egress.ignored_ips.iter().cloned());
        props.push(kv("EgressIgnoredIPs", Value::str(ips.join(",")), "Value"));
        if !egress.ignored_ports.is_empty() {
            props.push(kv(
                "EgressIgnoredPorts",
                Value::str(join(&egress.ignored_ports)),
                "Value",
            ));
        }
        Obj::new()
            .set("Type", "APPMESH")
            .set("ContainerName", names::ENVOY_CONTAINER)
            .set("ProxyConfigurationProperties", props)
            .into()
    }
}

/// `111122223333.dkr.ecr.us-east-1.amazonaws.com/ingest:2.0.0` → the repository's ARN.
fn ecr_repository(image: &str) -> Option<String> {
    let (host, rest) = image.split_once('/')?;
    let mut h = host.split('.');
    let account = h.next()?;
    if h.next()? != "dkr" || h.next()? != "ecr" {
        return None;
    }
    let region = h.next()?;
    let repo = rest.split(['@', ':']).next()?;
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    Some(format!(
        "arn:{partition}:ecr:{region}:{account}:repository/{repo}"
    ))
}

/// A Secrets Manager ARN without the `:json-key:version-stage:version-id` suffix ECS accepts.
fn secret_arn(a: &str) -> String {
    // arn:aws:secretsmanager:region:account:secret:name-AbCdEf[:json-key:stage:id]
    a.split(':').take(7).collect::<Vec<_>>().join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecr_images_map_to_repositories() {
        assert_eq!(
            ecr_repository("111122223333.dkr.ecr.us-east-1.amazonaws.com/ingest:2.0.0").as_deref(),
            Some("arn:aws:ecr:us-east-1:111122223333:repository/ingest")
        );
        assert_eq!(ecr_repository("apache/airflow:3.1.3"), None);
        assert_eq!(
            ecr_repository("public.ecr.aws/appmesh/aws-appmesh-envoy:v1"),
            None
        );
    }

    #[test]
    fn secret_arns_lose_their_json_key() {
        assert_eq!(
            secret_arn("arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf:url::"),
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf"
        );
    }
}
