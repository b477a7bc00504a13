//! One syntax tree for both Terraform languages: HCL (parsed by `hcl-edit`, through `hcl-rs`)
//! and Terraform JSON (parsed here, with positions), so that one evaluator reads both.
//!
//! Terraform JSON has no schema-free way to tell a nested block from an object-valued
//! argument; both arrive here as a [`Block`] (an object) or repeated blocks (an array of
//! objects). The evaluator gives both the same value, a map, so nothing downstream depends on
//! the guess.

use hcl::edit::expr::{self as hx, Expression as HExpr, ObjectKey, TraversalOperator};
use hcl::edit::structure::{self as hs, BlockLabel, Structure};
use hcl::edit::template::{self as ht, Directive, Element};
use hcl::edit::Span;

use crate::diagnostic::Location;

#[derive(Debug, Clone, Default)]
pub struct Body {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone)]
pub enum Item {
    Attr(Attr),
    Block(Block),
}

#[derive(Debug, Clone)]
pub struct Attr {
    pub key: String,
    pub expr: Expr,
    pub loc: Option<Location>,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub ty: String,
    pub labels: Vec<String>,
    pub body: Body,
    pub loc: Option<Location>,
}

impl Body {
    pub fn attr(&self, key: &str) -> Option<&Attr> {
        self.items.iter().find_map(|i| match i {
            Item::Attr(a) if a.key == key => Some(a),
            _ => None,
        })
    }

    pub fn blocks<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.items.iter().filter_map(move |i| match i {
            Item::Block(b) if b.ty == ty => Some(b),
            _ => None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: Kind,
    pub loc: Option<Location>,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Template(Vec<Part>),
    Array(Vec<Expr>),
    /// Keys are expressions: a bare identifier key is a string literal.
    Object(Vec<(Expr, Expr)>),
    Var(String),
    Traverse(Box<Expr>, Vec<Op>),
    Call(String, Vec<Expr>, bool),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    For(Box<ForExpr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Eq,
    NotEq,
    LessEq,
    GreaterEq,
    Less,
    Greater,
    Plus,
    Minus,
    Mul,
    Div,
    Mod,
    And,
    Or,
}

#[derive(Debug, Clone)]
pub enum Op {
    Attr(String),
    Index(Expr),
    /// `.*` (false: only the attribute accesses that follow apply to each element) or `[*]`
    /// (true: every operation that follows does).
    Splat(bool),
}

#[derive(Debug, Clone)]
pub struct ForExpr {
    pub key_var: Option<String>,
    pub value_var: String,
    pub collection: Expr,
    pub key_expr: Option<Expr>,
    pub value_expr: Expr,
    pub cond: Option<Expr>,
    pub grouping: bool,
}

#[derive(Debug, Clone)]
pub enum Part {
    Lit(String),
    Interp(Expr),
    If(Expr, Vec<Part>, Vec<Part>),
    For(Option<String>, String, Expr, Vec<Part>),
}

impl Expr {
    pub fn new(kind: Kind, loc: Option<Location>) -> Expr {
        Expr { kind, loc }
    }
}

/// Byte offsets → 1-based line and column (columns count characters).
pub struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Lines<'a> {
        let mut starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            }
        }
        Lines { text, starts }
    }

    pub fn at(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start)
            + 1;
        Location {
            line: line + 1,
            column,
        }
    }

    fn span(&self, s: &impl Span) -> Option<Location> {
        s.span().map(|r| self.at(r.start))
    }
}

/// A syntax error: where and what.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub loc: Location,
    pub message: String,
}

// ----- HCL -----

pub fn parse_hcl(text: &str) -> Result<Body, SyntaxError> {
    // hcl-edit bounds nesting itself (64 levels, 128 chained operators), so no input
    // exhausts the stack.
    let body = hcl::edit::parser::parse_body(text).map_err(|e| SyntaxError {
        loc: Location {
            line: e.location().line(),
            column: e.location().column(),
        },
        message: e.message().to_owned(),
    })?;
    let lines = Lines::new(text);
    Ok(hcl_body(&lines, &body))
}

fn hcl_body(l: &Lines, body: &hs::Body) -> Body {
    let items = body
        .iter()
        .map(|s| match s {
            Structure::Attribute(a) => Item::Attr(Attr {
                key: a.key.as_str().to_owned(),
                expr: hcl_expr(l, &a.value),
                loc: l.span(a).or_else(|| l.span(&a.key)),
            }),
            Structure::Block(b) => Item::Block(Block {
                ty: b.ident.as_str().to_owned(),
                labels: b
                    .labels
                    .iter()
                    .map(|lb| match lb {
                        BlockLabel::Ident(i) => i.as_str().to_owned(),
                        BlockLabel::String(s) => s.value().clone(),
                    })
                    .collect(),
                body: hcl_body(l, &b.body),
                loc: l.span(b).or_else(|| l.span(&b.ident)),
            }),
        })
        .collect();
    Body { items }
}

fn num(n: &hcl::Number) -> f64 {
    n.as_f64().unwrap_or(0.0)
}

fn hcl_expr(l: &Lines, e: &HExpr) -> Expr {
    let loc = l.span(e);
    let kind = match e {
        HExpr::Null(_) => Kind::Null,
        HExpr::Bool(b) => Kind::Bool(*b.value()),
        HExpr::Number(n) => Kind::Num(num(n.value())),
        HExpr::String(s) => Kind::Str(s.value().clone()),
        HExpr::Array(a) => Kind::Array(a.iter().map(|x| hcl_expr(l, x)).collect()),
        HExpr::Object(o) => Kind::Object(
            o.iter()
                .map(|(k, v)| {
                    let key = match k {
                        ObjectKey::Ident(i) => {
                            Expr::new(Kind::Str(i.as_str().to_owned()), l.span(i))
                        }
                        ObjectKey::Expression(x) => hcl_expr(l, x),
                    };
                    (key, hcl_expr(l, v.expr()))
                })
                .collect(),
        ),
        HExpr::StringTemplate(t) => Kind::Template(hcl_template(l, t)),
        HExpr::HeredocTemplate(h) => Kind::Template(hcl_template(l, &h.template)),
        HExpr::Parenthesis(p) => return hcl_expr(l, p.inner()),
        HExpr::Variable(v) => Kind::Var(v.as_str().to_owned()),
        HExpr::Conditional(c) => Kind::Cond(
            Box::new(hcl_expr(l, &c.cond_expr)),
            Box::new(hcl_expr(l, &c.true_expr)),
            Box::new(hcl_expr(l, &c.false_expr)),
        ),
        HExpr::FuncCall(f) => {
            let mut name = String::new();
            for ns in &f.name.namespace {
                name.push_str(ns.as_str());
                name.push_str("::");
            }
            name.push_str(f.name.name.as_str());
            Kind::Call(
                name,
                f.args.iter().map(|a| hcl_expr(l, a)).collect(),
                f.args.expand_final(),
            )
        }
        HExpr::Traversal(t) => Kind::Traverse(
            Box::new(hcl_expr(l, &t.expr)),
            t.operators
                .iter()
                .map(|op| match op.value() {
                    TraversalOperator::AttrSplat(_) => Op::Splat(false),
                    TraversalOperator::FullSplat(_) => Op::Splat(true),
                    TraversalOperator::GetAttr(i) => Op::Attr(i.as_str().to_owned()),
                    TraversalOperator::Index(x) => Op::Index(hcl_expr(l, x)),
                    TraversalOperator::LegacyIndex(n) => {
                        Op::Index(Expr::new(Kind::Num(*n.value() as f64), None))
                    }
                })
                .collect(),
        ),
        HExpr::UnaryOp(u) => {
            let inner = Box::new(hcl_expr(l, &u.expr));
            match u.operator.value() {
                hx::UnaryOperator::Neg => Kind::Neg(inner),
                hx::UnaryOperator::Not => Kind::Not(inner),
            }
        }
        HExpr::BinaryOp(b) => {
            use hx::BinaryOperator as B;
            let op = match b.operator.value() {
                B::Eq => BinOp::Eq,
                B::NotEq => BinOp::NotEq,
                B::LessEq => BinOp::LessEq,
                B::GreaterEq => BinOp::GreaterEq,
                B::Less => BinOp::Less,
                B::Greater => BinOp::Greater,
                B::Plus => BinOp::Plus,
                B::Minus => BinOp::Minus,
                B::Mul => BinOp::Mul,
                B::Div => BinOp::Div,
                B::Mod => BinOp::Mod,
                B::And => BinOp::And,
                B::Or => BinOp::Or,
            };
            Kind::Binary(
                op,
                Box::new(hcl_expr(l, &b.lhs_expr)),
                Box::new(hcl_expr(l, &b.rhs_expr)),
            )
        }
        HExpr::ForExpr(f) => Kind::For(Box::new(ForExpr {
            key_var: f.intro.key_var.as_ref().map(|k| k.as_str().to_owned()),
            value_var: f.intro.value_var.as_str().to_owned(),
            collection: hcl_expr(l, &f.intro.collection_expr),
            key_expr: f.key_expr.as_ref().map(|k| hcl_expr(l, k)),
            value_expr: hcl_expr(l, &f.value_expr),
            cond: f.cond.as_ref().map(|c| hcl_expr(l, &c.expr)),
            grouping: f.grouping,
        })),
    };
    Expr::new(kind, loc)
}

/// What to strip around a template element: (before, after).
type Strips = (bool, bool);

enum Piece {
    Part(Part),
    /// A marker: strip spaces from the neighbouring literals.
    Strip(Strips),
}

fn hcl_template(l: &Lines, t: &ht::Template) -> Vec<Part> {
    let mut pieces = Vec::new();
    for el in t.iter() {
        match el {
            Element::Literal(s) => pieces.push(Piece::Part(Part::Lit(s.value().clone()))),
            Element::Interpolation(i) => {
                let (a, b) = (i.strip.strip_start(), i.strip.strip_end());
                pieces.push(Piece::Strip((a, false)));
                pieces.push(Piece::Part(Part::Interp(hcl_expr(l, &i.expr))));
                pieces.push(Piece::Strip((false, b)));
            }
            Element::Directive(d) => match d.as_ref() {
                Directive::If(d) => {
                    let mut then = hcl_template(l, &d.if_expr.template);
                    if d.if_expr.strip.strip_end() {
                        trim_first(&mut then);
                    }
                    let mut otherwise = Vec::new();
                    if let Some(e) = &d.else_expr {
                        if e.strip.strip_start() {
                            trim_last(&mut then);
                        }
                        otherwise = hcl_template(l, &e.template);
                        if e.strip.strip_end() {
                            trim_first(&mut otherwise);
                        }
                    }
                    if d.endif_expr.strip.strip_start() {
                        if d.else_expr.is_some() {
                            trim_last(&mut otherwise);
                        } else {
                            trim_last(&mut then);
                        }
                    }
                    pieces.push(Piece::Strip((d.if_expr.strip.strip_start(), false)));
                    pieces.push(Piece::Part(Part::If(
                        hcl_expr(l, &d.if_expr.cond_expr),
                        then,
                        otherwise,
                    )));
                    pieces.push(Piece::Strip((false, d.endif_expr.strip.strip_end())));
                }
                Directive::For(d) => {
                    let f = &d.for_expr;
                    let mut inner = hcl_template(l, &f.template);
                    if f.strip.strip_end() {
                        trim_first(&mut inner);
                    }
                    if d.endfor_expr.strip.strip_start() {
                        trim_last(&mut inner);
                    }
                    pieces.push(Piece::Strip((f.strip.strip_start(), false)));
                    pieces.push(Piece::Part(Part::For(
                        f.key_var.as_ref().map(|k| k.as_str().to_owned()),
                        f.value_var.as_str().to_owned(),
                        hcl_expr(l, &f.collection_expr),
                        inner,
                    )));
                    pieces.push(Piece::Strip((false, d.endfor_expr.strip.strip_end())));
                }
            },
        }
    }
    // Apply the strip markers to the neighbouring literals.
    let mut parts: Vec<Part> = Vec::new();
    let mut strip_next = false;
    for p in pieces {
        match p {
            Piece::Strip((before, after)) => {
                if before {
                    if let Some(Part::Lit(s)) = parts.last_mut() {
                        *s = s.trim_end().to_owned();
                    }
                }
                if after {
                    strip_next = true;
                }
            }
            Piece::Part(Part::Lit(s)) => {
                let s = if strip_next {
                    s.trim_start().to_owned()
                } else {
                    s
                };
                strip_next = false;
                parts.push(Part::Lit(s));
            }
            Piece::Part(other) => {
                strip_next = false;
                parts.push(other);
            }
        }
    }
    parts
}

fn trim_first(parts: &mut [Part]) {
    if let Some(Part::Lit(s)) = parts.first_mut() {
        *s = s.trim_start().to_owned();
    }
}

fn trim_last(parts: &mut [Part]) {
    if let Some(Part::Lit(s)) = parts.last_mut() {
        *s = s.trim_end().to_owned();
    }
}

/// A parsed template (of `templatefile`) as an expression.
pub fn template_expr(t: &ht::Template) -> Expr {
    let lines = Lines::new("");
    Expr::new(Kind::Template(hcl_template(&lines, t)), None)
}

/// One HCL expression (a `--parameter` value of a list or map variable).
pub fn parse_expr(text: &str) -> Option<Expr> {
    let e = hcl::edit::parser::parse_expr(text).ok()?;
    Some(hcl_expr(&Lines::new(text), &e))
}

/// A Terraform JSON string: a template (`${...}`, `%{...}`, `$${` for a literal `${`).
pub fn json_template(s: &str, loc: Option<Location>) -> Expr {
    if !s.contains("${") && !s.contains("%{") {
        return Expr::new(Kind::Str(s.to_owned()), loc);
    }
    match hcl::edit::parser::parse_template(s) {
        Ok(t) => {
            // Positions inside the string are relative to it: use the string's own.
            let lines = Lines::new("");
            let mut parts = hcl_template(&lines, &t);
            set_locs(&mut parts, loc);
            Expr::new(Kind::Template(parts), loc)
        }
        Err(e) => Expr::new(
            Kind::Call(
                "meshsynth::invalid".into(),
                vec![Expr::new(
                    Kind::Str(format!(
                        "the template `{}` does not parse: {} (column {} of the string)",
                        short(s),
                        e.message(),
                        e.location().column()
                    )),
                    loc,
                )],
                false,
            ),
            loc,
        ),
    }
}

fn short(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.to_owned()
    }
}

fn set_locs(parts: &mut [Part], loc: Option<Location>) {
    for p in parts {
        match p {
            Part::Lit(_) => {}
            Part::Interp(e) => set_loc(e, loc),
            Part::If(c, a, b) => {
                set_loc(c, loc);
                set_locs(a, loc);
                set_locs(b, loc);
            }
            Part::For(_, _, c, inner) => {
                set_loc(c, loc);
                set_locs(inner, loc);
            }
        }
    }
}

fn set_loc(e: &mut Expr, loc: Option<Location>) {
    e.loc = loc;
    match &mut e.kind {
        Kind::Template(parts) => set_locs(parts, loc),
        Kind::Array(xs) => xs.iter_mut().for_each(|x| set_loc(x, loc)),
        Kind::Object(kv) => kv.iter_mut().for_each(|(k, v)| {
            set_loc(k, loc);
            set_loc(v, loc);
        }),
        Kind::Traverse(x, ops) => {
            set_loc(x, loc);
            for op in ops {
                if let Op::Index(i) = op {
                    set_loc(i, loc);
                }
            }
        }
        Kind::Call(_, args, _) => args.iter_mut().for_each(|x| set_loc(x, loc)),
        Kind::Cond(a, b, c) => {
            set_loc(a, loc);
            set_loc(b, loc);
            set_loc(c, loc);
        }
        Kind::Not(x) | Kind::Neg(x) => set_loc(x, loc),
        Kind::Binary(_, a, b) => {
            set_loc(a, loc);
            set_loc(b, loc);
        }
        Kind::For(f) => {
            set_loc(&mut f.collection, loc);
            if let Some(k) = &mut f.key_expr {
                set_loc(k, loc);
            }
            set_loc(&mut f.value_expr, loc);
            if let Some(c) = &mut f.cond {
                set_loc(c, loc);
            }
        }
        _ => {}
    }
}

// ----- JSON -----

/// A JSON value with the position of its first character.
#[derive(Debug, Clone)]
pub struct JNode {
    pub v: JV,
    pub loc: Location,
}

#[derive(Debug, Clone)]
pub enum JV {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<JNode>),
    /// Keys with their positions, in order (duplicates kept).
    Obj(Vec<(String, Location, JNode)>),
}

pub fn parse_json(text: &str) -> Result<JNode, SyntaxError> {
    // serde_json words the errors well and bounds the depth; a positioned tree is built after.
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        return Err(SyntaxError {
            loc: Location {
                line: e.line().max(1),
                column: e.column().max(1),
            },
            message: strip_position(&e.to_string()),
        });
    }
    let mut p = JsonParser {
        s: text.as_bytes(),
        i: 0,
        lines: Lines::new(text),
        text,
    };
    p.ws();
    let v = p.value(0)?;
    Ok(v)
}

fn strip_position(m: &str) -> String {
    match m.rfind(" at line ") {
        Some(i) => m[..i].to_owned(),
        None => m.to_owned(),
    }
}

struct JsonParser<'a> {
    s: &'a [u8],
    i: usize,
    lines: Lines<'a>,
    text: &'a str,
}

impl JsonParser<'_> {
    fn err(&self, message: &str) -> SyntaxError {
        SyntaxError {
            loc: self.lines.at(self.i),
            message: message.to_owned(),
        }
    }

    fn ws(&mut self) {
        while let Some(c) = self.s.get(self.i) {
            if c.is_ascii_whitespace() {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<JNode, SyntaxError> {
        if depth > 200 {
            return Err(self.err("nested too deeply"));
        }
        let loc = self.lines.at(self.i);
        let v = match self.s.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        let kloc = self.lines.at(self.i);
                        let k = self.string()?;
                        self.ws();
                        if self.s.get(self.i) != Some(&b':') {
                            return Err(self.err("expected `:`"));
                        }
                        self.i += 1;
                        self.ws();
                        let v = self.value(depth + 1)?;
                        items.push((k, kloc, v));
                        self.ws();
                        match self.s.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b'}') => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err(self.err("expected `,` or `}`")),
                        }
                    }
                }
                JV::Obj(items)
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        items.push(self.value(depth + 1)?);
                        self.ws();
                        match self.s.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b']') => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err(self.err("expected `,` or `]`")),
                        }
                    }
                }
                JV::Arr(items)
            }
            Some(b'"') => JV::Str(self.string()?),
            Some(b't') if self.s[self.i..].starts_with(b"true") => {
                self.i += 4;
                JV::Bool(true)
            }
            Some(b'f') if self.s[self.i..].starts_with(b"false") => {
                self.i += 5;
                JV::Bool(false)
            }
            Some(b'n') if self.s[self.i..].starts_with(b"null") => {
                self.i += 4;
                JV::Null
            }
            Some(c) if *c == b'-' || c.is_ascii_digit() => {
                let start = self.i;
                while let Some(c) = self.s.get(self.i) {
                    if c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E') {
                        self.i += 1;
                    } else {
                        break;
                    }
                }
                let t = self.text.get(start..self.i).unwrap_or("");
                JV::Num(t.parse().map_err(|_| self.err("invalid number"))?)
            }
            _ => return Err(self.err("expected a value")),
        };
        Ok(JNode { v, loc })
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        if self.s.get(self.i) != Some(&b'"') {
            return Err(self.err("expected a string"));
        }
        let start = self.i;
        self.i += 1;
        while let Some(c) = self.s.get(self.i) {
            match c {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    let raw = self.text.get(start..self.i).unwrap_or("\"\"");
                    return serde_json::from_str(raw).map_err(|_| self.err("invalid string"));
                }
                _ => self.i += 1,
            }
        }
        Err(self.err("unterminated string"))
    }
}

/// A JSON value as an expression (strings are templates).
pub fn json_expr(n: &JNode) -> Expr {
    let loc = Some(n.loc);
    let kind = match &n.v {
        JV::Null => Kind::Null,
        JV::Bool(b) => Kind::Bool(*b),
        JV::Num(x) => Kind::Num(*x),
        JV::Str(s) => return json_template(s, loc),
        JV::Arr(items) => Kind::Array(items.iter().map(json_expr).collect()),
        JV::Obj(items) => Kind::Object(
            items
                .iter()
                .filter(|(k, _, _)| k != "//")
                .map(|(k, kl, v)| (json_template(k, Some(*kl)), json_expr(v)))
                .collect(),
        ),
    };
    Expr::new(kind, loc)
}

/// Keys of a JSON body that are always arguments (expressions), never nested blocks.
const EXPRESSION_KEYS: &[&str] = &["count", "for_each", "depends_on", "provider", "iterator"];

/// Keys of a JSON body that Terraform reads as meta-blocks this reader ignores.
const IGNORED_KEYS: &[&str] = &["lifecycle", "provisioner", "connection", "//"];

/// A JSON object as a block body.
pub fn json_body(items: &[(String, Location, JNode)]) -> Body {
    let mut out = Vec::new();
    for (k, kloc, v) in items {
        if IGNORED_KEYS.contains(&k.as_str()) {
            continue;
        }
        if k == "dynamic" {
            // "dynamic": { "label": { "for_each": ..., "content": {...} } } (or a list of them)
            if let JV::Obj(labels) = &v.v {
                for (label, lloc, spec) in labels {
                    for one in objects(spec) {
                        out.push(Item::Block(Block {
                            ty: "dynamic".into(),
                            labels: vec![label.clone()],
                            body: json_body(one),
                            loc: Some(*lloc),
                        }));
                    }
                }
            }
            continue;
        }
        if EXPRESSION_KEYS.contains(&k.as_str()) {
            out.push(Item::Attr(Attr {
                key: k.clone(),
                expr: json_expr(v),
                loc: Some(*kloc),
            }));
            continue;
        }
        match &v.v {
            JV::Obj(inner) => out.push(Item::Block(Block {
                ty: k.clone(),
                labels: vec![],
                body: json_body(inner),
                loc: Some(*kloc),
            })),
            JV::Arr(xs) if !xs.is_empty() && xs.iter().all(|x| matches!(x.v, JV::Obj(_))) => {
                for x in xs {
                    if let JV::Obj(inner) = &x.v {
                        out.push(Item::Block(Block {
                            ty: k.clone(),
                            labels: vec![],
                            body: json_body(inner),
                            loc: Some(x.loc),
                        }));
                    }
                }
            }
            _ => out.push(Item::Attr(Attr {
                key: k.clone(),
                expr: json_expr(v),
                loc: Some(*kloc),
            })),
        }
    }
    Body { items: out }
}

/// An object, or each object of an array.
pub fn objects(n: &JNode) -> Vec<&[(String, Location, JNode)]> {
    match &n.v {
        JV::Obj(items) => vec![items.as_slice()],
        JV::Arr(xs) => xs
            .iter()
            .filter_map(|x| match &x.v {
                JV::Obj(items) => Some(items.as_slice()),
                _ => None,
            })
            .collect(),
        _ => vec![],
    }
}

/// A whole Terraform JSON file as HCL-like top-level blocks: `resource`, `data`, `variable`,
/// `locals`, `module`, ... with their labels.
pub fn json_file(root: &JNode) -> Result<Body, SyntaxError> {
    let JV::Obj(top) = &root.v else {
        return Err(SyntaxError {
            loc: root.loc,
            message: "a Terraform JSON file is an object at the top".into(),
        });
    };
    let mut items = Vec::new();
    for (kind, kloc, v) in top {
        match kind.as_str() {
            "resource" | "data" => {
                // { "type": { "name": { body } } }
                for types in objects(v) {
                    for (ty, tloc, names) in types {
                        for named in objects(names) {
                            for (name, nloc, body) in named {
                                for one in objects(body) {
                                    items.push(Item::Block(Block {
                                        ty: kind.clone(),
                                        labels: vec![ty.clone(), name.clone()],
                                        body: json_body(one),
                                        loc: Some(*nloc),
                                    }));
                                }
                                let _ = tloc;
                            }
                        }
                    }
                }
            }
            "variable" | "module" | "output" | "provider" => {
                for named in objects(v) {
                    for (name, nloc, body) in named {
                        for one in objects(body) {
                            let body = if kind == "variable" {
                                // A variable's default is a value, never a block.
                                Body {
                                    items: one
                                        .iter()
                                        .filter(|(k, _, _)| k != "//")
                                        .map(|(k, l, v)| {
                                            Item::Attr(Attr {
                                                key: k.clone(),
                                                expr: if k == "type" {
                                                    type_expr(v)
                                                } else {
                                                    json_expr(v)
                                                },
                                                loc: Some(*l),
                                            })
                                        })
                                        .collect(),
                                }
                            } else {
                                json_body(one)
                            };
                            items.push(Item::Block(Block {
                                ty: kind.clone(),
                                labels: vec![name.clone()],
                                body,
                                loc: Some(*nloc),
                            }));
                        }
                    }
                }
            }
            "locals" => {
                for one in objects(v) {
                    items.push(Item::Block(Block {
                        ty: "locals".into(),
                        labels: vec![],
                        body: Body {
                            items: one
                                .iter()
                                .filter(|(k, _, _)| k != "//")
                                .map(|(k, l, v)| {
                                    Item::Attr(Attr {
                                        key: k.clone(),
                                        expr: json_expr(v),
                                        loc: Some(*l),
                                    })
                                })
                                .collect(),
                        },
                        loc: Some(*kloc),
                    }));
                }
            }
            _ => {}
        }
    }
    Ok(Body { items })
}

/// A variable's `type` in JSON is a string holding a type expression (`"list(string)"`).
fn type_expr(n: &JNode) -> Expr {
    match &n.v {
        JV::Str(s) => {
            let name = s.split('(').next().unwrap_or("").trim().to_owned();
            Expr::new(Kind::Var(name), Some(n.loc))
        }
        _ => json_expr(n),
    }
}
