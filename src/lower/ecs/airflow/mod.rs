//! Airflow on ECS: one task definition per component (and per DAG task) and the database
//! migration before the scheduler. The settings every container gets are `env`, the task roles'
//! permissions `iam`, and what the guide documents `doc`.

mod doc;
mod env;
mod iam;

use std::collections::BTreeMap;

use super::taskdef::{Container, EfsVolume, TaskSpec};
use super::Ecs;
use crate::ir::{Pseudo, Value};
use crate::lower::airflow::AirflowSettings;
use crate::spec::airflow_names as names;
use crate::spec::paths::airflow_path;
use crate::spec::{Airflow, Amount, ComponentSize, DagSource, Executor, TaskRunner};

const SCHEDULER_HEALTH_PORT: u32 = 8974;

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
        let size = |c: &ComponentSize, d: (u32, u32)| {
            (
                c.cpu.as_ref().map_or(d.0, Amount::units),
                c.memory.as_ref().map_or(d.1, Amount::units),
            )
        };
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
                volumes: self.dag_volumes(af),
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
                volumes: self.dag_volumes(af),
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
                volumes: self.dag_volumes(af),
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
                    cpu: w.cpu.as_ref().map_or(names::DEFAULT_SIZE.0, Amount::units),
                    memory: w.memory.as_ref().map_or(names::DEFAULT_SIZE.1, Amount::units),
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
                    volumes: self.dag_volumes(af),
                });
            }
            // EKS: pods, lowered by `lower/eks`.
            TaskRunner::Scheduler | TaskRunner::Pods => {}
        }
        for (task, t) in &af.tasks {
            self.tasks.push(TaskSpec {
                what: names::dag_task(task),
                source: src.key("tasks").key(task),
                cpu: t.cpu.units(),
                memory: t.memory.units(),
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
                volumes: Vec::new(),
            });
        }
        self.add_migration(
            af,
            &common,
            &db,
            &[&db, &fernet, &api_key, &jwt, &broker, &admin_password],
        );
        let secrets = self.secret_docs(
            af,
            [
                ("database_url", &db),
                ("fernet_key", &fernet),
                ("api_secret_key", &api_key),
                ("jwt_secret", &jwt),
                ("broker_url", &broker),
                ("admin_password", &admin_password),
            ],
        );
        let mut doc = self.doc(af, &worker_family);
        doc.secrets = secrets;
        self.plan.airflow = Some(doc);
        if af.executor == Executor::Ecs {
            self.scheduler_environment_output(&worker_family);
        }
    }

    /// The EFS DAG folder every Airflow component's container mounts, when DAGs come from EFS
    /// (not the one-off migration containers, which read no DAGs).
    fn dag_volumes(&self, af: &Airflow) -> Vec<EfsVolume> {
        let DagSource::Efs(efs) = &af.dags else {
            return Vec::new();
        };
        vec![EfsVolume {
            name: names::DAG_VOLUME.into(),
            file_system_id: efs.file_system_id.clone(),
            access_point_id: efs.access_point_id.clone(),
            container_path: names::DAGS_FOLDER.into(),
            read_only: true,
        }]
    }

    /// The database migration: a container that runs `airflow db migrate` (and creates the UI
    /// admin, once) to completion before the scheduler starts, in the scheduler's task (else the
    /// first component's). Airflow serialises concurrent migrations with a database lock, so
    /// several schedulers are safe; re-running it at every start is a no-op.
    fn add_migration(
        &mut self,
        af: &Airflow,
        common: &BTreeMap<String, Value>,
        db: &crate::lower::airflow::Secret,
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
        // The other long-running components wait for the migration instead of crash-looping
        // until it is done (the Helm chart's wait-for-airflow-migrations); a timeout stops the
        // task and ECS starts another.
        let celery_workers = af.executor == Executor::Celery;
        for (i, t) in self.tasks.iter_mut().enumerate() {
            let component =
                components.contains(&t.what.as_str()) || (celery_workers && t.what == "worker");
            if i == task || !component || t.service.is_none() || t.init.is_some() {
                continue;
            }
            t.init = Some(Container {
                name: names::WAIT_FOR_MIGRATIONS_CONTAINER.into(),
                image: t.app.image.clone(),
                command: vec![
                    "db".into(),
                    "check-migrations".into(),
                    "--migration-wait-timeout".into(),
                    names::MIGRATION_WAIT_SECONDS.to_string(),
                ],
                environment: t.app.environment.clone(),
                // It reads the database, which 3.x Celery workers otherwise never do.
                secrets: t
                    .app
                    .secrets
                    .clone()
                    .into_iter()
                    .chain(AirflowSettings::pick(&[db]))
                    .collect(),
                ports: Vec::new(),
                health: None,
            });
        }
    }
}
