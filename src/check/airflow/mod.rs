//! The `airflow:` section: versions and components, images, secrets, references into the mesh,
//! the names meshsynth generates, and settings the executor ignores. What ECS makes of it (task
//! sizes, cluster) is `check/ecs`; what App Mesh makes of it (egress, Envoy quotas) is
//! `check/appmesh`.

mod deploy;
mod names;
mod references;
mod secrets;

use super::common::shown;
use super::Ctx;
use crate::check::images::check_image;
use crate::diagnostic::{Code, FieldPath};
use crate::spec::paths::airflow_path;
use crate::spec::{Airflow, Executor, Major};

pub(crate) fn check(ctx: &mut Ctx) {
    let spec = ctx.spec;
    if let Some(af) = &spec.airflow {
        check_airflow(ctx, af);
    }
}

fn check_airflow(ctx: &mut Ctx, af: &Airflow) {
    let major = check_version(ctx, af);
    check_image(
        ctx,
        &airflow_path().key("image"),
        "the Airflow image",
        &af.image,
        false,
    );
    if major.is_some() {
        check_image_version(ctx, af);
    }
    check_components(ctx, af, major);
    secrets::check(ctx, af, major);
    deploy::check(ctx, af, major);
    references::check(ctx, af);
    names::check(ctx, af);
    check_unused_settings(ctx, af);
}

fn check_version(ctx: &mut Ctx, af: &Airflow) -> Option<Major> {
    if let Some(m) = af.major() {
        return Some(m);
    }
    let msg = match af.parsed_version().map(|v| v.major) {
        Some(m) => format!(
            "version `{}` is Airflow {m}.x, which meshsynth does not support",
            shown(&af.version)
        ),
        None => format!(
            "version `{}` is not an Airflow `MAJOR.MINOR` version",
            shown(&af.version)
        ),
    };
    ctx.error(Code::AirflowUnsupportedVersion, airflow_path().key("version"), msg)
        .help = Some(
        "write the Airflow version the image runs as a quoted string, 2.x or 3.x: `version: \"3.1\"`"
            .into(),
    );
    None
}

/// The official image's tag should carry the same major.minor as `version`.
fn check_image_version(ctx: &mut Ctx, af: &Airflow) {
    let Some(version) = af.parsed_version() else {
        return;
    };
    let repo = match af.image.rsplit_once(':') {
        Some((r, _)) => r,
        None => return,
    };
    let repo = repo
        .trim_start_matches("docker.io/")
        .trim_start_matches("index.docker.io/");
    if repo != "apache/airflow" {
        return;
    }
    let crate::check::images::Pin::Tag(tag) = crate::check::images::image_pin(&af.image) else {
        return;
    };
    let tag = tag.trim_start_matches("slim-");
    let numbers = tag.split('-').next().unwrap_or("");
    let mut parts = numbers.split('.');
    let (Some(Ok(tmaj)), Some(Ok(tmin))) = (
        parts.next().map(str::parse::<u32>),
        parts.next().map(str::parse::<u32>),
    ) else {
        return;
    };
    if (tmaj, tmin) != (version.major, version.minor) {
        ctx.warning(
            Code::AirflowVersionMismatch,
            airflow_path().key("version"),
            format!(
                "`version` says `{}` but the image `{}` runs Airflow {tmaj}.{tmin}",
                shown(&af.version),
                shown(&af.image)
            ),
        )
        .help = Some(format!(
            "set `version: \"{tmaj}.{tmin}\"`, or use an `apache/airflow:{}.{}.x` image: meshsynth picks components and settings by `version`",
            version.major, version.minor
        ));
    }
}

pub(crate) fn components_path() -> FieldPath {
    airflow_path().key("components")
}

fn check_components(ctx: &mut Ctx, af: &Airflow, major: Option<Major>) {
    let c = &af.components;
    if c.scheduler.is_none() {
        let empty = c.api_server.is_none()
            && c.webserver.is_none()
            && c.dag_processor.is_none()
            && c.triggerer.is_none();
        let msg = if empty {
            "`components` is empty; Airflow needs at least a scheduler"
        } else {
            "`components` has no `scheduler`; Airflow needs at least a scheduler"
        };
        ctx.error(Code::AirflowMissingComponent, components_path(), msg)
            .help = Some(
            "add `scheduler: { cpu: 1024, memory: 2048 }` under `airflow.components`: the scheduler queues every Airflow task"
                .into(),
        );
    }
    match major {
        Some(Major::V3) => {
            if c.dag_processor.is_none() {
                ctx.error(
                    Code::AirflowMissingComponent,
                    components_path(),
                    "`components` has no `dag_processor`, which Airflow 3.x needs: only the dag processor parses DAGs",
                )
                .help = Some(
                    "add `dag_processor: { cpu: 512, memory: 1024 }` under `airflow.components`".into(),
                );
            }
            if c.webserver.is_some() {
                ctx.error(
                    Code::AirflowV2Only,
                    components_path().key("webserver"),
                    "`webserver` is an Airflow 2.x component; Airflow 3.x replaced it with the API server",
                )
                .help = Some(
                    "rename `webserver` to `api_server` (it serves the UI, the REST API and the Execution API tasks call)"
                        .into(),
                );
            } else if c.api_server.is_none() {
                ctx.error(
                    Code::AirflowMissingComponent,
                    components_path(),
                    "`components` has no `api_server`, which Airflow 3.x needs: tasks reach the metadata database only through its Execution API",
                )
                .help = Some(
                    "add `api_server: { cpu: 1024, memory: 2048 }` under `airflow.components`; meshsynth puts it in the mesh as a backend of every task"
                        .into(),
                );
            }
        }
        Some(Major::V2) if c.api_server.is_some() => {
            ctx.error(
                Code::AirflowV3Only,
                components_path().key("api_server"),
                "`api_server` is an Airflow 3.x component; Airflow 2.x serves the UI from the webserver",
            )
            .help = Some(
                "rename `api_server` to `webserver`, or set `version` to a 3.x release".into(),
            );
        }
        Some(Major::V2) | None => {}
    }
}

fn check_unused_settings(ctx: &mut Ctx, af: &Airflow) {
    let Some(w) = &af.workers else { return };
    let path = airflow_path().key("workers");
    let mut unused: Vec<(&str, &str)> = Vec::new();
    match af.executor {
        Executor::Local => {
            if w.cpu.is_some() {
                unused.push(("cpu", "the local executor runs tasks inside the scheduler, which `components.scheduler` sizes"));
            }
            if w.memory.is_some() {
                unused.push(("memory", "the local executor runs tasks inside the scheduler, which `components.scheduler` sizes"));
            }
            if w.desired_count.is_some() {
                unused.push((
                    "desired_count",
                    "only the Celery executor runs a service of workers",
                ));
            }
        }
        Executor::Ecs => {
            if w.desired_count.is_some() {
                unused.push(("desired_count", "the ECS executor starts one ECS task per Airflow task, bounded by `parallelism`"));
            }
        }
        Executor::Kubernetes => {
            if w.desired_count.is_some() {
                unused.push(("desired_count", "the Kubernetes executor starts one pod per Airflow task, bounded by `parallelism`"));
            }
        }
        Executor::Celery => {}
    }
    for (key, why) in unused {
        ctx.warning(
            Code::AirflowUnusedSetting,
            path.key(key),
            format!(
                "`workers.{key}` has no effect with the `{}` executor: {why}",
                executor_name(af.executor)
            ),
        )
        .help = Some(format!("remove `{key}` from `airflow.workers`"));
    }
}

pub(crate) fn executor_name(e: Executor) -> &'static str {
    match e {
        Executor::Ecs => "ecs",
        Executor::Kubernetes => "kubernetes",
        Executor::Celery => "celery",
        Executor::Local => "local",
    }
}

#[cfg(test)]
mod tests {
    const V3_ECS: &str = r#"
name: orders-pipeline
mesh: { name: orders-pipeline }
service_discovery: { cloud_map: { namespace: orders.internal } }
virtual_nodes:
  orders-v1:
    listeners: [{ port: 8080, protocol: http }]
    service_discovery: { cloud_map: { service: orders } }
virtual_services:
  orders.orders.internal: { node: orders-v1 }
airflow:
  version: "3.1"
  image: apache/airflow:3.1.3
  platform: ecs
  executor: ecs
  cluster: { create: true }
  secrets:
    database_url: { parameter: AirflowDatabaseSecretArn }
    fernet_key: { parameter: AirflowFernetKeySecretArn }
    admin_password: { parameter: AirflowAdminPasswordSecretArn }
    api_secret_key: { parameter: AirflowApiSecretArn }
    jwt_secret: { parameter: AirflowJwtSecretArn }
  components:
    api_server: { cpu: 1024, memory: 2048 }
    scheduler: { cpu: 1024, memory: 2048 }
    dag_processor: { cpu: 512, memory: 1024 }
    triggerer: { cpu: 512, memory: 1024 }
  workers: { cpu: 1024, memory: 2048, backends: [orders.orders.internal] }
  egress: { ignored_ports: [5432] }
"#;

    const V2_CELERY: &str = r#"
name: orders-pipeline
mesh: { name: orders-pipeline }
service_discovery: { cloud_map: { namespace: orders.internal } }
virtual_nodes:
  orders-v1:
    listeners: [{ port: 8080, protocol: http }]
    service_discovery: { cloud_map: { service: orders } }
virtual_services:
  orders.orders.internal: { node: orders-v1 }
airflow:
  version: "2.10"
  image: apache/airflow:2.10.5
  platform: ecs
  executor: celery
  cluster: { name: data-platform }
  secrets:
    database_url: { arn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:airflow/db-AbCdEf:url::" }
    fernet_key: { parameter: AirflowFernetKeySecretArn }
    admin_password: { parameter: AirflowAdminPasswordSecretArn }
    api_secret_key: { parameter: AirflowApiSecretArn }
    broker_url: { arn: "arn:aws:ssm:us-east-1:111122223333:parameter/airflow/broker" }
  components:
    webserver: { cpu: 1024, memory: 2048, desired_count: 2 }
    scheduler: {}
    triggerer: {}
  workers: { cpu: 2048, memory: 4096, backends: [orders.orders.internal], desired_count: 3 }
  egress: { ignored_ports: [5432, 6379] }
  connections:
    orders_api: { virtual_service: orders.orders.internal, port: 8080 }
  tasks:
    ingest_orders:
      image: 111122223333.dkr.ecr.us-east-1.amazonaws.com/ingest:2.0.0
      command: [python, -m, ingest]
      backends: [orders.orders.internal]
      cpu: 512
      memory: 1024
workloads:
  orders-v1: { image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/orders@sha256:0123456789abcdef", cpu: 256, memory: 512, desired_count: 2 }
"#;

    fn diagnostics(text: &str) -> Vec<String> {
        let loaded = crate::spec::load::load(text);
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        let (diags, plan) = crate::synth::check(text, &crate::targets::iac());
        assert_eq!(plan.is_some(), !diags.has_errors());
        diags
            .iter()
            .map(|d| format!("{} at {}: {}", d.code, d.path, d.message))
            .collect()
    }

    #[test]
    fn minimal_airflow_3_ecs_spec_is_clean() {
        assert_eq!(diagnostics(V3_ECS), Vec::<String>::new());
    }

    #[test]
    fn airflow_2_celery_spec_is_clean() {
        assert_eq!(diagnostics(V2_CELERY), Vec::<String>::new());
    }
}
