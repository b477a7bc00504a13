//! Mutators. Each case applies one to three of them to a seed: at the YAML-value level (parse
//! with serde_yaml, change the tree, print it again) and at the text and byte level (what a
//! parser never gives back: duplicate keys, anchors, merge keys, tags, control characters, broken
//! indentation, flipped bytes).
//!
//! Inputs the library can take in-process stay small enough not to overflow the stack of the
//! harness or to take long: nesting at most [`MAX_DEPTH`] levels, strings at most
//! [`MAX_STRING`] bytes, keys at most [`MAX_KEY`] bytes. The heavy mutators (thousands of levels,
//! megabyte strings and keys) make a case that only goes through the binary, in a process of its
//! own with a timeout, so a crash or a hang is reported instead of taking the harness down.

use serde_yaml::value::{Tag, TaggedValue};
use serde_yaml::{Mapping, Number, Value};

use crate::rng::Rng;

/// The deepest nesting an in-process mutator adds (the binary crashed at a few thousand levels
/// before the loader had a depth limit; serde_yaml's own limit is 128).
pub const MAX_DEPTH: usize = 300;
/// The longest string an in-process mutator writes.
pub const MAX_STRING: usize = 64 * 1024;
/// The longest key an in-process mutator writes ("did you mean" compares every unknown key
/// with every known one).
pub const MAX_KEY: usize = 1024;

/// The largest document a value mutation prints (aliases are expanded when it does).
const MAX_EMITTED: usize = 256 * 1024;

/// One mutated input.
pub struct Mutated {
    pub bytes: Vec<u8>,
    /// What was done, in order, for the report.
    pub applied: Vec<String>,
    /// Made by a heavy mutator: only the binary may read it.
    pub heavy: bool,
}

/// Applies one to three mutations to `seed`; one of them is heavy when `heavy` is set.
pub fn mutate(seed: &str, rng: &mut Rng, heavy: bool) -> Mutated {
    let count = match rng.below(20) {
        0..=7 => 1,
        8..=14 => 2,
        _ => 3,
    };
    let mut m = Mutated {
        bytes: seed.as_bytes().to_vec(),
        applied: Vec::new(),
        heavy: false,
    };
    for i in 0..count {
        if heavy && i == count - 1 {
            heavy_mutation(&mut m, rng);
            m.heavy = true;
            continue;
        }
        let Ok(text) = String::from_utf8(m.bytes.clone()) else {
            // Once bytes are broken, only byte edits apply.
            let what = byte_flip(&mut m.bytes, rng);
            m.applied.push(what);
            continue;
        };
        let done = if rng.chance(9, 20) {
            value_mutation(&text, rng)
        } else {
            None
        };
        match done {
            Some((text, what)) => {
                m.bytes = text.into_bytes();
                m.applied.push(what);
            }
            None => {
                if rng.chance(1, 12) {
                    let mut bytes = text.into_bytes();
                    let what = byte_flip(&mut bytes, rng);
                    m.bytes = bytes;
                    m.applied.push(what);
                } else {
                    let (text, what) = text_mutation(text, rng);
                    m.bytes = text.into_bytes();
                    m.applied.push(what);
                }
            }
        }
    }
    m
}

// ---------------------------------------------------------------------------------------------
// Building blocks

/// Characters that have broken parsers, renderers and identifier rules elsewhere: line and
/// paragraph separators, NEL, BOM, NUL and other controls, bidi marks, joiners, combining marks,
/// case-mapping oddities (`İ` lowercases to two characters, `ß` uppercases to two), emoji,
/// noncharacters, and YAML and template syntax.
pub const SPECIAL_CHARS: &[&str] = &[
    "\u{2028}",
    "\u{2029}",
    "\u{85}",
    "\u{feff}",
    "\0",
    "\t",
    "\r",
    "\r\n",
    "\n",
    "\u{1b}",
    "\u{7f}",
    "\u{7}",
    "\u{8}",
    "\u{c}",
    "\u{b}",
    "\u{202e}",
    "\u{200f}",
    "\u{200e}",
    "\u{200b}",
    "\u{200d}",
    "\u{301}",
    "\u{fffd}",
    "\u{ffff}",
    "\u{10ffff}",
    "\u{e000}",
    "\u{1f980}",
    "\u{1f469}\u{200d}\u{1f469}\u{200d}\u{1f467}",
    "\u{130}",
    "\u{df}",
    "\u{fb03}",
    "\u{3a9}",
    "\u{1c5}",
    "\u{3000}",
    "\u{ff46}",
    "\u{a0}",
    "\"",
    "'",
    "\\",
    "`",
    "$",
    "${",
    "{{",
    "}}",
    "{%",
    "%",
    "#",
    ":",
    ": ",
    " #",
    "&",
    "*",
    "!",
    "|",
    ">",
    "-",
    "? ",
    ",",
    "[",
    "]",
    "{",
    "}",
    "@",
    "/",
    "..",
    "<",
    "=",
    " ",
];

/// Whole strings to put where a name, a reference or a value was.
const SPECIAL_STRINGS: &[&str] = &[
    "",
    " ",
    "null",
    "~",
    "true",
    "yes",
    "no",
    "on",
    "0",
    "-1",
    "1e309",
    ".inf",
    "\u{130}stanbul",
    "stra\u{df}e",
    "\u{202e}lmay.exe",
    "a\0b",
    "{{ 7 * 7 }}",
    "{% for x in y %}",
    "{# x",
    "${AWS::Region}",
    "%RESPONSE_CODE%",
    "</script>",
    "'; --",
    "../../etc/passwd",
    "C:\\x",
    "a/b",
    "a b",
    "x\ny",
    "a\u{2028}b",
    "arn:aws:acm:us-east-1:111122223333:certificate/x",
    "*",
    ".",
    "-",
    "_",
    "--",
    "a.b.c",
    "1.2.3.4",
    "::1",
    "0.0.0.0/0",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "\u{1f980}",
    "\u{301}a",
];

/// Numbers at and past every boundary a field might have.
fn extreme_value(rng: &mut Rng) -> Value {
    let n = |x: Number| Value::Number(x);
    match rng.below(27) {
        0 => n(Number::from(u64::from(u32::MAX) + 1)),
        1 => n(Number::from(u64::from(u32::MAX))),
        2 => n(Number::from(u64::MAX)),
        3 => n(Number::from(-1i64)),
        4 => n(Number::from(i64::MIN)),
        5 => n(Number::from(0u64)),
        6 => n(Number::from(65_536u64)),
        7 => n(Number::from(65_535u64)),
        8 => n(Number::from(2_147_483_648u64)),
        9 => n(Number::from(-2_147_483_649i64)),
        10 => n(Number::from(f64::INFINITY)),
        11 => n(Number::from(f64::NEG_INFINITY)),
        12 => n(Number::from(f64::NAN)),
        13 => n(Number::from(1e300)),
        14 => n(Number::from(-0.0f64)),
        15 => n(Number::from(5e-324)),
        16 => n(Number::from(0.5)),
        17 => n(Number::from(1e19)),
        18 => n(Number::from(101u64)),
        19 => Value::String("1e309".into()),
        20 => Value::String("18446744073709551616".into()),
        21 => Value::String("18446744073709551615m".into()),
        22 => Value::String("99999999999999999999ms".into()),
        23 => Value::String("4294967296s".into()),
        24 => Value::String("-1s".into()),
        25 => Value::String("0ms".into()),
        _ => Value::String("1.5s".into()),
    }
}

/// Numbers, special floats and integer spellings as YAML text, for the text mutators.
const EXTREME_TEXT: &[&str] = &[
    "4294967296",
    "4294967295",
    "18446744073709551615",
    "18446744073709551616",
    "340282366920938463463374607431768211456",
    "-1",
    "-0",
    "0",
    "-9223372036854775809",
    "1e309",
    "-1e309",
    "1e-400",
    ".inf",
    "-.inf",
    ".nan",
    ".NaN",
    "0x7FFFFFFF",
    "0xFFFFFFFFFFFFFFFFFF",
    "0o777",
    "0b101",
    "1_000",
    "+12",
    "012",
    "1.0",
    "3.",
    "1e3",
    "~",
    "null",
    "NULL",
    "true",
    "True",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "''",
    "\"\"",
    "[]",
    "{}",
    "-",
    "?",
    "|-\n  x",
    ">\n  x",
    "!!binary aGVsbG8=",
    "2001-12-14t21:59:43.10-05:00",
    "1s",
    "0s",
    "-5s",
    "99999999999999999999s",
    "18446744073709551615m",
    "307445734561825861m",
    "1.5s",
    "1h",
    "10000000ms",
    "4294967296s",
    "0ms",
    "1us",
    "PT1S",
    "\"\\u0000\"",
    "\"\\uD800\"",
    "\"\\x85\"",
    "\"\\L\\P\\N\\_\"",
    "'\u{2028}'",
    "*",
    "&",
    "!",
    "%",
    "@x",
    "`x`",
];

/// YAML tags: CloudFormation short forms, the core schema, serde_yaml's enum-variant tags (the
/// spec's variant names), and nonsense.
const TAGS: &[&str] = &[
    "!Ref",
    "!Sub",
    "!GetAtt",
    "!If",
    "!!str",
    "!!int",
    "!!float",
    "!!bool",
    "!!null",
    "!!map",
    "!!seq",
    "!!binary",
    "!!set",
    "!!omap",
    "!!timestamp",
    "!<tag:yaml.org,2002:str>",
    "!<!>",
    "!custom",
    "!http",
    "!http2",
    "!grpc",
    "!tcp",
    "!acm",
    "!file",
    "!sds",
    "!dns",
    "!cloud_map",
    "!strict",
    "!permissive",
    "!exact",
    "!prefix",
    "!weight",
    "!fargate",
    "!ec2",
    "!",
];

/// Tags as serde_yaml's emitter can print them (local tags only).
const VALUE_TAGS: &[&str] = &[
    "!Ref",
    "!Sub",
    "!GetAtt",
    "!custom",
    "!http",
    "!http2",
    "!grpc",
    "!tcp",
    "!acm",
    "!file",
    "!sds",
    "!dns",
    "!cloud_map",
    "!strict",
    "!exact",
    "!prefix",
    "!json",
    "!text",
    "!fargate",
    "!ec2",
    "!celery",
];

/// A string of about `len` bytes made of one repeated piece.
fn long_string(rng: &mut Rng, max: usize) -> String {
    let len = (*rng.pick(&[64usize, 255, 256, 1000, 1025, 4096, 65_536])).min(max);
    let piece = *rng.pick(&[
        "a",
        "orders-v1-",
        "\u{e9}",
        "\u{1f980}",
        "{{ x }}",
        "-",
        "9",
        "A.",
        "\u{301}",
        "\\",
        " ",
    ]);
    let mut s = String::with_capacity(len + 8);
    while s.len() < len {
        s.push_str(piece);
    }
    while s.len() > len {
        s.pop();
    }
    s
}

fn special_string(rng: &mut Rng) -> String {
    (*rng.pick(SPECIAL_STRINGS)).to_owned()
}

/// `s` with a special character put in at a random place.
fn with_special_char(s: &str, rng: &mut Rng) -> String {
    let boundaries: Vec<usize> = s
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()))
        .collect();
    let at = *rng.pick(&boundaries);
    format!("{}{}{}", &s[..at], rng.pick(SPECIAL_CHARS), &s[at..])
}

/// A key close to `k`: one that may collide with it once sanitised into an identifier, differ
/// only in case or spacing, or be empty.
fn key_variant(k: &str, rng: &mut Rng) -> String {
    match rng.below(16) {
        0 => format!("{k}-copy"),
        1 => k.to_uppercase(),
        2 => k.replace('-', "_"),
        3 => k.replace(['-', '_'], "."),
        4 => format!("{k} "),
        5 => format!(" {k}"),
        6 => String::new(),
        7 => k.chars().take(1).collect(),
        8 => format!("{k}{k}"),
        9 => format!("{k}\u{130}"),
        10 => format!("{k}2"),
        11 => k.replace(['-', '_', '.'], ""),
        12 => {
            let mut up = true;
            k.chars()
                .filter_map(|c| {
                    if c.is_alphanumeric() {
                        let out = if up { c.to_ascii_uppercase() } else { c };
                        up = false;
                        Some(out)
                    } else {
                        up = true;
                        None
                    }
                })
                .collect()
        }
        13 => with_special_char(k, rng),
        14 => format!("{k}-{}", "x".repeat(rng.range(30, 70))),
        _ => special_string(rng),
    }
}

// ---------------------------------------------------------------------------------------------
// Value-level mutations

#[derive(Clone)]
enum Step {
    Key(Value),
    Index(usize),
}

/// The value under any tags.
fn untag(v: &mut Value) -> &mut Value {
    match v {
        Value::Tagged(t) => untag(&mut t.value),
        other => other,
    }
}

fn untag_ref(v: &Value) -> &Value {
    match v {
        Value::Tagged(t) => untag_ref(&t.value),
        other => other,
    }
}

/// Every node's path, the root's (empty) first.
fn paths(v: &Value) -> Vec<Vec<Step>> {
    fn walk(v: &Value, cur: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
        out.push(cur.clone());
        match untag_ref(v) {
            Value::Mapping(m) => {
                for (k, x) in m {
                    cur.push(Step::Key(k.clone()));
                    walk(x, cur, out);
                    cur.pop();
                }
            }
            Value::Sequence(s) => {
                for (i, x) in s.iter().enumerate() {
                    cur.push(Step::Index(i));
                    walk(x, cur, out);
                    cur.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut Vec::new(), &mut out);
    out
}

fn get<'a>(root: &'a Value, path: &[Step]) -> Option<&'a Value> {
    let mut cur = root;
    for s in path {
        cur = match (s, untag_ref(cur)) {
            (Step::Key(k), Value::Mapping(m)) => m.get(k)?,
            (Step::Index(i), Value::Sequence(v)) => v.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn get_mut<'a>(root: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    let mut cur = root;
    for s in path {
        cur = match (s, untag(cur)) {
            (Step::Key(k), Value::Mapping(m)) => m.get_mut(k)?,
            (Step::Index(i), Value::Sequence(v)) => v.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn describe(path: &[Step]) -> String {
    if path.is_empty() {
        return "(top)".into();
    }
    let mut s = String::new();
    for step in path {
        match step {
            Step::Key(Value::String(k)) => {
                if !s.is_empty() {
                    s.push('.');
                }
                let k: String = k.chars().take(40).collect();
                s.push_str(&k);
            }
            Step::Key(_) => s.push_str(".?"),
            Step::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn is_scalar(v: &Value) -> bool {
    !matches!(
        untag_ref(v),
        Value::Mapping(_) | Value::Sequence(_) | Value::Tagged(_)
    )
}

/// Every string in the document, keys included: names to refer to from elsewhere.
fn strings(v: &Value, out: &mut Vec<String>) {
    match untag_ref(v) {
        Value::String(s) => out.push(s.clone()),
        Value::Mapping(m) => {
            for (k, x) in m {
                if let Value::String(s) = k {
                    out.push(s.clone());
                }
                strings(x, out);
            }
        }
        Value::Sequence(s) => s.iter().for_each(|x| strings(x, out)),
        _ => {}
    }
}

fn type_swap(old: &Value, rng: &mut Rng) -> Value {
    match rng.below(14) {
        0 => Value::Null,
        1 => Value::Bool(true),
        2 => Value::Bool(false),
        3 => Value::Number(Number::from(1u64)),
        4 => Value::Number(Number::from(1.5f64)),
        5 => Value::String("x".into()),
        6 => Value::String(String::new()),
        7 => Value::String("80".into()),
        8 => Value::String("1s".into()),
        9 => Value::Sequence(Vec::new()),
        10 => Value::Sequence(vec![old.clone()]),
        11 => Value::Mapping(Mapping::new()),
        12 => {
            let mut m = Mapping::new();
            m.insert(Value::String("x".into()), old.clone());
            Value::Mapping(m)
        }
        _ => match untag_ref(old) {
            // A scalar's other spellings.
            Value::String(s) => match s.parse::<f64>() {
                Ok(f) => Value::Number(Number::from(f)),
                Err(_) => Value::Number(Number::from(s.len() as u64)),
            },
            Value::Number(n) => Value::String(n.to_string()),
            Value::Bool(b) => Value::String(b.to_string()),
            _ => Value::String("[]".into()),
        },
    }
}

fn nest(mut v: Value, depth: usize, rng: &mut Rng) -> Value {
    let style = rng.below(3);
    for i in 0..depth {
        let seq = match style {
            0 => true,
            1 => false,
            _ => i % 2 == 0,
        };
        v = if seq {
            Value::Sequence(vec![v])
        } else {
            let mut m = Mapping::new();
            m.insert(Value::String("a".into()), v);
            Value::Mapping(m)
        };
    }
    v
}

/// Replaces every string and key equal to `old` with `new`; how many.
fn rename_everywhere(v: &mut Value, old: &str, new: &str) -> usize {
    match untag(v) {
        Value::String(s) if s == old => {
            *s = new.to_owned();
            1
        }
        Value::Mapping(m) => {
            let mut count = 0;
            let entries: Vec<(Value, Value)> = std::mem::take(m).into_iter().collect();
            for (mut k, mut x) in entries {
                if k.as_str() == Some(old) {
                    k = Value::String(new.to_owned());
                    count += 1;
                }
                count += rename_everywhere(&mut x, old, new);
                m.insert(k, x);
            }
            count
        }
        Value::Sequence(s) => s.iter_mut().map(|x| rename_everywhere(x, old, new)).sum(),
        _ => 0,
    }
}

/// Replaces the key at the end of `path` (a mapping entry) with `new`, keeping its place.
fn rename_key(root: &mut Value, path: &[Step], new: Value) -> bool {
    let Some((Step::Key(old), parent)) = path.split_last() else {
        return false;
    };
    let Some(Value::Mapping(m)) = get_mut(root, parent).map(untag) else {
        return false;
    };
    let entries: Vec<(Value, Value)> = std::mem::take(m).into_iter().collect();
    for (k, v) in entries {
        if &k == old {
            m.insert(new.clone(), v);
        } else if !m.contains_key(&k) {
            m.insert(k, v);
        }
    }
    true
}

/// Parses `text`, applies one tree mutation and prints it again; `None` when the text is not a
/// YAML document serde_yaml reads (then a text mutator runs instead).
fn value_mutation(text: &str, rng: &mut Rng) -> Option<(String, String)> {
    let mut root: Value = serde_yaml::from_str(text).ok()?;
    let all = paths(&root);
    let non_root: Vec<&Vec<Step>> = all.iter().filter(|p| !p.is_empty()).collect();
    if non_root.is_empty() {
        return None;
    }
    let path = (*rng.pick(&non_root)).clone();
    let at = describe(&path);
    let what = match rng.below(16) {
        13 | 14 => {
            // Rename a name everywhere it appears, so references still hold: to a name that
            // may collide with another once sanitised, or that tests the name rules.
            let mut names = Vec::new();
            strings(&root, &mut names);
            names.retain(|n| !n.is_empty() && n.len() <= 64);
            if names.is_empty() {
                return None;
            }
            let old = rng.pick(&names).clone();
            let new = if rng.chance(1, 3) {
                rng.pick(&names).clone()
            } else {
                let mut n = key_variant(&old, rng);
                n.truncate(MAX_KEY);
                n
            };
            let count = rename_everywhere(&mut root, &old, &new);
            format!("value:rename-everywhere {old:?} -> {new:?} ({count}x)")
        }
        15 => {
            // Nudge a number: still a number, often still in range.
            let numbers: Vec<&Vec<Step>> = non_root
                .iter()
                .copied()
                .filter(|p| matches!(get(&root, p).map(untag_ref), Some(Value::Number(_))))
                .collect();
            if numbers.is_empty() {
                return None;
            }
            let path = (*rng.pick(&numbers)).clone();
            let at = describe(&path);
            let slot = get_mut(&mut root, &path)?;
            let Value::Number(n) = untag(slot) else {
                return None;
            };
            let old = n.as_i64().unwrap_or(0);
            let new = match rng.below(6) {
                0 => old + 1,
                1 => old - 1,
                2 => old * 2,
                3 => old / 2,
                4 => 0,
                _ => 1,
            };
            *slot = Value::Number(Number::from(new));
            format!("value:nudge-number {old} -> {new} {at}")
        }
        0 | 1 => {
            // Delete a key or a list item.
            let (last, parent) = path.split_last()?;
            match (last, untag(get_mut(&mut root, parent)?)) {
                (Step::Key(k), Value::Mapping(m)) => {
                    m.shift_remove(k);
                }
                (Step::Index(i), Value::Sequence(s)) => {
                    s.remove(*i);
                }
                _ => return None,
            }
            format!("value:delete {at}")
        }
        2 => {
            // Duplicate an entry under a near key, or a list item in place.
            let (last, parent) = path.split_last()?;
            let copy = get(&root, &path)?.clone();
            let new_key = match last {
                Step::Key(Value::String(k)) => {
                    let mut k2 = key_variant(k, rng);
                    k2.truncate(MAX_KEY);
                    Some(Value::String(k2))
                }
                Step::Key(_) => Some(Value::String("x".into())),
                Step::Index(_) => None,
            };
            match (last, untag(get_mut(&mut root, parent)?), new_key) {
                (_, Value::Mapping(m), Some(k)) => {
                    m.insert(k, copy);
                }
                (Step::Index(i), Value::Sequence(s), None) => s.insert(*i, copy),
                _ => return None,
            }
            format!("value:duplicate {at}")
        }
        3 => {
            // Rename a key: a near name, another name of the document, or not a string at all.
            let Some(Step::Key(Value::String(k))) = path.last() else {
                return None;
            };
            let new = match rng.below(6) {
                0 => {
                    let mut names = Vec::new();
                    strings(&root, &mut names);
                    Value::String(rng.pick(&names).clone())
                }
                1 => Value::Number(Number::from(rng.below(100_000) as u64)),
                2 => Value::Null,
                3 => Value::Sequence(vec![Value::String(k.clone())]),
                4 => Value::Bool(true),
                _ => {
                    let mut k2 = key_variant(k, rng);
                    k2.truncate(MAX_KEY);
                    Value::String(k2)
                }
            };
            if !rename_key(&mut root, &path, new) {
                return None;
            }
            format!("value:rename {at}")
        }
        4 => {
            let slot = get_mut(&mut root, &path)?;
            *slot = type_swap(slot, rng);
            format!("value:type-swap {at}")
        }
        5 | 6 => {
            // Extreme numbers, preferably where a number was.
            let numbers: Vec<&Vec<Step>> = non_root
                .iter()
                .copied()
                .filter(|p| matches!(get(&root, p).map(untag_ref), Some(Value::Number(_))))
                .collect();
            let path = if !numbers.is_empty() && rng.chance(3, 4) {
                (*rng.pick(&numbers)).clone()
            } else {
                path
            };
            let at = describe(&path);
            *get_mut(&mut root, &path)? = extreme_value(rng);
            format!("value:extreme-number {at}")
        }
        7 => {
            // A long string, as a value or as a key.
            match path.last() {
                Some(Step::Key(Value::String(_))) if rng.chance(1, 3) => {
                    let k = long_string(rng, MAX_KEY);
                    let n = k.len();
                    rename_key(&mut root, &path, Value::String(k));
                    format!("value:long-key({n}) {at}")
                }
                _ => {
                    let s = long_string(rng, MAX_STRING);
                    let n = s.len();
                    *get_mut(&mut root, &path)? = Value::String(s);
                    format!("value:long-string({n}) {at}")
                }
            }
        }
        8 => {
            // Unicode and control characters in a string or a key.
            let slot = get_mut(&mut root, &path)?;
            match (untag(slot), path.last()) {
                (Value::String(s), _) if rng.chance(2, 3) => {
                    *s = with_special_char(s, rng);
                }
                (_, Some(Step::Key(Value::String(k)))) if rng.chance(1, 2) => {
                    let k2 = with_special_char(k, rng);
                    rename_key(&mut root, &path, Value::String(k2));
                }
                (v, _) => *v = Value::String(special_string(rng)),
            }
            format!("value:unicode {at}")
        }
        9 => {
            let tag = *rng.pick(VALUE_TAGS);
            let slot = get_mut(&mut root, &path)?;
            let inner = std::mem::replace(slot, Value::Null);
            *slot = Value::Tagged(Box::new(TaggedValue {
                tag: Tag::new(tag),
                value: inner,
            }));
            format!("value:tag {tag} {at}")
        }
        10 => {
            let depth = *rng.pick(&[1usize, 2, 5, 20, 127, 128, 129, 200, MAX_DEPTH]);
            let slot = get_mut(&mut root, &path)?;
            let inner = std::mem::replace(slot, Value::Null);
            *slot = nest(inner, depth, rng);
            format!("value:nest({depth}) {at}")
        }
        11 => {
            // Graft another node of the document here, or refer to another name.
            let mut names = Vec::new();
            strings(&root, &mut names);
            let from = (*rng.pick(&non_root)).clone();
            let replacement = if rng.chance(1, 2) && !names.is_empty() {
                Value::String(rng.pick(&names).clone())
            } else {
                get(&root, &from)?.clone()
            };
            let scalar = is_scalar(&replacement);
            *get_mut(&mut root, &path)? = replacement;
            if scalar {
                format!("value:cross-reference {at}")
            } else {
                format!("value:graft {} -> {at}", describe(&from))
            }
        }
        _ => {
            let empty = match rng.below(4) {
                0 => Value::Mapping(Mapping::new()),
                1 => Value::Sequence(Vec::new()),
                2 => Value::String(String::new()),
                _ => Value::Null,
            };
            *get_mut(&mut root, &path)? = empty;
            format!("value:empty {at}")
        }
    };
    let out = serde_yaml::to_string(&root).ok()?;
    // Printing expands aliases: an exponential document stays a text-level input.
    if out.len() > MAX_EMITTED {
        return None;
    }
    Some((out, what))
}

// ---------------------------------------------------------------------------------------------
// Text-level mutations

/// Where a value stands in the text: after the `:` of `key:` (or the `-` of a list item) up to
/// the end of the inline value, or of the indented block under the key.
#[derive(Clone, Copy)]
struct Slot {
    /// Just after the `:` or `-`.
    start: usize,
    /// The end of the value (before its newline).
    end: usize,
    /// The value is the indented block on the following lines.
    block: bool,
    /// The indentation of the line holding the key.
    indent: usize,
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i < text.len())
        .collect()
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The value slots of `text`, found line by line (good enough for the corpus's block and flow
/// style; a wrong guess only makes a stranger input).
fn slots(text: &str) -> Vec<Slot> {
    let starts = line_starts(text);
    let lines: Vec<&str> = starts
        .iter()
        .map(|&s| {
            let rest = &text[s..];
            &rest[..rest.find('\n').unwrap_or(rest.len())]
        })
        .collect();
    let mut out = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let base = starts[n];
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        let indent = indent_of(line);
        let flow = line.contains('{') || line.contains('[');
        // Inline values after `: ` (and list items after `- `).
        for (i, _) in line.match_indices(": ").chain(line.match_indices("- ")) {
            let from = i + 2;
            let Some(first) = line[from..].chars().next() else {
                continue;
            };
            if "{[|>&*!#\n".contains(first) {
                continue;
            }
            let rest = &line[from..];
            let len = if flow {
                rest.find([',', '}', ']']).unwrap_or(rest.len())
            } else {
                rest.find(" #").unwrap_or(rest.len())
            };
            if len == 0 {
                continue;
            }
            out.push(Slot {
                start: base + i + 1,
                end: base + from + len,
                block: false,
                indent,
            });
        }
        // `key:` with the value on the lines below.
        let code = line.split(" #").next().unwrap_or(line).trim_end();
        if code.ends_with(':') && !flow {
            let mut end = base + line.len();
            for (m, next) in lines.iter().enumerate().skip(n + 1) {
                let t = next.trim_start();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                let child = indent_of(next) > indent
                    || (indent_of(next) == indent
                        && t.starts_with("- ")
                        && !trimmed.starts_with("- "));
                if !child {
                    break;
                }
                end = starts[m] + next.len();
            }
            out.push(Slot {
                start: base + code.len(),
                end,
                block: end > base + line.len(),
                indent,
            });
        }
    }
    out
}

fn replace(text: &str, from: usize, to: usize, with: &str) -> String {
    format!("{}{}{}", &text[..from], with, &text[to..])
}

fn char_boundary_at_or_before(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The lines of the block starting at line `n`: the line and those indented under it.
fn block_end(lines: &[&str], n: usize) -> usize {
    let indent = indent_of(lines[n]);
    let mut end = n + 1;
    while end < lines.len() {
        let t = lines[end].trim_start();
        if !t.is_empty() && indent_of(lines[end]) <= indent && !t.starts_with('#') {
            break;
        }
        end += 1;
    }
    end
}

/// Text as lines, each with its newline.
fn split_lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

fn text_mutation(text: String, rng: &mut Rng) -> (String, String) {
    let slots = slots(&text);
    let lines = split_lines(&text);
    if lines.is_empty() {
        return (
            format!("{text}{}", rng.pick(EXTREME_TEXT)),
            "text:append".into(),
        );
    }
    match rng.below(24) {
        0 | 1 => {
            let n = rng.below(lines.len());
            let k = rng.range(1, 3).min(lines.len() - n);
            let mut out: Vec<&str> = lines.clone();
            out.drain(n..n + k);
            (out.concat(), format!("text:delete-lines {}+{k}", n + 1))
        }
        2 | 3 => {
            // Duplicate a key with its block: right after itself (a duplicate key) or elsewhere.
            let n = rng.below(lines.len());
            let end = block_end(&lines, n);
            let block: Vec<&str> = lines[n..end].to_vec();
            let mut out: Vec<&str> = lines.clone();
            let at = if rng.chance(2, 3) {
                end
            } else {
                rng.below(lines.len() + 1)
            };
            let mut block_text = block.concat();
            if !block_text.ends_with('\n') {
                block_text.push('\n');
            }
            let mut joined: String = out.drain(..at.min(out.len())).collect();
            if !joined.is_empty() && !joined.ends_with('\n') {
                joined.push('\n');
            }
            joined.push_str(&block_text);
            joined.push_str(&out.concat());
            (joined, format!("text:duplicate-block {}..{}", n + 1, end))
        }
        4 => {
            let a = rng.below(lines.len());
            let b = rng.below(lines.len());
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            if !out.last().is_some_and(|l| l.ends_with('\n')) {
                out.last_mut().unwrap().push('\n');
            }
            out.swap(a, b);
            (out.concat(), format!("text:swap-lines {} {}", a + 1, b + 1))
        }
        5 => {
            let n = rng.below(lines.len());
            let line = lines[n];
            let new = match rng.below(5) {
                0 => format!(" {line}"),
                1 => format!("  {line}"),
                2 => line.strip_prefix(' ').unwrap_or(line).to_owned(),
                3 => line.trim_start_matches(' ').to_owned(),
                _ => format!("\t{}", line.trim_start_matches(' ')),
            };
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            out[n] = new;
            (out.concat(), format!("text:indent line {}", n + 1))
        }
        6 => {
            let at = char_boundary_at_or_before(&text, rng.below(text.len() + 1));
            (text[..at].to_owned(), format!("text:truncate at {at}"))
        }
        7 | 8 => {
            let at = char_boundary_at_or_before(&text, rng.below(text.len() + 1));
            let c = *rng.pick(SPECIAL_CHARS);
            (
                replace(&text, at, at, c),
                format!("text:insert-char {:?} at {at}", c),
            )
        }
        9..=11 if !slots.is_empty() => {
            let s = *rng.pick(&slots);
            let tok = *rng.pick(EXTREME_TEXT);
            let end = if s.block { s.start } else { s.end };
            (
                replace(&text, s.start, end, &format!(" {tok}")),
                format!("text:replace-scalar {tok:?} at {}", s.start),
            )
        }
        12 if !slots.is_empty() => {
            let s = *rng.pick(&slots);
            let tag = *rng.pick(TAGS);
            (
                replace(&text, s.start, s.start, &format!(" {tag}")),
                format!("text:tag {tag} at {}", s.start),
            )
        }
        13 | 14 if slots.len() >= 2 => {
            // An anchor on one value and an alias to it in another (defined or not yet).
            let a = *rng.pick(&slots);
            let b = *rng.pick(&slots);
            if a.start == b.start || (a.start < b.end && b.start < a.end) {
                return (
                    replace(&text, a.start, a.start, " &x"),
                    "text:anchor-only".into(),
                );
            }
            let alias = if rng.chance(1, 8) { " *nope" } else { " *x" };
            // Edit the later one first so the earlier offsets hold.
            let out = if a.start < b.start {
                let t = replace(&text, b.start, b.end, alias);
                replace(&t, a.start, a.start, " &x")
            } else {
                let t = replace(&text, a.start, a.start, " &x");
                replace(&t, b.start, b.end, alias)
            };
            (out, format!("text:anchor-alias {} {}", a.start, b.start))
        }
        15 if slots.iter().any(|s| s.block) => {
            // A merge key: `<<: *m` in one mapping, from an anchored other one.
            let blocks: Vec<Slot> = slots.iter().copied().filter(|s| s.block).collect();
            let a = *rng.pick(&blocks);
            let b = *rng.pick(&blocks);
            let merge = match rng.below(5) {
                0 => "<<: [*m, *m]".to_owned(),
                1 => "<<: { name: merged }".to_owned(),
                2 => "<<: *nope".to_owned(),
                3 => "<<: 5".to_owned(),
                _ => "<<: *m".to_owned(),
            };
            // The merge line goes right after b's `key:` line, indented as its first child.
            let after_b = text[b.start..].find('\n').map(|i| b.start + i + 1);
            let child_indent = after_b
                .map(|i| indent_of(&text[i..]))
                .unwrap_or(b.indent + 2);
            let line = format!("{}{merge}\n", " ".repeat(child_indent));
            let out = match after_b {
                Some(i) if i > a.start => {
                    let t = replace(&text, i, i, &line);
                    replace(&t, a.start, a.start, " &m")
                }
                Some(i) => {
                    let t = replace(&text, a.start, a.start, " &m");
                    replace(&t, i, i, &line)
                }
                None => replace(&text, a.start, a.start, " &m"),
            };
            (out, format!("text:merge-key {merge:?}"))
        }
        16 => {
            // Exponential aliases ("billion laughs") as extra top-level keys.
            let levels = rng.range(2, 9);
            let mut add = String::from("lol0: &l0 [x, x, x, x, x, x, x, x, x]\n");
            for i in 1..=levels {
                let refs = vec![format!("*l{}", i - 1); 9].join(", ");
                add.push_str(&format!("lol{i}: &l{i} [{refs}]\n"));
            }
            if rng.chance(1, 2) {
                add.push_str(&format!("tags: *l{levels}\n"));
            }
            let mut out = text.clone();
            if !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&add);
            (out, format!("text:billion-laughs {levels}"))
        }
        17 if !slots.is_empty() => {
            let s = *rng.pick(&slots);
            let depth = *rng.pick(&[10usize, 64, 127, 128, 129, 200, MAX_DEPTH]);
            let nested = deep_text(depth, rng.below(4), s.indent);
            (
                replace(&text, s.start, s.end, &nested),
                format!("text:deep-nest({depth}) at {}", s.start),
            )
        }
        18 => {
            let (out, what) = match rng.below(6) {
                0 => (format!("{text}---\n{text}"), "second document"),
                1 => (format!("--- \n{text}"), "explicit start"),
                2 => (
                    format!("{text}...\n{}", rng.pick(EXTREME_TEXT)),
                    "end marker",
                ),
                3 => (format!("%YAML 1.1\n---\n{text}"), "YAML 1.1 directive"),
                4 => (
                    format!("%TAG !e! tag:e.com,2000:\n---\n{text}"),
                    "TAG directive",
                ),
                _ => (format!("{text}---\n"), "empty second document"),
            };
            (out, format!("text:multi-document {what}"))
        }
        19 => {
            let (out, what) = match rng.below(5) {
                0 => (text.replace('\n', "\r\n"), "CRLF"),
                1 => (text.replace('\n', "\r"), "CR"),
                2 => (text.replacen('\n', "\r\n", rng.range(1, 5)), "some CRLF"),
                3 => (text.replacen('\n', "\u{2028}", 1), "U+2028"),
                _ => (text.replacen('\n', "\u{85}", 1), "NEL"),
            };
            (out, format!("text:line-endings {what}"))
        }
        20 => {
            let at = char_boundary_at_or_before(&text, rng.below(text.len() + 1));
            let c = *rng.pick(&["#", " #", "# x\n", "\n#", " # &a *b"]);
            (replace(&text, at, at, c), format!("text:comment at {at}"))
        }
        21 => {
            let (out, what) = match rng.below(3) {
                0 => (format!("\u{feff}{text}"), "leading BOM"),
                1 => (format!("\u{feff}\u{feff}{text}"), "two BOMs"),
                _ => {
                    let at = char_boundary_at_or_before(&text, rng.below(text.len() + 1));
                    (replace(&text, at, at, "\u{feff}"), "BOM inside")
                }
            };
            (out, format!("text:bom {what}"))
        }
        22 => {
            // Tabs for indentation.
            let n = rng.below(lines.len());
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            let ind = indent_of(&out[n]);
            out[n] = format!("{}{}", "\t".repeat(ind.div_ceil(2)), &out[n][ind..]);
            (out.concat(), format!("text:tab-indent line {}", n + 1))
        }
        _ => {
            // A top-level key the schema does not know, or a known one given twice.
            let key = *rng.pick(&[
                "name",
                "mesh",
                "virtual_nodes",
                "tags",
                "airflow",
                "nmae",
                "virtual_node",
                "\"virtual_nodes \"",
                "? [a]",
                "1",
                "null",
                "<<",
            ]);
            let mut out = text.clone();
            if !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&format!("{key}: {}\n", rng.pick(EXTREME_TEXT)));
            (out, format!("text:top-level-key {key}"))
        }
    }
}

/// `depth` levels of nesting as YAML text: flow sequences, flow mappings, block sequences
/// (`- - - x`) or indented block mappings.
fn deep_text(depth: usize, style: usize, indent: usize) -> String {
    match style {
        0 => format!(" {}{}", "[".repeat(depth), "]".repeat(depth)),
        1 => format!(" {}x{}", "{a: ".repeat(depth), "}".repeat(depth)),
        2 => format!("\n{}{}x", " ".repeat(indent + 2), "- ".repeat(depth)),
        _ => {
            let mut s = String::new();
            for i in 0..depth {
                s.push('\n');
                s.push_str(&" ".repeat(indent + 2 * (i + 1)));
                s.push_str("a:");
            }
            s.push_str(" x");
            s
        }
    }
}

/// Flips, overwrites, inserts or deletes one to four bytes (the result may not be UTF-8).
fn byte_flip(bytes: &mut Vec<u8>, rng: &mut Rng) -> String {
    let edits = rng.range(1, 4);
    let mut what = Vec::new();
    for _ in 0..edits {
        if bytes.is_empty() {
            bytes.push(rng.below(256) as u8);
            continue;
        }
        let at = rng.below(bytes.len());
        match rng.below(4) {
            0 => {
                let bit = rng.below(8);
                bytes[at] ^= 1 << bit;
                what.push(format!("flip bit {bit} of byte {at}"));
            }
            1 => {
                let b = *rng.pick(&[0u8, 0x80, 0xc0, 0xff, 0xfe, 0xed, b'\r', b'\t', 0x7f]);
                bytes[at] = b;
                what.push(format!("byte {at} = {b:#04x}"));
            }
            2 => {
                let b = rng.below(256) as u8;
                bytes.insert(at, b);
                what.push(format!("insert {b:#04x} at {at}"));
            }
            _ => {
                bytes.remove(at);
                what.push(format!("delete byte {at}"));
            }
        }
    }
    format!("bytes:{}", what.join(", "))
}

// ---------------------------------------------------------------------------------------------
// Heavy mutations: only through the binary

fn heavy_mutation(m: &mut Mutated, rng: &mut Rng) {
    let text = String::from_utf8_lossy(&m.bytes).into_owned();
    let slots = slots(&text);
    let what = match rng.below(4) {
        0 | 1 => {
            let depth = *rng.pick(&[1_000usize, 3_000, 10_000, 50_000]);
            let style = rng.below(4);
            let style = if depth > 3_000 && style == 3 {
                2
            } else {
                style
            };
            let out = match slots.is_empty() || rng.chance(1, 4) {
                true => deep_text(depth, style, 0).trim_start().to_owned(),
                false => {
                    let s = *rng.pick(&slots);
                    replace(&text, s.start, s.end, &deep_text(depth, style, s.indent))
                }
            };
            m.bytes = out.into_bytes();
            format!("heavy:deep-nest({depth}, style {style})")
        }
        2 => {
            let len = *rng.pick(&[256 * 1024usize, 1 << 20, 4 << 20]);
            let value = "x".repeat(len);
            let out = if slots.is_empty() {
                format!("{text}\nname: {value}\n")
            } else {
                let s = *rng.pick(&slots);
                replace(
                    &text,
                    s.start,
                    if s.block { s.start } else { s.end },
                    &format!(" {value}"),
                )
            };
            m.bytes = out.into_bytes();
            format!("heavy:huge-string({len})")
        }
        _ => {
            let len = *rng.pick(&[16 * 1024usize, 100 * 1024, 1 << 20]);
            let key = "k".repeat(len);
            let blocks: Vec<Slot> = slots.iter().copied().filter(|s| s.block).collect();
            let out = if blocks.is_empty() || rng.chance(1, 3) {
                format!("? {key}\n: 1\n{text}")
            } else {
                let s = *rng.pick(&blocks);
                let after = text[s.start..]
                    .find('\n')
                    .map(|i| s.start + i + 1)
                    .unwrap_or(text.len());
                let ind = " ".repeat(indent_of(&text[after.min(text.len())..]).max(s.indent + 2));
                replace(&text, after, after, &format!("{ind}? {key}\n{ind}: 1\n"))
            };
            m.bytes = out.into_bytes();
            format!("heavy:huge-key({len})")
        }
    };
    m.applied.push(what);
}
