//! What the new `OUT/<spec>/` will hold, read off the previous one: this run's files, the manifest,
//! and everything meshsynth did not write, carried over. Anything that would make the swap lose or
//! strand a file is a conflict, reported before anything changes.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, Permissions};
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use meshsynth::manifest::{self, sha256, Manifest};
use meshsynth::targets;

use super::{sys, temp_name, Job};

/// One entry of the new folder, relative to it.
pub enum Item<'a> {
    /// A folder, with the permissions of the folder it replaces (set once it is filled).
    Dir(Option<Permissions>),
    /// The previous folder's entry of the same path, linked (or copied) over.
    Carry,
    /// A file this run writes.
    Write(Cow<'a, [u8]>),
}

pub struct Plan<'a> {
    /// `OUT/<stem>`.
    pub dest: PathBuf,
    /// Where the new folder is built: `OUT/.<stem>.meshsynth-new-<pid>`.
    pub staging: PathBuf,
    /// Where the two-rename fallback moves the previous folder: `OUT/.<stem>.meshsynth-old-<pid>`.
    pub aside: PathBuf,
    /// Whether `dest` exists (and is a folder).
    pub exists: bool,
    /// The previous folder's permissions, which the new one gets.
    pub root_perms: Option<Permissions>,
    /// The new folder's entries, parents before children.
    pub items: BTreeMap<PathBuf, Item<'a>>,
    /// What was kept because meshsynth did not write it (relative, `/` after a folder).
    pub kept: Vec<String>,
    /// Why the folder cannot be replaced; nothing may change unless this is empty.
    pub conflicts: Vec<String>,
}

/// Plans `job`'s folder; `keep` are folders this run does not render (narrowed by `--target`
/// and `--backend`), whose previous files stay as they are.
pub fn plan<'a>(out: &Path, job: &Job<'a>, keep: &[&str]) -> Result<Plan<'a>> {
    let pid = std::process::id();
    let dest = out.join(job.stem);
    let mut p = Planner {
        plan: Plan {
            staging: out.join(temp_name(job.stem, "new", pid)),
            aside: out.join(temp_name(job.stem, "old", pid)),
            dest: dest.clone(),
            exists: false,
            root_perms: None,
            items: BTreeMap::new(),
            kept: Vec::new(),
            conflicts: Vec::new(),
        },
        manifest: Manifest::of(job.files),
        new_files: BTreeSet::new(),
        new_dirs: BTreeSet::new(),
        owned: BTreeMap::new(),
        walk_dirs: BTreeSet::new(),
        old_dir_perms: BTreeMap::new(),
        keep,
        device: 0,
    };
    for (target, rendered) in job.files {
        for (name, content) in rendered {
            let rel = rel_path(&format!("{target}/{name}"));
            p.add(rel.clone(), Item::Write(Cow::Borrowed(content.as_bytes())));
            p.new_files.insert(rel);
        }
    }
    p.new_dirs = p
        .new_files
        .iter()
        .flat_map(|f| ancestors(f))
        .collect::<BTreeSet<_>>();

    match fs::symlink_metadata(&dest) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading `{}`", dest.display())),
        Ok(meta) => p.previous(&meta)?,
    }
    // The manifest: this run's files, and those of targets it leaves alone, carried over.
    let text = p.manifest.to_text().into_bytes();
    p.add(
        PathBuf::from(manifest::FILE_NAME),
        Item::Write(Cow::Owned(text)),
    );
    for (rel, item) in p.plan.items.iter_mut() {
        if let Item::Dir(perms @ None) = item {
            *perms = p.old_dir_perms.get(rel).cloned();
        }
    }
    Ok(p.plan)
}

struct Planner<'a, 'k> {
    plan: Plan<'a>,
    /// The new manifest.
    manifest: Manifest,
    new_files: BTreeSet<PathBuf>,
    /// Folders this run's files need.
    new_dirs: BTreeSet<PathBuf>,
    /// Files meshsynth may replace or remove: path → (manifest key, recorded SHA-256; none for a
    /// folder written before manifests, where only the paths this run writes are claimed).
    owned: BTreeMap<PathBuf, (String, Option<String>)>,
    /// Folders holding owned or new files: looked into, not carried whole.
    walk_dirs: BTreeSet<PathBuf>,
    old_dir_perms: BTreeMap<PathBuf, Permissions>,
    keep: &'k [&'k str],
    /// The device of `dest`; a folder inside on another one is a mount point.
    device: u64,
}

impl<'a> Planner<'a, '_> {
    /// Adds an entry and the folders above it.
    fn add(&mut self, rel: PathBuf, item: Item<'a>) {
        for a in ancestors(&rel) {
            self.plan.items.entry(a).or_insert(Item::Dir(None));
        }
        self.plan.items.insert(rel, item);
    }

    fn conflict(&mut self, message: String) {
        self.plan.conflicts.push(message);
    }

    fn show(&self, rel: &Path) -> String {
        self.plan.dest.join(rel).display().to_string()
    }

    /// Reads the folder a previous run left.
    fn previous(&mut self, meta: &fs::Metadata) -> Result<()> {
        let dest = self.plan.dest.display().to_string();
        if meta.file_type().is_symlink() {
            self.conflict(format!(
                "`{dest}` is a symbolic link: meshsynth replaces the folder as a whole and would \
                 replace the link; remove the link, or point --out at the folder it leads to"
            ));
            return Ok(());
        }
        if !meta.is_dir() {
            self.conflict(format!(
                "`{dest}` is not a folder: meshsynth writes this spec's output there; move it away"
            ));
            return Ok(());
        }
        self.plan.exists = true;
        self.plan.root_perms = Some(meta.permissions());
        self.device = sys::device(meta);
        if meta.permissions().readonly() {
            self.read_only(Path::new(""));
        }
        let before = self.plan.conflicts.len();
        let old = self.old_manifest()?;
        if self.plan.conflicts.len() > before {
            return Ok(());
        }
        match &old {
            Some(m) => {
                for (key, hash) in &m.files {
                    self.owned
                        .insert(rel_path(key), (key.clone(), Some(hash.clone())));
                }
            }
            None => {
                if !self.looks_like_output()? {
                    self.conflict(format!(
                        "`{dest}` was not written by meshsynth: it has no {} and no target folder \
                         ({}); write elsewhere with --out, or move it away",
                        manifest::FILE_NAME,
                        target_names().join(", ")
                    ));
                    return Ok(());
                }
                // Written before manifests: claim only what this run writes.
                for f in &self.new_files {
                    self.owned.insert(f.clone(), (key_of(f), None));
                }
            }
        }
        self.walk_dirs = self
            .owned
            .keys()
            .chain(&self.new_files)
            .flat_map(|f| ancestors(f))
            .collect();
        self.walk(Path::new(""))
    }

    fn old_manifest(&mut self) -> Result<Option<Manifest>> {
        let path = self.plan.dest.join(manifest::FILE_NAME);
        let meta = match fs::symlink_metadata(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            r => r.with_context(|| format!("reading `{}`", path.display()))?,
        };
        let text = if meta.is_file() {
            let bytes = fs::read(&path).with_context(|| format!("reading `{}`", path.display()))?;
            String::from_utf8(bytes).map_err(|_| "it is not UTF-8".to_owned())
        } else {
            Err("it is not a file".to_owned())
        };
        match text.and_then(|t| Manifest::parse(&t)) {
            Ok(m) => Ok(Some(m)),
            Err(why) => {
                self.conflict(format!(
                    "`{}` cannot be read: {why}. It lists the files meshsynth may replace in `{}`; \
                     restore it (from version control, say), or delete `{}` to start afresh",
                    path.display(),
                    self.plan.dest.display(),
                    self.plan.dest.display()
                ));
                Ok(None)
            }
        }
    }

    /// A folder without a manifest is taken for meshsynth's (written before manifests) only when
    /// it holds a target folder.
    fn looks_like_output(&self) -> Result<bool> {
        let names = target_names();
        let mut empty = true;
        for e in read_dir_sorted(&self.plan.dest)? {
            empty = false;
            if e.to_str().is_some_and(|n| names.contains(&n)) {
                return Ok(true);
            }
        }
        Ok(empty)
    }

    fn read_only(&mut self, rel: &Path) {
        let dest = self.plan.dest.display().to_string();
        let shown = self.show(rel);
        self.conflict(format!(
            "`{shown}` is read-only: meshsynth replaces `{dest}` as a whole and leaves a \
             write-protected folder alone; `chmod -R u+w {dest}` to let it"
        ));
    }

    /// Checks what keeps an entry from being moved along or removed with the previous folder.
    fn movable(&mut self, rel: &Path, meta: &fs::Metadata) {
        let dest = self.plan.dest.display().to_string();
        let shown = self.show(rel);
        if meta.is_dir() && sys::device(meta) != self.device {
            self.conflict(format!(
                "`{shown}` is a mount point: meshsynth replaces `{dest}` as a whole and cannot \
                 move a mounted folder; unmount it, or mount it outside `{dest}`"
            ));
        } else if let Some(why) = sys::pinned(&self.plan.dest.join(rel), meta) {
            self.conflict(format!(
                "`{shown}` is {why}: meshsynth replaces `{dest}` as a whole and could never \
                 remove the previous copy; clear the attribute (`chattr -i -a`), or keep it \
                 outside `{dest}`"
            ));
        }
    }

    fn walk(&mut self, rel: &Path) -> Result<()> {
        for name in read_dir_sorted(&self.plan.dest.join(rel))? {
            let child = rel.join(&name);
            let path = self.plan.dest.join(&child);
            let meta = fs::symlink_metadata(&path)
                .with_context(|| format!("reading `{}`", path.display()))?;
            if rel.as_os_str().is_empty() && name == manifest::FILE_NAME {
                continue;
            }
            if meta.is_dir() && self.walk_dirs.contains(&child) {
                self.movable(&child, &meta);
                if meta.permissions().readonly() {
                    self.read_only(&child);
                }
                self.old_dir_perms.insert(child.clone(), meta.permissions());
                self.walk(&child)?;
            } else if let Some((key, hash)) = self.owned.get(&child).cloned() {
                self.owned_file(&child, &meta, key, hash)?;
            } else {
                let shown = self.show(&child);
                if self.new_files.contains(&child) || self.new_dirs.contains(&child) {
                    let what = if self.new_files.contains(&child) {
                        "a file"
                    } else {
                        "into a folder"
                    };
                    self.conflict(format!(
                        "`{shown}` is not a file meshsynth wrote, and this run writes {what} \
                         there; move it away and run again"
                    ));
                    continue;
                }
                let mut kept = key_of(&child);
                if meta.is_dir() {
                    kept.push('/');
                }
                self.plan.kept.push(kept);
                self.carry(&child, &meta)?;
            }
        }
        Ok(())
    }

    /// A file the previous run wrote: dropped (this run writes its own, or no longer writes it)
    /// when unchanged, kept when its target is not rendered this run.
    fn owned_file(
        &mut self,
        rel: &Path,
        meta: &fs::Metadata,
        key: String,
        hash: Option<String>,
    ) -> Result<()> {
        let shown = self.show(rel);
        if !meta.is_file() {
            self.conflict(format!(
                "`{shown}` was a file meshsynth wrote and is now a folder or a link: meshsynth \
                 will not remove it; move it away and run again"
            ));
            return Ok(());
        }
        self.movable(rel, meta);
        // `keep` holds target folders (`cloudformation`, `vpc_lattice/terraform`) and whole
        // backend folders (`vpc_lattice`).
        let kept_target = self.keep.iter().any(|k| rel.starts_with(rel_path(k)));
        let path = self.plan.dest.join(rel);
        if kept_target {
            let hash = match hash {
                Some(h) => h,
                None => fs::File::open(&path)
                    .and_then(sha256::hex_read)
                    .with_context(|| format!("reading `{shown}`"))?,
            };
            self.manifest.files.insert(key, hash);
            self.add(rel.to_path_buf(), Item::Carry);
            return Ok(());
        }
        if let Some(recorded) = hash {
            let read = |e| anyhow::Error::new(e).context(format!("reading `{shown}`"));
            // This run writes the same content: the file is unchanged exactly when it holds
            // those bytes, and then it is linked over instead of written again (regenerating a
            // large mesh rewrites only the stacks that changed).
            let same = match self.plan.items.get(rel) {
                Some(Item::Write(new)) if self.manifest.files.get(&key) == Some(&recorded) => {
                    Some(holds(&path, meta, new).map_err(read)?)
                }
                _ => None,
            };
            let edited = match same {
                Some(true) => {
                    self.plan.items.insert(rel.to_path_buf(), Item::Carry);
                    false
                }
                Some(false) => true,
                None => {
                    let file = fs::File::open(&path).map_err(read)?;
                    sha256::hex_read(file).map_err(read)? != recorded
                }
            };
            if edited {
                self.conflict(format!(
                    "`{shown}` was changed after meshsynth wrote it (its SHA-256 is not the one \
                     in {}): meshsynth neither overwrites nor removes it. Keep your change in a \
                     file of your own (for Terraform, an override file such as \
                     `override.tf.json` beside it), delete this one, and run again",
                    manifest::FILE_NAME
                ));
            }
        }
        Ok(())
    }

    /// An entry meshsynth did not write, carried over whole.
    fn carry(&mut self, rel: &Path, meta: &fs::Metadata) -> Result<()> {
        self.movable(rel, meta);
        if meta.is_dir() {
            self.add(rel.to_path_buf(), Item::Dir(Some(meta.permissions())));
            for name in read_dir_sorted(&self.plan.dest.join(rel))? {
                let child = rel.join(name);
                let path = self.plan.dest.join(&child);
                let m = fs::symlink_metadata(&path)
                    .with_context(|| format!("reading `{}`", path.display()))?;
                self.carry(&child, &m)?;
            }
        } else {
            self.add(rel.to_path_buf(), Item::Carry);
        }
        Ok(())
    }
}

/// Whether the file at `path` holds exactly `bytes`, read through a small buffer.
fn holds(path: &Path, meta: &fs::Metadata, bytes: &[u8]) -> io::Result<bool> {
    use std::io::Read as _;
    if meta.len() != bytes.len() as u64 {
        return Ok(false);
    }
    let mut file = fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 16];
    let mut rest = bytes;
    loop {
        let n = match file.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(rest.is_empty());
        }
        if n > rest.len() || buf[..n] != rest[..n] {
            return Ok(false);
        }
        rest = &rest[n..];
    }
}

/// A manifest key (`terraform/main.tf.json`) as a relative path.
fn rel_path(key: &str) -> PathBuf {
    key.split('/').collect()
}

/// A relative path as a manifest key, `/`-separated.
fn key_of(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The folders above a relative path, outermost first, without the root.
fn ancestors(rel: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = rel
        .ancestors()
        .skip(1)
        .filter(|a| !a.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .collect();
    v.reverse();
    v
}

fn target_names() -> Vec<&'static str> {
    targets::ALL.iter().map(|t| t.name()).collect()
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<std::ffi::OsString>> {
    let mut names = Vec::new();
    for e in fs::read_dir(dir).with_context(|| format!("reading `{}`", dir.display()))? {
        names.push(
            e.with_context(|| format!("reading `{}`", dir.display()))?
                .file_name(),
        );
    }
    names.sort();
    Ok(names)
}
