//! The loader under hostile and unusual input (issue #7, "No crash, no hang, no lost file").
//! Inputs that took minutes run through the binary under a deadline, so a regression fails
//! instead of hanging the suite.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("meshsynth-load-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// What `meshsynth validate` did with `bytes` as a spec file.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `meshsynth validate` on `bytes`, killing it past `deadline` (and failing then).
fn validate(name: &str, bytes: &[u8], deadline: Duration) -> Run {
    let dir = scratch(name);
    let spec = dir.join(format!("{name}.yaml"));
    std::fs::write(&spec, bytes).unwrap();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_meshsynth"))
        .arg("validate")
        .arg(&spec)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // Read both pipes while waiting, so a long report cannot block the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{name}: `meshsynth validate` still running after {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    let run = Run {
        code: status.code(),
        stdout: text(out.join().unwrap()),
        stderr: text(err.join().unwrap()),
    };
    let _ = std::fs::remove_dir_all(&dir);
    run
}

impl Run {
    /// An invalid spec: exit 1, no panic, and the report names `code`.
    fn refused_with(&self, code: &str) -> &Self {
        assert_eq!(
            self.code,
            Some(1),
            "exit code; stderr: {}",
            self.stderr.chars().take(2000).collect::<String>()
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        assert!(
            self.stdout.contains(&format!("error[{code}]")),
            "no `{code}`: {}",
            self.stdout.chars().take(2000).collect::<String>()
        );
        self
    }
}

// 5. Hang-class slowness: "did you mean" is cheap whatever the keys.

#[test]
fn many_unknown_keys_are_reported_quickly() {
    // 100,000 unknown keys, half at the top level and half in `mesh`.
    let mut text = String::from("name: shop\n");
    for i in 0..50_000 {
        text.push_str(&format!("unknown_key_{i:06}: 1\n"));
    }
    text.push_str("mesh:\n  name: shop\n");
    for i in 0..50_000 {
        text.push_str(&format!("  unknown_key_{i:06}: 1\n"));
    }
    let run = validate("unknown-keys", text.as_bytes(), Duration::from_secs(60));
    run.refused_with("unknown-key");
    assert_eq!(run.stdout.matches("error[unknown-key]").count(), 100_000);
}
