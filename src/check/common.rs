//! Helpers the rule groups share: ports, string lengths, "set exactly one of" unions, listener
//! ports, the header / metadata / query-parameter match lists, and the parts of ARNs.

use std::collections::BTreeMap;

use super::Ctx;
use crate::diagnostic::{Code, FieldPath};
use crate::spec::{HeaderMatch, OneOrMany, Protocol, QueryParameterMatch};

/// Most header, query-parameter or metadata matches App Mesh takes in one match.
pub(crate) const MAX_MATCHES: usize = 10;

/// `` `a` `` / `` `a` and `b` `` / `` `a`, `b` and `c` ``.
pub(crate) fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("`{}`", s.as_ref())).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// `` `a`, `b`, `c` ``.
pub(crate) fn comma_list<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| format!("`{}`", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The listener ports of a router, node or gateway, for help lines.
pub(crate) fn ports_list(listeners: &[(u32, Protocol)]) -> String {
    let ports: Vec<String> = listeners.iter().map(|(p, _)| p.to_string()).collect();
    comma_list(&ports)
}

/// A user value for a message: one line, at most 40 characters.
pub(crate) fn shown(value: &str) -> String {
    let one_line = value.replace('\n', "\\n");
    if one_line.chars().count() <= 40 {
        one_line
    } else {
        let head: String = one_line.chars().take(37).collect();
        format!("{head}…")
    }
}

/// The article for a protocol name: "an `http` route", "a `grpc` route".
pub(crate) fn a(p: Protocol) -> &'static str {
    match p {
        Protocol::Http | Protocol::Http2 => "an",
        Protocol::Grpc | Protocol::Tcp => "a",
    }
}

/// Every port is 1–65535.
pub(crate) fn check_port(ctx: &mut Ctx, path: FieldPath, port: u32) {
    if !(1..=65535).contains(&port) {
        ctx.error(
            Code::PortOutOfRange,
            path,
            format!("port `{port}` is outside 1–65535"),
        )
        .help = Some("use a port number from 1 to 65535".into());
    }
}

/// A string App Mesh bounds to 1–`max` characters.
pub(crate) fn check_len(ctx: &mut Ctx, path: FieldPath, what: &str, value: &str, max: usize) {
    let n = value.chars().count();
    if n == 0 {
        ctx.error(Code::LengthOutOfRange, path, format!("{what} is empty"))
            .help = Some(format!("write 1–{max} characters"));
    } else if n > max {
        ctx.error(
            Code::LengthOutOfRange,
            path,
            format!(
                "{what} `{}` has {n} characters, more than the {max} App Mesh allows",
                shown(value)
            ),
        )
        .help = Some(format!("shorten it to at most {max} characters"));
    }
}

/// A union: which of its keys may be set, and how to report a violation.
pub(crate) struct OneOf<'a> {
    /// What the keys belong to, e.g. "route `default`".
    pub what: &'a str,
    /// The union's keys in spec order, each with whether it is set.
    pub options: &'a [(&'static str, bool)],
    /// Code when more than one is set.
    pub ambiguous: Code,
    /// Code when none is set; `None` when setting none is fine.
    pub missing: Option<Code>,
}

/// Checks a union under `path`. Returns the one key that is set, if exactly one is.
pub(crate) fn exclusive(ctx: &mut Ctx, path: &FieldPath, u: OneOf) -> Option<&'static str> {
    let set: Vec<&'static str> = u
        .options
        .iter()
        .filter(|(_, on)| *on)
        .map(|(k, _)| *k)
        .collect();
    let keys: Vec<&str> = u.options.iter().map(|(k, _)| *k).collect();
    match set.as_slice() {
        [one] => Some(*one),
        [] => {
            if let Some(code) = u.missing {
                ctx.error(
                    code,
                    path.clone(),
                    format!("{} sets none of {}", u.what, comma_list(&keys)),
                )
                .help = Some(format!("add exactly one of {}", comma_list(&keys)));
            }
            None
        }
        [_, second, ..] => {
            let how = if u.missing.is_some() {
                "exactly"
            } else {
                "at most"
            };
            ctx.error(
                u.ambiguous,
                path.key(*second),
                format!(
                    "{} sets {}, which exclude each other",
                    u.what,
                    and_list(&set)
                ),
            )
            .help = Some(format!("keep {how} one of {}", comma_list(&keys)));
            None
        }
    }
}

/// No two listeners of one node, router or gateway share a port.
pub(crate) fn check_duplicate_ports(
    ctx: &mut Ctx,
    listeners: &FieldPath,
    owner: &str,
    ports: &[u32],
) {
    for (i, port) in ports.iter().enumerate() {
        if let Some(first) = ports[..i].iter().position(|p| p == port) {
            ctx.error(
                Code::DuplicateListenerPort,
                listeners.index(i).key("port"),
                format!("{owner} has two listeners on port `{port}`"),
            )
            .help = Some(format!(
                "`listeners[{first}]` already uses port `{port}`; give each listener its own port"
            ));
        }
    }
}

/// Which listener a route or target attaches to.
pub(crate) enum Attach {
    /// The listener: its port and protocol.
    Found(u32, Protocol),
    /// The owner has no listeners (reported by another rule, or the owner is not a server).
    NoListeners,
    /// The port named is not a listener port of the owner.
    UnknownPort(u32),
    /// The owner has several listeners and no port was named.
    Ambiguous,
}

/// Picks the listener with `port`, or the only listener when no port is named.
pub(crate) fn attach(listeners: &[(u32, Protocol)], port: Option<u32>) -> Attach {
    match (port, listeners) {
        (_, []) => Attach::NoListeners,
        (Some(p), _) => listeners
            .iter()
            .find(|(lp, _)| *lp == p)
            .map(|(lp, proto)| Attach::Found(*lp, *proto))
            .unwrap_or(Attach::UnknownPort(p)),
        (None, [(lp, proto)]) => Attach::Found(*lp, *proto),
        (None, _) => Attach::Ambiguous,
    }
}

/// Reports a port that names no listener of `owner` (unless `port-out-of-range` already did).
pub(crate) fn unknown_listener_port(
    ctx: &mut Ctx,
    path: FieldPath,
    owner: &str,
    port: u32,
    listeners: &[(u32, Protocol)],
) {
    if !(1..=65535).contains(&port) {
        return;
    }
    let help = match listeners {
        [(only, _)] => format!("use its listener port `{only}`, or drop `port`"),
        _ => format!("use one of its listener ports: {}", ports_list(listeners)),
    };
    ctx.error(
        Code::UnknownListenerPort,
        path,
        format!("{owner} has no listener on port `{port}`"),
    )
    .help = Some(help);
}

/// The path of one match of a header / metadata / query-parameter name: the name's key, plus the
/// list index when the YAML value was a list (a one-item list reads like a single mapping).
pub(crate) fn entry_path(base: &FieldPath, name: &str, i: usize, len: usize) -> FieldPath {
    if len > 1 {
        base.key(name).index(i)
    } else {
        base.key(name)
    }
}

fn empty_list(ctx: &mut Ctx, path: FieldPath, noun: &str, name: &str) {
    ctx.error(
        Code::EmptyMatchList,
        path,
        format!("{noun} `{name}` has an empty list of matches"),
    )
    .help = Some(format!(
        "write `{name}: {{}}` to match its presence, or list at least one match"
    ));
}

fn too_many(ctx: &mut Ctx, path: &FieldPath, noun: &str, count: usize) {
    if count > MAX_MATCHES {
        ctx.error(
            Code::TooManyMatches,
            path.clone(),
            format!(
                "{count} {noun} matches, more than the {MAX_MATCHES} App Mesh allows in one match"
            ),
        )
        .help =
            Some("drop some, or split the route into several routes that each match fewer".into());
    }
}

/// Header or gRPC metadata matches (`noun` is "header" or "metadata") under `path`.
pub(crate) fn check_header_matches(
    ctx: &mut Ctx,
    path: &FieldPath,
    noun: &str,
    map: &BTreeMap<String, OneOrMany<HeaderMatch>>,
) {
    too_many(ctx, path, noun, map.values().map(|m| m.0.len()).sum());
    for (name, matches) in map {
        check_len(ctx, path.key(name), &format!("{noun} name"), name, 50);
        if matches.0.is_empty() {
            empty_list(ctx, path.key(name), noun, name);
        }
        for (i, m) in matches.iter().enumerate() {
            let p = entry_path(path, name, i, matches.0.len());
            let what = format!("the match of {noun} `{name}`");
            exclusive(
                ctx,
                &p,
                OneOf {
                    what: &what,
                    options: &[
                        ("exact", m.exact.is_some()),
                        ("prefix", m.prefix.is_some()),
                        ("suffix", m.suffix.is_some()),
                        ("regex", m.regex.is_some()),
                        ("range", m.range.is_some()),
                    ],
                    ambiguous: Code::AmbiguousHeaderMatch,
                    missing: None,
                },
            );
            for (key, value) in [
                ("exact", &m.exact),
                ("prefix", &m.prefix),
                ("suffix", &m.suffix),
                ("regex", &m.regex),
            ] {
                if let Some(v) = value {
                    check_len(ctx, p.key(key), &format!("{noun} `{key}` value"), v, 255);
                }
            }
            if let Some(r) = &m.range {
                if r.start >= r.end {
                    ctx.error(
                        Code::InvalidRange,
                        p.key("range"),
                        format!(
                            "range `{}`–`{}` of {noun} `{name}` is empty",
                            r.start, r.end
                        ),
                    )
                    .help = Some(
                        "`start` is inclusive and `end` exclusive, so `end` must be greater than `start`"
                            .into(),
                    );
                }
            }
        }
    }
}

/// Query-parameter matches under `path`.
pub(crate) fn check_query_parameters(
    ctx: &mut Ctx,
    path: &FieldPath,
    map: &BTreeMap<String, OneOrMany<QueryParameterMatch>>,
) {
    too_many(
        ctx,
        path,
        "query-parameter",
        map.values().map(|m| m.0.len()).sum(),
    );
    for (name, matches) in map {
        if matches.0.is_empty() {
            empty_list(ctx, path.key(name), "query parameter", name);
        }
    }
}

/// `` `a` `` / `` `a` or `b` ``.
pub(crate) fn or_list<S: AsRef<str>>(items: &[S]) -> String {
    and_list(items).replacen(" and ", " or ", 1)
}

/// `a`, `a and b`, `a, b and c` without backticks.
pub(crate) fn and_plain(items: &[&str]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// An S3 bucket name: 3–63 lowercase letters, digits, `.` and `-`, starting and ending with a
/// letter or digit, without `..`.
pub(crate) fn valid_bucket(b: &str) -> bool {
    let bytes = b.as_bytes();
    (3..=63).contains(&b.len())
        && b.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && bytes[0].is_ascii_alphanumeric()
        && bytes[b.len() - 1].is_ascii_alphanumeric()
        && !b.contains("..")
}

/// An ARN's partition: `aws`, `aws-cn`, `aws-us-gov`, `aws-iso-b`, ...
pub(crate) fn is_partition(p: &str) -> bool {
    p == "aws"
        || p.strip_prefix("aws-").is_some_and(|r| {
            r.split('-')
                .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        })
}

/// An ARN's Region: `us-east-1`, `us-gov-west-1`, `ap-southeast-5`, ...
pub(crate) fn is_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// A 12-digit AWS account ID.
pub(crate) fn is_account(a: &str) -> bool {
    a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit())
}
