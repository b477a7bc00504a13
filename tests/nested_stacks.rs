//! Meshes too big for one CloudFormation template become a root template and nested stacks:
//! every template within CloudFormation's quotas, each child wired to what the root passes, and
//! a service's stack independent of the other services.

use std::collections::{BTreeMap, BTreeSet};

use meshsynth::diagnostic::Severity;
use meshsynth::generate::mesh_spec;
use meshsynth::spec::MeshBackend;
use meshsynth::synth::{synthesize_with, Options};
use meshsynth::targets::{self, Rendered, Settings};
use serde_json::Value as Json;

/// The CloudFormation folders (`cloudformation`, `vpc_lattice/cloudformation`) of a synthesis.
fn cloudformation(text: &str, settings: Settings) -> BTreeMap<String, Rendered> {
    let t = [targets::CLOUDFORMATION];
    let mut opts = Options::new("mesh.yaml", &t);
    opts.backends = Some(&MeshBackend::ALL);
    opts.settings = settings;
    let s = synthesize_with(text, &opts);
    let files = s
        .files
        .unwrap_or_else(|| panic!("{}", s.diagnostics.render_human("mesh.yaml")));
    files
        .into_iter()
        .filter(|(k, _)| k.ends_with("cloudformation"))
        .collect()
}

fn json(text: &str) -> Json {
    serde_json::from_str(text).expect("templates are JSON")
}

fn count(doc: &Json, section: &str) -> usize {
    doc.get(section)
        .and_then(Json::as_object)
        .map_or(0, |m| m.len())
}

/// Checks one folder's root and children; returns logical ID → the template holding it.
fn check_folder(folder: &str, files: &Rendered, max_resources: usize) -> BTreeMap<String, String> {
    let root = json(&files["template.json"]);
    let mut home = BTreeMap::new();
    let mut children = BTreeSet::new();
    for (lid, r) in root["Resources"].as_object().unwrap() {
        if r["Type"] == "AWS::CloudFormation::Stack" {
            let url = r["Properties"]["TemplateURL"].as_str().unwrap().to_owned();
            let child =
                json(files.get(&url).unwrap_or_else(|| {
                    panic!("{folder}: {lid} names {url}, which is not written")
                }));
            // The root passes exactly the parameters the child declares, none missing.
            let passed: BTreeSet<&String> = r["Properties"]["Parameters"]
                .as_object()
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            let declared: BTreeSet<&String> = child["Parameters"]
                .as_object()
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            assert_eq!(passed, declared, "{folder}: parameters of {lid}");
            children.insert(url);
        } else {
            home.insert(lid.clone(), "template.json".to_owned());
        }
    }
    assert!(!children.is_empty(), "{folder}: no nested stack");
    let files_children: BTreeSet<String> = files
        .keys()
        .filter(|f| f.starts_with("stacks/"))
        .cloned()
        .collect();
    assert_eq!(
        children, files_children,
        "{folder}: every child file is a stack of the root"
    );
    for (name, text) in files {
        let doc = json(text);
        let limit = if name == "template.json" {
            500
        } else {
            max_resources
        };
        assert!(
            count(&doc, "Resources") <= limit,
            "{folder}/{name}: {} resources",
            count(&doc, "Resources")
        );
        assert!(
            count(&doc, "Parameters") <= 200,
            "{folder}/{name}: parameters"
        );
        assert!(count(&doc, "Outputs") <= 200, "{folder}/{name}: outputs");
        assert!(
            text.len() <= 1_048_576,
            "{folder}/{name}: {} bytes",
            text.len()
        );
        let description = doc["Description"]
            .as_str()
            .unwrap_or_else(|| panic!("{folder}/{name}: no description"));
        assert!(description.len() <= 1024, "{folder}/{name}: description");
        if name == "template.json" {
            continue;
        }
        for lid in doc["Resources"].as_object().unwrap().keys() {
            assert!(
                home.insert(lid.clone(), name.clone()).is_none(),
                "{lid} twice"
            );
        }
    }
    for (lid, r) in root["Resources"].as_object().unwrap() {
        for (p, v) in r["Properties"]["Parameters"]
            .as_object()
            .into_iter()
            .flatten()
        {
            if let Some(att) = v.get("Fn::GetAtt").and_then(Json::as_array) {
                let (stack, out) = (att[0].as_str().unwrap(), att[1].as_str().unwrap());
                let Some(out) = out.strip_prefix("Outputs.") else {
                    continue; // a root resource's attribute
                };
                let url = root["Resources"][stack]["Properties"]["TemplateURL"]
                    .as_str()
                    .unwrap();
                assert!(
                    json(&files[url])["Outputs"].get(out).is_some(),
                    "{folder}: {lid}.{p} reads {stack}.{out}, which it does not declare"
                );
            }
        }
    }
    home
}

#[test]
fn a_thousand_services_split_into_nested_stacks_within_every_quota() {
    let folders = cloudformation(&mesh_spec(1000, "bench"), Settings::default());
    assert_eq!(folders.len(), 2, "both backends");
    for (folder, files) in &folders {
        let home = check_folder(folder, files, 500);
        // The resources of one service stay in one stack (every one of them is written).
        let home_of = |lid: &str| {
            home.get(lid)
                .unwrap_or_else(|| panic!("{folder}: no {lid}"))
        };
        let stack = home_of("TaskDefinitionSvc0421V2");
        for lid in [
            "TaskDefinitionSvc0421V1",
            "EcsServiceSvc0421V2",
            "RoleSvc0421V1",
        ] {
            assert_eq!(home_of(lid), stack, "{folder}: {lid}");
        }
        if folder == "cloudformation" {
            for lid in [
                "VirtualNodeSvc0421V1",
                "VirtualRouterSvc0421",
                "RouteSvc0421Default",
            ] {
                assert_eq!(home_of(lid), stack, "{folder}: {lid}");
            }
        }
        eprintln!("{folder}: {} templates", files.len());
    }
}

#[test]
fn adding_or_removing_a_service_moves_no_other_resource_between_stacks() {
    let before = cloudformation(&mesh_spec(300, "bench"), Settings::default());
    let after = cloudformation(&mesh_spec(301, "bench"), Settings::default());
    for (folder, files) in &before {
        let a = check_folder(folder, files, 500);
        let b = check_folder(folder, &after[folder], 500);
        let moved: Vec<String> = a
            .iter()
            .filter(|(lid, t)| b.get(*lid).is_some_and(|u| u != *t))
            .map(|(lid, t)| format!("{lid}: {t} -> {}", b[lid]))
            .collect();
        assert!(moved.is_empty(), "{folder}: moved {moved:#?}");
        let gone: Vec<&String> = a.keys().filter(|l| !b.contains_key(*l)).collect();
        assert!(gone.is_empty(), "{folder}: gone {gone:?}");
        let new: Vec<&String> = b.keys().filter(|l| !a.contains_key(*l)).collect();
        assert!(
            new.iter().any(|l| l.contains("Svc0300")),
            "{folder}: the new service is written"
        );
    }
}

#[test]
fn a_lower_bound_splits_a_small_mesh() {
    let text = mesh_spec(3, "small");
    let one = cloudformation(&text, Settings::default());
    assert!(
        one.values().all(|f| f.len() == 1),
        "3 services fit one template"
    );
    let split = cloudformation(
        &text,
        Settings {
            max_resources_per_stack: Some(30),
        },
    );
    for (folder, files) in &split {
        check_folder(folder, files, 30);
        // Importers see the same exports, whichever template declares them.
        assert_eq!(exports(&split[folder]), exports(&one[folder]), "{folder}");
    }
}

/// Every export name of a folder's templates, without the stack-name prefix.
fn exports(files: &Rendered) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for text in files.values() {
        for o in json(text)["Outputs"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(_, o)| o)
        {
            if let Some(sub) = o["Export"]["Name"]["Fn::Sub"].as_str() {
                out.insert(sub.split_once("}-").expect("${Stack}-Name").1.to_owned());
            }
        }
    }
    assert!(!out.is_empty());
    out
}

#[test]
fn the_generated_200_service_spec_validates_with_only_quota_warnings() {
    let text = mesh_spec(200, "bench");
    let all = targets::iac();
    let (d, plans) = meshsynth::synth::check_scoped(
        text.as_bytes(),
        &meshsynth::synth::CheckOptions {
            targets: &all,
            backends: Some(&MeshBackend::ALL),
            strict: false,
            settings: Settings::default(),
        },
    );
    assert_eq!(plans.len(), 2, "{}", d.render_human("mesh.yaml"));
    // 400 virtual nodes are over App Mesh's default quota of 200 (raisable), and the dashboard
    // splits into pages: what a mesh of this size is told, nothing else.
    let codes: BTreeSet<String> = d.iter().map(|x| x.code.to_string()).collect();
    assert!(d.iter().all(|x| x.severity == Severity::Warning));
    assert_eq!(
        codes,
        BTreeSet::from([
            "too-many-resources".to_owned(),
            "observability-dashboard-split".to_owned()
        ]),
        "{}",
        d.render_human("mesh.yaml")
    );
}
