//! Every change the writer makes to the file system goes through [`Ops`], so that the tests can
//! make any single step fail, or stop the writer dead at any step as a SIGKILL would.

use std::fs::{self, OpenOptions, Permissions};
use std::io::{self, Write as _};
use std::path::Path;

use super::sys;

/// `Sync`: the files of a folder are written on several threads at once.
pub trait Ops: Sync {
    /// Creates one folder; its parent exists.
    fn create_dir(&self, path: &Path) -> io::Result<()>;
    /// Creates a new file with `bytes` and flushes it to the disk.
    fn write_file(&self, path: &Path, bytes: &[u8]) -> io::Result<()>;
    /// Makes `to` the same file as `from` (a hard link; a copy where links are impossible; a new
    /// symbolic link for one).
    fn link(&self, from: &Path, to: &Path) -> io::Result<()>;
    fn set_permissions(&self, path: &Path, perms: Permissions) -> io::Result<()>;
    /// Flushes a folder's entries to the disk.
    fn sync_dir(&self, path: &Path) -> io::Result<()>;
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Swaps two folders in one step; `Ok(false)`: unsupported here, nothing happened.
    fn exchange(&self, a: &Path, b: &Path) -> io::Result<bool>;
    /// Removes a file or a folder with everything in it, never across a mount point.
    fn remove_tree(&self, path: &Path) -> io::Result<()>;
    /// Removes a folder only if it is empty.
    fn remove_empty_dir(&self, path: &Path) -> io::Result<()>;
}

/// The real file system.
pub struct RealOps {
    /// Whether to swap with `renameat2(RENAME_EXCHANGE)`; the tests turn it off to check the
    /// two-rename fallback.
    pub exchange: bool,
    /// Whether to flush files and folders to the disk (what survives a power cut, not a kill);
    /// the tests that run the writer thousands of times turn it off.
    pub sync: bool,
}

impl Ops for RealOps {
    fn create_dir(&self, path: &Path) -> io::Result<()> {
        fs::create_dir(path)
    }

    fn write_file(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let mut f = OpenOptions::new().write(true).create_new(true).open(path)?;
        f.write_all(bytes)?;
        if self.sync {
            f.sync_all()?;
        }
        Ok(())
    }

    fn link(&self, from: &Path, to: &Path) -> io::Result<()> {
        let Err(link_error) = fs::hard_link(from, to) else {
            return Ok(());
        };
        let meta = fs::symlink_metadata(from)?;
        if meta.file_type().is_symlink() {
            symlink(&fs::read_link(from)?, to)
        } else if meta.is_file() {
            fs::copy(from, to)?;
            if self.sync {
                fs::File::open(to)?.sync_all()?;
            }
            Ok(())
        } else {
            Err(link_error)
        }
    }

    fn set_permissions(&self, path: &Path, perms: Permissions) -> io::Result<()> {
        fs::set_permissions(path, perms)
    }

    fn sync_dir(&self, path: &Path) -> io::Result<()> {
        if self.sync {
            sync_dir(path)
        } else {
            Ok(())
        }
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    fn exchange(&self, a: &Path, b: &Path) -> io::Result<bool> {
        if self.exchange {
            sys::exchange(a, b)
        } else {
            Ok(false)
        }
    }

    fn remove_tree(&self, path: &Path) -> io::Result<()> {
        let meta = match fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        if meta.is_dir() {
            remove_dir(path, &meta, sys::device(&meta))
        } else {
            fs::remove_file(path)
        }
    }

    fn remove_empty_dir(&self, path: &Path) -> io::Result<()> {
        fs::remove_dir(path)
    }
}

fn remove_dir(path: &Path, meta: &fs::Metadata, device: u64) -> io::Result<()> {
    if sys::device(meta) != device {
        return Err(io::Error::other(format!(
            "`{}` is a mount point; meshsynth removes nothing across one",
            path.display()
        )));
    }
    if meta.permissions().readonly() {
        fs::set_permissions(path, sys::owner_writable(meta.permissions()))?;
    }
    for entry in fs::read_dir(path)? {
        let child = entry?.path();
        let m = fs::symlink_metadata(&child)?;
        if m.is_dir() {
            remove_dir(&child, &m, device)?;
        } else {
            fs::remove_file(&child)?;
        }
    }
    fs::remove_dir(path)
}

/// Flushes a folder's entries; a no-op where folders cannot be opened (Windows).
pub fn sync_dir(path: &Path) -> io::Result<()> {
    if cfg!(unix) {
        fs::File::open(path)?.sync_all()
    } else {
        Ok(())
    }
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(_target: &Path, _link: &Path) -> io::Result<()> {
    Err(io::Error::other(
        "cannot recreate a symbolic link on this system",
    ))
}
