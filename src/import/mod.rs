//! `meshsynth import`: existing App Mesh CloudFormation and Terraform → a spec.
//!
//! Readers turn each file into [`model::Resource`]s in CloudFormation's shape with every value
//! that can be known statically resolved ([`cfn`], [`terraform`]); [`assemble`] turns those of
//! all files into one spec, which [`emit`] writes as people would.

pub mod assemble;
pub mod build;
pub mod cfn;
pub mod emit;
pub mod model;
mod routes;
pub mod terraform;
mod tidy;
mod workload;

use std::collections::BTreeMap;

pub use assemble::{Imported, Options};
use model::{FileKind, ImportError, InputFile, ReadFile, Supplied};

/// A file's language, from its name and, when the name does not tell, its content.
pub fn detect(file: &InputFile) -> Result<(FileKind, Option<cfn::read::Node>), ImportError> {
    let name = file.path.to_ascii_lowercase();
    if name.ends_with(".tf") {
        return Ok((FileKind::TerraformHcl, None));
    }
    let root = cfn::parse(&file.path, &file.text)?;
    if cfn::is_template(&root) {
        let json = file
            .text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{');
        let kind = if json {
            FileKind::CloudFormationJson
        } else {
            FileKind::CloudFormationYaml
        };
        return Ok((kind, Some(root)));
    }
    let tf_keys = [
        "resource",
        "terraform",
        "provider",
        "variable",
        "module",
        "data",
        "locals",
        "output",
    ];
    if name.ends_with(".tf.json")
        || root
            .entries()
            .iter()
            .any(|(k, _)| tf_keys.contains(&k.as_str()))
    {
        return Ok((FileKind::TerraformJson, None));
    }
    Err(ImportError::new(&file.path, None, "", format!("{} is neither a CloudFormation template nor Terraform", file.path)).help(
        "import reads CloudFormation YAML or JSON (a `Resources` section), CDK output (cdk.out/*.template.json), Terraform (*.tf) and Terraform JSON (*.tf.json, cdktf's cdk.tf.json)",
    ))
}

/// Reads every file and writes one spec. Errors of all files are reported together.
pub fn import(
    files: &[InputFile],
    supplied: &Supplied,
    opts: &Options,
) -> Result<Imported, Vec<ImportError>> {
    let (resources, skipped) = read_all(files, supplied)?;
    assemble::assemble(&resources, skipped, opts).map_err(collapse)
}

/// Every file's resources (in CloudFormation's shape, values resolved) and what was left out.
pub fn read_all(
    files: &[InputFile],
    supplied: &Supplied,
) -> Result<(Vec<model::Resource>, Vec<model::Skipped>), Vec<ImportError>> {
    let mut errors = Vec::new();
    let mut templates = Vec::new();
    let mut terraform: BTreeMap<String, Vec<(&str, &str, bool)>> = BTreeMap::new();
    for f in files {
        match detect(f) {
            Ok((_, Some(root))) => templates.push((f.path.as_str(), root)),
            Ok((kind, None)) => {
                let dir = std::path::Path::new(&f.path)
                    .parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                terraform.entry(dir).or_default().push((
                    &f.path,
                    &f.text,
                    kind == FileKind::TerraformJson,
                ));
            }
            Err(e) => errors.push(e),
        }
    }
    // Exports first, so that one file's `Fn::ImportValue` reads another's export; a second round
    // lets an export that itself imports resolve.
    let mut exports = BTreeMap::new();
    for _ in 0..2 {
        let mut next = BTreeMap::new();
        for (file, root) in &templates {
            next.extend(cfn::exports(file, root, supplied, &exports));
        }
        exports = next;
    }
    let mut read: Vec<ReadFile> = Vec::new();
    for (file, root) in &templates {
        let (r, e) = cfn::read(file, root, supplied, &exports);
        read.push(r);
        errors.extend(e);
    }
    for module in terraform.values() {
        match terraform::read_module(module, supplied) {
            Ok(r) => read.extend(r),
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut resources = Vec::new();
    let mut skipped = Vec::new();
    for r in read {
        resources.extend(r.resources);
        skipped.extend(r.skipped);
    }
    if resources
        .iter()
        .all(|r| !r.ty.starts_with("AWS::AppMesh::"))
    {
        let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        return Err(vec![no_app_mesh(&names)]);
    }
    Ok((resources, skipped))
}

/// The files hold no App Mesh resource.
pub(crate) fn no_app_mesh(files: &[&str]) -> ImportError {
    ImportError::new(
        files.first().copied().unwrap_or_default(),
        None,
        "",
        format!("{} hold{} no App Mesh resource", files.join(", "), if files.len() == 1 { "s" } else { "" }),
    )
    .help("import reads AWS::AppMesh::* resources (aws_appmesh_* in Terraform); give the files that define the mesh, its nodes, routers and services")
}

/// One error per flag: the first property that needs a value says which others need it too, so
/// a template that reads `ProjectName` in forty places gives one error, not forty.
fn collapse(errors: Vec<ImportError>) -> Vec<ImportError> {
    let mut out: Vec<ImportError> = Vec::new();
    let mut by_help: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for e in errors {
        let key = e.help.clone().filter(|h| h.starts_with("pass --"));
        if let Some(k) = key {
            if let Some((i, n)) = by_help.get_mut(&k) {
                *n += 1;
                let _ = i;
                continue;
            }
            by_help.insert(k, (out.len(), 0));
        }
        out.push(e);
    }
    for (_, (i, n)) in by_help {
        if n > 0 {
            out[i].message.push_str(&format!(
                " (and {n} more propert{} read{} the same value)",
                if n == 1 { "y" } else { "ies" },
                if n == 1 { "s" } else { "" }
            ));
        }
    }
    out
}
