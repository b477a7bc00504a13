//! [`Checked`]: a spec that passed every rule, plus what meshsynth generates for it, validated
//! alike. Lowerings take only this, and ask it the questions every backend asks (the namespace,
//! a service's provider, a route's kind) instead of re-deriving them from raw types.

use super::common::shown;
use super::generated::{self, Origin};
use super::{appmesh, Ctx};
use crate::diagnostic::{Diagnostics, FieldPath};
use crate::spec::{
    CloudMapDiscovery, CloudMapNamespace, GatewayGrpcRoute, GatewayHttpRoute, GatewayRoute,
    GrpcRoute, HttpRoute, Route, Spec, TcpRoute, VirtualNode, VirtualRouter,
};

/// A spec that passed validation. Only [`super::validate`] makes one, so a lowering cannot be
/// handed an unchecked spec.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The spec with the generated objects added.
    spec: Spec,
    origins: Vec<Origin>,
    /// The spec in VPC Lattice's terms, when the Lattice backend is rendered.
    lattice: Option<super::lattice::Model>,
}

/// What provides a virtual service of a checked spec.
#[derive(Debug, Clone, Copy)]
pub enum Provider<'a> {
    Router(&'a str, &'a VirtualRouter),
    Node(&'a str, &'a VirtualNode),
    /// `{}`: a virtual service without a provider.
    Nothing,
}

/// A route's kind; a checked route has exactly one.
#[derive(Debug, Clone, Copy)]
pub enum RouteKind<'a> {
    Http(&'a HttpRoute),
    Http2(&'a HttpRoute),
    Grpc(&'a GrpcRoute),
    Tcp(&'a TcpRoute),
}

/// A gateway route's kind; a checked gateway route has exactly one.
#[derive(Debug, Clone, Copy)]
pub enum GatewayRouteKind<'a> {
    Http(&'a GatewayHttpRoute),
    Http2(&'a GatewayHttpRoute),
    Grpc(&'a GatewayGrpcRoute),
}

impl Checked {
    /// Adds the generated objects and runs the App Mesh rules and `extra` (the targets' rules)
    /// over the result, keeping what they find in the generated objects: the spec's own objects
    /// have been checked already. Those diagnostics point at the part of the spec each generated
    /// object comes from. The checked spec is `None` when they include an error.
    pub(super) fn build(
        written: &Spec,
        app_mesh: bool,
        extra: &dyn Fn(&mut Ctx),
    ) -> (Option<Self>, Diagnostics) {
        let (spec, origins) = generated::augment(written);
        if origins.is_empty() {
            return (
                Some(Checked {
                    spec,
                    origins,
                    lattice: None,
                }),
                Diagnostics::default(),
            );
        }
        let mut ctx = Ctx::new(&spec);
        ctx.app_mesh = app_mesh;
        appmesh::check(&mut ctx);
        extra(&mut ctx);
        let found = ctx.out;
        let checked = Checked {
            spec,
            origins,
            lattice: None,
        };
        let mut out = Diagnostics::default();
        for mut d in found {
            let Some(origin) = checked.origin(&d.path) else {
                continue;
            };
            let note = format!(
                "`{}` is what meshsynth generates for `{}`",
                shown(origin.name()),
                origin.source
            );
            d.help = Some(match d.help.take() {
                Some(h) => format!("{h}; {note}"),
                None => note,
            });
            d.path = origin.source.clone();
            out.push(d);
        }
        let ok = !out.has_errors();
        (ok.then_some(checked), out)
    }

    /// The spec with what meshsynth generates added.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// The spec in VPC Lattice's terms; `None` unless the Lattice rules ran (they build it).
    pub fn lattice(&self) -> Option<&super::lattice::Model> {
        self.lattice.as_ref()
    }

    pub(super) fn set_lattice(&mut self, model: super::lattice::Model) {
        self.lattice = Some(model);
    }

    /// Where in the file the object at `path` comes from: the path itself for the spec's own
    /// objects, the generating section for generated ones.
    pub fn source(&self, path: &FieldPath) -> FieldPath {
        self.origin(path)
            .map_or_else(|| path.clone(), |o| o.source.clone())
    }

    /// The generated object `path` lies in, if it lies in one.
    pub fn origin(&self, path: &FieldPath) -> Option<&Origin> {
        self.origins.iter().find(|o| path.starts_with(&o.path))
    }

    /// The spec's Cloud Map namespace (created by meshsynth, or `existing`), if any.
    pub fn namespace(&self) -> Option<&CloudMapNamespace> {
        self.spec.namespace()
    }

    /// The namespace a node's Cloud Map discovery uses, and whether it is the spec's namespace
    /// (whose Cloud Map services meshsynth creates, unless the namespace is `existing`).
    pub fn node_namespace<'s>(&'s self, cm: &'s CloudMapDiscovery) -> (&'s str, bool) {
        let default = self.namespace().map(|n| n.namespace.as_str());
        let ns = cm.namespace.as_deref().or(default).unwrap_or_default();
        (ns, default.is_some() && self.spec.in_own_namespace(cm))
    }

    /// What meshsynth generated, and from which part of the spec.
    pub fn origins(&self) -> &[Origin] {
        &self.origins
    }

    /// The virtual service of the Airflow API server, when there is one.
    pub fn api_service(&self) -> Option<String> {
        generated::services(&self.spec).into_iter().next()
    }

    /// The provider of a virtual service (every name resolves in a checked spec).
    pub fn provider(&self, service: &str) -> Provider<'_> {
        let vs = &self.spec.virtual_services[service];
        match (&vs.router, &vs.node) {
            (Some(r), _) => Provider::Router(r, &self.spec.virtual_routers[r]),
            (None, Some(n)) => Provider::Node(n, &self.spec.virtual_nodes[n]),
            (None, None) => Provider::Nothing,
        }
    }

    /// The one kind a checked route has.
    pub fn route_kind<'r>(&self, route: &'r Route) -> RouteKind<'r> {
        Self::kind_of(route)
    }

    fn kind_of(route: &Route) -> RouteKind<'_> {
        match (&route.http, &route.http2, &route.grpc, &route.tcp) {
            (Some(h), ..) => RouteKind::Http(h),
            (_, Some(h), ..) => RouteKind::Http2(h),
            (_, _, Some(g), _) => RouteKind::Grpc(g),
            (_, _, _, Some(t)) => RouteKind::Tcp(t),
            (None, None, None, None) => unreachable!("a checked route has a kind"),
        }
    }

    /// The one kind a checked gateway route has.
    pub fn gateway_route_kind<'r>(&self, route: &'r GatewayRoute) -> GatewayRouteKind<'r> {
        Self::gateway_kind_of(route)
    }

    fn gateway_kind_of(route: &GatewayRoute) -> GatewayRouteKind<'_> {
        match (&route.http, &route.http2, &route.grpc) {
            (Some(h), ..) => GatewayRouteKind::Http(h),
            (_, Some(h), _) => GatewayRouteKind::Http2(h),
            (_, _, Some(g)) => GatewayRouteKind::Grpc(g),
            (None, None, None) => unreachable!("a checked gateway route has a kind"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::load::load;

    const SPEC: &str = r#"
name: p
mesh: { name: p }
service_discovery: { cloud_map: { namespace: p.internal } }
virtual_nodes:
  orders-v1:
    listeners: [{ port: 8080, protocol: http }]
    service_discovery: { cloud_map: { service: orders } }
virtual_services:
  orders.p.internal: { node: orders-v1 }
airflow:
  version: "3.1"
  image: apache/airflow:3.1.3
  platform: ecs
  executor: ecs
  cluster: { create: true }
  secrets: {}
  components: { api_server: {}, scheduler: {}, dag_processor: {} }
  workers: { backends: [orders.p.internal] }
  tasks:
    TASK: { image: x:1, cpu: 256, memory: 512 }
"#;

    #[test]
    fn generated_objects_are_added_and_traced_to_their_source() {
        let spec = load(SPEC).spec.unwrap();
        let (checked, found) = Checked::build(&spec, true, &|_| {});
        assert!(found.is_empty(), "{found:?}");
        let checked = checked.expect("the generated objects are valid");
        let s = checked.spec();
        for node in ["airflow-api-server", "airflow-worker", "airflow-task-TASK"] {
            assert!(s.virtual_nodes.contains_key(node), "{node}");
        }
        assert_eq!(
            checked.api_service().as_deref(),
            Some("airflow-api-server.p.internal")
        );
        // 3.x tasks reach the Execution API through the mesh.
        let worker = &s.virtual_nodes["airflow-worker"];
        let backends: Vec<&str> = worker
            .backends
            .iter()
            .map(|b| b.virtual_service.as_str())
            .collect();
        assert_eq!(
            backends,
            ["orders.p.internal", "airflow-api-server.p.internal"]
        );
        let path = crate::spec::paths::node_path("airflow-worker").key("backends");
        assert_eq!(
            checked.origin(&path).map(|o| o.name()),
            Some("airflow-worker")
        );
        assert_eq!(checked.source(&path).to_string(), "airflow.workers");
        let api = crate::spec::paths::service_path("airflow-api-server.p.internal");
        assert_eq!(
            checked.source(&api).to_string(),
            "airflow.components.api_server"
        );
        let own = crate::spec::paths::node_path("orders-v1");
        assert!(checked.origin(&own).is_none());
        assert_eq!(checked.source(&own), own);
        assert!(matches!(
            checked.provider("orders.p.internal"),
            Provider::Node("orders-v1", _)
        ));
    }

    #[test]
    fn generated_objects_are_validated_like_the_specs_own() {
        // A DAG task whose name makes its generated node an invalid App Mesh name (the Airflow
        // rules report the task name too; here only the generated objects are checked).
        let text = SPEC.replace("TASK:", "\"a.b\":");
        let spec = load(&text).spec.unwrap();
        let (checked, found) = Checked::build(&spec, true, &|_| {});
        assert!(checked.is_none(), "the generated node is invalid");
        let d: Vec<String> = found
            .iter()
            .map(|d| format!("{} at {}", d.code, d.path))
            .collect();
        assert_eq!(d, [r#"invalid-name at airflow.tasks["a.b"]"#]);
        let help = found.iter().next().unwrap().help.as_deref().unwrap();
        assert!(
            help.ends_with(
                "`airflow-task-a.b` is what meshsynth generates for `airflow.tasks[\"a.b\"]`"
            ),
            "{help}"
        );
    }
}
