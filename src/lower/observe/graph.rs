//! The part of the mesh's graph observability reads: per virtual service who serves it (the
//! target nodes, canaries included) and who calls it; per caller what it calls and what it is
//! (a DAG task, the Airflow workers, a workload). Read off the checked spec, so the dashboard
//! and alarms follow the mesh exactly.

use std::collections::{BTreeMap, BTreeSet};

use crate::check::{Checked, Provider};
use crate::diagnostic::Segment;
use crate::spec::{Protocol, Spec};

/// Who calls: a virtual node, or a virtual gateway (its Envoy measures the same way, with the
/// dimension `VirtualGateway`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Caller {
    pub name: String,
    pub gateway: bool,
}

impl Caller {
    /// The dimension that names the caller in App Mesh's metrics.
    pub fn dimension(&self) -> &'static str {
        if self.gateway {
            "VirtualGateway"
        } else {
            "VirtualNode"
        }
    }
}

/// One virtual service, as the dashboard and alarms see it.
#[derive(Debug, Clone)]
pub struct ServiceFacts {
    pub name: String,
    /// The virtual nodes that serve it: a router's route targets, or its node.
    pub targets: Vec<String>,
    /// The nodes that list it in `backends:` and the gateways that route to it.
    pub callers: Vec<Caller>,
    /// Whether it speaks HTTP, HTTP/2 or gRPC (TCP has no status codes nor response times).
    pub http: bool,
    /// Whether it speaks gRPC, whose errors mostly travel as `grpc-status` with HTTP 200.
    pub grpc: bool,
}

/// What kind of caller a node is, for titles.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum CallerKind {
    /// A DAG task of `airflow.tasks`.
    DagTask(String),
    /// The Airflow workers (or task pods of the KubernetesExecutor).
    Workers,
    /// Another Airflow component (the API server, the scheduler...).
    Airflow(String),
    /// A node of the spec (a workload, or a node that runs elsewhere).
    Node,
    /// A virtual gateway.
    Gateway,
}

/// One caller: a node with backends.
#[derive(Debug, Clone)]
pub struct CallerFacts {
    pub node: String,
    pub kind: CallerKind,
    pub backends: Vec<String>,
}

impl CallerFacts {
    pub fn caller(&self) -> Caller {
        Caller {
            name: self.node.clone(),
            gateway: self.kind == CallerKind::Gateway,
        }
    }

    /// `DAG task ingest_orders (airflow-task-ingest-orders)`: plain text, as widget titles take.
    pub fn title(&self) -> String {
        match &self.kind {
            CallerKind::DagTask(t) => format!("DAG task {t} ({})", self.node),
            CallerKind::Workers => format!("Airflow workers ({})", self.node),
            CallerKind::Airflow(what) => format!("Airflow {what} ({})", self.node),
            CallerKind::Node => self.node.clone(),
            CallerKind::Gateway => format!("virtual gateway {}", self.node),
        }
    }
}

/// The graph's facts, in name order.
#[derive(Debug, Clone)]
pub struct Graph {
    pub services: Vec<ServiceFacts>,
    /// DAG tasks first, then the workers, the other Airflow components, nodes, gateways.
    pub callers: Vec<CallerFacts>,
}

impl Graph {
    pub fn new(checked: &Checked) -> Self {
        let spec = checked.spec();
        let mut callers_of: BTreeMap<&str, BTreeSet<Caller>> = BTreeMap::new();
        for (node, n) in &spec.virtual_nodes {
            for b in &n.backends {
                callers_of
                    .entry(b.virtual_service.as_str())
                    .or_default()
                    .insert(Caller {
                        name: node.clone(),
                        gateway: false,
                    });
            }
        }
        let mut gateway_targets: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for (gw, g) in &spec.virtual_gateways {
            for r in g.routes.values() {
                if let Some(t) = r.target() {
                    callers_of
                        .entry(t.virtual_service.as_str())
                        .or_default()
                        .insert(Caller {
                            name: gw.clone(),
                            gateway: true,
                        });
                    gateway_targets
                        .entry(gw.as_str())
                        .or_default()
                        .insert(t.virtual_service.clone());
                }
            }
        }
        let services = spec
            .virtual_services
            .keys()
            .map(|vs| {
                let (targets, http) = targets(checked, spec, vs);
                let grpc = matches!(
                    spec.provider_listeners(vs),
                    crate::spec::ProviderListeners::Listeners(_, ls)
                        if ls.iter().any(|(_, p)| *p == Protocol::Grpc)
                );
                ServiceFacts {
                    name: vs.clone(),
                    targets,
                    callers: callers_of
                        .get(vs.as_str())
                        .map(|c| c.iter().cloned().collect())
                        .unwrap_or_default(),
                    http,
                    grpc,
                }
            })
            .collect();
        let kinds: BTreeMap<&str, CallerKind> = checked
            .origins()
            .iter()
            .map(|o| (o.name(), caller_kind(o.source.segments())))
            .collect();
        let mut callers: Vec<CallerFacts> = spec
            .virtual_nodes
            .iter()
            .filter(|(_, n)| !n.backends.is_empty())
            .map(|(node, n)| CallerFacts {
                node: node.clone(),
                kind: kinds
                    .get(node.as_str())
                    .cloned()
                    .unwrap_or(CallerKind::Node),
                backends: n
                    .backends
                    .iter()
                    .map(|b| b.virtual_service.clone())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            })
            .collect();
        callers.extend(
            gateway_targets
                .into_iter()
                .map(|(gw, targets)| CallerFacts {
                    node: gw.to_owned(),
                    kind: CallerKind::Gateway,
                    backends: targets.into_iter().collect(),
                }),
        );
        callers.sort_by(|a, b| (&a.kind, &a.node).cmp(&(&b.kind, &b.node)));
        Graph { services, callers }
    }

    pub fn service(&self, name: &str) -> Option<&ServiceFacts> {
        self.services.iter().find(|s| s.name == name)
    }
}

/// `airflow.tasks.<t>` → a DAG task, `airflow.workers` → the workers, other `airflow.*` → a
/// component.
fn caller_kind(source: &[Segment]) -> CallerKind {
    let keys: Vec<&str> = source
        .iter()
        .filter_map(|s| match s {
            Segment::Key(k) => Some(k.as_str()),
            Segment::Index(_) => None,
        })
        .collect();
    match keys.as_slice() {
        ["airflow", "tasks", task, ..] => CallerKind::DagTask((*task).to_owned()),
        ["airflow", "workers", ..] => CallerKind::Workers,
        ["airflow", "components", what, ..] => CallerKind::Airflow((*what).replace('_', " ")),
        ["airflow", ..] => CallerKind::Airflow("component".into()),
        _ => CallerKind::Node,
    }
}

/// The nodes that serve `vs`, and whether it speaks HTTP.
fn targets(checked: &Checked, spec: &Spec, vs: &str) -> (Vec<String>, bool) {
    match checked.provider(vs) {
        Provider::Node(n, node) => (
            vec![n.to_owned()],
            node.listeners.iter().any(|l| l.protocol != Protocol::Tcp),
        ),
        Provider::Router(_, router) => {
            let nodes: BTreeSet<String> = router
                .routes
                .values()
                .filter_map(|r| r.targets())
                .flat_map(|t| t.keys().cloned())
                .filter(|n| spec.virtual_nodes.contains_key(n))
                .collect();
            let http = router.listeners.iter().any(|l| l.protocol != Protocol::Tcp);
            (nodes.into_iter().collect(), http)
        }
        Provider::Nothing => (Vec::new(), false),
    }
}
