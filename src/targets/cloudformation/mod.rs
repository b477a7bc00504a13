//! The CloudFormation renderer: `cloudformation/template.json`.
//!
//! The graph's properties already have the API's shape, which is CloudFormation's; this
//! renderer adds the template frame and turns references into intrinsic functions.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Map, Value as Json};

mod layout;
mod limits;
mod nested;

use super::{to_json_text, Output, Prepared, RenderOptions, Rendered, Settings, Target};
use crate::case::pascal_case;
use crate::diagnostic::Diagnostics;
use crate::ir::{Attr, ParamType, Plan, Pseudo, ResourceId, Value};
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
    fn limits(&self, plan: &Plan, settings: &Settings) -> Diagnostics {
        self.prepare(plan, settings).0
    }
    fn prepare(&self, plan: &Plan, settings: &Settings) -> (Diagnostics, Option<Prepared>) {
        let max = max_resources(settings);
        let (diags, shape) = limits::check(plan, max);
        (diags, Some(Box::new((max, shape))))
    }
    fn identifier(&self, id: &ResourceId) -> Option<(String, String)> {
        // Logical IDs share one namespace across resource types.
        Some((String::new(), cfn_logical_id(id)))
    }
    fn render(&self, plan: &Plan, opts: &RenderOptions) -> Rendered {
        self.render_prepared(plan, opts, None)
    }
    fn render_prepared(
        &self,
        plan: &Plan,
        opts: &RenderOptions,
        prepared: Option<Prepared>,
    ) -> Rendered {
        let max = max_resources(&opts.settings);
        let shape = prepared
            .and_then(|p| p.downcast::<(usize, Shape)>().ok())
            .filter(|p| p.0 == max)
            .map(|p| p.1)
            .unwrap_or_else(|| limits::check(plan, max).1);
        render(plan, opts.version, shape)
    }
}

/// The resources one template may hold: CloudFormation's quota, or the user's lower bound.
fn max_resources(settings: &Settings) -> usize {
    settings
        .max_resources_per_stack
        .map_or(layout::MAX_RESOURCES, |n| {
            (n as usize).min(layout::MAX_RESOURCES)
        })
}

/// Which template a value is rendered into, and so how it reads other resources.
#[derive(Clone, Copy)]
pub(crate) enum Scope<'a> {
    /// The only template: every resource is in it.
    Whole,
    /// One template of a nested layout.
    In(&'a layout::Layout, layout::Place),
}

impl Scope<'_> {
    /// A resource's attribute: read directly when the resource is in this template; otherwise
    /// a child reads its parameter and the root the child's output.
    fn reference(&self, id: &ResourceId, attr: Attr) -> Json {
        let Scope::In(l, here) = *self else {
            return reference(id, attr);
        };
        match (l.place_of(id), here) {
            (p, h) if p == h => reference(id, attr),
            (layout::Place::Child(c), layout::Place::Root) => json!({ "Fn::GetAtt": [
                l.stacks[c].logical_id,
                format!("Outputs.{}", layout::link_name(id, attr))
            ] }),
            _ => json!({ "Ref": layout::link_name(id, attr) }),
        }
    }
}

/// How a neutral attribute of a resource is read: `Ref` where the kind's descriptor says `Ref`
/// returns it, otherwise `Fn::GetAtt` with the type's attribute name.
fn reference(id: &ResourceId, attr: Attr) -> Json {
    let lid = cfn_logical_id(id);
    let info = id.kind.info();
    if info.cfn_ref.reads(attr) {
        return json!({ "Ref": lid });
    }
    let attribute = match attr {
        Attr::Arn => "Arn",
        Attr::Id => "Id",
        Attr::DnsName => "DnsEntry.DomainName",
        Attr::DnsZoneId => "DnsEntry.HostedZoneId",
        // Nothing reads the name of a kind that has none.
        Attr::Name => info.name.map_or("Name", |n| n.property),
    };
    json!({ "Fn::GetAtt": [lid, attribute] })
}

fn value(v: &Value, scope: Scope) -> Json {
    match v {
        Value::Bool(b) => json!(b),
        Value::Int(n) => json!(n),
        Value::Decimal(d) => decimal(d),
        Value::Str(s) => json!(s),
        Value::List(l) => Json::Array(l.iter().map(|x| value(x, scope)).collect()),
        Value::Map(m) => Json::Object(
            m.iter()
                .map(|(k, v)| (k.to_string(), value(v, scope)))
                .collect(),
        ),
        Value::Ref(id, attr) => scope.reference(id, *attr),
        Value::JoinList(sep, list) => json!({ "Fn::Join": [sep, value(list, scope)] }),
        // CloudFormation has no list concatenation: join every list, then split the whole.
        Value::Concat(lists) => {
            json!({ "Fn::Split": [",", { "Fn::Join": [",", lists.iter().map(|l| match l {
            Value::List(_) => json!({ "Fn::Join": [",", value(l, scope)] }),
            other => json!({ "Fn::Join": [",", value(other, scope)] }),
        }).collect::<Vec<_>>()] }] })
        }
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
                json!({ "Fn::Join": ["", parts.iter().map(|p| value(p, scope)).collect::<Vec<_>>()] })
            }
        }
        Value::JsonText(inner) => json_text(inner, scope),
        // Only JSON text has computed keys; elsewhere an object of them is that text.
        Value::Entries(_) => json_text(v, scope),
    }
}

/// A decimal as a JSON number.
pub(crate) fn decimal(d: &str) -> Json {
    d.parse::<serde_json::Number>()
        .map(Json::Number)
        .unwrap_or_else(|_| json!(d))
}

/// A value as JSON text: one `Fn::Sub` string whose `${...}` are the parameters, pseudo
/// parameters and attributes it contains (or `Fn::Join` of the pieces, should one of them be
/// something `Fn::Sub` cannot name).
fn json_text(v: &Value, scope: Scope) -> Json {
    let mut parts = Text::default();
    parts.value(v);
    let mut sub = String::new();
    let mut joined: Vec<Json> = Vec::new();
    let mut subbable = true;
    for p in &parts.0 {
        match p {
            Piece::Text(t) => {
                sub.push_str(&t.replace("${", "${!"));
                joined.push(json!(t));
            }
            Piece::Value(x) => {
                let rendered = value(x, scope);
                match sub_variable(&rendered) {
                    Some(name) => sub.push_str(&format!("${{{name}}}")),
                    None => subbable = false,
                }
                joined.push(rendered);
            }
        }
    }
    if parts.0.iter().all(|p| matches!(p, Piece::Text(_))) {
        // Nothing to substitute: the text itself (cfn-lint W1020 flags a `Fn::Sub` without
        // variables).
        let text: String = parts
            .0
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.as_str(),
                Piece::Value(_) => "",
            })
            .collect();
        json!(text)
    } else if subbable {
        json!({ "Fn::Sub": sub })
    } else {
        json!({ "Fn::Join": ["", joined] })
    }
}

/// `Ref X` → `X`, `Fn::GetAtt [X, A]` → `X.A`: how `Fn::Sub` names them.
fn sub_variable(v: &Json) -> Option<String> {
    if let Some(r) = v.get("Ref").and_then(Json::as_str) {
        return Some(r.to_owned());
    }
    let att = v.get("Fn::GetAtt")?.as_array()?;
    Some(format!(
        "{}.{}",
        att.first()?.as_str()?,
        att.get(1)?.as_str()?
    ))
}

#[derive(Debug)]
enum Piece<'a> {
    Text(String),
    /// A string-valued expression, spliced into the text.
    Value(&'a Value),
}

/// JSON text as literal pieces and spliced expressions.
#[derive(Debug, Default)]
struct Text<'a>(Vec<Piece<'a>>);

impl<'a> Text<'a> {
    fn text(&mut self, s: &str) {
        match self.0.last_mut() {
            Some(Piece::Text(t)) => t.push_str(s),
            _ => self.0.push(Piece::Text(s.to_owned())),
        }
    }
    /// The inside of a JSON string.
    fn string_content(&mut self, v: &'a Value) {
        match v {
            Value::Str(s) => {
                let quoted = serde_json::to_string(s).expect("strings serialize");
                self.text(&quoted[1..quoted.len() - 1]);
            }
            Value::Int(n) => self.text(&n.to_string()),
            Value::Decimal(d) => self.text(d),
            Value::Join(parts) => parts.iter().for_each(|p| self.string_content(p)),
            other => self.0.push(Piece::Value(other)),
        }
    }
    fn value(&mut self, v: &'a Value) {
        match v {
            Value::Bool(b) => self.text(&b.to_string()),
            Value::Int(n) => self.text(&n.to_string()),
            Value::Decimal(d) => self.text(d),
            Value::List(items) => {
                self.text("[");
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        self.text(",");
                    }
                    self.value(x);
                }
                self.text("]");
            }
            Value::Map(m) => {
                self.text("{");
                for (i, (k, x)) in m.iter().enumerate() {
                    if i > 0 {
                        self.text(",");
                    }
                    self.text(&serde_json::to_string(k).expect("strings serialize"));
                    self.text(":");
                    self.value(x);
                }
                self.text("}");
            }
            Value::Entries(entries) => {
                self.text("{");
                for (i, (k, x)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.text(",");
                    }
                    self.text("\"");
                    self.string_content(k);
                    self.text("\":");
                    self.value(x);
                }
                self.text("}");
            }
            Value::JsonText(inner) => self.value(inner),
            // Strings, and expressions that are strings.
            other => {
                self.text("\"");
                self.string_content(other);
                self.text("\"");
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

/// How a plan is written: one template, or nested stacks (`None`: no layout works, and
/// `limits` said why).
pub(crate) enum Shape {
    One,
    Nested(Option<layout::Layout>),
}

fn render(plan: &Plan, version: &str, shape: Shape) -> Rendered {
    if let Shape::One = shape {
        let mut doc = frame(&plan.description, plan, version);
        if !plan.params.is_empty() {
            interface(&mut doc, plan);
            let names: Vec<&String> = plan.params.keys().collect();
            doc.insert("Parameters".into(), parameters(plan, &names, true));
        }
        let mut resources = Vec::with_capacity(plan.resources.len());
        for id in plan.resources.keys() {
            let deps: Vec<String> = plan.extra_depends_on(id).map(cfn_logical_id).collect();
            resources.push((
                cfn_logical_id(id),
                Entry::Resource(resource(plan, id, deps, Scope::Whole)),
            ));
        }
        let keys: Vec<&String> = plan.outputs.keys().collect();
        if !keys.is_empty() {
            doc.insert(
                "Outputs".into(),
                outputs(plan, &keys, Scope::Whole, "AWS::StackName"),
            );
        }
        let mut files = Rendered::new();
        files.insert(
            TEMPLATE.into(),
            to_json_text(&Template::new(doc, resources)),
        );
        return files;
    }
    match shape {
        Shape::Nested(Some(l)) => nested::render(plan, version, &l),
        // `limits` reported why; a plan with errors is never rendered.
        Shape::One | Shape::Nested(None) => Rendered::new(),
    }
}

/// The root template's file name.
const TEMPLATE: &str = "template.json";

/// A template's version, description and generator note.
fn frame(description: &str, plan: &Plan, version: &str) -> Map<String, Json> {
    let mut doc = Map::new();
    doc.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
    doc.insert("Description".into(), json!(description));
    let mut metadata = Map::new();
    metadata.insert(
        "meshsynth".into(),
        json!({ "generator": format!("meshsynth {version}"), "project": plan.project, "note": "Generated file; edit the spec and run `meshsynth synth` instead." }),
    );
    doc.insert("Metadata".into(), Json::Object(metadata));
    doc
}

/// The console's grouping and labels of the plan's parameters.
fn interface(doc: &mut Map<String, Json>, plan: &Plan) {
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
    if let Some(Json::Object(m)) = doc.get_mut("Metadata") {
        m.insert(
            "AWS::CloudFormation::Interface".into(),
            json!({
                "ParameterGroups": groups.iter().map(|(g, ids)| json!({ "Label": { "default": g }, "Parameters": ids })).collect::<Vec<_>>(),
                "ParameterLabels": labels,
            }),
        );
    }
}

/// The declarations of plan parameters; `checked`: with their patterns and defaults (the root
/// checks what the user passes, a child takes what the root passes).
fn parameters(plan: &Plan, names: &[&String], checked: bool) -> Json {
    let params: Map<String, Json> = names
        .iter()
        .map(|name| {
            let p = &plan.params[*name];
            let mut o = Map::new();
            o.insert("Type".into(), json!(param_type(p.ty)));
            o.insert("Description".into(), json!(p.description));
            if checked {
                if let ParamType::Matching(pattern) = p.ty {
                    o.insert("AllowedPattern".into(), json!(pattern.regex));
                    o.insert("ConstraintDescription".into(), json!(pattern.message));
                }
                if let Some(d) = &p.default {
                    o.insert("Default".into(), json!(d));
                }
            }
            (pascal_case(name), Json::Object(o))
        })
        .collect();
    Json::Object(params)
}

fn param_type(ty: ParamType) -> &'static str {
    match ty {
        ParamType::VpcId => "AWS::EC2::VPC::Id",
        ParamType::SubnetIds => "List<AWS::EC2::Subnet::Id>",
        ParamType::SecurityGroupIds => "List<AWS::EC2::SecurityGroup::Id>",
        ParamType::String | ParamType::Matching(_) => "String",
    }
}

/// One resource's entry in `Resources`.
fn resource<'a>(
    plan: &'a Plan,
    id: &ResourceId,
    deps: Vec<String>,
    scope: Scope<'a>,
) -> Resource<'a> {
    Resource {
        r: &plan.resources[id],
        deps,
        scope,
    }
}

/// A template: its sections, with `Resources` written one resource at a time (a resource's
/// JSON is never built as a whole: a large mesh's templates are tens of megabytes).
pub(crate) struct Template<'a> {
    doc: Map<String, Json>,
    resources: Vec<(String, Entry<'a>)>,
}

/// One entry of `Resources`: a plan resource, or one the layout adds (a nested stack).
pub(crate) enum Entry<'a> {
    Resource(Resource<'a>),
    Json(Json),
}

impl<'a> Template<'a> {
    pub(crate) fn new(doc: Map<String, Json>, mut resources: Vec<(String, Entry<'a>)>) -> Self {
        // By logical ID, as a JSON object's keys; the collision check keeps them unique.
        resources.sort_by(|a, b| a.0.cmp(&b.0));
        Template { doc, resources }
    }
}

impl Serialize for Template<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.doc.len() + 1))?;
        let mut pending = true;
        for (k, v) in &self.doc {
            if pending && k.as_str() > "Resources" {
                m.serialize_entry("Resources", &Entries(&self.resources))?;
                pending = false;
            }
            m.serialize_entry(k, v)?;
        }
        if pending {
            m.serialize_entry("Resources", &Entries(&self.resources))?;
        }
        m.end()
    }
}

struct Entries<'a, 'b>(&'a [(String, Entry<'b>)]);

impl Serialize for Entries<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, e) in self.0 {
            match e {
                Entry::Resource(r) => m.serialize_entry(k, r)?,
                Entry::Json(j) => m.serialize_entry(k, j)?,
            }
        }
        m.end()
    }
}

/// A plan resource as CloudFormation declares it.
pub(crate) struct Resource<'a> {
    r: &'a crate::ir::Resource,
    deps: Vec<String>,
    scope: Scope<'a>,
}

impl Serialize for Resource<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let info = self.r.id.kind.info();
        let mut m = s.serialize_map(None)?;
        if !self.deps.is_empty() {
            m.serialize_entry("DependsOn", &self.deps)?;
        }
        m.serialize_entry("Properties", &Properties(self))?;
        m.serialize_entry("Type", info.cfn_type)?;
        m.end()
    }
}

struct Properties<'a, 'b>(&'a Resource<'b>);

impl Serialize for Properties<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0.r;
        let info = r.id.kind.info();
        let tags = (!r.tags.is_empty() && info.taggable).then_some(info.cfn_tags);
        let mut m = s.serialize_map(None)?;
        let mut pending = tags;
        for (k, v) in &r.props {
            if let Some(t) = pending {
                if k.as_ref() >= t {
                    m.serialize_entry(t, &Tags(&r.tags))?;
                    pending = None;
                }
            }
            // The tags replace a property of their name.
            if tags == Some(k.as_ref()) {
                continue;
            }
            m.serialize_entry(k.as_ref(), &V(v, self.0.scope))?;
        }
        if let Some(t) = pending {
            m.serialize_entry(t, &Tags(&r.tags))?;
        }
        m.end()
    }
}

struct Tags<'a>(&'a std::collections::BTreeMap<String, String>);

impl Serialize for Tags<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|(k, v)| Tag { key: k, value: v }))
    }
}

#[derive(serde::Serialize)]
struct Tag<'a> {
    #[serde(rename = "Key")]
    key: &'a str,
    #[serde(rename = "Value")]
    value: &'a str,
}

/// A value as [`value`] renders it, written directly.
struct V<'a>(&'a Value, Scope<'a>);

impl Serialize for V<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(n) => s.serialize_i64(*n),
            Value::Str(x) => s.serialize_str(x),
            Value::List(l) => s.collect_seq(l.iter().map(|x| V(x, self.1))),
            Value::Map(m) => s.collect_map(m.iter().map(|(k, x)| (k.as_ref(), V(x, self.1)))),
            other => value(other, self.1).serialize(s),
        }
    }
}

/// Plan outputs, exported as `<stack>-<OutputId>`; `stack_name` is the parameter (or pseudo
/// parameter) naming the stack users know.
fn outputs(plan: &Plan, keys: &[&String], scope: Scope, stack_name: &str) -> Json {
    let outputs: Map<String, Json> = keys
        .iter()
        .map(|key| {
            let o = &plan.outputs[*key];
            let id = pascal_case(key);
            (
                id.clone(),
                json!({
                    "Description": o.description,
                    "Value": value(&o.value, scope),
                    "Export": { "Name": { "Fn::Sub": format!("${{{stack_name}}}-{id}") } },
                }),
            )
        })
        .collect();
    Json::Object(outputs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Kind;

    /// How the template reads an attribute.
    #[derive(Clone, Copy)]
    enum Read {
        Ref,
        GetAtt(&'static str),
    }
    use Read::{GetAtt, Ref};

    /// `Ref` where it returns what is read, `Fn::GetAtt` otherwise, for every kind and attribute.
    #[test]
    fn ref_or_get_att_per_kind() {
        // (kind, how its ARN, name and ID are read)
        let expected = [
            (
                Kind::Mesh,
                [GetAtt("Arn"), GetAtt("MeshName"), GetAtt("Id")],
            ),
            (
                Kind::VirtualNode,
                [GetAtt("Arn"), GetAtt("VirtualNodeName"), GetAtt("Id")],
            ),
            (
                Kind::VirtualRouter,
                [GetAtt("Arn"), GetAtt("VirtualRouterName"), GetAtt("Id")],
            ),
            (
                Kind::Route,
                [GetAtt("Arn"), GetAtt("RouteName"), GetAtt("Id")],
            ),
            (
                Kind::VirtualService,
                [GetAtt("Arn"), GetAtt("VirtualServiceName"), GetAtt("Id")],
            ),
            (
                Kind::VirtualGateway,
                [GetAtt("Arn"), GetAtt("VirtualGatewayName"), GetAtt("Id")],
            ),
            (
                Kind::GatewayRoute,
                [GetAtt("Arn"), GetAtt("GatewayRouteName"), GetAtt("Id")],
            ),
            (
                Kind::CloudMapNamespace,
                [GetAtt("Arn"), GetAtt("Name"), GetAtt("Id")],
            ),
            (
                Kind::CloudMapService,
                [GetAtt("Arn"), GetAtt("Name"), GetAtt("Id")],
            ),
            (Kind::ServiceNetwork, [Ref, GetAtt("Name"), GetAtt("Id")]),
            (
                Kind::ServiceNetworkVpcAssociation,
                [Ref, GetAtt("Name"), GetAtt("Id")],
            ),
            (Kind::LatticeService, [Ref, GetAtt("Name"), GetAtt("Id")]),
            (
                Kind::ServiceNetworkServiceAssociation,
                [Ref, GetAtt("Name"), GetAtt("Id")],
            ),
            (Kind::LatticeListener, [Ref, GetAtt("Name"), GetAtt("Id")]),
            (Kind::LatticeRule, [Ref, GetAtt("Name"), GetAtt("Id")]),
            (Kind::TargetGroup, [Ref, GetAtt("Name"), GetAtt("Id")]),
            (
                Kind::AuthPolicy,
                [GetAtt("Arn"), GetAtt("Name"), GetAtt("Id")],
            ),
            (
                Kind::AccessLogSubscription,
                [Ref, GetAtt("Name"), GetAtt("Id")],
            ),
            (Kind::HostedZone, [GetAtt("Arn"), GetAtt("Name"), Ref]),
            (
                Kind::RecordSet,
                [GetAtt("Arn"), GetAtt("Name"), GetAtt("Id")],
            ),
            (
                Kind::SecurityGroup,
                [GetAtt("Arn"), GetAtt("GroupName"), Ref],
            ),
            (
                Kind::SecurityGroupIngress,
                [GetAtt("Arn"), GetAtt("Name"), GetAtt("Id")],
            ),
            (Kind::EcsCluster, [GetAtt("Arn"), Ref, GetAtt("Id")]),
            (Kind::LogGroup, [GetAtt("Arn"), Ref, GetAtt("Id")]),
            (Kind::IamRole, [GetAtt("Arn"), Ref, GetAtt("Id")]),
            (
                Kind::IamRolePolicy,
                [GetAtt("Arn"), GetAtt("PolicyName"), GetAtt("Id")],
            ),
            (Kind::TaskDefinition, [Ref, GetAtt("Family"), GetAtt("Id")]),
            (Kind::EcsService, [Ref, GetAtt("ServiceName"), GetAtt("Id")]),
            (
                Kind::ClusterCapacityProviders,
                [GetAtt("Arn"), GetAtt("Name"), GetAtt("Id")],
            ),
            (Kind::SnsTopic, [Ref, GetAtt("TopicName"), GetAtt("Id")]),
            (Kind::Dashboard, [GetAtt("Arn"), Ref, GetAtt("Id")]),
            (Kind::Alarm, [GetAtt("Arn"), Ref, GetAtt("Id")]),
            (Kind::QueryDefinition, [GetAtt("Arn"), GetAtt("Name"), Ref]),
        ];
        assert_eq!(
            expected.map(|e| e.0),
            Kind::ALL,
            "one row per kind, in order"
        );
        for (kind, reads) in expected {
            let rid = ResourceId::new(kind, "orders-v1");
            let lid = cfn_logical_id(&rid);
            for (attr, read) in [Attr::Arn, Attr::Name, Attr::Id].into_iter().zip(reads) {
                let want = match read {
                    Ref => json!({ "Ref": lid }),
                    GetAtt(a) => json!({ "Fn::GetAtt": [lid, a] }),
                };
                assert_eq!(reference(&rid, attr), want, "{kind:?} {attr:?}");
            }
        }
    }
}
