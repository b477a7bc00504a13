//! Container definitions written as JSON text with interpolations not known statically: each
//! such interpolation is written as a hole, the text parsed, and the holes put back, so that
//! the rest of the JSON stays readable.

use serde_json::Value as Json;

use super::value::{from_json, unknown, Val};

/// `text` with every hole outside a JSON string put in quotes.
pub fn quote_bare_holes(text: &str) -> String {
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
pub fn hole(i: usize) -> String {
    format!("@@meshsynth-hole-{i}@@")
}

/// The JSON text of `v` (a string with [`hole`]s) as a value, the holes put back: a string
/// that is one hole becomes the hole's value; a string with a hole inside, its unknown.
pub fn fill_holes(v: Val, holes: &[Val]) -> Val {
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
