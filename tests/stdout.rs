//! Results on stdout: a reader that stops early ends the output quietly (the exit code still
//! says whether the spec was valid); any other write failure is an I/O error, exit 2.

use std::io::Read;
use std::process::{Command, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_meshsynth"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Runs with stdout piped, reads `keep` bytes, then closes the pipe as `head -c` would.
fn closed_early(args: &[&str], keep: usize) -> (Option<i32>, String) {
    let mut child = bin()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut out = child.stdout.take().unwrap();
    let mut buf = vec![0; keep];
    out.read_exact(&mut buf).expect("some output first");
    drop(out);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (child.wait().unwrap().code(), err)
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    // The Airflow template is ~80 KB, more than a pipe buffer holds, so the write meets the
    // closed pipe.
    let (code, err) = closed_early(&["synth", "examples/airflow3-ecs.yaml", "--stdout"], 16);
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("error"), "{err}");
}

#[test]
fn a_closed_pipe_keeps_the_exit_code_of_an_invalid_spec() {
    let dir = std::env::temp_dir().join(format!("meshsynth-stdout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("broken.yaml");
    // Many diagnostics, so the JSON report is larger than a pipe buffer.
    let mut text = String::from("name: broken\nmesh: { name: broken }\nvirtual_services:\n");
    for i in 0..2000 {
        text.push_str(&format!(
            "  s{i}.example.internal: {{ node: missing-{i} }}\n"
        ));
    }
    std::fs::write(&spec, text).unwrap();
    let (code, err) = closed_early(
        &["validate", spec.to_str().unwrap(), "--format", "json"],
        16,
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_full_disk_on_stdout_is_an_io_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "SKIPPED: no /dev/full on this machine");
        return;
    };
    for args in [
        vec!["synth", "examples/orders-pipeline.yaml", "--stdout"],
        vec![
            "validate",
            "examples/orders-pipeline.yaml",
            "--format",
            "json",
        ],
        vec!["validate", "tests/fixtures/invalid/id-collision.yaml"],
    ] {
        let o = bin()
            .args(&args)
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.contains("writing to stdout"), "{args:?}: {err}");
    }
}
