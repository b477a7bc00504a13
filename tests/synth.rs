//! Snapshots of both targets for every valid fixture. Determinism across processes, working
//! folders and key order is tests/determinism.rs; the examples' output is pinned by out/
//! (tests/out_is_current.rs).

use meshsynth::synth::synthesize;
use meshsynth::targets::{self, Rendered, Target};

fn targets_for(path: &std::path::Path) -> Vec<&'static dyn Target> {
    // Fixtures named cfn-only-* use fields the Terraform AWS provider cannot express.
    if path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("cfn-only-")
    {
        vec![targets::CLOUDFORMATION]
    } else {
        meshsynth::targets::iac()
    }
}

fn joined(files: &Rendered) -> String {
    files
        .iter()
        .map(|(name, content)| format!("==> {name} <==\n{content}"))
        .collect()
}

#[test]
fn valid_fixtures_synthesize() {
    insta::glob!("fixtures/valid/*.yaml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = format!(
            "tests/fixtures/valid/{}",
            path.file_name().unwrap().to_string_lossy()
        );
        let targets = targets_for(path);
        let s = synthesize(&text, &name, &targets);
        assert!(
            !s.diagnostics.has_errors(),
            "{name} is invalid:\n{}",
            s.diagnostics.render_human(&name)
        );
        let files = s.files.expect("valid spec renders");
        for (t, rendered) in &files {
            for (file, content) in rendered {
                assert!(
                    content.ends_with('\n'),
                    "{name}: {file} has no trailing newline"
                );
                if file.ends_with(".json") {
                    let v: serde_json::Value = serde_json::from_str(content).expect("valid JSON");
                    assert_eq!(
                        &format!("{}\n", serde_json::to_string_pretty(&v).unwrap()),
                        content
                    );
                }
            }
            insta::assert_snapshot!(t.replace('/', "-"), joined(rendered));
        }
    });
}

#[test]
fn the_bundled_example_has_no_diagnostics() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/orders-pipeline.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let s = synthesize(
        &text,
        "examples/orders-pipeline.yaml",
        &meshsynth::targets::iac(),
    );
    assert!(
        s.diagnostics.is_empty(),
        "{}",
        s.diagnostics.render_human("example")
    );
    let files = s.files.unwrap();
    let cfn: serde_json::Value =
        serde_json::from_str(&files["cloudformation"]["template.json"]).unwrap();
    let resources = cfn["Resources"].as_object().unwrap();
    // The 90/10 split reaches the route as two weighted targets, referenced by name.
    let default = &resources["RouteOrdersDefault"]["Properties"]["Spec"]["HttpRoute"]["Action"]
        ["WeightedTargets"];
    assert_eq!(
        default,
        &serde_json::json!([
            { "VirtualNode": { "Fn::GetAtt": ["VirtualNodeOrdersV1", "VirtualNodeName"] }, "Weight": 90 },
            { "VirtualNode": { "Fn::GetAtt": ["VirtualNodeOrdersV2", "VirtualNodeName"] }, "Weight": 10 }
        ])
    );
    // The tool version is written once per target.
    let version = format!("meshsynth {}", meshsynth::VERSION);
    for rendered in files.values() {
        let count: usize = rendered.values().map(|c| c.matches(&version).count()).sum();
        assert_eq!(count, 1);
    }
    let tf: serde_json::Value = serde_json::from_str(&files["terraform"]["main.tf.json"]).unwrap();
    let node = &tf["resource"]["aws_appmesh_virtual_node"]["orders_v1"];
    assert_eq!(
        node["mesh_name"],
        "${aws_appmesh_mesh.orders_pipeline.name}"
    );
    assert_eq!(
        node["spec"]["service_discovery"]["aws_cloud_map"]["attributes"],
        serde_json::json!({ "version": "v1" })
    );
    // The spec's tags, and the path the resource comes from.
    assert_eq!(
        node["tags"],
        serde_json::json!({ "meshsynth:source": "virtual_nodes.orders-v1", "team": "data-platform" })
    );
}
