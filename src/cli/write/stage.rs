//! Building a spec's new folder beside the old one.

use anyhow::{Context, Result};

use super::ops::Ops;
use super::plan::{Item, Plan};

/// Builds `plan.staging`: folders, this run's files, the previous folder's entries meshsynth did
/// not write, then the previous folders' permissions; everything flushed to the disk.
pub fn stage(ops: &dyn Ops, plan: &Plan) -> Result<()> {
    let new = |rel: &std::path::Path| plan.dest.join(rel).display().to_string();
    ops.create_dir(&plan.staging)
        .with_context(|| format!("creating `{}`", plan.staging.display()))?;
    for (rel, item) in &plan.items {
        let to = plan.staging.join(rel);
        match item {
            Item::Dir(_) => ops
                .create_dir(&to)
                .with_context(|| format!("creating the new `{}`", new(rel)))?,
            Item::Carry => ops
                .link(&plan.dest.join(rel), &to)
                .with_context(|| format!("carrying `{}` over", new(rel)))?,
            Item::Write(bytes) => ops
                .write_file(&to, bytes)
                .with_context(|| format!("writing the new `{}`", new(rel)))?,
        }
    }
    // Deepest first, so a read-only folder is filled before it is made read-only.
    for (rel, item) in plan.items.iter().rev() {
        if let Item::Dir(Some(perms)) = item {
            ops.set_permissions(&plan.staging.join(rel), perms.clone())
                .with_context(|| format!("setting the permissions of `{}`", new(rel)))?;
        }
    }
    if let Some(perms) = &plan.root_perms {
        ops.set_permissions(&plan.staging, perms.clone())
            .with_context(|| format!("setting the permissions of `{}`", plan.dest.display()))?;
    }
    for (rel, item) in plan.items.iter().rev() {
        if let Item::Dir(_) = item {
            ops.sync_dir(&plan.staging.join(rel))
                .with_context(|| format!("flushing `{}`", new(rel)))?;
        }
    }
    ops.sync_dir(&plan.staging)
        .with_context(|| format!("flushing `{}`", plan.staging.display()))
}
