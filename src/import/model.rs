//! What every reader hands on to the spec builder: the resources of the input files, with the
//! properties in CloudFormation's shape and every value that can be known statically resolved.
//!
//! A Terraform resource arrives here exactly like the CloudFormation resource of the same type
//! (`aws_appmesh_virtual_node` as `AWS::AppMesh::VirtualNode`, its blocks as the PascalCase
//! properties), so the builder is written once, for one shape.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::diagnostic::Location;

/// The object key that marks a value known only after deploy: an attribute of a resource of
/// the inputs other than its name (an ID or an ARN). `{"$ref": "<resource id>", "$attr": "Arn"}`.
pub const REF: &str = "$ref";
pub const REF_ATTR: &str = "$attr";
/// The object key that marks a value that cannot be known statically:
/// `{"$unknown": "<what and why>", "$flag": "--parameter VpcId=VALUE"}` (`$flag` only when a
/// flag can supply it). It is an error only where the builder reads it.
pub const UNKNOWN: &str = "$unknown";
pub const UNKNOWN_FLAG: &str = "$flag";

/// `{"$ref": id, "$attr": attr}`.
pub fn reference(id: &str, attr: &str) -> Value {
    json!({ REF: id, REF_ATTR: attr })
}

/// `{"$unknown": what, "$flag": flag}`.
pub fn unknown(what: impl Into<String>, flag: Option<String>) -> Value {
    let mut v = json!({ UNKNOWN: what.into() });
    if let Some(f) = flag {
        v[UNKNOWN_FLAG] = Value::String(f);
    }
    v
}

/// The resource and attribute a value refers to, when it is a [`reference`].
pub fn as_reference(v: &Value) -> Option<(&str, &str)> {
    let o = v.as_object()?;
    Some((o.get(REF)?.as_str()?, o.get(REF_ATTR)?.as_str()?))
}

/// What and which flag, when a value is [`unknown`].
pub fn as_unknown(v: &Value) -> Option<(&str, Option<&str>)> {
    let o = v.as_object()?;
    let what = o.get(UNKNOWN)?.as_str()?;
    Some((what, o.get(UNKNOWN_FLAG).and_then(Value::as_str)))
}

/// Which language a file is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    CloudFormationYaml,
    CloudFormationJson,
    TerraformHcl,
    TerraformJson,
}

impl FileKind {
    pub fn label(self) -> &'static str {
        match self {
            FileKind::CloudFormationYaml => "CloudFormation YAML",
            FileKind::CloudFormationJson => "CloudFormation JSON",
            FileKind::TerraformHcl => "Terraform",
            FileKind::TerraformJson => "Terraform JSON",
        }
    }
}

/// One input file, read.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// The path as given on the command line (messages and comments use it).
    pub path: String,
    pub text: String,
}

/// Values the command line supplies.
#[derive(Debug, Clone, Default)]
pub struct Supplied {
    /// `--parameter NAME=VALUE`: a CloudFormation parameter (or pseudo parameter such as
    /// `AWS::Region`), or a Terraform variable (`NAME` without `var.`).
    pub parameters: BTreeMap<String, String>,
    /// `--import-value EXPORT=VALUE`: what `Fn::ImportValue` of `EXPORT` reads.
    pub import_values: BTreeMap<String, String>,
}

/// One resource of an input file.
#[derive(Debug, Clone)]
pub struct Resource {
    /// The file it is written in (as given on the command line).
    pub file: String,
    /// Its CloudFormation logical ID, or its Terraform address (`aws_appmesh_mesh.main`,
    /// `aws_appmesh_route.r["a"]` for `for_each`, `aws_appmesh_route.r[0]` for `count`).
    pub id: String,
    /// Its CloudFormation type. Terraform types are mapped to the CloudFormation type
    /// (`aws_appmesh_mesh` → `AWS::AppMesh::Mesh`).
    pub ty: String,
    /// Where the resource starts in the file.
    pub location: Option<Location>,
    /// The resolved properties, as a JSON object in CloudFormation's shape.
    pub props: Value,
    /// Where properties were written: a property path (`Spec.Listeners[0].PortMapping.Port`, as
    /// [`prop_path`] spells it) → location. Paths not written (defaults) are missing; the
    /// builder then points at the closest ancestor.
    pub locations: BTreeMap<String, Location>,
}

impl Resource {
    /// The location of `path` or of its closest ancestor that has one, else the resource's.
    pub fn locate(&self, path: &str) -> Option<Location> {
        let mut p = path;
        loop {
            if let Some(l) = self.locations.get(p) {
                return Some(*l);
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None => return self.location,
            }
        }
    }
}

/// Joins a property path: `Spec` + `Listeners` → `Spec.Listeners`, `Spec.Listeners` + 0 →
/// `Spec.Listeners[0]`.
pub fn prop_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

pub fn index_path(parent: &str, i: usize) -> String {
    format!("{parent}[{i}]")
}

/// A resource of the inputs that import leaves out (not App Mesh, Cloud Map, Route 53 or an
/// ECS service running a virtual node).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    pub file: String,
    /// Logical ID or Terraform address.
    pub id: String,
    /// The type as written: `AWS::EC2::VPC`, `aws_lb`.
    pub ty: String,
}

/// What reading one file gives.
#[derive(Debug, Clone, Default)]
pub struct ReadFile {
    pub resources: Vec<Resource>,
    /// Resources of types the importer does not read, for the summary. Readers may also put
    /// every resource in `resources` and let the builder decide; a resource is either here or
    /// there, never both.
    pub skipped: Vec<Skipped>,
    /// CloudFormation `Outputs` with an `Export`: export name → value (resolved as far as
    /// possible), so that another file's `Fn::ImportValue` can read it.
    pub exports: BTreeMap<String, Value>,
}

/// An import error: what was wrong, where, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub file: String,
    pub location: Option<Location>,
    /// Where in the file: `Resources.Mesh.Properties.MeshName`, or
    /// `aws_appmesh_mesh.main.spec.egress_filter.type`. Empty for the whole file.
    pub path: String,
    pub message: String,
    pub help: Option<String>,
}

impl ImportError {
    pub fn new(
        file: &str,
        location: Option<Location>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.to_owned(),
            location,
            path: path.into(),
            message: message.into(),
            help: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error: {}", self.message)?;
        write!(f, "\n  --> {}", self.file)?;
        if let Some(l) = self.location {
            write!(f, ":{}:{}", l.line, l.column)?;
        }
        if !self.path.is_empty() {
            write!(f, " ({})", self.path)?;
        }
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}
