//! The ECS cluster, its capacity provider, and the CloudWatch log retention of the tasks.

use crate::check::common::{or_list, shown};
use crate::check::Ctx;
use crate::diagnostic::Code;
use crate::spec::paths::airflow_path;
use crate::spec::{Airflow, LaunchType};

/// Retention periods CloudWatch Logs accepts, in days.
const LOG_RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Fargate providers go with Fargate task definitions, Auto Scaling group providers with EC2 ones.
pub(crate) fn check_capacity_provider(ctx: &mut Ctx, af: &Airflow) {
    let Some(cp) = af.capacity_provider.as_deref() else {
        return;
    };
    let path = airflow_path().key("capacity_provider");
    let fargate_provider = matches!(cp, "FARGATE" | "FARGATE_SPOT");
    let fargate = af.launch_type() == LaunchType::Fargate;
    if cp.is_empty()
        || cp.len() > 255
        || !cp
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        ctx.error(
            Code::AirflowCapacityProvider,
            path,
            format!("capacity provider `{}` is not a capacity provider name", shown(cp)),
        )
        .help = Some("use `FARGATE`, `FARGATE_SPOT`, or the name of an EC2 capacity provider (letters, digits, `-`, `_`)".into());
    } else if fargate && !fargate_provider {
        ctx.error(
            Code::AirflowCapacityProvider,
            path,
            format!("capacity provider `{cp}` is not a Fargate provider, but the task definitions are built for Fargate"),
        )
        .help = Some("set `launch_type: ec2` for an Auto Scaling group capacity provider, or use `FARGATE` / `FARGATE_SPOT`".into());
    } else if !fargate && fargate_provider {
        ctx.error(
            Code::AirflowCapacityProvider,
            path,
            format!("capacity provider `{cp}` runs Fargate tasks, but `launch_type` is `ec2`"),
        )
        .help = Some("remove `launch_type: ec2`, or name an EC2 capacity provider".into());
    }
}

pub(crate) fn check_cluster(ctx: &mut Ctx, af: &Airflow) {
    let path = airflow_path().key("cluster");
    let c = &af.cluster;
    match (c.create, &c.name) {
        (Some(true), Some(_)) => {
            ctx.error(
                Code::AirflowInvalidCluster,
                path.key("name"),
                "`cluster` sets both `create: true` and `name`",
            )
            .help = Some(
                "keep `create: true` to have meshsynth create the cluster, or `name` to use an existing one"
                    .into(),
            );
        }
        (Some(true), None) => {}
        (_, None) => {
            let msg = if c.create == Some(false) {
                "`cluster` has `create: false` but no `name` of an existing cluster"
            } else {
                "`cluster` sets neither `create: true` nor `name`"
            };
            ctx.error(Code::AirflowInvalidCluster, path, msg).help = Some(
                "write `cluster: { create: true }`, or `cluster: { name: <existing cluster> }`"
                    .into(),
            );
        }
        (_, Some(name)) => {
            let ok = !name.is_empty()
                && name.len() <= 255
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok {
                ctx.error(
                    Code::AirflowInvalidCluster,
                    path.key("name"),
                    format!("cluster name `{}` is not an ECS cluster name", shown(name)),
                )
                .help = Some("use 1–255 letters, digits, `-` and `_`".into());
            }
        }
    }
}

pub(crate) fn check_log_retention(ctx: &mut Ctx, af: &Airflow) {
    if let Some(days) = af.log_retention_days {
        if !LOG_RETENTION_DAYS.contains(&days) {
            let below = LOG_RETENTION_DAYS.iter().rev().find(|d| **d < days);
            let above = LOG_RETENTION_DAYS.iter().find(|d| **d > days);
            let near: Vec<String> = below.into_iter().chain(above).map(u32::to_string).collect();
            ctx.error(
                Code::AirflowInvalidLogRetention,
                airflow_path().key("log_retention_days"),
                format!("`log_retention_days: {days}` is not a retention CloudWatch Logs accepts"),
            )
            .help = Some(format!(
                "use a retention CloudWatch accepts, such as {} (the full list: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)",
                or_list(&near)
            ));
        }
    }
}
