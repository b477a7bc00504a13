//! Values of the evaluation, their conversions, and the operators.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value as Json};

use super::super::ast::BinOp;
use super::{MAX_ITEMS, MAX_WEIGHT};
use crate::import::model;

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

pub fn unknown(what: impl Into<String>) -> Val {
    Val::Unknown(what.into(), None)
}

/// The reason a reference is not known statically.
pub fn ref_why(id: &str, attr: &str) -> String {
    format!("the {attr} of `{id}` is known only after deploy")
}

impl Val {
    /// The unknown this value stands for when an operation needs it known.
    pub fn as_unknown(&self) -> Option<Val> {
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
    pub fn deep_unknown(&self) -> Option<Val> {
        match self {
            Val::List(xs) => xs.iter().find_map(Val::deep_unknown),
            Val::Map(m) => m.values().find_map(Val::deep_unknown),
            Val::Json(v) => v.deep_unknown(),
            other => other.as_unknown(),
        }
    }

    pub fn type_name(&self) -> &'static str {
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
pub fn plain_json(v: &Val) -> Result<Json, Val> {
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

pub fn to_num(v: &Val) -> Result<f64, Val> {
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

pub fn to_bool(v: &Val) -> Result<bool, Val> {
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
pub fn elements(v: &Val) -> Result<Vec<Val>, Val> {
    match v {
        Val::List(xs) => Ok(xs.clone()),
        Val::Map(m) => Ok(m.values().cloned().collect()),
        other => Err(other
            .as_unknown()
            .unwrap_or_else(|| unknown(format!("{} where a list is needed", other.type_name())))),
    }
}

pub fn list_of(v: &Val) -> Result<Vec<Val>, Val> {
    match v {
        Val::List(xs) => Ok(xs.clone()),
        other => Err(other
            .as_unknown()
            .unwrap_or_else(|| unknown(format!("{} where a list is needed", other.type_name())))),
    }
}

pub fn map_of(v: &Val) -> Result<BTreeMap<String, Val>, Val> {
    match v {
        Val::Map(m) => Ok(m.clone()),
        Val::Null => Ok(BTreeMap::new()),
        other => Err(other
            .as_unknown()
            .unwrap_or_else(|| unknown(format!("{} where a map is needed", other.type_name())))),
    }
}

/// Structural equality, or the unknown that keeps it from being decided.
pub fn equal(a: &Val, b: &Val) -> Result<bool, Val> {
    if let Some(u) = a.deep_unknown().or_else(|| b.deep_unknown()) {
        return Err(u);
    }
    Ok(match (a, b) {
        (Val::Json(_), _) | (_, Val::Json(_)) => to_string(a)? == to_string(b)?,
        _ => a == b,
    })
}

pub fn too_large() -> Val {
    unknown(format!(
        "the module's values grow past {MAX_WEIGHT} elements and bytes, so import stops evaluating them"
    ))
}

/// The size of a value (elements and string bytes), counted up to `limit`.
pub fn weight(v: &Val, limit: usize) -> usize {
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

/// Keys and values of a collection, for `for` expressions and template `for` directives.
pub fn iterate(v: &Val) -> Result<Vec<(Val, Val)>, Val> {
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
pub fn for_each_entries(v: &Val) -> Result<Vec<(String, Val)>, Val> {
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
pub fn for_each_entries_dynamic(v: &Val) -> Result<Vec<(Val, Val)>, Val> {
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

pub fn binary(op: BinOp, a: &Val, b: &Val) -> Val {
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

pub fn sort_vals(xs: &mut [Val]) {
    xs.sort_by(|a, b| match (a, b) {
        (Val::Num(x), Val::Num(y)) => x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal),
        _ => to_string(a)
            .unwrap_or_default()
            .cmp(&to_string(b).unwrap_or_default()),
    });
}
