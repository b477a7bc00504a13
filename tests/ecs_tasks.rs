//! What every generated ECS task definition promises about how its task ends, checked on the
//! committed out/: the outcome of a finished task is its application container's exit code.
//!
//! AwsEcsExecutor and EcsRunTaskOperator require exit code 0 from every container of the task.
//! The App Mesh Envoy image's agent exits 0 on SIGTERM after draining for
//! `LISTENER_DRAIN_WAIT_TIME_S` (which it resets to 20 outside 5..=110), so Envoy must keep its own
//! entry point and get a `StopTimeout` that covers the drain plus the agent's admin calls.

use serde_json::Value;

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
