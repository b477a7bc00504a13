//! Amazon ECS: task definitions with the mesh's sidecar, ECS services registered in Cloud Map,
//! IAM roles scoped to each task, a log group and (optionally) a cluster, for `airflow:` and
//! `workloads:`.
//!
//! The mesh side is handed in as a [`Sidecar`]: App Mesh's Envoy today, none for a backend that
//! needs no proxy.

mod airflow;
mod taskdef;

use std::collections::BTreeMap;

use crate::check::Checked;
use crate::diagnostic::FieldPath;
use crate::ir::SidecarStopDoc;
use crate::ir::{Attr, Kind, Obj, Param, ParamType, Plan, ResourceId, Value};
use crate::params::{SECURITY_GROUP_IDS, SUBNET_IDS};
use crate::spec::{LaunchType, Spec, Workload};
use taskdef::{Container, TaskSpec};

/// What a mesh backend adds to every meshed ECS task.
pub trait Sidecar {
    /// Declares the inputs the sidecar needs (its image, say).
    fn declare(&self, plan: &mut Plan);
    /// The proxy container's name; the application waits for it to be healthy.
    fn container_name(&self) -> &'static str;
    /// The containers beside the application of a meshed task: the proxy (named
    /// [`Sidecar::container_name`]) first, then the helpers it reports to (App Mesh's metrics
    /// and traces collector). May add what the helpers write into (a log group) to `plan`.
    fn containers(&self, plan: &mut Plan, task: &MeshedTask) -> Vec<Value>;
    /// The task definition's proxy configuration, if the sidecar takes the task's traffic.
    /// `ignored_ports` are destination ports that bypass the sidecar besides the spec's own.
    fn proxy_configuration(&self, app_ports: &[u32], ignored_ports: &[u32]) -> Option<Value>;
    /// What the task role must allow the proxy of `node`.
    fn statements(&self, node: &str) -> Vec<Value>;
    /// What the task role must allow the helper containers, the same for every task.
    fn helper_statements(&self) -> Vec<Value>;
    /// How the sidecar stops with its task, for the guide.
    fn stop_doc(&self) -> SidecarStopDoc;
}

/// A meshed task, as its sidecars see it.
pub struct MeshedTask<'a> {
    /// The virtual node the task joins the mesh as.
    pub node: &'a str,
    /// The task definition's family.
    pub family: &'a str,
    /// The awslogs configuration of one of the task's containers, by container name.
    pub log: &'a dyn Fn(&str) -> Value,
}

/// What a mesh backend adds to ECS tasks and services: App Mesh a sidecar and Cloud Map
/// registration, VPC Lattice target-group registration and permission to invoke its services.
pub trait EcsMesh {
    /// Declares the inputs the backend needs.
    fn declare(&self, plan: &mut Plan);
    /// The sidecar beside every meshed application, if the backend has one.
    fn sidecar(&self) -> Option<&dyn Sidecar>;
    /// What the task role of a task that joins the mesh as `node` must allow.
    fn statements(&self, node: &str) -> Vec<Value>;
    /// Whether ECS services register their tasks in Cloud Map.
    fn cloud_map(&self) -> bool;
    /// Whether port mappings are named (Lattice registers tasks by port name).
    fn named_ports(&self) -> bool;
    /// The ECS service of tasks that serve `node`, with what the backend adds; `startup_seconds`
    /// is how long a new task may take before it answers health checks.
    fn service(&self, node: &str, props: Obj, startup_seconds: u32) -> Obj;
}

/// The name of a task definition's port mapping, when the backend names them.
pub(crate) fn port_name(port: u32) -> String {
    format!("port-{port}")
}

/// App Mesh: Envoy (and its collector) beside every meshed task, Cloud Map registration.
pub(crate) struct AppMeshEcs<'a>(pub &'a dyn Sidecar);

impl EcsMesh for AppMeshEcs<'_> {
    fn declare(&self, plan: &mut Plan) {
        self.0.declare(plan);
    }
    fn sidecar(&self) -> Option<&dyn Sidecar> {
        Some(self.0)
    }
    fn statements(&self, node: &str) -> Vec<Value> {
        // Kept apart: the EKS IRSA roles reuse `statements` for Envoy alone.
        let mut out = self.0.statements(node);
        out.extend(self.0.helper_statements());
        out
    }
    fn cloud_map(&self) -> bool {
        true
    }
    fn named_ports(&self) -> bool {
        false
    }
    fn service(&self, _node: &str, props: Obj, _startup_seconds: u32) -> Obj {
        props
    }
}

/// Lowers `airflow:` and `workloads:`; returns each meshed node's task roles.
pub(super) fn lower(
    checked: &Checked,
    plan: &mut Plan,
    mesh: &dyn EcsMesh,
) -> BTreeMap<String, Vec<ResourceId>> {
    let spec = checked.spec();
    let eks = spec.airflow.as_ref().is_some_and(|a| a.on_eks().is_some());
    if eks || (spec.airflow.is_none() && spec.workloads.is_empty()) {
        return BTreeMap::new();
    }
    let mut l = Ecs {
        checked,
        spec,
        plan,
        sidecar: mesh.sidecar(),
        mesh,
        tasks: Vec::new(),
    };
    l.shared();
    if let Some(af) = &spec.airflow {
        l.airflow(af);
    }
    for (name, w) in &spec.workloads {
        l.workload(name, w);
    }
    l.emit()
}

struct Ecs<'a> {
    checked: &'a Checked,
    spec: &'a Spec,
    plan: &'a mut Plan,
    sidecar: Option<&'a dyn Sidecar>,
    mesh: &'a dyn EcsMesh,
    tasks: Vec<TaskSpec>,
}

/// `{ Name, <value_key> }`: how ECS spells environment variables, secrets and proxy properties.
pub(crate) fn kv(name: &str, value: Value, value_key: &'static str) -> Value {
    Obj::new().set("Name", name).set(value_key, value).into()
}

impl Ecs<'_> {
    fn project(&self) -> &str {
        &self.spec.name
    }

    fn add(&mut self, id: ResourceId, source: FieldPath, props: Obj) {
        self.plan.add(id, source, props, &self.spec.tags);
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
            SUBNET_IDS,
            ParamType::SubnetIds,
            "Subnets",
            "Network",
            "Private subnets the ECS tasks run in (awsvpc)".into(),
            None,
        );
        self.param(
            SECURITY_GROUP_IDS,
            ParamType::SecurityGroupIds,
            "Security groups",
            "Network",
            "Security groups of the ECS tasks".into(),
            None,
        );
        self.mesh.declare(self.plan);
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
        let retention = super::log_retention_days(self.spec);
        let props = Obj::new()
            .set("LogGroupName", self.log_group_name())
            .set("RetentionInDays", retention);
        self.add(self.log_group_id(), src.key("log_retention_days"), props);
    }

    fn workload(&mut self, name: &str, w: &Workload) {
        let node = self.spec.virtual_nodes.get(name);
        let ports: Vec<u32> = node
            .map(|n| n.listeners.iter().map(|l| l.port).collect())
            .unwrap_or_default();
        let registry = node
            .and_then(|n| n.service_discovery.as_ref())
            .and_then(|d| d.cloud_map.as_ref())
            // Only in the spec's namespace does meshsynth know the Cloud Map service to register
            // in: one it creates, or an `existing` one's by its ARN parameter.
            .filter(|c| self.checked.node_namespace(c).1)
            .map(|c| c.service.clone());
        self.tasks.push(TaskSpec {
            what: name.into(),
            source: FieldPath::root().key("workloads").key(name),
            cpu: w.cpu.units(),
            memory: w.memory.units(),
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
            init: None,
            volumes: Vec::new(),
        });
    }
}
