//! Evaluates a Terraform module's expressions statically: variables (defaults or
//! `--parameter`), locals, templates, operators, a set of functions, `count`/`for_each`,
//! `dynamic` blocks, and references to the module's own resources. What cannot be known before
//! `terraform apply` becomes a marked value: a deploy-time attribute of a resource of the module
//! ([`Val::Ref`]) or an unknown with the reason ([`Val::Unknown`]); operations on those give
//! unknowns, so a reader never guesses.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{json, Value as Json};

use super::ast::{self, BinOp, Body, Expr, Item, Kind, Op, Part};
use crate::diagnostic::Location;
use crate::import::model::{self, ImportError, Supplied};

/// How long a collection a reader builds at most (`range`, `count`, ...): a guard against
/// inputs that would take all memory.
const MAX_ITEMS: usize = 10_000;
/// How deep evaluation may recurse (expressions inside references inside expressions).
const MAX_DEPTH: usize = 160;
/// How many expressions a module's evaluation may take: a guard against `for` expressions
/// that would run for hours.
const MAX_STEPS: u64 = 5_000_000;
/// How much value a module's evaluation may produce (list and map elements plus string bytes,
/// counted at every expression): a guard against values that double at each step.
const MAX_WEIGHT: usize = 20_000_000;

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    List(Vec<Val>),
    Map(BTreeMap<String, Val>),
    /// A deploy-time attribute of a resource of the module: (address, CloudFormation-style
    /// attribute name).
    Ref(String, String),
    /// Cannot be known statically: what and why, and the flag that can supply it.
    Unknown(String, Option<String>),
    /// A resource of the module (its attributes are read lazily).
    Res(Handle),
    /// `jsonencode(value)`: JSON text, kept as the value so that readers can look inside.
    Json(Box<Val>),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Handle {
    pub ty: String,
    pub name: String,
    pub key: Option<Key>,
}

/// A `count` index or a `for_each` key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    Int(usize),
    Str(String),
}

impl Handle {
    pub fn base(&self) -> String {
        format!("{}.{}", self.ty, self.name)
    }

    pub fn address(&self) -> String {
        match &self.key {
            None => self.base(),
            Some(k) => format!("{}{}", self.base(), key_suffix(k)),
        }
    }
}

pub fn key_suffix(k: &Key) -> String {
    match k {
        Key::Int(i) => format!("[{i}]"),
        Key::Str(s) => format!("[{}]", serde_json::to_string(s).unwrap_or_default()),
    }
}

/// The instances of a resource.
#[derive(Debug, Clone)]
pub enum Instances {
    Single,
    Count(usize),
    Each(Vec<(String, Val)>),
}

impl Instances {
    pub fn keys(&self) -> Vec<Option<Key>> {
        match self {
            Instances::Single => vec![None],
            Instances::Count(n) => (0..*n).map(|i| Some(Key::Int(i))).collect(),
            Instances::Each(kv) => kv.iter().map(|(k, _)| Some(Key::Str(k.clone()))).collect(),
        }
    }
}

fn unknown(what: impl Into<String>) -> Val {
    Val::Unknown(what.into(), None)
}

/// The reason a reference is not known statically.
pub fn ref_why(id: &str, attr: &str) -> String {
    format!("the {attr} of `{id}` is known only after deploy")
}

impl Val {
    /// The unknown this value stands for when an operation needs it known.
    fn as_unknown(&self) -> Option<Val> {
        match self {
            Val::Unknown(..) => Some(self.clone()),
            Val::Ref(id, attr) => Some(unknown(ref_why(id, attr))),
            Val::Res(h) => Some(unknown(format!(
                "`{}` is a whole resource, not a value",
                h.address()
            ))),
            _ => None,
        }
    }

    /// The first unknown anywhere inside.
    fn deep_unknown(&self) -> Option<Val> {
        match self {
            Val::List(xs) => xs.iter().find_map(Val::deep_unknown),
            Val::Map(m) => m.values().find_map(Val::deep_unknown),
            Val::Json(v) => v.deep_unknown(),
            other => other.as_unknown(),
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "a bool",
            Val::Num(_) => "a number",
            Val::Str(_) | Val::Json(_) => "a string",
            Val::List(_) => "a list",
            Val::Map(_) => "an object",
            Val::Ref(..) | Val::Unknown(..) => "unknown",
            Val::Res(_) => "a resource",
        }
    }
}

pub fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// A value as the JSON a reader hands on (references and unknowns as [`model`] markers).
pub fn to_json(v: &Val) -> Json {
    match v {
        Val::Null => Json::Null,
        Val::Bool(b) => json!(b),
        Val::Num(x) => num_json(*x),
        Val::Str(s) => json!(s),
        Val::List(xs) => Json::Array(xs.iter().map(to_json).collect()),
        Val::Map(m) => Json::Object(
            m.iter()
                .filter(|(_, v)| !matches!(v, Val::Null))
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect(),
        ),
        Val::Ref(id, attr) => model::reference(id, attr),
        Val::Unknown(what, flag) => model::unknown(what.clone(), flag.clone()),
        Val::Res(h) => model::unknown(
            format!("`{}` is a whole resource, not a value", h.address()),
            None,
        ),
        Val::Json(inner) => match to_string(v) {
            Ok(s) => json!(s),
            Err(_) => match inner.deep_unknown() {
                Some(Val::Unknown(w, f)) => model::unknown(
                    format!("a jsonencode(...) of a value not known statically: {w}"),
                    f,
                ),
                _ => model::unknown("a jsonencode(...) of a value not known statically", None),
            },
        },
    }
}

pub fn num_json(x: f64) -> Json {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        json!(x as i64)
    } else {
        serde_json::Number::from_f64(x)
            .map(Json::Number)
            .unwrap_or(Json::Null)
    }
}

/// A known value as JSON (for `jsonencode`), or the unknown that keeps it from being one.
fn plain_json(v: &Val) -> Result<Json, Val> {
    Ok(match v {
        Val::Null => Json::Null,
        Val::Bool(b) => json!(b),
        Val::Num(x) => num_json(*x),
        Val::Str(s) => json!(s),
        Val::List(xs) => Json::Array(xs.iter().map(plain_json).collect::<Result<_, _>>()?),
        Val::Map(m) => Json::Object(
            m.iter()
                .map(|(k, v)| Ok((k.clone(), plain_json(v)?)))
                .collect::<Result<_, Val>>()?,
        ),
        Val::Json(_) => json!(to_string(v)?),
        other => return Err(other.as_unknown().unwrap_or_else(|| unknown("not a value"))),
    })
}

pub fn from_json(j: &Json) -> Val {
    match j {
        Json::Null => Val::Null,
        Json::Bool(b) => Val::Bool(*b),
        Json::Number(n) => Val::Num(n.as_f64().unwrap_or(0.0)),
        Json::String(s) => Val::Str(s.clone()),
        Json::Array(xs) => Val::List(xs.iter().map(from_json).collect()),
        Json::Object(m) => Val::Map(m.iter().map(|(k, v)| (k.clone(), from_json(v))).collect()),
    }
}

/// A value in a string context (templates, `join`, string functions).
pub fn to_string(v: &Val) -> Result<String, Val> {
    match v {
        Val::Str(s) => Ok(s.clone()),
        Val::Num(x) => Ok(fmt_num(*x)),
        Val::Bool(b) => Ok(b.to_string()),
        Val::Json(inner) => Ok(plain_json(inner)?.to_string()),
        Val::Null => Err(unknown("a null value where a string is needed")),
        Val::List(_) | Val::Map(_) => Err(unknown(format!(
            "{} where a string is needed",
            v.type_name()
        ))),
        other => Err(other
            .as_unknown()
            .unwrap_or_else(|| unknown("not a string"))),
    }
}

fn to_num(v: &Val) -> Result<f64, Val> {
    match v {
        Val::Num(x) => Ok(*x),
        Val::Str(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| unknown(format!("`{s}` is not a number"))),
        other => Err(other
            .as_unknown()
            .unwrap_or_else(|| unknown(format!("{} where a number is needed", other.type_name())))),
    }
}

fn to_bool(v: &Val) -> Result<bool, Val> {
    match v {
        Val::Bool(b) => Ok(*b),
        Val::Str(s) if s == "true" => Ok(true),
        Val::Str(s) if s == "false" => Ok(false),
        other => Err(other
            .as_unknown()
            .unwrap_or_else(|| unknown(format!("{} where a bool is needed", other.type_name())))),
    }
}

/// Elements of a collection: a list's, or an object's values (keys sorted).
fn elements(v: &Val) -> Result<Vec<Val>, Val> {
    match v {
        Val::List(xs) => Ok(xs.clone()),
        Val::Map(m) => Ok(m.values().cloned().collect()),
        other => Err(other
            .as_unknown()
            .unwrap_or_else(|| unknown(format!("{} where a list is needed", other.type_name())))),
    }
}

fn list_of(v: &Val) -> Result<Vec<Val>, Val> {
    match v {
        Val::List(xs) => Ok(xs.clone()),
        other => Err(other
            .as_unknown()
            .unwrap_or_else(|| unknown(format!("{} where a list is needed", other.type_name())))),
    }
}

fn map_of(v: &Val) -> Result<BTreeMap<String, Val>, Val> {
    match v {
        Val::Map(m) => Ok(m.clone()),
        Val::Null => Ok(BTreeMap::new()),
        other => Err(other
            .as_unknown()
            .unwrap_or_else(|| unknown(format!("{} where a map is needed", other.type_name())))),
    }
}

/// Structural equality, or the unknown that keeps it from being decided.
fn equal(a: &Val, b: &Val) -> Result<bool, Val> {
    if let Some(u) = a.deep_unknown().or_else(|| b.deep_unknown()) {
        return Err(u);
    }
    Ok(match (a, b) {
        (Val::Json(_), _) | (_, Val::Json(_)) => to_string(a)? == to_string(b)?,
        _ => a == b,
    })
}

// ----- the module -----

pub struct FileInfo {
    pub path: String,
    /// The directory `file()` and `templatefile()` paths are relative to.
    pub dir: std::path::PathBuf,
}

pub struct VarDecl {
    pub file: usize,
    pub default: Option<Expr>,
    pub ty: String,
}

pub struct ResDecl {
    pub file: usize,
    pub body: Body,
    pub loc: Option<Location>,
}

#[derive(Default)]
pub struct Module {
    pub files: Vec<FileInfo>,
    pub vars: BTreeMap<String, VarDecl>,
    pub locals: BTreeMap<String, (usize, Expr, Option<Location>)>,
    pub resources: BTreeMap<(String, String), ResDecl>,
    /// Data sources: only `template_file` is read (its `rendered`), the others are unknown.
    pub data: BTreeMap<(String, String), (usize, Body)>,
    pub modules: BTreeSet<String>,
}

/// What an expression sees besides the module.
#[derive(Clone)]
pub struct Scope {
    pub file: usize,
    /// `for` variables, `dynamic` iterators, `templatefile` variables.
    pub vars: Vec<(String, Val)>,
    pub count: Option<Val>,
    pub each: Option<(Val, Val)>,
    /// A `templatefile` template sees only its own variables.
    pub isolated: bool,
}

impl Scope {
    pub fn module(file: usize) -> Scope {
        Scope {
            file,
            vars: Vec::new(),
            count: None,
            each: None,
            isolated: false,
        }
    }

    fn with(&self, name: &str, v: Val) -> Scope {
        let mut s = self.clone();
        s.vars.push((name.to_owned(), v));
        s
    }
}

pub struct Eval<'m> {
    pub m: &'m Module,
    supplied: &'m Supplied,
    locals: HashMap<String, Val>,
    items: HashMap<(String, String), Option<Val>>,
    instances: HashMap<(String, String), Result<Instances, Val>>,
    stack: Vec<String>,
    depth: usize,
    steps: u64,
    weight: usize,
    /// While `container_definitions` is read: the values of interpolations not known
    /// statically, written into the JSON text as [`hole`]s so that the rest stays readable.
    holes: Option<Vec<Val>>,
    pub errors: Vec<ImportError>,
    /// Per resource instance address: TF property path → where it is written.
    pub locs: HashMap<String, BTreeMap<String, Location>>,
}

/// Top-level keys of a resource body that are not its arguments.
pub const META: &[&str] = &[
    "count",
    "for_each",
    "depends_on",
    "provider",
    "lifecycle",
    "provisioner",
    "connection",
];

impl<'m> Eval<'m> {
    pub fn new(m: &'m Module, supplied: &'m Supplied) -> Eval<'m> {
        Eval {
            m,
            supplied,
            locals: HashMap::new(),
            items: HashMap::new(),
            instances: HashMap::new(),
            stack: Vec::new(),
            depth: 0,
            steps: 0,
            weight: 0,
            holes: None,
            errors: Vec::new(),
            locs: HashMap::new(),
        }
    }

    fn file_name(&self, file: usize) -> String {
        self.m
            .files
            .get(file)
            .map(|f| f.path.clone())
            .unwrap_or_default()
    }

    /// Enters a named evaluation (a local, a resource argument); `Err` on a cycle.
    fn enter(&mut self, key: &str, file: usize, loc: Option<Location>) -> Result<(), Val> {
        if let Some(i) = self.stack.iter().position(|k| k == key) {
            let mut chain: Vec<&str> = self.stack[i..].iter().map(String::as_str).collect();
            chain.push(key);
            let chain = chain.join(" → ");
            self.errors.push(
                ImportError::new(
                    &self.file_name(file),
                    loc,
                    key,
                    format!("`{key}` depends on itself: {chain}"),
                )
                .help("break the cycle: one of these values must not refer back to the others"),
            );
            return Err(unknown(format!("`{key}` depends on itself ({chain})")));
        }
        if self.stack.len() > MAX_DEPTH {
            return Err(unknown(format!(
                "`{key}` sits below more than {MAX_DEPTH} references"
            )));
        }
        self.stack.push(key.to_owned());
        Ok(())
    }

    fn leave(&mut self) {
        self.stack.pop();
    }

    // ----- variables and locals -----

    pub fn variable(&mut self, name: &str) -> Val {
        let flag = Some(format!("--parameter {name}=VALUE"));
        let Some(decl) = self.m.vars.get(name) else {
            if let Some(v) = self.supplied.parameters.get(name) {
                return Val::Str(v.clone());
            }
            return Val::Unknown(
                format!("variable `{name}` is not declared in this module"),
                flag,
            );
        };
        if let Some(v) = self.supplied.parameters.get(name) {
            return self.convert_supplied(v, &decl.ty);
        }
        match &decl.default {
            Some(e) => {
                let key = format!("var.{name}");
                if let Err(u) = self.enter(&key, decl.file, e.loc) {
                    return u;
                }
                let scope = Scope {
                    isolated: true,
                    ..Scope::module(decl.file)
                };
                let saved = self.holes.take();
                let v = self.eval(e, &scope);
                self.holes = saved;
                self.leave();
                v
            }
            None => Val::Unknown(format!("variable `{name}` has no default"), flag),
        }
    }

    /// A `--parameter` value as the variable's type.
    fn convert_supplied(&mut self, v: &str, ty: &str) -> Val {
        match ty {
            "number" => v
                .trim()
                .parse::<f64>()
                .map(Val::Num)
                .unwrap_or_else(|_| Val::Str(v.to_owned())),
            "bool" => match v.trim() {
                "true" => Val::Bool(true),
                "false" => Val::Bool(false),
                _ => Val::Str(v.to_owned()),
            },
            "list" | "set" | "tuple" | "map" | "object" => match ast::parse_expr(v) {
                Some(e) => {
                    let scope = Scope {
                        isolated: true,
                        ..Scope::module(0)
                    };
                    self.eval(&e, &scope)
                }
                None => Val::Str(v.to_owned()),
            },
            // Without a type, a value written as a list or an object is read as one.
            "" | "any" if v.trim_start().starts_with(['[', '{']) => match ast::parse_expr(v) {
                Some(e) => {
                    let scope = Scope {
                        isolated: true,
                        ..Scope::module(0)
                    };
                    self.eval(&e, &scope)
                }
                None => Val::Str(v.to_owned()),
            },
            _ => Val::Str(v.to_owned()),
        }
    }

    pub fn local(&mut self, name: &str) -> Val {
        if let Some(v) = self.locals.get(name) {
            return v.clone();
        }
        let Some((file, e, loc)) = self.m.locals.get(name) else {
            return unknown(format!("`local.{name}` is not declared in this module"));
        };
        let key = format!("local.{name}");
        if let Err(u) = self.enter(&key, *file, *loc) {
            return u;
        }
        let saved = self.holes.take();
        let v = self.eval(e, &Scope::module(*file));
        self.holes = saved;
        self.leave();
        self.locals.insert(name.to_owned(), v.clone());
        v
    }

    /// `data.template_file.NAME.rendered`: the legacy template provider, rendered here.
    fn template_file(&mut self, name: &str) -> Val {
        let Some((file, body)) = self
            .m
            .data
            .get(&("template_file".to_owned(), name.to_owned()))
        else {
            return unknown(format!(
                "data source `data.template_file.{name}` is not declared in this module"
            ));
        };
        let file = *file;
        if body.attr("count").is_some() || body.attr("for_each").is_some() {
            return unknown(format!(
                "data source `data.template_file.{name}` has count or for_each, which import does not expand"
            ));
        }
        let key = format!("data.template_file.{name}");
        let loc = body.attr("template").and_then(|a| a.loc);
        if let Err(u) = self.enter(&key, file, loc) {
            return u;
        }
        let scope = Scope::module(file);
        let text = match body.attr("template") {
            Some(a) => self.eval(&a.expr, &scope),
            None => unknown(format!("`data.template_file.{name}` has no template")),
        };
        let vars = match body.attr("vars") {
            Some(a) => self.eval(&a.expr, &scope),
            None => Val::Map(BTreeMap::new()),
        };
        let v = match (to_string(&text), map_of(&vars)) {
            (Ok(t), Ok(vars)) => render(self, &t, vars, file, &key).unwrap_or_else(|u| u),
            (Err(u), _) | (_, Err(u)) => u,
        };
        self.leave();
        v
    }

    // ----- resources -----

    /// A resource's instances, from its `count` or `for_each` (an unknown when they cannot
    /// be known statically).
    pub fn instances(&mut self, ty: &str, name: &str) -> Result<Instances, Val> {
        let k = (ty.to_owned(), name.to_owned());
        if let Some(r) = self.instances.get(&k) {
            return r.clone();
        }
        let Some(decl) = self.m.resources.get(&k) else {
            return Err(unknown(format!(
                "`{ty}.{name}` is not declared in this module"
            )));
        };
        let file = decl.file;
        let key = format!("{ty}.{name}.count");
        let r = if let Some(a) = decl.body.attr("count") {
            self.enter(&key, file, a.loc)?;
            let v = self.eval(&a.expr, &Scope::module(file));
            self.leave();
            match to_num(&v) {
                Ok(n) if n >= 0.0 && n.fract() == 0.0 && (n as usize) <= MAX_ITEMS => {
                    Ok(Instances::Count(n as usize))
                }
                Ok(n) => Err(unknown(format!(
                    "`count` is {}, not a whole number from 0 to {MAX_ITEMS}",
                    fmt_num(n)
                ))),
                Err(u) => Err(u),
            }
        } else if let Some(a) = decl.body.attr("for_each") {
            self.enter(&key, file, a.loc)?;
            let v = self.eval(&a.expr, &Scope::module(file));
            self.leave();
            for_each_entries(&v).map(Instances::Each)
        } else {
            Ok(Instances::Single)
        };
        self.instances.insert(k, r.clone());
        r
    }

    /// The scope inside one instance of a resource.
    fn instance_scope(&mut self, h: &Handle, file: usize) -> Result<Scope, Val> {
        let mut scope = Scope::module(file);
        match (self.instances(&h.ty, &h.name)?, &h.key) {
            (Instances::Single, None) => {}
            (Instances::Count(n), Some(Key::Int(i))) if i < &n => {
                scope.count = Some(Val::Num(*i as f64));
            }
            (Instances::Each(kv), Some(Key::Str(k))) => match kv.iter().find(|(x, _)| x == k) {
                Some((_, v)) => scope.each = Some((Val::Str(k.clone()), v.clone())),
                None => {
                    return Err(unknown(format!(
                        "`{}` has no instance {}",
                        h.base(),
                        key_suffix(&Key::Str(k.clone()))
                    )))
                }
            },
            (Instances::Single, Some(k)) => {
                return Err(unknown(format!(
                    "`{}` has neither count nor for_each, so it has no instance {}",
                    h.base(),
                    key_suffix(k)
                )))
            }
            (_, None) => {
                return Err(unknown(format!(
                    "`{}` has count or for_each: refer to one instance of it",
                    h.base()
                )))
            }
            (_, Some(k)) => {
                return Err(unknown(format!(
                    "`{}` has no instance {}",
                    h.base(),
                    key_suffix(k)
                )))
            }
        }
        Ok(scope)
    }

    /// One argument (or block type) of a resource instance, evaluated; `None` when not written.
    pub fn item(&mut self, h: &Handle, item: &str) -> Option<Val> {
        let addr = h.address();
        let ck = (addr.clone(), item.to_owned());
        if let Some(v) = self.items.get(&ck) {
            return v.clone();
        }
        let decl = self.m.resources.get(&(h.ty.clone(), h.name.clone()))?;
        let file = decl.file;
        let written = decl.body.items.iter().any(|i| match i {
            Item::Attr(a) => a.key == item,
            Item::Block(b) => {
                b.ty == item || (b.ty == "dynamic" && b.labels.first().is_some_and(|l| l == item))
            }
        });
        if !written {
            return None;
        }
        let first_loc = decl.body.items.iter().find_map(|i| match i {
            Item::Attr(a) if a.key == item => a.loc,
            Item::Block(b) if b.ty == item => b.loc,
            _ => None,
        });
        let key = format!("{addr}.{item}");
        if let Err(u) = self.enter(&key, file, first_loc) {
            return Some(u);
        }
        let saved = self.holes.take();
        let json_text = h.ty == "aws_ecs_task_definition" && item == "container_definitions";
        let v = match self.instance_scope(h, file) {
            Ok(scope) => {
                let mut locs = BTreeMap::new();
                let body = &decl.body;
                let v = match (json_text, body.attr(item)) {
                    (true, Some(a)) => {
                        if let Some(l) = a.loc {
                            locs.insert(item.to_owned(), l);
                        }
                        let v = match &a.expr.kind {
                            Kind::Template(parts)
                                if !matches!(parts.as_slice(), [Part::Interp(_)]) =>
                            {
                                let mut holes = Some(Vec::new());
                                let r = self.template_into(parts, &scope, &mut holes);
                                self.holes = holes;
                                r.map(Val::Str).unwrap_or_else(|u| u)
                            }
                            _ => {
                                self.holes = Some(Vec::new());
                                self.eval(&a.expr, &scope)
                            }
                        };
                        let holes = self.holes.take().unwrap_or_default();
                        let v = if holes.is_empty() {
                            v
                        } else {
                            fill_holes(v, &holes)
                        };
                        Val::Map(BTreeMap::from([(item.to_owned(), v)]))
                    }
                    _ => self.body_items(body, &scope, "", &mut locs, Some(item)),
                };
                self.locs.entry(addr.clone()).or_default().extend(locs);
                match v {
                    Val::Map(mut m) => m.remove(item),
                    _ => None,
                }
            }
            Err(u) => Some(u),
        };
        self.holes = saved;
        self.leave();
        self.items.insert(ck, v.clone());
        v
    }

    /// All arguments and blocks of a resource instance.
    pub fn resource(&mut self, h: &Handle) -> BTreeMap<String, Val> {
        let mut keys: Vec<String> = Vec::new();
        if let Some(decl) = self.m.resources.get(&(h.ty.clone(), h.name.clone())) {
            for i in &decl.body.items {
                let k = match i {
                    Item::Attr(a) => a.key.clone(),
                    Item::Block(b) if b.ty == "dynamic" => match b.labels.first() {
                        Some(l) => l.clone(),
                        None => continue,
                    },
                    Item::Block(b) => b.ty.clone(),
                };
                if !META.contains(&k.as_str()) && !keys.contains(&k) {
                    keys.push(k);
                }
            }
        }
        let mut out = BTreeMap::new();
        for k in keys {
            if let Some(v) = self.item(h, &k) {
                out.insert(k, v);
            }
        }
        out
    }

    /// An attribute of a resource of the module.
    fn attr_of(&mut self, h: &Handle, attr: &str) -> Val {
        if !self
            .m
            .resources
            .contains_key(&(h.ty.clone(), h.name.clone()))
        {
            return unknown(format!("`{}` is not declared in this module", h.base()));
        }
        if h.key.is_none() {
            match self.instances(&h.ty, &h.name) {
                Ok(Instances::Single) => {}
                Ok(_) => {
                    return unknown(format!(
                        "`{}` has count or for_each: `{}.{attr}` needs an instance key",
                        h.base(),
                        h.base()
                    ))
                }
                Err(u) => return u,
            }
        }
        let addr = h.address();
        match attr {
            "id" if h.ty == "aws_appmesh_mesh" => self
                .item(h, "name")
                .unwrap_or_else(|| Val::Ref(addr, "Id".into())),
            // The provider's `id` of a cluster or a service is its ARN.
            "id" if matches!(h.ty.as_str(), "aws_ecs_cluster" | "aws_ecs_service") => {
                Val::Ref(addr, "Arn".into())
            }
            "id" => Val::Ref(addr, "Id".into()),
            "hosted_zone" if h.ty.starts_with("aws_service_discovery_") => {
                Val::Ref(addr, "HostedZoneId".into())
            }
            "arn" => Val::Ref(addr, "Arn".into()),
            "fqdn" if h.ty == "aws_route53_record" => self
                .item(h, "name")
                .unwrap_or_else(|| Val::Ref(addr, "Fqdn".into())),
            _ => match self.item(h, attr) {
                Some(v) => v,
                None => Val::Ref(addr, crate::case::pascal_case(attr)),
            },
        }
    }

    // ----- bodies -----

    /// A block body as a map: arguments by name, blocks as lists by type. With `only`, just
    /// that key.
    pub fn body_items(
        &mut self,
        body: &Body,
        scope: &Scope,
        path: &str,
        locs: &mut BTreeMap<String, Location>,
        only: Option<&str>,
    ) -> Val {
        let mut out: BTreeMap<String, Val> = BTreeMap::new();
        for item in &body.items {
            match item {
                Item::Attr(a) => {
                    if only.is_some_and(|o| o != a.key)
                        || (path.is_empty() && META.contains(&a.key.as_str()))
                    {
                        continue;
                    }
                    let p = model::prop_path(path, &a.key);
                    if let Some(l) = a.loc {
                        locs.insert(p.clone(), l);
                    }
                    if let Kind::Object(kv) = &a.expr.kind {
                        for (k, _) in kv {
                            if let (Kind::Str(k), Some(l)) = (&k.kind, k.loc) {
                                locs.insert(model::prop_path(&p, k), l);
                            }
                        }
                    }
                    let v = self.eval(&a.expr, scope);
                    if v != Val::Null {
                        out.insert(a.key.clone(), v);
                    }
                }
                Item::Block(b) if b.ty == "dynamic" => {
                    let Some(label) = b.labels.first() else {
                        continue;
                    };
                    if only.is_some_and(|o| o != label) {
                        continue;
                    }
                    self.dynamic(b, label, scope, path, locs, &mut out);
                }
                Item::Block(b) => {
                    if only.is_some_and(|o| o != b.ty) {
                        continue;
                    }
                    let list = push_slot(&mut out, &b.ty);
                    let p = model::index_path(&model::prop_path(path, &b.ty), list);
                    if let Some(l) = b.loc {
                        locs.insert(p.clone(), l);
                    }
                    let v = self.body_items(&b.body, scope, &p, locs, None);
                    if let Some(Val::List(xs)) = out.get_mut(&b.ty) {
                        xs.push(v);
                    }
                }
            }
        }
        Val::Map(out)
    }

    fn dynamic(
        &mut self,
        b: &ast::Block,
        label: &str,
        scope: &Scope,
        path: &str,
        locs: &mut BTreeMap<String, Location>,
        out: &mut BTreeMap<String, Val>,
    ) {
        let file = self.file_name(scope.file);
        let here = model::prop_path(path, label);
        let Some(fe) = b.body.attr("for_each") else {
            self.errors.push(ImportError::new(
                &file,
                b.loc,
                format!("{here}.dynamic"),
                format!("the dynamic block `{label}` has no for_each"),
            ));
            return;
        };
        let iterator = match b.body.attr("iterator").map(|a| &a.expr.kind) {
            Some(Kind::Var(n)) => n.clone(),
            Some(Kind::Str(n)) => n.clone(),
            _ => label.to_owned(),
        };
        let coll = self.eval(&fe.expr, scope);
        let entries = match for_each_entries_dynamic(&coll) {
            Ok(e) => e,
            Err(u) => {
                let (why, flag) = match &u {
                    Val::Unknown(w, f) => (w.clone(), f.clone()),
                    _ => ("it is not known statically".to_owned(), None),
                };
                let mut e = ImportError::new(
                    &file,
                    fe.loc.or(b.loc),
                    format!("{here}.for_each"),
                    format!(
                        "the for_each of the dynamic block `{label}` cannot be expanded: {why}"
                    ),
                );
                if let Some(f) = flag {
                    e = e.help(format!("supply the value with {f}"));
                }
                self.errors.push(e);
                return;
            }
        };
        let Some(content) = b.body.blocks("content").next() else {
            return;
        };
        for (k, v) in entries {
            let mut it = BTreeMap::new();
            it.insert("key".to_owned(), k);
            it.insert("value".to_owned(), v);
            let inner = scope.with(&iterator, Val::Map(it));
            let i = push_slot(out, label);
            let p = model::index_path(&here, i);
            if let Some(l) = content.loc.or(b.loc) {
                locs.insert(p.clone(), l);
            }
            let v = self.body_items(&content.body, &inner, &p, locs, None);
            if let Some(Val::List(xs)) = out.get_mut(label) {
                xs.push(v);
            }
        }
    }

    // ----- expressions -----

    pub fn eval(&mut self, e: &Expr, scope: &Scope) -> Val {
        if self.depth > MAX_DEPTH {
            return unknown("the expression nests too deeply");
        }
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return unknown(format!(
                "the module takes more than {MAX_STEPS} steps to evaluate"
            ));
        }
        if self.weight > MAX_WEIGHT {
            return too_large();
        }
        self.depth += 1;
        let v = self.eval_inner(e, scope);
        self.depth -= 1;
        self.weight += weight(&v, MAX_WEIGHT.saturating_sub(self.weight) + 1);
        if self.weight > MAX_WEIGHT {
            return too_large();
        }
        v
    }

    /// What is left of the value budget (for functions that would build large strings).
    fn room(&self) -> usize {
        MAX_WEIGHT.saturating_sub(self.weight)
    }

    fn eval_inner(&mut self, e: &Expr, scope: &Scope) -> Val {
        match &e.kind {
            Kind::Null => Val::Null,
            Kind::Bool(b) => Val::Bool(*b),
            Kind::Num(x) => Val::Num(*x),
            Kind::Str(s) => Val::Str(s.clone()),
            Kind::Template(parts) => {
                if let [Part::Interp(x)] = parts.as_slice() {
                    return self.eval(x, scope);
                }
                match self.template(parts, scope) {
                    Ok(s) => Val::Str(s),
                    Err(u) => u,
                }
            }
            Kind::Array(xs) => Val::List(xs.iter().map(|x| self.eval(x, scope)).collect()),
            Kind::Object(kv) => {
                let mut m = BTreeMap::new();
                for (k, v) in kv {
                    let key = match &k.kind {
                        // A bare name as a key is the name (HCL), not a reference.
                        Kind::Var(n) => Val::Str(n.clone()),
                        _ => self.eval(k, scope),
                    };
                    let key = match to_string(&key) {
                        Ok(s) => s,
                        Err(u) => return u,
                    };
                    let v = self.eval(v, scope);
                    m.insert(key, v);
                }
                Val::Map(m)
            }
            Kind::Var(name) => self.root(name, &[], scope).0,
            Kind::Traverse(root, ops) => {
                let (v, used) = match &root.kind {
                    Kind::Var(name) => self.root(name, ops, scope),
                    _ => (self.eval(root, scope), 0),
                };
                self.apply_ops(v, &ops[used.min(ops.len())..], scope)
            }
            Kind::Call(name, args, expand) => self.call(name, args, *expand, scope, e.loc),
            Kind::Cond(c, a, b) => {
                let c = self.eval(c, scope);
                match to_bool(&c) {
                    Ok(true) => self.eval(a, scope),
                    Ok(false) => self.eval(b, scope),
                    Err(u) => u,
                }
            }
            Kind::Not(x) => match to_bool(&self.eval(x, scope)) {
                Ok(b) => Val::Bool(!b),
                Err(u) => u,
            },
            Kind::Neg(x) => match to_num(&self.eval(x, scope)) {
                Ok(n) => Val::Num(-n),
                Err(u) => u,
            },
            Kind::Binary(op, a, b) => {
                let a = self.eval(a, scope);
                // `&&` and `||` decide on their left side when they can.
                match (op, to_bool(&a)) {
                    (BinOp::And, Ok(false)) => return Val::Bool(false),
                    (BinOp::Or, Ok(true)) => return Val::Bool(true),
                    _ => {}
                }
                let b = self.eval(b, scope);
                binary(*op, &a, &b)
            }
            Kind::For(f) => self.for_expr(f, scope),
        }
    }

    fn template(&mut self, parts: &[Part], scope: &Scope) -> Result<String, Val> {
        self.template_into(parts, scope, &mut None)
    }

    /// A template's text; with `holes`, an interpolation not known statically is written as
    /// a [`hole`] (its value kept in `holes`) instead of making the whole text unknown.
    fn template_into(
        &mut self,
        parts: &[Part],
        scope: &Scope,
        holes: &mut Option<Vec<Val>>,
    ) -> Result<String, Val> {
        let mut s = String::new();
        for p in parts {
            match p {
                Part::Lit(l) => s.push_str(l),
                Part::Interp(e) => {
                    let v = self.eval(e, scope);
                    match (to_string(&v), holes.as_mut()) {
                        (Ok(t), _) => s.push_str(&t),
                        (Err(_), Some(hs)) if v.as_unknown().is_some() => {
                            s.push_str(&hole(hs.len()));
                            hs.push(v);
                        }
                        (Err(u), _) => return Err(u),
                    }
                    if s.len() > self.room() {
                        return Err(too_large());
                    }
                }
                Part::If(c, a, b) => {
                    let c = self.eval(c, scope);
                    let branch = if to_bool(&c)? { a } else { b };
                    s.push_str(&self.template_into(branch, scope, holes)?);
                }
                Part::For(k, v, coll, body) => {
                    let coll = self.eval(coll, scope);
                    for (key, val) in iterate(&coll)? {
                        let mut inner = scope.with(v, val);
                        if let Some(k) = k {
                            inner = inner.with(k, key);
                        }
                        s.push_str(&self.template_into(body, &inner, holes)?);
                        if s.len() > self.room() {
                            return Err(too_large());
                        }
                    }
                }
            }
        }
        Ok(s)
    }

    fn for_expr(&mut self, f: &ast::ForExpr, scope: &Scope) -> Val {
        let coll = self.eval(&f.collection, scope);
        let entries = match iterate(&coll) {
            Ok(e) => e,
            Err(u) => return u,
        };
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Val> = BTreeMap::new();
        for (k, v) in entries {
            let mut inner = scope.with(&f.value_var, v);
            if let Some(kv) = &f.key_var {
                inner = inner.with(kv, k);
            }
            if let Some(c) = &f.cond {
                match to_bool(&self.eval(c, &inner)) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(u) => return u,
                }
            }
            let value = self.eval(&f.value_expr, &inner);
            match &f.key_expr {
                None => list.push(value),
                Some(ke) => {
                    let key = match to_string(&self.eval(ke, &inner)) {
                        Ok(k) => k,
                        Err(u) => return u,
                    };
                    if f.grouping {
                        match map.entry(key).or_insert_with(|| Val::List(vec![])) {
                            Val::List(xs) => xs.push(value),
                            other => *other = Val::List(vec![value]),
                        }
                    } else {
                        map.insert(key, value);
                    }
                }
            }
        }
        if f.key_expr.is_some() {
            Val::Map(map)
        } else {
            Val::List(list)
        }
    }

    /// The value a traversal starts from, and how many of its operations that used.
    fn root(&mut self, name: &str, ops: &[Op], scope: &Scope) -> (Val, usize) {
        if let Some((_, v)) = scope.vars.iter().rev().find(|(n, _)| n == name) {
            return (v.clone(), 0);
        }
        let first = match ops.first() {
            Some(Op::Attr(a)) => Some(a.as_str()),
            _ => None,
        };
        match (name, first) {
            ("count", Some("index")) => match &scope.count {
                Some(v) => (v.clone(), 1),
                None => (unknown("`count.index` outside a resource with count"), 1),
            },
            ("each", Some(kv @ ("key" | "value"))) => match &scope.each {
                Some((k, v)) => (if kv == "key" { k.clone() } else { v.clone() }, 1),
                None => (unknown(format!("`each.{kv}` outside a resource with for_each")), 1),
            },
            ("path", Some(_)) => (Val::Str(".".into()), 1),
            ("terraform", Some("workspace")) => (Val::Str("default".into()), 1),
            _ if scope.isolated => (
                unknown(format!(
                    "`{name}` cannot be read here (a variable default or template sees no references)"
                )),
                ops.len(),
            ),
            ("var", Some(v)) => (self.variable(v), 1),
            ("local", Some(l)) => (self.local(l), 1),
            ("data", Some("template_file")) => match ops.get(1..3) {
                Some([Op::Attr(n), Op::Attr(a)]) if a == "rendered" => {
                    (self.template_file(n), 3)
                }
                _ => (
                    unknown("a `template_file` data source is read only through `rendered`"),
                    ops.len(),
                ),
            },
            ("data", _) => {
                let parts: Vec<&str> = ops
                    .iter()
                    .take(2)
                    .filter_map(|o| match o {
                        Op::Attr(a) => Some(a.as_str()),
                        _ => None,
                    })
                    .collect();
                (
                    unknown(format!(
                        "data source `data.{}` is read at plan time",
                        parts.join(".")
                    )),
                    ops.len(),
                )
            }
            ("module", Some(m)) => {
                let out = match ops.get(1) {
                    Some(Op::Attr(o)) => format!(".{o}"),
                    _ => String::new(),
                };
                (
                    unknown(format!(
                        "module output `module.{m}{out}` is computed by the module, which import does not read"
                    )),
                    ops.len(),
                )
            }
            ("self", _) => (unknown("`self` is known only to provisioners"), ops.len()),
            (ty, Some(n)) if ty.contains('_') => (
                Val::Res(Handle {
                    ty: ty.to_owned(),
                    name: n.to_owned(),
                    key: None,
                }),
                1,
            ),
            _ => (
                unknown(format!("`{name}` is not something import can read")),
                ops.len(),
            ),
        }
    }

    fn apply_ops(&mut self, mut v: Val, ops: &[Op], scope: &Scope) -> Val {
        let mut i = 0;
        while i < ops.len() {
            match &ops[i] {
                Op::Attr(a) => v = self.get_attr(v, a),
                Op::Index(e) => {
                    let k = self.eval(e, scope);
                    v = self.index(v, &k);
                }
                Op::Splat(full) => {
                    let rest = &ops[i + 1..];
                    let n = if *full {
                        rest.len()
                    } else {
                        rest.iter().take_while(|o| matches!(o, Op::Attr(_))).count()
                    };
                    let items = match &v {
                        Val::List(xs) => xs.clone(),
                        Val::Null => vec![],
                        Val::Res(h) if h.key.is_none() => match self.instances(&h.ty, &h.name) {
                            Ok(Instances::Single) => vec![v.clone()],
                            Ok(inst) => inst
                                .keys()
                                .into_iter()
                                .map(|key| Val::Res(Handle { key, ..h.clone() }))
                                .collect(),
                            Err(u) => return u,
                        },
                        Val::Unknown(..) | Val::Ref(..) => return v.as_unknown().unwrap_or(v),
                        other => vec![other.clone()],
                    };
                    v = Val::List(
                        items
                            .into_iter()
                            .map(|x| self.apply_ops(x, &rest[..n], scope))
                            .collect(),
                    );
                    i += n;
                }
            }
            if matches!(v, Val::Unknown(..)) {
                return v;
            }
            i += 1;
        }
        v
    }

    fn get_attr(&mut self, v: Val, a: &str) -> Val {
        match v {
            Val::Map(mut m) => m
                .remove(a)
                .unwrap_or_else(|| unknown(format!("the object has no attribute `{a}`"))),
            Val::Res(h) => self.attr_of(&h, a),
            Val::Unknown(..) => v,
            Val::Ref(id, attr) => unknown(ref_why(&id, &attr)),
            other => unknown(format!("{} has no attribute `{a}`", other.type_name())),
        }
    }

    fn index(&mut self, v: Val, k: &Val) -> Val {
        if let Some(u) = k.as_unknown() {
            return u;
        }
        match v {
            Val::List(xs) => match to_num(k) {
                Ok(n) if n >= 0.0 && n.fract() == 0.0 => {
                    xs.get(n as usize).cloned().unwrap_or_else(|| {
                        unknown(format!("index {} is past the list's end", fmt_num(n)))
                    })
                }
                Ok(n) => unknown(format!("{} is not a list index", fmt_num(n))),
                Err(u) => u,
            },
            Val::Map(mut m) => match to_string(k) {
                Ok(s) => m
                    .remove(&s)
                    .unwrap_or_else(|| unknown(format!("the object has no key `{s}`"))),
                Err(u) => u,
            },
            Val::Res(h) if h.key.is_none() => {
                let key = match k {
                    Val::Num(n) if *n >= 0.0 && n.fract() == 0.0 => Key::Int(*n as usize),
                    Val::Str(s) => Key::Str(s.clone()),
                    other => {
                        return unknown(format!(
                            "{} is not an instance key of `{}`",
                            other.type_name(),
                            h.base()
                        ))
                    }
                };
                Val::Res(Handle {
                    key: Some(key),
                    ..h
                })
            }
            Val::Unknown(..) => v,
            Val::Ref(id, attr) => unknown(ref_why(&id, &attr)),
            other => unknown(format!("{} cannot be indexed", other.type_name())),
        }
    }

    // ----- functions -----

    fn call(
        &mut self,
        name: &str,
        args: &[Expr],
        expand: bool,
        scope: &Scope,
        loc: Option<Location>,
    ) -> Val {
        if name == "meshsynth::invalid" {
            // A Terraform JSON string that does not parse as a template.
            let why = match args.first().map(|a| &a.kind) {
                Some(Kind::Str(s)) => s.clone(),
                _ => "a string does not parse".into(),
            };
            let file = self.file_name(scope.file);
            self.errors
                .push(ImportError::new(&file, loc, "", why.clone()));
            return unknown(why);
        }
        let mut vals: Vec<Val> = args.iter().map(|a| self.eval(a, scope)).collect();
        if expand {
            if let Some(last) = vals.pop() {
                match elements(&last) {
                    Ok(xs) => vals.extend(xs),
                    Err(u) => return u,
                }
            }
        }
        match functions(self, name, &vals, scope) {
            Ok(v) => v,
            Err(u) => u,
        }
    }
}

fn too_large() -> Val {
    unknown(format!(
        "the module's values grow past {MAX_WEIGHT} elements and bytes, so import stops evaluating them"
    ))
}

/// The size of a value (elements and string bytes), counted up to `limit`.
fn weight(v: &Val, limit: usize) -> usize {
    fn go(v: &Val, n: &mut usize, limit: usize) {
        if *n > limit {
            return;
        }
        *n += 1;
        match v {
            Val::Str(s) => *n += s.len(),
            Val::List(xs) => xs.iter().for_each(|x| go(x, n, limit)),
            Val::Map(m) => m.iter().for_each(|(k, x)| {
                *n += k.len();
                go(x, n, limit)
            }),
            Val::Json(x) => go(x, n, limit),
            _ => {}
        }
    }
    let mut n = 0;
    go(v, &mut n, limit);
    n.min(limit)
}

fn push_slot(out: &mut BTreeMap<String, Val>, key: &str) -> usize {
    match out.get(key) {
        Some(Val::List(xs)) => xs.len(),
        _ => {
            out.insert(key.to_owned(), Val::List(vec![]));
            0
        }
    }
}

/// Keys and values of a collection, for `for` expressions and template `for` directives.
fn iterate(v: &Val) -> Result<Vec<(Val, Val)>, Val> {
    match v {
        Val::List(xs) => Ok(xs
            .iter()
            .enumerate()
            .map(|(i, x)| (Val::Num(i as f64), x.clone()))
            .collect()),
        Val::Map(m) => Ok(m
            .iter()
            .map(|(k, x)| (Val::Str(k.clone()), x.clone()))
            .collect()),
        other => Err(other
            .as_unknown()
            .unwrap_or_else(|| unknown(format!("cannot iterate over {}", other.type_name())))),
    }
}

/// `for_each` of a resource: a map (keys and values) or a set of strings (each its own key).
fn for_each_entries(v: &Val) -> Result<Vec<(String, Val)>, Val> {
    match v {
        Val::Map(m) => {
            if m.len() > MAX_ITEMS {
                return Err(unknown("for_each has too many elements"));
            }
            Ok(m.iter().map(|(k, x)| (k.clone(), x.clone())).collect())
        }
        Val::List(xs) => {
            let mut keys = BTreeSet::new();
            for x in xs {
                match x {
                    Val::Str(s) => {
                        keys.insert(s.clone());
                    }
                    other => {
                        return Err(other.as_unknown().unwrap_or_else(|| {
                            unknown(format!(
                            "for_each over a list of {}: Terraform needs a map or a set of strings",
                            other.type_name()
                        ))
                        }))
                    }
                }
            }
            Ok(keys.into_iter().map(|k| (k.clone(), Val::Str(k))).collect())
        }
        other => Err(other.as_unknown().unwrap_or_else(|| {
            unknown(format!(
                "for_each is {}: Terraform needs a map or a set of strings",
                other.type_name()
            ))
        })),
    }
}

/// `for_each` of a `dynamic` block: any collection (a list's keys are its indexes).
fn for_each_entries_dynamic(v: &Val) -> Result<Vec<(Val, Val)>, Val> {
    match v {
        Val::Null => Ok(vec![]),
        other => {
            let e = iterate(other)?;
            if e.len() > MAX_ITEMS {
                return Err(unknown("for_each has too many elements"));
            }
            Ok(e)
        }
    }
}

fn binary(op: BinOp, a: &Val, b: &Val) -> Val {
    let r: Result<Val, Val> = (|| {
        Ok(match op {
            BinOp::Eq => Val::Bool(equal(a, b)?),
            BinOp::NotEq => Val::Bool(!equal(a, b)?),
            BinOp::And => Val::Bool(to_bool(a)? && to_bool(b)?),
            BinOp::Or => Val::Bool(to_bool(a)? || to_bool(b)?),
            _ => {
                let (x, y) = (to_num(a)?, to_num(b)?);
                match op {
                    BinOp::Less => Val::Bool(x < y),
                    BinOp::Greater => Val::Bool(x > y),
                    BinOp::LessEq => Val::Bool(x <= y),
                    BinOp::GreaterEq => Val::Bool(x >= y),
                    BinOp::Plus => Val::Num(x + y),
                    BinOp::Minus => Val::Num(x - y),
                    BinOp::Mul => Val::Num(x * y),
                    BinOp::Div if y == 0.0 => return Err(unknown("division by zero")),
                    BinOp::Div => Val::Num(x / y),
                    BinOp::Mod if y == 0.0 => return Err(unknown("modulo by zero")),
                    BinOp::Mod => Val::Num(x % y),
                    _ => Val::Null,
                }
            }
        })
    })();
    r.unwrap_or_else(|u| u)
}

fn arity(name: &str, args: &[Val], min: usize, max: usize) -> Result<(), Val> {
    if args.len() < min || args.len() > max {
        let want = if min == max {
            format!("{min}")
        } else if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(unknown(format!(
            "{name}() takes {want} arguments, not {}",
            args.len()
        )));
    }
    Ok(())
}

fn arg(args: &[Val], i: usize) -> &Val {
    args.get(i).unwrap_or(&Val::Null)
}

fn s(args: &[Val], i: usize) -> Result<String, Val> {
    to_string(arg(args, i))
}

/// The functions a reader evaluates; any other is an unknown naming it.
fn functions(ev: &mut Eval, name: &str, a: &[Val], scope: &Scope) -> Result<Val, Val> {
    Ok(match name {
        "format" => {
            arity(name, a, 1, usize::MAX)?;
            Val::Str(format(&s(a, 0)?, &a[1..])?)
        }
        "formatlist" => {
            arity(name, a, 1, usize::MAX)?;
            let f = s(a, 0)?;
            let n = a[1..]
                .iter()
                .filter_map(|x| match x {
                    Val::List(xs) => Some(xs.len()),
                    _ => None,
                })
                .max()
                .unwrap_or(1);
            if n.saturating_mul(f.len() + 1) > ev.room() {
                return Err(too_large());
            }
            let mut out = Vec::new();
            for i in 0..n {
                let row: Vec<Val> = a[1..]
                    .iter()
                    .map(|x| match x {
                        Val::List(xs) => xs.get(i).cloned().unwrap_or(Val::Null),
                        other => other.clone(),
                    })
                    .collect();
                out.push(Val::Str(format(&f, &row)?));
            }
            Val::List(out)
        }
        "join" => {
            arity(name, a, 2, usize::MAX)?;
            let sep = s(a, 0)?;
            let mut parts = Vec::new();
            let mut len = 0usize;
            for l in &a[1..] {
                for x in list_of(l)? {
                    let p = to_string(&x)?;
                    len = len.saturating_add(p.len() + sep.len());
                    if len > ev.room() {
                        return Err(too_large());
                    }
                    parts.push(p);
                }
            }
            Val::Str(parts.join(&sep))
        }
        "split" => {
            arity(name, a, 2, 2)?;
            let (sep, text) = (s(a, 0)?, s(a, 1)?);
            if sep.is_empty() {
                return Err(unknown("split() with an empty separator"));
            }
            Val::List(text.split(&sep).map(|x| Val::Str(x.to_owned())).collect())
        }
        "lookup" => {
            arity(name, a, 2, 3)?;
            let key = s(a, 1)?;
            match arg(a, 0) {
                Val::Map(m) => match m.get(&key) {
                    Some(v) => v.clone(),
                    None if a.len() == 3 => a[2].clone(),
                    None => return Err(unknown(format!("lookup() of a missing key `{key}`"))),
                },
                other => return Err(map_of(other).err().unwrap_or_else(|| unknown("lookup()"))),
            }
        }
        "concat" => {
            let mut out = Vec::new();
            for l in a {
                out.extend(list_of(l)?);
            }
            Val::List(out)
        }
        "lower" => Val::Str(s(a, 0)?.to_lowercase()),
        "upper" => Val::Str(s(a, 0)?.to_uppercase()),
        "title" => Val::Str(
            s(a, 0)?
                .split(' ')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect::<String>())
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "trimspace" => Val::Str(s(a, 0)?.trim().to_owned()),
        "chomp" => Val::Str(s(a, 0)?.trim_end_matches(['\n', '\r']).to_owned()),
        "trimprefix" => {
            let (x, p) = (s(a, 0)?, s(a, 1)?);
            Val::Str(x.strip_prefix(p.as_str()).unwrap_or(&x).to_owned())
        }
        "trimsuffix" => {
            let (x, p) = (s(a, 0)?, s(a, 1)?);
            Val::Str(x.strip_suffix(p.as_str()).unwrap_or(&x).to_owned())
        }
        "trim" => {
            let (x, cs) = (s(a, 0)?, s(a, 1)?);
            Val::Str(x.trim_matches(|c| cs.contains(c)).to_owned())
        }
        "startswith" => Val::Bool(s(a, 0)?.starts_with(&s(a, 1)?)),
        "endswith" => Val::Bool(s(a, 0)?.ends_with(&s(a, 1)?)),
        "strcontains" => Val::Bool(s(a, 0)?.contains(&s(a, 1)?)),
        "replace" => {
            arity(name, a, 3, 3)?;
            let (x, from, to) = (s(a, 0)?, s(a, 1)?, s(a, 2)?);
            if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
                return Err(unknown(format!(
                    "replace() with the regular expression {from}, which import does not evaluate"
                )));
            }
            if from.is_empty() {
                Val::Str(x)
            } else {
                let grows = x.matches(from.as_str()).count() * to.len();
                if x.len() + grows > ev.room() {
                    return Err(too_large());
                }
                Val::Str(x.replace(&from, &to))
            }
        }
        "substr" => {
            let (x, off, len) = (s(a, 0)?, to_num(arg(a, 1))?, to_num(arg(a, 2))?);
            let chars: Vec<char> = x.chars().collect();
            let n = chars.len() as i64;
            let mut start = off as i64;
            if start < 0 {
                start += n;
            }
            let start = start.clamp(0, n) as usize;
            let end = if len < 0.0 {
                chars.len()
            } else {
                (start + len as usize).min(chars.len())
            };
            Val::Str(chars[start..end].iter().collect())
        }
        "tostring" => match arg(a, 0) {
            Val::Null => Val::Null,
            v => Val::Str(to_string(v)?),
        },
        "tonumber" => match arg(a, 0) {
            Val::Null => Val::Null,
            v => Val::Num(to_num(v)?),
        },
        "tobool" => match arg(a, 0) {
            Val::Null => Val::Null,
            v => Val::Bool(to_bool(v)?),
        },
        "tolist" | "toset" | "list" => {
            let mut xs = if name == "list" {
                a.to_vec()
            } else {
                elements(arg(a, 0))?
            };
            if name == "toset" {
                let mut seen = Vec::new();
                xs.retain(|x| {
                    if seen.contains(x) {
                        false
                    } else {
                        seen.push(x.clone());
                        true
                    }
                });
                sort_vals(&mut xs);
            }
            Val::List(xs)
        }
        "tomap" => Val::Map(map_of(arg(a, 0))?),
        "map" => {
            let mut m = BTreeMap::new();
            for pair in a.chunks(2) {
                if let [k, v] = pair {
                    m.insert(to_string(k)?, v.clone());
                }
            }
            Val::Map(m)
        }
        "jsonencode" => {
            arity(name, a, 1, 1)?;
            Val::Json(Box::new(a[0].clone()))
        }
        "jsondecode" => {
            arity(name, a, 1, 1)?;
            if let Val::Json(inner) = &a[0] {
                return Ok((**inner).clone());
            }
            let text = s(a, 0)?;
            match serde_json::from_str::<Json>(&text) {
                Ok(j) => from_json(&j),
                Err(e) => {
                    return Err(unknown(format!(
                        "jsondecode() of text that is not JSON: {e}"
                    )))
                }
            }
        }
        "merge" => {
            let mut m = BTreeMap::new();
            for x in a {
                m.extend(map_of(x)?);
            }
            Val::Map(m)
        }
        "element" => {
            arity(name, a, 2, 2)?;
            let xs = list_of(&a[0])?;
            let i = to_num(&a[1])?;
            if xs.is_empty() {
                return Err(unknown("element() of an empty list"));
            }
            if i < 0.0 {
                return Err(unknown("element() with a negative index"));
            }
            xs[(i as usize) % xs.len()].clone()
        }
        "index" => {
            let xs = list_of(arg(a, 0))?;
            match xs.iter().position(|x| x == arg(a, 1)) {
                Some(i) => Val::Num(i as f64),
                None => return Err(unknown("index() of a value not in the list")),
            }
        }
        "length" => match arg(a, 0) {
            Val::List(xs) => Val::Num(xs.len() as f64),
            Val::Map(m) => Val::Num(m.len() as f64),
            Val::Str(x) => Val::Num(x.chars().count() as f64),
            other => return Err(other.as_unknown().unwrap_or_else(|| unknown("length()"))),
        },
        "coalesce" => {
            for x in a {
                match x {
                    Val::Null => continue,
                    Val::Str(s) if s.is_empty() => continue,
                    Val::Unknown(..) | Val::Ref(..) => {
                        return Err(x.as_unknown().unwrap_or(Val::Null))
                    }
                    other => return Ok(other.clone()),
                }
            }
            return Err(unknown("coalesce() with no non-empty argument"));
        }
        "coalescelist" => {
            for x in a {
                match x {
                    Val::List(xs) if xs.is_empty() => continue,
                    Val::List(_) => return Ok(x.clone()),
                    other => return Err(list_of(other).err().unwrap_or(Val::Null)),
                }
            }
            return Err(unknown("coalescelist() with no non-empty list"));
        }
        "compact" => Val::List(
            list_of(arg(a, 0))?
                .into_iter()
                .filter(|x| !matches!(x, Val::Null) && !matches!(x, Val::Str(s) if s.is_empty()))
                .collect(),
        ),
        "distinct" => {
            let mut out: Vec<Val> = Vec::new();
            for x in list_of(arg(a, 0))? {
                if !out.contains(&x) {
                    out.push(x);
                }
            }
            Val::List(out)
        }
        "flatten" => {
            fn flat(v: &Val, out: &mut Vec<Val>) {
                match v {
                    Val::List(xs) => xs.iter().for_each(|x| flat(x, out)),
                    other => out.push(other.clone()),
                }
            }
            let mut out = Vec::new();
            flat(&Val::List(list_of(arg(a, 0))?), &mut out);
            Val::List(out)
        }
        "reverse" => {
            let mut xs = list_of(arg(a, 0))?;
            xs.reverse();
            Val::List(xs)
        }
        "sort" => {
            let mut xs = list_of(arg(a, 0))?;
            if let Some(u) = xs.iter().find_map(Val::as_unknown) {
                return Err(u);
            }
            sort_vals(&mut xs);
            Val::List(xs)
        }
        "slice" => {
            let xs = list_of(arg(a, 0))?;
            let (from, to) = (to_num(arg(a, 1))? as usize, to_num(arg(a, 2))? as usize);
            if from > to || to > xs.len() {
                return Err(unknown("slice() out of range"));
            }
            Val::List(xs[from..to].to_vec())
        }
        "contains" => {
            let xs = elements(arg(a, 0))?;
            if let Some(u) = arg(a, 1).as_unknown() {
                return Err(u);
            }
            Val::Bool(xs.contains(arg(a, 1)))
        }
        "keys" => Val::List(map_of(arg(a, 0))?.into_keys().map(Val::Str).collect()),
        "values" => Val::List(map_of(arg(a, 0))?.into_values().collect()),
        "zipmap" => {
            let (ks, vs) = (list_of(arg(a, 0))?, list_of(arg(a, 1))?);
            let mut m = BTreeMap::new();
            for (k, v) in ks.iter().zip(vs) {
                m.insert(to_string(k)?, v);
            }
            Val::Map(m)
        }
        "range" => {
            arity(name, a, 1, 3)?;
            let nums: Vec<f64> = a.iter().map(to_num).collect::<Result<_, _>>()?;
            let (start, end, step) = match nums.as_slice() {
                [e] => (0.0, *e, 1.0),
                [s0, e] => (*s0, *e, if e >= s0 { 1.0 } else { -1.0 }),
                [s0, e, st] => (*s0, *e, *st),
                _ => (0.0, 0.0, 1.0),
            };
            if step == 0.0 || ((end - start) / step).abs() > MAX_ITEMS as f64 {
                return Err(unknown("range() too long"));
            }
            let mut out = Vec::new();
            let mut x = start;
            while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
                out.push(Val::Num(x));
                x += step;
            }
            Val::List(out)
        }
        "min" | "max" => {
            let nums: Vec<f64> = a.iter().map(to_num).collect::<Result<_, _>>()?;
            let r = if name == "min" {
                nums.iter().copied().fold(f64::INFINITY, f64::min)
            } else {
                nums.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            };
            if nums.is_empty() {
                return Err(unknown(format!("{name}() of nothing")));
            }
            Val::Num(r)
        }
        "abs" => Val::Num(to_num(arg(a, 0))?.abs()),
        "ceil" => Val::Num(to_num(arg(a, 0))?.ceil()),
        "floor" => Val::Num(to_num(arg(a, 0))?.floor()),
        "one" => match list_of(arg(a, 0))?.as_slice() {
            [] => Val::Null,
            [x] => x.clone(),
            _ => return Err(unknown("one() of a list of more than one element")),
        },
        "try" => {
            for x in a {
                if x.as_unknown().is_none() {
                    return Ok(x.clone());
                }
            }
            return Err(a
                .last()
                .cloned()
                .unwrap_or_else(|| unknown("try() of nothing")));
        }
        "can" => match arg(a, 0) {
            Val::Unknown(..) | Val::Ref(..) => {
                return Err(unknown("can() of a value not known statically"))
            }
            _ => Val::Bool(true),
        },
        "basename" => {
            let p = s(a, 0)?;
            Val::Str(p.rsplit('/').next().unwrap_or("").to_owned())
        }
        "dirname" => {
            let p = s(a, 0)?;
            Val::Str(match p.rfind('/') {
                Some(i) => p[..i].to_owned(),
                None => ".".into(),
            })
        }
        "abspath" | "pathexpand" => Val::Str(s(a, 0)?),
        "file" => {
            arity(name, a, 1, 1)?;
            Val::Str(read_file(ev, &s(a, 0)?, scope)?)
        }
        "fileexists" => {
            let p = s(a, 0)?;
            Val::Bool(resolve(ev, &p, scope).is_file())
        }
        "templatefile" => {
            arity(name, a, 2, 2)?;
            let p = s(a, 0)?;
            let text = read_file(ev, &p, scope)?;
            let vars = map_of(&a[1])?;
            render(ev, &text, vars, scope.file, &format!("`{p}`"))?
        }
        "base64encode" | "base64decode" | "md5" | "sha1" | "sha256" | "uuid" | "timestamp"
        | "bcrypt" | "filebase64" | "cidrsubnet" | "cidrhost" | "regex" | "regexall" => {
            return Err(unknown(format!(
                "{name}() is a function import does not evaluate"
            )))
        }
        other => {
            return Err(unknown(format!(
                "{other}() is a function import does not evaluate"
            )))
        }
    })
}

/// A template text evaluated with only `vars` in scope (`templatefile`, `template_file`).
fn render(
    ev: &mut Eval,
    text: &str,
    vars: BTreeMap<String, Val>,
    file: usize,
    what: &str,
) -> Result<Val, Val> {
    let t = hcl::edit::parser::parse_template(text).map_err(|e| {
        unknown(format!(
            "the template {what} does not parse: {} (line {}, column {})",
            e.message(),
            e.location().line(),
            e.location().column()
        ))
    })?;
    let expr = ast::template_expr(&t);
    let inner = Scope {
        vars: vars.into_iter().collect(),
        isolated: true,
        count: None,
        each: None,
        file,
    };
    match (&expr.kind, ev.holes.is_some()) {
        (Kind::Template(parts), true) => {
            let mut holes = ev.holes.take();
            let r = ev.template_into(parts, &inner, &mut holes);
            ev.holes = holes;
            r.map(Val::Str)
        }
        _ => Ok(ev.eval(&expr, &inner)),
    }
}

/// `text` with every hole outside a JSON string put in quotes.
fn quote_bare_holes(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if !in_string && rest.starts_with("@@meshsynth-hole-") {
            if let Some(end) = rest["@@meshsynth-hole-".len()..].find("@@") {
                let len = "@@meshsynth-hole-".len() + end + 2;
                out.push('"');
                out.push_str(&rest[..len]);
                out.push('"');
                rest = &rest[len..];
                continue;
            }
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The text standing for the `i`th value not known statically in a JSON text.
fn hole(i: usize) -> String {
    format!("@@meshsynth-hole-{i}@@")
}

/// The JSON text of `v` (a string with [`hole`]s) as a value, the holes put back: a string
/// that is one hole becomes the hole's value; a string with a hole inside, its unknown.
fn fill_holes(v: Val, holes: &[Val]) -> Val {
    fn fill(v: Val, holes: &[Val]) -> Val {
        match v {
            Val::Str(s) if s.contains("@@meshsynth-hole-") => {
                for (i, h) in holes.iter().enumerate() {
                    if s == hole(i) {
                        return h.clone();
                    }
                }
                let i = holes
                    .iter()
                    .enumerate()
                    .find(|(i, _)| s.contains(&hole(*i)))
                    .map(|(_, h)| h);
                i.and_then(Val::as_unknown)
                    .unwrap_or_else(|| unknown("a value not known statically"))
            }
            Val::List(xs) => Val::List(xs.into_iter().map(|x| fill(x, holes)).collect()),
            Val::Map(m) => Val::Map(m.into_iter().map(|(k, x)| (k, fill(x, holes))).collect()),
            Val::Json(x) => Val::Json(Box::new(fill(*x, holes))),
            other => other,
        }
    }
    match v {
        Val::Str(text) => {
            let parsed = serde_json::from_str::<Json>(&text).or_else(|_| {
                // A hole outside quotes (`"cpu": ${var.cpu}`): quote it to parse.
                let quoted = quote_bare_holes(&text);
                serde_json::from_str::<Json>(&quoted)
            });
            match parsed {
                Ok(j) => Val::Json(Box::new(fill(from_json(&j), holes))),
                Err(_) => holes
                    .first()
                    .and_then(Val::as_unknown)
                    .unwrap_or_else(|| unknown("a value not known statically")),
            }
        }
        other => fill(other, holes),
    }
}

fn sort_vals(xs: &mut [Val]) {
    xs.sort_by(|a, b| match (a, b) {
        (Val::Num(x), Val::Num(y)) => x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal),
        _ => to_string(a)
            .unwrap_or_default()
            .cmp(&to_string(b).unwrap_or_default()),
    });
}

fn resolve(ev: &Eval, p: &str, scope: &Scope) -> std::path::PathBuf {
    let path = std::path::Path::new(p);
    if path.is_absolute() {
        return path.to_path_buf();
    }
    match ev.m.files.get(scope.file) {
        Some(f) => f.dir.join(path),
        None => path.to_path_buf(),
    }
}

fn read_file(ev: &Eval, p: &str, scope: &Scope) -> Result<String, Val> {
    let full = resolve(ev, p, scope);
    match std::fs::metadata(&full) {
        Ok(m) if m.len() > 4 * 1024 * 1024 => {
            return Err(unknown(format!("file `{p}` is over 4 MiB")))
        }
        _ => {}
    }
    std::fs::read_to_string(&full).map_err(|e| {
        unknown(format!(
            "file `{p}` (read as {}) cannot be read: {e}",
            full.display()
        ))
    })
}

/// Terraform's `format` verbs: `%s %d %v %q %f %t %%` (flags and widths are not supported).
fn format(f: &str, args: &[Val]) -> Result<String, Val> {
    let mut out = String::new();
    let mut chars = f.chars().peekable();
    let mut i = 0;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // Precision for %f: %.2f
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut n = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n.push(*d);
                chars.next();
            }
            precision = n.parse().ok();
        }
        let verb = chars.next();
        if verb == Some('%') {
            out.push('%');
            continue;
        }
        let v = args
            .get(i)
            .ok_or_else(|| unknown(format!("format(\"{f}\") has too few arguments")))?;
        i += 1;
        if let Some(u) = v.deep_unknown() {
            return Err(u);
        }
        match verb {
            Some('s') | Some('v') => match v {
                Val::List(_) | Val::Map(_) => out.push_str(&plain_json(v)?.to_string()),
                _ => out.push_str(&to_string(v)?),
            },
            Some('d') => out.push_str(&format!("{}", to_num(v)?.trunc() as i64)),
            Some('f') => {
                let x = to_num(v)?;
                out.push_str(&format!("{:.*}", precision.unwrap_or(6), x));
            }
            Some('q') => out.push_str(&serde_json::to_string(&to_string(v)?).unwrap_or_default()),
            Some('t') => out.push_str(&to_bool(v)?.to_string()),
            other => {
                return Err(unknown(format!(
                    "format() verb %{} is not supported by import",
                    other.map(String::from).unwrap_or_default()
                )))
            }
        }
    }
    Ok(out)
}
