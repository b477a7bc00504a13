//! Airflow on Amazon EKS: IRSA roles for every meshed identity (CloudFormation / Terraform), and
//! the Kubernetes side (namespaces, service accounts, pod templates, workloads, Gateway API
//! objects on Lattice, Helm values), built from typed objects into [`KubeDoc`].
//!
//! - `iam`: the roles, the OIDC issuer input, what each role may do on each backend;
//! - `dns`: private hosted zones that resolve the virtual-service names (App Mesh only);
//! - `pods`: namespaces, service accounts, pod templates (Envoy and the metrics collector as
//!   native sidecars on App Mesh, nothing on Lattice), their ConfigMaps, and `workloads:` as
//!   Deployments and Services;
//! - `gateway`: the AWS Gateway API Controller's objects (Lattice only);
//! - `helm`: the official chart's values.

mod dns;
mod gateway;
mod helm;
mod iam;
mod pods;

use std::collections::BTreeMap;

use crate::check::Checked;
use crate::diagnostic::FieldPath;
use crate::ir::{KubeDoc, Plan, ResourceId};
use crate::spec::airflow_names::{self as names, eks as kube};
use crate::spec::paths::{airflow_path, workload_path};
use crate::spec::{Airflow, EksSettings, Executor, MeshBackend, Spec};

/// Lowers the EKS side of a checked spec into `plan`; returns each meshed node's IAM roles (as
/// the ECS lowering does) for the backends' auth policies.
pub(crate) fn lower(
    checked: &Checked,
    plan: &mut Plan,
    backend: MeshBackend,
) -> BTreeMap<String, Vec<ResourceId>> {
    let spec = checked.spec();
    let Some((af, eks)) = spec.airflow.as_ref().and_then(|a| Some((a, a.on_eks()?))) else {
        return BTreeMap::new();
    };
    // The collectors' log group, added to the plan before anything names it.
    let collector_log_group = (backend == MeshBackend::AppMesh
        && spec.observability().runs_collector())
    .then(|| crate::lower::observe::metrics_log_group(plan, spec));
    let cx = Eks {
        checked,
        spec,
        af,
        eks,
        backend,
        identities: identities(spec, af, eks),
        collector_log_group,
    };
    let roles = iam::lower(&cx, plan);
    dns::lower(&cx, plan);
    let mut doc = KubeDoc::default();
    pods::lower(&cx, &mut doc);
    if backend == MeshBackend::VpcLattice {
        gateway::lower(&cx, &mut doc);
    }
    helm::lower(&cx, &mut doc);
    plan.kube = Some(doc);
    roles
}

/// What every part of the EKS lowering reads.
pub(crate) struct Eks<'a> {
    pub checked: &'a Checked,
    pub spec: &'a Spec,
    pub af: &'a Airflow,
    pub eks: &'a EksSettings,
    pub backend: MeshBackend,
    /// Every meshed identity, workers first, then DAG tasks, then workloads.
    pub identities: Vec<Identity>,
    /// The log group every meshed pod's collector writes its metrics into, when meshed pods
    /// run a collector (App Mesh, with metrics or tracing); `None` otherwise.
    pub collector_log_group: Option<String>,
}

impl Eks<'_> {
    /// The ARN of an identity's IRSA role (names are fixed, so Kubernetes objects can carry it
    /// as text).
    pub fn role_arn(&self, id: &Identity) -> String {
        format!("arn:aws:iam::{}:role/{}", self.eks.account_id, id.role_name)
    }
}

/// What runs a pod that joins the mesh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IdentityKind {
    /// The pods that run Airflow tasks: KubernetesExecutor worker pods, or the chart's Celery
    /// workers.
    Workers,
    /// A DAG task's KubernetesPodOperator pod, by task name.
    DagTask(String),
    /// A `workloads:` Deployment, by node name.
    Workload(String),
}

/// One meshed identity: a service account with its own IAM role and (on App Mesh) virtual node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    pub kind: IdentityKind,
    /// Its virtual node (also the name of its service account and pod template).
    pub node: String,
    pub namespace: String,
    pub service_account: String,
    pub role_name: String,
    /// The virtual services it may call.
    pub backends: Vec<String>,
    /// Where in the spec it comes from.
    pub source: FieldPath,
}

impl Identity {
    /// Whether it needs an IAM role on `backend`: Envoy needs one on App Mesh; on Lattice only
    /// callers do (to sign).
    pub fn needs_role(&self, backend: MeshBackend) -> bool {
        backend == MeshBackend::AppMesh || !self.backends.is_empty()
    }
}

fn identities(spec: &Spec, af: &Airflow, eks: &EksSettings) -> Vec<Identity> {
    let id = |kind: IdentityKind, node: String, namespace: &str, backends: Vec<String>, source| {
        Identity {
            kind,
            service_account: kube::service_account(&node),
            role_name: kube::role_name(&spec.name, &node),
            node,
            namespace: namespace.to_owned(),
            backends,
            source,
        }
    };
    let node_backends = |node: &str| -> Vec<String> {
        spec.virtual_nodes
            .get(node)
            .map(|n| {
                n.backends
                    .iter()
                    .map(|b| b.virtual_service.clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    // Celery workers are the chart's own Deployment in the release namespace; Kubernetes
    // executor worker pods run in the task namespace.
    let worker_ns = match af.executor {
        Executor::Celery => eks.namespace(),
        _ => eks.task_namespace(),
    };
    let mut out = Vec::new();
    let worker_backends: Vec<String> = af
        .workers
        .as_ref()
        .map(|w| w.backends.clone())
        .unwrap_or_default();
    out.push(id(
        IdentityKind::Workers,
        names::WORKER_NODE.to_owned(),
        worker_ns,
        worker_backends,
        airflow_path().key("workers"),
    ));
    for (task, t) in &af.tasks {
        out.push(id(
            IdentityKind::DagTask(task.clone()),
            names::task_node(task),
            eks.task_namespace(),
            t.backends.clone(),
            airflow_path().key("tasks").key(task),
        ));
    }
    for name in spec.workloads.keys() {
        let ns = spec
            .virtual_nodes
            .get(name)
            .and_then(|n| n.service_discovery.as_ref()?.dns.as_ref())
            .and_then(|d| kube::service_of_host(&d.hostname))
            .map_or(eks.task_namespace(), |(_, ns)| ns);
        out.push(id(
            IdentityKind::Workload(name.clone()),
            name.clone(),
            ns,
            node_backends(name),
            workload_path(name),
        ));
    }
    out
}
