//! What a killed run leaves behind, and how the next run recovers from it.
//!
//! Temporary folders sit beside the spec folders, named `.<stem>.meshsynth-<kind>-<tag>`:
//! - `new`: a new folder being built or built (never complete for sure), or, after an exchange,
//!   the previous folder: removed;
//! - `old`: a complete previous folder moved aside by the two-rename fallback: put back when
//!   `OUT/<stem>` is missing (the run died between the renames), removed otherwise;
//! - `del`: a previous folder being removed: removed.
//!
//! Folders of meshsynth before manifests, `.<stem>.tmp-<pid>` holding `old-<target>` folders moved
//! aside one target at a time, are recovered the same way: a target folder missing from
//! `OUT/<stem>/` is put back, then the folder is removed.
//!
//! The invariant that makes `old` safe to put back: a run moves `OUT/<stem>` aside only while it
//! holds the lock and after this recovery removed every other `old` folder of that stem, so a
//! missing `OUT/<stem>` has at most one, complete, `old` copy. An `old` folder is renamed to `del`
//! before it is removed, so a partly removed one is never put back.

use crate::cli::console::errln;
use std::fs;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};

use super::ops::Ops;
use super::{remove_or_warn, temp_name, warn};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    New,
    Old,
    Del,
    /// `.<stem>.tmp-<pid>`, from meshsynth before manifests.
    Legacy,
}

/// The stem and kind of a temporary folder's name.
fn parse(name: &str) -> Option<(&str, Kind)> {
    let rest = name.strip_prefix('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'-');
    if let Some((stem, tail)) = rest.rsplit_once(".meshsynth-") {
        let (kind, tag) = tail.split_once('-')?;
        let kind = match kind {
            "new" => Kind::New,
            "old" => Kind::Old,
            "del" => Kind::Del,
            _ => return None,
        };
        return (!stem.is_empty() && digits(tag)).then_some((stem, kind));
    }
    let (stem, pid) = rest.rsplit_once(".tmp-")?;
    (!stem.is_empty() && !stem.starts_with('.') && digits(pid)).then_some((stem, Kind::Legacy))
}

/// Recovers every spec folder under `out` from what killed runs left.
pub fn recover(ops: &dyn Ops, out: &Path) -> Result<()> {
    let mut found = Vec::new();
    for e in fs::read_dir(out).with_context(|| format!("reading `{}`", out.display()))? {
        let e = e.with_context(|| format!("reading `{}`", out.display()))?;
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some((stem, kind)) = parse(name) {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                found.push((stem.to_owned(), kind, e.path()));
            }
        }
    }
    found.sort();
    for (stem, kind, path) in found {
        let dest = out.join(&stem);
        match kind {
            Kind::New | Kind::Del => remove_or_warn(ops, &path),
            Kind::Old if missing(&dest)? => {
                ops.rename(&path, &dest).with_context(|| {
                    format!(
                        "putting back `{}`, which an interrupted run had moved to `{}`",
                        dest.display(),
                        path.display()
                    )
                })?;
                errln!(
                    "meshsynth: put back `{}`, which an interrupted run had moved aside",
                    dest.display()
                );
            }
            Kind::Old => {
                let del = path.with_file_name(del_name(&stem));
                ops.rename(&path, &del)
                    .with_context(|| format!("removing `{}`", path.display()))?;
                remove_or_warn(ops, &del);
            }
            Kind::Legacy => legacy(ops, &dest, &path)?,
        }
    }
    Ok(())
}

/// Removes a previous folder moved aside, renaming it first so that a partly removed one is never
/// taken for a complete copy.
pub fn trash(ops: &dyn Ops, path: &Path) {
    let stem = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(parse)
        .map(|(s, _)| s.to_owned());
    let Some(stem) = stem else { return };
    let del = path.with_file_name(del_name(&stem));
    match ops.rename(path, &del) {
        Ok(()) => remove_or_warn(ops, &del),
        Err(e) => warn(format!(
            "could not remove `{}` ({e}); the next run removes it",
            path.display()
        )),
    }
}

fn del_name(stem: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    temp_name(stem, "del", format!("{}-{n}", std::process::id()))
}

fn missing(path: &Path) -> Result<bool> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(false),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e).with_context(|| format!("reading `{}`", path.display())),
    }
}

/// Puts back the target folders an interrupted run of meshsynth before manifests had moved aside.
fn legacy(ops: &dyn Ops, dest: &Path, tmp: &Path) -> Result<()> {
    let mut names: Vec<_> = fs::read_dir(tmp)
        .with_context(|| format!("reading `{}`", tmp.display()))?
        .flatten()
        .map(|e| e.file_name())
        .collect();
    names.sort();
    for name in names {
        let Some(target) = name.to_str().and_then(|n| n.strip_prefix("old-")) else {
            continue;
        };
        let to = dest.join(target);
        if !missing(&to)? || !(missing(dest)? || dest.is_dir()) {
            continue;
        }
        if missing(dest)? {
            ops.create_dir(dest)
                .with_context(|| format!("creating `{}`", dest.display()))?;
        }
        ops.rename(&tmp.join(&name), &to)
            .with_context(|| format!("putting back `{}`", to.display()))?;
        errln!(
            "meshsynth: put back `{}`, which an interrupted run had moved aside",
            to.display()
        );
    }
    remove_or_warn(ops, tmp);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{parse, Kind};

    #[test]
    fn temporary_names_are_recognised_and_nothing_else() {
        assert_eq!(
            parse(".orders.meshsynth-new-42"),
            Some(("orders", Kind::New))
        );
        assert_eq!(parse(".a.b.meshsynth-old-7"), Some(("a.b", Kind::Old)));
        assert_eq!(parse(".x.meshsynth-del-7-3"), Some(("x", Kind::Del)));
        assert_eq!(parse(".orders.tmp-123"), Some(("orders", Kind::Legacy)));
        for other in [
            "orders",
            ".orders",
            ".meshsynth-new-1",
            ".orders.meshsynth-new-",
            ".orders.meshsynth-new-1a",
            ".orders.meshsynth-bak-1",
            ".orders.tmp-x",
            ".terraform",
            ".meshsynth-manifest.json",
        ] {
            assert_eq!(parse(other), None, "{other}");
        }
    }
}
