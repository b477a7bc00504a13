//! What the Airflow guide documents and the generated DAG uses: the lowering's facts, in words
//! where they are only known at deploy time.

use crate::ir::{
    AirflowDoc, Attr, ConnectionDoc, DagTaskDoc, DagsDoc, LatticeAirflowDoc, Pseudo, SecretDoc,
    UiDoc, Value,
};
use crate::lower::airflow::{executor_class, secret_holds, Secret};
use crate::lower::ecs::Ecs;
use crate::params::{SECURITY_GROUP_IDS, SUBNET_IDS};
use crate::spec::airflow_names as names;
use crate::spec::{Airflow, DagSource, Executor, ProviderVersion, SecretRef};

/// The id (and file stem) of the generated DAG: `orders-airflow` → `orders_airflow_ecs_tasks`.
fn dag_id(project: &str) -> String {
    format!("{}_ecs_tasks", crate::case::snake_case(project))
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

impl Ecs<'_> {
    pub(super) fn doc(&self, af: &Airflow, worker_family: &str) -> AirflowDoc {
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
            lattice: self.lattice_doc(af),
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
                .find(|t| {
                    t.init
                        .as_ref()
                        .is_some_and(|c| c.name == names::MIGRATE_CONTAINER)
                })
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
                DagSource::Efs(efs) => DagsDoc::Efs {
                    file_system_id: efs.file_system_id.clone(),
                    access_point_id: efs.access_point_id.clone(),
                },
            },
            dag_id: (!af.tasks.is_empty()).then(|| dag_id(self.project())),
            sidecar_stop: self.sidecar.map(|s| s.stop_doc()),
            migrate_container: names::MIGRATE_CONTAINER.into(),
            wait_container: names::WAIT_FOR_MIGRATIONS_CONTAINER.into(),
            migration_wait_minutes: names::MIGRATION_WAIT_SECONDS / 60,
            secrets: Vec::new(),
            existing_cluster: af.cluster.name.is_some(),
            api_port: names::API_PORT,
        }
    }

    /// The secrets to create before deploying, in the order the guide lists them.
    /// How DAGs call the mesh on Lattice: the signing module and each connection's URL and
    /// client-side policy.
    fn lattice_doc(&self, af: &Airflow) -> Option<LatticeAirflowDoc> {
        crate::lower::airflow::lattice_doc(self.checked, af, self.plan.backend)
    }

    pub(super) fn secret_docs(&self, af: &Airflow, list: [(&str, &Secret); 6]) -> Vec<SecretDoc> {
        list.into_iter()
            .filter_map(|(key, s)| {
                let (env, value) = s.as_ref()?;
                let mut holds = secret_holds(key).to_owned();
                if key == "database_url" {
                    holds.push_str(", with the password URL-encoded");
                    if af.is_v3() {
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
            .collect()
    }

    /// What a scheduler run elsewhere needs to drive the executor, as one JSON object whose
    /// deploy-time values the stack fills in.
    pub(super) fn scheduler_environment_output(&mut self, worker_family: &str) {
        let mut parts = vec![Value::str("{")];
        for (i, (k, v)) in self.executor_env(worker_family).into_iter().enumerate() {
            if i > 0 {
                parts.push(Value::str(", "));
            }
            parts.push(Value::str(format!("{}: ", json_str(&k))));
            match v {
                // A literal may hold quotes (run_task_kwargs is JSON itself): encode it whole.
                Value::Str(s) => parts.push(Value::str(json_str(&s))),
                // Names, IDs and the region never hold a quote or a backslash.
                other => {
                    parts.push(Value::str("\""));
                    parts.push(other);
                    parts.push(Value::str("\""));
                }
            }
        }
        parts.push(Value::str("}"));
        self.plan.add_output(
            "scheduler_environment".into(),
            "Environment (JSON) a scheduler run outside this stack needs for AwsEcsExecutor".into(),
            Value::Join(parts),
            None,
        );
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
}
