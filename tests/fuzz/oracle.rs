//! What must hold for every input, in-process (the library) and through the binary.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use meshsynth::diagnostic::{Diagnostics, FieldPath};
use meshsynth::synth;

/// A broken property: `sig` names the class (stable across inputs: the oracle, the stage, a
/// source location), `detail` says what exactly happened.
#[derive(Debug, Clone)]
pub struct Finding {
    pub sig: String,
    pub detail: String,
}

fn finding(sig: impl Into<String>, detail: impl Into<String>) -> Finding {
    Finding {
        sig: sig.into(),
        detail: detail.into(),
    }
}

/// The largest template CloudFormation takes (from S3; 51,200 bytes inline).
const CLOUDFORMATION_MAX_TEMPLATE: u64 = 1 << 20;

/// A spec that passed validation but whose template CloudFormation refuses.
pub const TEMPLATE_TOO_LARGE: &str = "a valid spec renders a CloudFormation template over 1 MB";

/// What the library said about an input, for comparing with the binary.
pub struct Outcome {
    pub diagnostics: serde_json::Value,
    pub valid: bool,
    /// target folder → file → content, when valid.
    pub files: Option<BTreeMap<String, BTreeMap<String, String>>>,
}

// ---------------------------------------------------------------------------------------------
// Panics in-process

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Records panics of the fuzzing threads instead of printing them (other threads print as usual).
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) {
                let msg = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(non-string panic)".into());
                let at = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()))
                    .unwrap_or_else(|| "(unknown)".into());
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{at}\t{msg}")));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into a finding about `stage`.
pub fn catch<T>(stage: &str, f: impl FnOnce() -> T) -> Result<T, Finding> {
    QUIET.with(|q| q.set(true));
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    r.map_err(|_| {
        let p = LAST_PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| "(unknown)\t(no message)".into());
        let (at, msg) = p.split_once('\t').unwrap_or((&p, ""));
        finding(
            format!("panic in {stage} at {at}"),
            format!("panicked at {at}: {msg}"),
        )
    })
}

// ---------------------------------------------------------------------------------------------
// In-process

/// The last line a location may name: YAML parsers count `\r`, NEL, U+2028 and U+2029 as line
/// breaks too, so count them all (and one line past the end, where an unexpected end is).
fn max_line(text: &str) -> usize {
    let mut n = 1;
    let mut prev_cr = false;
    for c in text.chars() {
        match c {
            '\n' if prev_cr => {}
            '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => n += 1,
            _ => {}
        }
        prev_cr = c == '\r';
    }
    n + 1
}

/// Every diagnostic says what (a code and a message) and where: a path, or at least a location
/// for a whole-file diagnostic (a syntax error), inside the file.
fn check_diagnostics(diags: &Diagnostics, text: &str, who: &str) -> Result<(), Finding> {
    let last = max_line(text);
    for d in diags.iter() {
        let code = d.code.to_string();
        if code.is_empty() || d.message.trim().is_empty() {
            return Err(finding(
                format!("diagnostic without a code or message ({who})"),
                format!("{d:?}"),
            ));
        }
        if d.path == FieldPath::root() && d.location.is_none() {
            return Err(finding(
                format!("diagnostic with neither path nor location: {code} ({who})"),
                format!("{d:?}"),
            ));
        }
        if let Some(l) = d.location {
            if l.line == 0 || l.column == 0 || l.line > last {
                return Err(finding(
                    format!("diagnostic located outside the file: {code} ({who})"),
                    format!(
                        "line {} column {} in a file of {last} line(s): {d:?}",
                        l.line, l.column
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// `check` and `synthesize` on `text`: no panic, within `bound`, agreeing, every diagnostic
/// located, every file well-formed.
pub fn library(text: &str, spec_file: &str, bound: Duration) -> Result<Outcome, Finding> {
    let targets = meshsynth::targets::iac();
    let started = Instant::now();
    let (diags, plan) = catch("check", || synth::check(text, &targets))?;
    let planned = plan.is_some();
    drop(plan);
    let s = catch("synthesize", || {
        synth::synthesize(text, spec_file, &targets)
    })?;
    let elapsed = started.elapsed();
    if elapsed > bound {
        return Err(finding(
            "slow (library)",
            format!("check + synthesize took {elapsed:?} (bound {bound:?})"),
        ));
    }
    if s.diagnostics != diags {
        return Err(finding(
            "check and synthesize disagree on diagnostics",
            format!(
                "check:\n{}\nsynthesize:\n{}",
                diags.render_human(spec_file),
                s.diagnostics.render_human(spec_file)
            ),
        ));
    }
    if planned != s.files.is_some() {
        return Err(finding(
            "check and synthesize disagree on validity",
            format!(
                "check planned: {planned}; synthesize files: {}",
                s.files.is_some()
            ),
        ));
    }
    if planned == diags.has_errors() {
        return Err(finding(
            "files iff no errors",
            format!(
                "planned: {planned}, errors: {}\n{}",
                diags.errors(),
                diags.render_human(spec_file)
            ),
        ));
    }
    check_diagnostics(&diags, text, "library")?;
    let json = catch("diagnostics as JSON", || serde_json::to_value(&diags))?
        .map_err(|e| finding("diagnostics do not serialize", e.to_string()))?;
    catch("render_human", || diags.render_human(spec_file))?;
    let files = match s.files {
        None => None,
        Some(files) => {
            // In the spec's backend's folder: `cloudformation` or `vpc_lattice/cloudformation`.
            let folder = |t: &str| {
                files
                    .iter()
                    .find(|(k, _)| k.as_str() == t || k.ends_with(&format!("/{t}")))
                    .map(|(_, r)| r)
            };
            for t in ["cloudformation", "terraform"] {
                if folder(t).is_none() {
                    return Err(finding(
                        format!("valid spec without {t} output"),
                        format!("folders: {:?}", files.keys().collect::<Vec<_>>()),
                    ));
                }
            }
            let template = folder("cloudformation")
                .and_then(|r| r.get("template.json"))
                .map_or(0, String::len);
            if template as u64 > CLOUDFORMATION_MAX_TEMPLATE {
                return Err(finding(
                    TEMPLATE_TOO_LARGE,
                    format!("template.json is {template} bytes"),
                ));
            }
            let mut out = BTreeMap::new();
            for (t, rendered) in files {
                for (name, content) in &rendered {
                    if content.is_empty() || !content.ends_with('\n') {
                        return Err(finding(
                            format!("output file empty or without a final newline: {t}/{name}"),
                            format!("{} bytes", content.len()),
                        ));
                    }
                    if name.ends_with(".json") {
                        if let Err(e) = serde_json::from_str::<serde_json::Value>(content) {
                            return Err(finding(
                                format!("output is not JSON: {t}/{name}"),
                                e.to_string(),
                            ));
                        }
                    }
                }
                out.insert(t.to_string(), rendered);
            }
            Some(out)
        }
    };
    Ok(Outcome {
        diagnostics: json,
        valid: planned,
        files,
    })
}

// ---------------------------------------------------------------------------------------------
// Through the binary

/// How to run the binary on one input.
pub struct Binary {
    pub exe: PathBuf,
    /// A folder of this worker's own; emptied for every input.
    pub work: PathBuf,
    /// The time one command may take on a small input; an input may take a second more per
    /// megabyte (reading and writing big strings is linear, but slow in a debug build).
    pub bound: Duration,
    /// A valid spec, for `synth good.yaml case.yaml`.
    pub good: String,
}

struct Ran {
    code: Option<i32>,
    signal: Option<i32>,
    timed_out: bool,
    elapsed: Duration,
    stdout: Vec<u8>,
    stderr: String,
}

/// Every regular file or link under `dir`, relative to it.
pub fn files_under(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => walk(base, &p, out),
                _ => out.push(p.strip_prefix(base).unwrap_or(&p).display().to_string()),
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

impl Binary {
    fn case_dir(&self) -> PathBuf {
        self.work.join("case")
    }

    /// The bound for an input of `len` bytes, and when to kill a command that has not finished.
    fn limits(&self, len: usize) -> (Duration, Duration) {
        let bound = self.bound + Duration::from_secs_f64(len as f64 / (1 << 20) as f64);
        (bound, bound + Duration::from_millis(500))
    }

    fn run(&self, args: &[&str], len: usize) -> Ran {
        let kill_after = self.limits(len).1;
        let out_path = self.work.join("stdout");
        let err_path = self.work.join("stderr");
        let started = Instant::now();
        let mut child = Command::new(&self.exe)
            .args(args)
            .current_dir(self.case_dir())
            .stdin(Stdio::null())
            .stdout(fs::File::create(&out_path).expect("stdout file"))
            .stderr(fs::File::create(&err_path).expect("stderr file"))
            .spawn()
            .expect("the binary starts");
        let mut timed_out = false;
        let status = loop {
            if let Some(status) = child.try_wait().expect("waiting for the binary") {
                break status;
            }
            if started.elapsed() > kill_after {
                let _ = child.kill();
                timed_out = true;
                break child.wait().expect("waiting for the killed binary");
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        let elapsed = started.elapsed();
        #[cfg(unix)]
        let signal = std::os::unix::process::ExitStatusExt::signal(&status);
        #[cfg(not(unix))]
        let signal = None;
        Ran {
            code: status.code(),
            signal,
            timed_out,
            elapsed,
            stdout: fs::read(&out_path).unwrap_or_default(),
            stderr: String::from_utf8_lossy(&fs::read(&err_path).unwrap_or_default()).into_owned(),
        }
    }

    /// Exit codes 0, 1 and 2 only, no panic, no crash, in time.
    fn check_process(&self, r: &Ran, cmd: &str, len: usize) -> Result<(), Finding> {
        let bound = self.limits(len).0;
        let tail: String = {
            let t = r.stderr.trim_end();
            let start = t.len().saturating_sub(1500);
            let start = (start..=t.len())
                .find(|&i| t.is_char_boundary(i))
                .unwrap_or(0);
            t[start..].to_owned()
        };
        if r.timed_out {
            return Err(finding(
                format!("timeout (binary {cmd})"),
                format!("killed after {:?}", r.elapsed),
            ));
        }
        if let Some(at) = r.stderr.find("panicked at ") {
            let loc: String = r.stderr[at + 12..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .collect();
            let loc = loc.trim_end_matches(':');
            let loc = loc.rsplit_once(':').map(|(l, _)| l).unwrap_or(loc);
            return Err(finding(format!("panic (binary {cmd}) at {loc}"), tail));
        }
        if let Some(sig) = r.signal {
            let what = if r.stderr.contains("overflowed its stack") {
                "stack overflow".to_owned()
            } else {
                format!("killed by signal {sig}")
            };
            return Err(finding(format!("{what} (binary {cmd})"), tail));
        }
        match r.code {
            Some(0..=2) => {}
            other => {
                return Err(finding(format!("exit code {other:?} (binary {cmd})"), tail));
            }
        }
        if r.elapsed > bound {
            return Err(finding(
                format!("slow (binary {cmd})"),
                format!("took {:?} (bound {bound:?})", r.elapsed),
            ));
        }
        Ok(())
    }

    /// `validate` and `synth` on `input`; with the library's outcome when the input is text
    /// the library read, and `synth good.yaml case.yaml` too when `multi` is set.
    pub fn check(&self, input: &[u8], lib: Option<&Outcome>, multi: bool) -> Result<(), Finding> {
        let dir = self.case_dir();
        let _ = fs::remove_dir_all(&self.work);
        fs::create_dir_all(&dir).expect("work folder");
        fs::write(dir.join("case.yaml"), input).expect("writing the case");

        let len = input.len();
        let v = self.run(&["validate", "case.yaml", "--format", "json"], len);
        self.check_process(&v, "validate", len)?;
        let vcode = v.code.unwrap_or(-1);
        if vcode == 2 && lib.is_some() {
            return Err(finding(
                "validate exits 2 on a readable spec",
                v.stderr.clone(),
            ));
        }
        if vcode != 2 {
            let json: serde_json::Value = serde_json::from_slice(&v.stdout).map_err(|e| {
                finding(
                    "validate --format json prints no JSON",
                    format!("{e}: {}", String::from_utf8_lossy(&v.stdout)),
                )
            })?;
            if json["valid"] != serde_json::Value::Bool(vcode == 0) {
                return Err(finding(
                    "validate's exit code and `valid` disagree",
                    format!("exit {vcode}, valid {}", json["valid"]),
                ));
            }
            for d in json["diagnostics"].as_array().into_iter().flatten() {
                let path = d["path"].as_str().unwrap_or("");
                let code = d["code"].as_str().unwrap_or("");
                let message = d["message"].as_str().unwrap_or("");
                if code.is_empty() || message.trim().is_empty() || path.is_empty() {
                    return Err(finding(
                        "diagnostic without a code, message or path (binary)",
                        d.to_string(),
                    ));
                }
                if path == "(top level)" && d.get("location").is_none() {
                    return Err(finding(
                        format!("diagnostic with neither path nor location: {code} (binary)"),
                        d.to_string(),
                    ));
                }
            }
            if let Some(lib) = lib {
                if json["diagnostics"] != lib.diagnostics || lib.valid != (vcode == 0) {
                    return Err(finding(
                        "the binary and the library disagree on diagnostics",
                        format!(
                            "binary (exit {vcode}):\n{}\nlibrary (valid {}):\n{}",
                            json["diagnostics"], lib.valid, lib.diagnostics
                        ),
                    ));
                }
            }
        }

        let s = self.run(&["synth", "case.yaml", "--out", "out"], len);
        let what = if vcode == 0 {
            "synth of a valid spec"
        } else {
            "synth"
        };
        self.check_process(&s, what, len)?;
        let scode = s.code.unwrap_or(-1);
        if scode != vcode {
            return Err(finding(
                "validate and synth exit differently",
                format!("validate {vcode}, synth {scode}\n{}", s.stderr),
            ));
        }
        let out = dir.join("out");
        let written = files_under(&out);
        if scode != 0 {
            if !written.is_empty() {
                return Err(finding(
                    format!("synth wrote files and exited {scode}"),
                    written.join("\n"),
                ));
            }
        } else {
            let template = ["case/cloudformation", "case/vpc_lattice/cloudformation"]
                .iter()
                .map(|d| out.join(d).join("template.json"))
                .find(|p| p.is_file())
                .unwrap_or_else(|| out.join("case/cloudformation/template.json"));
            let size = fs::metadata(&template).map(|m| m.len()).unwrap_or(0);
            if size > CLOUDFORMATION_MAX_TEMPLATE {
                return Err(finding(
                    TEMPLATE_TOO_LARGE,
                    format!("{} is {size} bytes", template.display()),
                ));
            }
            if let Some(leftover) = fs::read_dir(&out)
                .into_iter()
                .flatten()
                .flatten()
                .find(|e| e.file_name().to_string_lossy().starts_with('.'))
            {
                return Err(finding(
                    "synth left a temporary entry in the out folder",
                    leftover.path().display().to_string(),
                ));
            }
            if let Some(files) = lib.and_then(|l| l.files.as_ref()) {
                for (t, rendered) in files {
                    for (name, content) in rendered {
                        let p = out.join("case").join(t).join(name);
                        match fs::read_to_string(&p) {
                            Ok(c) if &c == content => {}
                            Ok(_) => {
                                return Err(finding(
                                    "the binary and the library write different files",
                                    format!("{t}/{name} differs"),
                                ))
                            }
                            Err(e) => {
                                return Err(finding(
                                    "the binary and the library write different files",
                                    format!("{t}/{name}: {e}"),
                                ))
                            }
                        }
                    }
                }
            }
        }

        if multi && vcode == 1 {
            fs::write(dir.join("good.yaml"), &self.good).expect("writing the good spec");
            for (args, order) in [
                (["synth", "good.yaml", "case.yaml"], "good first"),
                (["synth", "case.yaml", "good.yaml"], "invalid first"),
            ] {
                let _ = fs::remove_dir_all(dir.join("out-multi"));
                let mut all: Vec<&str> = args.to_vec();
                all.extend(["--out", "out-multi"]);
                let m = self.run(&all, len);
                self.check_process(&m, "synth two specs", len)?;
                let written = files_under(&dir.join("out-multi"));
                if m.code != Some(1) || !written.is_empty() {
                    return Err(finding(
                        "synth of a valid and an invalid spec wrote files or did not exit 1",
                        format!("{order}: exit {:?}, wrote:\n{}", m.code, written.join("\n")),
                    ));
                }
            }
        }
        Ok(())
    }
}
