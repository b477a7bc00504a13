//! Namespaces, service accounts, pod templates and their ConfigMaps, and `workloads:` as
//! Deployments and Services.
//!
//! On App Mesh every meshed pod gets by hand what the App Mesh controller's webhook would
//! inject (aws/aws-app-mesh-controller-for-k8s `pkg/inject`): `proxyinit` (the iptables set-up)
//! and Envoy, as a native sidecar (an init container with `restartPolicy: Always`) so that task
//! pods finish when their task does. The webhook is off for every namespace and pod meshsynth
//! writes: it would inject a second Envoy beside a native one (it only looks for Envoy in
//! `containers`), and rejects pods that match no `VirtualNode` object (meshsynth's virtual
//! nodes are CloudFormation / Terraform resources). With metrics or tracing on, the metrics
//! collector ([`crate::observe::collector`]) follows Envoy, a native sidecar too. On VPC
//! Lattice pods carry nothing: their service account's IAM role signs their calls, and Lattice
//! itself measures and logs them.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Eks, Identity, IdentityKind};
use crate::ir::KubeDoc;
use crate::kube::core::{
    Capabilities, ConfigMap, ConfigMapVolumeSource, Container, ContainerPort, Deployment,
    DeploymentSpec, EnvVar, ExecAction, GrpcAction, HttpGetAction, LabelSelector, Namespace, Pod,
    PodSecurityContext, PodSpec, PodTemplateSpec, PolicyRule, Probe, ResourceRequirements, Role,
    RoleBinding, RoleRef, SecurityContext, Service, ServiceAccount, ServicePort, ServiceSpec,
    Subject, TcpSocketAction, TemplateMeta, Volume, VolumeMount,
};
use crate::kube::meta::MANAGED_BY;
use crate::kube::{object, yaml, ObjectMeta};
use crate::lower::airflow::connections_env;
use crate::lower::appmesh::sidecar::{
    CLIENT_ONLY_APP_PORT, DEFAULT_ENVOY_IMAGE, ENVOY_CLIENT_DRAIN_SECONDS, ENVOY_DRAIN_SECONDS,
};
use crate::observe::collector::{self, Destination};
use crate::spec::airflow_names::eks as kube;
use crate::spec::{Duration, Executor, HealthCheck, MeshBackend, Protocol, Workload};

/// The App Mesh injector's switch: a namespace label, and a pod annotation that overrides it.
pub(super) const INJECTOR_WEBHOOK: &str = "appmesh.k8s.aws/sidecarInjectorWebhook";
const NAME_LABEL: &str = "app.kubernetes.io/name";
const IRSA_ROLE: &str = "eks.amazonaws.com/role-arn";

/// The controller's default proxy route manager (`--init-image`).
pub(super) const PROXY_INIT_IMAGE: &str =
    "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-proxy-route-manager:v7-prod";
/// Envoy's UID: its own traffic is not redirected; the pod's `fsGroup`, so it can read the
/// projected IRSA token.
const PROXY_UID: i64 = 1337;
const ENVOY_INGRESS_PORT: u32 = 15000;
const ENVOY_EGRESS_PORT: u32 = 15001;
const ENVOY_ADMIN_PORT: u32 = 9901;
/// Never through Envoy: the instance metadata service, and the EKS Pod Identity agent (so a
/// container using Pod Identity still reaches it under `drop_all`).
const EGRESS_IGNORED_IPS: [&str; 2] = ["169.254.169.254", "169.254.170.23"];
/// SSH, which the controller always leaves alone.
const EGRESS_IGNORED_PORT: u32 = 22;
/// The controller's default Envoy (and proxyinit) requests; no limits, as the controller.
const SIDECAR_CPU: &str = "10m";
const SIDECAR_MEMORY: &str = "32Mi";
/// A worker pod's size when `workers:` gives none.
const WORKER_CPU: &str = "1";
const WORKER_MEMORY: &str = "2Gi";
const POD_TEMPLATES_VOLUME: &str = "pod-templates";

pub(super) fn lower(cx: &Eks, doc: &mut KubeDoc) {
    namespaces(cx, doc);
    service_accounts(cx, doc);
    pod_templates(cx, doc);
    workloads(cx, doc);
}

fn meshed(cx: &Eks) -> bool {
    cx.backend == MeshBackend::AppMesh
}

/// The labels of everything written for a node: its name, and who manages it.
fn labels(node: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (NAME_LABEL.to_owned(), node.to_owned()),
        (MANAGED_BY.0.to_owned(), MANAGED_BY.1.to_owned()),
    ])
}

fn namespaces(cx: &Eks, doc: &mut KubeDoc) {
    let mut names: Vec<&str> = vec![cx.eks.namespace(), cx.eks.task_namespace()];
    names.extend(cx.identities.iter().map(|i| i.namespace.as_str()));
    names.sort_unstable();
    names.dedup();
    let objects = names
        .into_iter()
        .map(|n| {
            let mut metadata = ObjectMeta::cluster(n).label(MANAGED_BY.0, MANAGED_BY.1);
            if meshed(cx) {
                metadata = metadata.label(INJECTOR_WEBHOOK, "disabled");
            }
            object(&Namespace { metadata })
        })
        .collect();
    doc.manifests.insert("00-namespaces.yaml".into(), objects);
}

fn service_accounts(cx: &Eks, doc: &mut KubeDoc) {
    let objects = cx
        .identities
        .iter()
        .map(|id| {
            let mut metadata = ObjectMeta::namespaced(&id.service_account, &id.namespace);
            metadata.labels = labels(&id.node);
            if id.needs_role(cx.backend) {
                metadata = metadata.annotation(IRSA_ROLE, cx.role_arn(id));
            }
            object(&ServiceAccount { metadata })
        })
        .collect();
    doc.manifests.insert(
        "10-service-accounts.yaml".into(),
        [objects, pod_launcher(cx)].concat(),
    );
}

/// What KubernetesPodOperator needs, in the workers (which run it) where the DAG tasks' pods
/// run: the chart's pod-launcher rules (`chart/templates/rbac/pod-launcher-role.yaml`), which
/// the chart grants in its own namespace only.
fn pod_launcher(cx: &Eks) -> Vec<Value> {
    let Some(workers) = cx
        .identities
        .iter()
        .find(|i| i.kind == IdentityKind::Workers)
    else {
        return vec![];
    };
    if !cx
        .identities
        .iter()
        .any(|i| matches!(i.kind, IdentityKind::DagTask(_)))
    {
        return vec![];
    }
    let ns = cx.eks.task_namespace();
    let meta =
        || ObjectMeta::namespaced(kube::POD_LAUNCHER_ROLE, ns).label(MANAGED_BY.0, MANAGED_BY.1);
    let role = Role {
        metadata: meta(),
        rules: vec![
            PolicyRule::core(
                &["pods"],
                &["create", "list", "get", "patch", "watch", "delete"],
            ),
            PolicyRule::core(&["pods/log"], &["get"]),
            PolicyRule::core(&["pods/exec"], &["create", "get"]),
            PolicyRule::core(&["events"], &["list"]),
        ],
    };
    let binding = RoleBinding {
        metadata: meta(),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "Role".into(),
            name: kube::POD_LAUNCHER_ROLE.into(),
        },
        subjects: vec![Subject {
            kind: "ServiceAccount".into(),
            name: workers.service_account.clone(),
            namespace: workers.namespace.clone(),
        }],
    };
    vec![object(&role), object(&binding)]
}

// ---------------------------------------------------------------------------------------------
// The App Mesh sidecars.

/// What App Mesh adds to a meshed pod; nothing on Lattice.
#[derive(Debug, Default)]
struct MeshPod {
    annotations: BTreeMap<String, String>,
    security_context: Option<PodSecurityContext>,
    /// `proxyinit`, then Envoy and the collector as native sidecars.
    init_containers: Vec<Container>,
    /// Envoy and the collector, after the pod's own containers, where Kubernetes has no native
    /// sidecars.
    containers: Vec<Container>,
}

fn mesh_pod(cx: &Eks, id: &Identity) -> MeshPod {
    if !meshed(cx) {
        return MeshPod::default();
    }
    let native = cx.eks.native_sidecars();
    // Native sidecars start in order, each once the one before has started (Envoy: once it is
    // live), and stop in reverse order after the pod's own containers: the collector comes
    // first, so it is still there for Envoy's last stats.
    let mut sidecars: Vec<Container> = otel_collector(cx, id, native).into_iter().collect();
    sidecars.push(envoy(cx, id, native));
    let (init_containers, containers) = if native {
        ([vec![proxy_init(cx, id)], sidecars].concat(), vec![])
    } else {
        (vec![proxy_init(cx, id)], sidecars)
    };
    MeshPod {
        annotations: mesh_annotations(),
        security_context: Some(PodSecurityContext {
            fs_group: Some(PROXY_UID),
        }),
        init_containers,
        containers,
    }
}

fn mesh_annotations() -> BTreeMap<String, String> {
    BTreeMap::from([(INJECTOR_WEBHOOK.to_owned(), "disabled".to_owned())])
}

fn to_values(cs: &[Container]) -> Vec<Value> {
    cs.iter()
        .map(|c| serde_json::to_value(c).expect("containers always serialize"))
        .collect()
}

/// The init containers App Mesh adds to a pod of `id` (`proxyinit`, then Envoy and the
/// collector when they are native sidecars), in order, to go before any other init container that does not need the
/// network; empty on Lattice. For pods meshsynth does not write itself (the chart's Celery
/// workers: `workers.extraInitContainers`).
pub(super) fn mesh_init_containers(cx: &Eks, id: &Identity) -> Vec<Value> {
    to_values(&mesh_pod(cx, id).init_containers)
}

/// The containers App Mesh adds after a pod's own (Envoy and the collector, below Kubernetes
/// 1.29 only):
/// `workers.extraContainers`.
pub(super) fn mesh_containers(cx: &Eks, id: &Identity) -> Vec<Value> {
    to_values(&mesh_pod(cx, id).containers)
}

/// The annotations of every meshed pod (the injector off); empty on Lattice.
pub(super) fn mesh_pod_annotations(cx: &Eks) -> BTreeMap<String, String> {
    if meshed(cx) {
        mesh_annotations()
    } else {
        BTreeMap::new()
    }
}

/// The pod security context of every meshed pod (`fsGroup` 1337, so Envoy reads the IRSA
/// token); `None` on Lattice.
pub(super) fn mesh_pod_security_context(cx: &Eks, id: &Identity) -> Option<Value> {
    mesh_pod(cx, id)
        .security_context
        .map(|s| serde_json::to_value(s).expect("security contexts always serialize"))
}

/// The ports of `node`'s listeners.
fn listener_ports(cx: &Eks, node: &str) -> Vec<u32> {
    cx.spec
        .virtual_nodes
        .get(node)
        .map(|n| n.listeners.iter().map(|l| l.port).collect())
        .unwrap_or_default()
}

fn join<T: ToString>(items: &[T]) -> String {
    items.iter().map(T::to_string).collect::<Vec<_>>().join(",")
}

/// The iptables set-up, with the controller's settings. Ingress is redirected to Envoy on the
/// node's listener ports only; a client-only pod names a port nothing listens on, because the
/// route manager does not take an empty list (it falls back to a default port, or refuses to
/// start), and Airflow's log server (8793) must stay reachable directly.
fn proxy_init(cx: &Eks, id: &Identity) -> Container {
    let mut app_ports = listener_ports(cx, &id.node);
    if app_ports.is_empty() {
        app_ports.push(CLIENT_ONLY_APP_PORT);
    }
    let mut ips: Vec<String> = EGRESS_IGNORED_IPS.iter().map(|s| (*s).to_owned()).collect();
    for ip in &cx.af.egress.ignored_ips {
        if !ips.contains(ip) {
            ips.push(ip.clone());
        }
    }
    let mut ports = vec![EGRESS_IGNORED_PORT];
    for p in &cx.af.egress.ignored_ports {
        if !ports.contains(p) {
            ports.push(*p);
        }
    }
    Container {
        name: kube::PROXY_INIT_CONTAINER.into(),
        image: PROXY_INIT_IMAGE.into(),
        env: vec![
            EnvVar::value("APPMESH_START_ENABLED", "1"),
            EnvVar::value("APPMESH_IGNORE_UID", PROXY_UID.to_string()),
            EnvVar::value("APPMESH_ENVOY_INGRESS_PORT", ENVOY_INGRESS_PORT.to_string()),
            EnvVar::value("APPMESH_ENVOY_EGRESS_PORT", ENVOY_EGRESS_PORT.to_string()),
            EnvVar::value("APPMESH_APP_PORTS", join(&app_ports)),
            EnvVar::value("APPMESH_EGRESS_IGNORED_IP", ips.join(",")),
            EnvVar::value("APPMESH_EGRESS_IGNORED_PORTS", join(&ports)),
            // The controller's default: IPv6 traffic is redirected too.
            EnvVar::value("APPMESH_ENABLE_IPV6", "1"),
        ],
        resources: Some(sidecar_resources()),
        security_context: Some(SecurityContext {
            capabilities: Some(Capabilities {
                add: vec!["NET_ADMIN".into()],
            }),
            ..SecurityContext::default()
        }),
        ..Container::default()
    }
}

fn sidecar_resources() -> ResourceRequirements {
    ResourceRequirements {
        requests: BTreeMap::from([
            ("cpu".to_owned(), SIDECAR_CPU.to_owned()),
            ("memory".to_owned(), SIDECAR_MEMORY.to_owned()),
        ]),
        limits: BTreeMap::new(),
    }
}

/// The collector's requests: its ECS share converted. 1024 CPU units are one vCPU, i.e.
/// 1000 millicores, so 64 units are 62.5m, rounded up to whole millicores (Kubernetes' finest
/// CPU precision); the ECS soft memory reservation becomes the memory request. No limits, as
/// Envoy's: a busy collector may use idle node capacity rather than being throttled or killed.
fn collector_resources() -> ResourceRequirements {
    let millicores = (collector::CPU * 1000).div_ceil(1024);
    ResourceRequirements {
        requests: BTreeMap::from([
            ("cpu".to_owned(), format!("{millicores}m")),
            (
                "memory".to_owned(),
                format!("{}Mi", collector::MEMORY_RESERVATION),
            ),
        ]),
        limits: BTreeMap::new(),
    }
}

fn tracing(cx: &Eks) -> bool {
    cx.spec.observability().traces()
}

/// The metrics (and traces) collector of a meshed pod, when the spec wants one: it takes
/// Envoy's DogStatsD (and X-Ray segments) on localhost and writes EMF events into the metrics
/// log group, one log stream per pod template or Deployment. It runs as Envoy's UID, which
/// `proxyinit` exempts from the redirection, so its own calls to CloudWatch Logs and X-Ray go
/// straight out (and it reads the IRSA token through the pod's `fsGroup`). The region is
/// written into its configuration: pods need not reach the instance metadata service.
fn otel_collector(cx: &Eks, id: &Identity, native: bool) -> Option<Container> {
    let log_group = cx.collector_log_group.as_ref()?;
    let config = collector::Config::new(&Destination {
        namespace: crate::observe::namespace(&cx.spec.mesh.name),
        log_group: log_group.clone(),
        log_stream: id.node.clone(),
        region: Some(cx.eks.region.clone()),
        metrics: cx.spec.observability().metrics,
        tracing: tracing(cx),
    });
    Some(Container {
        name: collector::CONTAINER.into(),
        image: collector::IMAGE.into(),
        env: vec![EnvVar::value(collector::CONFIG_ENV, config.to_text())],
        resources: Some(collector_resources()),
        security_context: Some(SecurityContext {
            run_as_user: Some(PROXY_UID),
            ..SecurityContext::default()
        }),
        restart_policy: native.then(|| "Always".into()),
        ..Container::default()
    })
}

/// The check the controller's readiness probe runs: Envoy's admin API says `LIVE`.
fn envoy_live() -> ExecAction {
    ExecAction {
        command: vec![
            "sh".into(),
            "-c".into(),
            format!(
                "curl -s http://localhost:{ENVOY_ADMIN_PORT}/server_info | grep state | grep -q LIVE"
            ),
        ],
    }
}

/// The virtual node as Envoy names it: `mesh/<mesh>/virtualNode/<node>`, the mesh written
/// `<mesh>@<owner>` when another account shares it (as the controller does).
fn virtual_node_name(cx: &Eks, node: &str) -> String {
    let mesh = &cx.spec.mesh.name;
    let mesh = match &cx.spec.mesh.owner {
        Some(owner) if *owner != cx.eks.account_id => format!("{mesh}@{owner}"),
        _ => mesh.clone(),
    };
    format!("mesh/{mesh}/virtualNode/{node}")
}

/// Envoy as the controller injects it, with a startup probe: as a native sidecar, the pod's
/// own containers start only once it is live, so a task's first call goes through a ready
/// proxy. When the pod stops, the image's agent drains as on ECS (less for client-only pods,
/// whose end it would only delay).
fn envoy(cx: &Eks, id: &Identity, native: bool) -> Container {
    let vnode = virtual_node_name(cx, &id.node);
    let drain = if listener_ports(cx, &id.node).is_empty() {
        ENVOY_CLIENT_DRAIN_SECONDS
    } else {
        ENVOY_DRAIN_SECONDS
    };
    let mut env = vec![
        EnvVar::value("APPMESH_RESOURCE_ARN", &vnode),
        EnvVar::value("APPMESH_VIRTUAL_NODE_NAME", &vnode),
        EnvVar::value("AWS_REGION", &cx.eks.region),
        EnvVar::value("ENVOY_ADMIN_ACCESS_PORT", ENVOY_ADMIN_PORT.to_string()),
        EnvVar::value("ENVOY_ADMIN_ACCESS_LOG_FILE", "/tmp/envoy_admin_access.log"),
        EnvVar::value("ENVOY_LOG_LEVEL", "info"),
        EnvVar::value("APPNET_AGENT_ADMIN_MODE", "uds"),
        EnvVar::value("APPNET_AGENT_ADMIN_UDS_PATH", "/tmp/agent.sock"),
        EnvVar::value("LISTENER_DRAIN_WAIT_TIME_S", drain.to_string()),
        EnvVar::field("APPMESH_PLATFORM_K8S_POD_UID", "metadata.uid"),
    ];
    // The metrics extension and the DogStatsD sink (and the X-Ray tracer) to the collector.
    if cx.collector_log_group.is_some() {
        env.extend(
            collector::envoy_environment(cx.spec.observability().metrics, tracing(cx))
                .into_iter()
                .map(|(k, v)| EnvVar::value(k, v)),
        );
    }
    Container {
        name: kube::ENVOY_CONTAINER.into(),
        image: DEFAULT_ENVOY_IMAGE.into(),
        env,
        ports: vec![ContainerPort {
            name: Some("stats".into()),
            container_port: ENVOY_ADMIN_PORT,
            protocol: Some("TCP".into()),
        }],
        resources: Some(sidecar_resources()),
        security_context: Some(SecurityContext {
            run_as_user: Some(PROXY_UID),
            ..SecurityContext::default()
        }),
        restart_policy: native.then(|| "Always".into()),
        // Up to two minutes to reach the control plane and become live.
        startup_probe: Some(Probe {
            exec: Some(envoy_live()),
            initial_delay_seconds: Some(1),
            period_seconds: Some(2),
            timeout_seconds: Some(1),
            failure_threshold: Some(60),
            ..Probe::default()
        }),
        // The controller's: delay 1 s, every 10 s, 1 s timeout, 1 success, 3 failures.
        readiness_probe: Some(Probe {
            exec: Some(envoy_live()),
            initial_delay_seconds: Some(1),
            period_seconds: Some(10),
            timeout_seconds: Some(1),
            success_threshold: Some(1),
            failure_threshold: Some(3),
            ..Probe::default()
        }),
        ..Container::default()
    }
}

/// A pod spec of `id` around its own container: the mesh's init containers first, `main` as
/// `containers[0]`, then Envoy and the collector where they cannot be native sidecars.
fn pod_spec(id: &Identity, main: Container, mesh: MeshPod) -> PodSpec {
    let mut containers = vec![main];
    containers.extend(mesh.containers);
    PodSpec {
        service_account_name: Some(id.service_account.clone()),
        security_context: mesh.security_context,
        init_containers: mesh.init_containers,
        containers,
        ..PodSpec::default()
    }
}

fn env_list(env: BTreeMap<String, EnvVar>) -> Vec<EnvVar> {
    env.into_values().collect()
}

// ---------------------------------------------------------------------------------------------
// Pod templates.

fn pod_templates(cx: &Eks, doc: &mut KubeDoc) {
    let workers = cx
        .identities
        .iter()
        .find(|i| i.kind == IdentityKind::Workers);
    // namespace → template file → its YAML.
    let mut maps: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut add = |doc: &mut KubeDoc, namespace: &str, id: &Identity, pod: Pod| {
        let file = kube::pod_template_file(&id.node);
        let value = object(&pod);
        maps.entry(namespace.to_owned())
            .or_default()
            .insert(file.clone(), yaml::document(&value));
        doc.pod_templates.insert(file, value);
    };
    // KubernetesPodOperator runs where the workers are: its templates are mounted there.
    let runner_ns = workers.map_or(cx.eks.task_namespace(), |w| w.namespace.as_str());
    let mut dag_tasks = false;
    for id in &cx.identities {
        if let IdentityKind::DagTask(task) = &id.kind {
            add(doc, runner_ns, id, dag_task_pod(cx, id, task));
            dag_tasks = true;
        }
    }
    if let (Executor::Kubernetes, Some(w)) = (cx.af.executor, workers) {
        // The scheduler reads the worker template.
        add(doc, cx.eks.namespace(), w, worker_pod(cx, w, dag_tasks));
    }
    let objects: Vec<Value> = maps
        .into_iter()
        .map(|(ns, data)| {
            let metadata = ObjectMeta::namespaced(kube::POD_TEMPLATES_CONFIGMAP, ns)
                .label(MANAGED_BY.0, MANAGED_BY.1);
            object(&ConfigMap { metadata, data })
        })
        .collect();
    if !objects.is_empty() {
        doc.manifests
            .insert("20-pod-templates.yaml".into(), objects);
    }
}

/// A bare pod as Airflow wants a `pod_template_file`: a name (Airflow replaces it), `base`
/// first, `restartPolicy: Never`.
fn template_pod(cx: &Eks, id: &Identity, base: Container, volumes: Vec<Volume>) -> Pod {
    let mesh = mesh_pod(cx, id);
    let mut metadata = ObjectMeta::namespaced(&id.node, &id.namespace);
    metadata.labels = labels(&id.node);
    metadata.annotations = mesh.annotations.clone();
    let mut spec = pod_spec(id, base, mesh);
    spec.restart_policy = Some("Never".into());
    spec.volumes = volumes;
    Pod { metadata, spec }
}

/// A KubernetesPodOperator task's template: its image, command and environment.
fn dag_task_pod(cx: &Eks, id: &Identity, task: &str) -> Pod {
    let t = &cx.af.tasks[task];
    let base = Container {
        name: kube::BASE_CONTAINER.into(),
        image: t.image.clone(),
        command: t.command.clone(),
        env: t
            .environment
            .iter()
            .map(|(k, v)| EnvVar::value(k, v))
            .collect(),
        resources: Some(ResourceRequirements::exact(
            t.cpu.quantity(),
            t.memory.quantity(),
        )),
        ..Container::default()
    };
    template_pod(cx, id, base, vec![])
}

/// The KubernetesExecutor's worker template. No command: the executor gives `base` its
/// arguments. The pods run outside the control plane's namespace, so they get what they need
/// as environment: on 3.x the execution API (workers never open the metadata database), on 2.x
/// the database and the Fernet key from the chart's Secrets; the connections every task uses;
/// the DAG tasks' pod templates, for KubernetesPodOperator.
fn worker_pod(cx: &Eks, id: &Identity, dag_tasks: bool) -> Pod {
    let af = cx.af;
    let mut env: BTreeMap<String, EnvVar> = BTreeMap::new();
    let mut set = |e: EnvVar| {
        env.insert(e.name.clone(), e);
    };
    if af.is_v3() {
        set(EnvVar::value(
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
            kube::execution_api_url(cx.eks.namespace()),
        ));
    } else {
        set(EnvVar::secret(
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
            kube::METADATA_SECRET,
            kube::METADATA_SECRET_KEY,
        ));
        set(EnvVar::secret(
            "AIRFLOW__CORE__FERNET_KEY",
            kube::FERNET_SECRET,
            kube::FERNET_SECRET_KEY,
        ));
    }
    for (k, v) in connections_env(cx.checked, af, cx.backend) {
        set(EnvVar::value(k, v));
    }
    let size = af.workers.as_ref();
    let cpu = size
        .and_then(|w| w.cpu.as_ref())
        .map_or_else(|| WORKER_CPU.to_owned(), |a| a.quantity());
    let memory = size
        .and_then(|w| w.memory.as_ref())
        .map_or_else(|| WORKER_MEMORY.to_owned(), |a| a.quantity());
    let (mounts, volumes) = if dag_tasks {
        (
            vec![VolumeMount {
                name: POD_TEMPLATES_VOLUME.into(),
                mount_path: kube::POD_TEMPLATE_DIR.into(),
                read_only: true,
            }],
            vec![Volume {
                name: POD_TEMPLATES_VOLUME.into(),
                config_map: Some(ConfigMapVolumeSource {
                    name: kube::POD_TEMPLATES_CONFIGMAP.into(),
                }),
            }],
        )
    } else {
        (vec![], vec![])
    };
    let base = Container {
        name: kube::BASE_CONTAINER.into(),
        image: af.image.clone(),
        env: env_list(env),
        resources: Some(ResourceRequirements::exact(cpu, memory)),
        volume_mounts: mounts,
        ..Container::default()
    };
    template_pod(cx, id, base, volumes)
}

// ---------------------------------------------------------------------------------------------
// Workloads.

fn workloads(cx: &Eks, doc: &mut KubeDoc) {
    let mut objects = Vec::new();
    for id in &cx.identities {
        let IdentityKind::Workload(name) = &id.kind else {
            continue;
        };
        let Some(w) = cx.spec.workloads.get(name) else {
            continue;
        };
        if let Some(service) = service(cx, id) {
            objects.push(object(&service));
        }
        objects.push(object(&deployment(cx, id, w)));
    }
    if !objects.is_empty() {
        doc.manifests.insert("30-workloads.yaml".into(), objects);
    }
}

/// A listener's port name: `<protocol>-<port>`, at most 11 characters (`http2-65535`).
fn port_name(protocol: Protocol, port: u32) -> String {
    format!("{}-{port}", protocol.as_str())
}

/// Whole seconds, rounded up, at least 1.
fn seconds(d: Duration) -> u32 {
    u32::try_from(d.millis().div_ceil(1000).max(1)).unwrap_or(u32::MAX)
}

/// The kubelet's readiness probe for a listener's health check, with the same timing and
/// thresholds. kubelet's HTTP probe speaks HTTP/1.1 only, so an `http2` check becomes a TCP
/// connect; a `grpc` check is the gRPC health protocol, as App Mesh's.
fn readiness(protocol: Protocol, port: u32, hc: &HealthCheck) -> Probe {
    let port = hc.port.unwrap_or(port);
    let mut p = Probe {
        period_seconds: Some(seconds(
            hc.interval.unwrap_or(HealthCheck::DEFAULT_INTERVAL),
        )),
        timeout_seconds: Some(seconds(hc.timeout.unwrap_or(HealthCheck::DEFAULT_TIMEOUT))),
        success_threshold: Some(
            hc.healthy_threshold
                .unwrap_or(HealthCheck::DEFAULT_THRESHOLD),
        ),
        failure_threshold: Some(
            hc.unhealthy_threshold
                .unwrap_or(HealthCheck::DEFAULT_THRESHOLD),
        ),
        ..Probe::default()
    };
    match hc.protocol.unwrap_or(protocol) {
        Protocol::Http => {
            p.http_get = Some(HttpGetAction {
                path: hc.path.clone().unwrap_or_else(|| "/".into()),
                port,
            });
        }
        Protocol::Grpc => p.grpc = Some(GrpcAction { port }),
        Protocol::Http2 | Protocol::Tcp => p.tcp_socket = Some(TcpSocketAction { port }),
    }
    p
}

fn deployment(cx: &Eks, id: &Identity, w: &Workload) -> Deployment {
    let node = cx.spec.virtual_nodes.get(&id.node);
    let listeners = node.map(|n| n.listeners.as_slice()).unwrap_or_default();
    let app = Container {
        name: id.node.clone(),
        image: w.image.clone(),
        env: w
            .environment
            .iter()
            .map(|(k, v)| EnvVar::value(k, v))
            .collect(),
        ports: listeners
            .iter()
            .map(|l| ContainerPort {
                name: Some(port_name(l.protocol, l.port)),
                container_port: l.port,
                protocol: Some("TCP".into()),
            })
            .collect(),
        resources: Some(ResourceRequirements::exact(
            w.cpu.quantity(),
            w.memory.quantity(),
        )),
        readiness_probe: listeners.iter().find_map(|l| {
            l.health_check
                .as_ref()
                .map(|hc| readiness(l.protocol, l.port, hc))
        }),
        ..Container::default()
    };
    let mesh = mesh_pod(cx, id);
    let annotations = mesh.annotations.clone();
    let mut metadata = ObjectMeta::namespaced(&id.node, &id.namespace);
    metadata.labels = labels(&id.node);
    Deployment {
        metadata,
        spec: DeploymentSpec {
            replicas: w.desired_count.unwrap_or(1),
            selector: LabelSelector {
                match_labels: BTreeMap::from([(NAME_LABEL.to_owned(), id.node.clone())]),
            },
            template: PodTemplateSpec {
                metadata: TemplateMeta {
                    labels: labels(&id.node),
                    annotations,
                },
                spec: pod_spec(id, app, mesh),
            },
        },
    }
}

/// The Service the node's DNS name (`<service>.<namespace>.svc.cluster.local`) names.
fn service(cx: &Eks, id: &Identity) -> Option<Service> {
    let node = cx.spec.virtual_nodes.get(&id.node)?;
    let host = &node.service_discovery.as_ref()?.dns.as_ref()?.hostname;
    let (name, namespace) = kube::service_of_host(host)?;
    let mut metadata = ObjectMeta::namespaced(name, namespace);
    metadata.labels = labels(&id.node);
    Some(Service {
        metadata,
        spec: ServiceSpec {
            type_: "ClusterIP".into(),
            selector: BTreeMap::from([(NAME_LABEL.to_owned(), id.node.clone())]),
            ports: node
                .listeners
                .iter()
                .map(|l| ServicePort {
                    name: port_name(l.protocol, l.port),
                    port: l.port,
                    target_port: port_name(l.protocol, l.port),
                    protocol: "TCP".into(),
                    app_protocol: match l.protocol {
                        Protocol::Grpc | Protocol::Http2 => Some("kubernetes.io/h2c".into()),
                        Protocol::Http => Some("http".into()),
                        Protocol::Tcp => None,
                    },
                })
                .collect(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_names_fit() {
        assert!(port_name(Protocol::Http2, 65535).len() <= 15);
    }
}
