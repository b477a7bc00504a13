//! The environment every Airflow container gets beyond `AirflowSettings`: the executor's
//! settings, remote task logs, and the network the generated DAGs start their tasks in.

use std::collections::BTreeMap;

use crate::ir::{Pseudo, Value};
use crate::lower::ecs::Ecs;
use crate::lower::iam::arn;
use crate::params::{SECURITY_GROUP_IDS, SUBNET_IDS};
use crate::spec::airflow_names as names;

impl Ecs<'_> {
    /// `[logging] remote_logging` to the stack's log group, so the UI shows the logs of tasks
    /// whose ECS task (and its local log files) is gone.
    pub(super) fn remote_logging_env(&self) -> BTreeMap<String, Value> {
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
    pub(super) fn dag_network_env(&self) -> BTreeMap<String, Value> {
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

    pub(super) fn executor_env(&self, worker_family: &str) -> BTreeMap<String, Value> {
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
}
