//! The fuzz test (#7): mutations of every example and fixture, through the library and the
//! binary, for a fixed number of cases within a wall-clock budget.
//!
//! Every case is a seed (examples/*.yaml, tests/fixtures/valid/*.yaml, tests/fuzz/seeds/*.yaml
//! and, one case in five, tests/fixtures/invalid/*.yaml) with one to three mutations (see
//! tests/fuzz/mutate.rs). For every case, in-process:
//! - `synth::check` and `synth::synthesize` do not panic and take at most [`BOUND`];
//! - they agree: the same diagnostics, and files exactly when there is no error;
//! - every diagnostic has a code, a message, and a path or (a whole-file diagnostic) a location,
//!   and a location is inside the file;
//! - every file written ends with a newline, and the JSON ones parse.
//!
//! For one case in [`BINARY_EVERY`], and for every heavy case (thousands of nesting levels,
//! megabyte strings and keys: inputs that could crash or hang the harness itself), through the
//! binary with a timeout:
//! - `validate` and `synth` exit 0, 1 or 2, without a panic or a crash, in time, and with the
//!   same code; `validate --format json` prints the library's diagnostics;
//! - after a non-zero exit nothing is written; after 0, the library's files are;
//! - on an invalid case, sometimes, `synth good.yaml case.yaml` (either order) exits 1 and writes
//!   nothing.
//!
//! Deterministic: case N of seed S is the same input on every machine. Knobs (environment):
//! - `MESHSYNTH_FUZZ_SEED` (default [`DEFAULT_SEED`]), `MESHSYNTH_FUZZ_CASES` (default
//!   [`DEFAULT_CASES`]), `MESHSYNTH_FUZZ_BUDGET_SECS` (default [`DEFAULT_BUDGET_SECS`]; the run
//!   stops early only there, saying how many cases ran);
//! - `MESHSYNTH_FUZZ_ONLY=N`: run case N alone, printing what it is (with `--nocapture`);
//! - `MESHSYNTH_FUZZ_THREADS` (default: up to 2), `MESHSYNTH_FUZZ_MINIMIZE_SECS` (per failure
//!   class, default 20), `MESHSYNTH_FUZZ_MINIMIZE_KNOWN=1` to minimize known failures too;
//! - `MESHSYNTH_FUZZ_STRICT=1`: treat every known failure below as fixed.
//!
//! A failure prints the seed, the case, the seed file, the mutations and the input, and writes
//! the input and its minimized form under `target/tmp/fuzz-failures/`. Keep a minimized
//! reproducer as `tests/fuzz/reproducers/<class>--<what>.yaml`: `fuzz_reproducers` runs them all
//! every time.

mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[path = "fuzz/minimize.rs"]
mod minimize;
#[path = "fuzz/mutate.rs"]
mod mutate;
#[path = "fuzz/oracle.rs"]
mod oracle;
#[path = "fuzz/rng.rs"]
mod rng;

use oracle::{Binary, Finding};
use rng::Rng;

// ---------------------------------------------------------------------------------------------
// Failure classes this fuzzer found on main before issue 7's fixes (each constant says what it
// was). All are fixed, so every constant is `true` and each class fails the test like any other;
// set one to `false` only to park a class that a change knowingly breaks, and say so.

/// The loader's depth limit (src/spec/load.rs): a few thousand levels of block nesting (`- - - x`)
/// overflow the stack and abort the process (`LocationIndex::build`: yaml-rust2's recursive
/// `Parser::load`), and are quadratic below that (a path cloned per level: 3,000 levels take
/// 1.4 s, 6,000 6 s in a debug build). Flow nesting is quadratic in libyaml's scanner, inside
/// serde_yaml (under a key, 10,000 levels 1 s, 20,000 4 s, 40,000 15 s): a limit has to stop the
/// text before serde_yaml reads it to fix that one (class `deep-nesting`).
const DEEP_NESTING_FIXED: bool = true;
/// The loader's "did you mean" on huge keys (src/spec/load.rs): an unknown key of 100 KB takes
/// seconds in a debug build, of a megabyte a minute (class `long-key`).
const LONG_KEY_FIXED: bool = true;
/// Found by this fuzzer, not yet anyone's: a YAML stream of two documents (`---` or `...`
/// followed by more) gives `invalid-spec-shape` "deserializing from YAML containing more than
/// one document is not supported" at the top level with no line:column (src/spec/load.rs,
/// `shape_error`: serde_yaml gives no location, and the top level has none in the index)
/// (class `multi-document`).
const MULTI_DOCUMENT_FIXED: bool = true;
/// Found by this fuzzer, not yet anyone's: the top-level Cloud Map namespace
/// (`service_discovery.cloud_map.namespace`) has no length or DNS-name rule (2,000 characters,
/// `a..b`, `-bad-`, `ünï.internal` are all accepted; a node's own `namespace` is capped at 1,024),
/// and no rule bounds the template's size: a 200 KB namespace makes a valid spec whose
/// template.json is over CloudFormation's 1 MB, a 4 MB one a 54 MB template that takes 8 s to
/// write (class `template-size`).
const TEMPLATE_SIZE_FIXED: bool = true;
/// Found by this fuzzer: the same "did you mean" on a huge reference in the rules (src/check,
/// through `did_you_mean` in src/diagnostic/suggest.rs): a 4 MB gateway route target takes 9 s
/// against five services, a 128 KB backend 9 s against ten 200-character ones (debug build).
/// Fixed with `long-key` if that fix goes into `suggest`/`levenshtein` rather than load.rs
/// (class `long-reference`).
const LONG_REFERENCE_FIXED: bool = true;
/// The writer's multi-spec semantics (src/cli/write.rs): `synth good.yaml bad.yaml` writes
/// good's output, then exits 1 (class `multi-spec`).
const MULTI_SPEC_FIXED: bool = true;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Known {
    DeepNesting,
    LongKey,
    LongReference,
    MultiSpec,
    MultiDocument,
    TemplateSize,
}

impl Known {
    const ALL: [Known; 6] = [
        Known::DeepNesting,
        Known::LongKey,
        Known::LongReference,
        Known::MultiSpec,
        Known::MultiDocument,
        Known::TemplateSize,
    ];

    /// The prefix of its reproducers' file names.
    fn name(self) -> &'static str {
        match self {
            Known::DeepNesting => "deep-nesting",
            Known::LongKey => "long-key",
            Known::LongReference => "long-reference",
            Known::MultiSpec => "multi-spec",
            Known::MultiDocument => "multi-document",
            Known::TemplateSize => "template-size",
        }
    }

    fn fixed(self) -> bool {
        if std::env::var_os("MESHSYNTH_FUZZ_STRICT").is_some_and(|v| v == "1") {
            return true;
        }
        match self {
            Known::DeepNesting => DEEP_NESTING_FIXED,
            Known::LongKey => LONG_KEY_FIXED,
            Known::LongReference => LONG_REFERENCE_FIXED,
            Known::MultiSpec => MULTI_SPEC_FIXED,
            Known::MultiDocument => MULTI_DOCUMENT_FIXED,
            Known::TemplateSize => TEMPLATE_SIZE_FIXED,
        }
    }

    /// Its constant, for the report.
    fn constant(self) -> &'static str {
        match self {
            Known::DeepNesting => "DEEP_NESTING_FIXED",
            Known::LongKey => "LONG_KEY_FIXED",
            Known::LongReference => "LONG_REFERENCE_FIXED",
            Known::MultiSpec => "MULTI_SPEC_FIXED",
            Known::MultiDocument => "MULTI_DOCUMENT_FIXED",
            Known::TemplateSize => "TEMPLATE_SIZE_FIXED",
        }
    }

    /// Its inputs only go through the binary (in-process they would take the harness down or
    /// take too long).
    fn binary_only(self) -> bool {
        matches!(
            self,
            Known::DeepNesting | Known::LongKey | Known::LongReference
        )
    }

    fn from_name(file: &str) -> Option<Known> {
        Known::ALL
            .into_iter()
            .find(|k| file.starts_with(&format!("{}--", k.name())))
    }
}

/// The known class a finding belongs to, if any.
fn known(f: &Finding, input: &[u8]) -> Option<Known> {
    if f.sig.starts_with("stack overflow") {
        return Some(Known::DeepNesting);
    }
    let slow = f.sig.starts_with("timeout") || f.sig.starts_with("slow");
    // Deep nesting is quadratic too: block nesting in the location index, flow nesting in
    // libyaml's scanner.
    if slow && nesting_depth(input) >= 1_000 {
        return Some(Known::DeepNesting);
    }
    if slow && longest_key(input) >= 10_000 {
        return Some(Known::LongKey);
    }
    if slow && !f.sig.contains("synth of a valid spec") && longest_scalar(input) >= 100_000 {
        return Some(Known::LongReference);
    }
    if f.sig == oracle::TEMPLATE_TOO_LARGE
        || (slow && f.sig.contains("synth of a valid spec") && longest_scalar(input) >= 100_000)
    {
        return Some(Known::TemplateSize);
    }
    if f.sig.starts_with("synth of a valid and an invalid spec") {
        return Some(Known::MultiSpec);
    }
    // By the message, or by the input (the loader's rewording may change the message): a
    // document marker at the start of a line after the first.
    let text = String::from_utf8_lossy(input);
    let second_document = ["\n---", "\n...", "\r---", "\r..."]
        .iter()
        .any(|m| text.contains(m));
    if f.sig
        .starts_with("diagnostic with neither path nor location: invalid-spec-shape")
        && (f.detail.contains("more than one document") || second_document)
    {
        return Some(Known::MultiDocument);
    }
    None
}

/// How deep the input nests: open brackets (flow style, counted in the text as if nothing were
/// quoted) or open collections as the event parser sees them (block style), whichever is more.
fn nesting_depth(input: &[u8]) -> usize {
    use yaml_rust2::parser::{Event, Parser};
    let (mut flow, mut max_flow) = (0usize, 0usize);
    for &b in input {
        match b {
            b'[' | b'{' => {
                flow += 1;
                max_flow = max_flow.max(flow);
            }
            b']' | b'}' => flow = flow.saturating_sub(1),
            _ => {}
        }
    }
    // Block style as the text shows it: indentation, and `- - - x` on one line.
    let mut max_block = 0;
    for line in input.split(|&b| b == b'\n' || b == b'\r') {
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        let mut rest = &line[indent..];
        let mut dashes = 0;
        while let Some(r) = rest.strip_prefix(b"- ") {
            dashes += 1;
            rest = r;
        }
        max_block = max_block.max(indent / 2 + dashes);
    }
    let text = String::from_utf8_lossy(input);
    let mut parser = Parser::new_from_str(&text);
    let (mut depth, mut max_depth) = (0usize, 0usize);
    while let Ok((ev, _)) = parser.next_token() {
        match ev {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                depth += 1;
                max_depth = max_depth.max(depth);
            }
            Event::MappingEnd | Event::SequenceEnd => depth = depth.saturating_sub(1),
            Event::StreamEnd => break,
            _ => {}
        }
    }
    max_flow.max(max_depth).max(max_block)
}

/// The longest mapping key of the YAML text, in bytes (as far as it parses).
fn longest_key(input: &[u8]) -> usize {
    longest(input).0
}

/// The longest scalar (key or value) of the YAML text, in bytes (as far as it parses).
fn longest_scalar(input: &[u8]) -> usize {
    longest(input).1
}

fn longest(input: &[u8]) -> (usize, usize) {
    use yaml_rust2::parser::{Event, Parser};
    let text = String::from_utf8_lossy(input);
    let mut parser = Parser::new_from_str(&text);
    // For each open collection: Some(next scalar is a key) for a mapping, None for a sequence.
    let mut stack: Vec<Option<bool>> = Vec::new();
    let (mut longest, mut any) = (0, 0);
    while let Ok((ev, _)) = parser.next_token() {
        if let Event::Scalar(s, ..) = &ev {
            any = any.max(s.len());
        }
        let is_value = matches!(
            ev,
            Event::Scalar(..)
                | Event::Alias(_)
                | Event::MappingStart(..)
                | Event::SequenceStart(..)
        );
        if is_value {
            if let Some(Some(key_next)) = stack.last_mut() {
                if *key_next {
                    if let Event::Scalar(s, ..) = &ev {
                        longest = longest.max(s.len());
                    }
                }
                *key_next = !*key_next;
            }
        }
        match ev {
            Event::MappingStart(..) => stack.push(Some(true)),
            Event::SequenceStart(..) => stack.push(None),
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
            }
            Event::StreamEnd => break,
            _ => {}
        }
    }
    (longest, any)
}

// ---------------------------------------------------------------------------------------------
// Settings

/// The seed CI uses.
const DEFAULT_SEED: u64 = 0x6d65_7368_7379_6e74;
/// The cases CI runs: about 45 s of a debug build on 2 cores.
const DEFAULT_CASES: u64 = 2_000;
/// The wall-clock budget of the case loop; the run stops there, whatever the count.
const DEFAULT_BUDGET_SECS: u64 = 75;
/// One case in this many also goes through the binary.
const BINARY_EVERY: u64 = 20;
/// One case in this many gets a heavy mutation (binary only).
const HEAVY_ONE_IN: usize = 60;
/// The time one input may take, in-process (check + synthesize) or one command of the binary.
const BOUND: Duration = if cfg!(debug_assertions) {
    Duration::from_secs(2)
} else {
    Duration::from_millis(500)
};

struct Config {
    seed: u64,
    cases: u64,
    only: Option<u64>,
    budget: Duration,
    threads: usize,
    minimize: Duration,
    minimize_known: bool,
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    let parsed = match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={v} is not a number")))
}

impl Config {
    fn from_env() -> Self {
        let threads = env_u64("MESHSYNTH_FUZZ_THREADS").map_or_else(
            || {
                std::thread::available_parallelism()
                    .map(|n| n.get().min(2))
                    .unwrap_or(1)
            },
            |n| n.max(1) as usize,
        );
        Config {
            seed: env_u64("MESHSYNTH_FUZZ_SEED").unwrap_or(DEFAULT_SEED),
            cases: env_u64("MESHSYNTH_FUZZ_CASES").unwrap_or(DEFAULT_CASES),
            only: env_u64("MESHSYNTH_FUZZ_ONLY"),
            budget: Duration::from_secs(
                env_u64("MESHSYNTH_FUZZ_BUDGET_SECS").unwrap_or(DEFAULT_BUDGET_SECS),
            ),
            threads,
            minimize: Duration::from_secs(env_u64("MESHSYNTH_FUZZ_MINIMIZE_SECS").unwrap_or(20)),
            minimize_known: env_u64("MESHSYNTH_FUZZ_MINIMIZE_KNOWN") == Some(1),
        }
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn yaml_files(dir: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("reading {dir}: {e}"))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .filter_map(|p| {
            let name = p.strip_prefix(root()).unwrap().display().to_string();
            // Fixtures of bad encodings are bytes, not text: the mutators work on text.
            let text = String::from_utf8(std::fs::read(&p).unwrap()).ok()?;
            Some((name, text))
        })
        .collect();
    out.sort();
    out
}

struct Corpus {
    valid: Vec<(String, String)>,
    invalid: Vec<(String, String)>,
}

impl Corpus {
    fn load() -> Self {
        let mut valid = yaml_files("examples");
        valid.extend(yaml_files("tests/fixtures/valid"));
        valid.extend(yaml_files("tests/fuzz/seeds"));
        let invalid = yaml_files("tests/fixtures/invalid");
        assert!(
            valid.len() >= 10 && !invalid.is_empty(),
            "the corpus is missing"
        );
        Corpus { valid, invalid }
    }
}

fn work_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-{}-{name}", std::process::id()))
}

fn binary(work: PathBuf) -> Binary {
    Binary {
        exe: PathBuf::from(env!("CARGO_BIN_EXE_meshsynth")),
        work,
        // A process of its own: starting it, and writing the files, take a little more.
        bound: BOUND + Duration::from_secs(1),
        good: std::fs::read_to_string(root().join("tests/fixtures/valid/minimal.yaml")).unwrap(),
    }
}

// ---------------------------------------------------------------------------------------------
// One case

/// Where a finding came from: the library's part needs no binary to reproduce.
#[derive(Clone, Copy)]
struct Plan {
    heavy: bool,
    binary: bool,
    multi: bool,
}

/// Runs every oracle the plan asks for on `input`.
/// `Ok(Some(valid))` when the library read the input as text.
fn run_input(input: &[u8], plan: Plan, bin: &Binary) -> Result<Option<bool>, (Finding, bool)> {
    let lib = if plan.heavy {
        None
    } else {
        match std::str::from_utf8(input) {
            Ok(text) => Some(oracle::library(text, "case.yaml", BOUND).map_err(|f| (f, false))?),
            Err(_) => {
                // The library takes text: give it what a lossy reading makes of the bytes.
                let text = String::from_utf8_lossy(input);
                oracle::library(&text, "case.yaml", BOUND).map_err(|f| (f, false))?;
                None
            }
        }
    };
    if plan.binary {
        bin.check(input, lib.as_ref(), plan.multi)
            .map_err(|f| (f, true))?;
    }
    Ok(lib.map(|l| l.valid))
}

struct Case {
    n: u64,
    seed_file: String,
    applied: Vec<String>,
    input: Vec<u8>,
    plan: Plan,
}

fn make_case(cfg: &Config, corpus: &Corpus, n: u64) -> Case {
    let mut rng = Rng::for_case(cfg.seed, n);
    let (file, text) = if rng.chance(1, 5) {
        rng.pick(&corpus.invalid)
    } else {
        rng.pick(&corpus.valid)
    };
    let heavy = rng.chance(1, HEAVY_ONE_IN);
    let m = mutate::mutate(text, &mut rng, heavy);
    let binary = heavy || n % BINARY_EVERY == 0;
    Case {
        n,
        seed_file: file.clone(),
        applied: m.applied,
        input: m.bytes,
        plan: Plan {
            heavy: m.heavy,
            binary,
            multi: binary && rng.chance(1, 3),
        },
    }
}

struct Failure {
    case: Case,
    finding: Finding,
    from_binary: bool,
    known: Option<Known>,
}

// ---------------------------------------------------------------------------------------------
// Reporting

fn escaped_preview(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(max)]);
    let mut s = format!("{text:?}");
    if bytes.len() > max {
        s.push_str(&format!(" … ({} bytes in all)", bytes.len()));
    }
    s
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').chars().take(80).collect()
}

/// Minimizes and writes one failure; returns its report.
fn report(cfg: &Config, f: &Failure, bin: &Binary) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    std::fs::create_dir_all(&dir).unwrap();
    let base = format!(
        "{}-seed{:x}-case{}",
        slug(&f.finding.sig),
        cfg.seed,
        f.case.n
    );
    let original = dir.join(format!("{base}.yaml"));
    std::fs::write(&original, &f.case.input).unwrap();
    let minimize = f.known.is_none() || cfg.minimize_known;
    let minimized = if minimize {
        let plan = Plan {
            binary: f.from_binary,
            ..f.case.plan
        };
        let sig = f.finding.sig.clone();
        let mut fails = |input: &[u8]| match run_input(input, plan, bin) {
            Err((g, _)) => g.sig == sig,
            Ok(_) => false,
        };
        let min = minimize::minimize(&f.case.input, &mut fails, Instant::now() + cfg.minimize);
        let p = dir.join(format!("{base}.min.yaml"));
        std::fs::write(&p, &min).unwrap();
        Some((min, p))
    } else {
        None
    };
    let mut r = String::new();
    r.push_str(&format!("── {}\n", f.finding.sig));
    if let Some(k) = f.known {
        r.push_str(&format!(
            "   known failure `{}` (not failing the test until {} = true)\n",
            k.name(),
            k.constant()
        ));
    }
    r.push_str(&format!(
        "   seed {:#x}, case {} (MESHSYNTH_FUZZ_SEED={:#x} MESHSYNTH_FUZZ_ONLY={} cargo test --test fuzz fuzz_corpus -- --nocapture)\n",
        cfg.seed, f.case.n, cfg.seed, f.case.n
    ));
    r.push_str(&format!(
        "   from {} with {}\n",
        f.case.seed_file,
        f.case.applied.join("; ")
    ));
    r.push_str(&format!(
        "   {}\n",
        f.finding
            .detail
            .lines()
            .take(30)
            .collect::<Vec<_>>()
            .join("\n   ")
    ));
    r.push_str(&format!("   input: {}\n", original.display()));
    if let Some((min, p)) = minimized {
        r.push_str(&format!(
            "   minimized ({} bytes): {}\n   {}\n",
            min.len(),
            p.display(),
            escaped_preview(&min, 2000)
        ));
    } else {
        r.push_str(&format!(
            "   ({} bytes) {}\n",
            f.case.input.len(),
            escaped_preview(&f.case.input, 300)
        ));
    }
    r
}

/// Written to the stderr handle itself: libtest does not capture it, so CI logs show it.
fn banner(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

// ---------------------------------------------------------------------------------------------
// The tests

#[test]
fn fuzz_corpus() {
    oracle::install_panic_hook();
    let cfg = Config::from_env();
    let corpus = Corpus::load();
    let started = Instant::now();

    if std::env::var_os("MESHSYNTH_FUZZ_LIST").is_some() {
        // What the cases are, without running them.
        for n in 0..cfg.cases {
            let c = make_case(&cfg, &corpus, n);
            println!(
                "{n}\t{}\t{}b\t{}{}\t{}",
                c.seed_file,
                c.input.len(),
                if c.plan.heavy { "heavy " } else { "" },
                if c.plan.binary { "binary" } else { "" },
                c.applied.join("; ")
            );
        }
        return;
    }

    if let Some(n) = cfg.only {
        let case = make_case(&cfg, &corpus, n);
        let bin = binary(work_dir("only"));
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-case-{n}.yaml"));
        std::fs::write(&path, &case.input).unwrap();
        println!(
            "case {n} of seed {:#x}: from {} with {}\n  heavy {}, binary {}, multi {}\n  input ({} bytes) written to {}\n  {}",
            cfg.seed,
            case.seed_file,
            case.applied.join("; "),
            case.plan.heavy,
            case.plan.binary,
            case.plan.multi,
            case.input.len(),
            path.display(),
            escaped_preview(&case.input, 4000)
        );
        let plan = Plan {
            binary: true,
            ..case.plan
        };
        match run_input(&case.input, plan, &bin) {
            Ok(_) => println!("case {n} passes"),
            Err((f, _)) => panic!("case {n} fails: {}\n{}", f.sig, f.detail),
        }
        return;
    }

    let next = AtomicU64::new(0);
    let failures: Mutex<BTreeMap<String, Failure>> = Mutex::new(BTreeMap::new());
    let counts: Mutex<BTreeMap<String, Vec<u64>>> = Mutex::new(BTreeMap::new());
    let ran = AtomicU64::new(0);
    let through_binary = AtomicU64::new(0);
    let heavy = AtomicU64::new(0);
    let valid = AtomicU64::new(0);
    std::thread::scope(|s| {
        for w in 0..cfg.threads {
            let (cfg, corpus, next, failures, counts, ran, through_binary, heavy, valid) = (
                &cfg,
                &corpus,
                &next,
                &failures,
                &counts,
                &ran,
                &through_binary,
                &heavy,
                &valid,
            );
            std::thread::Builder::new()
                .name(format!("fuzz-{w}"))
                // Like the binary's main thread, and then some: in-process inputs are capped
                // well below what overflows it.
                .stack_size(32 << 20)
                .spawn_scoped(s, move || {
                    oracle::install_panic_hook();
                    let bin = binary(work_dir(&format!("w{w}")));
                    loop {
                        if started.elapsed() > cfg.budget {
                            return;
                        }
                        let n = next.fetch_add(1, Ordering::SeqCst);
                        if n >= cfg.cases {
                            return;
                        }
                        let case = make_case(cfg, corpus, n);
                        if case.plan.binary {
                            through_binary.fetch_add(1, Ordering::Relaxed);
                        }
                        if case.plan.heavy {
                            heavy.fetch_add(1, Ordering::Relaxed);
                        }
                        let result = run_input(&case.input, case.plan, &bin);
                        ran.fetch_add(1, Ordering::Relaxed);
                        if let Ok(Some(true)) = result {
                            valid.fetch_add(1, Ordering::Relaxed);
                        }
                        if let Err((finding, from_binary)) = result {
                            let k = known(&finding, &case.input);
                            let class = match k {
                                Some(k) => format!("known:{}", k.name()),
                                None => finding.sig.clone(),
                            };
                            counts
                                .lock()
                                .unwrap()
                                .entry(class.clone())
                                .or_default()
                                .push(n);
                            let mut all = failures.lock().unwrap();
                            let keep = all.get(&class).is_none_or(|f| f.case.n > n);
                            if keep {
                                all.insert(
                                    class,
                                    Failure {
                                        case,
                                        finding,
                                        from_binary,
                                        known: k,
                                    },
                                );
                            }
                        }
                    }
                })
                .expect("a fuzz thread starts");
        }
    });
    let elapsed = started.elapsed();
    let ran = ran.into_inner();
    let failures = failures.into_inner().unwrap();
    let counts = counts.into_inner().unwrap();

    let bin = binary(work_dir("minimize"));
    let mut failing = Vec::new();
    let mut known_reports = Vec::new();
    for (class, f) in &failures {
        let fixed = f.known.is_none_or(Known::fixed);
        let mut cases = counts[class].clone();
        cases.sort_unstable();
        let some: Vec<String> = cases.iter().take(12).map(u64::to_string).collect();
        let text = format!(
            "{class} ({} case(s): {}{})\n{}",
            cases.len(),
            some.join(" "),
            if cases.len() > 12 { " …" } else { "" },
            report(&cfg, f, &bin)
        );
        if fixed {
            failing.push(text);
        } else {
            known_reports.push(text);
        }
    }
    let _ = std::fs::remove_dir_all(work_dir("minimize"));
    for w in 0..cfg.threads {
        let _ = std::fs::remove_dir_all(work_dir(&format!("w{w}")));
    }

    let stopped = if ran < cfg.cases {
        format!(
            " (stopped at the {}s budget: {} of {} cases ran)",
            cfg.budget.as_secs(),
            ran,
            cfg.cases
        )
    } else {
        String::new()
    };
    let summary = format!(
        "fuzz: {ran} cases of seed {:#x} in {:.1}s on {} thread(s){stopped}; {} still valid, {} through the binary, {} heavy; {} failure class(es), {} known\n",
        cfg.seed,
        elapsed.as_secs_f64(),
        cfg.threads,
        valid.into_inner(),
        through_binary.into_inner(),
        heavy.into_inner(),
        failing.len(),
        known_reports.len(),
    );
    let mut out = summary.clone();
    for r in &known_reports {
        out.push_str(r);
    }
    banner(&out);
    assert!(failing.is_empty(), "{summary}{}", failing.join("\n"));
}

/// Every reproducer in tests/fuzz/reproducers: fixed ones must pass; one of a known class that
/// is not fixed yet may still fail that way (and says so when it passes, so the constant gets
/// flipped).
#[test]
fn fuzz_reproducers() {
    oracle::install_panic_hook();
    let dir = root().join("tests/fuzz/reproducers");
    let files = common::yaml_files("tests/fuzz/reproducers");
    assert!(!files.is_empty(), "no reproducers in {}", dir.display());
    let bin = binary(work_dir("reproducers"));
    let mut failing = Vec::new();
    let mut notes = String::new();
    for p in &files {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let input = std::fs::read(p).unwrap();
        let class = Known::from_name(&name);
        let plan = Plan {
            heavy: class.is_some_and(Known::binary_only),
            binary: true,
            multi: true,
        };
        // A deep input in-process would take this test down with it: binary only, and on a
        // thread with the binary's stack otherwise.
        let result = std::thread::Builder::new()
            .stack_size(32 << 20)
            .spawn({
                let input = input.clone();
                let bin = binary(bin.work.clone());
                move || {
                    oracle::install_panic_hook();
                    run_input(&input, plan, &bin)
                }
            })
            .unwrap()
            .join()
            .expect("the reproducer thread returns");
        match (result, class) {
            (Ok(_), Some(k)) if !k.fixed() => notes.push_str(&format!(
                "fuzz: reproducer {name} passes now: set {} = true in tests/fuzz.rs\n",
                k.constant()
            )),
            (Ok(_), _) => {}
            // Its own class, or another one not fixed yet that stands in front of it.
            (Err((f, _)), _) if known(&f, &input).is_some_and(|k| !k.fixed()) => {
                let k = known(&f, &input).unwrap();
                notes.push_str(&format!(
                    "fuzz: reproducer {name} still fails (known, {} = false): {}\n",
                    k.constant(),
                    f.sig
                ))
            }
            (Err((f, _)), _) => failing.push(format!("{name}: {}\n{}", f.sig, f.detail)),
        }
    }
    let _ = std::fs::remove_dir_all(&bin.work);
    banner(&notes);
    assert!(
        failing.is_empty(),
        "{} reproducer(s) fail:\n{}",
        failing.len(),
        failing.join("\n\n")
    );
}

/// The extra seeds are valid specs (a seed that stopped being valid fuzzes little).
#[test]
fn fuzz_seeds_are_valid() {
    for (name, text) in yaml_files("tests/fuzz/seeds") {
        let s = meshsynth::synth::synthesize(&text, &name, &meshsynth::targets::iac());
        assert!(
            !s.diagnostics.has_errors(),
            "{name} is invalid:\n{}",
            s.diagnostics.render_human(&name)
        );
    }
}

/// The harness's own pieces: the generator is deterministic, a panic is caught and located,
/// the minimizer shrinks, and the classifiers see keys and depth.
#[test]
fn fuzz_harness_self_test() {
    oracle::install_panic_hook();
    let f = oracle::catch("self-test", || panic!("boom")).unwrap_err();
    assert!(
        f.sig.starts_with("panic in self-test at tests/fuzz") && f.detail.contains("boom"),
        "{f:?}"
    );
    let mut fails = |input: &[u8]| input.contains(&b'X');
    let min = minimize::minimize(
        b"aaa\nbbXbb\nccc\n",
        &mut fails,
        Instant::now() + Duration::from_secs(5),
    );
    assert_eq!(min, b"X");

    let cfg = Config {
        seed: 7,
        cases: 0,
        only: None,
        budget: Duration::ZERO,
        threads: 1,
        minimize: Duration::ZERO,
        minimize_known: false,
    };
    let corpus = Corpus::load();
    for n in [0, 1, 19, 20, 999] {
        let a = make_case(&cfg, &corpus, n);
        let b = make_case(&cfg, &corpus, n);
        assert_eq!(a.input, b.input);
        assert_eq!(a.applied, b.applied);
    }
    assert_eq!(longest_key(b"a: 1\nbbbb: { cc: dddddd }\n"), 4);
    assert_eq!(longest_key(b"? kkkkkkk\n: [x, yyyyyyyyyy]\n"), 7);
    assert_eq!(nesting_depth(b"a: [[1], {b: [2]}]\n"), 4);
    assert_eq!(nesting_depth(b"- - - x\n"), 3);
}
