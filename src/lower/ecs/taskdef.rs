//! ECS task definitions, their roles and services: one [`TaskSpec`] in, a task definition (with
//! the mesh's sidecar when the task is meshed), a task role and, for long-running components, an
//! ECS service out.

use std::collections::{BTreeMap, BTreeSet};

use super::{kv, Ecs, MeshedTask};
use crate::case::snake_case;
use crate::diagnostic::FieldPath;
use crate::ir::{Attr, Kind, Obj, ParamType, Pseudo, ResourceId, StringPattern, Value};
use crate::lower::iam::{arn, policy, statement};
use crate::params::{self, SECURITY_GROUP_IDS, SUBNET_IDS};
use crate::spec::airflow_names as names;

static CLOUD_MAP_SERVICE: StringPattern = StringPattern {
    regex: params::CLOUD_MAP_SERVICE_ARN_REGEX,
    message: params::CLOUD_MAP_SERVICE_ARN_MESSAGE,
};

/// One ECS task definition to generate.
pub(super) struct TaskSpec {
    /// Family suffix and resource name (`api-server`, `worker`, `task-ingest-orders`, `orders-v1`).
    pub what: String,
    pub source: FieldPath,
    pub cpu: u32,
    pub memory: u32,
    /// The virtual node whose Envoy runs beside the app, if the task is meshed.
    pub node: Option<String>,
    pub app: Container,
    /// Run as an ECS service with this many tasks; `None` for task definitions others run.
    pub service: Option<u32>,
    /// Cloud Map service the ECS service registers its tasks in.
    pub registry: Option<String>,
    /// Statements of the task role's own policy (besides the Envoy ones).
    pub extra_statements: Vec<Value>,
    /// A container that runs to completion (exit 0) before `app` starts.
    pub init: Option<Container>,
    /// EFS file systems the application container mounts.
    pub volumes: Vec<EfsVolume>,
}

/// An EFS file system mounted into the application container, through TLS and the task role.
pub(super) struct EfsVolume {
    pub name: String,
    pub file_system_id: String,
    pub access_point_id: Option<String>,
    pub container_path: String,
    pub read_only: bool,
}

pub(super) struct Container {
    pub name: String,
    pub image: Value,
    pub command: Vec<String>,
    pub environment: BTreeMap<String, Value>,
    pub secrets: BTreeMap<String, Value>,
    pub ports: Vec<u32>,
    pub health: Option<(String, u32)>,
}

impl Ecs<'_> {
    /// Emits every task; returns each meshed node's task roles.
    pub(super) fn emit(&mut self) -> BTreeMap<String, Vec<ResourceId>> {
        let tasks = std::mem::take(&mut self.tasks);
        let exec_src = FieldPath::root().key(if self.spec.airflow.is_some() {
            "airflow"
        } else {
            "workloads"
        });
        self.execution_role(&tasks, exec_src);
        let mut roles: BTreeMap<String, Vec<ResourceId>> = BTreeMap::new();
        for t in &tasks {
            let role = self.emit_task(t);
            if let Some(node) = &t.node {
                roles.entry(node.clone()).or_default().push(role);
            }
        }
        roles
    }

    /// The ARN of the Cloud Map service `svc` of the spec's namespace: the service the stack
    /// creates, or for an `existing` namespace a parameter (CloudFormation cannot look a Cloud
    /// Map service up by name, and its ARN holds a random ID).
    fn registry_arn(&mut self, svc: &str) -> Value {
        let Some(ns) = self.spec.namespace().filter(|n| n.existing) else {
            return Value::Ref(ResourceId::new(Kind::CloudMapService, svc), Attr::Arn);
        };
        let name = params::cloud_map_service_arn(svc);
        let mut description = format!(
            "ARN of the existing Cloud Map service {svc} of the namespace {} that the ECS services register their tasks in (aws servicediscovery list-services --filters Name=NAMESPACE_ID,Values=<namespace ID> --query \"Services[?Name=='{svc}'].Arn\" --output text)",
            ns.namespace
        );
        if svc == names::API_CLOUD_MAP_SERVICE {
            // Its name is meshsynth's, so a namespace made elsewhere rarely has it yet.
            description.push_str(&format!(
                ". Create it first if the namespace has none: aws servicediscovery create-service --name {svc} --namespace-id <namespace ID> --dns-config \"RoutingPolicy=MULTIVALUE,DnsRecords=[{{Type=A,TTL=60}}]\" --health-check-custom-config FailureThreshold=1"
            ));
        }
        self.param(
            &name,
            ParamType::Matching(&CLOUD_MAP_SERVICE),
            &format!("Cloud Map service {svc}"),
            "Service discovery",
            description,
            None,
        );
        Value::Param(name)
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

    pub(super) fn role(
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
            let inits = t.init.iter().flat_map(|c| c.secrets.values());
            for v in t.app.secrets.values().chain(inits) {
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

    fn emit_task(&mut self, t: &TaskSpec) -> ResourceId {
        let family = names::family(self.project(), &t.what);
        let mut statements = t.extra_statements.clone();
        for v in &t.volumes {
            // IAM authorization on the mount: the task role is what EFS checks.
            let mut actions = vec!["elasticfilesystem:ClientMount"];
            if !v.read_only {
                actions.push("elasticfilesystem:ClientWrite");
            }
            statements.push(statement(
                &actions,
                vec![arn(
                    "elasticfilesystem",
                    true,
                    true,
                    vec![Value::str(format!("file-system/{}", v.file_system_id))],
                )],
            ));
        }
        if let Some(node) = &t.node {
            statements.extend(self.mesh.statements(node));
        }
        let role = self.role(
            &t.what,
            t.source.clone(),
            format!("Task role of `{family}` (meshsynth)"),
            statements,
        );
        let log_group = Value::Ref(self.log_group_id(), Attr::Name);
        let log = |prefix: String| -> Value {
            Obj::new()
                .set("LogDriver", "awslogs")
                .set(
                    "Options",
                    Obj::new()
                        .set("awslogs-group", log_group.clone())
                        .set("awslogs-region", Value::Pseudo(Pseudo::Region))
                        .set("awslogs-stream-prefix", prefix),
                )
                .into()
        };
        let mut app = container(&t.app, true, log(t.what.clone()), self.mesh.named_ports()).list(
            "MountPoints",
            t.volumes
                .iter()
                .map(|v| {
                    Obj::new()
                        .set("SourceVolume", &v.name)
                        .set("ContainerPath", &v.container_path)
                        .set("ReadOnly", v.read_only)
                        .into()
                })
                .collect(),
        );
        let mut init = t
            .init
            .as_ref()
            .map(|c| container(c, false, log(format!("{}-{}", t.what, c.name)), false));
        let mut depends = Vec::new();
        let mut sidecar_containers = Vec::new();
        let mut proxy = None;
        if let (Some(node), Some(sidecar)) = (&t.node, self.sidecar) {
            let envoy_healthy: Value = Obj::new()
                .set("ContainerName", sidecar.container_name())
                .set("Condition", "HEALTHY")
                .into();
            depends.push(envoy_healthy.clone());
            // Under the APPMESH proxy configuration even a one-off container's traffic goes
            // through Envoy, so it waits for Envoy as well.
            init = init.map(|i| i.set("DependsOn", vec![envoy_healthy]));
            let sidecar_log = |name: &str| log(format!("{}-{name}", t.what));
            sidecar_containers = sidecar.containers(
                self.plan,
                &MeshedTask {
                    node,
                    family: &family,
                    log: &sidecar_log,
                },
            );
            // The NFS traffic of an EFS mount must not go to Envoy, which has no route for it.
            let nfs: Vec<u32> = if t.volumes.is_empty() {
                Vec::new()
            } else {
                vec![names::NFS_PORT]
            };
            proxy = sidecar.proxy_configuration(&t.app.ports, &nfs);
        }
        if let Some(c) = &t.init {
            depends.push(
                Obj::new()
                    .set("ContainerName", &c.name)
                    .set("Condition", "SUCCESS")
                    .into(),
            );
        }
        if !depends.is_empty() {
            app = app.set("DependsOn", depends);
        }
        // The application container comes first: EcsRunTaskOperator before amazon 9.4.0 reads
        // the logs of the first container of the task.
        let mut containers: Vec<Value> = vec![app.into()];
        containers.extend(init.map(Value::from));
        containers.extend(sidecar_containers);
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
            .list(
                "Volumes",
                t.volumes
                    .iter()
                    .map(|v| {
                        let mut auth = Obj::new().set("IAM", "ENABLED");
                        if let Some(ap) = &v.access_point_id {
                            auth = auth.set("AccessPointId", ap);
                        }
                        Obj::new()
                            .set("Name", &v.name)
                            .set(
                                "EFSVolumeConfiguration",
                                Obj::new()
                                    .set("FilesystemId", &v.file_system_id)
                                    .set("TransitEncryption", "ENABLED")
                                    .set("AuthorizationConfig", auth),
                            )
                            .into()
                    })
                    .collect(),
            )
            .opt("ProxyConfiguration", proxy);
        self.add(td_id.clone(), t.source.clone(), props);
        let metrics = crate::lower::observe::metrics_log_group_id();
        if t.node.is_some() && self.sidecar.is_some() && self.plan.resources.contains_key(&metrics)
        {
            // The collector names its log group as text, which orders nothing: without this its
            // first events could find no log group (and it may not create one).
            if let Some(r) = self.plan.resources.get_mut(&td_id) {
                r.depends_on.insert(metrics);
            }
        }
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
                            .set("Subnets", Value::Param(SUBNET_IDS.into()))
                            .set("SecurityGroups", Value::Param(SECURITY_GROUP_IDS.into()))
                            .set("AssignPublicIp", "DISABLED"),
                    ),
                );
            props = match self.capacity_provider_strategy() {
                Some(strategy) => props.set("CapacityProviderStrategy", strategy),
                None => props.set("LaunchType", self.launch_type()),
            };
            if let (Some(svc), true) = (&t.registry, self.mesh.cloud_map()) {
                let arn = self.registry_arn(svc);
                props = props.set(
                    "ServiceRegistries",
                    vec![Obj::new().set("RegistryArn", arn).into()],
                );
            }
            if let Some(node) = &t.node {
                // A component that first waits for the migration answers only after it.
                let waits = t
                    .init
                    .as_ref()
                    .is_some_and(|c| c.name == names::WAIT_FOR_MIGRATIONS_CONTAINER);
                let startup = STARTUP_SECONDS
                    + if waits {
                        names::MIGRATION_WAIT_SECONDS
                    } else {
                        0
                    };
                props = self.mesh.service(node, props, startup);
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
        role
    }
}

/// How long an application may take to start before a load balancer's health checks count.
const STARTUP_SECONDS: u32 = 120;

/// One container definition; `essential` is false for a container that runs to completion.
fn container(c: &Container, essential: bool, log: Value, named_ports: bool) -> Obj {
    let mut out = Obj::new()
        .set("Name", &c.name)
        .set("Image", c.image.clone())
        .set("Essential", essential)
        .set("LogConfiguration", log);
    if !c.command.is_empty() {
        out = out.set(
            "Command",
            c.command.iter().map(Value::str).collect::<Vec<_>>(),
        );
    }
    out = out.list(
        "Environment",
        c.environment
            .iter()
            .map(|(k, v)| kv(k, v.clone(), "Value"))
            .collect(),
    );
    out = out.list(
        "Secrets",
        c.secrets
            .iter()
            .map(|(k, v)| kv(k, v.clone(), "ValueFrom"))
            .collect(),
    );
    out = out.list(
        "PortMappings",
        c.ports
            .iter()
            .map(|p| {
                let o = Obj::new().set("ContainerPort", *p).set("Protocol", "tcp");
                if named_ports {
                    o.set("Name", super::port_name(*p)).into()
                } else {
                    o.into()
                }
            })
            .collect(),
    );
    if let Some((cmd, start)) = &c.health {
        out = out.set(
            "HealthCheck",
            Obj::new()
                .set("Command", vec![Value::str("CMD-SHELL"), Value::str(cmd)])
                .set("Interval", 30u32)
                .set("Timeout", 10u32)
                .set("Retries", 5u32)
                .set("StartPeriod", *start),
        );
    }
    out
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
