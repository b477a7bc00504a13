//! A serde deserializer over the parsed [`Tree`]: the spec's types read from the values the YAML
//! parser produced, with messages in the spec's words and the line:column of the value at fault.
//!
//! Scalars resolve as YAML 1.2's core schema (and serde_yaml) says: a plain `~`, `null` or
//! nothing is null, `true`/`false` a boolean, `80`, `0x50`, `-1` integers, `1.5` a number, and
//! anything else, like every quoted scalar, a string. Where the spec wants a string, only a string
//! will do (the schema says `"type": "string"`, and `name: false` was never meant as a name);
//! where it wants a number, only a number. Keys are names whatever they look like.

use std::fmt;

use serde::de::{self, DeserializeSeed, Expected, Unexpected, Visitor};

use crate::diagnostic::Location;
use crate::spec::yaml::{Kind, NodeId, Tree};

/// A shape error: what is wrong, where, and how to fix it when the deserializer knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub message: String,
    pub help: Option<String>,
    pub location: Option<Location>,
}

impl Error {
    fn new(message: String) -> Self {
        Self {
            message,
            help: None,
            location: None,
        }
    }
    /// Puts the error at `location` unless a value inside already placed it.
    fn at(mut self, location: Location) -> Self {
        self.location.get_or_insert(location);
        self
    }
    fn with_help(mut self, help: String) -> Self {
        self.help = Some(help);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::new(msg.to_string())
    }
    fn invalid_type(unexp: Unexpected, exp: &dyn Expected) -> Self {
        Error::new(format!(
            "invalid type: {}, expected {}",
            found(&unexp),
            expected(exp)
        ))
    }
    fn invalid_value(unexp: Unexpected, exp: &dyn Expected) -> Self {
        Error::new(format!(
            "invalid value: {}, expected {}",
            found(&unexp),
            expected(exp)
        ))
    }
    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Error::new(format!(
            "unknown value `{variant}`, expected {}",
            one_of(expected)
        ))
    }
}

/// serde's name for what was found, in YAML's words.
fn found(unexp: &Unexpected) -> String {
    match unexp {
        Unexpected::Unit => "null".to_owned(),
        Unexpected::Map => "mapping".to_owned(),
        Unexpected::Float(f) => format!("number `{f}`"),
        other => other.to_string(),
    }
}

/// What serde's own visitors expect, in the spec's words rather than Rust's (`u32`, `struct Spec`).
fn expected(exp: &dyn Expected) -> String {
    let text = exp.to_string();
    let whole = |min: i128, max: i128| format!("a whole number from {min} to {max}");
    match text.as_str() {
        "u8" => whole(0, u8::MAX.into()),
        "u16" => whole(0, u16::MAX.into()),
        "u32" => whole(0, u32::MAX.into()),
        "u64" => whole(0, u64::MAX.into()),
        "i8" => whole(i8::MIN.into(), i8::MAX.into()),
        "i16" => whole(i16::MIN.into(), i16::MAX.into()),
        "i32" => whole(i32::MIN.into(), i32::MAX.into()),
        "i64" => whole(i64::MIN.into(), i64::MAX.into()),
        "f32" | "f64" => "a number".to_owned(),
        "a boolean" => "`true` or `false`".to_owned(),
        "a map" => "a mapping".to_owned(),
        "a sequence" => "a list".to_owned(),
        "unit" => "null".to_owned(),
        "field identifier" | "variant identifier" => "a name".to_owned(),
        "a borrowed string" | "a character" => "a string".to_owned(),
        "struct Spec" => "a mapping (the spec)".to_owned(),
        t if t.starts_with("struct ") => "a mapping".to_owned(),
        _ => text,
    }
}

/// `one of `a`, `b`, `c`` (or `` `a` `` alone).
fn one_of(names: &[&str]) -> String {
    match names {
        [] => "no value".to_owned(),
        [one] => format!("`{one}`"),
        _ => {
            let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            format!("one of {}", list.join(", "))
        }
    }
}

/// What a scalar is under YAML 1.2's core schema.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(&'a str),
}

impl<'a> Scalar<'a> {
    fn unexpected(self) -> Unexpected<'a> {
        match self {
            Scalar::Null => Unexpected::Unit,
            Scalar::Bool(b) => Unexpected::Bool(b),
            Scalar::Int(i) => match u64::try_from(i) {
                Ok(u) => Unexpected::Unsigned(u),
                Err(_) => match i64::try_from(i) {
                    Ok(i) => Unexpected::Signed(i),
                    Err(_) => Unexpected::Other("a whole number too large"),
                },
            },
            Scalar::Float(f) => Unexpected::Float(f),
            Scalar::Str(s) => Unexpected::Str(s),
        }
    }
}

fn resolve(value: &str, plain: bool) -> Scalar<'_> {
    if !plain {
        return Scalar::Str(value);
    }
    match value {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        "true" | "True" | "TRUE" => return Scalar::Bool(true),
        "false" | "False" | "FALSE" => return Scalar::Bool(false),
        _ => {}
    }
    if let Some(i) = parse_int(value) {
        return Scalar::Int(i);
    }
    if !leading_zero_digits(value) {
        if let Some(f) = parse_float(value) {
            return Scalar::Float(f);
        }
    }
    Scalar::Str(value)
}

/// `0755` is a string in YAML 1.2 (serde_yaml agrees): leading zeros then only digits.
fn leading_zero_digits(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    s.len() > 1 && s.starts_with('0') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

/// A decimal, `0x`, `0o` or `0b` integer with an optional sign, as serde_yaml reads them.
fn parse_int(s: &str) -> Option<i128> {
    let (negative, unsigned) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = if let Some(d) = unsigned.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = unsigned.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = unsigned.strip_prefix("0b") {
        (2, d)
    } else {
        if leading_zero_digits(s) {
            return None;
        }
        (10, unsigned)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(digits, radix).ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

fn parse_float(s: &str) -> Option<f64> {
    let unsigned = s.strip_prefix('+').unwrap_or(s);
    if unsigned.starts_with(['+', '-']) && s.starts_with('+') {
        return None;
    }
    match unsigned {
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    // Rust also reads `inf`, `nan` and `infinity`, which YAML does not.
    if !unsigned
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
    {
        return None;
    }
    unsigned.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// The tree's document, as a serde deserializer.
pub fn root(tree: &Tree) -> Value<'_> {
    Value {
        tree,
        node: tree.root,
    }
}

/// One value of the tree, as a serde deserializer.
#[derive(Clone, Copy)]
pub struct Value<'de> {
    tree: &'de Tree,
    node: NodeId,
}

impl<'de> Value<'de> {
    fn location(&self) -> Location {
        self.tree.get(self.node).location
    }
    fn kind(&self) -> &'de Kind {
        &self.tree.get(self.node).kind
    }
    fn scalar(&self) -> Option<Scalar<'de>> {
        match self.kind() {
            Kind::Scalar { value, plain } => Some(resolve(value, *plain)),
            _ => None,
        }
    }
    fn unexpected(&self) -> Unexpected<'de> {
        match self.kind() {
            Kind::Scalar { value, plain } => resolve(value, *plain).unexpected(),
            Kind::Seq(_) => Unexpected::Seq,
            Kind::Map(_) | Kind::Alias(_) => Unexpected::Map,
        }
    }
    /// `invalid type: <what this is>, expected <exp>`, here.
    fn wrong(&self, exp: &dyn Expected) -> Error {
        <Error as de::Error>::invalid_type(self.unexpected(), exp).at(self.location())
    }
    /// A scalar that is not a string where a string is wanted: how to make it one.
    fn not_a_string(&self, scalar: Scalar) -> Error {
        let help = match (scalar, self.kind()) {
            (Scalar::Null, _) => "give it a value".to_owned(),
            (_, Kind::Scalar { value, .. }) => format!("quote it to make it a string: \"{value}\""),
            _ => "quote it to make it a string".to_owned(),
        };
        self.wrong(&"a string").with_help(help)
    }
    fn at<T>(&self, r: Result<T, Error>) -> Result<T, Error> {
        r.map_err(|e| e.at(self.location()))
    }
    fn child(&self, node: NodeId) -> Value<'de> {
        Value {
            tree: self.tree,
            node,
        }
    }
    fn int<V: Visitor<'de>>(
        self,
        min: i128,
        max: i128,
        visit: impl FnOnce(V, i128) -> Result<V::Value, Error>,
        visitor: V,
    ) -> Result<V::Value, Error> {
        let exp = format!("a whole number from {min} to {max}");
        // `80.0` is the integer 80 to JSON Schema, so to the loader too.
        let whole = |f: f64| (f.fract() == 0.0).then_some(f as i128);
        match self.scalar() {
            Some(Scalar::Int(i)) if (min..=max).contains(&i) => self.at(visit(visitor, i)),
            Some(Scalar::Float(f)) if whole(f).is_some_and(|i| (min..=max).contains(&i)) => {
                self.at(visit(visitor, f as i128))
            }
            Some(s @ Scalar::Int(_)) => Err(<Error as de::Error>::invalid_value(
                s.unexpected(),
                &exp.as_str(),
            )
            .at(self.location())),
            _ => Err(self.wrong(&exp.as_str())),
        }
    }
}

macro_rules! ints {
    ($($method:ident $visit:ident $t:ty;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.int(
                <$t>::MIN.into(),
                <$t>::MAX.into(),
                // In range: the conversion cannot fail.
                |v, i| v.$visit(<$t>::try_from(i).unwrap_or_default()),
                visitor,
            )
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Value<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let r = match self.kind() {
            Kind::Map(pairs) => visitor.visit_map(MapAccess::new(self, pairs)),
            Kind::Seq(items) => visitor.visit_seq(SeqAccess::new(self, items)),
            Kind::Scalar { value, plain } => match resolve(value, *plain) {
                Scalar::Null => visitor.visit_unit(),
                Scalar::Bool(b) => visitor.visit_bool(b),
                Scalar::Int(i) => match u64::try_from(i) {
                    Ok(u) => visitor.visit_u64(u),
                    Err(_) => match i64::try_from(i) {
                        Ok(i) => visitor.visit_i64(i),
                        Err(_) => visitor.visit_i128(i),
                    },
                },
                Scalar::Float(f) => visitor.visit_f64(f),
                Scalar::Str(s) => visitor.visit_borrowed_str(s),
            },
            Kind::Alias(_) => Err(self.wrong(&"a value")),
        };
        self.at(r)
    }

    ints! {
        deserialize_u8 visit_u8 u8;
        deserialize_u16 visit_u16 u16;
        deserialize_u32 visit_u32 u32;
        deserialize_u64 visit_u64 u64;
        deserialize_i8 visit_i8 i8;
        deserialize_i16 visit_i16 i16;
        deserialize_i32 visit_i32 i32;
        deserialize_i64 visit_i64 i64;
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.scalar() {
            Some(Scalar::Bool(b)) => self.at(visitor.visit_bool(b)),
            _ => Err(self.wrong(&"`true` or `false`")),
        }
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.scalar() {
            Some(Scalar::Float(f)) => self.at(visitor.visit_f64(f)),
            // An integer is a number too; the conversion rounds only past 2^53.
            Some(Scalar::Int(i)) => self.at(visitor.visit_f64(i as f64)),
            _ => Err(self.wrong(&"a number")),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.scalar() {
            Some(Scalar::Str(s)) => self.at(visitor.visit_borrowed_str(s)),
            Some(other) => Err(self.not_a_string(other)),
            None => Err(self.wrong(&"a string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        Err(self.wrong(&"a string"))
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        Err(self.wrong(&"a string"))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.scalar() {
            Some(Scalar::Null) => self.at(visitor.visit_none()),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.scalar() {
            Some(Scalar::Null) => self.at(visitor.visit_unit()),
            _ => Err(self.wrong(&"null")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.kind() {
            Kind::Seq(items) => self.at(visitor.visit_seq(SeqAccess::new(self, items))),
            _ => Err(self.wrong(&"a list")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.kind() {
            Kind::Map(pairs) => self.at(visitor.visit_map(MapAccess::new(self, pairs))),
            _ => Err(self.wrong(&"a mapping")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.kind() {
            Kind::Map(pairs) => self.at(visitor.visit_map(MapAccess::new(self, pairs))),
            _ if name == "Spec" => Err(self.wrong(&"a mapping (the spec)")),
            _ => Err(self.wrong(&"a mapping")),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match (self.scalar(), self.kind()) {
            (Some(Scalar::Str(name)), _) => self.at(visitor.visit_enum(Variant {
                name,
                key: None,
                whole: self,
                content: None,
            })),
            // `{ s3: { bucket: … } }`: a variant with a value is a one-key mapping.
            (_, Kind::Map(pairs)) if pairs.len() == 1 => {
                let (key, value) = pairs[0];
                let key = self.child(key);
                let name = match key.kind() {
                    Kind::Scalar { value, .. } => value.as_str(),
                    _ => return Err(key.wrong(&"a name")),
                };
                self.at(visitor.visit_enum(Variant {
                    name,
                    key: Some(key),
                    whole: self,
                    content: Some(self.child(value)),
                }))
            }
            (_, Kind::Map(pairs)) => Err(Error::new(format!(
                "a mapping with {} keys where {} is wanted",
                pairs.len(),
                one_of(variants)
            ))
            .at(self.location())
            .with_help(
                "write one name alone, or a mapping with exactly one of them as its only key; see schemas/meshsynth.schema.json"
                    .into(),
            )),
            _ => Err(self.wrong(&one_of(variants).as_str())),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    /// An ignored value (an unknown key's) is skipped whole, without reading what is inside it.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

/// An enum variant: its name, written alone (`dags: image`) or as the one key of a mapping
/// whose value is its content (`dags: { s3: { … } }`).
struct Variant<'de> {
    name: &'de str,
    key: Option<Value<'de>>,
    /// The whole value: the name alone, or the mapping.
    whole: Value<'de>,
    content: Option<Value<'de>>,
}

impl<'de> de::EnumAccess<'de> for Variant<'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self), Error> {
        let v = match self.key {
            Some(key) => seed.deserialize(Key(key))?,
            None => self
                .whole
                .at(seed.deserialize(de::value::BorrowedStrDeserializer::<Error>::new(self.name)))?,
        };
        Ok((v, self))
    }
}

impl<'de> Variant<'de> {
    /// A variant that needs content, written as its name alone.
    fn needs_content(&self) -> Error {
        Error::new(format!("`{}` needs a value here", self.name))
            .at(self.whole.location())
            .with_help(format!(
                "write it as a mapping with `{}` as its only key: `{{ {}: {{ … }} }}`; see schemas/meshsynth.schema.json",
                self.name, self.name
            ))
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.content {
            None => Ok(()),
            Some(content) => Err(Error::new(format!("`{}` takes no value", self.name))
                .at(content.location())
                .with_help(format!("write the name alone: `{}`", self.name))),
        }
    }
    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, Error> {
        match self.content {
            Some(content) => seed.deserialize(content),
            None => Err(self.needs_content()),
        }
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        match self.content {
            Some(content) => de::Deserializer::deserialize_seq(content, visitor),
            None => Err(self.needs_content()),
        }
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.content {
            Some(content) => de::Deserializer::deserialize_struct(content, "", fields, visitor),
            None => Err(self.needs_content()),
        }
    }
}

/// A mapping key: a name, whatever it looks like (`80:` and `true:` are the keys "80" and
/// "true"); a key that is a mapping or a list is no name.
struct Key<'de>(Value<'de>);

impl<'de> de::Deserializer<'de> for Key<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.kind() {
            Kind::Scalar { value, .. } => self.0.at(visitor.visit_borrowed_str(value)),
            _ => Err(self.0.wrong(&"a name")),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

struct MapAccess<'de> {
    map: Value<'de>,
    pairs: std::slice::Iter<'de, (NodeId, NodeId)>,
    value: Option<NodeId>,
}

impl<'de> MapAccess<'de> {
    fn new(map: Value<'de>, pairs: &'de [(NodeId, NodeId)]) -> Self {
        Self {
            map,
            pairs: pairs.iter(),
            value: None,
        }
    }
}

impl<'de> de::MapAccess<'de> for MapAccess<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.pairs.next() {
            Some(&(key, value)) => {
                self.value = Some(value);
                seed.deserialize(Key(self.map.child(key))).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(self.map.child(value)),
            // serde asks for a value only after a key.
            None => Err(Error::new("a value without a key".to_owned()).at(self.map.location())),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.pairs.len())
    }
}

struct SeqAccess<'de> {
    list: Value<'de>,
    items: std::slice::Iter<'de, NodeId>,
}

impl<'de> SeqAccess<'de> {
    fn new(list: Value<'de>, items: &'de [NodeId]) -> Self {
        Self {
            list,
            items: items.iter(),
        }
    }
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.items.next() {
            Some(&item) => seed.deserialize(self.list.child(item)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_resolve_as_yaml_1_2_core() {
        assert_eq!(resolve("", true), Scalar::Null);
        assert_eq!(resolve("~", true), Scalar::Null);
        assert_eq!(resolve("", false), Scalar::Str(""));
        assert_eq!(resolve("True", true), Scalar::Bool(true));
        assert_eq!(resolve("yes", true), Scalar::Str("yes"));
        assert_eq!(resolve("80", true), Scalar::Int(80));
        assert_eq!(resolve("80", false), Scalar::Str("80"));
        assert_eq!(resolve("-0x10", true), Scalar::Int(-16));
        assert_eq!(resolve("+0o17", true), Scalar::Int(15));
        assert_eq!(resolve("0b101", true), Scalar::Int(5));
        assert_eq!(resolve("0755", true), Scalar::Str("0755"));
        assert_eq!(resolve("0", true), Scalar::Int(0));
        assert_eq!(resolve("1.5", true), Scalar::Float(1.5));
        assert_eq!(resolve("1e3", true), Scalar::Float(1000.0));
        assert_eq!(resolve(".inf", true), Scalar::Float(f64::INFINITY));
        assert_eq!(resolve("inf", true), Scalar::Str("inf"));
        assert_eq!(resolve("1e999", true), Scalar::Str("1e999"));
        assert_eq!(resolve("3.1", true), Scalar::Float(3.1));
        assert_eq!(resolve("2.10", true), Scalar::Float(2.1));
        assert_eq!(resolve("orders-v1", true), Scalar::Str("orders-v1"));
        assert_eq!(resolve("1_000", true), Scalar::Str("1_000"));
        assert_eq!(
            resolve("99999999999999999999999999999999999999999", true),
            Scalar::Float(1e41)
        );
    }

    #[test]
    fn rust_types_read_as_spec_words() {
        assert_eq!(expected(&"u32"), "a whole number from 0 to 4294967295");
        assert_eq!(
            expected(&"i64"),
            "a whole number from -9223372036854775808 to 9223372036854775807"
        );
        assert_eq!(expected(&"struct Spec"), "a mapping (the spec)");
        assert_eq!(expected(&"struct Mesh"), "a mapping");
        assert_eq!(expected(&"a string"), "a string");
        assert_eq!(one_of(&["a", "b"]), "one of `a`, `b`");
    }
}
