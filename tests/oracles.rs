//! The independent validators in ../shared/oracles (cfn-lint, the Terraform provider-schema
//! checker, `terraform validate`, the AWS API constraints) accept everything meshsynth writes:
//! the committed out/ and a fresh synthesis of every valid fixture, with both backends.

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use meshsynth::spec::MeshBackend;
use meshsynth::synth::{synthesize_with, Options};
use meshsynth::targets;

/// `../shared/oracles/check-out.sh`, or `None` (with a banner) in a developer checkout without
/// it; CI always has it.
fn oracle_script() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("../shared/oracles/check-out.sh");
    if script.is_file() {
        return Some(script);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must have ../shared/oracles/check-out.sh ({} not found)",
        script.display()
    );
    skipped_banner(&script);
    None
}

/// Runs the oracles over `dir`, one run at a time: a first run sets up their shared cache (a
/// Python venv, Terraform providers), and two first runs at once broke each other's ("cannot
/// create a venv").
fn check_out(script: &Path, dir: &Path) -> std::process::Output {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Command::new("bash")
        .arg(script)
        .arg(dir)
        .output()
        .expect("bash runs")
}

#[test]
fn oracles_accept_examples_and_valid_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(script) = oracle_script() else {
        return;
    };
    let scratch = std::env::temp_dir().join(format!("meshsynth-oracles-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let fixtures = common::valid_fixtures();
    for f in &fixtures {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let targets = if name.starts_with("cfn-only-") {
            vec![targets::CLOUDFORMATION]
        } else {
            meshsynth::targets::iac()
        };
        // Both backends, as `synth --backend all` writes them.
        let mut opts = Options::new(&name, &targets);
        opts.backends = Some(&MeshBackend::ALL);
        let s = synthesize_with(&std::fs::read_to_string(f).unwrap(), &opts);
        let stem = f.file_stem().unwrap().to_string_lossy().to_string();
        for (t, rendered) in s.files.expect("valid fixture") {
            let dir = scratch.join(&stem).join(t);
            std::fs::create_dir_all(&dir).unwrap();
            for (file, content) in rendered {
                let path = dir.join(file);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, content).unwrap();
            }
        }
    }
    for dir in [root.join("out"), scratch.clone()] {
        let o = check_out(&script, &dir);
        assert!(
            o.status.success(),
            "oracles rejected {}:\n{}\n{}",
            dir.display(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        eprintln!("{}", String::from_utf8_lossy(&o.stdout).trim());
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

/// libtest captures `eprintln!` and shows it only for failing tests, so a skip written that way is
/// invisible and the test reads as a pass. Writing to the stderr handle itself is not captured.
fn skipped_banner(script: &Path) {
    let rule = "=".repeat(78);
    let banner = format!(
        "\n{rule}\n\
         SKIPPED: oracles_accept_examples_and_valid_fixtures did NOT run.\n\
         \n\
         Why: {} was not found,\n\
         so cfn-lint, the Terraform provider-schema checker, `terraform validate` and the\n\
         AWS API constraints did not check out/ or the valid fixtures. The test reports\n\
         `ok`, but nothing was validated.\n\
         \n\
         To run it: put this checkout beside the `shared` repository, so that\n\
         ../shared/oracles/check-out.sh exists relative to {}.\n\
         To make its absence a failure instead of a skip (as CI does): set CI=1.\n\
         {rule}\n",
        script.display(),
        env!("CARGO_MANIFEST_DIR"),
    );
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(banner.as_bytes());
    let _ = err.flush();
}

/// A mesh too big for one template: the root and every nested stack pass the oracles (cfn-lint
/// also checks that the root passes each child exactly its parameters, E3043), both backends,
/// and a small mesh split by `--max-resources-per-stack` too. 120 services: about 130 nested
/// stacks per backend, what cfn-lint checks in a few minutes on two cores (a 1000-service mesh
/// takes it well over ten; `tests/nested_stacks.rs` checks that one's quotas and wiring).
#[test]
fn oracles_accept_nested_stacks() {
    let Some(script) = oracle_script() else {
        return;
    };
    let scratch = std::env::temp_dir().join(format!("meshsynth-nested-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let t = [targets::CLOUDFORMATION];
    for (stem, n, max) in [("mesh-120", 120, None), ("mesh-4-split", 4, Some(25))] {
        let text = meshsynth::generate::mesh_spec(n, "bench");
        let mut opts = Options::new("mesh.yaml", &t);
        opts.backends = Some(&MeshBackend::ALL);
        opts.settings = targets::Settings {
            max_resources_per_stack: max,
        };
        let s = synthesize_with(&text, &opts);
        let files = s.files.expect("the generated mesh is valid");
        let mut nested = 0;
        for (folder, rendered) in files {
            nested += rendered.keys().filter(|f| f.starts_with("stacks/")).count();
            for (file, content) in rendered {
                let path = scratch.join(stem).join(&folder).join(file);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, content).unwrap();
            }
        }
        assert!(nested > 2, "{stem}: {nested} nested stacks");
    }
    let o = check_out(&script, &scratch);
    assert!(
        o.status.success(),
        "oracles rejected nested stacks in {}:\n{}\n{}",
        scratch.display(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    eprintln!("{}", String::from_utf8_lossy(&o.stdout).trim());
    let _ = std::fs::remove_dir_all(&scratch);
}
