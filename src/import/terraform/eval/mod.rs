//! Evaluates a Terraform module's expressions statically: variables (defaults or
//! `--parameter`), locals, templates, operators, a set of functions, `count`/`for_each`,
//! `dynamic` blocks, and references to the module's own resources. What cannot be known before
//! `terraform apply` becomes a marked value: a deploy-time attribute of a resource of the module
//! ([`Val::Ref`]) or an unknown with the reason ([`Val::Unknown`]); operations on those give
//! unknowns, so a reader never guesses.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::ast::{self, Body, Expr, Item, Kind, Part};
use crate::diagnostic::Location;
use crate::import::model::{self, ImportError, Supplied};

mod expr;
mod functions;
mod holes;
mod value;

use functions::render;
use holes::fill_holes;
use value::*;
pub use value::{from_json, num_json, to_json, Handle, Instances, Key, Val};

/// How long a collection a reader builds at most (`range`, `count`, ...): a guard against
/// inputs that would take all memory.
pub(super) const MAX_ITEMS: usize = 10_000;
/// How deep evaluation may recurse (expressions inside references inside expressions).
pub(super) const MAX_DEPTH: usize = 160;
/// How many expressions a module's evaluation may take: a guard against `for` expressions
/// that would run for hours.
pub(super) const MAX_STEPS: u64 = 5_000_000;
/// How much value a module's evaluation may produce (list and map elements plus string bytes,
/// counted at every expression): a guard against values that double at each step.
pub(super) const MAX_WEIGHT: usize = 20_000_000;

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
