//! The Terraform functions a reader evaluates (any other is an unknown naming it), and
//! `templatefile`'s rendering.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::super::ast::{self, Kind};
use super::value::*;
use super::{Eval, Scope, MAX_ITEMS};

pub fn arity(name: &str, args: &[Val], min: usize, max: usize) -> Result<(), Val> {
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

pub fn arg(args: &[Val], i: usize) -> &Val {
    args.get(i).unwrap_or(&Val::Null)
}

pub fn s(args: &[Val], i: usize) -> Result<String, Val> {
    to_string(arg(args, i))
}

/// The functions a reader evaluates; any other is an unknown naming it.
pub fn functions(ev: &mut Eval, name: &str, a: &[Val], scope: &Scope) -> Result<Val, Val> {
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
                start.saturating_add(len as usize).min(chars.len())
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
pub fn render(
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

pub fn resolve(ev: &Eval, p: &str, scope: &Scope) -> std::path::PathBuf {
    let path = std::path::Path::new(p);
    if path.is_absolute() {
        return path.to_path_buf();
    }
    match ev.m.files.get(scope.file) {
        Some(f) => f.dir.join(path),
        None => path.to_path_buf(),
    }
}

pub fn read_file(ev: &Eval, p: &str, scope: &Scope) -> Result<String, Val> {
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
pub fn format(f: &str, args: &[Val]) -> Result<String, Val> {
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
            // Rust's formatter refuses precisions past u16::MAX; no template needs a tenth of that.
            if precision.is_none_or(|p| p > 100) {
                return Err(unknown(format!(
                    "format(\"{f}\") asks for a precision past 100 digits"
                )));
            }
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
