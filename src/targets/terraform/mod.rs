//! The Terraform renderer: a JSON module (`main.tf.json`, `variables.tf.json`,
//! `outputs.tf.json`, `versions.tf.json`) and its `README.md`.
//!
//! The AWS provider spells the API's shape in snake_case, with a repeated nested block named
//! in the singular (`listener`, `backend`, `weighted_target`, `header`, `query_parameter`),
//! and `tags` and Cloud Map `attributes` as maps. Those rules are mechanical, so they live
//! here once instead of in a second lowering.

use std::collections::{BTreeMap, BTreeSet};

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Map, Value as Json};

mod kubernetes;
mod names;
mod readme;
mod rules;

pub use names::{address, AWS_PROVIDER_VERSION, TERRAFORM_VERSION};

use super::{to_json_text, Output, RenderOptions, Rendered, Target};
use crate::case::snake_case;
use crate::check::Ctx;
use crate::ir::{Kind, Map as IrMap, ParamType, Plan, Pseudo, Resource, ResourceId, Value};
use crate::params::CREATE_KUBERNETES_OBJECTS;
use crate::targets::ids::tf_name;
use names::{attribute, group_description, variable_type};

/// The Terraform JSON module.
pub struct Terraform;

impl Target for Terraform {
    fn name(&self) -> &'static str {
        "terraform"
    }
    fn about(&self) -> &'static str {
        "a Terraform JSON module (terraform/*.tf.json and README.md)"
    }
    fn output(&self) -> Output {
        Output::Iac
    }
    fn rules(&self, ctx: &mut Ctx) {
        rules::check(ctx);
    }
    fn identifier(&self, id: &ResourceId) -> Option<(String, String)> {
        // Resource names are unique per resource type.
        Some((id.kind.info().tf_type.to_owned(), tf_name(id)))
    }
    fn render(&self, plan: &Plan, opts: &RenderOptions) -> Rendered {
        render(plan, opts.version, opts.spec_file, &opts.folder)
    }
}

/// Repeated blocks whose API list name is plural and whose block name is singular.
fn singular(key: &str) -> Option<&'static str> {
    Some(match key {
        "listeners" => "listener",
        "backends" => "backend",
        "weighted_targets" => "weighted_target",
        "headers" => "header",
        "query_parameters" => "query_parameter",
        _ => return None,
    })
}

fn pseudo_expr(p: Pseudo) -> &'static str {
    match p {
        Pseudo::Region => "data.aws_region.current.region",
        Pseudo::AccountId => "data.aws_caller_identity.current.account_id",
        Pseudo::Partition => "data.aws_partition.current.partition",
    }
}

/// The expression inside `${...}` for a non-literal value.
fn expr(v: &Value) -> Option<String> {
    match v {
        Value::Ref(id, attr) => Some(format!("{}.{}", address(id), attribute(id.kind, *attr))),
        Value::Param(p) => Some(format!("var.{p}")),
        Value::Pseudo(p) => Some(pseudo_expr(*p).to_owned()),
        Value::JoinList(sep, list) => Some(format!("join({}, {})", hcl_string(sep), expr(list)?)),
        Value::Concat(lists) => Some(format!(
            "concat({})",
            lists.iter().map(hcl).collect::<Vec<_>>().join(", ")
        )),
        Value::JsonText(inner) => Some(format!("jsonencode({})", hcl(inner))),
        // An object with computed keys: HCL reads a quoted key as a template.
        Value::Entries(entries) => Some(format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{} = {}", hcl(k), hcl(v)))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => None,
    }
}

/// An HCL expression for a value, for use inside `${...}` (e.g. in `jsonencode(...)`).
fn hcl(v: &Value) -> String {
    let mut out = String::new();
    hcl_into(v, &mut out, Keys::Api);
    out
}

/// How [`hcl_into`] spells the keys of objects.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keys {
    /// As the graph has them.
    Api,
    /// ECS container definitions are ECS API JSON: the API's keys with a lower-case first
    /// letter, in objects and lists of objects at any depth.
    Camel,
}

/// [`hcl`], appended to `out`: a task definition's `jsonencode(...)` is kilobytes of it.
fn hcl_into(v: &Value, out: &mut String, keys: Keys) {
    use std::fmt::Write as _;
    match v {
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Decimal(d) => out.push_str(d),
        Value::Str(s) => hcl_string_into(s, out),
        Value::List(l) => {
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                hcl_into(x, out, keys);
            }
            out.push(']');
        }
        Value::Map(m) if keys == Keys::Camel => {
            let mut entries: Vec<(String, &Value)> = m
                .iter()
                .map(|(k, x)| {
                    let mut c = k.chars();
                    let key: String = c
                        .next()
                        .map(|f| f.to_ascii_lowercase())
                        .into_iter()
                        .chain(c)
                        .collect();
                    (key, x)
                })
                .collect();
            last_of_each_key(&mut entries);
            out.push('{');
            for (i, (k, x)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                hcl_string_into(k, out);
                out.push_str(" = ");
                hcl_into(x, out, keys);
            }
            out.push('}');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                hcl_string_into(k, out);
                out.push_str(" = ");
                hcl_into(x, out, keys);
            }
            out.push('}');
        }
        Value::Join(parts) => {
            out.push('"');
            for p in parts {
                match p {
                    Value::Str(x) => hcl_string_contents(x, out),
                    Value::Int(n) => {
                        let _ = write!(out, "{n}");
                    }
                    Value::Decimal(d) => out.push_str(d),
                    other => {
                        out.push_str("${");
                        out.push_str(&expr(other).unwrap_or_default());
                        out.push('}');
                    }
                }
            }
            out.push('"');
        }
        other => out.push_str(&expr(other).expect("references have an expression")),
    }
}

/// A quoted HCL string literal: JSON escapes, plus template sequences escaped.
fn hcl_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    hcl_string_into(s, &mut out);
    out
}

fn hcl_string_into(s: &str, out: &mut String) {
    out.push('"');
    hcl_string_contents(s, out);
    out.push('"');
}

/// The inside of [`hcl_string`]: serde_json's quoting (the one definition of JSON's escapes
/// here), with `${` / `%{` doubled so Terraform reads no template.
fn hcl_string_contents(s: &str, out: &mut String) {
    // Most strings need neither JSON's escapes nor the templates' (names, images, ports).
    let plain = s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\')
        && !s.contains("${")
        && !s.contains("%{");
    if plain {
        out.push_str(s);
        return;
    }
    let quoted = serde_json::to_string(s).expect("strings serialize");
    let mut chars = quoted[1..quoted.len() - 1].chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if matches!(c, '$' | '%') && chars.peek() == Some(&'{') {
            out.push(c);
        }
    }
}

/// `jsonencode(...)` of a value, as a Terraform JSON string (of a value already JSON text, its
/// own `jsonencode`).
fn jsonencode<'a>(v: &Value, keys: Keys) -> Arg<'a> {
    match v {
        Value::JsonText(inner) => jsonencode(inner, keys),
        other => {
            let mut out = String::from("${jsonencode(");
            hcl_into(other, &mut out, keys);
            out.push_str(")}");
            Arg::Json(Json::String(out))
        }
    }
}

/// Sorts `entries` by key and keeps the last entry of each key, as collecting them into a map
/// does.
fn last_of_each_key<K: Ord, V>(entries: &mut Vec<(K, V)>) {
    // Stable: of equal keys, the later one stays last.
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut i = entries.len();
    while i > 1 {
        i -= 1;
        if entries[i - 1].0 == entries[i].0 {
            entries.remove(i - 1);
        }
    }
}

/// Where the provider's arguments differ from the API's shape beyond spelling.
fn adapt<'a>(kind: Kind, props: &'a IrMap, body: &mut Body<'a>) {
    let mut rename = |from: &str, to: &str| {
        if let Some(v) = body.remove(from) {
            body.insert(to.to_owned(), v);
        }
    };
    match kind {
        Kind::EcsCluster => rename("cluster_settings", "setting"),
        Kind::ClusterCapacityProviders => rename("cluster", "cluster_name"),
        Kind::IamRole => {
            body.remove("assume_role_policy_document");
            if let Some(doc) = props.get("AssumeRolePolicyDocument") {
                body.insert("assume_role_policy".into(), jsonencode(doc, Keys::Api));
            }
        }
        Kind::IamRolePolicy => {
            rename("role_name", "role");
            body.remove("policy_document");
            if let Some(doc) = props.get("PolicyDocument") {
                body.insert("policy".into(), jsonencode(doc, Keys::Api));
            }
        }
        Kind::TaskDefinition => {
            // The provider's `volume` blocks spell the file system `file_system_id`.
            if let Some(Json::Array(mut volumes)) = body.remove("volumes").map(Arg::into_json) {
                for v in &mut volumes {
                    if let Some(Json::Object(efs)) = v.get_mut("efs_volume_configuration") {
                        if let Some(id) = efs.remove("filesystem_id") {
                            efs.insert("file_system_id".into(), id);
                        }
                    }
                }
                body.insert("volume".into(), Arg::Json(Json::Array(volumes)));
            }
            if let Some(defs) = props.get("ContainerDefinitions") {
                body.insert(
                    "container_definitions".into(),
                    jsonencode(defs, Keys::Camel),
                );
            }
            if let Some(Value::Map(pc)) = props.get("ProxyConfiguration") {
                let mut o = Map::new();
                if let Some(t) = pc.get("Type") {
                    o.insert("type".into(), value(t));
                }
                if let Some(c) = pc.get("ContainerName") {
                    o.insert("container_name".into(), value(c));
                }
                if let Some(Value::List(items)) = pc.get("ProxyConfigurationProperties") {
                    o.insert("properties".into(), name_value_map(items));
                }
                body.insert("proxy_configuration".into(), Arg::Json(Json::Object(o)));
            }
        }
        Kind::AuthPolicy => {
            if let Some(doc) = props.get("Policy") {
                body.insert("policy".into(), jsonencode(doc, Keys::Api));
            }
        }
        Kind::HostedZone => {
            body.remove("hosted_zone_config");
            body.remove("vp_cs");
            if let Some(Value::Map(c)) = props.get("HostedZoneConfig") {
                if let Some(comment) = c.get("Comment") {
                    body.insert("comment".into(), Arg::Ir(comment));
                }
            }
            if let Some(Value::List(vpcs)) = props.get("VPCs") {
                let blocks: Vec<Json> = vpcs
                    .iter()
                    .filter_map(|v| match v {
                        Value::Map(m) => Some(json!({
                            "vpc_id": m.get("VPCId").map(value),
                            "vpc_region": m.get("VPCRegion").map(value),
                        })),
                        _ => None,
                    })
                    .collect();
                body.insert("vpc".into(), Arg::Json(Json::Array(blocks)));
            }
        }
        Kind::RecordSet => {
            rename("hosted_zone_id", "zone_id");
            rename("resource_records", "records");
            // CloudFormation's TTL is a string, the provider's a number.
            if let Some(Json::String(ttl)) = body.get_mut("ttl").map(|a| &*a.json_mut()) {
                if let Ok(n) = ttl.parse::<u64>() {
                    body.insert("ttl".into(), Arg::Json(json!(n)));
                }
            }
            body.remove("alias_target");
            if let Some(Value::Map(a)) = props.get("AliasTarget") {
                body.insert(
                    "alias".into(),
                    Arg::Json(json!([{
                        "name": a.get("DNSName").map(value),
                        "zone_id": a.get("HostedZoneId").map(value),
                        "evaluate_target_health": a.get("EvaluateTargetHealth").map(value),
                    }])),
                );
            }
        }
        Kind::SecurityGroup => rename("group_description", "description"),
        Kind::SecurityGroupIngress => {
            rename("group_id", "security_group_id");
            rename("source_prefix_list_id", "prefix_list_id");
        }
        Kind::TargetGroup => {
            // The provider spells the health check's `Matcher.HttpCode` `matcher.value`.
            let hc = body
                .get_mut("config")
                .map(Arg::json_mut)
                .and_then(|c| c.get_mut("health_check"))
                .and_then(|h| h.get_mut("matcher"))
                .and_then(Json::as_object_mut);
            if let Some(m) = hc {
                if let Some(code) = m.remove("http_code") {
                    m.insert("value".into(), code);
                }
            }
        }
        Kind::Alarm => {
            // The provider's `metric_query` blocks: `metric_stat` flattened into `metric`, with
            // the period and statistic inside it and the dimensions a map.
            body.remove("metrics");
            if let Some(Value::List(queries)) = props.get("Metrics") {
                let blocks: Vec<Json> = queries
                    .iter()
                    .filter_map(|q| match q {
                        Value::Map(q) => Some(metric_query(q)),
                        _ => None,
                    })
                    .collect();
                body.insert("metric_query".into(), Arg::Json(Json::Array(blocks)));
            }
        }
        Kind::EcsService => {
            if let Some(Value::Map(nc)) = props.get("NetworkConfiguration") {
                if let Some(Value::Map(aws)) = nc.get("AwsvpcConfiguration") {
                    let mut o = Map::new();
                    if let Some(v) = aws.get("Subnets") {
                        o.insert("subnets".into(), value(v));
                    }
                    if let Some(v) = aws.get("SecurityGroups") {
                        o.insert("security_groups".into(), value(v));
                    }
                    let public =
                        matches!(aws.get("AssignPublicIp"), Some(Value::Str(s)) if s == "ENABLED");
                    o.insert("assign_public_ip".into(), json!(public));
                    body.insert("network_configuration".into(), Arg::Json(Json::Object(o)));
                }
            }
        }
        _ => {}
    }
}

/// One `metric_query` block of an alarm from a CloudFormation `MetricDataQuery`.
fn metric_query(q: &IrMap) -> Json {
    let mut o = Map::new();
    for (from, to) in [
        ("Id", "id"),
        ("Expression", "expression"),
        ("Label", "label"),
        ("ReturnData", "return_data"),
    ] {
        if let Some(v) = q.get(from) {
            o.insert(to.into(), value(v));
        }
    }
    if let Some(Value::Map(ms)) = q.get("MetricStat") {
        let mut metric = Map::new();
        if let Some(Value::Map(m)) = ms.get("Metric") {
            if let Some(v) = m.get("Namespace") {
                metric.insert("namespace".into(), value(v));
            }
            if let Some(v) = m.get("MetricName") {
                metric.insert("metric_name".into(), value(v));
            }
            if let Some(Value::List(dims)) = m.get("Dimensions") {
                metric.insert("dimensions".into(), name_value_map(dims));
            }
        }
        if let Some(v) = ms.get("Period") {
            metric.insert("period".into(), value(v));
        }
        if let Some(v) = ms.get("Stat") {
            metric.insert("stat".into(), value(v));
        }
        o.insert("metric".into(), Json::Array(vec![Json::Object(metric)]));
    }
    Json::Object(o)
}

/// Escapes what Terraform would read as a template in a literal string.
fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains("${") && !s.contains("%{") {
        return s.into();
    }
    s.replace("${", "$${").replace("%{", "%%{").into()
}

/// A value as the provider's JSON has it, as a `serde_json` value (for the few arguments whose
/// shape the provider changes; [`Arg`] writes the rest straight to the file).
fn value(v: &Value) -> Json {
    serde_json::to_value(Tf(v)).expect("values serialize")
}

/// The text of a `Join`: literal parts escaped, the others interpolated.
fn join_text(parts: &[Value]) -> String {
    let mut s = String::new();
    for p in parts {
        match p {
            Value::Str(x) => s.push_str(&escape(x)),
            Value::Int(n) => s.push_str(&n.to_string()),
            Value::Decimal(d) => s.push_str(d),
            other => s.push_str(&format!("${{{}}}", expr(other).unwrap_or_default())),
        }
    }
    s
}

/// A graph value in the provider's spelling, serialized where it is written: building a
/// `serde_json` value of each resource first was a third of the Terraform output's time.
struct Tf<'a>(&'a Value);

impl Serialize for Tf<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(n) => s.serialize_i64(*n),
            Value::Decimal(d) => crate::targets::cloudformation::decimal(d).serialize(s),
            Value::Str(x) => s.serialize_str(&escape(x)),
            Value::List(l) => s.collect_seq(l.iter().map(Tf)),
            Value::Map(m) => {
                let mut members: Vec<(String, Arg)> = m.iter().map(|(k, v)| member(k, v)).collect();
                last_of_each_key(&mut members);
                let mut out = s.serialize_map(Some(members.len()))?;
                for (k, v) in &members {
                    out.serialize_entry(k, v)?;
                }
                out.end()
            }
            Value::JoinList(..) | Value::Concat(..) => s.serialize_str(&format!(
                "${{{}}}",
                expr(self.0).expect("a list expression")
            )),
            Value::Join(parts) => s.serialize_str(&join_text(parts)),
            other => s.serialize_str(&format!(
                "${{{}}}",
                expr(other).expect("references have an expression")
            )),
        }
    }
}

/// An argument or block of a resource: a graph value as it is, or one the provider reshapes.
enum Arg<'a> {
    Ir(&'a Value),
    Json(Json),
}

impl Arg<'_> {
    fn into_json(self) -> Json {
        match self {
            Arg::Ir(v) => value(v),
            Arg::Json(j) => j,
        }
    }
    /// The argument as a `serde_json` value, to reshape it in place.
    fn json_mut(&mut self) -> &mut Json {
        if let Arg::Ir(v) = self {
            *self = Arg::Json(value(v));
        }
        match self {
            Arg::Json(j) => j,
            Arg::Ir(_) => unreachable!("made JSON above"),
        }
    }
}

impl Serialize for Arg<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Arg::Ir(v) => Tf(v).serialize(s),
            Arg::Json(j) => j.serialize(s),
        }
    }
}

/// A resource's arguments and blocks by name, in the order they are written.
type Body<'a> = BTreeMap<String, Arg<'a>>;

/// One member of an object: its argument or block name and its value.
fn member<'a>(k: &str, v: &'a Value) -> (String, Arg<'a>) {
    let key = snake_case(k);
    // `tags` and Cloud Map `attributes` are maps, not lists of key/value pairs.
    if key == "attributes" || key == "tags" {
        if let Value::List(items) = v {
            return (key, Arg::Json(key_value_map(items)));
        }
    }
    let is_block_list =
        matches!(v, Value::List(items) if items.iter().all(|i| matches!(i, Value::Map(_))));
    let key = match singular(&key) {
        Some(s) if is_block_list => s.to_owned(),
        _ => key,
    };
    (key, Arg::Ir(v))
}

/// `[{Name, Value}]` (an API's name/value pairs, not tags' `Key`) → `{ name = value }`.
fn name_value_map(items: &[Value]) -> Json {
    let map: Map<String, Json> = items
        .iter()
        .filter_map(|i| match i {
            Value::Map(kv) => match (kv.get("Name"), kv.get("Value")) {
                (Some(Value::Str(k)), Some(v)) => Some((k.clone(), value(v))),
                _ => None,
            },
            _ => None,
        })
        .collect();
    Json::Object(map)
}

fn key_value_map(items: &[Value]) -> Json {
    let mut m = Map::new();
    for i in items {
        if let Value::Map(kv) = i {
            if let (Some(Value::Str(k)), Some(v)) = (kv.get("Key"), kv.get("Value")) {
                m.insert(k.clone(), value(v));
            }
        }
    }
    Json::Object(m)
}

fn render(plan: &Plan, version: &str, spec_file: &str, folder: &str) -> Rendered {
    let mut files = Rendered::new();

    files.insert("main.tf.json".into(), main_tf(plan));

    // variables.tf.json
    let mut vars = Map::new();
    for (name, p) in &plan.params {
        let mut v = Map::new();
        v.insert("type".into(), json!(variable_type(p.ty)));
        v.insert("description".into(), json!(p.description));
        if let Some(d) = &p.default {
            v.insert("default".into(), json!(d));
        }
        if p.ty == ParamType::VpcId {
            v.insert(
                "validation".into(),
                json!([{
                    "condition": format!("${{can(regex(\"^vpc-[0-9a-f]+$\", var.{name}))}}"),
                    "error_message": format!("{name} must be a VPC ID such as vpc-0123456789abcdef0."),
                }]),
            );
        }
        if let ParamType::Matching(pattern) = p.ty {
            v.insert(
                "validation".into(),
                json!([{
                    "condition": format!("${{can(regex({}, var.{name}))}}", hcl_string(pattern.regex)),
                    "error_message": escape(pattern.message),
                }]),
            );
        }
        vars.insert(name.clone(), Json::Object(v));
    }
    let kube = plan.kube.as_ref().and_then(kubernetes::render);
    if kube.is_some() {
        vars.insert(
            CREATE_KUBERNETES_OBJECTS.into(),
            json!({
                "type": "bool",
                "description": kubernetes::variable_description(),
                "default": false,
            }),
        );
    }
    files.insert(
        "variables.tf.json".into(),
        to_json_text(&labelled_blocks("variable", vars, "input variables")),
    );

    // outputs.tf.json: grouped outputs become one map output each.
    let mut outputs = Map::new();
    let mut groups: BTreeMap<&str, (Map<String, Json>, &str)> = BTreeMap::new();
    for (name, o) in &plan.outputs {
        match &o.group {
            Some((g, member)) => {
                let entry = groups
                    .entry(g.as_str())
                    .or_insert_with(|| (Map::new(), g.as_str()));
                entry.0.insert(member.clone(), value(&o.value));
            }
            None => {
                outputs.insert(
                    name.clone(),
                    json!({ "description": o.description, "value": value(&o.value) }),
                );
            }
        }
    }
    for (g, (members, _)) in groups {
        outputs.insert(
            g.to_owned(),
            json!({ "description": group_description(g), "value": Json::Object(members) }),
        );
    }
    files.insert(
        "outputs.tf.json".into(),
        to_json_text(&labelled_blocks("output", outputs, "outputs")),
    );

    // versions.tf.json: the one place the tool version is written.
    let mut providers = Map::new();
    providers.insert(
        "aws".into(),
        json!({ "source": "hashicorp/aws", "version": AWS_PROVIDER_VERSION }),
    );
    if let Some(k) = &kube {
        providers.insert(
            "kubernetes".into(),
            json!({ "source": "hashicorp/kubernetes", "version": kubernetes::KUBERNETES_PROVIDER_VERSION }),
        );
        files.insert(kubernetes::FILE.into(), to_json_text(k));
    }
    files.insert(
        "versions.tf.json".into(),
        to_json_text(&json!({
            "//": format!("Generated by meshsynth {version} from {spec_file}; edit the spec and run `meshsynth synth` instead of this module."),
            "terraform": {
                "required_version": TERRAFORM_VERSION,
                "required_providers": providers,
            }
        })),
    );

    files.insert("README.md".into(), readme::render(plan, spec_file, folder));
    files
}

/// One resource's body: its arguments and blocks, tags and the dependencies its references do
/// not imply.
fn resource_body<'a>(plan: &Plan, r: &'a Resource) -> Body<'a> {
    let id = &r.id;
    let info = id.kind.info();
    let mut body = Body::new();
    for (k, v) in &r.props {
        let key = match info.name {
            Some(name) if name.property == k.as_ref() => name.tf_argument.to_owned(),
            _ => snake_case(k),
        };
        body.insert(key, member(k, v).1);
    }
    adapt(id.kind, &r.props, &mut body);
    if !r.tags.is_empty() && info.taggable {
        body.insert(
            "tags".into(),
            Arg::Json(json!(r
                .tags
                .iter()
                .map(|(k, v)| (k.clone(), json!(escape(v))))
                .collect::<Map<_, _>>())),
        );
    }
    let deps: Vec<String> = plan.extra_depends_on(id).map(address).collect();
    if !deps.is_empty() {
        body.insert("depends_on".into(), Arg::Json(json!(deps)));
    }
    body
}

/// `main.tf.json`, written resource by resource: the module of a large mesh is tens of
/// megabytes, and one `serde_json::Value` of it several times that.
fn main_tf(plan: &Plan) -> String {
    let pseudos = &plan.index().pseudos;
    let mut order: Vec<(&'static str, String, &Resource)> = plan
        .resources
        .values()
        .map(|r| (r.id.kind.info().tf_type, tf_name(&r.id), r))
        .collect();
    order.sort_unstable_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let doc = MainTf {
        plan,
        pseudos,
        order,
    };
    // Room for the largest resources (task definitions, 4 KB); pages never written cost nothing, and
    // a buffer doubled at 30 MB would copy it all.
    let mut out = Vec::with_capacity(plan.resources.len() * 4096);
    doc.serialize(&mut serde_json::Serializer::pretty(&mut out))
        .expect("JSON values always serialize");
    out.push(b'\n');
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

struct MainTf<'a> {
    plan: &'a Plan,
    pseudos: &'a BTreeSet<Pseudo>,
    /// Resources by Terraform type, then name: the order of `resource`'s blocks.
    order: Vec<(&'static str, String, &'a Resource)>,
}

impl Serialize for MainTf<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if self.order.is_empty() {
            m.serialize_entry("//", "This module creates no resources.")?;
        }
        if !self.pseudos.is_empty() {
            let data: BTreeMap<&str, Json> = self
                .pseudos
                .iter()
                .map(|p| {
                    let ty = match p {
                        Pseudo::Region => "aws_region",
                        Pseudo::AccountId => "aws_caller_identity",
                        Pseudo::Partition => "aws_partition",
                    };
                    (ty, json!({ "current": {} }))
                })
                .collect();
            m.serialize_entry("data", &data)?;
        }
        if !self.order.is_empty() {
            m.serialize_entry("resource", &ByType(self))?;
        }
        m.end()
    }
}

/// `resource`: one object per Terraform type.
struct ByType<'a>(&'a MainTf<'a>);

impl Serialize for ByType<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        for group in self.0.order.chunk_by(|a, b| a.0 == b.0) {
            m.serialize_entry(group[0].0, &OfType(self.0.plan, group))?;
        }
        m.end()
    }
}

/// The resources of one type, each body built only while it is written.
struct OfType<'a>(&'a Plan, &'a [(&'static str, String, &'a Resource)]);

impl Serialize for OfType<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.1.len()))?;
        for (_, name, r) in self.1 {
            m.serialize_entry(name, &resource_body(self.0, r))?;
        }
        m.end()
    }
}

/// `{ "variable": { ... } }`, or only a comment when there are none: an empty object there is a
/// block without a label, which Terraform rejects.
fn labelled_blocks(kind: &str, blocks: Map<String, Json>, what: &str) -> Json {
    if blocks.is_empty() {
        json!({ "//": format!("This module has no {what}.") })
    } else {
        json!({ kind: blocks })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `hcl_string` was before it was written in one pass: serde_json's quoting, then the
    /// template sequences doubled.
    fn reference(s: &str) -> String {
        serde_json::to_string(s)
            .unwrap()
            .replace("${", "$${")
            .replace("%{", "%%{")
    }

    #[test]
    fn hcl_strings_quote_as_json_and_escape_templates() {
        for s in [
            "",
            "plain",
            "a\"b\\c",
            "line\nnext\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}",
            "${var.x} %{ if } $${x} %%{x} $%{ %${ $ % { }",
            "unicode é ✓ 🚀",
            "\\${",
        ] {
            assert_eq!(hcl_string(s), reference(s), "{s:?}");
        }
        assert_eq!(escape("a ${b} %{c}"), "a $${b} %%{c}");
        assert_eq!(escape("plain"), "plain");
    }
}
