//! Airflow's references into the mesh: worker and DAG-task backends, and connections to a
//! virtual service's provider port.

use crate::check::common::{check_port, ports_list, shown};
use crate::check::ecs::iam::check_role_name;
use crate::check::images::check_image;
use crate::check::Ctx;
use crate::diagnostic::{did_you_mean, Code, FieldPath};
use crate::spec::paths::airflow_path;
use crate::spec::{Airflow, ConnType, Protocol, ProviderListeners};

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn check_backends(ctx: &mut Ctx, path: FieldPath, backends: &[String]) {
    let spec = ctx.spec;
    let services: Vec<&str> = spec.virtual_services.keys().map(String::as_str).collect();
    for (i, b) in backends.iter().enumerate() {
        if !spec.virtual_services.contains_key(b) {
            ctx.error(
                Code::AirflowUnknownVirtualService,
                path.index(i),
                format!(
                    "backend `{}` is not a virtual service of this spec",
                    shown(b)
                ),
            )
            .help = Some(
                did_you_mean(b, services.iter().copied()).unwrap_or_else(|| {
                    "add it under `virtual_services` (a service without a provider is `{}`)".into()
                }),
            );
        }
    }
}

pub(super) fn check(ctx: &mut Ctx, af: &Airflow) {
    let spec = ctx.spec;
    let worker_backends: Vec<String> = af
        .workers
        .as_ref()
        .map(|w| w.backends.clone())
        .unwrap_or_default();
    check_backends(
        ctx,
        airflow_path().key("workers").key("backends"),
        &worker_backends,
    );

    for (name, task) in &af.tasks {
        let path = airflow_path().key("tasks").key(name);
        if !valid_id(name) {
            ctx.error(
                Code::AirflowInvalidId,
                path.clone(),
                format!("DAG task name `{}` has characters other than letters, digits, `_` and `-`", shown(name)),
            )
            .help = Some(
                "rename it with letters, digits, `_` and `-` only: it becomes the virtual node `airflow-task-<name>` and the task definition family"
                    .into(),
            );
        }
        check_image(
            ctx,
            &path.key("image"),
            &format!("DAG task `{name}`'s image"),
            &task.image,
            false,
        );
        let role = format!("{}-task-{name}", spec.name);
        check_role_name(
            ctx,
            Code::AirflowNameTooLong,
            path.clone(),
            &format!("DAG task `{name}`"),
            &role,
        );
        check_backends(ctx, path.key("backends"), &task.backends);
    }

    for (id, conn) in &af.connections {
        let path = airflow_path().key("connections").key(id);
        // Airflow looks the connection up as `AIRFLOW_CONN_` + the id in upper case, and an
        // environment variable name cannot hold `-`.
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            ctx.error(
                Code::AirflowInvalidId,
                path.clone(),
                format!(
                    "connection id `{}` has characters other than letters, digits and `_`",
                    shown(id)
                ),
            )
            .help = Some(format!(
                "rename it to `{}`: Airflow reads it from the environment variable `AIRFLOW_CONN_<ID>`, and an environment variable name holds only letters, digits and `_`",
                id.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
            ));
        }
        let vs = &conn.virtual_service;
        let vs_path = path.key("virtual_service");
        if !spec.virtual_services.contains_key(vs) {
            let services: Vec<&str> = spec.virtual_services.keys().map(String::as_str).collect();
            ctx.error(
                Code::AirflowUnknownVirtualService,
                vs_path,
                format!(
                    "connection `{id}` points at `{}`, which is not a virtual service of this spec",
                    shown(vs)
                ),
            )
            .help = Some(
                did_you_mean(vs, services.iter().copied())
                    .unwrap_or_else(|| "add it under `virtual_services`".into()),
            );
            check_port(ctx, path.key("port"), conn.port);
            continue;
        }
        check_port(ctx, path.key("port"), conn.port);
        match spec.provider_listeners(vs) {
            ProviderListeners::Nothing => {
                ctx.warning(
                    Code::AirflowConnectionWithoutProvider,
                    vs_path.clone(),
                    format!(
                        "connection `{id}` points at `{vs}`, a virtual service without a provider, so calls to it fail"
                    ),
                )
                .help = Some(format!(
                    "give `{vs}` a provider (`router` or `node` under `virtual_services`), or point the connection at a served service"
                ));
            }
            ProviderListeners::Listeners(owner, listeners)
                if (1..=65535).contains(&conn.port)
                    && !listeners.iter().any(|(p, _)| *p == conn.port) =>
            {
                let help = match listeners.as_slice() {
                    [] => format!("add a listener on port `{}` to {owner}", conn.port),
                    [(only, _)] => format!("use its listener port `{only}`"),
                    _ => format!("use one of its listener ports: {}", ports_list(&listeners)),
                };
                ctx.error(
                    Code::AirflowUnknownConnectionPort,
                    path.key("port"),
                    format!(
                        "connection `{id}` uses port `{}`, but {owner}, the provider of `{vs}`, has no listener on it",
                        conn.port
                    ),
                )
                .help = Some(help);
            }
            ProviderListeners::Listeners(owner, listeners) => {
                let proto = listeners
                    .iter()
                    .find(|(p, _)| *p == conn.port)
                    .map(|(_, proto)| *proto);
                let conn_type = conn.conn_type(spec);
                let clash = match (conn_type, proto) {
                    (ConnType::Grpc, Some(Protocol::Http)) => Some("gRPC needs HTTP/2"),
                    (ConnType::Http, Some(Protocol::Grpc)) => {
                        Some("HttpHook speaks HTTP/1.1 to a gRPC service")
                    }
                    _ => None,
                };
                if let (Some(why), Some(proto)) = (clash, proto) {
                    let other = match conn_type {
                        ConnType::Grpc => "http",
                        ConnType::Http => "grpc",
                    };
                    ctx.error(
                        Code::AirflowConnectionProtocol,
                        path.key("conn_type"),
                        format!(
                            "connection `{id}` is `{}`, but {owner} listens on port {} with `{}`: {why}",
                            conn_type.as_str(),
                            conn.port,
                            proto.as_str()
                        ),
                    )
                    .help = Some(format!(
                        "set `conn_type: {other}`, or point the connection at a `{}` listener",
                        conn_type.as_str()
                    ));
                }
            }
            ProviderListeners::Unknown => {}
        }
        if !worker_backends.contains(vs) {
            let mut list = worker_backends.clone();
            list.push(vs.clone());
            ctx.warning(
                Code::AirflowConnectionNotBackend,
                vs_path,
                format!(
                    "connection `{id}` points at `{vs}`, which is not in `workers.backends`, so Airflow tasks cannot call it through the mesh"
                ),
            )
            .help = Some(format!(
                "add it under `airflow.workers`: `backends: [{}]`",
                list.join(", ")
            ));
        }
    }
}
