//! What Amazon ECS, Fargate, IAM and CloudWatch Logs accept of the tasks meshsynth generates:
//! task sizes, the cluster and capacity provider, role names, log retention, and `workloads:`.

mod cluster;
pub(crate) mod iam;
mod sizes;
mod workloads;

use super::Ctx;

pub(crate) fn check(ctx: &mut Ctx) {
    let spec = ctx.spec;
    if let Some(af) = spec.airflow.as_ref().filter(|a| a.on_eks().is_none()) {
        sizes::check_amounts(ctx, af);
        cluster::check_cluster(ctx, af);
        cluster::check_capacity_provider(ctx, af);
        cluster::check_log_retention(ctx, af);
        sizes::check_airflow(ctx, af);
    }
    workloads::check(ctx);
}
