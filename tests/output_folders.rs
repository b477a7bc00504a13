//! What `synth` does to the output folders: files of the user's are kept, edited generated files
//! stop the run, a target the spec dropped goes, `--target` leaves other targets alone, several
//! specs are written all or nothing, and a spec whose file name cannot name a folder says why.

mod common;

use std::path::Path;

use common::*;

fn manifest_files(folder: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(folder.join(".meshsynth-manifest.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["files"].as_object().unwrap().keys().cloned().collect()
}

#[test]
fn files_of_the_users_are_kept_across_runs() {
    let dir = scratch("folders", "user-files");
    let out = dir.join("out");
    let spec = write_spec(&dir, "mesh.yaml", &spec_text(1));
    synth_ok(&[&spec], &out, &[]);
    let tf = out.join("mesh/terraform");
    let listed = manifest_files(&out.join("mesh"));
    assert!(
        listed.contains(&"terraform/main.tf.json".to_owned()),
        "{listed:?}"
    );
    std::fs::write(
        tf.join("backend.tf"),
        "terraform {\n  backend \"s3\" {}\n}\n",
    )
    .unwrap();
    std::fs::write(tf.join("override.tf.json"), "{}\n").unwrap();
    std::fs::create_dir_all(tf.join(".terraform/providers")).unwrap();
    std::fs::write(tf.join(".terraform/providers/aws"), "binary").unwrap();
    std::fs::write(tf.join("terraform.tfstate"), "{\"version\": 4}\n").unwrap();
    std::fs::write(out.join("mesh/prod.parameters.json"), "[]\n").unwrap();
    let ours = |t: &Tree| -> Tree {
        t.iter()
            .filter(|(k, _)| listed.iter().any(|l| l == *k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let before = tree(&out.join("mesh"));
    std::fs::write(&spec, spec_text(2)).unwrap();
    let err = synth_ok(&[&spec], &out, &[]);
    assert!(
        err.contains("kept in")
            && err.contains("terraform/backend.tf")
            && err.contains("terraform/.terraform/"),
        "{err}"
    );
    let after = tree(&out.join("mesh"));
    for user in [
        "terraform/backend.tf",
        "terraform/override.tf.json",
        "terraform/.terraform/providers/aws",
        "terraform/terraform.tfstate",
        "prod.parameters.json",
    ] {
        assert_eq!(
            after.get(user),
            before.get(user),
            "{user} was not kept as it was"
        );
    }
    assert_ne!(
        ours(&after),
        ours(&before),
        "the generated files were not rewritten"
    );
    // The manifest lists meshsynth's files only.
    assert_eq!(manifest_files(&out.join("mesh")), listed);
    assert!(temps(&out).is_empty());
}

#[test]
fn an_edited_generated_file_stops_the_run_and_changes_nothing() {
    let dir = scratch("folders", "edited");
    let out = dir.join("out");
    let spec = write_spec(&dir, "mesh.yaml", &spec_text(1));
    synth_ok(&[&spec], &out, &[]);
    let main = out.join("mesh/terraform/main.tf.json");
    let mut text_now = std::fs::read_to_string(&main).unwrap();
    text_now.push(' ');
    std::fs::write(&main, text_now).unwrap();
    let before = tree(&out);
    std::fs::write(&spec, spec_text(2)).unwrap();
    let o = synth(&[&spec], &out, &[]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("terraform/main.tf.json")
            && err.contains("was changed after meshsynth wrote it")
            && err.contains("override"),
        "{err}"
    );
    assert_eq!(tree(&out), before);
    // Deleting the edited file is the way on.
    std::fs::remove_file(&main).unwrap();
    synth_ok(&[&spec], &out, &[]);
    assert!(main.is_file());
}

#[test]
fn a_file_of_the_users_where_meshsynth_now_writes_stops_the_run() {
    let dir = scratch("folders", "in-the-way");
    let out = dir.join("out");
    let spec = write_spec(&dir, "mesh.yaml", &spec_text(1));
    synth_ok(&[&spec], &out, &[]);
    // The next spec has Airflow: meshsynth would write airflow/README.md.
    std::fs::create_dir(out.join("mesh/airflow")).unwrap();
    std::fs::write(out.join("mesh/airflow/README.md"), "my notes\n").unwrap();
    let airflow = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/airflow3-ecs.yaml"),
    )
    .unwrap();
    std::fs::write(&spec, airflow).unwrap();
    let before = tree(&out);
    let o = synth(&[&spec], &out, &[]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("airflow/README.md` is not a file meshsynth wrote"),
        "{err}"
    );
    assert_eq!(tree(&out), before);
}

#[test]
fn a_target_the_spec_no_longer_produces_is_removed() {
    let dir = scratch("folders", "stale");
    let out = dir.join("out");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let spec = dir.join("mesh.yaml");
    std::fs::copy(root.join("examples/airflow3-ecs.yaml"), &spec).unwrap();
    synth_ok(&[&spec], &out, &[]);
    assert!(out.join("mesh/airflow").is_dir());
    std::fs::write(&spec, spec_text(1)).unwrap();
    synth_ok(&[&spec], &out, &[]);
    assert!(
        !out.join("mesh/airflow").exists(),
        "the Airflow guide stayed"
    );
    assert!(manifest_files(&out.join("mesh"))
        .iter()
        .all(|f| !f.starts_with("airflow/")));
}

#[test]
fn target_narrows_what_is_rewritten() {
    let dir = scratch("folders", "narrow");
    let out = dir.join("out");
    let spec = write_spec(&dir, "mesh.yaml", &spec_text(1));
    synth_ok(&[&spec], &out, &[]);
    let cfn = tree(&out.join("mesh/cloudformation"));
    std::fs::write(&spec, spec_text(2)).unwrap();
    synth_ok(&[&spec], &out, &["--target", "terraform"]);
    assert_eq!(
        tree(&out.join("mesh/cloudformation")),
        cfn,
        "--target terraform changed CloudFormation"
    );
    assert!(manifest_files(&out.join("mesh")).contains(&"cloudformation/template.json".to_owned()));
    // And a full run afterwards rewrites it without complaint.
    synth_ok(&[&spec], &out, &[]);
    assert_ne!(tree(&out.join("mesh/cloudformation")), cfn);
}

#[test]
fn two_specs_with_one_output_folder_are_refused_before_anything_is_written() {
    let dir = scratch("folders", "same-stem");
    std::fs::create_dir_all(dir.join("a")).unwrap();
    std::fs::create_dir_all(dir.join("b")).unwrap();
    let a = write_spec(&dir.join("a"), "mesh.yaml", &spec_text(1));
    let b = write_spec(&dir.join("b"), "mesh.yaml", &spec_text(2));
    let out = dir.join("out");
    let o = synth(&[&a, &b], &out, &[]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("a/mesh.yaml") && err.contains("b/mesh.yaml") && err.contains("out/mesh"),
        "{err}"
    );
    assert!(!out.exists(), "something was written");
    // The same file twice is one spec.
    synth_ok(&[&a, &a], &out, &[]);
}

#[test]
fn one_invalid_spec_means_nothing_is_written() {
    let dir = scratch("folders", "good-bad");
    let good = write_spec(&dir, "good.yaml", &spec_text(1));
    let bad = write_spec(
        &dir,
        "bad.yaml",
        "name: bad\nmesh: { name: bad }\nvirtual_services:\n  a.example.internal: { node: nope }\n",
    );
    let out = dir.join("out");
    let o = synth(&[&good, &bad], &out, &[]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(
        !out.exists(),
        "out/good was written although the run failed"
    );
    // Nor does it touch what a previous run wrote.
    synth_ok(&[&good], &out, &[]);
    let before = tree(&out);
    std::fs::write(&good, spec_text(2)).unwrap();
    assert_eq!(synth(&[&good, &bad], &out, &[]).status.code(), Some(1));
    assert_eq!(tree(&out), before);
}

#[test]
fn a_folder_meshsynth_did_not_write_is_refused() {
    let dir = scratch("folders", "foreign");
    let out = dir.join("out");
    std::fs::create_dir_all(out.join("mesh/src")).unwrap();
    std::fs::write(out.join("mesh/src/main.rs"), "fn main() {}\n").unwrap();
    let spec = write_spec(&dir, "mesh.yaml", &spec_text(1));
    let before = tree(&out);
    let o = synth(&[&spec], &out, &[]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("was not written by meshsynth"), "{err}");
    assert_eq!(tree(&out), before);
}

#[test]
fn a_folder_written_before_manifests_is_adopted() {
    let dir = scratch("folders", "legacy");
    let out = dir.join("out");
    let spec = write_spec(&dir, "mesh.yaml", &spec_text(1));
    synth_ok(&[&spec], &out, &[]);
    std::fs::remove_file(out.join("mesh/.meshsynth-manifest.json")).unwrap();
    std::fs::write(out.join("mesh/terraform/backend.tf"), "terraform {}\n").unwrap();
    std::fs::write(&spec, spec_text(2)).unwrap();
    let err = synth_ok(&[&spec], &out, &[]);
    assert!(err.contains("terraform/backend.tf"), "{err}");
    assert!(out.join("mesh/.meshsynth-manifest.json").is_file());
    assert!(out.join("mesh/terraform/backend.tf").is_file());
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_says_so() {
    use std::os::unix::ffi::OsStrExt;
    let dir = scratch("folders", "non-utf8");
    let spec = dir.join(std::ffi::OsStr::from_bytes(b"mesh-\xff.yaml"));
    std::fs::write(&spec, spec_text(1)).unwrap();
    let out = dir.join("out");
    let o = synth(&[&spec], &out, &[]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("is not valid UTF-8"), "{err}");
    assert!(!out.exists());
}

#[test]
fn a_hidden_file_name_says_so() {
    let dir = scratch("folders", "hidden");
    let spec = write_spec(&dir, ".yaml", &spec_text(1));
    let o = synth(&[&spec], &dir.join("out"), &[]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("hidden file name"), "{err}");
}
