//! `meshsynth import`: App Mesh CloudFormation, CDK output and Terraform → one spec.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use meshsynth::import::model::{InputFile, Supplied};
use meshsynth::import::{self, Options};
use meshsynth::spec::schema::SCHEMA_PATH;
use meshsynth::spec::MeshBackend;
use meshsynth::synth;
use meshsynth::targets;

use super::console::{self, errln};

/// CloudFormation accepts templates up to 1 MB from S3; a Terraform file is smaller still.
const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  meshsynth import old/mesh.yaml old/apps.yaml -o mesh.yaml
  meshsynth import cdk.out/MeshStack.template.json --parameter AWS::Region=us-east-1 -o mesh.yaml
  meshsynth import infra/appmesh/*.tf --parameter environment=prod -o mesh.yaml
  meshsynth import app.yaml --import-value 'howto-alb:Mesh=howto-alb' -o mesh.yaml

Then: meshsynth validate mesh.yaml --backend all && meshsynth synth mesh.yaml --backend all
(the summary says, per backend, whether the spec validates or what is left to do: the VPC
Lattice backend needs, for example, each caller's IAM role, which App Mesh did not)

Exit codes: 0 spec written (its validation findings, if any, are printed); 1 a file is not
CloudFormation or Terraform, holds no App Mesh resource, or has a value import cannot know
(nothing written); 2 usage or I/O error.")]
pub struct ImportArgs {
    /// CloudFormation templates (YAML or JSON, CDK's cdk.out/*.template.json), Terraform files
    /// (*.tf) and Terraform JSON (*.tf.json, cdktf's cdk.tf.json), or folders of them. Terraform
    /// files of one folder are read as one module. Several files merge into one spec.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Where to write the spec; stdout without it. Written whole or not at all.
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
    /// A value the files read but do not hold, NAME=VALUE: a CloudFormation parameter (wins over
    /// its Default), a pseudo parameter (AWS::Region, AWS::AccountId, AWS::StackName), a
    /// Terraform variable, `LogicalId.Attribute` for an attribute only deploy time knows (a load
    /// balancer's DNSName), or `data.TYPE.NAME={ attr = ... }` for what a Terraform data source
    /// reads. The error for a missing value names the exact flag; a flag nothing reads is ignored.
    #[arg(long = "parameter", value_name = "NAME=VALUE")]
    parameters: Vec<String>,
    /// What an `Fn::ImportValue` of export EXPORT reads (an export of a stack whose template is
    /// not among FILES): EXPORT=VALUE.
    #[arg(long = "import-value", value_name = "EXPORT=VALUE")]
    import_values: Vec<String>,
    /// The spec's project name (prefixes IAM role and export names). Default: from a workload's
    /// task definition family (`<project>-<node>`), else from the mesh name.
    #[arg(long)]
    name: Option<String>,
    /// Which mesh to import when the files hold several (one spec describes one mesh).
    #[arg(long)]
    mesh: Option<String>,
}

fn pairs(flag: &str, items: &[String]) -> Result<std::collections::BTreeMap<String, String>> {
    let mut out = std::collections::BTreeMap::new();
    for i in items {
        let Some((k, v)) = i.split_once('=') else {
            bail!("{flag} `{i}` is not NAME=VALUE");
        };
        if k.is_empty() {
            bail!("{flag} `{i}` has an empty name");
        }
        out.insert(k.trim_start_matches("var.").to_owned(), v.to_owned());
    }
    Ok(out)
}

/// A file's text; text that is not UTF-8 is not CloudFormation or Terraform (an import error,
/// exit 1), a file that cannot be read an I/O error (exit 2).
fn read_input(path: &Path) -> Result<std::result::Result<String, String>> {
    use std::io::Read as _;
    let context = || format!("reading `{}`", path.display());
    let file = fs::File::open(path).with_context(context)?;
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(context)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Ok(Err(format!(
            "error: `{}` is larger than 16 MiB: not a CloudFormation template or Terraform file",
            path.display()
        )));
    }
    // Editors on Windows start UTF-8 files with a byte-order mark.
    let bytes = bytes
        .strip_prefix(b"\xef\xbb\xbf")
        .unwrap_or(&bytes)
        .to_vec();
    Ok(String::from_utf8(bytes).map_err(|_| {
        format!(
            "error: `{}` is not UTF-8 text, so neither a CloudFormation template nor Terraform",
            path.display()
        )
    }))
}

/// A folder stands for its `*.tf`, `*.tf.json`, `*.yaml`, `*.yml`, `*.json` and `*.template`
/// files (not its subfolders), in name order.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if !p.is_dir() {
            out.push(p.clone());
            continue;
        }
        let mut found: Vec<PathBuf> = fs::read_dir(p)
            .with_context(|| format!("reading folder `{}`", p.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|f| f.is_file())
            .filter(|f| {
                let n = f
                    .file_name()
                    .map(|n| n.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default();
                [".tf", ".tf.json", ".yaml", ".yml", ".json", ".template"]
                    .iter()
                    .any(|x| n.ends_with(x))
            })
            .collect();
        found.sort();
        if found.is_empty() {
            bail!(
                "folder `{}` holds no *.tf, *.tf.json, *.yaml, *.yml, *.json or *.template file",
                p.display()
            );
        }
        out.extend(found);
    }
    Ok(out)
}

/// The modeline's schema: where `meshsynth schema` writes it in the working directory, relative
/// to the spec's folder, when it is there; else a `meshsynth.schema.json` beside the spec (the
/// header says how to write it).
fn schema_ref(output: Option<&Path>) -> (String, bool) {
    let cwd = std::env::current_dir().unwrap_or_default();
    let schema = cwd.join(SCHEMA_PATH);
    if !schema.is_file() {
        return ("meshsynth.schema.json".into(), false);
    }
    let Some(dir) = output.and_then(Path::parent) else {
        return (SCHEMA_PATH.to_owned(), true);
    };
    let dir = if dir.as_os_str().is_empty() {
        cwd.clone()
    } else {
        dir.canonicalize().unwrap_or_else(|_| cwd.join(dir))
    };
    let from: Vec<_> = dir.components().collect();
    let to: Vec<_> = schema.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut rel = PathBuf::new();
    for _ in common..from.len() {
        rel.push("..");
    }
    for c in &to[common..] {
        rel.push(c.as_os_str());
    }
    (rel.display().to_string(), true)
}

pub fn run(a: ImportArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let supplied = Supplied {
        parameters: pairs("--parameter", &a.parameters)?,
        import_values: pairs("--import-value", &a.import_values)?,
    };
    let paths = expand(&a.files)?;
    if let Some(out) = &a.output {
        let out_c = out.canonicalize().ok();
        if let Some(same) = paths
            .iter()
            .find(|p| out_c.is_some() && p.canonicalize().ok() == out_c)
        {
            bail!("-o `{}` is one of the input files ({}): import would overwrite it; write the spec to another file", out.display(), same.display());
        }
    }
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    for f in &paths {
        match read_input(f)? {
            Ok(text) => files.push(InputFile {
                path: f.display().to_string(),
                text,
            }),
            Err(e) => unreadable.push(e),
        }
    }
    if !unreadable.is_empty() {
        let mut text = String::new();
        for e in &unreadable {
            text.push_str(&format!("{e}\n\n"));
        }
        text.push_str("meshsynth import: nothing written\n");
        console::err(&text);
        return Ok(ExitCode::from(1));
    }
    let (schema, schema_found) = schema_ref(a.output.as_deref());
    let opts = Options {
        name: a.name.clone(),
        mesh: a.mesh.clone(),
        schema,
    };
    let imported = match import::import(&files, &supplied, &opts) {
        Ok(i) => i,
        Err(errors) => {
            let mut text = String::new();
            for e in &errors {
                text.push_str(&format!("{e}\n\n"));
            }
            text.push_str(&format!(
                "meshsynth import: {} error{}, nothing written\n",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            ));
            console::err(&text);
            return Ok(ExitCode::from(1));
        }
    };
    let elapsed = started.elapsed();
    // The spec as `validate` sees it, for each backend, so that the summary says what is left
    // to do before each.
    let all = targets::iac();
    let check = |b: &'static [MeshBackend]| {
        synth::check_scoped(
            imported.text.as_bytes(),
            &synth::CheckOptions {
                targets: &all,
                backends: Some(b),
                strict: false,
                settings: Default::default(),
            },
        )
        .0
    };
    let app_mesh = check(&[MeshBackend::AppMesh]);
    let lattice = check(&[MeshBackend::VpcLattice]);
    match &a.output {
        Some(path) => write_whole(path, &imported.text)?,
        None => console::out(&imported.text)?,
    }
    let counts: Vec<String> = imported
        .counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(what, n)| {
            if *n == 1 {
                format!("1 {}", what.trim_end_matches('s'))
            } else {
                format!("{n} {what}")
            }
        })
        .collect();
    let target = a
        .output
        .as_ref()
        .map_or("stdout".to_owned(), |p| p.display().to_string());
    errln!(
        "meshsynth import: wrote {target}: {} in {:.1} ms",
        if counts.is_empty() {
            "no resources".into()
        } else {
            counts.join(", ")
        },
        elapsed.as_secs_f64() * 1000.0
    );
    if !imported.skipped.is_empty() {
        // By type here; the spec's header lists each resource.
        let mut by_type: std::collections::BTreeMap<&str, usize> =
            std::collections::BTreeMap::new();
        for s in &imported.skipped {
            *by_type.entry(s.ty.as_str()).or_default() += 1;
        }
        errln!(
            "left out {} resource(s) that are not App Mesh (listed at the top of the spec):",
            imported.skipped.len()
        );
        for (ty, n) in by_type {
            errln!("  {n} × {ty}");
        }
    }
    for n in &imported.notes {
        errln!("note: {n}");
    }
    let spec_name = a
        .output
        .as_ref()
        .map_or("SPEC".into(), |p| p.display().to_string());
    if !schema_found {
        errln!("note: the modeline names meshsynth.schema.json beside the spec; write it with `meshsynth schema --path <spec folder>/meshsynth.schema.json`");
    }
    for (label, flag, diags) in [
        ("App Mesh", "app_mesh", &app_mesh),
        ("VPC Lattice", "vpc_lattice", &lattice),
    ] {
        if !diags.has_errors() {
            errln!("{label}: the spec validates clean ({} warning(s)); next: meshsynth synth {spec_name} --backend {flag}", diags.warnings());
        } else {
            errln!(
                "{label}: `meshsynth validate {spec_name} --backend {flag}` reports {} error(s) and {} warning(s) to fix first",
                diags.errors(),
                diags.warnings()
            );
        }
    }
    if app_mesh.has_errors() {
        console::err(&app_mesh.render_human(&target));
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes `text` to a temporary file beside `path` and renames it over `path`: a reader sees
/// the old file or the new one, never part of one.
fn write_whole(path: &Path, text: &str) -> Result<()> {
    // Through a symlink to the file it names; a read-only file stays as it is.
    let resolved = fs::canonicalize(path).ok().filter(|_| path.is_symlink());
    let path = resolved.as_deref().unwrap_or(path);
    if let Ok(meta) = fs::metadata(path) {
        if meta.permissions().readonly() {
            bail!("`{}` is read-only: import does not replace it; make it writable or choose another -o", path.display());
        }
        if meta.is_dir() {
            bail!(
                "-o `{}` is a folder: give the spec's file name, e.g. `{}/mesh.yaml`",
                path.display(),
                path.display()
            );
        }
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "spec.yaml".into());
    let tmp: PathBuf = dir.join(format!(".{name}.meshsynth-import.tmp"));
    let context = || format!("writing `{}`", path.display());
    let mut f = fs::File::create(&tmp).with_context(context)?;
    let result = f
        .write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(e).with_context(context);
    }
    Ok(())
}
