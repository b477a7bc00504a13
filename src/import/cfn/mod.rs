//! CloudFormation templates (YAML with short-form tags, or JSON; hand-written or CDK output) →
//! [`ReadFile`]s.

pub mod read;
pub mod resolve;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::import::model::{ImportError, ReadFile, Resource, Skipped, Supplied};
use read::{Node, V};
use resolve::{Resolver, Template};

/// The types whose resources import reads; every other resource is listed as left out.
pub const READ_TYPES: &[&str] = &[
    "AWS::AppMesh::Mesh",
    "AWS::AppMesh::VirtualNode",
    "AWS::AppMesh::VirtualRouter",
    "AWS::AppMesh::Route",
    "AWS::AppMesh::VirtualService",
    "AWS::AppMesh::VirtualGateway",
    "AWS::AppMesh::GatewayRoute",
    "AWS::ServiceDiscovery::PrivateDnsNamespace",
    "AWS::ServiceDiscovery::PublicDnsNamespace",
    "AWS::ServiceDiscovery::HttpNamespace",
    "AWS::ServiceDiscovery::Service",
    "AWS::Route53::RecordSet",
    "AWS::ECS::Service",
    "AWS::ECS::TaskDefinition",
];

/// Parses a file as YAML (JSON is YAML's flow style).
pub fn parse(file: &str, text: &str) -> Result<Node, ImportError> {
    read::parse(text).map_err(|e| {
        ImportError::new(
            file,
            Some(e.at),
            "",
            format!("{file} is not valid YAML or JSON: {}", e.message),
        )
        .help("fix the syntax here; the mistake may be a line or two above")
    })
}

/// Whether a parsed document is a CloudFormation template: a `Resources` mapping whose entries
/// have a `Type`.
pub fn is_template(root: &Node) -> bool {
    let Some(res) = root.get("Resources") else {
        return false;
    };
    matches!(&res.v, V::Map(m) if !m.is_empty() && m.iter().all(|(_, r)| r.get("Type").is_some()))
}

/// The template's `Outputs` that have an `Export`: export name → value, with `others` (the
/// exports of the other files) available to its own `Fn::ImportValue`s.
pub fn exports(
    file: &str,
    root: &Node,
    supplied: &Supplied,
    others: &BTreeMap<String, Value>,
) -> BTreeMap<String, Value> {
    let t = Template::new(file, root);
    let mut r = Resolver::new(&t, supplied, others);
    let mut out = BTreeMap::new();
    for (name, output) in root.get("Outputs").map(Node::entries).unwrap_or_default() {
        let (Some(export), Some(value)) = (
            output.get("Export").and_then(|e| e.get("Name")),
            output.get("Value"),
        ) else {
            continue;
        };
        let path = format!("Outputs.{name}");
        if let (Ok(Some(Value::String(n))), Ok(Some(v))) =
            (r.value(export, &path), r.value(value, &path))
        {
            out.insert(n, v);
        }
    }
    out
}

/// Reads the resources of a template. Errors are collected, one per resource at most.
pub fn read(
    file: &str,
    root: &Node,
    supplied: &Supplied,
    exports: &BTreeMap<String, Value>,
) -> (ReadFile, Vec<ImportError>) {
    let t = Template::new(file, root);
    let mut r = Resolver::new(&t, supplied, exports);
    let mut out = ReadFile::default();
    let mut errors = Vec::new();
    for (id, node) in root.get("Resources").map(Node::entries).unwrap_or_default() {
        let ty = node.get("Type").and_then(Node::as_str).unwrap_or_default();
        if !READ_TYPES.contains(&ty) {
            out.skipped.push(Skipped {
                file: file.into(),
                id: id.clone(),
                ty: ty.into(),
            });
            continue;
        }
        if let Some(c) = node.get("Condition") {
            let name = c.as_str().unwrap_or_default();
            match r.condition(name, c.at, &format!("Resources.{id}.Condition")) {
                Ok(Value::Bool(true)) => {}
                Ok(Value::Bool(false)) => {
                    out.skipped.push(Skipped {
                        file: file.into(),
                        id: id.clone(),
                        ty: format!("{ty} (condition `{name}` is false)"),
                    });
                    continue;
                }
                Ok(other) => {
                    let (what, flag) = crate::import::model::as_unknown(&other)
                        .unwrap_or(("a value that is not a condition", None));
                    let mut e = ImportError::new(file, Some(c.at), format!("Resources.{id}.Condition"), format!("whether `{id}` is created depends on condition `{name}`, which reads {what}"));
                    if let Some(f) = flag {
                        e = e.help(format!("pass {f}"));
                    }
                    errors.push(e);
                    continue;
                }
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            }
        }
        let props = match node.get("Properties") {
            Some(p) => match r.properties(id, p) {
                Ok(v) => v,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            },
            None => Value::Object(Default::default()),
        };
        out.resources.push(Resource {
            file: file.into(),
            id: id.clone(),
            ty: ty.into(),
            location: Some(node.at),
            props,
            locations: std::mem::take(&mut r.locations),
        });
    }
    (out, errors)
}
