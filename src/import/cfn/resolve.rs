//! CloudFormation's intrinsic functions, evaluated as far as the files and the command line
//! allow: parameters (their `Default` or `--parameter`), pseudo parameters, `Conditions`,
//! `Mappings`, `Fn::Sub`/`Join`/`Select`/`Split`/`If`/`FindInMap`/`ImportValue`, and `Ref` and
//! `Fn::GetAtt` between the resources of the file. A resource's name resolves to the string;
//! an ID or ARN becomes a [`model::reference`]; what only deploy time knows becomes a
//! [`model::unknown`] naming the flag that supplies it.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::read::{Node, MAX_DEPTH, V};
use crate::diagnostic::Location;
use crate::import::model::{self, as_reference, as_unknown, ImportError, Supplied};

/// The `*Name` attributes of App Mesh resources, which read the property of the same name.
const APPMESH_NAMES: &[&str] = &[
    "MeshName",
    "VirtualNodeName",
    "VirtualRouterName",
    "RouteName",
    "VirtualServiceName",
    "VirtualGatewayName",
    "GatewayRouteName",
];

/// How many names a name may be read through (`Fn::GetAtt` of a name that is itself one).
const MAX_CHAIN: usize = 16;

pub struct Template<'a> {
    pub file: &'a str,
    pub parameters: BTreeMap<&'a str, &'a Node>,
    pub conditions: BTreeMap<&'a str, &'a Node>,
    pub mappings: Option<&'a Node>,
    pub resources: BTreeMap<&'a str, &'a Node>,
}

impl<'a> Template<'a> {
    pub fn new(file: &'a str, root: &'a Node) -> Self {
        let section = |name: &str| -> BTreeMap<&'a str, &'a Node> {
            root.get(name)
                .map(|n| n.entries().iter().map(|(k, v)| (k.as_str(), v)).collect())
                .unwrap_or_default()
        };
        Self {
            file,
            parameters: section("Parameters"),
            conditions: section("Conditions"),
            mappings: root.get("Mappings"),
            resources: section("Resources"),
        }
    }

    pub fn resource_type(&self, id: &str) -> Option<&'a str> {
        self.resources.get(id)?.get("Type")?.as_str()
    }
}

pub struct Resolver<'t, 'a> {
    pub t: &'t Template<'a>,
    pub supplied: &'t Supplied,
    pub exports: &'t BTreeMap<String, Value>,
    /// Where each property path was written, while a resource's properties are read.
    pub locations: BTreeMap<String, Location>,
    record: bool,
    /// The names being resolved through `Fn::GetAtt`, to refuse a cycle.
    resolving: Vec<String>,
    conditions: BTreeMap<String, Value>,
}

type R = Result<Option<Value>, ImportError>;

fn text_of(v: &Value) -> Result<String, Value> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(opaque(v)),
    }
}

/// What a value that is not text becomes where text is needed: an unknown that says why.
fn opaque(v: &Value) -> Value {
    if as_unknown(v).is_some() {
        return v.clone();
    }
    if let Some((id, attr)) = as_reference(v) {
        return model::unknown(
            format!("the {attr} of resource `{id}`, known only once the stack is deployed"),
            None,
        );
    }
    model::unknown("a list or mapping where text is needed", None)
}

impl<'t, 'a> Resolver<'t, 'a> {
    pub fn new(
        t: &'t Template<'a>,
        supplied: &'t Supplied,
        exports: &'t BTreeMap<String, Value>,
    ) -> Self {
        Self {
            t,
            supplied,
            exports,
            locations: BTreeMap::new(),
            record: false,
            resolving: Vec::new(),
            conditions: BTreeMap::new(),
        }
    }

    fn err(&self, at: Location, path: &str, message: impl Into<String>) -> ImportError {
        ImportError::new(self.t.file, Some(at), path, message)
    }

    /// A resource's `Properties`, with the location of each property recorded.
    pub fn properties(&mut self, id: &str, node: &Node) -> Result<Value, ImportError> {
        self.locations.clear();
        self.record = true;
        let out = self.eval(node, "", &format!("Resources.{id}.Properties"), 0);
        self.record = false;
        Ok(out?.unwrap_or(Value::Object(Map::new())))
    }

    /// Any value, without recording locations (outputs, names read through `Fn::GetAtt`).
    pub fn value(&mut self, node: &Node, path: &str) -> R {
        let record = std::mem::replace(&mut self.record, false);
        let out = self.eval(node, "", path, 0);
        self.record = record;
        out
    }

    /// `prop` is the property path recorded in `locations`; `path` the template path for errors.
    fn eval(&mut self, n: &Node, prop: &str, path: &str, depth: usize) -> R {
        if depth > MAX_DEPTH {
            return Err(self.err(n.at, path, "values nested too deep"));
        }
        if self.record && !prop.is_empty() {
            self.locations.insert(prop.to_owned(), n.at);
        }
        Ok(Some(match &n.v {
            V::Null => Value::Null,
            V::Bool(b) => Value::Bool(*b),
            V::Int(i) => Value::from(*i),
            V::Float(f) => f
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or_else(|| Value::String(f.clone()), Value::Number),
            V::Str(s) => Value::String(s.clone()),
            V::Seq(items) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let p = model::index_path(prop, out.len());
                    if let Some(v) = self.eval(item, &p, &format!("{path}[{i}]"), depth + 1)? {
                        out.push(v);
                    }
                }
                Value::Array(out)
            }
            V::Map(entries) => {
                if let [(k, arg)] = &entries[..] {
                    if k == "Ref" || k == "Condition" || k.starts_with("Fn::") {
                        return self.intrinsic(k, arg, n.at, prop, &format!("{path}.{k}"), depth);
                    }
                }
                let mut out = Map::new();
                for (k, v) in entries {
                    let p = model::prop_path(prop, k);
                    if let Some(v) = self.eval(v, &p, &format!("{path}.{k}"), depth + 1)? {
                        out.insert(k.clone(), v);
                    }
                }
                Value::Object(out)
            }
        }))
    }

    fn args<'n>(
        &self,
        arg: &'n Node,
        path: &str,
        f: &str,
        n: usize,
    ) -> Result<&'n [Node], ImportError> {
        match &arg.v {
            V::Seq(items) if items.len() == n || (f == "Fn::FindInMap" && items.len() == 4) => {
                Ok(items)
            }
            _ => Err(self
                .err(arg.at, path, format!("`{f}` takes a list of {n} values"))
                .help(format!("write `{f}: [{}]`", vec!["…"; n].join(", ")))),
        }
    }

    fn intrinsic(
        &mut self,
        f: &str,
        arg: &Node,
        at: Location,
        prop: &str,
        path: &str,
        depth: usize,
    ) -> R {
        let d = depth + 1;
        match f {
            "Ref" => {
                let name = self.string_arg(arg, path, d)?;
                Ok(self.reference(&name, at, path)?)
            }
            "Condition" => {
                let name = self.string_arg(arg, path, d)?;
                Ok(Some(self.condition(&name, at, path)?))
            }
            "Fn::GetAtt" => {
                let (res, attr) = match &arg.v {
                    V::Seq(items) if items.len() == 2 => (
                        self.string_arg(&items[0], path, d)?,
                        self.string_arg(&items[1], path, d)?,
                    ),
                    V::Str(s) => match s.split_once('.') {
                        Some((a, b)) => (a.to_owned(), b.to_owned()),
                        None => (s.clone(), String::new()),
                    },
                    _ => {
                        return Err(self.err(
                            arg.at,
                            path,
                            "`Fn::GetAtt` takes [resource, attribute]",
                        ))
                    }
                };
                Ok(Some(self.get_att(&res, &attr, at, path)?))
            }
            "Fn::Sub" => self.sub(arg, path, d).map(Some),
            "Fn::Join" => {
                let a = self.args(arg, path, f, 2)?;
                let delim = self.string_arg(&a[0], path, d)?;
                let Some(list) = self.eval(&a[1], "", path, d)? else {
                    return Ok(None);
                };
                let Value::Array(items) = list else {
                    return Ok(Some(opaque(&list)));
                };
                let mut parts = Vec::new();
                for i in &items {
                    match text_of(i) {
                        Ok(s) => parts.push(s),
                        Err(u) => return Ok(Some(u)),
                    }
                }
                Ok(Some(Value::String(parts.join(&delim))))
            }
            "Fn::Select" => {
                let a = self.args(arg, path, f, 2)?;
                let Some(i) = self.eval(&a[0], "", path, d)? else {
                    return Ok(None);
                };
                let index = match text_of(&i).map(|s| s.parse::<usize>()) {
                    Ok(Ok(i)) => i,
                    Ok(Err(_)) => {
                        return Err(self.err(
                            a[0].at,
                            path,
                            "`Fn::Select`'s index is not a whole number",
                        ))
                    }
                    Err(u) => return Ok(Some(u)),
                };
                match self.eval(&a[1], "", path, d)? {
                    Some(Value::Array(items)) => match items.get(index) {
                        Some(v) => Ok(Some(v.clone())),
                        None => Err(self.err(
                            at,
                            path,
                            format!(
                                "`Fn::Select` index {index} is past the end of a list of {}",
                                items.len()
                            ),
                        )),
                    },
                    Some(other) => Ok(Some(opaque(&other))),
                    None => Ok(None),
                }
            }
            "Fn::Split" => {
                let a = self.args(arg, path, f, 2)?;
                let delim = self.string_arg(&a[0], path, d)?;
                let Some(s) = self.eval(&a[1], "", path, d)? else {
                    return Ok(None);
                };
                match text_of(&s) {
                    Ok(s) if !delim.is_empty() => Ok(Some(Value::Array(
                        s.split(delim.as_str())
                            .map(|p| Value::String(p.to_owned()))
                            .collect(),
                    ))),
                    Ok(_) => Err(self.err(a[0].at, path, "`Fn::Split` with an empty delimiter")),
                    Err(u) => Ok(Some(u)),
                }
            }
            "Fn::FindInMap" => {
                let a = self.args(arg, path, f, 3)?;
                let mut keys = Vec::new();
                for k in &a[..3] {
                    let Some(v) = self.eval(k, "", path, d)? else {
                        return Ok(None);
                    };
                    match text_of(&v) {
                        Ok(s) => keys.push(s),
                        Err(u) => return Ok(Some(u)),
                    }
                }
                let found = self
                    .t
                    .mappings
                    .and_then(|m| m.get(&keys[0]))
                    .and_then(|m| m.get(&keys[1]))
                    .and_then(|m| m.get(&keys[2]));
                match (found, a.get(3).and_then(|o| o.get("DefaultValue"))) {
                    (Some(v), _) => self.eval(v, prop, path, d),
                    (None, Some(default)) => self.eval(default, prop, path, d),
                    (None, None) => Err(self
                        .err(at, path, format!("`Fn::FindInMap` finds no `{}` → `{}` → `{}` in `Mappings`", keys[0], keys[1], keys[2]))
                        .help("check the map's keys; a value that comes from a parameter can be given with --parameter NAME=VALUE")),
                }
            }
            "Fn::If" => {
                let a = self.args(arg, path, f, 3)?;
                let name = self.string_arg(&a[0], path, d)?;
                match self.condition(&name, a[0].at, path)? {
                    Value::Bool(true) => self.eval(&a[1], prop, &format!("{path}[1]"), d),
                    Value::Bool(false) => self.eval(&a[2], prop, &format!("{path}[2]"), d),
                    other => Ok(Some(other)),
                }
            }
            "Fn::Equals" => {
                let a = self.args(arg, path, f, 2)?;
                let l = self.eval(&a[0], "", path, d)?.unwrap_or(Value::Null);
                let r = self.eval(&a[1], "", path, d)?.unwrap_or(Value::Null);
                match (text_of(&l), text_of(&r)) {
                    (Ok(l), Ok(r)) => Ok(Some(Value::Bool(l == r))),
                    (Err(u), _) | (_, Err(u)) => Ok(Some(u)),
                }
            }
            "Fn::Not" | "Fn::And" | "Fn::Or" => {
                let V::Seq(items) = &arg.v else {
                    return Err(self.err(
                        arg.at,
                        path,
                        format!("`{f}` takes a list of conditions"),
                    ));
                };
                let mut bools = Vec::new();
                for i in items {
                    match self.eval(i, "", path, d)? {
                        Some(Value::Bool(b)) => bools.push(b),
                        Some(u) if as_unknown(&u).is_some() => return Ok(Some(u)),
                        _ => {
                            return Err(self.err(
                                i.at,
                                path,
                                format!("`{f}` takes conditions (`Condition`, `Fn::Equals`, …)"),
                            ))
                        }
                    }
                }
                Ok(Some(Value::Bool(match f {
                    "Fn::Not" => !bools.first().copied().unwrap_or(false),
                    "Fn::And" => bools.iter().all(|b| *b),
                    _ => bools.iter().any(|b| *b),
                })))
            }
            "Fn::ImportValue" => {
                let Some(name) = self.eval(arg, "", path, d)? else {
                    return Ok(None);
                };
                let name = match text_of(&name) {
                    Ok(s) => s,
                    Err(u) => return Ok(Some(u)),
                };
                if let Some(v) = self.supplied.import_values.get(&name) {
                    return Ok(Some(Value::String(v.clone())));
                }
                if let Some(v) = self.exports.get(&name) {
                    return Ok(Some(v.clone()));
                }
                Ok(Some(model::unknown(
                    format!("`Fn::ImportValue` of `{name}`, an export of another stack that no given file defines"),
                    Some(format!("--import-value '{name}=VALUE'")),
                )))
            }
            _ => Ok(Some(model::unknown(
                format!("`{f}` is computed by CloudFormation at deploy time"),
                None,
            ))),
        }
    }

    /// An argument that must be literal text (a logical ID, a condition name, a delimiter).
    fn string_arg(&mut self, n: &Node, path: &str, depth: usize) -> Result<String, ImportError> {
        match &n.v {
            V::Str(s) => Ok(s.clone()),
            V::Int(i) => Ok(i.to_string()),
            _ => match self.eval(n, "", path, depth)? {
                Some(Value::String(s)) => Ok(s),
                _ => Err(self.err(n.at, path, "expected a name here")),
            },
        }
    }

    pub fn condition(
        &mut self,
        name: &str,
        at: Location,
        path: &str,
    ) -> Result<Value, ImportError> {
        if let Some(v) = self.conditions.get(name) {
            return Ok(v.clone());
        }
        let Some(node) = self.t.conditions.get(name).copied() else {
            return Err(self
                .err(
                    at,
                    path,
                    format!("condition `{name}` is not defined in `Conditions`"),
                )
                .help(
                    crate::diagnostic::did_you_mean(name, self.t.conditions.keys().copied())
                        .unwrap_or_default(),
                ));
        };
        if self.resolving.iter().any(|r| r == name) {
            return Err(self.err(at, path, format!("condition `{name}` depends on itself")));
        }
        self.resolving.push(name.to_owned());
        let v = self.value(node, &format!("Conditions.{name}"));
        self.resolving.pop();
        let v = v?.unwrap_or(Value::Bool(false));
        self.conditions.insert(name.to_owned(), v.clone());
        Ok(v)
    }

    fn parameter(&self, name: &str) -> Option<Value> {
        let node = self.t.parameters.get(name)?;
        let ty = node.get("Type").and_then(Node::as_str).unwrap_or("String");
        let list = ty.starts_with("List<") || ty == "CommaDelimitedList";
        let as_list = |s: &str| {
            Value::Array(
                s.split(',')
                    .map(|p| Value::String(p.trim().to_owned()))
                    .collect(),
            )
        };
        if let Some(v) = self.supplied.parameters.get(name) {
            return Some(if list {
                as_list(v)
            } else {
                Value::String(v.clone())
            });
        }
        let flag = Some(format!("--parameter {name}=VALUE"));
        if ty.starts_with("AWS::SSM::Parameter::Value") {
            return Some(model::unknown(
                format!("parameter `{name}`, which CloudFormation reads from SSM Parameter Store at deploy time"),
                flag,
            ));
        }
        Some(match node.get("Default").map(|d| &d.v) {
            Some(V::Str(s)) if list => as_list(s),
            Some(V::Str(s)) => Value::String(s.clone()),
            Some(V::Int(i)) => Value::String(i.to_string()),
            Some(V::Float(f)) => Value::String(f.clone()),
            Some(V::Bool(b)) => Value::String(b.to_string()),
            _ => model::unknown(format!("parameter `{name}`, which has no `Default`"), flag),
        })
    }

    fn pseudo(&self, name: &str) -> Option<Option<Value>> {
        if name == "AWS::NoValue" {
            return Some(None);
        }
        if let Some(v) = self.supplied.parameters.get(name) {
            return Some(Some(Value::String(v.clone())));
        }
        let known = match name {
            // The standard partition and its suffix; other partitions pass --parameter.
            "AWS::Partition" => Some("aws"),
            "AWS::URLSuffix" => Some("amazonaws.com"),
            "AWS::Region"
            | "AWS::AccountId"
            | "AWS::StackName"
            | "AWS::StackId"
            | "AWS::NotificationARNs" => None,
            _ => return None,
        };
        Some(Some(match known {
            Some(k) => Value::String(k.to_owned()),
            None => model::unknown(
                format!("the pseudo parameter `{name}`, known only at deploy time"),
                Some(format!("--parameter {name}=VALUE")),
            ),
        }))
    }

    fn reference(&mut self, name: &str, at: Location, path: &str) -> R {
        if let Some(v) = self.pseudo(name) {
            return Ok(v);
        }
        if let Some(v) = self.parameter(name) {
            return Ok(Some(v));
        }
        let Some(ty) = self.t.resource_type(name) else {
            let known = self
                .t
                .parameters
                .keys()
                .chain(self.t.resources.keys())
                .copied();
            return Err(self
                .err(at, path, format!("`Ref` to `{name}`, which is neither a parameter nor a resource of this template"))
                .help(crate::diagnostic::did_you_mean(name, known).unwrap_or_else(|| "declare it under `Parameters` or `Resources`".into())));
        };
        Ok(Some(match ty {
            "AWS::Route53::RecordSet" => return self.property(name, "Name", at, path),
            t if t.starts_with("AWS::AppMesh::") || t.starts_with("AWS::ECS::") => {
                model::reference(name, "Arn")
            }
            t if t.starts_with("AWS::ServiceDiscovery::") => model::reference(name, "Id"),
            _ => model::reference(name, "Ref"),
        }))
    }

    fn get_att(
        &mut self,
        res: &str,
        attr: &str,
        at: Location,
        path: &str,
    ) -> Result<Value, ImportError> {
        // `--parameter Resource.Attribute=VALUE` supplies what only deploy time knows.
        if let Some(v) = self.supplied.parameters.get(&format!("{res}.{attr}")) {
            return Ok(Value::String(v.clone()));
        }
        let Some(ty) = self.t.resource_type(res) else {
            return Err(self
                .err(
                    at,
                    path,
                    format!("`Fn::GetAtt` of `{res}`, which is not a resource of this template"),
                )
                .help(
                    crate::diagnostic::did_you_mean(res, self.t.resources.keys().copied())
                        .unwrap_or_else(|| "check the logical ID".into()),
                ));
        };
        let by_name = (ty.starts_with("AWS::AppMesh::") && APPMESH_NAMES.contains(&attr))
            || (ty.starts_with("AWS::ServiceDiscovery::") && attr == "Name")
            || (ty.starts_with("AWS::AppMesh::")
                && attr == "MeshOwner"
                && self.has_property(res, "MeshOwner"));
        if by_name {
            return Ok(self.property(res, attr, at, path)?.unwrap_or(Value::Null));
        }
        Ok(model::reference(res, attr))
    }

    fn has_property(&self, res: &str, prop: &str) -> bool {
        self.t
            .resources
            .get(res)
            .and_then(|r| r.get("Properties"))
            .and_then(|p| p.get(prop))
            .is_some()
    }

    /// A property of another resource, for `Fn::GetAtt` of a name.
    fn property(&mut self, res: &str, prop: &str, at: Location, path: &str) -> R {
        let key = format!("{res}.{prop}");
        if self.resolving.contains(&key) {
            return Err(self.err(at, path, format!("`{key}` depends on itself")));
        }
        // Each step recurses; no real template chains names this deep.
        if self.resolving.len() >= MAX_CHAIN {
            return Err(self.err(
                at,
                path,
                format!(
                    "`{key}` is read through more than {MAX_CHAIN} `Fn::GetAtt`s of names in a row"
                ),
            ));
        }
        let Some(node) = self
            .t
            .resources
            .get(res)
            .and_then(|r| r.get("Properties"))
            .and_then(|p| p.get(prop))
        else {
            return Ok(Some(model::unknown(
                format!("`{key}`: the resource sets no `{prop}`, so CloudFormation generates it"),
                None,
            )));
        };
        self.resolving.push(key);
        let v = self.value(node, &format!("Resources.{res}.Properties.{prop}"));
        self.resolving.pop();
        v
    }

    fn sub(&mut self, arg: &Node, path: &str, depth: usize) -> Result<Value, ImportError> {
        let (template, vars) = match &arg.v {
            V::Str(s) => (s.clone(), None),
            V::Seq(items) if items.len() == 2 => {
                (self.string_arg(&items[0], path, depth)?, Some(&items[1]))
            }
            _ => {
                return Err(self.err(
                    arg.at,
                    path,
                    "`Fn::Sub` takes a string, or [string, {variables}]",
                ))
            }
        };
        let mut out = String::new();
        let mut rest = template.as_str();
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(end) = after.find('}') else {
                return Err(self.err(
                    arg.at,
                    path,
                    format!("`Fn::Sub` has a `${{` without `}}` in `{template}`"),
                ));
            };
            let var = &after[..end];
            rest = &after[end + 1..];
            if let Some(lit) = var.strip_prefix('!') {
                out.push_str("${");
                out.push_str(lit);
                out.push('}');
                continue;
            }
            let var = var.trim();
            let value = if let Some(n) = vars.and_then(|v| v.get(var)) {
                self.eval(n, "", path, depth)?
            } else if self.pseudo(var).is_some()
                || self.t.parameters.contains_key(var)
                || self.t.resources.contains_key(var)
            {
                self.reference(var, arg.at, path)?
            } else if let Some((res, attr)) = var.split_once('.') {
                Some(self.get_att(res, attr, arg.at, path)?)
            } else {
                return Err(self
                    .err(arg.at, path, format!("`Fn::Sub` reads `${{{var}}}`, which is neither a parameter, a resource nor a variable of the `Fn::Sub`"))
                    .help("write `${!Name}` for a literal `${Name}`"));
            };
            match value.as_ref().map(text_of) {
                Some(Ok(s)) => out.push_str(&s),
                Some(Err(u)) => return Ok(u),
                None => {}
            }
        }
        out.push_str(rest);
        Ok(Value::String(out))
    }
}
