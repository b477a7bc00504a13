//! The App Mesh Envoy sidecar of every meshed ECS task: its container (and, with metrics or
//! tracing, the OpenTelemetry collector it reports to), the task's APPMESH proxy configuration,
//! and the task-role permissions both need.

use std::collections::BTreeSet;

use crate::check::Checked;
use crate::ir::{
    Attr, Kind, Obj, Param, ParamType, Plan, Pseudo, ResourceId, SidecarStopDoc, Value,
};
use crate::lower::ecs::{kv, MeshedTask, Sidecar};
use crate::lower::iam::statement;
use crate::lower::observe as lower_observe;
use crate::observe::{self, collector};
use crate::params::{COLLECTOR_IMAGE, ENVOY_IMAGE};
use crate::spec::airflow_names as names;

/// The Envoy image used when the environment does not name one.
pub const DEFAULT_ENVOY_IMAGE: &str = "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.34.13.3-prod";
/// How the sidecar ends, which decides whether a finished Airflow task counts as a success:
/// AwsEcsExecutor and EcsRunTaskOperator both require exit code 0 from *every* container, and no
/// setting narrows that to the application's. When the application container exits, ECS sends
/// SIGTERM to Envoy's PID 1, the image's agent (aws/amazon-ecs-service-connect-agent,
/// agent/agent.go `setupSignalHandling`): it asks Envoy to drain (`POST /drain_listeners`, up to
/// ~4 s with retries), sleeps `LISTENER_DRAIN_WAIT_TIME_S`, and exits 0. Only a SIGKILL at
/// `stopTimeout` turns that into 137, so the stop timeout leaves the drain plus that margin.
/// The agent resets a drain outside 5..=110 s to 20 s, silently.
///
/// Tasks that serve traffic drain for the agent's default; client-only tasks (Airflow workers
/// and DAG tasks) have nothing to drain, and every second of drain delays the executor seeing
/// the task finish.
pub const ENVOY_DRAIN_SECONDS: u32 = 20;
pub const ENVOY_CLIENT_DRAIN_SECONDS: u32 = 5;
pub const ENVOY_STOP_TIMEOUT: u32 = 30;
/// Time the agent may spend reaching Envoy's admin API before it starts to wait.
pub const ENVOY_DRAIN_REQUEST_MARGIN: u32 = 5;
const _: () = assert!(
    ENVOY_CLIENT_DRAIN_SECONDS >= 5
        && ENVOY_DRAIN_SECONDS <= 110
        && ENVOY_DRAIN_SECONDS + ENVOY_DRAIN_REQUEST_MARGIN <= ENVOY_STOP_TIMEOUT
        && ENVOY_CLIENT_DRAIN_SECONDS <= ENVOY_DRAIN_SECONDS
);
/// ECS refuses an APPMESH proxy configuration without `AppPorts` ("App ports not found",
/// aws/aws-app-mesh-roadmap#467), so client-only tasks name a port nothing listens on. Not
/// Airflow's log-server port 8793: Envoy has no listener there and would swallow log fetches.
pub(crate) const CLIENT_ONLY_APP_PORT: u32 = 15099;

/// App Mesh's Envoy beside the application of every meshed task.
pub struct Envoy<'a> {
    pub checked: &'a Checked,
}

impl Sidecar for Envoy<'_> {
    fn declare(&self, plan: &mut Plan) {
        plan.params.insert(
            ENVOY_IMAGE.into(),
            Param {
                ty: ParamType::String,
                description:
                    "The App Mesh Envoy image every meshed task runs beside its application".into(),
                label: "Envoy image".into(),
                group: "Mesh".into(),
                default: Some(DEFAULT_ENVOY_IMAGE.into()),
            },
        );
        if self.checked.spec().observability().runs_collector() {
            plan.params.insert(
                COLLECTOR_IMAGE.into(),
                Param {
                    ty: ParamType::String,
                    description: "The OpenTelemetry collector image (AWS Distro for OpenTelemetry) every meshed task runs beside Envoy for its metrics and traces".into(),
                    label: "Collector image".into(),
                    group: "Mesh".into(),
                    default: Some(collector::IMAGE.into()),
                },
            );
        }
    }

    fn stop_doc(&self) -> SidecarStopDoc {
        SidecarStopDoc {
            client_drain: ENVOY_CLIENT_DRAIN_SECONDS,
            serving_drain: ENVOY_DRAIN_SECONDS,
            stop_timeout: ENVOY_STOP_TIMEOUT,
        }
    }

    fn container_name(&self) -> &'static str {
        names::ENVOY_CONTAINER
    }

    /// Envoy, then the collector when metrics or tracing are on.
    fn containers(&self, plan: &mut Plan, task: &MeshedTask) -> Vec<Value> {
        let spec = self.checked.spec();
        let log = (task.log)(names::ENVOY_CONTAINER);
        if !spec.observability().runs_collector() {
            return vec![self.envoy(task.node, log, Vec::new()).into()];
        }
        let o = spec.observability();
        let tracing = o.traces();
        let env = collector::envoy_environment(o.metrics, tracing)
            .into_iter()
            .map(|(k, v)| kv(k, Value::str(v), "Value"))
            .collect();
        // Started first, so Envoy's first stats reach it; ECS stops containers in reverse
        // dependency order, so it also stops last and receives Envoy's final flush.
        let envoy = self.envoy(task.node, log, env).set(
            "DependsOn",
            vec![Obj::new()
                .set("ContainerName", collector::CONTAINER)
                .set("Condition", "START")
                .into()],
        );
        let destination = collector::Destination {
            namespace: observe::namespace(&spec.mesh.name),
            log_group: lower_observe::metrics_log_group(plan, spec),
            log_stream: task.family.to_owned(),
            // The task's AWS_REGION (below) tells the exporters.
            region: None,
            metrics: o.metrics,
            tracing,
        };
        let otel = Obj::new()
            .set("Name", collector::CONTAINER)
            .set("Image", Value::Param(COLLECTOR_IMAGE.into()))
            // Not essential: a crashed collector loses metrics, not the task's work. It exits 0 on
            // SIGTERM, so Airflow's every-container-exits-0 rule still holds when the task ends.
            .set("Essential", false)
            // Envoy's IgnoredUID: the collector's calls to CloudWatch and X-Ray bypass Envoy.
            .set("User", "1337")
            .set("MemoryReservation", collector::MEMORY_RESERVATION)
            .set("Cpu", collector::CPU)
            .set(
                "Environment",
                vec![
                    kv(
                        collector::CONFIG_ENV,
                        Value::str(collector::Config::new(&destination).to_text()),
                        "Value",
                    ),
                    // The exporters find the region here on every launch type.
                    kv("AWS_REGION", Value::Pseudo(Pseudo::Region), "Value"),
                ],
            )
            .set("StopTimeout", collector::STOP_TIMEOUT)
            .set("LogConfiguration", (task.log)(collector::CONTAINER));
        vec![envoy.into(), otel.into()]
    }

    fn proxy_configuration(&self, app_ports: &[u32], ignored_ports: &[u32]) -> Option<Value> {
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
            .checked
            .spec()
            .airflow
            .as_ref()
            .map(|a| a.egress.clone())
            .unwrap_or_default();
        let mut ips = vec!["169.254.170.2".to_owned(), "169.254.169.254".to_owned()];
        ips.extend(egress.ignored_ips.iter().cloned());
        props.push(kv("EgressIgnoredIPs", Value::str(ips.join(",")), "Value"));
        let mut ports = egress.ignored_ports.clone();
        ports.extend(
            ignored_ports
                .iter()
                .filter(|p| !egress.ignored_ports.contains(p)),
        );
        if !ports.is_empty() {
            props.push(kv("EgressIgnoredPorts", Value::str(join(&ports)), "Value"));
        }
        Some(
            Obj::new()
                .set("Type", "APPMESH")
                .set("ContainerName", names::ENVOY_CONTAINER)
                .set("ProxyConfigurationProperties", props)
                .into(),
        )
    }

    /// The collector's: EMF events into the metrics log group, X-Ray segments with tracing.
    fn helper_statements(&self) -> Vec<Value> {
        lower_observe::collector_statements(self.checked.spec())
    }

    /// Envoy's task-role permissions: xDS for its own node, and the ACM/PCA reads TLS needs.
    fn statements(&self, node_name: &str) -> Vec<Value> {
        let mut out = vec![statement(
            &["appmesh:StreamAggregatedResources"],
            vec![Value::Ref(
                ResourceId::new(Kind::VirtualNode, node_name),
                Attr::Arn,
            )],
        )];
        let Some(node) = self.checked.spec().virtual_nodes.get(node_name) else {
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
}

impl Envoy<'_> {
    /// Envoy's container; `extra_env` is what the collector needs of it.
    fn envoy(&self, node: &str, log: Value, extra_env: Vec<Value>) -> Obj {
        let serves = self
            .checked
            .spec()
            .virtual_nodes
            .get(node)
            .is_some_and(|n| !n.listeners.is_empty());
        let drain = if serves {
            ENVOY_DRAIN_SECONDS
        } else {
            ENVOY_CLIENT_DRAIN_SECONDS
        };
        Obj::new()
            .set("Name", names::ENVOY_CONTAINER)
            .set("Image", Value::Param(ENVOY_IMAGE.into()))
            .set("Essential", true)
            .set("User", "1337")
            .set("MemoryReservation", names::ENVOY_MEMORY_RESERVATION)
            .set("Cpu", names::ENVOY_CPU)
            .set(
                "Environment",
                [
                    kv("APPMESH_RESOURCE_ARN", Value::Ref(ResourceId::new(Kind::VirtualNode, node), Attr::Arn), "Value"),
                    kv("LISTENER_DRAIN_WAIT_TIME_S", Value::str(drain.to_string()), "Value"),
                ]
                .into_iter()
                .chain(extra_env)
                .collect::<Vec<_>>(),
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
    }
}
