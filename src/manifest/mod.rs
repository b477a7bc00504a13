//! The manifest meshsynth writes beside a spec's target folders, `OUT/<spec>/.meshsynth-manifest.json`:
//! every file it wrote there, with its SHA-256. The writer replaces or removes only the files the
//! manifest lists, and only while they are unchanged; anything else in the folder is the user's.

pub mod sha256;

use std::collections::BTreeMap;

use crate::targets::{to_json_text, Rendered};

/// The manifest's file name, directly inside `OUT/<spec>/`.
pub const FILE_NAME: &str = ".meshsynth-manifest.json";

/// What the manifest says of itself.
const ABOUT: &str = "Written by meshsynth: the files it wrote into this folder and their SHA-256. \
meshsynth replaces or removes only these, and refuses while one of them differs from its hash; \
anything else in this folder is yours and is kept.";

/// Files meshsynth wrote into one spec's folder: path relative to it (`terraform/main.tf.json`)
/// → SHA-256 in hex.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub files: BTreeMap<String, String>,
}

impl Manifest {
    /// The manifest of rendered target folders, as `synth` writes it for them.
    pub fn of(files: &BTreeMap<String, Rendered>) -> Manifest {
        let mut all: Vec<(String, &str)> = files
            .iter()
            .flat_map(|(target, rendered)| {
                rendered
                    .iter()
                    .map(move |(name, content)| (format!("{target}/{name}"), content.as_str()))
            })
            .collect();
        // Hashing was three quarters of writing a large mesh's output (71 MB at 1,000
        // services, perf), and one file's hash needs no other's: on every core, largest first.
        all.sort_by_key(|(_, content)| std::cmp::Reverse(content.len()));
        let hashes = crate::par::map(&all, crate::par::cores(), |(_, content)| {
            sha256::hex(content.as_bytes())
        });
        Manifest {
            files: all.into_iter().map(|(path, _)| path).zip(hashes).collect(),
        }
    }

    /// The file's text: two-space JSON with sorted keys and a final newline.
    pub fn to_text(&self) -> String {
        to_json_text(&serde_json::json!({
            "about": ABOUT,
            "files": self.files,
        }))
    }

    /// Reads a manifest; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("it is not JSON ({e})"))?;
        let files = v
            .get("files")
            .and_then(|f| f.as_object())
            .ok_or("it has no `files` object")?;
        let mut m = Manifest::default();
        for (path, hash) in files {
            let hash = hash
                .as_str()
                .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
                .ok_or_else(|| format!("`{path}` has no SHA-256 (64 hex digits)"))?;
            if !is_relative_path(path) {
                return Err(format!(
                    "`{path}` is not a path inside the folder (a/b, no `..`, no leading `/`)"
                ));
            }
            m.files.insert(path.clone(), hash.to_ascii_lowercase());
        }
        Ok(m)
    }
}

/// `a/b/c`: non-empty components, none of them `.` or `..`, no backslash.
fn is_relative_path(p: &str) -> bool {
    !p.contains('\\') && p.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_lists_every_file() {
        let mut files: BTreeMap<String, Rendered> = BTreeMap::new();
        files.insert(
            "terraform".into(),
            [("main.tf.json".to_owned(), "{}\n".to_owned())].into(),
        );
        files.insert(
            "airflow".into(),
            [("README.md".to_owned(), String::new())].into(),
        );
        let m = Manifest::of(&files);
        assert_eq!(
            m.files.keys().collect::<Vec<_>>(),
            ["airflow/README.md", "terraform/main.tf.json"]
        );
        assert_eq!(
            m.files["airflow/README.md"],
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(Manifest::parse(&m.to_text()), Ok(m));
    }

    #[test]
    fn a_damaged_manifest_says_what_is_wrong() {
        assert!(Manifest::parse("{").unwrap_err().contains("not JSON"));
        assert!(Manifest::parse("{}").unwrap_err().contains("no `files`"));
        let bad_hash = r#"{"files": {"a/b": "xyz"}}"#;
        assert!(Manifest::parse(bad_hash).unwrap_err().contains("SHA-256"));
        let h = "0".repeat(64);
        for path in ["../etc/passwd", "/abs", "a//b", "a/./b", "a\\b", ""] {
            let text = serde_json::json!({ "files": { path: h } }).to_string();
            assert!(
                Manifest::parse(&text).unwrap_err().contains("not a path"),
                "{path}"
            );
        }
    }
}
