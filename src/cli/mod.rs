//! The command line: `synth`, `validate`, `schema`. Exit codes: 0 ok (warnings allowed),
//! 1 invalid spec (nothing written), 2 usage or I/O error.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Parser, Subcommand, ValueEnum};

use meshsynth::spec::limits::MAX_SPEC_BYTES;
use meshsynth::spec::schema;
use meshsynth::synth::{self, check_bytes, synthesize_bytes};
use meshsynth::targets::{self, Rendered, Target};

mod write;
use write::write_atomically;

/// The bundled example `synth` uses when given no spec.
pub const DEFAULT_SPEC: &str = "examples/orders-pipeline.yaml";

#[derive(Debug, Parser)]
#[command(
    name = "meshsynth",
    version,
    about = "Typed App Mesh + Airflow spec → validated CloudFormation JSON and Terraform JSON modules"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate specs and write CloudFormation and Terraform output to OUT/<spec>/<target>/.
    Synth(SynthArgs),
    /// Validate a spec and print every diagnostic; writes nothing.
    Validate(ValidateArgs),
    /// Write the spec's JSON Schema, or check that the committed one is current.
    Schema(SchemaArgs),
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
        None => synth::all_targets(),
    }
}

#[derive(Debug, clap::Args)]
struct SynthArgs {
    /// Spec files (YAML). Default: the bundled example, examples/orders-pipeline.yaml.
    specs: Vec<PathBuf>,
    /// What to generate (the Airflow guide comes with any of them when the spec has `airflow:`).
    #[arg(long, default_value = "all", value_parser = target_values())]
    target: String,
    /// Output root; each spec goes to OUT/<spec file stem>/<target>/.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Print the generated files on stdout instead of writing them.
    #[arg(long)]
    stdout: bool,
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

fn synth(a: SynthArgs) -> Result<ExitCode> {
    let specs = if a.specs.is_empty() {
        vec![PathBuf::from(DEFAULT_SPEC)]
    } else {
        a.specs.clone()
    };
    let targets = selected(&a.target);
    let mut failed = false;
    for spec in &specs {
        let text = read(spec)?;
        let display = spec.display().to_string();
        eprintln!("meshsynth: synthesizing {display}");
        let started = Instant::now();
        // A file name that cannot name a folder only matters once there is something to write.
        let stem = spec_stem(spec);
        let folder = match &stem {
            Ok(stem) => a.out.join(stem),
            Err(_) => a.out.clone(),
        };
        let opts = synth::Options {
            spec_file: &display,
            targets: &targets,
            folder: folder.display().to_string(),
        };
        let result = synthesize_bytes(&text, &opts);
        let elapsed = started.elapsed();
        if !result.diagnostics.is_empty() {
            eprint!("{}", result.diagnostics.render_human(&display));
        }
        let Some(files) = result.files else {
            eprintln!("meshsynth: {display} is invalid; nothing was written");
            failed = true;
            continue;
        };
        let stem = stem?;
        if a.stdout {
            print_files(&files);
        } else {
            write_atomically(&a.out, &stem, &files)?;
        }
        if let Some(template) = files
            .get(targets::CLOUDFORMATION.name())
            .and_then(|r| r.get("template.json"))
        {
            if template.len() > 51_200 {
                eprintln!(
                    "  note: the CloudFormation template is {} bytes; over 51,200 bytes `aws cloudformation deploy` needs `--s3-bucket`",
                    template.len()
                );
            }
        }
        for (t, rendered) in &files {
            let dest = if a.stdout {
                "stdout".to_owned()
            } else {
                let names: Vec<&str> = rendered.keys().map(String::as_str).collect();
                format!("{}/{}/{}/ ({})", a.out.display(), stem, t, names.join(", "))
            };
            // Guides sit beside the targets; only targets render resources.
            let what = if synth::is_iac(t) {
                format!(
                    "{} resources, {} warning(s)",
                    result.resources,
                    result.diagnostics.warnings()
                )
            } else {
                "guide".to_owned()
            };
            eprintln!("  {t:<14} {what} -> {dest}");
        }
        eprintln!("  done in {:.1} ms", elapsed.as_secs_f64() * 1000.0);
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn spec_stem(spec: &Path) -> Result<String> {
    let stem = spec.file_stem().and_then(|s| s.to_str()).with_context(|| {
        format!(
            "`{}` has no file name to name its output folder after",
            spec.display()
        )
    })?;
    if stem.starts_with('.') || stem.is_empty() {
        bail!(
            "`{}` has no usable file name to name its output folder after",
            spec.display()
        );
    }
    Ok(stem.to_owned())
}

fn print_files(files: &BTreeMap<&'static str, Rendered>) {
    let many = files.values().map(|r| r.len()).sum::<usize>() > 1;
    for (t, rendered) in files {
        for (name, content) in rendered {
            if many {
                println!("==> {}/{} <==", t, name);
            }
            print!("{content}");
        }
    }
}

fn validate(a: ValidateArgs) -> Result<ExitCode> {
    let text = read(&a.spec)?;
    let display = a.spec.display().to_string();
    let (diags, _) = check_bytes(&text, &selected(&a.target));
    match a.format {
        Format::Human => {
            if diags.is_empty() {
                eprintln!("{display}: ok, no diagnostics");
            } else {
                print!("{}", diags.render_human(&display));
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
            println!("{}", serde_json::to_string_pretty(&out)?);
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
            eprintln!("{} is up to date", a.path.display());
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "{} is stale; run `meshsynth schema` to regenerate it",
            a.path.display()
        );
        return Ok(ExitCode::from(1));
    }
    if let Some(dir) = a.path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating `{}`", dir.display()))?;
    }
    fs::write(&a.path, &text).with_context(|| format!("writing `{}`", a.path.display()))?;
    eprintln!("wrote {}", a.path.display());
    Ok(ExitCode::SUCCESS)
}
