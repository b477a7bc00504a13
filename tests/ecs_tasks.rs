//! What every generated ECS task definition promises about how its task ends, checked on the
//! committed out/: the outcome of a finished task is its application container's exit code.
//!
//! AwsEcsExecutor and EcsRunTaskOperator require exit code 0 from every container of the task.
//! The App Mesh Envoy image's agent exits 0 on SIGTERM after draining for
//! `LISTENER_DRAIN_WAIT_TIME_S` (which it resets to 20 outside 5..=110), so Envoy must keep its own
//! entry point and get a `StopTimeout` that covers the drain plus the agent's admin calls.
//!
//! Then, on fresh synthesis of the ECS examples, what `observability:` adds on App Mesh: the
//! collector beside Envoy in every meshed task, the permissions it writes with, and the JSON access
//! logs of every node and gateway.

use serde_json::Value;

use meshsynth::spec::MeshBackend;
use meshsynth::synth::{synthesize_with, Options};
use meshsynth::targets;

fn templates() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("out").unwrap().flatten() {
        let p = e.path().join("cloudformation/template.json");
        if let Ok(text) = std::fs::read_to_string(&p) {
            out.push((
                p.display().to_string(),
                serde_json::from_str(&text).unwrap(),
            ));
        }
    }
    assert!(out.len() >= 6, "expected every example under out/");
    out
}

fn task_definitions(t: &Value) -> Vec<(&String, &Vec<Value>)> {
    t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::ECS::TaskDefinition")
        .map(|(id, r)| {
            (
                id,
                r["Properties"]["ContainerDefinitions"].as_array().unwrap(),
            )
        })
        .collect()
}

fn env<'a>(c: &'a Value, name: &str) -> Option<&'a Value> {
    c["Environment"]
        .as_array()?
        .iter()
        .find(|kv| kv["Name"] == name)
        .map(|kv| &kv["Value"])
}

#[test]
fn envoy_exits_zero_when_its_task_stops() {
    let mut envoys = 0;
    for (file, t) in templates() {
        for (id, containers) in task_definitions(&t) {
            for c in containers.iter().filter(|c| c["Name"] == "envoy") {
                envoys += 1;
                let at = format!("{file}: {id}");
                assert_eq!(c["Essential"], true, "{at}");
                assert!(
                    c.get("EntryPoint").is_none() && c.get("Command").is_none(),
                    "{at}: Envoy's agent must stay PID 1 to drain and exit 0"
                );
                let drain: u64 = env(c, "LISTENER_DRAIN_WAIT_TIME_S")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| panic!("{at}: no LISTENER_DRAIN_WAIT_TIME_S"));
                assert!((5..=110).contains(&drain), "{at}: drain {drain}");
                let stop = c["StopTimeout"].as_u64().unwrap();
                assert!(
                    stop >= drain + 5 && stop <= 120,
                    "{at}: stop {stop} drain {drain}"
                );
            }
        }
    }
    assert!(envoys >= 10, "found only {envoys} Envoy containers");
}

/// The application is the first container, so EcsRunTaskOperator before amazon 9.4.0 (which
/// reads the first container's log) reads the right one; a container that runs to completion is
/// not essential, and what it prepares is awaited with `SUCCESS`.
#[test]
fn application_first_and_one_off_containers_awaited() {
    let mut migrations = 0;
    for (file, t) in templates() {
        for (id, containers) in task_definitions(&t) {
            let at = format!("{file}: {id}");
            assert_ne!(containers[0]["Name"], "envoy", "{at}");
            assert_eq!(containers[0]["Essential"], true, "{at}");
            for c in containers.iter().filter(|c| c["Essential"] == false) {
                let name = c["Name"].clone();
                if name == COLLECTOR {
                    // A sidecar, not a step: Envoy waits for it to start.
                    let envoy = container(containers, "envoy").expect("the collector's Envoy");
                    assert_eq!(envoy["DependsOn"][0]["ContainerName"], COLLECTOR, "{at}");
                    assert_eq!(envoy["DependsOn"][0]["Condition"], "START", "{at}");
                    continue;
                }
                let awaited = containers[0]["DependsOn"].as_array().is_some_and(|d| {
                    d.iter()
                        .any(|d| d["ContainerName"] == name && d["Condition"] == "SUCCESS")
                });
                assert!(awaited, "{at}: {name} is not awaited with SUCCESS");
                if name == "airflow-db-migrate" {
                    migrations += 1;
                    assert_eq!(id, "TaskDefinitionScheduler", "{at}");
                }
            }
        }
        // On EKS Airflow is the Helm chart's, not ECS tasks.
        if file.contains("airflow") && !file.contains("-eks") {
            assert_eq!(migrations, 1, "{file}: exactly one migration container");
            migrations = 0;
        }
    }
}

const COLLECTOR: &str = "otel-collector";

/// The ECS specs whose tasks the collector tests read: both Airflow generations on ECS, and
/// workloads without Airflow.
const ECS_SPECS: [&str; 3] = [
    "examples/airflow3-ecs.yaml",
    "examples/airflow2-celery.yaml",
    "tests/fixtures/valid/workloads-only.yaml",
];

/// The CloudFormation template of `file` on `backend`, its own `observability:` replaced by
/// `extra` (YAML keys; empty: the defaults).
fn fresh(file: &str, extra: &str, backend: MeshBackend) -> Value {
    let mut spec: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let m = spec.as_mapping_mut().unwrap();
    m.remove("observability");
    if !extra.is_empty() {
        let add: serde_yaml::Value = serde_yaml::from_str(extra).unwrap();
        for (k, v) in add.as_mapping().unwrap() {
            m.insert(k.clone(), v.clone());
        }
    }
    let text = serde_yaml::to_string(&spec).unwrap();
    let targets = [targets::CLOUDFORMATION];
    let mut opts = Options::new(file, &targets);
    let backends = [backend];
    opts.backends = Some(&backends);
    let s = synthesize_with(&text, &opts);
    let files = s
        .files
        .unwrap_or_else(|| panic!("{file}{extra}:\n{}", s.diagnostics.render_human(file)));
    let folder = match backend.folder() {
        Some(p) => format!("{p}/cloudformation"),
        None => "cloudformation".to_owned(),
    };
    serde_json::from_str(&files[&folder]["template.json"]).unwrap()
}

fn container<'a>(containers: &'a [Value], name: &str) -> Option<&'a Value> {
    containers.iter().find(|c| c["Name"] == name)
}

/// A CloudFormation string expression as text: `Fn::Join` flattened, `Ref`s as `${Name}`.
fn flat(v: &Value) -> String {
    if let Some(s) = v.as_str() {
        return s.to_owned();
    }
    if let Some(parts) = v["Fn::Join"][1].as_array() {
        return parts.iter().map(flat).collect();
    }
    if let Some(r) = v["Ref"].as_str() {
        return format!("${{{r}}}");
    }
    v.to_string()
}

/// The statements of the inline policy of the role a task definition runs as.
fn task_role_statements<'a>(t: &'a Value, td: &Value) -> Vec<&'a Value> {
    let role = td["Properties"]["TaskRoleArn"]["Fn::GetAtt"][0].clone();
    t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| {
            r["Type"] == "AWS::IAM::RolePolicy" && r["Properties"]["RoleName"]["Ref"] == role
        })
        .flat_map(|r| {
            r["Properties"]["PolicyDocument"]["Statement"]
                .as_array()
                .unwrap()
        })
        .collect()
}

fn allows(statements: &[&Value], action: &str) -> Vec<String> {
    statements
        .iter()
        .filter(|s| s["Action"].as_array().unwrap().iter().any(|a| a == action))
        .flat_map(|s| s["Resource"].as_array().unwrap().iter().map(flat))
        .collect()
}

/// The collector of every meshed task (one with Envoy): what it is, what it writes where, what
/// Envoy sends it and what the task role lets it do, on each `observability:` variant.
fn check_collectors(t: &Value, file: &str, tracing: bool) -> usize {
    let mesh = t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .find(|r| r["Type"] == "AWS::AppMesh::Mesh")
        .map(|r| r["Properties"]["MeshName"].as_str().unwrap().to_owned());
    let log_groups: Vec<(&String, &Value)> = t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Logs::LogGroup")
        .collect();
    let mut seen = 0;
    for (id, td) in t["Resources"].as_object().unwrap() {
        if td["Type"] != "AWS::ECS::TaskDefinition" {
            continue;
        }
        let at = format!("{file}: {id}");
        let containers = td["Properties"]["ContainerDefinitions"].as_array().unwrap();
        let Some(envoy) = container(containers, "envoy") else {
            assert!(
                container(containers, COLLECTOR).is_none(),
                "{at}: a collector without Envoy"
            );
            continue;
        };
        seen += 1;
        let c = container(containers, COLLECTOR).unwrap_or_else(|| panic!("{at}: no collector"));
        assert_eq!(
            containers.last().unwrap()["Name"],
            COLLECTOR,
            "{at}: the collector comes last"
        );
        assert_eq!(c["Essential"], false, "{at}");
        assert_eq!(
            c["User"], "1337",
            "{at}: the collector's calls must bypass Envoy"
        );
        assert_eq!(c["Image"]["Ref"], "CollectorImage", "{at}");
        assert!(c.get("PortMappings").is_none(), "{at}");
        assert_eq!(env(c, "AWS_REGION").unwrap()["Ref"], "AWS::Region", "{at}");
        let family = td["Properties"]["Family"].as_str().unwrap();
        assert!(
            c["LogConfiguration"]["Options"]["awslogs-stream-prefix"]
                .as_str()
                .unwrap()
                .ends_with("-otel-collector"),
            "{at}"
        );
        let config: Value =
            serde_json::from_str(env(c, "AOT_CONFIG_CONTENT").unwrap().as_str().unwrap())
                .unwrap_or_else(|e| panic!("{at}: the collector config is not JSON: {e}"));
        let emf = &config["exporters"]["awsemf"];
        let mesh = mesh.as_deref().unwrap_or_else(|| panic!("{file}: no mesh"));
        assert_eq!(emf["namespace"], format!("meshsynth/{mesh}"), "{at}");
        assert_eq!(emf["log_stream_name"], family, "{at}");
        let group = emf["log_group_name"].as_str().unwrap();
        let named: Vec<&&String> = log_groups
            .iter()
            .filter(|(_, r)| r["Properties"]["LogGroupName"] == group)
            .map(|(id, _)| id)
            .collect();
        assert_eq!(named.len(), 1, "{at}: no LogGroup resource named {group}");
        assert!(
            td["DependsOn"]
                .as_array()
                .is_some_and(|d| d.iter().any(|d| d == *named[0])),
            "{at}: the task definition must wait for the metrics log group"
        );
        assert_eq!(
            config["service"]["pipelines"].get("traces").is_some(),
            tracing,
            "{at}"
        );
        // Envoy reports to it, and it starts first.
        assert_eq!(
            envoy["DependsOn"],
            serde_json::json!([{ "ContainerName": COLLECTOR, "Condition": "START" }]),
            "{at}"
        );
        assert_eq!(
            env(envoy, "ENABLE_ENVOY_XRAY_TRACING").and_then(Value::as_str),
            tracing.then_some("1"),
            "{at}"
        );
        let statements = task_role_statements(t, td);
        let arn = format!(
            "arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{group}:*"
        );
        // The one statement naming the metrics log group lets the collector write exactly it.
        let on_group: Vec<&&Value> = statements
            .iter()
            .filter(|s| {
                s["Resource"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| flat(r).contains(&format!("log-group:{group}")))
            })
            .collect();
        assert_eq!(on_group.len(), 1, "{at}");
        let resources: Vec<String> = on_group[0]["Resource"]
            .as_array()
            .unwrap()
            .iter()
            .map(flat)
            .collect();
        assert_eq!(resources, [arn], "{at}");
        assert!(
            on_group[0]["Action"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == "logs:PutLogEvents"),
            "{at}"
        );
        let xray = allows(&statements, "xray:PutTraceSegments");
        if tracing {
            assert_eq!(xray, ["*"], "{at}");
        } else {
            assert!(xray.is_empty(), "{at}");
        }
    }
    seen
}

/// With `observability` defaults, every meshed ECS task runs the collector, Envoy's metrics
/// extension feeds it, and the task role may write exactly the metrics log group.
#[test]
fn every_meshed_task_runs_the_collector() {
    for file in ECS_SPECS {
        let t = fresh(file, "", MeshBackend::AppMesh);
        let n = check_collectors(&t, file, false);
        assert!(n >= 2, "{file}: only {n} meshed task definitions");
        for (id, containers) in task_definitions(&t) {
            if let Some(envoy) = container(containers, "envoy") {
                for (k, v) in [
                    ("APPMESH_METRIC_EXTENSION_VERSION", "1"),
                    ("ENABLE_ENVOY_DOG_STATSD", "1"),
                    ("STATSD_ADDRESS", "127.0.0.1"),
                    ("STATSD_PORT", "8125"),
                ] {
                    assert_eq!(
                        env(envoy, k).and_then(Value::as_str),
                        Some(v),
                        "{file}: {id}: {k}"
                    );
                }
            }
        }
        assert_eq!(
            t["Parameters"]["CollectorImage"]["Default"],
            meshsynth::observe::collector::IMAGE,
            "{file}"
        );
    }
}

#[test]
fn tracing_adds_xray_to_the_collector_and_envoy() {
    for file in ECS_SPECS {
        let t = fresh(
            file,
            "observability: { tracing: xray }\n",
            MeshBackend::AppMesh,
        );
        assert!(check_collectors(&t, file, true) >= 2, "{file}");
        // Traces without metrics: the collector stays for X-Ray, Envoy sends no DogStatsD.
        let t = fresh(
            file,
            "observability: { metrics: false, tracing: xray }\n",
            MeshBackend::AppMesh,
        );
        for (id, containers) in task_definitions(&t) {
            let Some(envoy) = container(containers, "envoy") else {
                continue;
            };
            let at = format!("{file}: {id}");
            assert!(container(containers, COLLECTOR).is_some(), "{at}");
            assert_eq!(
                env(envoy, "ENABLE_ENVOY_XRAY_TRACING").unwrap(),
                "1",
                "{at}"
            );
            assert_eq!(env(envoy, "XRAY_DAEMON_PORT").unwrap(), "2000", "{at}");
            assert!(
                env(envoy, "APPMESH_METRIC_EXTENSION_VERSION").is_none(),
                "{at}"
            );
            assert!(env(envoy, "ENABLE_ENVOY_DOG_STATSD").is_none(), "{at}");
            let statements = task_role_statements(&t, &t["Resources"][id.as_str()]);
            assert_eq!(allows(&statements, "xray:PutTraceSegments"), ["*"], "{at}");
            assert!(
                !allows(&statements, "logs:PutLogEvents")
                    .iter()
                    .any(|a| a.contains("/metrics")),
                "{at}"
            );
        }
    }
}

/// Without metrics and tracing, and on VPC Lattice, no task runs a collector.
#[test]
fn no_collector_without_metrics_or_on_lattice() {
    for file in ECS_SPECS {
        for (t, what) in [
            (
                fresh(
                    file,
                    "observability: { metrics: false }\n",
                    MeshBackend::AppMesh,
                ),
                "metrics: false",
            ),
            (fresh(file, "", MeshBackend::VpcLattice), "VPC Lattice"),
        ] {
            let at = format!("{file} ({what})");
            let text = t.to_string();
            assert!(!text.contains(COLLECTOR), "{at}: a collector");
            assert!(!text.contains("APPMESH_METRIC_EXTENSION_VERSION"), "{at}");
            assert!(!text.contains("/metrics"), "{at}: a metrics log group");
            assert!(t["Parameters"].get("CollectorImage").is_none(), "{at}");
            assert!(
                !task_definitions(&t).is_empty(),
                "{at}: no task definitions"
            );
            for (id, containers) in task_definitions(&t) {
                if let Some(envoy) = container(containers, "envoy") {
                    assert!(envoy.get("DependsOn").is_none(), "{at}: {id}");
                }
            }
        }
    }
}

/// Every App Mesh node and gateway logs its calls: its own `access_log`, else JSON lines with the
/// default fields on stdout; `access_logs: false` adds none (and keeps a node's own).
#[test]
fn nodes_and_gateways_log_access_as_json_by_default() {
    use meshsynth::observe::metrics::{ENVOY_ACCESS_LOG_JSON, ENVOY_ACCESS_LOG_PATH};
    let default: Vec<Value> = ENVOY_ACCESS_LOG_JSON
        .iter()
        .map(|(k, v)| serde_json::json!({ "Key": k, "Value": v }))
        .collect();
    for file in ["examples/airflow3-ecs.yaml", "examples/gateway-mtls.yaml"] {
        let spec: serde_yaml::Value =
            serde_yaml::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let own = |kind: &str, name: &str| !spec[kind][name]["access_log"].is_null();
        for (extra, on) in [
            ("", true),
            ("observability: { access_logs: false }\n", false),
        ] {
            let t = fresh(file, extra, MeshBackend::AppMesh);
            let mut defaults = 0;
            for r in t["Resources"].as_object().unwrap().values() {
                let (kind, name) = match r["Type"].as_str().unwrap() {
                    "AWS::AppMesh::VirtualNode" => ("virtual_nodes", "VirtualNodeName"),
                    "AWS::AppMesh::VirtualGateway" => ("virtual_gateways", "VirtualGatewayName"),
                    _ => continue,
                };
                let name = r["Properties"][name].as_str().unwrap();
                let at = format!("{file}{extra}: {name}");
                let log = &r["Properties"]["Spec"]["Logging"]["AccessLog"]["File"];
                if own(kind, name) {
                    assert!(log.is_object(), "{at}: its own access log is gone");
                    assert_ne!(log["Format"]["Json"], Value::Array(default.clone()), "{at}");
                } else if on {
                    defaults += 1;
                    assert_eq!(log["Path"], ENVOY_ACCESS_LOG_PATH, "{at}");
                    assert_eq!(log["Format"]["Json"], Value::Array(default.clone()), "{at}");
                } else {
                    assert!(r["Properties"]["Spec"].get("Logging").is_none(), "{at}");
                }
            }
            assert_eq!(defaults > 0, on, "{file}{extra}");
        }
    }
}
