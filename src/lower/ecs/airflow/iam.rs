//! What the Airflow task roles may do: run and watch ECS tasks (the executor, EcsRunTaskOperator),
//! write and read remote task logs, read the S3 DAG bundle.

use crate::ir::{Attr, Kind, ResourceId, Value};
use crate::lower::ecs::Ecs;
use crate::lower::iam::{arn, statement};
use crate::spec::airflow_names as names;
use crate::spec::{Airflow, DagSource};

impl Ecs<'_> {
    pub(super) fn task_log_streams(&self) -> Vec<Value> {
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
    pub(super) fn task_log_write_statement(&self) -> Value {
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
    pub(super) fn task_log_read_statement(&self) -> Value {
        statement(&["logs:GetLogEvents"], self.task_log_streams())
    }

    /// Reading the S3 DAG bundle: listing its prefix and getting its objects.
    pub(super) fn dag_bundle_statements(&self, af: &Airflow) -> Vec<Value> {
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

    /// Starting, watching and stopping tasks of `families` in the cluster, and passing `roles`
    /// (RunTask needs PassRole on the task definition's execution role and task role), and nothing more.
    pub(super) fn run_task_statements(&self, families: &[String], roles: Vec<Value>) -> Vec<Value> {
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
    pub(super) fn executor_statements(&self, worker_family: &str) -> Vec<Value> {
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
    pub(super) fn dag_task_statements(&self, af: &Airflow) -> Vec<Value> {
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
