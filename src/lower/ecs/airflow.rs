//! Airflow on ECS: one task definition per component (and per DAG task), the executor's
//! settings and permissions, and the facts the guide documents.

use std::collections::BTreeMap;

use super::taskdef::{Container, TaskSpec};
use super::Ecs;
use crate::ir::{
    AirflowDoc, Attr, ConnectionDoc, DagTaskDoc, DagsDoc, Kind, Pseudo, ResourceId, SecretDoc,
    UiDoc, Value,
};
use crate::lower::airflow::{executor_class, AirflowSettings};
use crate::lower::iam::{arn, statement};
use crate::params::{SECURITY_GROUP_IDS, SUBNET_IDS};
use crate::spec::airflow_names as names;
use crate::spec::paths::airflow_path;
use crate::spec::{
    Airflow, ComponentSize, DagSource, Executor, ProviderVersion, SecretRef, TaskRunner,
};

const SCHEDULER_HEALTH_PORT: u32 = 8974;

/// The id (and file stem) of the generated DAG: `orders-airflow` → `orders_airflow_ecs_tasks`.
fn dag_id(project: &str) -> String {
    format!("{}_ecs_tasks", crate::case::snake_case(project))
}

impl Ecs<'_> {
    pub(super) fn airflow(&mut self, af: &Airflow) {
        let v3 = af.is_v3();
        let src = airflow_path();
        let AirflowSettings {
            db,
            fernet,
            api_key,
            jwt,
            broker,
            admin_password,
            mut common,
        } = AirflowSettings::new(self.checked, af, self.plan);
        let worker_family = names::family(self.project(), "worker");
        // Every component that loads the executor (the scheduler, and the API server or
        // webserver, which asks it for the logs of running tasks) needs all of its settings:
        // one set, on every Airflow container.
        if af.executor == Executor::Ecs {
            common.extend(self.executor_env(&worker_family));
        }
        common.extend(self.remote_logging_env());
        // Fargate sets the region in every container, EC2 container instances do not: boto3 in
        // the hooks (EcsRunTaskOperator, the CloudWatch log handler, S3 bundles) needs it.
        common.insert("AWS_DEFAULT_REGION".into(), Value::Pseudo(Pseudo::Region));
        if !af.tasks.is_empty() {
            common.extend(self.dag_network_env());
        }
        let mut scheduler_env = common.clone();
        scheduler_env.insert(
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK".into(),
            Value::str("True"),
        );

        let pick = AirflowSettings::pick;
        let comps = &af.components;
        let size =
            |c: &ComponentSize, d: (u32, u32)| (c.cpu.unwrap_or(d.0), c.memory.unwrap_or(d.1));
        let csrc = src.key("components");

        if let Some(c) = comps.api_server.as_ref().or(comps.webserver.as_ref()) {
            let what = af.api_component();
            let (cpu, memory) = size(c, names::DEFAULT_SIZE);
            // It loads the executor to show the logs of running tasks, so with Celery it needs
            // the broker as the scheduler does.
            let secrets = if v3 {
                pick(&[&db, &fernet, &api_key, &jwt, &broker])
            } else {
                pick(&[&db, &fernet, &api_key, &broker])
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
                            af.api_health_path()
                        ),
                        60,
                    )),
                },
                service: Some(c.desired_count.unwrap_or(1)),
                registry: Some(names::API_CLOUD_MAP_SERVICE.into()),
                extra_statements: vec![self.task_log_read_statement()],
                init: None,
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
                statements.push(self.task_log_write_statement());
                statements.extend(self.dag_bundle_statements(af));
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
                init: None,
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
            let mut statements = Vec::new();
            // Deferred tasks log from the triggerer while they wait; on 3.x the DAG processor
            // streams each file's parse log to the same remote store, and builds that handler
            // (watchtower's CreateLogGroup) at start: without the permission it exits.
            if cmd == "triggerer" || (v3 && cmd == "dag-processor") {
                statements.push(self.task_log_write_statement());
            }
            // Only what parses DAGs reads the bundle (3.x's triggerer runs triggers, not DAG files).
            if cmd == "dag-processor" {
                statements.extend(self.dag_bundle_statements(af));
            }
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
                extra_statements: statements,
                init: None,
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
                    extra_statements: [
                        self.dag_task_statements(af),
                        vec![self.task_log_write_statement()],
                        self.dag_bundle_statements(af),
                    ]
                    .concat(),
                    init: None,
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
                init: None,
            });
        }
        self.add_migration(
            af,
            &common,
            &[&db, &fernet, &api_key, &jwt, &broker, &admin_password],
        );
        let secrets = [
            ("database_url", &db, "the metadata database's SQLAlchemy URL, e.g. `postgresql+psycopg2://user:password@host:5432/airflow`"),
            ("fernet_key", &fernet, "a Fernet key (`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`), the same forever: it decrypts stored connections"),
            ("api_secret_key", &api_key, "a long random string that signs sessions and log requests"),
            ("jwt_secret", &jwt, "a long random string that signs the tokens tasks present to the Execution API"),
            ("broker_url", &broker, "the Celery broker URL, e.g. `rediss://:password@host:6379/0`"),
            ("admin_password", &admin_password, "the UI admin's password (plain text)"),
        ]
        .into_iter()
        .filter_map(|(key, s, holds)| {
            let (env, value) = s.as_ref()?;
            let mut holds = holds.to_owned();
            if key == "database_url" {
                holds.push_str(", with the password URL-encoded");
                if v3 {
                    // 3.x derives an asyncpg URL from it for the API server, and asyncpg
                    // refuses libpq's `sslmode`; psycopg2 negotiates TLS by default.
                    holds.push_str(
                        "; leave `sslmode` out (the API server's async engine refuses it)",
                    );
                }
            }
            // `arn:…:secret:name-AbCdEf:json-key::` injects one key of a JSON secret.
            if let Value::Str(arn) = value {
                if let Some(k) = arn.split(':').nth(7).filter(|k| !k.is_empty()) {
                    holds = format!("a JSON secret whose key `{k}` holds {holds}");
                }
            }
            Some(SecretDoc {
                key: key.into(),
                env: env.clone(),
                holds,
                from: self.secret_source(value),
            })
        })
        .collect();
        let mut doc = self.doc(af, &worker_family);
        doc.secrets = secrets;
        self.plan.airflow = Some(doc);
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

    fn doc(&self, af: &Airflow, worker_family: &str) -> AirflowDoc {
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
                format!("the {} (HTTP {})", af.api_component(), names::API_PORT),
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
                DagTaskDoc {
                    name: t.clone(),
                    family: names::family(self.project(), &names::dag_task(t)),
                    container: t.clone(),
                    stream_prefix: format!("{}/{t}", names::dag_task(t)),
                    node,
                    backends: spec.backends.clone(),
                }
            })
            .collect();
        AirflowDoc {
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
                .map(|(id, c)| ConnectionDoc {
                    id: id.clone(),
                    conn_type: c.conn_type(self.spec).as_str().into(),
                    env: names::connection_env(id),
                    host: c.virtual_service.clone(),
                    port: c.port,
                })
                .collect(),
            scheduler_env,
            nodes,
            ignored_ports: af.egress.ignored_ports.clone(),
            major: if af.is_v3() { 3 } else { 2 },
            image: af.image.clone(),
            amazon_provider: af.amazon_provider().to_string(),
            container_name_arg: af.amazon_provider() >= ProviderVersion::AMAZON_CONTAINER_NAME,
            subnets_env: names::SUBNETS_ENV.into(),
            security_groups_env: names::SECURITY_GROUPS_ENV.into(),
            migration_component: self
                .tasks
                .iter()
                .find(|t| t.init.is_some())
                .map(|t| t.what.clone()),
            ui: af.has_api().then(|| UiDoc {
                component: af.api_component().into(),
                url: self
                    .checked
                    .api_service()
                    .map(|s| format!("http://{s}:{}", names::API_PORT)),
                admin_username: af.admin_username().into(),
                password_from: match af.secrets.admin_password.as_ref() {
                    Some(SecretRef {
                        parameter: Some(p), ..
                    }) => format!(
                        "the secret whose ARN you pass as `{p}` (Terraform: `{}`)",
                        crate::case::snake_case(p)
                    ),
                    Some(SecretRef { arn: Some(a), .. }) => format!("the secret `{a}`"),
                    _ => "the `admin_password` secret".into(),
                },
            }),
            dags: match &af.dags {
                DagSource::Image => DagsDoc::Image,
                DagSource::S3(s3) => DagsDoc::S3 {
                    bucket: s3.bucket.clone(),
                    prefix: s3.prefix.clone().unwrap_or_default(),
                },
            },
            dag_file: (!af.tasks.is_empty()).then(|| format!("{}.py", dag_id(self.project()))),
            dag_id: (!af.tasks.is_empty()).then(|| dag_id(self.project())),
            envoy_client_drain: self.sidecar.map_or(0, |s| s.client_drain_seconds()),
            secrets: Vec::new(),
            existing_cluster: af.cluster.name.is_some(),
            api_port: names::API_PORT,
        }
    }

    /// Where a secret's ARN comes from, as the guide says it.
    fn secret_source(&self, v: &Value) -> String {
        match v {
            Value::Param(p) => {
                let label = self
                    .plan
                    .params
                    .get(p)
                    .map_or(p.as_str(), |x| x.label.as_str());
                format!("parameter `{label}` / variable `{p}`")
            }
            Value::Str(arn) => format!("`{arn}`"),
            _ => "set at deploy time".into(),
        }
    }

    /// A value as the guide shows it: literals as they are, deploy-time values in words.
    fn describe(&self, v: &Value) -> String {
        match v {
            Value::Str(s) => s.clone(),
            Value::Ref(id, Attr::Name) if *id == self.cluster_id() => self.project().to_owned(),
            Value::JoinList(_, list) => match list.as_ref() {
                Value::Param(p) if p == SUBNET_IDS => {
                    "the subnet IDs you deploy with, comma-separated".into()
                }
                Value::Param(p) if p == SECURITY_GROUP_IDS => {
                    "the security group IDs you deploy with, comma-separated".into()
                }
                _ => "set at deploy time".into(),
            },
            Value::Pseudo(Pseudo::Region) => "the stack's region".into(),
            _ => "set at deploy time".into(),
        }
    }

    /// The database migration: a container that runs `airflow db migrate` (and creates the UI
    /// admin, once) to completion before the scheduler starts, in the scheduler's task (else the
    /// first component's). Airflow serialises concurrent migrations with a database lock, so
    /// several schedulers are safe; re-running it at every start is a no-op.
    fn add_migration(
        &mut self,
        af: &Airflow,
        common: &BTreeMap<String, Value>,
        secrets: &[&crate::lower::airflow::Secret],
    ) {
        let components = [
            "scheduler",
            af.api_component(),
            "dag-processor",
            "triggerer",
        ];
        let Some(task) = components
            .iter()
            .find_map(|c| self.tasks.iter().position(|t| t.what == *c))
        else {
            return;
        };
        let mut environment = common.clone();
        let mut script = "airflow db migrate".to_owned();
        if af.has_api() {
            environment.insert(
                names::ADMIN_USERNAME_ENV.into(),
                Value::str(af.admin_username()),
            );
            // `users create` leaves an existing user as it is and exits 0, so a restart neither
            // fails nor resets a password changed in the UI.
            script.push_str(&format!(
                " && airflow users create --role Admin --username \"${u}\" --password \"${p}\" --firstname Airflow --lastname Admin --email \"${u}@example.invalid\"",
                u = names::ADMIN_USERNAME_ENV,
                p = names::ADMIN_PASSWORD_ENV,
            ));
        }
        let image = self.tasks[task].app.image.clone();
        self.tasks[task].init = Some(Container {
            name: names::MIGRATE_CONTAINER.into(),
            image,
            command: vec!["bash".into(), "-c".into(), script],
            environment,
            secrets: AirflowSettings::pick(secrets),
            ports: Vec::new(),
            health: None,
        });
    }

    /// `[logging] remote_logging` to the stack's log group, so the UI shows the logs of tasks
    /// whose ECS task (and its local log files) is gone.
    fn remote_logging_env(&self) -> BTreeMap<String, Value> {
        let mut folder = vec![Value::str("cloudwatch://")];
        match arn(
            "logs",
            true,
            true,
            vec![Value::str(format!("log-group:{}", self.log_group_name()))],
        ) {
            Value::Join(parts) => folder.extend(parts),
            other => folder.push(other),
        }
        BTreeMap::from([
            (
                "AIRFLOW__LOGGING__REMOTE_LOGGING".to_owned(),
                Value::str("True"),
            ),
            (
                "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER".to_owned(),
                Value::Join(folder),
            ),
            (
                "AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID".to_owned(),
                Value::str("aws_default"),
            ),
        ])
    }

    /// The network the generated DAGs start their ECS tasks in, as deployed.
    fn dag_network_env(&self) -> BTreeMap<String, Value> {
        BTreeMap::from([
            (
                names::SUBNETS_ENV.to_owned(),
                Value::JoinList(",".into(), Box::new(Value::Param(SUBNET_IDS.into()))),
            ),
            (
                names::SECURITY_GROUPS_ENV.to_owned(),
                Value::JoinList(
                    ",".into(),
                    Box::new(Value::Param(SECURITY_GROUP_IDS.into())),
                ),
            ),
        ])
    }

    fn task_log_streams(&self) -> Vec<Value> {
        let group = self.log_group_name();
        vec![
            arn(
                "logs",
                true,
                true,
                vec![Value::str(format!("log-group:{group}"))],
            ),
            arn(
                "logs",
                true,
                true,
                vec![Value::str(format!("log-group:{group}:log-stream:*"))],
            ),
        ]
    }

    /// Airflow's CloudWatch task handler (watchtower) makes sure the group exists, then writes a
    /// stream per task try.
    fn task_log_write_statement(&self) -> Value {
        statement(
            &[
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            self.task_log_streams(),
        )
    }

    /// The UI reads task logs with GetLogEvents.
    fn task_log_read_statement(&self) -> Value {
        statement(&["logs:GetLogEvents"], self.task_log_streams())
    }

    /// Reading the S3 DAG bundle: listing its prefix and getting its objects.
    fn dag_bundle_statements(&self, af: &Airflow) -> Vec<Value> {
        let DagSource::S3(s3) = &af.dags else {
            return Vec::new();
        };
        let prefix = s3.prefix.as_deref().unwrap_or("");
        let bucket = arn("s3", false, false, vec![Value::str(&s3.bucket)]);
        let objects = arn(
            "s3",
            false,
            false,
            vec![Value::str(format!("{}/{prefix}*", s3.bucket))],
        );
        vec![
            statement(&["s3:ListBucket"], vec![bucket]),
            statement(&["s3:GetObject"], vec![objects]),
        ]
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
        // The executor refuses a launch type together with a capacity provider strategy. Its
        // `capacity_provider_strategy` option is passed to RunTask as the text it is, so the
        // strategy (a list) goes in `run_task_kwargs`, which is parsed as JSON; under the
        // option's own snake_case name, which is how the executor sees that no launch type is
        // needed.
        match self.capacity_provider() {
            Some(cp) => env.insert(
                format!("{p}RUN_TASK_KWARGS"),
                Value::str(
                    serde_json::json!({
                        "capacity_provider_strategy": [{ "capacityProvider": cp, "weight": 1 }]
                    })
                    .to_string(),
                ),
            ),
            None => env.insert(format!("{p}LAUNCH_TYPE"), Value::str(self.launch_type())),
        };
        env.insert(
            format!("{p}SUBNETS"),
            Value::JoinList(",".into(), Box::new(Value::Param(SUBNET_IDS.into()))),
        );
        env.insert(
            format!("{p}SECURITY_GROUPS"),
            Value::JoinList(
                ",".into(),
                Box::new(Value::Param(SECURITY_GROUP_IDS.into())),
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
}
