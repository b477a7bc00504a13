//! Any `Serialize` value straight into an IR value, as `serde_json::to_value` would make a
//! `serde_json::Value` of it: a dashboard body is thousands of widgets, and going through JSON
//! text (written, then read back) cost a third of the lowering at 1,000 services.
//!
//! The shape is serde_json's: structs and maps are objects, sequences and tuples lists, unit
//! variants their name, `None` and unit `null` (which the IR, having no null, writes as `""`,
//! as reading `null` did). Struct field names stay borrowed.

use serde::ser::{self, Serialize};

use super::{Key, Map, Value};

/// `v` as an IR value, with every string (not keys) made by `string`: the caller's markers for
/// deploy-time values become IR references there.
pub fn to_value<T: Serialize + ?Sized>(v: &T, string: fn(&str) -> Value) -> Value {
    v.serialize(Ser { string })
        .expect("the IR holds whatever serde_json can")
}

#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Error {}
impl ser::Error for Error {
    fn custom<M: std::fmt::Display>(msg: M) -> Self {
        Error(msg.to_string())
    }
}

/// Integers that fit an `i64` as they are.
macro_rules! lossless {
    ($($name:ident($t:ty))*) => {
        $(fn $name(self, v: $t) -> Result<Value, Error> {
            Ok(Value::Int(v.into()))
        })*
    };
}

/// Keys that JSON writes as their text.
macro_rules! as_text {
    ($($name:ident($t:ty))*) => {
        $(fn $name(self, v: $t) -> Result<String, Error> {
            Ok(v.to_string())
        })*
    };
}

#[derive(Clone, Copy)]
struct Ser {
    string: fn(&str) -> Value,
}

fn number_u64(n: u64) -> Value {
    i64::try_from(n).map_or_else(|_| Value::Decimal(n.to_string()), Value::Int)
}

fn number_f64(n: f64) -> Value {
    Value::Decimal(serde_json::Number::from_f64(n).map_or_else(|| n.to_string(), |n| n.to_string()))
}

impl ser::Serializer for Ser {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = Seq;
    type SerializeTuple = Seq;
    type SerializeTupleStruct = Seq;
    type SerializeTupleVariant = Variant<Seq>;
    type SerializeMap = Obj;
    type SerializeStruct = Obj;
    type SerializeStructVariant = Variant<Obj>;

    fn serialize_bool(self, v: bool) -> Result<Value, Error> {
        Ok(Value::Bool(v))
    }
    lossless! {
        serialize_i8(i8) serialize_i16(i16) serialize_i32(i32) serialize_i64(i64)
        serialize_u8(u8) serialize_u16(u16) serialize_u32(u32)
    }
    fn serialize_u64(self, v: u64) -> Result<Value, Error> {
        Ok(number_u64(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Value, Error> {
        Ok(number_f64(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, Error> {
        Ok(number_f64(v))
    }
    fn serialize_char(self, v: char) -> Result<Value, Error> {
        Ok((self.string)(v.encode_utf8(&mut [0; 4])))
    }
    fn serialize_str(self, v: &str) -> Result<Value, Error> {
        Ok((self.string)(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, Error> {
        Ok(Value::List(
            v.iter().map(|b| Value::Int((*b).into())).collect(),
        ))
    }
    fn serialize_none(self) -> Result<Value, Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Value, Error> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, Error> {
        Ok(Value::str(""))
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Value, Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
    ) -> Result<Value, Error> {
        self.serialize_str(v)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Value, Error> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<Value, Error> {
        Ok(Value::Map(Map::from_iter([(variant, v.serialize(self)?)])))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq, Error> {
        Ok(Seq {
            ser: self,
            items: Vec::with_capacity(len.unwrap_or(0)),
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Variant<Seq>, Error> {
        Ok(Variant {
            variant,
            inner: self.serialize_seq(Some(len))?,
        })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Obj, Error> {
        Ok(Obj {
            ser: self,
            entries: Vec::with_capacity(len.unwrap_or(0)),
            key: None,
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Obj, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Variant<Obj>, Error> {
        Ok(Variant {
            variant,
            inner: self.serialize_map(Some(len))?,
        })
    }
}

struct Seq {
    ser: Ser,
    items: Vec<Value>,
}

impl ser::SerializeSeq for Seq {
    type Ok = Value;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.items.push(v.serialize(self.ser)?);
        Ok(())
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::List(self.items))
    }
}
impl ser::SerializeTuple for Seq {
    type Ok = Value;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<Value, Error> {
        ser::SerializeSeq::end(self)
    }
}
impl ser::SerializeTupleStruct for Seq {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<Value, Error> {
        ser::SerializeSeq::end(self)
    }
}

struct Obj {
    ser: Ser,
    entries: Vec<(Key, Value)>,
    key: Option<Key>,
}

impl ser::SerializeMap for Obj {
    type Ok = Value;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Error> {
        self.key = Some(Key::Owned(k.serialize(KeySer)?));
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        let k = self
            .key
            .take()
            .ok_or_else(|| Error("a map value came before its key".into()))?;
        self.entries.push((k, v.serialize(self.ser)?));
        Ok(())
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::Map(self.entries.into_iter().collect()))
    }
}
impl ser::SerializeStruct for Obj {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        k: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        self.entries
            .push((Key::Borrowed(k), v.serialize(self.ser)?));
        Ok(())
    }
    fn end(self) -> Result<Value, Error> {
        ser::SerializeMap::end(self)
    }
}

/// An enum variant with fields: `{variant: fields}`, as serde_json writes it.
struct Variant<T> {
    variant: &'static str,
    inner: T,
}

impl ser::SerializeTupleVariant for Variant<Seq> {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(&mut self.inner, v)
    }
    fn end(self) -> Result<Value, Error> {
        let v = ser::SerializeSeq::end(self.inner)?;
        Ok(Value::Map(Map::from_iter([(self.variant, v)])))
    }
}
impl ser::SerializeStructVariant for Variant<Obj> {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        k: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(&mut self.inner, k, v)
    }
    fn end(self) -> Result<Value, Error> {
        let v = ser::SerializeMap::end(self.inner)?;
        Ok(Value::Map(Map::from_iter([(self.variant, v)])))
    }
}

/// A map key: JSON keys are strings, and numbers and booleans become their text, as in
/// serde_json.
struct KeySer;

fn key_error() -> Error {
    Error("a map key must be a string, a number or a boolean".into())
}

impl ser::Serializer for KeySer {
    type Ok = String;
    type Error = Error;
    type SerializeSeq = ser::Impossible<String, Error>;
    type SerializeTuple = ser::Impossible<String, Error>;
    type SerializeTupleStruct = ser::Impossible<String, Error>;
    type SerializeTupleVariant = ser::Impossible<String, Error>;
    type SerializeMap = ser::Impossible<String, Error>;
    type SerializeStruct = ser::Impossible<String, Error>;
    type SerializeStructVariant = ser::Impossible<String, Error>;

    as_text! {
        serialize_bool(bool) serialize_i8(i8) serialize_i16(i16) serialize_i32(i32)
        serialize_i64(i64) serialize_u8(u8) serialize_u16(u16) serialize_u32(u32)
        serialize_u64(u64)
    }
    fn serialize_f32(self, _: f32) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_f64(self, _: f64) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_char(self, v: char) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String, Error> {
        Ok(v.to_owned())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_unit(self) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
    ) -> Result<String, Error> {
        Ok(v.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<String, Error> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_error())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_error())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_error())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_error())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_error())
    }
}

/// What serde_json makes of a value, turned into IR values one by one: what [`to_value`] must
/// equal.
#[cfg(test)]
pub(crate) fn from_json(j: &serde_json::Value, string: fn(&str) -> Value) -> Value {
    use serde_json::Value as J;
    match j {
        J::Null => Value::str(""),
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Decimal(n.to_string()),
        },
        J::String(s) => string(s),
        J::Array(a) => Value::List(a.iter().map(|v| from_json(v, string)).collect()),
        J::Object(o) => Value::Map(
            o.iter()
                .map(|(k, v)| (k.clone(), from_json(v, string)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    enum E {
        Unit,
        New(u8),
        Tuple(u8, &'static str),
        Struct { b: bool, a: Option<u8> },
    }

    #[derive(serde::Serialize)]
    struct S {
        z: Vec<E>,
        #[serde(rename = "yAxis")]
        y: std::collections::BTreeMap<u32, f64>,
        x: (char, u64, i64),
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        w: Option<&'static str>,
    }

    #[test]
    fn values_match_what_serde_json_makes() {
        let s = S {
            z: vec![
                E::Unit,
                E::New(3),
                E::Tuple(1, "t"),
                E::Struct { b: true, a: None },
            ],
            y: [(2, 0.5), (10, -1.25)].into(),
            x: ('c', u64::MAX, -7),
            skipped: None,
            w: Some("w"),
        };
        let ir = to_value(&s, |s| Value::str(s));
        assert_eq!(
            ir,
            from_json(&serde_json::to_value(&s).unwrap(), |s| Value::str(s))
        );
        let Value::Map(m) = &ir else { panic!("{ir:?}") };
        assert_eq!(
            m.keys().map(|k| k.as_ref()).collect::<Vec<_>>(),
            ["w", "x", "yAxis", "z"]
        );
        // Strings go through the caller's function; keys do not.
        let marked = to_value(
            &[("k", "v")]
                .into_iter()
                .collect::<std::collections::BTreeMap<_, _>>(),
            |s| Value::str(format!("<{s}>")),
        );
        assert_eq!(
            marked,
            Value::Map(Map::from_iter([("k", Value::str("<v>"))]))
        );
    }

    #[test]
    fn a_key_that_json_cannot_hold_is_refused() {
        let m: std::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
        assert!(m
            .serialize(Ser {
                string: |s| Value::str(s)
            })
            .is_err());
    }
}
