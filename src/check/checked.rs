//! [`Checked`]: a spec that passed every rule, plus what meshsynth generates for it, validated
//! alike. Lowerings take only this, and ask it the questions every backend asks (the namespace,
//! a service's provider, a route's kind) instead of re-deriving them from raw types.

use super::generated::{self, Origin};
use super::{appmesh, Ctx};
use crate::diagnostic::{Diagnostics, FieldPath};
use crate::spec::{
    CloudMapDiscovery, CloudMapNamespace, GatewayGrpcRoute, GatewayHttpRoute, GatewayRoute,
    GrpcRoute, HttpRoute, Protocol, Route, Spec, TcpRoute, VirtualNode, VirtualRouter,
};

/// A spec that passed validation. Only [`super::validate`] makes one, so a lowering cannot be
/// handed an unchecked spec.
#[derive(Debug, Clone)]
pub struct Checked<'a> {
    /// The spec as written.
    written: &'a Spec,
    /// The spec with the generated objects added.
    spec: Spec,
    origins: Vec<Origin>,
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

impl<'a> Checked<'a> {
    /// Adds the generated objects and runs the App Mesh rules on them. Their diagnostics point at
    /// the part of the spec they come from.
    pub(super) fn build(written: &'a Spec) -> Result<Self, Diagnostics> {
        let (spec, origins) = generated::augment(written);
        let mut ctx = Ctx::new(&spec);
        for o in &origins {
            appmesh::check_generated(&mut ctx, &o.path);
        }
        let mut out = ctx.out;
        let checked = Checked {
            written,
            spec,
            origins,
        };
        if out.is_empty() {
            return Ok(checked);
        }
        for d in out.iter_mut() {
            d.path = checked.source(&d.path);
        }
        if out.has_errors() {
            Err(out)
        } else {
            // Warnings about generated objects would name nothing the user can change.
            Ok(checked)
        }
    }

    /// The spec with what meshsynth generates added.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// The spec as written.
    pub fn written(&self) -> &'a Spec {
        self.written
    }

    /// Where in the file the object at `path` comes from: the path itself for the spec's own
    /// objects, the generating section for generated ones.
    pub fn source(&self, path: &FieldPath) -> FieldPath {
        self.origins
            .iter()
            .find(|o| path.starts_with(&o.path))
            .map_or_else(|| path.clone(), |o| o.source.clone())
    }

    /// Whether the object at `path` is one meshsynth generates.
    pub fn is_generated(&self, path: &FieldPath) -> bool {
        self.origins.iter().any(|o| path.starts_with(&o.path))
    }

    /// The Cloud Map namespace meshsynth creates, if any.
    pub fn namespace(&self) -> Option<&CloudMapNamespace> {
        self.spec.namespace()
    }

    /// The namespace a node's Cloud Map discovery uses, and whether meshsynth creates it.
    pub fn node_namespace<'s>(&'s self, cm: &'s CloudMapDiscovery) -> (&'s str, bool) {
        let default = self.namespace().map(|n| n.namespace.as_str());
        let ns = cm.namespace.as_deref().or(default).unwrap_or_default();
        (ns, default == Some(ns))
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

    /// The listener ports of a virtual service's provider.
    pub fn provider_ports(&self, service: &str) -> Vec<u32> {
        match self.provider(service) {
            Provider::Router(_, r) => r.listeners.iter().map(|l| l.port).collect(),
            Provider::Node(_, n) => n.listeners.iter().map(|l| l.port).collect(),
            Provider::Nothing => Vec::new(),
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

impl RouteKind<'_> {
    pub fn protocol(self) -> Protocol {
        match self {
            RouteKind::Http(_) => Protocol::Http,
            RouteKind::Http2(_) => Protocol::Http2,
            RouteKind::Grpc(_) => Protocol::Grpc,
            RouteKind::Tcp(_) => Protocol::Tcp,
        }
    }
}
