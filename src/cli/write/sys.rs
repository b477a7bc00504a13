//! What the writer needs from the operating system beyond `std::fs`: swapping two folders in one
//! step, a lock on the output folder, the device a folder is on and the flags (immutable,
//! append-only) that would keep a folder from ever being removed. Elsewhere than Linux the swap is
//! unsupported (the writer falls back to two renames) and the flags are unknown.

use crate::cli::console::errln;
use std::fs::{File, Metadata, Permissions};
use std::io;
use std::path::Path;

/// Swaps the two paths in one step: `Ok(false)` when this file system or system cannot, and then
/// nothing happened.
#[cfg(target_os = "linux")]
pub fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    use rustix::io::Errno;
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        // EINVAL: the file system has no RENAME_EXCHANGE; ENOSYS: the kernel has no renameat2.
        Err(e) if e == Errno::INVAL || e == Errno::NOSYS || e == Errno::NOTSUP => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
pub fn exchange(_a: &Path, _b: &Path) -> io::Result<bool> {
    Ok(false)
}

/// Held while a run changes anything under the output folder; released when it exits, however.
pub struct Lock {
    _file: Option<File>,
}

/// Locks the output folder itself (no lock file is left in it) against other meshsynth runs,
/// waiting for one that holds it. File systems without `flock` run unlocked.
#[cfg(unix)]
pub fn lock(dir: &Path) -> io::Result<Lock> {
    use rustix::fs::{flock, FlockOperation};
    use rustix::io::Errno;
    let file = File::open(dir)?;
    match flock(&file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {}
        Err(e) if e == Errno::WOULDBLOCK => {
            errln!(
                "meshsynth: waiting for another meshsynth run that is writing into `{}`",
                dir.display()
            );
            flock(&file, FlockOperation::LockExclusive)?;
        }
        Err(_) => return Ok(Lock { _file: None }),
    }
    Ok(Lock { _file: Some(file) })
}

#[cfg(not(unix))]
pub fn lock(_dir: &Path) -> io::Result<Lock> {
    Ok(Lock { _file: None })
}

/// The device of a file; a folder on another device than its parent is a mount point.
#[cfg(unix)]
pub fn device(meta: &Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::dev(meta)
}

#[cfg(not(unix))]
pub fn device(_meta: &Metadata) -> u64 {
    0
}

/// `perms` with the owner's read, write and search bits added: what removing a read-only folder
/// of the writer's own needs.
#[cfg(unix)]
pub fn owner_writable(perms: Permissions) -> Permissions {
    use std::os::unix::fs::PermissionsExt;
    Permissions::from_mode(perms.mode() | 0o700)
}

#[cfg(not(unix))]
#[allow(clippy::permissions_set_readonly_false)]
pub fn owner_writable(mut perms: Permissions) -> Permissions {
    perms.set_readonly(false);
    perms
}

/// Why the file or folder can be neither moved nor removed, when an attribute says so
/// (`chattr +i`, `chattr +a`); `None` when nothing says so or it cannot be told.
#[cfg(target_os = "linux")]
pub fn pinned(path: &Path, meta: &Metadata) -> Option<&'static str> {
    use rustix::fs::{ioctl_getflags, open, IFlags, Mode, OFlags};
    // Only files and folders: opening a device or a FIFO could have effects.
    if !(meta.is_file() || meta.is_dir()) {
        return None;
    }
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = open(path, flags, Mode::empty()).ok()?;
    let attrs = ioctl_getflags(&fd).ok()?;
    if attrs.contains(IFlags::IMMUTABLE) {
        Some("immutable (`chattr +i`)")
    } else if attrs.contains(IFlags::APPEND) {
        Some("append-only (`chattr +a`)")
    } else {
        None
    }
}

#[cfg(not(target_os = "linux"))]
pub fn pinned(_path: &Path, _meta: &Metadata) -> Option<&'static str> {
    None
}
