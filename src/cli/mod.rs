//! The command line: `synth`, `validate`, `schema`, `import`. Exit codes: 0 ok (warnings allowed),
//! 1 invalid spec (nothing written), 2 usage or I/O error (nothing changed).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Parser, Subcommand, ValueEnum};

use meshsynth::spec::limits::MAX_SPEC_BYTES;
use meshsynth::spec::{schema, MeshBackend};
use meshsynth::synth::{self, synthesize_bytes};
use meshsynth::targets::{self, Rendered, Target};

pub mod console;
mod import;
mod write;
use console::errln;
use write::{write_all, Job};

/// The bundled example `synth` uses when given no spec.
pub const DEFAULT_SPEC: &str = "examples/orders-pipeline.yaml";

#[derive(Debug, Parser)]
#[command(
    name = "meshsynth",
    version,
    about = "Typed service-mesh + Airflow spec → validated CloudFormation JSON and Terraform JSON modules for VPC Lattice or App Mesh"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate specs and write CloudFormation and Terraform output (and, for Airflow on EKS, Kubernetes YAML and Helm values) to OUT/<spec>/<target>/ (App Mesh) or OUT/<spec>/vpc_lattice/<target>/ (VPC Lattice).
    Synth(SynthArgs),
    /// Validate a spec and print every diagnostic; writes nothing.
    Validate(ValidateArgs),
    /// Write the spec's JSON Schema, or check that the committed one is current.
    Schema(SchemaArgs),
    /// Turn existing App Mesh CloudFormation (YAML, JSON, CDK output) and Terraform (HCL, JSON)
    /// into one spec: FILE... → SPEC (stdout without -o).
    Import(import::ImportArgs),
}

/// `--backend`: `all`, or one backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendArg {
    /// AWS App Mesh (end of support 2026-09-30): OUT/<spec>/<target>/.
    #[value(name = "app_mesh")]
    AppMesh,
    /// Amazon VPC Lattice: OUT/<spec>/vpc_lattice/<target>/ and vpc_lattice/MIGRATION.md.
    #[value(name = "vpc_lattice")]
    VpcLattice,
    /// Both, side by side.
    All,
}

impl BackendArg {
    fn backends(self) -> &'static [MeshBackend] {
        match self {
            BackendArg::AppMesh => &[MeshBackend::AppMesh],
            BackendArg::VpcLattice => &[MeshBackend::VpcLattice],
            BackendArg::All => &MeshBackend::ALL,
        }
    }
}

/// `--target`: `all`, or one target of the registry.
fn target_values() -> PossibleValuesParser {
    let mut values: Vec<PossibleValue> = targets::iac()
        .into_iter()
        .map(|t| PossibleValue::new(t.name()).help(t.about()))
        .collect();
    values.push(PossibleValue::new("all").help("every target"));
    PossibleValuesParser::new(values)
}

/// The targets a `--target` value names.
fn selected(value: &str) -> Vec<&'static dyn Target> {
    match targets::by_name(value) {
        Some(t) => vec![t],
        None => targets::iac(),
    }
}

#[derive(Debug, clap::Args)]
struct SynthArgs {
    /// Spec files (YAML). Default: the bundled example, examples/orders-pipeline.yaml.
    specs: Vec<PathBuf>,
    /// What to generate (the Airflow guide comes with any of them when the spec has `airflow:`).
    #[arg(long, default_value = "all", value_parser = target_values())]
    target: String,
    /// Which backend renders the mesh; default: the spec's `mesh.backend` (itself `app_mesh` by
    /// default). App Mesh output goes to OUT/<spec>/<target>/, Lattice output to
    /// OUT/<spec>/vpc_lattice/<target>/ beside it.
    #[arg(long, value_enum)]
    backend: Option<BackendArg>,
    /// Make every spec feature the Lattice backend would drop an error (exit 1, nothing written).
    #[arg(long)]
    strict: bool,
    /// CloudFormation: split the output into nested stacks once a template would hold more than
    /// N resources (1 to 500; default 500, CloudFormation's quota). Each child stack holds whole
    /// services, and a service's stack depends on its name only, so adding a service never moves
    /// another one.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=500))]
    max_resources_per_stack: Option<u32>,
    /// Output root; each spec goes to OUT/<spec file stem>/.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Print the generated files on stdout instead of writing them.
    #[arg(long, conflicts_with = "format")]
    stdout: bool,
    /// `json`: print what was checked and written, with each spec's diagnostics and Lattice
    /// migration report, as JSON on stdout (files are still written).
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
struct ValidateArgs {
    /// The spec file (YAML).
    spec: PathBuf,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Which targets' own rules, limits and identifier rules to check (some exist in one target only).
    #[arg(long, default_value = "all", value_parser = target_values())]
    target: String,
    /// Which backends' rules to check; default: the spec's `mesh.backend`.
    #[arg(long, value_enum)]
    backend: Option<BackendArg>,
    /// Make every spec feature the Lattice backend would drop an error.
    #[arg(long)]
    strict: bool,
    /// CloudFormation: split the output into nested stacks once a template would hold more than
    /// N resources (1 to 500; default 500, CloudFormation's quota). Each child stack holds whole
    /// services, and a service's stack depends on its name only, so adding a service never moves
    /// another one.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=500))]
    max_resources_per_stack: Option<u32>,
}

#[derive(Debug, clap::Args)]
struct SchemaArgs {
    /// Compare instead of writing; exit 1 when the file is stale.
    #[arg(long)]
    check: bool,
    /// The schema file.
    #[arg(long, default_value = schema::SCHEMA_PATH)]
    path: PathBuf,
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Synth(a) => synth(a),
        Command::Validate(a) => validate(a),
        Command::Schema(a) => schema_cmd(a),
        Command::Import(a) => import::run(a),
    }
}

/// The spec file's bytes, at most one past [`MAX_SPEC_BYTES`] of them: the loader refuses a larger
/// file (and names its encoding when it is not UTF-8), so a huge file is never read whole.
fn read(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read as _;
    let context = || format!("reading spec `{}`", path.display());
    let file = fs::File::open(path).with_context(context)?;
    let mut bytes = Vec::new();
    file.take(MAX_SPEC_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(context)?;
    Ok(bytes)
}

/// One spec of a `synth` run, checked.
struct Checked {
    display: String,
    /// The output folder's name, or why the file name gives none.
    stem: std::result::Result<String, String>,
    result: synth::Synthesis,
    elapsed: Duration,
}

/// Checks every spec, then writes them all or nothing: a run that exits non-zero has written
/// nothing (an invalid spec, exit 1, is found before anything is written; an I/O error, exit 2,
/// puts every previous folder back).
fn synth(a: SynthArgs) -> Result<ExitCode> {
    let specs = distinct(if a.specs.is_empty() {
        vec![PathBuf::from(DEFAULT_SPEC)]
    } else {
        a.specs.clone()
    });
    let targets = selected(&a.target);
    let stems: Vec<_> = specs.iter().map(|s| spec_stem(s)).collect();
    if !a.stdout {
        one_folder_each(&a.out, &specs, &stems)?;
    }
    let mut checked = Vec::new();
    let mut invalid = 0;
    for (spec, stem) in specs.iter().zip(stems) {
        let text = read(spec)?;
        let display = spec.display().to_string();
        errln!("meshsynth: synthesizing {display}");
        let started = Instant::now();
        // A file name that cannot name a folder only matters once there is something to write.
        let folder = match &stem {
            Ok(stem) => a.out.join(stem),
            Err(_) => a.out.clone(),
        };
        let opts = synth::Options {
            spec_file: &display,
            targets: &targets,
            folder: folder.display().to_string(),
            backends: a.backend.map(BackendArg::backends),
            strict: a.strict,
            settings: targets::Settings {
                max_resources_per_stack: a.max_resources_per_stack,
            },
        };
        let result = synthesize_bytes(&text, &opts);
        let elapsed = started.elapsed();
        if !result.diagnostics.is_empty() {
            console::err(&result.diagnostics.render_human(&display));
        }
        if result.files.is_none() {
            if specs.len() == 1 {
                errln!("meshsynth: {display} is invalid; nothing was written");
            } else {
                errln!("meshsynth: {display} is invalid");
            }
            invalid += 1;
        }
        checked.push(Checked {
            display,
            stem,
            result,
            elapsed,
        });
    }
    if invalid > 0 {
        if specs.len() > 1 {
            errln!(
                "meshsynth: {invalid} of {} specs are invalid; nothing was written, not even for the valid ones",
                specs.len()
            );
        }
        return Ok(ExitCode::from(1));
    }
    let mut stems = Vec::new();
    for c in &checked {
        match &c.stem {
            Ok(stem) => stems.push(stem.as_str()),
            Err(why) => bail!("{why}"),
        }
    }
    if checked
        .iter()
        .any(|c| c.result.backends.contains(&MeshBackend::AppMesh))
    {
        errln!(
            "meshsynth: note: AWS App Mesh reached end of support on 2026-09-30; its resources can no longer be created. Render the same spec for VPC Lattice with `--backend vpc_lattice` (or `all`)."
        );
    }
    let many = checked.len() > 1;
    if a.stdout {
        for (c, stem) in checked.iter().zip(&stems) {
            if let Some(files) = &c.result.files {
                print_files(files)?;
            }
            summary(&a.out, c, stem, true, &[], many);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let jobs: Vec<Job> = checked
        .iter()
        .zip(&stems)
        .filter_map(|(c, stem)| c.result.files.as_ref().map(|files| Job { stem, files }))
        .collect();
    // Targets that --target leaves out, and backends that --backend leaves out, keep their
    // previous output. Every spec of a run renders the same backends unless they follow their
    // own `mesh.backend`; a backend no spec of the run renders is kept in all of them.
    let rendered: Vec<MeshBackend> = checked
        .iter()
        .flat_map(|c| c.result.backends.iter().copied())
        .collect();
    let keep = kept_folders(&targets, &rendered);
    let keep: Vec<&str> = keep.iter().map(String::as_str).collect();
    let written = write_all(&a.out, &jobs, &keep)?;
    for ((c, stem), w) in checked.iter().zip(&stems).zip(&written) {
        summary(&a.out, c, stem, false, &w.kept, many);
    }
    if a.format == Format::Json {
        let report: Vec<serde_json::Value> = checked
            .iter()
            .zip(&stems)
            .map(|(c, stem)| json_report(&a.out, c, stem))
            .collect();
        console::out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&serde_json::json!({ "specs": report }))?
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The folders a run leaves as they are: each target `--target` leaves out, in every backend
/// folder, and the whole folder of each backend the run does not render.
fn kept_folders(targets: &[&'static dyn Target], rendered: &[MeshBackend]) -> Vec<String> {
    let mut keep = Vec::new();
    for b in MeshBackend::ALL {
        let in_folder = |name: &str| match b.folder() {
            Some(f) => format!("{f}/{name}"),
            None => name.to_owned(),
        };
        if rendered.contains(&b) {
            keep.extend(
                targets::iac()
                    .into_iter()
                    .filter(|t| !targets.contains(t))
                    .map(|t| in_folder(t.name())),
            );
        } else {
            match b.folder() {
                Some(f) => keep.push(f.to_owned()),
                None => keep.extend(targets::ALL.iter().map(|t| t.name().to_owned())),
            }
        }
    }
    keep
}

/// `synth --format json`: one spec's diagnostics, what it wrote and its migration report.
fn json_report(out: &Path, c: &Checked, stem: &str) -> serde_json::Value {
    let files: Vec<String> = c
        .result
        .files
        .iter()
        .flatten()
        .flat_map(|(folder, rendered)| {
            rendered
                .keys()
                .map(move |name| format!("{}/{stem}/{folder}/{name}", out.display()))
        })
        .collect();
    serde_json::json!({
        "file": c.display,
        "valid": !c.result.diagnostics.has_errors(),
        "backends": c.result.backends.iter().map(|b| b.as_str()).collect::<Vec<_>>(),
        "errors": c.result.diagnostics.errors(),
        "warnings": c.result.diagnostics.warnings(),
        "diagnostics": c.result.diagnostics,
        "files": files,
        "migration": c.result.migration,
    })
}

/// The specs with each file once (`synth a.yaml a.yaml`, or two globs that overlap).
fn distinct(specs: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for spec in specs {
        let key = fs::canonicalize(&spec).unwrap_or_else(|_| spec.clone());
        if seen.insert(key) {
            out.push(spec);
        } else {
            errln!(
                "meshsynth: {} is named more than once; synthesizing it once",
                spec.display()
            );
        }
    }
    out
}

/// Refuses two specs whose output would go to one folder (`a/mesh.yaml b/mesh.yaml`), before
/// anything is read or written.
fn one_folder_each(
    out: &Path,
    specs: &[PathBuf],
    stems: &[std::result::Result<String, String>],
) -> Result<()> {
    let mut seen: BTreeMap<String, &PathBuf> = BTreeMap::new();
    for (spec, stem) in specs.iter().zip(stems) {
        let Ok(stem) = stem else { continue };
        // Where file names ignore case, `Mesh` and `mesh` are one folder.
        let key = if cfg!(any(target_os = "macos", target_os = "windows")) {
            stem.to_lowercase()
        } else {
            stem.clone()
        };
        if let Some(first) = seen.insert(key, spec) {
            bail!(
                "`{}` and `{}` would both be written to `{}`: synthesize them in separate runs with different --out folders, or rename one",
                first.display(),
                spec.display(),
                out.join(stem).display()
            );
        }
    }
    Ok(())
}

/// What a spec's synthesis wrote, on stderr.
/// A target folder's files for the summary: a subfolder of more than a few files (the nested
/// stacks of a large mesh) as one entry with its count.
fn listing(rendered: &meshsynth::targets::Rendered) -> String {
    let mut folders: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for name in rendered.keys() {
        let folder = name.rsplit_once('/').map_or("", |(f, _)| f);
        folders.entry(folder).or_default().push(name);
    }
    let mut parts = Vec::new();
    for (folder, names) in folders {
        if folder.is_empty() || names.len() <= 3 {
            parts.extend(names.iter().map(|n| (*n).to_owned()));
        } else {
            parts.push(format!("{folder}/ ({} files)", names.len()));
        }
    }
    parts.join(", ")
}

fn summary(out: &Path, c: &Checked, stem: &str, stdout: bool, kept: &[String], many: bool) {
    let Some(files) = &c.result.files else {
        return;
    };
    if many {
        errln!("meshsynth: {}", c.display);
    }
    let cfn = files.get(targets::CLOUDFORMATION.name());
    let nested = cfn.map_or(0, |r| r.keys().filter(|k| k.starts_with("stacks/")).count());
    if nested > 0 {
        errln!(
            "  note: the CloudFormation output is a root template with {nested} nested stacks under stacks/: `aws cloudformation package` uploads them before `aws cloudformation deploy` (README: \"Large meshes: nested stacks\")"
        );
    } else if let Some(template) = cfn.and_then(|r| r.get("template.json")) {
        if template.len() > 51_200 {
            errln!(
                "  note: the CloudFormation template is {} bytes; over 51,200 bytes `aws cloudformation deploy` needs `--s3-bucket`",
                template.len()
            );
        }
    }
    for (t, rendered) in files {
        let dest = if stdout {
            "stdout".to_owned()
        } else {
            format!("{}/{}/{}/ ({})", out.display(), stem, t, listing(rendered))
        };
        // Guides sit beside the targets; only targets render resources.
        let what = if synth::is_iac(t) {
            format!(
                "{} resources, {} warning(s)",
                c.result.resources.get(t).copied().unwrap_or(0),
                c.result.diagnostics.warnings()
            )
        } else {
            "guide".to_owned()
        };
        errln!("  {t:<26} {what} -> {dest}");
    }
    if !kept.is_empty() {
        errln!(
            "  kept in {}/{}/ (not written by meshsynth): {}",
            out.display(),
            stem,
            kept.join(", ")
        );
    }
    errln!("  done in {:.1} ms", c.elapsed.as_secs_f64() * 1000.0);
}

/// The name of a spec's output folder: its file name without the extension.
fn spec_stem(spec: &Path) -> std::result::Result<String, String> {
    let shown = spec.display();
    let Some(name) = spec.file_name() else {
        return Err(format!(
            "`{shown}` names no file, so there is no name for its output folder (OUT/<file stem>/)"
        ));
    };
    let stem = Path::new(name).file_stem().unwrap_or(name);
    let Some(stem) = stem.to_str() else {
        return Err(format!(
            "the file name of `{shown}` is not valid UTF-8; meshsynth names the output folder after it (OUT/<file stem>/), so rename the spec"
        ));
    };
    if stem.is_empty() || stem.starts_with('.') {
        return Err(format!(
            "`{shown}` is a hidden file name (it starts with a dot): its output folder would be hidden too, among meshsynth's temporary folders; rename the spec"
        ));
    }
    Ok(stem.to_owned())
}

fn print_files(files: &BTreeMap<String, Rendered>) -> Result<()> {
    let many = files.values().map(|r| r.len()).sum::<usize>() > 1;
    let mut text = String::new();
    for (t, rendered) in files {
        for (name, content) in rendered {
            if many {
                text.push_str(&format!("==> {t}/{name} <==\n"));
            }
            text.push_str(content);
        }
    }
    console::out(&text)
}

fn validate(a: ValidateArgs) -> Result<ExitCode> {
    let text = read(&a.spec)?;
    let display = a.spec.display().to_string();
    let targets = selected(&a.target);
    let (diags, _) = synth::check_scoped(
        &text,
        &synth::CheckOptions {
            targets: &targets,
            backends: a.backend.map(BackendArg::backends),
            strict: a.strict,
            settings: targets::Settings {
                max_resources_per_stack: a.max_resources_per_stack,
            },
        },
    );
    match a.format {
        Format::Human => {
            if diags.is_empty() {
                errln!("{display}: ok, no diagnostics");
            } else {
                console::out(&diags.render_human(&display))?;
            }
        }
        Format::Json => {
            let out = serde_json::json!({
                "file": display,
                "valid": !diags.has_errors(),
                "errors": diags.errors(),
                "warnings": diags.warnings(),
                "diagnostics": diags,
            });
            console::out(&format!("{}\n", serde_json::to_string_pretty(&out)?))?;
        }
    }
    Ok(if diags.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn schema_cmd(a: SchemaArgs) -> Result<ExitCode> {
    let text = schema::json_schema_text();
    if a.check {
        let current = fs::read_to_string(&a.path).unwrap_or_default();
        if current == text {
            errln!("{} is up to date", a.path.display());
            return Ok(ExitCode::SUCCESS);
        }
        errln!(
            "{} is stale; run `meshsynth schema` to regenerate it",
            a.path.display()
        );
        return Ok(ExitCode::from(1));
    }
    if let Some(dir) = a.path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating `{}`", dir.display()))?;
    }
    fs::write(&a.path, &text).with_context(|| format!("writing `{}`", a.path.display()))?;
    errln!("wrote {}", a.path.display());
    Ok(ExitCode::SUCCESS)
}
