//! The diagnostic codes: the README's table is generated from `Code::ALL`, every code a report
//! snapshot shows is one of them, and the sources spell codes only as `Code` variants.

use std::path::Path;

use meshsynth::diagnostic::code::markdown_table;
use meshsynth::diagnostic::Code;

const BEGIN: &str = "<!-- codes:begin -->\n";
const END: &str = "<!-- codes:end -->";

/// The block between the markers in README.md is `markdown_table()`. On failure the expected
/// block is printed: paste it between the markers.
#[test]
fn readme_lists_every_code() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme
        .find(BEGIN)
        .map(|i| i + BEGIN.len())
        .expect("README.md has no `<!-- codes:begin -->` line");
    let end = readme[start..]
        .find(END)
        .map(|i| start + i)
        .expect("README.md has no `<!-- codes:end -->` after `<!-- codes:begin -->`");
    let expected = markdown_table();
    if readme[start..end] != expected {
        panic!(
            "the table of codes in README.md is stale; replace the lines between the markers with:\n\n{BEGIN}{expected}{END}\n"
        );
    }
}

/// Every `error[...]` / `warning[...]` code in the report snapshots is a `Code`.
#[test]
fn snapshot_codes_are_codes() {
    let mut seen = 0;
    for entry in std::fs::read_dir("tests/snapshots").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "snap") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines() {
            let rest = line
                .strip_prefix("error[")
                .or_else(|| line.strip_prefix("warning["));
            let Some(code) = rest.and_then(|r| r.split_once("]: ")).map(|(c, _)| c) else {
                continue;
            };
            assert!(
                Code::parse(code).is_some(),
                "{}: `{code}` is not in Code::ALL",
                path.display()
            );
            seen += 1;
        }
    }
    assert!(seen > 0, "no report found in tests/snapshots");
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Outside `src/diagnostic/code.rs`, no source spells a code as a string, and every code is used
/// (as `Code::Variant`) by some rule.
#[test]
fn sources_use_every_code_and_no_code_strings() {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let sources: Vec<(String, String)> = files
        .iter()
        .filter(|p| !p.ends_with("diagnostic/code.rs"))
        .map(|p| (p.display().to_string(), std::fs::read_to_string(p).unwrap()))
        .collect();
    assert!(!sources.is_empty());
    for c in Code::ALL {
        let literal = format!("\"{}\"", c.as_str());
        for (file, text) in &sources {
            assert!(
                !text.contains(&literal),
                "{file} spells the code {literal} as a string: write `Code::{c:?}`"
            );
        }
        let variant = format!("Code::{c:?}");
        assert!(
            sources.iter().any(|(_, text)| {
                text.match_indices(&variant).any(|(i, _)| {
                    !text[i + variant.len()..].starts_with(|ch: char| ch.is_alphanumeric())
                })
            }),
            "`{c}` is never reported: remove it from src/diagnostic/code.rs, or use it"
        );
    }
}
