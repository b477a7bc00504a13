//! Output depends on the spec's content only: not on where the spec sits on disk, not on the
//! working folder, not on the order of keys in the YAML, and not on the run.
//!
//! Every example is synthesized by the real binary twice, from two working folders with different
//! absolute paths; the second copy has every mapping's keys in reverse order. The two output trees
//! must be byte-identical.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml::{Mapping, Value};

/// Every mapping's keys in reverse order, all the way down. Sequences keep their order: it means
/// something (listeners, match lists).
fn reverse_keys(v: Value) -> Value {
    match v {
        Value::Mapping(m) => {
            let pairs: Vec<(Value, Value)> = m.into_iter().collect();
            let mut out = Mapping::new();
            for (k, v) in pairs.into_iter().rev() {
                out.insert(k, reverse_keys(v));
            }
            Value::Mapping(out)
        }
        Value::Sequence(s) => Value::Sequence(s.into_iter().map(reverse_keys).collect()),
        Value::Tagged(mut t) => {
            t.value = reverse_keys(t.value);
            Value::Tagged(t)
        }
        other => other,
    }
}

/// The keys of every mapping, in document order, as one list (to check that reversing did
/// something).
fn key_order(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Mapping(m) => {
            for (k, v) in m {
                out.push(serde_yaml::to_string(k).unwrap());
                key_order(v, out);
            }
        }
        Value::Sequence(s) => s.iter().for_each(|v| key_order(v, out)),
        Value::Tagged(t) => key_order(&t.value, out),
        _ => {}
    }
}

/// Relative path (with `/`) → bytes, for every file under `dir`.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(dir: &Path, base: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, base, out);
            } else {
                let rel = p
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// A fresh, empty folder.
fn fresh(dir: &Path) -> PathBuf {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    dir.to_path_buf()
}

/// `meshsynth synth <spec> --out out` in `cwd`; panics unless it exits 0.
fn synth(cwd: &Path, spec: &str) {
    let o = Command::new(env!("CARGO_BIN_EXE_meshsynth"))
        .current_dir(cwd)
        .args(["synth", spec, "--out", "out"])
        .output()
        .expect("the binary runs");
    assert!(
        o.status.success(),
        "`meshsynth synth {spec} --out out` in {} exited {:?}:\n{}",
        cwd.display(),
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The first line where `a` and `b` differ, 1-based, with both lines.
fn first_difference(a: &[u8], b: &[u8]) -> String {
    let a = String::from_utf8_lossy(a);
    let b = String::from_utf8_lossy(b);
    let mut la = a.lines();
    let mut lb = b.lines();
    for n in 1.. {
        match (la.next(), lb.next()) {
            (Some(x), Some(y)) if x == y => {}
            (None, None) => break,
            (x, y) => {
                return format!(
                    "first difference at line {n}:\n  - {}\n  + {}",
                    x.unwrap_or("(end of file)"),
                    y.unwrap_or("(end of file)")
                )
            }
        }
    }
    "the files differ only in line endings".to_owned()
}

#[test]
fn examples_synthesize_identically_from_other_folders_and_reordered_keys() {
    let examples = common::yaml_files("examples");
    assert!(!examples.is_empty(), "no examples/*.yaml");

    // Two working folders with different absolute paths (and different depths).
    let pid = std::process::id();
    let tmp = std::env::temp_dir();
    let first_root = tmp.join(format!("meshsynth-determinism-{pid}-a"));
    let second_root = tmp.join(format!("meshsynth-determinism-{pid}-b"));
    let first = fresh(&first_root);
    let second = fresh(&second_root.join("a/deeper/working-folder"));
    assert_ne!(first, second);

    for example in &examples {
        let file = example.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(example).unwrap();

        let parsed: Value = serde_yaml::from_str(&text)
            .unwrap_or_else(|e| panic!("examples/{file} is not YAML: {e}"));
        let reversed = reverse_keys(parsed.clone());
        let (mut before, mut after) = (Vec::new(), Vec::new());
        key_order(&parsed, &mut before);
        key_order(&reversed, &mut after);
        assert_ne!(
            before, after,
            "examples/{file}: reversing changed no key order"
        );
        assert_eq!(
            reversed, parsed,
            "examples/{file}: reversing must keep the same mappings"
        );

        for dir in [&first, &second] {
            let _ = std::fs::remove_dir_all(dir.join("out"));
        }
        std::fs::write(first.join(&file), &text).unwrap();
        std::fs::write(
            second.join(&file),
            serde_yaml::to_string(&reversed).unwrap(),
        )
        .unwrap();
        // The same relative name: the spec's name appears in the output.
        synth(&first, &file);
        synth(&second, &file);

        let a = tree(&first.join("out"));
        let b = tree(&second.join("out"));
        assert!(!a.is_empty(), "examples/{file}: nothing was written");
        let only_a: Vec<&String> = a.keys().filter(|k| !b.contains_key(*k)).collect();
        let only_b: Vec<&String> = b.keys().filter(|k| !a.contains_key(*k)).collect();
        assert!(
            only_a.is_empty() && only_b.is_empty(),
            "examples/{file}: the two runs wrote different files\n  only from the original spec: {only_a:?}\n  only from the reordered copy: {only_b:?}"
        );
        if let Some((path, bytes)) = a.iter().find(|(k, v)| b[*k] != **v) {
            panic!(
                "examples/{file}: out/{path} differs between\n  {} (original key order) and\n  {} (every mapping's keys reversed)\n{}",
                first.display(),
                second.display(),
                first_difference(bytes, &b[path])
            );
        }
    }
    let _ = std::fs::remove_dir_all(&first_root);
    let _ = std::fs::remove_dir_all(&second_root);
}
