//! Validation: every rule runs, every finding is kept, and only a spec without errors
//! becomes a [`Checked`] spec that the lowerings accept.
//!
//! Rules live by concern and push into one [`Ctx`]:
//! - `common`: ports, lengths, one-of unions, listener attachment, header matches;
//! - `appmesh/`: App Mesh names and references, nodes and gateways, routes, quotas, egress;
//! - `airflow/`: the `airflow` section (versions, components, secrets, references, generated names);
//! - `ecs/`: what ECS and Fargate accept (task sizes, clusters, capacity providers, workloads);
//! - `observability`: alarm thresholds, their SNS topic, and alarms that would not work.
//!
//! Rules that hold for one output target only are the target's own (`targets/`); they are
//! handed in through [`validate`]'s `extra` so that this module never names a target.

mod airflow;
mod appmesh;
mod checked;
pub(crate) mod common;
mod ctx;
mod ecs;
pub(crate) mod eks;
pub mod generated;
mod images;
pub mod lattice;
pub(crate) mod observability;

pub(crate) use appmesh::too_many_backends_message;
pub use checked::{Checked, GatewayRouteKind, Provider, RouteKind};
pub use ctx::Ctx;

use crate::diagnostic::Diagnostics;
use crate::spec::{MeshBackend, Spec};

/// What a validation covers besides the shared rules.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// The backends that will be rendered; each adds its own rules.
    pub backends: &'a [MeshBackend],
    /// Whether a spec feature the backend would drop is an error rather than a warning.
    pub strict: bool,
}

/// Runs every rule, then `extra` (the selected targets' own rules), then the rules of each
/// backend in `scope`. Returns the checked spec when there is no error; warnings come back
/// either way.
pub fn validate(
    spec: &Spec,
    scope: &Scope,
    extra: &dyn Fn(&mut Ctx),
) -> (Option<Checked>, Diagnostics) {
    let app_mesh = scope.backends.contains(&MeshBackend::AppMesh);
    let mut ctx = Ctx::new(spec);
    ctx.app_mesh = app_mesh;
    appmesh::check(&mut ctx);
    airflow::check(&mut ctx);
    ecs::check(&mut ctx);
    eks::check(&mut ctx);
    observability::check(&mut ctx);
    extra(&mut ctx);
    let mut out = ctx.out;
    if out.has_errors() {
        return (None, out);
    }
    let (checked, generated) = Checked::build(spec, app_mesh, extra);
    out.extend(generated);
    let Some(mut checked) = checked else {
        return (None, out);
    };
    if scope.backends.contains(&MeshBackend::VpcLattice) {
        // On the spec with what meshsynth generates: the Airflow nodes call services too.
        let found = lattice::check(&mut checked, scope.strict);
        out.extend(found);
    }
    let ok = !out.has_errors();
    (ok.then_some(checked), out)
}
