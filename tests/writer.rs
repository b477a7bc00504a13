//! The output writer under real faults: a read-only folder, an immutable one, a swap that fails
//! half-way through several specs (an immutable spec folder, a mount point), a full disk, and
//! runs killed with SIGKILL at many points. After each fault the previous output is byte for byte
//! what it was (or, after a kill, each spec folder is the old or the new one, complete), and the
//! next run leaves no temporary folder. Faults this machine cannot produce (no `chattr`, no right
//! to mount) are skipped with a message on the terminal.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;

/// Two versions of one spec's output in `out`, and the trees of each.
struct Versions {
    dir: std::path::PathBuf,
    out: std::path::PathBuf,
    specs: Vec<std::path::PathBuf>,
}

impl Versions {
    /// Specs `names` in version 1, written to `out`, with a file of the user's in each folder.
    fn new(test: &str, names: &[&str]) -> Versions {
        let dir = scratch("writer", test);
        let out = dir.join("out");
        let specs = names
            .iter()
            .map(|n| write_spec(&dir, &format!("{n}.yaml"), &spec_text(1)))
            .collect();
        let v = Versions { dir, out, specs };
        v.synth_ok(1);
        for n in names {
            std::fs::write(v.out.join(n).join("terraform/backend.tf"), "terraform {}\n").unwrap();
        }
        v
    }

    fn spec_paths(&self) -> Vec<&Path> {
        self.specs.iter().map(|p| p.as_path()).collect()
    }

    fn set(&self, variant: u32) {
        for s in &self.specs {
            std::fs::write(s, spec_text(variant)).unwrap();
        }
    }

    fn synth(&self, variant: u32) -> std::process::Output {
        self.set(variant);
        synth(&self.spec_paths(), &self.out, &[])
    }

    fn synth_ok(&self, variant: u32) {
        self.set(variant);
        synth_ok(&self.spec_paths(), &self.out, &[]);
    }
}

impl Drop for Versions {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The run failed with exit 2, said `needle`, and changed nothing.
fn failed_and_changed_nothing(o: &std::process::Output, needle: &str, out: &Path, before: &Tree) {
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(needle), "expected {needle:?} in:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(&tree(out), before, "the previous output changed:\n{err}");
    assert!(temps(out).is_empty(), "left {:?}", temps(out));
}

#[test]
fn a_read_only_target_folder_is_left_alone() {
    let v = Versions::new("read-only", &["mesh"]);
    let tf = v.out.join("mesh/terraform");
    let mut perms = std::fs::metadata(&tf).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&tf, perms.clone()).unwrap();
    let before = tree(&v.out);
    // Whoever runs it, root included: the folder's mode says to leave it alone.
    let o = v.synth(2);
    failed_and_changed_nothing(&o, "is read-only", &v.out, &before);
    assert!(text(&o.stderr).contains("nothing was written"));
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&tf, perms).unwrap();
    v.synth_ok(2);
    assert!(temps(&v.out).is_empty());
}

#[test]
fn an_immutable_target_folder_is_left_alone() {
    let v = Versions::new("immutable-target", &["mesh"]);
    let tf = v.out.join("mesh/terraform");
    let Some(pin) = Immutable::set(&tf, &v.dir) else {
        skipped(
            "an_immutable_target_folder_is_left_alone",
            "`chattr +i` is not possible here (no chattr, no privilege, or a file system without attributes)",
        );
        return;
    };
    let before = tree(&v.out);
    let o = v.synth(2);
    failed_and_changed_nothing(&o, "is immutable", &v.out, &before);
    drop(pin);
    v.synth_ok(2);
    assert!(temps(&v.out).is_empty());
}

#[test]
fn a_swap_that_fails_half_way_puts_every_previous_folder_back() {
    // Specs are swapped in the order given: `a` is in when `b`'s swap fails.
    let v = Versions::new("immutable-spec", &["a", "b"]);
    let Some(pin) = Immutable::set(&v.out.join("b"), &v.dir) else {
        skipped(
            "a_swap_that_fails_half_way_puts_every_previous_folder_back",
            "`chattr +i` is not possible here (no chattr, no privilege, or a file system without attributes)",
        );
        return;
    };
    let before = tree(&v.out);
    let o = v.synth(2);
    let err = text(&o.stderr);
    failed_and_changed_nothing(&o, "nothing in", &v.out, &before);
    assert!(err.contains("replacing") && err.contains("out/b"), "{err}");
    drop(pin);
    v.synth_ok(2);
    assert!(temps(&v.out).is_empty());
}

#[test]
fn a_mount_point_fails_the_swap_and_changes_nothing() {
    let v = Versions::new("mount-point", &["a", "b"]);
    // `b` becomes a mount point holding the user's file only.
    let Some(mount) = Tmpfs::mount(&v.out.join("b"), "1m") else {
        skipped(
            "a_mount_point_fails_the_swap_and_changes_nothing",
            "cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN)",
        );
        return;
    };
    std::fs::create_dir(v.out.join("b/terraform")).unwrap();
    std::fs::write(v.out.join("b/terraform/backend.tf"), "terraform {}\n").unwrap();
    let before = tree(&v.out);
    let o = v.synth(2);
    let err = text(&o.stderr);
    failed_and_changed_nothing(&o, "mount point", &v.out, &before);
    assert!(
        err.contains("nothing in") && err.contains("was changed"),
        "{err}"
    );
    drop(mount);
}

#[test]
fn a_full_disk_changes_nothing() {
    let dir = scratch("writer", "full-disk");
    let disk = dir.join("disk");
    let Some(mount) = Tmpfs::mount(&disk, "256k") else {
        skipped(
            "a_full_disk_changes_nothing",
            "cannot mount a small tmpfs here (not root, or no CAP_SYS_ADMIN)",
        );
        return;
    };
    let out = disk.join("out");
    let spec = write_spec(&dir, "mesh.yaml", &spec_text(1));
    synth_ok(&[&spec], &out, &[]);
    std::fs::write(out.join("mesh/terraform/backend.tf"), "terraform {}\n").unwrap();
    // Fill the disk.
    let filler = disk.join("filler");
    {
        use std::io::Write as _;
        let mut f = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 4096];
        while f.write_all(&chunk).and_then(|()| f.flush()).is_ok() {}
        while f.write_all(&[0]).is_ok() {}
    }
    let before = tree(&out);
    std::fs::write(&spec, spec_text(2)).unwrap();
    let o = synth(&[&spec], &out, &[]);
    failed_and_changed_nothing(&o, "No space left on device", &out, &before);
    // With room again, the next run writes the new output.
    std::fs::remove_file(&filler).unwrap();
    synth_ok(&[&spec], &out, &[]);
    assert!(temps(&out).is_empty());
    assert_ne!(tree(&out), before);
    drop(mount);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A spec large enough that writing takes a while (`--target terraform`: CloudFormation's
/// resource cap would refuse it).
fn big_spec(variant: u32) -> String {
    let mut s = format!(
        "name: big\nmesh: {{ name: big-{variant} }}\nservice_discovery:\n  cloud_map:\n    namespace: big.internal\nvirtual_nodes:\n"
    );
    for i in 0..100 {
        s.push_str(&format!(
            "  node-{i}:\n    listeners: [{{ port: 8080, protocol: http }}]\n    service_discovery: {{ cloud_map: {{ service: node-{i} }} }}\n"
        ));
    }
    s
}

/// Where in its writing a run is, read off the temporary folders beside the spec folders.
#[derive(Clone, Copy, Debug)]
enum Stage {
    /// The first new folder is being built.
    Building,
    /// Every spec's new folder is built or being built: the swaps come next.
    AllBuilt,
    /// A temporary folder went away again: every spec is swapped in, the old ones are removed.
    Removing,
}

/// Waits until the run reaches `stage` (true) or exits or takes too long (false).
fn wait_for(stage: Stage, specs: usize, out: &Path, child: &mut std::process::Child) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut most = 0;
    while Instant::now() < deadline {
        let n = temps(out).len();
        most = most.max(n);
        let reached = match stage {
            Stage::Building => n >= 1,
            Stage::AllBuilt => n >= specs,
            Stage::Removing => most >= specs && n < specs,
        };
        if reached {
            return true;
        }
        if child.try_wait().ok().flatten().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    false
}

#[test]
fn a_killed_run_leaves_the_old_or_the_new_output_and_the_next_run_recovers() {
    let dir = scratch("writer", "kill");
    let out = dir.join("out");
    let names = ["k1", "k2", "k3"];
    let specs: Vec<_> = names
        .iter()
        .map(|n| write_spec(&dir, &format!("{n}.yaml"), &big_spec(1)))
        .collect();
    let paths: Vec<&Path> = specs.iter().map(|p| p.as_path()).collect();
    let args = ["--target", "terraform"];
    let set = |variant: u32| {
        for s in &specs {
            std::fs::write(s, big_spec(variant)).unwrap();
        }
    };
    let trees = || -> Vec<Tree> { names.iter().map(|n| tree(&out.join(n))).collect() };
    let spawn = || {
        bin()
            .arg("synth")
            .args(&paths)
            .arg("--out")
            .arg(&out)
            .args(args)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    // The two versions, each with a file of the user's that must survive every kill.
    set(2);
    synth_ok(&paths, &out, &args);
    for n in names {
        std::fs::write(out.join(n).join("terraform/backend.tf"), "terraform {}\n").unwrap();
    }
    let new = trees();
    set(1);
    let started = Instant::now();
    synth_ok(&paths, &out, &args);
    let full = started.elapsed();
    let old = trees();
    assert_ne!(old, new);

    let kills = 48;
    let (mut before, mut mixed, mut after, mut finished, mut while_writing) = (0, 0, 0, 0, 0);
    for i in 0..kills {
        set(2);
        let mut child = spawn();
        // A quarter of the kills land anywhere in the run, the others at a stage of its writing,
        // each a little later than the last.
        let extra = Duration::from_micros(500 * ((i / 4) % 6) as u64);
        let seen = match i % 4 {
            0 => {
                std::thread::sleep(full.mul_f64(1.2 * i as f64 / kills as f64));
                false
            }
            1 => wait_for(Stage::Building, names.len(), &out, &mut child),
            2 => wait_for(Stage::AllBuilt, names.len(), &out, &mut child),
            _ => wait_for(Stage::Removing, names.len(), &out, &mut child),
        };
        if seen {
            std::thread::sleep(extra);
        }
        let _ = child.kill();
        let status = child.wait().unwrap();
        // Right after the kill: every spec folder complete, old or new (the exchange leaves no
        // instant without one; only where the file system has none may a folder be missing,
        // between the two renames of the fallback, with its previous copy aside).
        let now = trees();
        let mut new_ones = 0;
        for (k, t) in now.iter().enumerate() {
            let aside = temps(&out)
                .iter()
                .any(|n| n.starts_with(&format!(".{}.meshsynth-old-", names[k])));
            assert!(
                *t == old[k] || *t == new[k] || (t.is_empty() && aside),
                "kill {i}: {} is neither the old nor the new output",
                names[k]
            );
            new_ones += usize::from(*t == new[k]);
        }
        match (status.success(), new_ones) {
            (true, _) => finished += 1,
            (false, 0) => before += 1,
            (false, n) if n == names.len() => after += 1,
            _ => mixed += 1,
        }
        while_writing += usize::from(seen && !status.success());
        // The next run recovers and writes the old version again, leaving nothing behind.
        set(1);
        synth_ok(&paths, &out, &args);
        assert_eq!(
            trees(),
            old,
            "kill {i}: the next run did not restore the output"
        );
        assert!(temps(&out).is_empty(), "kill {i}: left {:?}", temps(&out));
    }
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!(
            "killed {kills} runs of about {full:?}, {while_writing} of them while writing: {before} before any \
             swap, {mixed} between the specs' swaps, {after} after them; {finished} finished first\n"
        )
        .as_bytes(),
    );
    assert!(
        while_writing >= kills / 4,
        "too few kills landed while the run was writing ({while_writing} of {kills})"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_next_run_puts_back_a_folder_moved_aside_and_removes_leftovers() {
    let v = Versions::new("leftovers", &["mesh"]);
    let old = tree(&v.out);
    // What a run killed between the two renames of the fallback leaves: the folder aside, the
    // new one built; and a folder of the writer before manifests.
    std::fs::rename(v.out.join("mesh"), v.out.join(".mesh.meshsynth-old-999999")).unwrap();
    std::fs::create_dir_all(v.out.join(".mesh.meshsynth-new-999999/terraform")).unwrap();
    std::fs::create_dir_all(v.out.join(".mesh.meshsynth-del-999999-0/x")).unwrap();
    std::fs::create_dir_all(v.out.join(".other.tmp-4242/terraform")).unwrap();
    // A run for another spec recovers the whole output folder.
    let other = write_spec(&v.dir, "other.yaml", &spec_text(3));
    let err = synth_ok(&[&other], &v.out, &[]);
    assert!(err.contains("put back"), "{err}");
    let now = tree(&v.out);
    let mesh_now: Tree = now
        .into_iter()
        .filter(|(k, _)| k.starts_with("mesh"))
        .collect();
    let mesh_old: Tree = old.into_iter().collect();
    assert_eq!(
        mesh_now, mesh_old,
        "the folder moved aside is back, byte for byte"
    );
    assert!(temps(&v.out).is_empty(), "left {:?}", temps(&v.out));
}

#[test]
fn the_next_run_puts_back_a_target_the_old_writer_moved_aside() {
    // meshsynth before manifests moved `out/<spec>/<target>` to `.<spec>.tmp-<pid>/old-<target>`
    // one target at a time; killed there, the target was missing.
    let v = Versions::new("legacy-leftover", &["mesh"]);
    let old = tree(&v.out.join("mesh"));
    let tmp = v.out.join(".mesh.tmp-31337");
    std::fs::create_dir_all(tmp.join("terraform")).unwrap();
    std::fs::rename(v.out.join("mesh/terraform"), tmp.join("old-terraform")).unwrap();
    let other = write_spec(&v.dir, "other.yaml", &spec_text(3));
    synth_ok(&[&other], &v.out, &[]);
    assert_eq!(tree(&v.out.join("mesh")), old);
    assert!(temps(&v.out).is_empty(), "left {:?}", temps(&v.out));
}
