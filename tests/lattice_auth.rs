//! The SigV4 auth meshsynth ships for VPC Lattice services with IAM auth
//! (src/targets/lattice_auth.py, written into the dags folder as `meshsynth_lattice_auth.py`)
//! signs as Lattice requires and works with the http provider of each Airflow line.
//!
//! tests/airflow/lattice_auth_check.py, run with the python of each venv of
//! tests/airflow/setup.sh, checks it offline (see its docstring): the signature against one
//! computed independently, the credentials and region, and HttpHook/HttpOperator signing what
//! they send. `MESHSYNTH_SKIP_AIRFLOW=1` skips it with a banner; with `CI` set, a skip is a
//! failure.

mod common;

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

#[test]
fn lattice_auth_signs_for_lattice_on_every_airflow_line() {
    if common::skip_airflow(
        "lattice_auth_signs_for_lattice_on_every_airflow_line",
        "the SigV4 auth for VPC Lattice (src/targets/lattice_auth.py) with Airflow 3.1 and 2.10",
    ) {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let venvs = common::airflow_venvs();
    // The module under the name it has in the dags folder, importable from PYTHONPATH.
    let scratch = common::scratch("lattice-auth", "module");
    let dags = scratch.join("dags");
    std::fs::create_dir(&dags).unwrap();
    let module = dags.join("meshsynth_lattice_auth.py");
    std::fs::copy(root.join("src/targets/lattice_auth.py"), &module).unwrap();
    let check = root.join("tests/airflow/lattice_auth_check.py");

    // Both lines at once: most of each run is Airflow's import.
    let runs: Vec<(String, std::process::Output)> = std::thread::scope(|s| {
        let handles: Vec<_> = venvs
            .iter()
            .map(|(line, python)| {
                let home = scratch.join(format!("airflow-home-{line}"));
                let (check, module, dags) = (&check, &module, &dags);
                s.spawn(move || {
                    let o = Command::new(python)
                        .arg(check)
                        .arg(module)
                        .env("PYTHONPATH", dags)
                        .env("AIRFLOW_HOME", home)
                        .current_dir(root)
                        .output()
                        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
                    (line.clone(), o)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let mut report = String::new();
    let mut failed = Vec::new();
    for (line, o) in &runs {
        let stdout = common::text(&o.stdout);
        // Every check ran (the Airflow ones only run once the provider imports) and passed.
        let complete = stdout.lines().any(|l| l.starts_with("ok    a."))
            && stdout.lines().any(|l| l.starts_with("ok    b."))
            && stdout
                .lines()
                .any(|l| l.starts_with("summary ") && l.ends_with(", 0 failed"));
        if !o.status.success() || !complete {
            failed.push(line.clone());
            report.push_str(&format!(
                "--- Airflow {line} (exit {:?})\n{stdout}\nstderr:\n{}\n",
                o.status.code(),
                common::text(&o.stderr)
            ));
        }
        let mut err = std::io::stderr().lock();
        for l in stdout
            .lines()
            .filter(|l| l.starts_with("finding ") || l.starts_with("summary "))
        {
            let _ = writeln!(err, "lattice_auth {line}: {l}");
        }
    }
    assert!(
        failed.is_empty(),
        "lattice_auth_check.py failed on Airflow line(s) {failed:?}:\n{report}"
    );
    let _ = std::fs::remove_dir_all(&scratch);
}
