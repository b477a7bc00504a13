//! Helpers of the tests: running `meshsynth synth` against output folders, and the fixtures.
#![allow(dead_code)]

pub mod appmesh;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_meshsynth"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh folder under the temporary folder, named after the test.
pub fn scratch(prefix: &str, name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("meshsynth-{prefix}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `meshsynth synth <specs> --out <out> <extra>`.
pub fn synth(specs: &[&Path], out: &Path, extra: &[&str]) -> Output {
    bin()
        .arg("synth")
        .args(specs)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .expect("the binary runs")
}

/// Like [`synth`], and it must succeed.
pub fn synth_ok(specs: &[&Path], out: &Path, extra: &[&str]) -> String {
    let o = synth(specs, out, extra);
    assert!(o.status.success(), "synth failed:\n{}", text(&o.stderr));
    text(&o.stderr)
}

/// A folder's entries byte for byte (folders as `None`), with each entry's permission bits.
pub type Tree = BTreeMap<String, (Option<Vec<u8>>, u32)>;

pub fn tree(dir: &Path) -> Tree {
    fn walk(dir: &Path, base: &Path, out: &mut Tree) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let mode = mode(&meta);
            if meta.is_dir() {
                out.insert(rel, (None, mode));
                walk(&p, base, out);
            } else {
                out.insert(rel, (Some(std::fs::read(&p).unwrap()), mode));
            }
        }
    }
    let mut t = Tree::new();
    if dir.is_dir() {
        walk(dir, dir, &mut t);
    }
    t
}

#[cfg(unix)]
fn mode(meta: &std::fs::Metadata) -> u32 {
    std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o7777
}

#[cfg(not(unix))]
fn mode(_meta: &std::fs::Metadata) -> u32 {
    0
}

/// Entries of `out` that start with a dot: temporary folders a run left.
pub fn temps(out: &Path) -> Vec<String> {
    std::fs::read_dir(out)
        .map(|r| {
            r.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default()
}

/// Says on the terminal, past libtest's capture, that a check could not run here.
pub fn skipped(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "\n*** SKIPPED {test}: {why} ***\n");
}

/// A small valid spec; `variant` changes what it generates.
pub fn spec_text(variant: u32) -> String {
    format!(
        "name: mesh\nmesh: {{ name: mesh-{variant} }}\nvirtual_nodes:\n  lonely: {{}}\n  other-{variant}: {{}}\n"
    )
}

/// Writes `text` as `dir/name`.
pub fn write_spec(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs a command (chattr, mount), quietly; whether it succeeded.
pub fn sh(program: &str, args: &[&std::ffi::OsStr]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `chattr +i` on a path until dropped; `None` where the attribute cannot be set here.
pub struct Immutable {
    /// The test's scratch folder: cleared whole on drop, wherever the path went meanwhile.
    root: PathBuf,
}

impl Immutable {
    pub fn set(path: &Path, root: &Path) -> Option<Immutable> {
        sh("chattr", &["+i".as_ref(), path.as_os_str()]).then(|| Immutable {
            root: root.to_path_buf(),
        })
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        sh(
            "chattr",
            &["-R".as_ref(), "-i".as_ref(), self.root.as_os_str()],
        );
    }
}

/// A tmpfs of `size` mounted on a folder until dropped; `None` where mounting is not allowed.
pub struct Tmpfs(PathBuf);

impl Tmpfs {
    pub fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).ok()?;
        let opts = format!("size={size}");
        sh(
            "mount",
            &[
                "-t".as_ref(),
                "tmpfs".as_ref(),
                "-o".as_ref(),
                opts.as_ref(),
                "meshsynth-test".as_ref(),
                dir.as_os_str(),
            ],
        )
        .then(|| Tmpfs(dir.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        if !sh("umount", &[self.0.as_os_str()]) {
            sh("umount", &["-l".as_ref(), self.0.as_os_str()]);
        }
    }
}

/// The `*.yaml` files of a folder of the repository (`examples`), sorted.
pub fn yaml_files(folder: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

/// Every valid fixture (`tests/fixtures/valid/*.yaml`), sorted.
pub fn valid_fixtures() -> Vec<PathBuf> {
    yaml_files("tests/fixtures/valid")
}

/// Whether `MESHSYNTH_SKIP_AIRFLOW=1` skips a test that needs the Airflow venvs; says so on the
/// terminal with `what` (what did not get checked). With `CI` set, a skip is a failure.
pub fn skip_airflow(test: &str, what: &str) -> bool {
    if std::env::var_os("MESHSYNTH_SKIP_AIRFLOW").is_none_or(|v| v != "1") {
        return false;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must run {test}, but MESHSYNTH_SKIP_AIRFLOW=1 is set"
    );
    let rule = "=".repeat(78);
    let banner = format!(
        "\n{rule}\nSKIPPED: {test} did NOT run.\n\nWhy: MESHSYNTH_SKIP_AIRFLOW=1 is set, so {what} \
         was not checked. The test reports `ok`, but nothing was checked.\n\nTo run it: unset \
         MESHSYNTH_SKIP_AIRFLOW (the first run builds two venvs under\n\
         ${{MESHSYNTH_AIRFLOW_VENVS:-~/.cache/meshsynth/airflow}} from PyPI, a minute or two).\n\
         With CI set, skipping is a failure.\n{rule}\n"
    );
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(banner.as_bytes());
    let _ = err.flush();
    true
}

/// Runs tests/airflow/setup.sh, which builds (or reuses) one venv per Airflow line (its progress
/// goes straight to stderr), and returns each line's python: `3.1` and `2.10`.
pub fn airflow_venvs() -> BTreeMap<String, PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = Command::new("bash")
        .arg(root.join("tests/airflow/setup.sh"))
        .current_dir(root)
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("bash runs");
    assert!(
        o.status.success(),
        "tests/airflow/setup.sh failed (exit {:?}); its output is above.\n{}",
        o.status.code(),
        text(&o.stdout)
    );
    let venvs: BTreeMap<String, PathBuf> = text(&o.stdout)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(line, python)| (line.to_string(), PathBuf::from(python)))
        .collect();
    assert!(
        venvs.contains_key("3.1") && venvs.contains_key("2.10"),
        "setup.sh printed no venv for each line: {venvs:?}"
    );
    venvs
}
