//! The real Airflow accepts what meshsynth writes for it: the committed out/ and a fresh
//! synthesis of every valid fixture with an `airflow:` section, each with both backends (App
//! Mesh in `<spec>/`, VPC Lattice in `<spec>/vpc_lattice/`, a second example).
//!
//! tests/airflow/setup.sh builds (or reuses) one venv per Airflow line from the committed lock
//! files; tests/airflow/check.py, run with each line's python (the lines at once), starts every
//! Airflow component in the environment its task definition gives it and checks connections,
//! the ECS executor, the generated DAGs, the database migration and remote logging, and on
//! Lattice the SigV4-signed connections and the Lattice IAM (see check.py's docstring).
//!
//! It runs by default. `MESHSYNTH_SKIP_AIRFLOW=1` skips it with a banner; with `CI` set, a
//! skip is a failure.

mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use meshsynth::spec::MeshBackend;
use meshsynth::synth::{synthesize_with, Options};
use meshsynth::targets;

#[test]
fn airflow_accepts_examples_and_valid_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if common::skip_airflow(
        "airflow_accepts_examples_and_valid_fixtures",
        "the Airflow side of out/ and of the valid fixtures (connections, ECS executor \
         settings, DAG files, database migration, remote logging, and the VPC Lattice output's \
         signed connections and IAM) against the real Airflow 3.1 and 2.10",
    ) {
        return;
    }
    let started = Instant::now();
    let scratch =
        std::env::temp_dir().join(format!("meshsynth-airflow-runtime-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    remove_stale_scratch();
    let fixtures = synthesize_airflow_fixtures(&scratch);
    assert!(
        !fixtures.is_empty(),
        "no valid fixture has an `airflow:` section"
    );

    let venvs = common::airflow_venvs();
    let check = root.join("tests/airflow/check.py");
    let folders = [root.join("out"), scratch.clone()];

    // Which line each example needs: stdlib only, so any of the venvs' pythons will do.
    let any_python = venvs.values().next().expect("setup.sh made a venv");
    let listed = run(Command::new(any_python)
        .arg(&check)
        .arg("--list")
        .args(&folders)
        .current_dir(root));
    assert!(
        listed.0,
        "check.py --list failed:\n{}\n{}",
        listed.1, listed.2
    );
    let mut by_line: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in listed.1.lines().filter(|l| !l.trim().is_empty()) {
        let (line, example) = l.split_once('\t').expect("`<line>\\t<example>`");
        by_line
            .entry(line.to_string())
            .or_default()
            .push(example.to_string());
    }
    let unknown = by_line.remove("?").unwrap_or_default();
    assert!(
        unknown.is_empty(),
        "examples whose Airflow line cannot be told from their image: {unknown:?}"
    );
    let out_count = by_line
        .values()
        .flatten()
        .filter(|e| Path::new(e).starts_with(root.join("out")))
        .count();
    assert!(out_count > 0, "out/ has no Airflow example");

    // Every Airflow example of out/ and of the fixtures has its Lattice output beside it, which is
    // an Airflow example too (`<spec>/vpc_lattice`).
    let listed_examples: Vec<&String> = by_line.values().flatten().collect();
    let no_lattice: Vec<&&String> = listed_examples
        .iter()
        .filter(|e| !e.ends_with("/vpc_lattice"))
        .filter(|e| !listed_examples.contains(&&format!("{e}/vpc_lattice")))
        .collect();
    assert!(
        no_lattice.is_empty(),
        "Airflow examples without a vpc_lattice/ Airflow example beside them: {no_lattice:?}"
    );

    // The lines run at once: much of each is waiting (components started and kept up, Airflow
    // imports in forked processes), so together they take little more than the longer one.
    let runs: Vec<(String, (bool, String, String))> = std::thread::scope(|s| {
        let handles: Vec<_> = by_line
            .iter()
            .map(|(line, examples)| {
                let python = venvs.get(line).unwrap_or_else(|| {
                    panic!(
                        "examples {examples:?} need the Airflow {line} line, which setup.sh does \
                         not build"
                    )
                });
                let check = &check;
                let out = root.join("out");
                s.spawn(move || {
                    // The fixtures' Lattice copies skip only the slow start of their components:
                    // their App Mesh twins start, and out/'s Lattice examples do.
                    let got = run(Command::new(python)
                        .arg(check)
                        .arg("--lattice-start-under")
                        .arg(&out)
                        .args(examples)
                        .current_dir(root));
                    (line.clone(), got)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut reports = String::new();
    let mut failed = Vec::new();
    for (line, (ok, stdout, stderr)) in runs {
        if !ok {
            failed.push(line.clone());
        }
        reports.push_str(&stdout);
        if !ok && !stderr.trim().is_empty() {
            reports.push_str(&format!("check.py stderr:\n{stderr}\n"));
        }
    }
    let summaries: String = reports
        .lines()
        .filter(|l| l.starts_with("summary ") || l.starts_with("  FAIL "))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "\nairflow_runtime: {} fixture(s) with `airflow:` plus out/, {:.0} s",
        fixtures.len(),
        started.elapsed().as_secs_f64()
    );
    let _ = err.write_all(summaries.as_bytes());
    let _ = err.flush();
    drop(err);
    assert!(
        failed.is_empty(),
        "the Airflow runtime checks failed on line(s) {failed:?} (scratch synthesis of the fixtures \
         kept in {}):\n{reports}",
        scratch.display()
    );
    let _ = std::fs::remove_dir_all(&scratch);
}

/// A failed run keeps its scratch folder for a look; the next run removes those of runs that
/// have ended (on Linux, where /proc tells).
fn remove_stale_scratch() {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix("meshsynth-airflow-runtime-") {
            if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Every valid fixture with an `airflow:` section, synthesized for every target with both
/// backends into `<scratch>/<stem>/<target>/` and `<scratch>/<stem>/vpc_lattice/<target>/`, the
/// layout of out/.
fn synthesize_airflow_fixtures(scratch: &Path) -> Vec<String> {
    let fixtures = common::valid_fixtures();
    let mut done = Vec::new();
    for f in &fixtures {
        let text = std::fs::read_to_string(f).unwrap();
        if !text.lines().any(|l| l.starts_with("airflow:")) {
            continue;
        }
        let name = format!(
            "tests/fixtures/valid/{}",
            f.file_name().unwrap().to_string_lossy()
        );
        let stem = f.file_stem().unwrap().to_string_lossy().to_string();
        let mut opts = Options::new(&name, targets::ALL);
        opts.backends = Some(&MeshBackend::ALL);
        let s = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            synthesize_with(&text, &opts)
        }))
        .unwrap_or_else(|_| panic!("{name}: synthesizing it with both backends panicked (above)"));
        let files = s.files.unwrap_or_else(|| {
            panic!(
                "{name} is a valid fixture but does not synthesize:\n{}",
                s.diagnostics.render_human(&name)
            )
        });
        assert!(
            files.keys().any(|k| k.starts_with("vpc_lattice/")),
            "{name}: synthesizing with both backends gave no vpc_lattice/ folder: {:?}",
            files.keys().collect::<Vec<_>>()
        );
        // Keys are folders relative to the spec's: `cloudformation`, `vpc_lattice/airflow`, ...
        for (folder, rendered) in files {
            for (file, content) in rendered {
                let path = scratch.join(&stem).join(&folder).join(&file);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, content).unwrap();
            }
        }
        done.push(stem);
    }
    done
}

/// Runs tests/airflow/setup.sh (its progress goes straight to stderr) and returns each line's
/// python.
fn run(c: &mut Command) -> (bool, String, String) {
    let o = c
        .output()
        .unwrap_or_else(|e| panic!("cannot run {c:?}: {e}"));
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}
