//! meshsynth's own Terraform output (`out/<example>/terraform/`) reads back as its
//! CloudFormation (`out/<example>/cloudformation/template.json`); and development helpers
//! that read any folder of Terraform.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value as Json};

use super::super::read_module;
use crate::import::model::{as_reference, as_unknown, ReadFile, Supplied};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The committed outputs of every example that has both a Terraform module and a template.
fn examples() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("out"))
        .expect("out/ is committed")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.join("terraform").is_dir() && p.join("cloudformation/template.json").is_file()
        })
        .collect();
    dirs.sort();
    dirs
}

fn read_tf_module(dir: &Path) -> Vec<ReadFile> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let s = p.to_string_lossy();
            s.ends_with(".tf.json") || s.ends_with(".tf")
        })
        .collect();
    paths.sort();
    let texts: Vec<(String, String)> = paths
        .iter()
        .map(|p| (p.display().to_string(), std::fs::read_to_string(p).unwrap()))
        .collect();
    let files: Vec<(&str, &str, bool)> = texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str(), p.ends_with(".json")))
        .collect();
    match read_module(&files, &Supplied::default()) {
        Ok(r) => r,
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            panic!("{} errors reading {}", errors.len(), dir.display());
        }
    }
}

/// The name properties `Fn::GetAtt` reads back in meshsynth's templates.
const NAME_ATTRS: &[&str] = &[
    "MeshName",
    "VirtualNodeName",
    "VirtualRouterName",
    "RouteName",
    "VirtualServiceName",
    "VirtualGatewayName",
    "GatewayRouteName",
    "Name",
];

/// Resolves `Fn::GetAtt [X, <name property>]` to X's (resolved) property.
fn resolve(v: &Json, resources: &serde_json::Map<String, Json>) -> Json {
    match v {
        Json::Object(m) if m.len() == 1 && m.contains_key("Fn::GetAtt") => {
            if let Some([Json::String(id), Json::String(attr)]) =
                m["Fn::GetAtt"].as_array().map(Vec::as_slice)
            {
                if NAME_ATTRS.contains(&attr.as_str()) {
                    if let Some(p) = resources.get(id).and_then(|r| r["Properties"].get(attr)) {
                        return resolve(p, resources);
                    }
                }
            }
            v.clone()
        }
        Json::Object(m) => Json::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), resolve(x, resources)))
                .collect(),
        ),
        Json::Array(xs) => Json::Array(xs.iter().map(|x| resolve(x, resources)).collect()),
        other => other.clone(),
    }
}

fn name_prop(ty: &str) -> &'static str {
    match ty {
        "AWS::AppMesh::Mesh" => "MeshName",
        "AWS::AppMesh::VirtualNode" => "VirtualNodeName",
        "AWS::AppMesh::VirtualRouter" => "VirtualRouterName",
        "AWS::AppMesh::Route" => "RouteName",
        "AWS::AppMesh::VirtualService" => "VirtualServiceName",
        "AWS::AppMesh::VirtualGateway" => "VirtualGatewayName",
        "AWS::AppMesh::GatewayRoute" => "GatewayRouteName",
        _ => "Name",
    }
}

/// (type, mesh, parent, name) of an App Mesh resource: unique in a template.
fn identity(ty: &str, props: &Json) -> String {
    format!(
        "{ty} {} {} {} {}",
        props.get("MeshName").unwrap_or(&Json::Null),
        props.get("VirtualRouterName").unwrap_or(&Json::Null),
        props.get("VirtualGatewayName").unwrap_or(&Json::Null),
        props.get(name_prop(ty)).unwrap_or(&Json::Null),
    )
}

fn sorted_tags(v: Option<&Json>) -> Json {
    let mut tags: Vec<Json> = v.and_then(Json::as_array).cloned().unwrap_or_default();
    tags.sort_by_key(|t| t["Key"].to_string());
    Json::Array(tags)
}

/// meshsynth's own Terraform, read back, is its CloudFormation: every App Mesh resource
/// with the same type, names and Spec.
#[test]
fn meshsynth_terraform_reads_back_as_its_cloudformation() {
    let mut checked = 0;
    for dir in examples() {
        let template: Json = serde_json::from_str(
            &std::fs::read_to_string(dir.join("cloudformation/template.json")).unwrap(),
        )
        .unwrap();
        let resources = template["Resources"].as_object().unwrap();
        let mut expected: BTreeMap<String, Json> = BTreeMap::new();
        for r in resources.values() {
            let ty = r["Type"].as_str().unwrap();
            if ty.starts_with("AWS::AppMesh::") {
                let props = resolve(&r["Properties"], resources);
                expected.insert(identity(ty, &props), props);
            }
        }
        let read = read_tf_module(&dir.join("terraform"));
        let mut got: BTreeMap<String, Json> = BTreeMap::new();
        for r in read.iter().flat_map(|f| &f.resources) {
            if r.ty.starts_with("AWS::AppMesh::") {
                got.insert(identity(&r.ty, &r.props), r.props.clone());
            }
        }
        assert_eq!(
            expected.keys().collect::<Vec<_>>(),
            got.keys().collect::<Vec<_>>(),
            "{}: the App Mesh resources differ",
            dir.display()
        );
        for (id, want) in &expected {
            let have = &got[id];
            let strip = |p: &Json| {
                let mut p = p.clone();
                if let Some(o) = p.as_object_mut() {
                    o.remove("Tags");
                }
                p
            };
            assert_eq!(
                strip(want),
                strip(have),
                "{}: {id}: properties differ",
                dir.display()
            );
            assert_eq!(
                want.get("Spec"),
                have.get("Spec"),
                "{}: {id}: Spec differs\nCloudFormation: {}\nTerraform:      {}",
                dir.display(),
                serde_json::to_string(&want.get("Spec")).unwrap(),
                serde_json::to_string(&have.get("Spec")).unwrap()
            );
            assert_eq!(
                sorted_tags(want.get("Tags")),
                sorted_tags(have.get("Tags")),
                "{}: {id}: Tags differ",
                dir.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} App Mesh resources compared");
}

#[test]
#[ignore]
fn dump() {
    let dir = std::env::var("TF_DUMP").unwrap();
    let read = read_tf_module(Path::new(&dir));
    if let Ok(out) = std::env::var("TF_JSON") {
        let all: Vec<Json> = read
            .iter()
            .flat_map(|f| &f.resources)
            .map(|r| json!({"id": r.id, "ty": r.ty, "props": r.props}))
            .collect();
        std::fs::write(out, serde_json::to_string_pretty(&all).unwrap()).unwrap();
    }
    for f in &read {
        for r in &f.resources {
            println!(
                "{} {} {}",
                r.id,
                r.ty,
                serde_json::to_string_pretty(&r.props).unwrap()
            );
            println!(
                "  locs: {:?}",
                r.locations.iter().take(8).collect::<Vec<_>>()
            );
        }
        for s in &f.skipped {
            println!("skipped {} {}", s.id, s.ty);
        }
    }
}

/// Reads every module (folder of `*.tf`/`*.tf.json`) under `$TF_MODULES` and prints what it
/// found: `TF_MODULES=/path cargo test --lib read_modules_under -- --ignored --nocapture`.
#[test]
#[ignore]
fn read_modules_under() {
    fn unknowns(v: &Json, out: &mut Vec<String>) {
        if let Some((what, _)) = as_unknown(v) {
            out.push(what.to_owned());
            return;
        }
        match v {
            Json::Object(m) => m.values().for_each(|x| unknowns(x, out)),
            Json::Array(xs) => xs.iter().for_each(|x| unknowns(x, out)),
            _ => {}
        }
    }
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut has = false;
        let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.to_string_lossy().ends_with(".tf")
                || p.to_string_lossy().ends_with(".tf.json")
            {
                has = true;
            }
        }
        if has {
            out.push(dir.to_path_buf());
        }
    }
    let root = std::env::var("TF_MODULES").expect("TF_MODULES");
    let mut dirs = Vec::new();
    walk(Path::new(&root), &mut dirs);
    for dir in dirs {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let s = p.to_string_lossy();
                s.ends_with(".tf") || s.ends_with(".tf.json")
            })
            .collect();
        paths.sort();
        let texts: Vec<(String, String, bool)> = paths
            .iter()
            .map(|p| {
                let s = p.display().to_string();
                let json = s.ends_with(".json");
                (s, std::fs::read_to_string(p).unwrap_or_default(), json)
            })
            .collect();
        let files: Vec<(&str, &str, bool)> = texts
            .iter()
            .map(|(p, t, j)| (p.as_str(), t.as_str(), *j))
            .collect();
        println!("== {}", dir.display());
        match read_module(&files, &Supplied::default()) {
            Ok(read) => {
                for r in read.iter().flat_map(|f| &f.resources) {
                    let mut u = Vec::new();
                    unknowns(&r.props, &mut u);
                    println!("  {} {} ({} unknown)", r.ty, r.id, u.len());
                    for w in u.iter().take(3) {
                        println!("      ? {w}");
                    }
                }
                let skipped: Vec<&str> = read
                    .iter()
                    .flat_map(|f| &f.skipped)
                    .map(|s| s.id.as_str())
                    .collect();
                println!("  skipped {}", skipped.len());
            }
            Err(errors) => {
                for e in errors {
                    println!("  {}", e.to_string().replace('\n', "\n  "));
                }
            }
        }
    }
}

/// Intrinsics and markers as `*`, name/value lists sorted: the shape both sides share.
fn opaque(v: &Json) -> Json {
    match v {
        Json::Object(m)
            if m.keys().any(|k| k.starts_with("Fn::") || k == "Ref")
                || as_reference(v).is_some()
                || as_unknown(v).is_some() =>
        {
            json!("*")
        }
        Json::Object(m) => Json::Object(m.iter().map(|(k, x)| (k.clone(), opaque(x))).collect()),
        Json::Array(xs) => {
            let mut xs: Vec<Json> = xs.iter().map(opaque).collect();
            if xs
                .iter()
                .all(|x| x.get("Name").is_some() && x.get("Value").is_some())
            {
                xs.sort_by_key(|x| x["Name"].to_string());
            }
            if xs
                .iter()
                .all(|x| x.get("Key").is_some() && x.get("Value").is_some())
            {
                xs.sort_by_key(|x| x["Key"].to_string());
            }
            Json::Array(xs)
        }
        other => other.clone(),
    }
}

/// Equal, where `*` (a value either side knows only at deploy) matches anything.
fn agree(a: &Json, b: &Json, path: &str) -> Result<(), String> {
    match (a, b) {
        (Json::String(s), _) | (_, Json::String(s)) if s == "*" => Ok(()),
        (Json::Object(x), Json::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                agree(
                    x.get(k).unwrap_or(&Json::Null),
                    y.get(k).unwrap_or(&Json::Null),
                    &format!("{path}.{k}"),
                )?;
            }
            Ok(())
        }
        (Json::Array(x), Json::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                agree(p, q, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{path}: {a} vs {b}")),
    }
}

/// Cloud Map, ECS services and task definitions read back with CloudFormation's shape too
/// (deploy-time values compared as opaque; Terraform's maps have no order).
#[test]
fn meshsynth_terraform_reads_back_cloud_map_and_ecs_shapes() {
    let mut checked = 0;
    for dir in examples() {
        let template: Json = serde_json::from_str(
            &std::fs::read_to_string(dir.join("cloudformation/template.json")).unwrap(),
        )
        .unwrap();
        let read = read_tf_module(&dir.join("terraform"));
        for (id, r) in template["Resources"].as_object().unwrap() {
            let ty = r["Type"].as_str().unwrap();
            let key = match ty {
                "AWS::ECS::TaskDefinition" => "Family",
                "AWS::ECS::Service" => "ServiceName",
                "AWS::ServiceDiscovery::Service" | "AWS::ServiceDiscovery::PrivateDnsNamespace" => {
                    "Name"
                }
                _ => continue,
            };
            let want = &r["Properties"];
            let have = read
                .iter()
                .flat_map(|f| &f.resources)
                .find(|x| x.ty == ty && x.props.get(key) == want.get(key))
                .unwrap_or_else(|| panic!("{}: no {ty} for {id}", dir.display()));
            if let Err(path) = agree(&opaque(want), &opaque(&have.props), "") {
                panic!(
                    "{}: {id} ({}) differs at {path}\nCloudFormation: {}\nTerraform:      {}",
                    dir.display(),
                    have.id,
                    want,
                    have.props
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} resources compared");
}
