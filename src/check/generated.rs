//! What meshsynth adds to a spec: the Airflow side's virtual nodes, the API server's virtual
//! service and Cloud Map service, and the Cloud Map filter of every workload. This is the one
//! place that knows their names and shapes; the rules ask it what is reserved, and
//! [`super::Checked`] adds the objects (and validates them like the spec's own).

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::FieldPath;
use crate::spec::airflow_names as names;
use crate::spec::paths::{airflow_path, node_path, service_path};
use crate::spec::{
    Backend, CloudMapDiscovery, DnsDiscovery, HealthCheck, NodeListener, NodeServiceDiscovery,
    Protocol, Short, ShortForm, Spec, VirtualNode, VirtualService,
};

/// A generated object and where in the spec it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Where the object would sit if the spec declared it (`virtual_nodes.airflow-worker`).
    pub path: FieldPath,
    /// The part of the spec it is generated from (`airflow.workers`).
    pub source: FieldPath,
}

impl Origin {
    /// The generated object's name (its key in the spec's collection).
    pub fn name(&self) -> &str {
        match self.path.segments().last() {
            Some(crate::diagnostic::Segment::Key(k)) => k,
            _ => "",
        }
    }
}

/// The virtual services meshsynth adds, which the spec's nodes may list as backends: the Airflow
/// API server's (for example to trigger DAG runs).
pub fn services(spec: &Spec) -> Vec<String> {
    match (&spec.airflow, spec.namespace()) {
        (Some(af), _) if !af.has_api() => Vec::new(),
        (Some(af), _) if af.on_eks().is_some() => {
            let eks = af.on_eks().expect("checked above");
            vec![names::eks::api_component_service(
                eks.namespace(),
                af.is_v3(),
            )]
        }
        (Some(_), Some(ns)) => vec![names::api_service(&ns.namespace)],
        _ => Vec::new(),
    }
}

/// The spec with the generated objects added, and their origins.
pub(super) fn augment(spec: &Spec) -> (Spec, Vec<Origin>) {
    let mut s = spec.clone();
    let mut origins = Vec::new();
    if let Some(af) = &spec.airflow {
        let components = airflow_path().key("components");
        let api_source = components.key(af.api_key());
        let api_service = services(spec).into_iter().next();
        if af.has_api() {
            let family = names::family(&spec.name, af.api_component());
            let mut listener = NodeListener::new(names::API_PORT, Protocol::Http);
            listener.health_check = Some(HealthCheck {
                path: Some(af.api_health_path().into()),
                ..HealthCheck::default()
            });
            let node = VirtualNode {
                listeners: vec![listener],
                service_discovery: Some(match (af.on_eks(), &api_service) {
                    // The chart's Service in the control plane's namespace.
                    (Some(_), Some(host)) => NodeServiceDiscovery {
                        cloud_map: None,
                        dns: Some(DnsDiscovery {
                            hostname: host.clone(),
                            response_type: None,
                            ip_preference: None,
                        }),
                    },
                    _ => NodeServiceDiscovery {
                        cloud_map: Some(CloudMapDiscovery {
                            service: names::API_CLOUD_MAP_SERVICE.into(),
                            namespace: None,
                            attributes: family_filter(&family),
                            ip_preference: None,
                        }),
                        dns: None,
                    },
                }),
                ..VirtualNode::default()
            };
            s.virtual_nodes.insert(names::API_NODE.into(), node);
            origins.push(Origin {
                path: node_path(names::API_NODE),
                source: api_source.clone(),
            });
            if let Some(svc) = &api_service {
                s.virtual_services.insert(
                    svc.clone(),
                    VirtualService {
                        node: Some(names::API_NODE.into()),
                        ..VirtualService::default()
                    },
                );
                origins.push(Origin {
                    path: service_path(svc),
                    source: api_source.clone(),
                });
            }
        }
        let mut worker_backends: Vec<String> = af
            .workers
            .as_ref()
            .map(|w| w.backends.clone())
            .unwrap_or_default();
        if af.is_v3() && af.has_api() {
            // Tasks reach the Execution API through the mesh.
            worker_backends.extend(api_service.clone());
        }
        s.virtual_nodes
            .insert(names::WORKER_NODE.into(), client_node(&worker_backends));
        origins.push(Origin {
            path: node_path(names::WORKER_NODE),
            source: airflow_path().key("workers"),
        });
        for (task, t) in &af.tasks {
            let node = names::task_node(task);
            s.virtual_nodes
                .insert(node.clone(), client_node(&t.backends));
            origins.push(Origin {
                path: node_path(&node),
                source: airflow_path().key("tasks").key(task),
            });
        }
    }
    for name in spec.workloads.keys() {
        let family = names::family(&spec.name, name);
        if let Some(cm) = s
            .virtual_nodes
            .get_mut(name)
            .and_then(|n| n.service_discovery.as_mut())
            .and_then(|d| d.cloud_map.as_mut())
        {
            // ECS registers tasks with ECS_* attributes only; filter on the one that tells versions apart.
            cm.attributes = family_filter(&family);
        }
    }
    (s, origins)
}

fn client_node(backends: &[String]) -> VirtualNode {
    let mut seen = BTreeSet::new();
    VirtualNode {
        backends: backends
            .iter()
            .filter(|b| seen.insert(b.as_str()))
            .map(|b| Short(Backend::from_short(b.clone())))
            .collect(),
        ..VirtualNode::default()
    }
}

fn family_filter(family: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("ECS_TASK_DEFINITION_FAMILY".to_owned(), family.to_owned())])
}
