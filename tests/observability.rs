//! The dashboards, alarms and saved queries read what the mesh actually emits.
//!
//! For every example and valid fixture, on both backends: each dashboard body parses; each
//! metric it names is one the backend emits — on App Mesh a metric of the Envoy metrics extension
//! that the generated collectors keep, in their namespace, with a dimension set they declare (or,
//! for a mesh meshsynth runs no task of, the extension's own); on VPC Lattice a documented
//! `AWS/VpcLattice` metric of a service the stack creates — and each log widget reads a log group
//! of the output with fields the access logs have. Every virtual service and every caller (DAG
//! tasks and workers included) has its row, and every alarm reads series the dashboard shows.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::Value;

use meshsynth::observe::collector;
use meshsynth::observe::metrics::{
    appmesh_dimension_sets, APPMESH_PREFIX, LATTICE_ACCESS_LOG_FIELDS, LATTICE_METRICS,
    LATTICE_NAMESPACE,
};
use meshsynth::spec::MeshBackend;
use meshsynth::synth::{synthesize_with, Options, Synthesis};
use meshsynth::targets;

fn specs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["examples", "tests/fixtures/valid"] {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "yaml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every target, or CloudFormation's alone for the fixtures that only it can render.
fn synth(text: &str, cfn_only: bool) -> Synthesis {
    let only: &[&'static dyn targets::Target] = &[targets::CLOUDFORMATION];
    let mut opts = Options::new("spec.yaml", if cfn_only { only } else { targets::ALL });
    opts.backends = Some(&[MeshBackend::AppMesh, MeshBackend::VpcLattice]);
    synthesize_with(text, &opts)
}

/// A `Fn::Sub` string (or plain string) as the text CloudWatch gets, with each `${X}` as `<X>`.
fn substituted(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Object(o) => o["Fn::Sub"].as_str().expect("Fn::Sub").to_owned(),
        other => panic!("not a body: {other}"),
    };
    let mut out = String::new();
    let mut rest = s.as_str();
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        if let Some(lit) = after.strip_prefix('!') {
            out.push_str("${");
            rest = lit;
            continue;
        }
        let end = after.find('}').unwrap();
        out.push('<');
        out.push_str(&after[..end]);
        out.push('>');
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn resources<'a>(t: &'a Value, ty: &str) -> Vec<(&'a str, &'a Value)> {
    t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == ty)
        .map(|(k, r)| (k.as_str(), &r["Properties"]))
        .collect()
}

/// One metric a widget or alarm names: namespace, metric, dimension names → values.
type Series = (String, String, BTreeMap<String, String>);

fn widget_series(row: &Value) -> Option<Series> {
    let a = row.as_array().unwrap();
    let first = a.first()?.as_str()?;
    let name = a[1].as_str().unwrap().to_owned();
    let mut dims = BTreeMap::new();
    let mut i = 2;
    while i + 1 < a.len() && a[i].is_string() {
        dims.insert(
            a[i].as_str().unwrap().to_owned(),
            a[i + 1].as_str().unwrap().to_owned(),
        );
        i += 2;
    }
    Some((first.to_owned(), name, dims))
}

/// The collectors' configurations in a backend's output: task definitions' and pods'.
fn collector_configs(
    files: &BTreeMap<String, meshsynth::targets::Rendered>,
    prefix: &str,
    cfn: &Value,
) -> Vec<Value> {
    let mut out = Vec::new();
    for (_, p) in resources(cfn, "AWS::ECS::TaskDefinition") {
        for c in p["ContainerDefinitions"].as_array().unwrap() {
            if c["Name"] == collector::CONTAINER {
                let env = c["Environment"].as_array().unwrap();
                let cfg = env
                    .iter()
                    .find(|e| e["Name"] == collector::CONFIG_ENV)
                    .expect("the collector's config");
                out.push(serde_json::from_str(cfg["Value"].as_str().unwrap()).unwrap());
            }
        }
    }
    for (folder, rendered) in files {
        if !(folder.starts_with(prefix) && folder.ends_with("kubernetes")) {
            continue;
        }
        for (name, text) in rendered.iter() {
            if !name.ends_with(".yaml") {
                continue;
            }
            for doc in serde_yaml::Deserializer::from_str(text) {
                let y: serde_yaml::Value = serde::Deserialize::deserialize(doc).unwrap();
                let j = serde_json::to_value(y).unwrap();
                collect_pod_configs(&j, &mut out);
            }
        }
    }
    out
}

fn collect_pod_configs(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(o) => {
            if o.get("name").and_then(Value::as_str) == Some(collector::CONTAINER) {
                if let Some(env) = o.get("env").and_then(Value::as_array) {
                    if let Some(cfg) = env.iter().find(|e| e["name"] == collector::CONFIG_ENV) {
                        out.push(serde_json::from_str(cfg["value"].as_str().unwrap()).unwrap());
                    }
                }
            }
            // ConfigMaps hold pod templates as text.
            for x in o.values() {
                if let Some(s) = x.as_str().filter(|s| s.contains(collector::CONTAINER)) {
                    if let Ok(y) = serde_yaml::from_str::<serde_yaml::Value>(s) {
                        collect_pod_configs(&serde_json::to_value(y).unwrap(), out);
                    }
                }
                collect_pod_configs(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_pod_configs(x, out)),
        _ => {}
    }
}

fn regex_matches_prefix(re: &str, name: &str) -> bool {
    // The collectors keep `^envoy\.appmesh\..+$`; said as a prefix test.
    re == "^envoy\\.appmesh\\..+$"
        && name.starts_with(APPMESH_PREFIX)
        && name.len() > APPMESH_PREFIX.len()
}

#[test]
fn dashboards_alarms_and_queries_read_what_the_mesh_emits() {
    let mut checked = 0;
    // What the test saw, so that it cannot pass by seeing nothing.
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for path in specs() {
        let text = std::fs::read_to_string(&path).unwrap();
        let cfn_only = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("cfn-only"));
        let s = synth(&text, cfn_only);
        let Some(files) = s.files.as_ref() else {
            panic!(
                "{}: invalid\n{}",
                path.display(),
                s.diagnostics.render_human("spec.yaml")
            );
        };
        let spec: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        let tasks: Vec<String> = spec["airflow"]["tasks"]
            .as_mapping()
            .map(|m| m.keys().map(|k| k.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default();
        let appmesh: Value =
            serde_json::from_str(&files["cloudformation"]["template.json"]).unwrap();
        let mesh = spec["mesh"]["name"].as_str().map(str::to_owned);
        let services: Vec<String> = resources(&appmesh, "AWS::AppMesh::VirtualService")
            .iter()
            .map(|(_, p)| p["VirtualServiceName"].as_str().unwrap().to_owned())
            .collect();
        let callers: Vec<String> = resources(&appmesh, "AWS::AppMesh::VirtualNode")
            .iter()
            .filter(|(_, p)| {
                p["Spec"]["Backends"]
                    .as_array()
                    .is_some_and(|b| !b.is_empty())
            })
            .map(|(_, p)| p["VirtualNodeName"].as_str().unwrap().to_owned())
            .collect();
        for (backend, prefix) in [
            (MeshBackend::AppMesh, ""),
            (MeshBackend::VpcLattice, "vpc_lattice/"),
        ] {
            let what = format!("{} ({backend:?})", path.display());
            let cfn: Value =
                serde_json::from_str(&files[&format!("{prefix}cloudformation")]["template.json"])
                    .unwrap();
            let mut log_groups: BTreeSet<String> = resources(&cfn, "AWS::Logs::LogGroup")
                .iter()
                .map(|(_, p)| p["LogGroupName"].as_str().unwrap().to_owned())
                .collect();
            // On EKS, App Mesh's access logs are in the Container Insights group the guide
            // tells how to fill.
            if let (MeshBackend::AppMesh, Some(c)) =
                (backend, spec["airflow"]["eks"]["cluster_name"].as_str())
            {
                log_groups.insert(meshsynth::observe::metrics::container_insights_log_group(c));
            }
            // A log group the spec names for Lattice's access logs exists already.
            if let Some(arn) = spec["mesh"]["lattice"]["access_log_destination_arn"].as_str() {
                if let Some(name) = arn.split(":log-group:").nth(1) {
                    log_groups.insert(name.trim_end_matches(":*").to_owned());
                }
            }
            let lattice_services: BTreeSet<String> = resources(&cfn, "AWS::VpcLattice::Service")
                .iter()
                .map(|(k, _)| format!("<{k}.Id>"))
                .collect();
            let configs = collector_configs(files, prefix, &cfn);
            let dashboards = resources(&cfn, "AWS::CloudWatch::Dashboard");
            assert!(!dashboards.is_empty(), "{what}: no dashboard");
            let mut titles = Vec::new();
            let mut shown: BTreeSet<Series> = BTreeSet::new();
            for (_, d) in &dashboards {
                let body: Value = serde_json::from_str(&substituted(&d["DashboardBody"]))
                    .unwrap_or_else(|e| panic!("{what}: body does not parse: {e}"));
                let widgets = body["widgets"].as_array().unwrap();
                assert!(widgets.len() <= 500, "{what}");
                for w in widgets {
                    let p = &w["properties"];
                    assert!(
                        w["x"].as_u64().unwrap() + w["width"].as_u64().unwrap() <= 24,
                        "{what}"
                    );
                    match w["type"].as_str().unwrap() {
                        "text" => titles.push(p["markdown"].as_str().unwrap().to_owned()),
                        "metric" => {
                            titles.push(p["title"].as_str().unwrap().to_owned());
                            assert_eq!(p["region"], "<AWS::Region>", "{what}");
                            for row in p["metrics"].as_array().unwrap() {
                                let Some(series) = widget_series(row) else {
                                    let e = &row[0];
                                    assert!(
                                        e["expression"].is_string() && e["id"].is_string(),
                                        "{what}: {row}"
                                    );
                                    continue;
                                };
                                check_series(
                                    &what,
                                    backend,
                                    &series,
                                    mesh.as_deref(),
                                    &configs,
                                    &lattice_services,
                                    &services,
                                );
                                *seen
                                    .entry(if backend == MeshBackend::AppMesh {
                                        "appmesh series"
                                    } else {
                                        "lattice series"
                                    })
                                    .or_default() += 1;
                                if !configs.is_empty() {
                                    *seen
                                        .entry("series checked against collectors")
                                        .or_default() += 1;
                                }
                                shown.insert(series);
                            }
                        }
                        "log" => {
                            titles.push(p["title"].as_str().unwrap().to_owned());
                            let q = p["query"].as_str().unwrap();
                            let source = q.split('\'').nth(1).unwrap();
                            assert!(
                                log_groups.contains(source),
                                "{what}: log widget reads {source}, not a log group of the output"
                            );
                            if backend == MeshBackend::VpcLattice {
                                check_lattice_fields(&what, q);
                            }
                            *seen.entry("log widgets").or_default() += 1;
                        }
                        other => panic!("{what}: widget type {other}"),
                    }
                }
            }
            for vs in &services {
                assert!(
                    titles
                        .iter()
                        .any(|t| t.starts_with(&format!("{vs}:"))
                            || t.contains(&format!("**`{vs}`**"))),
                    "{what}: no row for virtual service {vs}"
                );
            }
            for c in &callers {
                assert!(
                    titles.iter().any(|t| t.starts_with(&format!("{c}:"))
                        || t.contains(&format!("({c})"))
                        || t.contains(&format!("**{c}**"))),
                    "{what}: no row for caller {c}"
                );
            }
            for t in &tasks {
                assert!(
                    titles
                        .iter()
                        .any(|x| x.contains(&format!("DAG task {t} ("))),
                    "{what}: no row for DAG task {t}"
                );
            }
            for (name, a) in resources(&cfn, "AWS::CloudWatch::Alarm") {
                let queries = a["Metrics"].as_array().unwrap();
                assert_eq!(
                    queries.iter().filter(|q| q["ReturnData"] == true).count(),
                    1,
                    "{what}: {name}"
                );
                assert!(
                    queries
                        .iter()
                        .filter(|q| q.get("MetricStat").is_some())
                        .count()
                        <= 10,
                    "{what}: {name}"
                );
                for q in queries.iter().filter_map(|q| q.get("MetricStat")) {
                    let m = &q["Metric"];
                    let dims: BTreeMap<String, String> = m["Dimensions"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|d| {
                            let v = match &d["Value"] {
                                Value::String(s) => s.clone(),
                                Value::Object(o) if o.contains_key("Fn::GetAtt") => {
                                    let g = o["Fn::GetAtt"].as_array().unwrap();
                                    format!(
                                        "<{}.{}>",
                                        g[0].as_str().unwrap(),
                                        g[1].as_str().unwrap()
                                    )
                                }
                                other => panic!("{what}: {name}: dimension {other}"),
                            };
                            (d["Name"].as_str().unwrap().to_owned(), v)
                        })
                        .collect();
                    let series = (
                        m["Namespace"].as_str().unwrap().to_owned(),
                        m["MetricName"].as_str().unwrap().to_owned(),
                        dims,
                    );
                    assert!(
                        shown.contains(&series),
                        "{what}: alarm {name} reads {series:?}, which no dashboard widget shows"
                    );
                }
                *seen
                    .entry(if backend == MeshBackend::AppMesh {
                        "appmesh alarms"
                    } else {
                        "lattice alarms"
                    })
                    .or_default() += 1;
            }
            // The Terraform module's alarms read the same series (dimensions by name).
            if let Some(module) = files.get(&format!("{prefix}terraform")) {
                let tf: Value = serde_json::from_str(&module["main.tf.json"]).unwrap();
                let tf_alarms = tf["resource"]["aws_cloudwatch_metric_alarm"].as_object();
                let cfn_alarms = resources(&cfn, "AWS::CloudWatch::Alarm");
                assert_eq!(tf_alarms.map_or(0, |a| a.len()), cfn_alarms.len(), "{what}");
                for (_, a) in &cfn_alarms {
                    let name = a["AlarmName"].as_str().unwrap();
                    let t = tf_alarms
                        .unwrap()
                        .values()
                        .find(|t| t["alarm_name"] == name)
                        .unwrap_or_else(|| panic!("{what}: no Terraform alarm {name}"));
                    let dims = |q: &Value| -> Vec<String> {
                        q["Metrics"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .filter_map(|m| m.get("MetricStat"))
                            .map(|ms| {
                                let mut k: Vec<String> = ms["Metric"]["Dimensions"]
                                    .as_array()
                                    .unwrap()
                                    .iter()
                                    .map(|d| d["Name"].as_str().unwrap().to_owned())
                                    .collect();
                                k.sort();
                                k.join(",")
                            })
                            .collect()
                    };
                    let tf_dims: Vec<String> = t["metric_query"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(|q| q.get("metric"))
                        .map(|m| {
                            let d = m[0]["dimensions"].as_object().unwrap();
                            assert!(
                                !d.is_empty(),
                                "{what}: {name}: a metric_query without dimensions"
                            );
                            d.keys().cloned().collect::<Vec<_>>().join(",")
                        })
                        .collect();
                    assert_eq!(tf_dims, dims(a), "{what}: {name}");
                }
            }
            for (name, q) in resources(&cfn, "AWS::Logs::QueryDefinition") {
                for g in q["LogGroupNames"].as_array().unwrap() {
                    assert!(
                        log_groups.contains(g.as_str().unwrap()),
                        "{what}: query {name} reads {g}"
                    );
                }
                if backend == MeshBackend::VpcLattice {
                    check_lattice_fields(&what, q["QueryString"].as_str().unwrap());
                }
            }
            checked += 1;
        }
    }
    eprintln!("seen over {checked} outputs: {seen:?}");
    assert!(checked >= 20, "{checked}");
    for what in [
        "appmesh series",
        "lattice series",
        "series checked against collectors",
        "log widgets",
        "appmesh alarms",
        "lattice alarms",
    ] {
        assert!(
            seen.get(what).copied().unwrap_or(0) > 0,
            "saw no {what}: {seen:?}"
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn check_series(
    what: &str,
    backend: MeshBackend,
    (ns, name, dims): &Series,
    mesh: Option<&str>,
    configs: &[Value],
    lattice_services: &BTreeSet<String>,
    services: &[String],
) {
    match backend {
        MeshBackend::AppMesh => {
            let short = name
                .strip_prefix(APPMESH_PREFIX)
                .unwrap_or_else(|| panic!("{what}: {name}"));
            let emitted = appmesh_dimension_sets(short)
                .unwrap_or_else(|| panic!("{what}: {name} is not an extension metric"));
            let names: Vec<&str> = dims.keys().map(String::as_str).collect();
            assert!(
                emitted.iter().any(|set| {
                    let mut want = set.to_vec();
                    want.sort_unstable();
                    want == names
                }),
                "{what}: {name} with dimensions {names:?}"
            );
            assert_eq!(Some(dims["Mesh"].as_str()), mesh, "{what}");
            if let Some(vs) = dims.get("TargetVirtualService") {
                assert!(services.contains(vs), "{what}: {vs}");
            }
            for c in configs {
                let emf = &c["exporters"]["awsemf"];
                assert_eq!(
                    emf["namespace"].as_str(),
                    Some(ns.as_str()),
                    "{what}: namespace"
                );
                let kept = c["processors"]["filter/appmesh"]["metrics"]["include"]["metric_names"]
                    [0]
                .as_str()
                .unwrap();
                assert!(
                    regex_matches_prefix(kept, name),
                    "{what}: the collectors drop {name}"
                );
                let decl = &emf["metric_declarations"][0];
                assert!(
                    regex_matches_prefix(decl["metric_name_selectors"][0].as_str().unwrap(), name),
                    "{what}"
                );
                let sets: Vec<BTreeSet<String>> = decl["dimensions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| {
                        s.as_array()
                            .unwrap()
                            .iter()
                            .map(|d| d.as_str().unwrap().to_owned())
                            .collect()
                    })
                    .collect();
                let have: BTreeSet<String> = dims.keys().cloned().collect();
                assert!(
                    sets.contains(&have),
                    "{what}: the collectors declare no dimension set {have:?}"
                );
            }
            if configs.is_empty() {
                assert_eq!(
                    ns.as_str(),
                    format!("meshsynth/{}", mesh.unwrap()),
                    "{what}"
                );
            }
        }
        MeshBackend::VpcLattice => {
            assert_eq!(ns, LATTICE_NAMESPACE, "{what}");
            assert!(LATTICE_METRICS.contains(&name.as_str()), "{what}: {name}");
            assert_eq!(dims.keys().collect::<Vec<_>>(), ["Service"], "{what}");
            assert!(
                lattice_services.contains(&dims["Service"]),
                "{what}: {:?} is no service of the stack",
                dims["Service"]
            );
        }
    }
}

/// Every identifier a Lattice query reads is an access-log field.
fn check_lattice_fields(what: &str, query: &str) {
    let known: BTreeSet<&str> = LATTICE_ACCESS_LOG_FIELDS.iter().copied().collect();
    // Identifiers in camelCase are fields; the query language's words are lower case.
    for word in query.split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && word.chars().any(|c| c.is_ascii_uppercase())
        {
            assert!(
                known.contains(word),
                "{what}: `{word}` is not a Lattice access-log field in {query}"
            );
        }
    }
}
