//! Saved Logs Insights queries for the questions asked while a DAG fails: every call a DAG task
//! (or any caller) made, with status and latency; 5xx by service; on Lattice, denied calls. They
//! sit in the console's query list under `meshsynth/<project>/`.

use super::graph::CallerKind;
use super::rows::{regex_escape, Cx};
use crate::spec::MeshBackend;

/// The lines of calls a node made (Envoy's egress clusters are `cds_egress_<mesh>_<target node>_
/// <protocol>_<port>`, its inbound ones `cds_ingress_...`): each call is counted once, at the
/// caller, with the errors its own Envoy produced (no healthy target, timeouts) as well.
const OUTBOUND: &str = "upstream_cluster like /^cds_egress_/";

pub(super) struct Query {
    /// The resource's name in the graph.
    pub key: String,
    /// The console name (`/` makes folders; no `:` or `*`).
    pub name: String,
    pub query: String,
    pub log_groups: Vec<String>,
}

/// The console name of a query: `meshsynth/<project>/<what>`, in the characters a query
/// definition's name allows.
fn name(project: &str, what: &str) -> String {
    let clean = |s: &str| s.replace([':', '*', '/'], "-");
    format!("meshsynth/{}/{}", clean(project), clean(what))
}

pub(super) fn queries(cx: &Cx) -> Vec<Query> {
    if let Some(group) = &cx.eks_logs {
        return eks_queries(cx, group);
    }
    let Some(group) = cx.access_logs.clone() else {
        return Vec::new();
    };
    let project = &cx.spec.name;
    let mut out = Vec::new();
    let mut push = |key: String, what: String, query: String| {
        out.push(Query {
            key,
            name: name(project, &what),
            query,
            log_groups: vec![group.clone()],
        })
    };
    match cx.backend {
        MeshBackend::AppMesh => {
            push(
                "errors-by-service".into(),
                "5xx by service".into(),
                format!("fields @timestamp, authority, response_code\n| filter @logStream like /-envoy\\// and {OUTBOUND} and response_code >= 500\n| stats count(*) as errors by authority, response_code, response_flags\n| sort errors desc"),
            );
            for c in cx
                .graph
                .callers
                .iter()
                .filter(|c| default_format(cx, &c.node))
            {
                let Some(prefix) = cx.envoy_streams.get(&c.node) else {
                    continue;
                };
                push(
                    format!("calls-{}", c.node),
                    format!("calls of {}", caller_name(&c.kind, &c.node)),
                    format!(
                        "fields @timestamp, method, authority, path, response_code, duration, response_flags, upstream_host\n| filter @logStream like /^{}\\// and {OUTBOUND}\n| sort @timestamp desc",
                        regex_escape(prefix)
                    ),
                );
            }
        }
        MeshBackend::VpcLattice => {
            push(
                "errors-by-service".into(),
                "5xx by service".into(),
                "fields startTime, hostHeader, responseCode, failureReason\n| filter responseCode >= 500\n| stats count(*) as errors by hostHeader, responseCode, failureReason\n| sort errors desc".into(),
            );
            push(
                "denied-calls".into(),
                "calls denied by auth policies".into(),
                "fields startTime, callerPrincipal, hostHeader, requestMethod, requestPath, authDeniedReason\n| filter responseCode = 403 and authDeniedReason != \"-\"\n| sort startTime desc".into(),
            );
            for c in &cx.graph.callers {
                let Some(role) = cx.caller_roles.get(&c.node) else {
                    continue;
                };
                push(
                    format!("calls-{}", c.node),
                    format!("calls of {}", caller_name(&c.kind, &c.node)),
                    format!(
                        "fields startTime, requestMethod, hostHeader, requestPath, responseCode, duration, failureReason\n| {}\n| sort startTime desc",
                        Cx::caller_filter(role)
                    ),
                );
            }
        }
    }
    out
}

/// On EKS: Envoy's JSON lines in the Container Insights group, by the node each line names.
fn eks_queries(cx: &Cx, group: &str) -> Vec<Query> {
    let envoy =
        format!("filter kubernetes.container_name = \"envoy\" and log_processed.{OUTBOUND}");
    let mut out = vec![Query {
        key: "errors-by-service".into(),
        name: name(&cx.spec.name, "5xx by service"),
        query: format!("fields @timestamp, log_processed.authority, log_processed.response_code\n| {envoy} and log_processed.response_code >= 500\n| stats count(*) as errors by log_processed.authority, log_processed.response_code, log_processed.response_flags\n| sort errors desc"),
        log_groups: vec![group.to_owned()],
    }];
    for c in cx
        .graph
        .callers
        .iter()
        .filter(|c| c.kind != CallerKind::Gateway)
    {
        out.push(Query {
            key: format!("calls-{}", c.node),
            name: name(&cx.spec.name, &format!("calls of {}", caller_name(&c.kind, &c.node))),
            query: format!(
                "fields @timestamp, kubernetes.pod_name, log_processed.method, log_processed.authority, log_processed.path, log_processed.response_code, log_processed.duration, log_processed.response_flags\n| {envoy} and log_processed.node like /\\/virtualNode\\/{}$/\n| sort @timestamp desc",
                regex_escape(&c.node)
            ),
            log_groups: vec![group.to_owned()],
        });
    }
    out
}

/// Whether a node's Envoy logs in meshsynth's JSON format (it names no `access_log` of its own),
/// which the App Mesh queries read.
fn default_format(cx: &Cx, node: &str) -> bool {
    cx.spec
        .virtual_nodes
        .get(node)
        .is_some_and(|n| n.access_log.is_none())
}

fn caller_name(kind: &CallerKind, node: &str) -> String {
    match kind {
        CallerKind::DagTask(t) => format!("DAG task {t}"),
        CallerKind::Workers => "the Airflow workers".into(),
        CallerKind::Airflow(what) => format!("the Airflow {what}"),
        CallerKind::Node => node.to_owned(),
        CallerKind::Gateway => format!("virtual gateway {node}"),
    }
}
