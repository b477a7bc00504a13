//! Writing one spec's output folders.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

use meshsynth::targets::Rendered;

/// Writes every target of one spec into a temporary folder, then swaps each target folder in
/// with a rename, so an interrupted run never leaves a half-written target behind.
pub fn write_atomically(
    out: &Path,
    stem: &str,
    files: &BTreeMap<&'static str, Rendered>,
) -> Result<()> {
    fs::create_dir_all(out).with_context(|| format!("creating `{}`", out.display()))?;
    let tmp = out.join(format!(".{stem}.tmp-{}", std::process::id()));
    let result = (|| -> Result<()> {
        if tmp.exists() {
            fs::remove_dir_all(&tmp).with_context(|| format!("removing `{}`", tmp.display()))?;
        }
        for (t, rendered) in files {
            let dir = tmp.join(t);
            fs::create_dir_all(&dir).with_context(|| format!("creating `{}`", dir.display()))?;
            for (name, content) in rendered {
                let p = dir.join(name);
                fs::write(&p, content).with_context(|| format!("writing `{}`", p.display()))?;
            }
        }
        let dest_root = out.join(stem);
        fs::create_dir_all(&dest_root)
            .with_context(|| format!("creating `{}`", dest_root.display()))?;
        for t in files.keys() {
            let dest = dest_root.join(t);
            if dest.exists() {
                let old = tmp.join(format!("old-{}", t));
                fs::rename(&dest, &old)
                    .with_context(|| format!("moving `{}` aside", dest.display()))?;
            }
            fs::rename(tmp.join(t), &dest)
                .with_context(|| format!("moving output into `{}`", dest.display()))?;
        }
        Ok(())
    })();
    let _ = fs::remove_dir_all(&tmp);
    result
}
