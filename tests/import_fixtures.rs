//! `meshsynth import` on templates and configurations written by others (tests/fixtures/import/,
//! each with its source in the README there): each imports with the flags `cases.txt` gives,
//! validates clean, and synthesizes back to the App Mesh resources it was imported from, modulo
//! order inside sets and values that are App Mesh's defaults.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use meshsynth::import::model::{as_reference, as_unknown, InputFile, Supplied};
use meshsynth::import::{self, Options};
use meshsynth::synth;
use meshsynth::targets;

const DIR: &str = "tests/fixtures/import";

struct Case {
    name: String,
    files: Vec<String>,
    supplied: Supplied,
    mesh: Option<String>,
    /// Diagnostic codes `validate` reports on the imported spec, where meshsynth is stricter
    /// than App Mesh (the fourth column, `refused: code ...`); empty for a clean spec.
    refused: Vec<String>,
}

/// Splits a flag list the way a shell would for the quoting `cases.txt` uses ('…').
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in s.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            c => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(format!("{DIR}/cases.txt"))
        .expect("tests/fixtures/import/cases.txt");
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split(" #").next().unwrap_or_default().trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        assert!(
            parts.len() >= 2,
            "cases.txt: `{line}` is not `case | files | flags`"
        );
        let mut supplied = Supplied::default();
        let mut mesh = None;
        let flags = words(parts.get(2).copied().unwrap_or_default());
        let mut it = flags.iter();
        while let Some(f) = it.next() {
            let v = it
                .next()
                .unwrap_or_else(|| panic!("cases.txt: `{f}` without a value"));
            let kv = || {
                v.split_once('=')
                    .unwrap_or_else(|| panic!("cases.txt: `{v}` is not NAME=VALUE"))
            };
            match f.as_str() {
                "--parameter" => {
                    let (k, x) = kv();
                    supplied
                        .parameters
                        .insert(k.trim_start_matches("var.").into(), x.into());
                }
                "--import-value" => {
                    let (k, x) = kv();
                    supplied.import_values.insert(k.into(), x.into());
                }
                "--mesh" => mesh = Some(v.clone()),
                other => panic!("cases.txt: unknown flag `{other}`"),
            }
        }
        let refused = parts
            .get(3)
            .and_then(|r| r.strip_prefix("refused:"))
            .map(|r| r.split_whitespace().map(String::from).collect())
            .unwrap_or_default();
        out.push(Case {
            name: parts[0].into(),
            files: parts[1].split_whitespace().map(String::from).collect(),
            supplied,
            mesh,
            refused,
        });
    }
    out
}

/// The canonical form of an App Mesh property value: numbers from numeric text, durations in
/// milliseconds, every list sorted (App Mesh's lists are sets), empty objects and App Mesh's
/// defaults removed.
fn canonical(v: &Value) -> Value {
    match v {
        Value::String(s) => match s.parse::<i64>() {
            Ok(n) if !s.starts_with('0') || s == "0" => Value::from(n),
            _ if s == "true" || s == "True" => Value::Bool(true),
            _ if s == "false" || s == "False" => Value::Bool(false),
            _ => v.clone(),
        },
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(canonical).collect();
            items.sort_by_key(|x| x.to_string());
            Value::Array(items)
        }
        Value::Object(m) => {
            if let (Some(unit), Some(value), 2) = (
                m.get("Unit").or(m.get("unit")),
                m.get("Value").or(m.get("value")),
                m.len(),
            ) {
                let n = canonical(value)
                    .as_i64()
                    .unwrap_or_else(|| panic!("a duration's Value is not a whole number: {value}"));
                return Value::from(if unit == "s" { n * 1000 } else { n });
            }
            let mut out = serde_json::Map::new();
            for (k, x) in m {
                let x = canonical(x);
                // The API's camelCase spelling, which import reads as PascalCase.
                let mut k = k.clone();
                k[..1].make_ascii_uppercase();
                let empty = matches!(&x, Value::Object(o) if o.is_empty())
                    || matches!(&x, Value::Array(a) if a.is_empty());
                if !empty {
                    out.insert(k, x);
                }
            }
            // App Mesh's defaults, which one side may spell and the other not.
            if out
                .get("EgressFilter")
                .and_then(|e| e.get("Type"))
                .and_then(Value::as_str)
                == Some("DROP_ALL")
            {
                out.remove("EgressFilter");
            }
            if let Some(Value::Object(tls)) = out.get("TLS") {
                if tls.get("Mode").and_then(Value::as_str) == Some("DISABLED")
                    && !tls.contains_key("Certificate")
                {
                    out.remove("TLS");
                }
            }
            if let Some(Value::Array(listeners)) = out.get_mut("Listeners") {
                for l in listeners.iter_mut() {
                    let port = l["PortMapping"]["Port"].clone();
                    if let Some(Value::Object(hc)) = l.get_mut("HealthCheck") {
                        hc.entry("Port").or_insert(port);
                        if matches!(
                            hc.get("Protocol").and_then(Value::as_str),
                            Some("http" | "http2")
                        ) {
                            hc.entry("Path").or_insert(Value::from("/"));
                        }
                    }
                }
                listeners.sort_by_key(|x| x.to_string());
            }
            if let Some(Value::Array(tags)) = out.get_mut("Tags") {
                tags.retain(|t| {
                    !t["Key"]
                        .as_str()
                        .unwrap_or_default()
                        .starts_with("meshsynth:")
                });
                if tags.is_empty() {
                    out.remove("Tags");
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

fn key(ty: &str, p: &Value) -> String {
    let s = |k: &str| p[k].as_str().unwrap_or("?").to_owned();
    match ty.trim_start_matches("AWS::AppMesh::") {
        "Mesh" => format!("Mesh {}", s("MeshName")),
        "VirtualNode" => format!("VirtualNode {}", s("VirtualNodeName")),
        "VirtualRouter" => format!("VirtualRouter {}", s("VirtualRouterName")),
        "Route" => format!("Route {}/{}", s("VirtualRouterName"), s("RouteName")),
        "VirtualService" => format!("VirtualService {}", s("VirtualServiceName")),
        "VirtualGateway" => format!("VirtualGateway {}", s("VirtualGatewayName")),
        other => format!(
            "{other} {}/{}",
            s("VirtualGatewayName"),
            s("GatewayRouteName")
        ),
    }
}

fn has_marker(v: &Value) -> bool {
    as_unknown(v).is_some()
        || as_reference(v).is_some()
        || match v {
            Value::Array(a) => a.iter().any(has_marker),
            Value::Object(m) => m.values().any(has_marker),
            _ => false,
        }
}

mod common;

#[test]
fn public_templates_import_validate_and_round_trip() {
    let cases = cases();
    let (mut cfn, mut tf, mut refused) = (0, 0, 0);
    let mut largest: Option<(String, usize, std::time::Duration)> = None;
    for case in &cases {
        let files: Vec<InputFile> = case
            .files
            .iter()
            .map(|f| {
                let path = Path::new(DIR).join(f);
                InputFile {
                    path: path.display().to_string(),
                    text: std::fs::read_to_string(&path)
                        .unwrap_or_else(|e| panic!("{}: {e}", path.display())),
                }
            })
            .collect();
        let bytes: usize = files.iter().map(|f| f.text.len()).sum();
        let opts = Options {
            schema: "schema.json".into(),
            mesh: case.mesh.clone(),
            ..Options::default()
        };
        let started = std::time::Instant::now();
        let imported = import::import(&files, &case.supplied, &opts).unwrap_or_else(|e| {
            panic!(
                "{}: import failed:\n{}",
                case.name,
                e.iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
        let took = started.elapsed();
        if largest.as_ref().is_none_or(|l| bytes > l.1) {
            largest = Some((case.name.clone(), bytes, took));
        }
        // A spec imported from CloudFormation is checked for CloudFormation output (it may use what
        // the Terraform provider cannot set, such as a Cloud Map IP preference); one imported from
        // Terraform for both targets.
        let terraform = case
            .files
            .iter()
            .any(|f| f.ends_with(".tf") || f.ends_with(".tf.json"));
        let targets: Vec<&'static dyn targets::Target> = if terraform {
            targets::iac()
        } else {
            vec![targets::by_name("cloudformation").unwrap()]
        };
        let (diags, _) = synth::check(&imported.text, &targets);
        if !case.refused.is_empty() {
            // meshsynth refuses what App Mesh took: exactly these rules, nothing else.
            let mut codes: Vec<String> = diags
                .iter()
                .filter(|d| d.severity == meshsynth::diagnostic::Severity::Error)
                .map(|d| d.code.as_str().to_owned())
                .collect();
            codes.sort();
            codes.dedup();
            assert_eq!(
                codes,
                case.refused,
                "{}: {}",
                case.name,
                diags.render_human("imported.yaml")
            );
            refused += 1;
            continue;
        }
        assert!(
            !diags.has_errors(),
            "{}: the imported spec does not validate:\n{}\n{}",
            case.name,
            diags.render_human("imported.yaml"),
            imported.text
        );

        // What the files say, resolved by import's own readers.
        let (resources, _) = import::read_all(&files, &case.supplied).unwrap();
        let mesh_of = |p: &Value| p["MeshName"].as_str().map(str::to_owned);
        let meshes: std::collections::BTreeSet<String> = resources
            .iter()
            .filter(|r| r.ty.starts_with("AWS::AppMesh::"))
            .filter_map(|r| mesh_of(&r.props))
            .collect();
        let mesh = case
            .mesh
            .clone()
            .unwrap_or_else(|| meshes.iter().next().cloned().unwrap());
        // `MeshOwner` naming the account that creates the mesh is the API's default.
        let mesh_defined = resources
            .iter()
            .any(|r| r.ty == "AWS::AppMesh::Mesh" && mesh_of(&r.props).as_deref() == Some(&mesh));
        let mut before = BTreeMap::new();
        for r in resources.iter().filter(|r| {
            r.ty.starts_with("AWS::AppMesh::") && mesh_of(&r.props).as_deref() == Some(&mesh)
        }) {
            assert!(
                !has_marker(&r.props),
                "{}: {} still holds a deploy-time value: {}",
                case.name,
                r.id,
                r.props
            );
            let mut p = canonical(&r.props);
            if mesh_defined {
                p.as_object_mut().unwrap().remove("MeshOwner");
            }
            before.insert(key(&r.ty, &r.props), p);
        }

        // What synth makes of the imported spec.
        let mut o = synth::Options::new("imported.yaml", &targets);
        o.backends = Some(&[meshsynth::spec::MeshBackend::AppMesh]);
        let s = synth::synthesize_with(&imported.text, &o);
        let files_out = s.files.expect("files");
        let template: Value =
            serde_json::from_str(&files_out["cloudformation"]["template.json"]).unwrap();
        // Keyed like `key` (`VirtualNode n`, `Route r/n`, ...).
        let after: BTreeMap<String, Value> = common::appmesh::appmesh_resources(&template)
            .into_iter()
            .map(|(k, p)| (k, canonical(&p)))
            .collect();
        // A workload's Cloud Map filter is meshsynth's task definition family (the summary notes
        // where it differs from the files'); everything else must be equal.
        let spec: serde_yaml::Value = serde_yaml::from_str(&imported.text).unwrap();
        let workloads: Vec<String> = spec["workloads"]
            .as_mapping()
            .map(|m| {
                m.keys()
                    .filter_map(|k| k.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let unfiltered = |mut m: BTreeMap<String, Value>| {
            for w in &workloads {
                if let Some(Value::Object(cm)) = m
                    .get_mut(&format!("VirtualNode {w}"))
                    .and_then(|p| p.pointer_mut("/Spec/ServiceDiscovery/AWSCloudMap"))
                {
                    if let Some(Value::Array(attrs)) = cm.get_mut("Attributes") {
                        attrs.retain(|a| a["Key"] != "ECS_TASK_DEFINITION_FAMILY");
                        if attrs.is_empty() {
                            cm.remove("Attributes");
                        }
                    }
                }
            }
            m
        };
        let (before, after) = (unfiltered(before), unfiltered(after));
        assert!(
            !before.is_empty(),
            "{}: no App Mesh resources read",
            case.name
        );
        assert_eq!(
            before.keys().collect::<Vec<_>>(),
            after.keys().collect::<Vec<_>>(),
            "{}: different App Mesh resources",
            case.name
        );
        for (k, b) in &before {
            assert_eq!(
                b, &after[k],
                "{}: {k} differs after import and synth",
                case.name
            );
        }
        if case
            .files
            .iter()
            .any(|f| f.ends_with(".tf") || f.ends_with(".tf.json"))
        {
            tf += 1;
        } else {
            cfn += 1;
        }
    }
    let (name, bytes, took) = largest.unwrap();
    eprintln!("round-tripped {cfn} CloudFormation/CDK cases and {tf} Terraform cases; {refused} imported but refused by validate as cases.txt says; largest: {name} ({bytes} bytes) imported in {took:?}");
    assert!(
        cfn >= 10 && tf >= 3,
        "the issue asks for at least 10 CloudFormation templates and 3 Terraform configurations"
    );
}
