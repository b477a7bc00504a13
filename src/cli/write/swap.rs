//! Swapping every spec's new folder in, and putting every previous one back on a failure.

use std::io;
use std::path::Path;

use anyhow::{anyhow, Error, Result};

use super::ops::Ops;
use super::plan::Plan;
use super::{remove_or_warn, unchanged, warn};

/// How a spec's folder was swapped in, which says how to undo it.
#[derive(Clone, Copy)]
enum Swapped {
    /// Exchanged in one step: the previous folder is at the staging path.
    Exchanged,
    /// Moved aside, then the new one moved in: the previous folder is at the aside path.
    Aside,
    /// There was no previous folder.
    Fresh,
}

/// Swaps every plan's folder in; on a failure, puts back the previous folders of those already
/// swapped and removes the new ones. Once all are in, removes the previous folders.
pub fn swap_all(ops: &dyn Ops, out: &Path, plans: &[Plan]) -> Result<()> {
    let mut done: Vec<(&Plan, Swapped)> = Vec::new();
    for p in plans {
        match swap_one(ops, p) {
            Ok(s) => done.push((p, s)),
            Err((e, restored)) => {
                let mut stuck: Vec<String> = Vec::new();
                if !restored {
                    stuck.push(format!(
                        "the previous `{}` is at `{}`; the next meshsynth run puts it back",
                        p.dest.display(),
                        p.aside.display()
                    ));
                }
                let mut keep_staging = Vec::new();
                for (q, s) in done.iter().rev() {
                    if let Err(why) = undo(ops, q, *s) {
                        if matches!(s, Swapped::Exchanged) {
                            // The staging path holds the previous folder: leave it.
                            keep_staging.push(q.staging.clone());
                        }
                        stuck.push(why);
                    }
                }
                for q in plans {
                    if !keep_staging.contains(&q.staging) {
                        remove_or_warn(ops, &q.staging);
                    }
                }
                if stuck.is_empty() {
                    return Err(e.context(unchanged(out)));
                }
                return Err(e.context(format!(
                    "and putting the previous output back failed: {}",
                    stuck.join("; ")
                )));
            }
        }
    }
    for (p, s) in &done {
        match s {
            Swapped::Exchanged => remove_or_warn(ops, &p.staging),
            Swapped::Aside => super::recover::trash(ops, &p.aside),
            Swapped::Fresh => {}
        }
    }
    if let Err(e) = ops.sync_dir(out) {
        warn(format!("flushing `{}`: {e}", out.display()));
    }
    Ok(())
}

/// Swaps one folder in. The error says whether the previous folder is in place.
fn swap_one(ops: &dyn Ops, p: &Plan) -> std::result::Result<Swapped, (Error, bool)> {
    let dest = p.dest.display();
    let failed = |e: io::Error| {
        let hint = hint(&e);
        anyhow!(e).context(format!("replacing `{dest}` with the new output{hint}"))
    };
    if !p.exists {
        return match ops.rename(&p.staging, &p.dest) {
            Ok(()) => Ok(Swapped::Fresh),
            Err(e) => Err((failed(e), true)),
        };
    }
    match ops.exchange(&p.staging, &p.dest) {
        Ok(true) => return Ok(Swapped::Exchanged),
        Ok(false) => {}
        Err(e) => return Err((failed(e), true)),
    }
    if let Err(e) = ops.rename(&p.dest, &p.aside) {
        return Err((failed(e), true));
    }
    if let Err(e) = ops.rename(&p.staging, &p.dest) {
        let restored = ops.rename(&p.aside, &p.dest).is_ok();
        return Err((failed(e), restored));
    }
    Ok(Swapped::Aside)
}

/// Puts back a folder's previous version; the error says where things are.
fn undo(ops: &dyn Ops, p: &Plan, s: Swapped) -> std::result::Result<(), String> {
    let dest = p.dest.display();
    let holds_new = |e: io::Error| format!("`{dest}` holds this run's output ({e})");
    match s {
        Swapped::Exchanged => match ops.exchange(&p.staging, &p.dest) {
            Ok(true) => Ok(()),
            Ok(false) => Err(io::Error::other(
                "the file system no longer exchanges folders",
            )),
            Err(e) => Err(e),
        }
        .map_err(|e| {
            format!(
                "{}, the previous one is at `{}` (the next run removes it)",
                holds_new(e),
                p.staging.display()
            )
        }),
        Swapped::Aside => {
            ops.rename(&p.dest, &p.staging).map_err(holds_new)?;
            ops.rename(&p.aside, &p.dest).map_err(|e| {
                format!(
                    "the previous `{dest}` is at `{}` ({e}); the next meshsynth run puts it back",
                    p.aside.display()
                )
            })
        }
        Swapped::Fresh => ops.rename(&p.dest, &p.staging).map_err(holds_new),
    }
}

/// What an error of a rename usually means here.
fn hint(e: &io::Error) -> &'static str {
    match e.raw_os_error() {
        // EPERM, EACCES
        Some(1 | 13) => {
            " (is it immutable (`chattr +i`), or owned by another user in a sticky folder?)"
        }
        // EBUSY, EXDEV
        Some(16 | 18) => {
            " (is it a mount point? a mounted folder cannot be replaced: write elsewhere with --out)"
        }
        _ => "",
    }
}
