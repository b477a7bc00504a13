//! The names meshsynth generates for the Airflow side (nodes, services, Cloud Map services,
//! environment variables) do not collide with each other or with the spec's own.

use std::collections::BTreeMap;

use super::components_path;
use crate::check::Ctx;
use crate::diagnostic::Code;
use crate::spec::airflow_names as names;
use crate::spec::paths::{airflow_path, node_path, service_path};
use crate::spec::Airflow;

pub(super) fn check(ctx: &mut Ctx, af: &Airflow) {
    let spec = ctx.spec;
    let ns = spec.namespace().map(|n| n.namespace.as_str());
    let api = af.has_api();

    if api && ns.is_none() && af.platform != crate::spec::AirflowPlatform::Eks {
        let (key, label) = if af.components.api_server.is_some() {
            ("api_server", "API server")
        } else {
            ("webserver", "webserver")
        };
        ctx.error(
            Code::AirflowMissingNamespace,
            components_path().key(key),
            format!(
                "the {label} joins the mesh through Cloud Map, but the spec creates no Cloud Map namespace"
            ),
        )
        .help = Some(format!(
            "add `service_discovery: {{ cloud_map: {{ namespace: {}.internal }} }}` at the top level; meshsynth registers the {label} there as `{}`",
            spec.name,
            names::API_CLOUD_MAP_SERVICE
        ));
    }

    // DAG tasks whose node names collide with each other.
    let mut task_nodes: BTreeMap<String, &str> = BTreeMap::new();
    for name in af.tasks.keys() {
        let node = names::task_node(name);
        if let Some(other) = task_nodes.get(&node) {
            ctx.error(
                Code::AirflowNameCollision,
                airflow_path().key("tasks").key(name),
                format!("DAG tasks `{other}` and `{name}` both get the virtual node `{node}`"),
            )
            .help = Some("rename one of them: `_` becomes `-` in node and family names".into());
        } else {
            task_nodes.insert(node, name);
        }
    }
    // Connection ids that give the same environment variable.
    let mut conn_vars: BTreeMap<String, &str> = BTreeMap::new();
    for id in af.connections.keys() {
        let var = names::connection_env(id);
        if let Some(other) = conn_vars.get(&var) {
            ctx.error(
                Code::AirflowNameCollision,
                airflow_path().key("connections").key(id),
                format!(
                    "connections `{other}` and `{id}` both become the environment variable `{var}`"
                ),
            )
            .help = Some(
                "rename one of them: Airflow upper-cases connection ids in environment variables"
                    .into(),
            );
        } else {
            conn_vars.insert(var, id);
        }
    }

    for (name, node) in &spec.virtual_nodes {
        let generated = if name == names::WORKER_NODE {
            Some(format!(
                "virtual node `{name}` collides with the node meshsynth generates for the containers that run Airflow tasks"
            ))
        } else if name == names::API_NODE {
            Some(format!(
                "virtual node `{name}` collides with the node meshsynth generates for the Airflow API server / webserver"
            ))
        } else if let Some(task) = task_nodes.get(name) {
            Some(format!(
                "virtual node `{name}` collides with the node meshsynth generates for DAG task `{task}`"
            ))
        } else if name.starts_with("airflow-task-") {
            Some(format!(
                "virtual node `{name}` uses the `airflow-task-` prefix meshsynth reserves for the nodes of DAG tasks"
            ))
        } else {
            None
        };
        if let Some(msg) = generated {
            let help = "rename this virtual node (and its references): with an `airflow` section, meshsynth reserves `airflow-worker`, `airflow-api-server` and `airflow-task-*`";
            ctx.error(Code::AirflowNameCollision, node_path(name), msg)
                .help = Some(help.into());
        }
        if api {
            if let Some(cm) = node
                .service_discovery
                .as_ref()
                .and_then(|s| s.cloud_map.as_ref())
            {
                if spec.in_own_namespace(cm) && cm.service == names::API_CLOUD_MAP_SERVICE {
                    ctx.error(
                        Code::AirflowNameCollision,
                        node_path(name).key("service_discovery").key("cloud_map").key("service"),
                        format!(
                            "virtual node `{name}` uses the Cloud Map service `{}`, which meshsynth creates for the Airflow API server",
                            names::API_CLOUD_MAP_SERVICE
                        ),
                    )
                    .help = Some("give this node another Cloud Map service name".into());
                }
            }
        }
    }
    if let Some(api_service) = crate::check::generated::services(spec).into_iter().next() {
        if spec.virtual_services.contains_key(&api_service) {
            ctx.error(
                Code::AirflowNameCollision,
                service_path(&api_service),
                format!(
                    "virtual service `{api_service}` collides with the service meshsynth generates for the Airflow API server"
                ),
            )
            .help = Some(format!(
                "remove it: meshsynth creates `{api_service}` itself, provided by the `{}` node",
                names::API_NODE
            ));
        }
    }
}
