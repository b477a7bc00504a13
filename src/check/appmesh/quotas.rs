//! App Mesh quotas: warnings, since most can be raised in Service Quotas. (The Terraform
//! provider's hard caps are the Terraform target's rules.)

use crate::check::Ctx;
use crate::diagnostic::{Code, FieldPath};
use crate::spec::airflow_names as names;
use crate::spec::paths::{airflow_path, gateway_path, router_path, workload_path};
use crate::spec::{Airflow, TaskRunner};

const MAX_PER_MESH: usize = 200;
const MAX_ROUTES_PER_ROUTER: usize = 50;
const MAX_BACKENDS_PER_NODE: usize = 50;
const MAX_ROUTES_PER_GATEWAY: usize = 10;
/// Connected Envoy processes per virtual node (App Mesh default quota).
const MAX_ENVOYS_PER_NODE: u32 = 50;

pub(crate) fn check(ctx: &mut Ctx) {
    check_mesh(ctx);
    if let Some(af) = &ctx.spec.airflow {
        check_envoy_quota(ctx, af);
    }
    check_workload_envoys(ctx);
}

fn check_mesh(ctx: &mut Ctx) {
    let spec = ctx.spec;
    for (key, noun, quota, count) in [
        (
            "virtual_nodes",
            "virtual nodes",
            "Virtual nodes per mesh",
            spec.virtual_nodes.len(),
        ),
        (
            "virtual_services",
            "virtual services",
            "Virtual services per mesh",
            spec.virtual_services.len(),
        ),
        (
            "virtual_routers",
            "virtual routers",
            "Virtual routers per mesh",
            spec.virtual_routers.len(),
        ),
    ] {
        if count > MAX_PER_MESH {
            ctx.warning(
                Code::TooManyResources,
                FieldPath::root().key(key),
                format!(
                    "the mesh has {count} {noun}, more than the default quota of {MAX_PER_MESH}"
                ),
            )
            .help = Some(format!(
                "ask AWS to raise the `{quota}` quota before deploying, or split the mesh"
            ));
        }
    }

    for (name, router) in &spec.virtual_routers {
        let n = router.routes.len();
        if n > MAX_ROUTES_PER_ROUTER {
            ctx.warning(
                Code::TooManyRoutes,
                router_path(name).key("routes"),
                format!(
                    "virtual router `{name}` has {n} routes, more than the default quota of {MAX_ROUTES_PER_ROUTER}"
                ),
            )
            .help = Some(
                "ask AWS to raise the `Routes per virtual router` quota, or spread the routes over several routers"
                    .into(),
            );
        }
    }

    for (name, node) in &spec.virtual_nodes {
        let n = node.backends.len();
        if n > MAX_BACKENDS_PER_NODE {
            // A target may refuse this outright (Terraform does): its error supersedes this warning.
            ctx.warning(
                Code::TooManyBackends,
                crate::spec::paths::node_path(name).key("backends"),
                too_many_backends_message(name, n),
            )
            .help = Some(
                "ask AWS to raise the `Backends per virtual node` quota before deploying, or split the node"
                    .into(),
            );
        }
    }

    for (name, gw) in &spec.virtual_gateways {
        let n = gw.routes.len();
        if n > MAX_ROUTES_PER_GATEWAY {
            ctx.warning(
                Code::TooManyGatewayRoutes,
                gateway_path(name).key("routes"),
                format!(
                    "virtual gateway `{name}` has {n} gateway routes, more than the default quota of {MAX_ROUTES_PER_GATEWAY}"
                ),
            )
            .help = Some(
                "ask AWS to raise the `Gateway routes per virtual gateway` quota, or spread the routes over several gateways"
                    .into(),
            );
        }
    }
}

/// The one wording of the backends quota; the Terraform target's error for the provider's cap
/// says the same.
pub(crate) fn too_many_backends_message(name: &str, n: usize) -> String {
    format!(
        "virtual node `{name}` has {n} backends, more than the {MAX_BACKENDS_PER_NODE} of the default quota"
    )
}

fn too_many_envoys(ctx: &mut Ctx, code: Code, path: FieldPath, msg: String, lower: &str) {
    ctx.warning(code, path, msg).help = Some(format!(
        "lower {lower} to {MAX_ENVOYS_PER_NODE} or less, or ask AWS to raise the `Connected Envoy processes per virtual node` quota before deploying"
    ));
}

fn check_envoy_quota(ctx: &mut Ctx, af: &Airflow) {
    let workers = airflow_path().key("workers");
    let components_path = || airflow_path().key("components");
    match af.runs_tasks_in() {
        runner @ (TaskRunner::EcsTaskDefinition | TaskRunner::Pods) => {
            let each = if runner == TaskRunner::Pods {
                "a pod"
            } else {
                "an ECS task"
            };
            let set = af.workers.as_ref().and_then(|w| w.parallelism);
            let n = af.parallelism();
            if n > MAX_ENVOYS_PER_NODE || set == Some(0) {
                let how_many = if n == 0 {
                    "`parallelism: 0` lets any number of Airflow tasks run at once".to_string()
                } else {
                    format!("up to {n} Airflow tasks can run at once")
                };
                too_many_envoys(
                    ctx,
                    Code::AirflowTooManyEnvoys,
                    workers.key("parallelism"),
                    format!(
                        "{how_many}, each {each} whose Envoy connects as the `{}` virtual node, more than the {MAX_ENVOYS_PER_NODE} Envoys per virtual node App Mesh allows by default",
                        names::WORKER_NODE
                    ),
                    "`workers.parallelism`",
                );
            }
        }
        TaskRunner::CeleryWorkers => {
            let n = af
                .workers
                .as_ref()
                .and_then(|w| w.desired_count)
                .unwrap_or(1);
            if n > MAX_ENVOYS_PER_NODE {
                too_many_envoys(
                    ctx,
                    Code::AirflowTooManyEnvoys,
                    workers.key("desired_count"),
                    format!(
                        "{n} Celery worker tasks connect their Envoys as the `{}` virtual node, more than the {MAX_ENVOYS_PER_NODE} Envoys per virtual node App Mesh allows by default",
                        names::WORKER_NODE
                    ),
                    "`workers.desired_count`",
                );
            }
        }
        TaskRunner::Scheduler => {}
    }
    for (key, label, size) in [
        ("api_server", "API server", &af.components.api_server),
        ("webserver", "webserver", &af.components.webserver),
    ] {
        if let Some(n) = size.as_ref().and_then(|s| s.desired_count) {
            if n > MAX_ENVOYS_PER_NODE {
                too_many_envoys(
                    ctx,
                    Code::AirflowTooManyEnvoys,
                    components_path().key(key).key("desired_count"),
                    format!(
                        "{n} {label} tasks connect their Envoys as the `{}` virtual node, more than the {MAX_ENVOYS_PER_NODE} Envoys per virtual node App Mesh allows by default",
                        names::API_NODE
                    ),
                    "`desired_count`",
                );
            }
        }
    }
}

fn check_workload_envoys(ctx: &mut Ctx) {
    let spec = ctx.spec;
    for (name, w) in &spec.workloads {
        let path = workload_path(name);
        if let Some(n) = w.desired_count {
            if n > MAX_ENVOYS_PER_NODE {
                too_many_envoys(
                    ctx,
                    Code::WorkloadTooManyEnvoys,
                    path.key("desired_count"),
                    format!(
                        "{n} tasks of workload `{name}` connect their Envoys as one virtual node, more than the {MAX_ENVOYS_PER_NODE} Envoys per virtual node App Mesh allows by default"
                    ),
                    "`desired_count`",
                );
            }
        }
    }
}
