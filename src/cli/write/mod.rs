//! Writing specs' output folders, all or nothing.
//!
//! Each spec's new `OUT/<stem>/` is built complete beside it, in `OUT/.<stem>.meshsynth-new-<pid>/`:
//! this run's target folders, the [manifest](meshsynth::manifest) of what meshsynth wrote, and
//! every file of the previous folder that meshsynth did not write (hard-linked, so nothing is
//! copied or lost). Then every spec's folder is swapped in: on Linux with one
//! `renameat2(RENAME_EXCHANGE)`, so `OUT/<stem>` is at every instant the old folder or the new one;
//! elsewhere (or where the file system cannot exchange) by moving the old one aside to
//! `OUT/.<stem>.meshsynth-old-<pid>/` and the new one in. A failure at any step puts every
//! previous folder back, so a run that fails changes nothing. Only after every swap are the
//! previous folders removed.
//!
//! A run killed at any step leaves `OUT/<stem>` complete (old or new), or — between the two
//! renames of the fallback — missing with its previous copy aside. The next run, holding the
//! lock on `OUT`, puts such a copy back and removes every other leftover before it plans (see
//! [`recover`]).

mod ops;
mod plan;
mod recover;
mod stage;
mod swap;
mod sys;
#[cfg(test)]
mod tests;

use crate::cli::console::errln;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use meshsynth::targets::Rendered;

use ops::{Ops, RealOps};

/// One spec's output.
pub struct Job<'a> {
    /// The output folder's name, `OUT/<stem>/`.
    pub stem: &'a str,
    /// Target folder → file name → content.
    pub files: &'a BTreeMap<String, Rendered>,
}

/// What was written for one spec.
#[derive(Debug)]
pub struct Written {
    /// Entries of the previous folder that meshsynth did not write and kept (relative paths,
    /// `/` after a folder).
    pub kept: Vec<String>,
}

/// Writes every job into `out`, all or nothing; `keep` names target folders this run does not
/// render, whose previous files stay as they are.
pub fn write_all(out: &Path, jobs: &[Job], keep: &[&str]) -> Result<Vec<Written>> {
    write_with(
        &RealOps {
            exchange: true,
            sync: true,
        },
        out,
        jobs,
        keep,
    )
}

fn write_with(ops: &dyn Ops, out: &Path, jobs: &[Job], keep: &[&str]) -> Result<Vec<Written>> {
    let created = create_out(ops, out)?;
    let result = write_locked(ops, out, jobs, keep);
    if result.is_err() {
        // An output folder this run created stays only if something is in it.
        for dir in created.iter().rev() {
            if ops.remove_empty_dir(dir).is_err() {
                break;
            }
        }
    }
    result
}

/// Creates `out` and the folders above it that are missing; returns those it created.
fn create_out(ops: &dyn Ops, out: &Path) -> Result<Vec<PathBuf>> {
    let mut missing: Vec<&Path> = out
        .ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .take_while(|a| std::fs::symlink_metadata(a).is_err())
        .collect();
    missing.reverse();
    let mut created = Vec::new();
    for dir in missing {
        match ops.create_dir(dir) {
            Ok(()) => created.push(dir.to_path_buf()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                for d in created.iter().rev() {
                    let _ = ops.remove_empty_dir(d);
                }
                return Err(e).with_context(|| format!("creating `{}`", out.display()));
            }
        }
    }
    if !out.is_dir() {
        bail!("`{}` is not a folder", out.display());
    }
    Ok(created)
}

fn write_locked(ops: &dyn Ops, out: &Path, jobs: &[Job], keep: &[&str]) -> Result<Vec<Written>> {
    let _lock = sys::lock(out).with_context(|| format!("locking `{}`", out.display()))?;
    recover::recover(ops, out)?;
    let plans = jobs
        .iter()
        .map(|j| plan::plan(out, j, keep))
        .collect::<Result<Vec<_>>>()
        .with_context(|| unchanged(out))?;
    let conflicts: Vec<&String> = plans.iter().flat_map(|p| &p.conflicts).collect();
    if !conflicts.is_empty() {
        let list: Vec<String> = conflicts.iter().map(|c| format!("  - {c}")).collect();
        bail!(
            "nothing was written, because meshsynth would have to overwrite or strand what is \
             already there:\n{}",
            list.join("\n")
        );
    }
    for (i, p) in plans.iter().enumerate() {
        if let Err(e) = stage::stage(ops, p) {
            for q in &plans[..=i] {
                remove_or_warn(ops, &q.staging);
            }
            return Err(e.context(unchanged(out)));
        }
    }
    swap::swap_all(ops, out, &plans)?;
    Ok(plans
        .into_iter()
        .map(|p| Written { kept: p.kept })
        .collect())
}

/// `.<stem>.meshsynth-<kind>-<pid>`: the name of a temporary folder beside `OUT/<stem>`.
fn temp_name(stem: &str, kind: &str, tag: impl std::fmt::Display) -> String {
    format!(".{stem}.meshsynth-{kind}-{tag}")
}

fn warn(message: String) {
    errln!("meshsynth: warning: {message}");
}

/// Removes a temporary folder; one that stays is the next run's to remove.
fn remove_or_warn(ops: &dyn Ops, path: &Path) {
    if let Err(e) = ops.remove_tree(path) {
        warn(format!(
            "could not remove `{}` ({e}); the next run removes it",
            path.display()
        ));
    }
}

/// The first line of an error after which everything is as it was.
fn unchanged(out: &Path) -> String {
    format!(
        "the output was not written; nothing in `{}` was changed",
        out.display()
    )
}
