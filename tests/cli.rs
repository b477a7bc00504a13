//! The command line as a user runs it: exit codes, what is written, what is printed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_meshsynth"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("meshsynth-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn synth_without_a_spec_writes_the_bundled_example() {
    let out = scratch("default");
    let o = run(&["synth", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let base = out.join("orders-pipeline");
    for f in [
        "cloudformation/template.json",
        "terraform/main.tf.json",
        "terraform/variables.tf.json",
        "terraform/outputs.tf.json",
        "terraform/versions.tf.json",
        "terraform/README.md",
    ] {
        assert!(base.join(f).is_file(), "{f} missing");
    }
    let err = text(&o.stderr);
    assert!(
        err.contains("cloudformation") && err.contains("terraform") && err.contains("resources"),
        "{err}"
    );
    assert!(o.stdout.is_empty(), "results go to stdout only when asked");
    // No temporary folder is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn synth_target_and_stdout() {
    let o = run(&[
        "synth",
        "examples/orders-pipeline.yaml",
        "--target",
        "cloudformation",
        "--stdout",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).expect("a single template on stdout");
    assert_eq!(v["AWSTemplateFormatVersion"], "2010-09-09");
}

fn invalid_spec(dir: &Path) -> PathBuf {
    let p = dir.join("broken.yaml");
    std::fs::write(
        &p,
        "name: broken\nmesh: { name: broken }\nvirtual_services:\n  a.example.internal: { node: nope }\n",
    )
    .unwrap();
    p
}

#[test]
fn an_invalid_spec_exits_1_and_writes_nothing() {
    let dir = scratch("invalid");
    let spec = invalid_spec(&dir);
    let out = dir.join("out");
    let o = run(&[
        "synth",
        spec.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("error[unknown-virtual-node]"), "{err}");
    assert!(
        err.contains("broken.yaml:4:"),
        "diagnostics carry line:column: {err}"
    );
    assert!(
        !out.join("broken").exists(),
        "nothing may be written for an invalid spec"
    );
}

#[test]
fn validate_prints_json() {
    let dir = scratch("json");
    let spec = invalid_spec(&dir);
    let o = run(&["validate", spec.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], false);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "unknown-virtual-node");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["path"], r#"virtual_services["a.example.internal"].node"#);
    assert_eq!(d["location"]["line"], 4);
}

#[test]
fn validate_accepts_the_example() {
    let o = run(&["validate", "examples/orders-pipeline.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(
        run(&["synth", "does/not/exist.yaml"]).status.code(),
        Some(2)
    );
    assert_eq!(run(&["validate"]).status.code(), Some(2));
    assert_eq!(run(&["synth", "--target", "pulumi"]).status.code(), Some(2));
}

#[test]
fn garbage_input_never_panics() {
    let dir = scratch("garbage");
    for (i, body) in [
        "",
        "- a\n- b\n",
        "name: [\n",
        "\u{0}\u{1}",
        "name: x\nmesh: 3\n",
        "{{{{",
    ]
    .iter()
    .enumerate()
    {
        let p = dir.join(format!("g{i}.yaml"));
        std::fs::write(&p, body).unwrap();
        let o = run(&["validate", p.to_str().unwrap()]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "input {body:?}: {}",
            text(&o.stderr)
        );
        assert!(!text(&o.stderr).contains("panicked"));
    }
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["synth", "--help"],
        vec!["validate", "--help"],
        vec!["schema", "--help"],
    ] {
        let o = run(&args);
        assert!(o.status.success());
        assert!(text(&o.stdout).contains("Usage"));
    }
}

#[test]
fn schema_check_passes_on_the_committed_schema() {
    let o = run(&["schema", "--check"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let dir = scratch("schema");
    let stale = dir.join("s.json");
    std::fs::write(&stale, "{}").unwrap();
    assert_eq!(
        run(&["schema", "--check", "--path", stale.to_str().unwrap()])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn the_terraform_readme_names_the_folder_it_was_written_to() {
    let dir = scratch("readme-source");
    let o = bin()
        .current_dir(&dir)
        .args([
            "synth",
            concat!(env!("CARGO_MANIFEST_DIR"), "/examples/orders-pipeline.yaml"),
            "--target",
            "terraform",
            "--out",
            "build",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let readme =
        std::fs::read_to_string(dir.join("build/orders-pipeline/terraform/README.md")).unwrap();
    assert!(
        readme.contains(r#"source = "./build/orders-pipeline/terraform""#),
        "{readme}"
    );
    assert!(!readme.contains("./out/"), "{readme}");
}

#[test]
fn a_quota_that_terraform_enforces_is_an_error_only_for_terraform() {
    let spec = "tests/fixtures/invalid/too-many-backends.yaml";
    let cfn = run(&["validate", spec, "--target", "cloudformation"]);
    assert_eq!(cfn.status.code(), Some(0), "{}", text(&cfn.stdout));
    assert!(text(&cfn.stdout).contains("warning[too-many-backends]"));
    let tf = run(&["validate", spec, "--target", "terraform"]);
    assert_eq!(tf.status.code(), Some(1));
    let out = text(&tf.stdout);
    // Reported once, as the error: the warning of the same rule at the same place is superseded.
    assert!(out.contains("error[too-many-backends]"), "{out}");
    assert!(!out.contains("warning[too-many-backends]"), "{out}");
}

/// `synth SPEC ARGS --out OUT`.
fn synth_into(spec: &Path, out: &Path, args: &[&str]) -> Output {
    let mut all = vec!["synth", spec.to_str().unwrap()];
    all.extend_from_slice(args);
    all.extend(["--out", out.to_str().unwrap()]);
    run(&all)
}

/// A spec whose Lattice rendering drops an outlier detection.
const DROPS: &str = "name: shop\nmesh: { name: shop }\nvirtual_nodes:\n  orders-v1:\n    listeners: [{ port: 8080, protocol: http, outlier_detection: { max_server_errors: 5, interval: 10s, base_ejection_duration: 30s, max_ejection_percent: 50 } }]\n    service_discovery: { dns: { hostname: orders-v1.shop.internal, response_type: endpoints } }\nvirtual_services:\n  orders.shop.internal: { node: orders-v1 }\n";

#[test]
fn backends_go_side_by_side_and_a_narrower_run_keeps_the_other() {
    let out = scratch("backends");
    let spec = out.join("shop.yaml");
    std::fs::write(&spec, DROPS).unwrap();
    let o = synth_into(&spec, &out, &["--backend", "all"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let base = out.join("shop");
    for f in [
        "cloudformation/template.json",
        "terraform/main.tf.json",
        "vpc_lattice/MIGRATION.md",
        "vpc_lattice/cloudformation/template.json",
        "vpc_lattice/terraform/main.tf.json",
    ] {
        assert!(base.join(f).is_file(), "{f} missing");
    }
    let err = text(&o.stderr);
    // App Mesh rendered: the end of support is said once, with the way out.
    assert_eq!(
        err.matches("end of support on 2026-09-30").count(),
        1,
        "{err}"
    );
    assert!(err.contains("--backend vpc_lattice"), "{err}");
    assert!(err.contains("warning[lattice-dropped]"), "{err}");
    let migration = std::fs::read_to_string(base.join("vpc_lattice/MIGRATION.md")).unwrap();
    assert!(
        migration.contains("`virtual_nodes.orders-v1.listeners[0].outlier_detection`"),
        "{migration}"
    );

    // Lattice only: the App Mesh folders stay as they were, and nothing is said of App Mesh.
    let before = std::fs::read(base.join("cloudformation/template.json")).unwrap();
    let o = synth_into(&spec, &out, &["--backend", "vpc_lattice"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!text(&o.stderr).contains("end of support"));
    assert_eq!(
        std::fs::read(base.join("cloudformation/template.json")).unwrap(),
        before
    );
    assert!(base
        .join("vpc_lattice/cloudformation/template.json")
        .is_file());
    // App Mesh only: the Lattice folder stays too.
    let o = synth_into(&spec, &out, &["--backend", "app_mesh"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(base.join("vpc_lattice/MIGRATION.md").is_file());
}

#[test]
fn strict_makes_a_dropped_feature_an_error_and_writes_nothing() {
    let out = scratch("strict");
    let spec = out.join("shop.yaml");
    std::fs::write(&spec, DROPS).unwrap();
    let o = synth_into(&spec, &out, &["--backend", "vpc_lattice", "--strict"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("error[lattice-dropped]"), "{err}");
    assert!(!out.join("shop").exists(), "nothing is written");
    // Without --strict the same spec synthesizes, with a warning.
    let o = run(&[
        "validate",
        spec.to_str().unwrap(),
        "--backend",
        "vpc_lattice",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = run(&[
        "validate",
        spec.to_str().unwrap(),
        "--backend",
        "vpc_lattice",
        "--strict",
    ]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn synth_json_carries_the_migration_report() {
    let out = scratch("json");
    let spec = out.join("shop.yaml");
    std::fs::write(&spec, DROPS).unwrap();
    let o = synth_into(
        &spec,
        &out,
        &["--backend", "vpc_lattice", "--format", "json"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let s = &v["specs"][0];
    assert_eq!(s["valid"], true);
    assert_eq!(s["backends"], serde_json::json!(["vpc_lattice"]));
    assert_eq!(s["migration"]["counts"]["dropped"], 1);
    assert_eq!(
        s["migration"]["services"][0]["virtual_service"],
        "orders.shop.internal"
    );
    let files: Vec<&str> = s["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(
        files
            .iter()
            .any(|f| f.ends_with("shop/vpc_lattice/MIGRATION.md")),
        "{files:?}"
    );
    assert!(out.join("shop/vpc_lattice/MIGRATION.md").is_file());
}

#[test]
fn a_nested_layout_is_summarised_with_the_package_step() {
    let out = scratch("nested-summary");
    let spec = Path::new("examples/orders-pipeline.yaml");
    let o = synth_into(
        spec,
        &out,
        &[
            "--target",
            "cloudformation",
            "--max-resources-per-stack",
            "10",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stacks = std::fs::read_dir(out.join("orders-pipeline/cloudformation/stacks"))
        .unwrap()
        .count();
    assert!(stacks > 3, "{stacks} stacks");
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!(
            "the CloudFormation output is a root template with {stacks} nested stacks under stacks/: `aws cloudformation package`"
        )),
        "{err}"
    );
    // The stacks are one entry of the listing, not one name each.
    assert!(
        err.contains(&format!("(template.json, stacks/ ({stacks} files))")),
        "{err}"
    );
    assert!(!err.contains("--s3-bucket"), "{err}");
    let _ = std::fs::remove_dir_all(&out);
}
