//! The CloudFormation renderer: `cloudformation/template.json`.
//!
//! The graph's properties already have the API's shape, which is CloudFormation's; this
//! renderer adds the template frame and turns references into intrinsic functions.

use serde_json::{json, Map, Value as Json};

mod limits;

use super::{to_json_text, Output, RenderOptions, Rendered, Target};
use crate::case::pascal_case;
use crate::diagnostic::Diagnostics;
use crate::ir::{Attr, Kind, ParamType, Plan, Pseudo, ResourceId, Value};
use crate::targets::ids::cfn_logical_id;

/// The CloudFormation template.
pub struct CloudFormation;

impl Target for CloudFormation {
    fn name(&self) -> &'static str {
        "cloudformation"
    }
    fn about(&self) -> &'static str {
        "a CloudFormation template (cloudformation/template.json)"
    }
    fn output(&self) -> Output {
        Output::Iac
    }
    fn limits(&self, plan: &Plan) -> Diagnostics {
        limits::check(plan)
    }
    fn identifier(&self, id: &ResourceId) -> Option<(String, String)> {
        // Logical IDs share one namespace across resource types.
        Some((String::new(), cfn_logical_id(id)))
    }
    fn render(&self, plan: &Plan, opts: &RenderOptions) -> Rendered {
        render(plan, opts.version)
    }
}

/// The CloudFormation resource type of each kind.
pub fn resource_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Mesh => "AWS::AppMesh::Mesh",
        Kind::VirtualNode => "AWS::AppMesh::VirtualNode",
        Kind::VirtualRouter => "AWS::AppMesh::VirtualRouter",
        Kind::Route => "AWS::AppMesh::Route",
        Kind::VirtualService => "AWS::AppMesh::VirtualService",
        Kind::VirtualGateway => "AWS::AppMesh::VirtualGateway",
        Kind::GatewayRoute => "AWS::AppMesh::GatewayRoute",
        Kind::CloudMapNamespace => "AWS::ServiceDiscovery::PrivateDnsNamespace",
        Kind::CloudMapService => "AWS::ServiceDiscovery::Service",
        Kind::EcsCluster => "AWS::ECS::Cluster",
        Kind::LogGroup => "AWS::Logs::LogGroup",
        Kind::IamRole => "AWS::IAM::Role",
        Kind::IamRolePolicy => "AWS::IAM::RolePolicy",
        Kind::TaskDefinition => "AWS::ECS::TaskDefinition",
        Kind::EcsService => "AWS::ECS::Service",
        Kind::ClusterCapacityProviders => "AWS::ECS::ClusterCapacityProviderAssociations",
    }
}

/// How a neutral attribute of a kind is read: `Ref` where that is what the type returns, or
/// `Fn::GetAtt` with the type's attribute name.
fn reference(id: &ResourceId, attr: Attr) -> Json {
    let lid = cfn_logical_id(id);
    let get_att = match (id.kind, attr) {
        // Ref returns the name of these ...
        (Kind::IamRole | Kind::LogGroup | Kind::EcsCluster, Attr::Name)
        // ... and the ARN of these.
        | (Kind::TaskDefinition | Kind::EcsService, Attr::Arn) => None,
        (_, Attr::Arn) => Some("Arn"),
        (_, Attr::Id) => Some("Id"),
        (kind, Attr::Name) => Some(kind.name_property().unwrap_or("Name")),
    };
    match get_att {
        Some(a) => json!({ "Fn::GetAtt": [lid, a] }),
        None => json!({ "Ref": lid }),
    }
}

fn value(v: &Value) -> Json {
    match v {
        Value::Bool(b) => json!(b),
        Value::Int(n) => json!(n),
        Value::Str(s) => json!(s),
        Value::List(l) => Json::Array(l.iter().map(value).collect()),
        Value::Map(m) => Json::Object(m.iter().map(|(k, v)| (k.clone(), value(v))).collect()),
        Value::Ref(id, attr) => reference(id, *attr),
        Value::JoinList(sep, list) => json!({ "Fn::Join": [sep, value(list)] }),
        Value::Param(p) => json!({ "Ref": pascal_case(p) }),
        Value::Pseudo(p) => json!({ "Ref": match p {
            Pseudo::Region => "AWS::Region",
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::Partition => "AWS::Partition",
        }}),
        Value::Join(parts) => {
            if let Some(s) = literal(parts) {
                json!(s)
            } else {
                json!({ "Fn::Join": ["", parts.iter().map(value).collect::<Vec<_>>()] })
            }
        }
    }
}

/// A join of plain strings is just a string.
fn literal(parts: &[Value]) -> Option<String> {
    parts
        .iter()
        .map(|p| match p {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        })
        .collect()
}

fn render(plan: &Plan, version: &str) -> Rendered {
    let mut doc = Map::new();
    doc.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
    doc.insert("Description".into(), json!(plan.description));

    let mut metadata = Map::new();
    metadata.insert(
        "meshsynth".into(),
        json!({ "generator": format!("meshsynth {version}"), "project": plan.project, "note": "Generated file; edit the spec and run `meshsynth synth` instead." }),
    );
    if !plan.params.is_empty() {
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for (name, p) in &plan.params {
            let id = pascal_case(name);
            match groups.iter_mut().find(|(g, _)| *g == p.group) {
                Some((_, ids)) => ids.push(id),
                None => groups.push((p.group.clone(), vec![id])),
            }
        }
        let labels: Map<String, Json> = plan
            .params
            .iter()
            .map(|(name, p)| (pascal_case(name), json!({ "default": p.label })))
            .collect();
        metadata.insert(
            "AWS::CloudFormation::Interface".into(),
            json!({
                "ParameterGroups": groups.iter().map(|(g, ids)| json!({ "Label": { "default": g }, "Parameters": ids })).collect::<Vec<_>>(),
                "ParameterLabels": labels,
            }),
        );
        let params: Map<String, Json> = plan
            .params
            .iter()
            .map(|(name, p)| {
                let mut o = Map::new();
                o.insert(
                    "Type".into(),
                    json!(match p.ty {
                        ParamType::VpcId => "AWS::EC2::VPC::Id",
                        ParamType::SubnetIds => "List<AWS::EC2::Subnet::Id>",
                        ParamType::SecurityGroupIds => "List<AWS::EC2::SecurityGroup::Id>",
                        ParamType::String => "String",
                    }),
                );
                o.insert("Description".into(), json!(p.description));
                if let Some(d) = &p.default {
                    o.insert("Default".into(), json!(d));
                }
                (pascal_case(name), Json::Object(o))
            })
            .collect();
        doc.insert("Parameters".into(), Json::Object(params));
    }
    doc.insert("Metadata".into(), Json::Object(metadata));

    let mut resources = Map::new();
    for (id, r) in &plan.resources {
        let mut props: Map<String, Json> =
            r.props.iter().map(|(k, v)| (k.clone(), value(v))).collect();
        if !r.tags.is_empty() && id.kind.taggable() {
            props.insert(
                "Tags".into(),
                Json::Array(
                    r.tags
                        .iter()
                        .map(|(k, v)| json!({ "Key": k, "Value": v }))
                        .collect(),
                ),
            );
        }
        let mut res = Map::new();
        res.insert("Type".into(), json!(resource_type(id.kind)));
        let deps: Vec<String> = plan
            .extra_depends_on(id)
            .iter()
            .map(cfn_logical_id)
            .collect();
        if !deps.is_empty() {
            res.insert("DependsOn".into(), json!(deps));
        }
        res.insert("Properties".into(), Json::Object(props));
        resources.insert(cfn_logical_id(id), Json::Object(res));
    }
    doc.insert("Resources".into(), Json::Object(resources));

    if !plan.outputs.is_empty() {
        let outputs: Map<String, Json> = plan
            .outputs
            .iter()
            .map(|(name, o)| {
                let id = pascal_case(name);
                (
                    id.clone(),
                    json!({
                        "Description": o.description,
                        "Value": value(&o.value),
                        "Export": { "Name": { "Fn::Sub": format!("${{AWS::StackName}}-{id}") } },
                    }),
                )
            })
            .collect();
        doc.insert("Outputs".into(), Json::Object(outputs));
    }

    let mut files = Rendered::new();
    files.insert("template.json".into(), to_json_text(&Json::Object(doc)));
    files
}
