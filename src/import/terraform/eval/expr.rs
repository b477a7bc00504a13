//! Expressions: literals, templates, operators, `for`, references and function calls.

use std::collections::BTreeMap;

use super::super::ast::{self, BinOp, Expr, Kind, Op, Part};
use super::functions::functions;
use super::holes::hole;
use super::value::*;
use super::{Eval, Handle, Instances, Scope, MAX_DEPTH, MAX_STEPS, MAX_WEIGHT};
use crate::diagnostic::Location;
use crate::import::model::ImportError;

impl Eval<'_> {
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
    pub(super) fn room(&self) -> usize {
        MAX_WEIGHT.saturating_sub(self.weight)
    }

    pub(super) fn eval_inner(&mut self, e: &Expr, scope: &Scope) -> Val {
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

    pub(super) fn template(&mut self, parts: &[Part], scope: &Scope) -> Result<String, Val> {
        self.template_into(parts, scope, &mut None)
    }

    /// A template's text; with `holes`, an interpolation not known statically is written as
    /// a [`hole`] (its value kept in `holes`) instead of making the whole text unknown.
    pub(super) fn template_into(
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

    pub(super) fn for_expr(&mut self, f: &ast::ForExpr, scope: &Scope) -> Val {
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
    pub(super) fn root(&mut self, name: &str, ops: &[Op], scope: &Scope) -> (Val, usize) {
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
                // `--parameter 'data.TYPE.NAME={ attr = ... }'` supplies what the data source reads.
                let address = format!("data.{}", parts.join("."));
                if let Some(v) = self.supplied.parameters.get(&address) {
                    return (self.convert_supplied(v, "any"), 2);
                }
                // The flag spells out the attributes this expression reads:
                // `data.x.y.tags["Name"]` → `{ tags = { Name = "VALUE" } }`.
                let mut shape = "\"VALUE\"".to_owned();
                for op in ops.iter().skip(2).rev() {
                    let key = match op {
                        crate::import::terraform::ast::Op::Attr(a) => a.clone(),
                        crate::import::terraform::ast::Op::Index(e) => match &e.kind {
                            crate::import::terraform::ast::Kind::Str(k) => k.clone(),
                            _ => "KEY".into(),
                        },
                        crate::import::terraform::ast::Op::Splat(_) => continue,
                    };
                    let key = if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                        key
                    } else {
                        format!("\"{key}\"")
                    };
                    shape = format!("{{ {key} = {shape} }}");
                }
                if shape == "\"VALUE\"" {
                    shape = "{ ATTRIBUTE = \"VALUE\" }".into();
                }
                (
                    Val::Unknown(
                        format!("data source `{address}`, which Terraform reads at plan time"),
                        Some(format!("--parameter '{address}={shape}'")),
                    ),
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

    pub(super) fn apply_ops(&mut self, mut v: Val, ops: &[Op], scope: &Scope) -> Val {
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

    pub(super) fn get_attr(&mut self, v: Val, a: &str) -> Val {
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

    pub(super) fn index(&mut self, v: Val, k: &Val) -> Val {
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

    pub(super) fn call(
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
