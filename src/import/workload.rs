//! ECS services whose task definition carries an App Mesh proxy configuration → `workloads:`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::build::B;
use super::emit::M;
use super::model::{as_reference, ImportError, Resource};

pub struct Found<'r> {
    pub node: String,
    pub body: M,
    pub task_definition: &'r Resource,
}

/// The virtual node an Envoy's `APPMESH_RESOURCE_ARN` (or the older
/// `APPMESH_VIRTUAL_NODE_NAME`) names: a reference to a node of the files, an ARN, or
/// `mesh/<mesh>/virtualNode/<name>`.
fn node_of(v: &Value, node_ids: &BTreeMap<&str, &str>, mesh: &str) -> Option<String> {
    if let Some((id, _)) = as_reference(v) {
        return node_ids.get(id).map(|n| (*n).to_owned());
    }
    let s = v.as_str()?;
    let (m, rest) = s.split_once("mesh/")?.1.split_once('/')?;
    let name = rest.strip_prefix("virtualNode/")?;
    (m == mesh && !name.is_empty()).then(|| name.to_owned())
}

fn env<'v>(container: &'v Value, name: &str) -> Option<&'v Value> {
    container
        .get("Environment")?
        .as_array()?
        .iter()
        .find(|e| e.get("Name").and_then(Value::as_str) == Some(name))?
        .get("Value")
}

pub fn workload<'r>(
    svc: &Resource,
    resources: &'r [Resource],
    node_ids: &BTreeMap<&str, &str>,
    mesh: &str,
    errors: &mut Vec<ImportError>,
) -> Option<Found<'r>> {
    let (td_id, _) = as_reference(svc.props.get("TaskDefinition")?)?;
    let td = resources
        .iter()
        .filter(|r| r.ty == "AWS::ECS::TaskDefinition" && r.id == td_id)
        .min_by_key(|r| r.file != svc.file)?;
    let proxy = td.props.get("ProxyConfiguration")?;
    if proxy
        .get("Type")
        .and_then(Value::as_str)
        .is_some_and(|t| t != "APPMESH")
    {
        return None;
    }
    let envoy_name = proxy.get("ContainerName")?.as_str()?;
    let containers = td.props.get("ContainerDefinitions")?.as_array()?;
    let envoy = containers
        .iter()
        .find(|c| c.get("Name").and_then(Value::as_str) == Some(envoy_name))?;
    let node = env(envoy, "APPMESH_RESOURCE_ARN")
        .or_else(|| env(envoy, "APPMESH_VIRTUAL_NODE_NAME"))
        .and_then(|v| node_of(v, node_ids, mesh))?;
    // The application: the first essential container that is not a sidecar meshsynth adds.
    let is_sidecar = |c: &Value| {
        let name = c.get("Name").and_then(Value::as_str).unwrap_or_default();
        let image = c.get("Image").and_then(Value::as_str).unwrap_or_default();
        name == envoy_name
            || ["xray", "otel", "cloudwatch-agent", "collector"]
                .iter()
                .any(|s| name.contains(s))
            || [
                "aws-appmesh-envoy",
                "aws-xray-daemon",
                "aws-otel-collector",
                "cloudwatch-agent",
            ]
            .iter()
            .any(|s| image.contains(s))
    };
    let app = containers
        .iter()
        .filter(|c| !is_sidecar(c))
        .find(|c| c.get("Essential").and_then(Value::as_bool).unwrap_or(true))?;
    // From here the service runs a node: what the workload needs must be known.
    let i = containers
        .iter()
        .position(|c| std::ptr::eq(c, app))
        .unwrap_or(0);
    let mut b = B { res: td, errors };
    let image = b.str(
        app.get("Image"),
        &format!("ContainerDefinitions[{i}].Image"),
    )?;
    let (cpu_prop, memory_prop) = match (td.props.get("Cpu"), td.props.get("Memory")) {
        (Some(_), Some(_)) => ("Cpu".to_owned(), "Memory".to_owned()),
        _ => (
            format!("ContainerDefinitions[{i}].Cpu"),
            format!("ContainerDefinitions[{i}].Memory"),
        ),
    };
    let value = |p: &str| -> Option<&Value> {
        if p.contains('[') {
            app.get(p.rsplit('.').next().unwrap_or_default())
        } else {
            td.props.get(p)
        }
    };
    let cpu = b.int(value(&cpu_prop), &cpu_prop);
    let memory = b.int(value(&memory_prop), &memory_prop);
    if cpu.is_none() && value(&cpu_prop).is_none() {
        b.err(
            "",
            format!(
                "task definition `{}` runs virtual node `{node}` but sets no CPU",
                td.id
            ),
            Some("set the task definition's `Cpu` (Fargate needs it anyway)".into()),
        );
    }
    if memory.is_none() && value(&memory_prop).is_none() {
        b.err(
            "",
            format!(
                "task definition `{}` runs virtual node `{node}` but sets no memory",
                td.id
            ),
            Some("set the task definition's `Memory`".into()),
        );
    }
    let (cpu, memory) = (cpu?, memory?);
    let desired = B {
        res: svc,
        errors: b.errors,
    }
    .int(svc.props.get("DesiredCount"), "DesiredCount")
    .filter(|d| *d != 1);
    let mut environment = M::new();
    for e in app
        .get("Environment")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(k), Some(v)) = (
            e.get("Name").and_then(Value::as_str),
            e.get("Value").and_then(Value::as_str),
        ) {
            environment = environment.set(k, v);
        }
    }
    let body = M::new()
        .set("image", image)
        .set("cpu", cpu)
        .set("memory", memory)
        .opt("desired_count", desired)
        .nonempty("environment", environment);
    Some(Found {
        node,
        body,
        task_definition: td,
    })
}
