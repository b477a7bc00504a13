//! Small wire-format helpers shared by the spec types: durations and the
//! "short form or full form" spellings the spec allows (`orders: 90` or
//! `orders: { weight: 90, port: 8080 }`).
//!
//! The short forms are written as hand-rolled visitors rather than
//! `#[serde(untagged)]`: untagged enums buffer their input, which hides unknown
//! keys from `serde_ignored` and turns every mistake into "data did not match any
//! variant".

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, value::MapAccessDeserializer, value::SeqAccessDeserializer, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A duration written as `250ms`, `15s` or `5m`; kept in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    millis: u64,
}

impl Duration {
    pub const fn from_millis(millis: u64) -> Self {
        Self { millis }
    }
    pub const fn millis(self) -> u64 {
        self.millis
    }
    /// Parses `250ms`, `15s`, `5m`. Anything else is an error that says what is accepted.
    pub fn parse(text: &str) -> Result<Self, String> {
        // Exactly the schema's pattern, `^[0-9]+(ms|s|m)$`: no spaces around.
        let t = text;
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (digits, unit) = t.split_at(split);
        let factor = match unit {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            _ => 0,
        };
        let value: Option<u64> = digits.parse().ok();
        match value {
            Some(v) if factor > 0 => v
                .checked_mul(factor)
                // App Mesh and ECS take durations as signed 64-bit integers.
                .filter(|ms| i64::try_from(*ms).is_ok())
                .map(Self::from_millis)
                .ok_or_else(|| format!("`{text}` is too long a duration")),
            _ => Err(format!(
                "`{text}` is not a duration: write a whole number followed by `ms`, `s` or `m`, e.g. `250ms`, `15s`, `5m`"
            )),
        }
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.millis;
        if ms != 0 && ms % 60_000 == 0 {
            write!(f, "{}m", ms / 60_000)
        } else if ms % 1_000 == 0 {
            write!(f, "{}s", ms / 1_000)
        } else {
            write!(f, "{ms}ms")
        }
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as `250ms`, `15s` or `5m`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                Duration::parse(v).map_err(E::custom)
            }
        }
        // Any value, so that `5` is "expected a duration", not "expected a string".
        d.deserialize_any(V)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[0-9]+(ms|s|m)$",
            "description": "A duration: a whole number followed by `ms`, `s` or `m`, e.g. `250ms`, `15s`, `5m`."
        })
    }
}

/// How a short form (a scalar) expands into the full struct.
pub trait ShortForm: Sized {
    /// The scalar the short form is written as.
    type Short: for<'de> Deserialize<'de>;
    /// Describes the short form in the schema.
    fn short_schema() -> serde_json::Value;
    fn from_short(short: Self::Short) -> Self;
}

/// A value written either as its short scalar form or as the full mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Short<T>(pub T);

impl<T> std::ops::Deref for Short<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<'de, T> Deserialize<'de> for Short<T>
where
    T: ShortForm + Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<T> V<T>
        where
            T: ShortForm,
        {
            fn short<E: de::Error>(
                self,
                v: impl de::IntoDeserializer<'static, E>,
            ) -> Result<Short<T>, E> {
                T::Short::deserialize(v.into_deserializer()).map(|s| Short(T::from_short(s)))
            }
        }
        impl<'de, T> Visitor<'de> for V<T>
        where
            T: ShortForm + Deserialize<'de>,
        {
            type Value = Short<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a scalar or a mapping")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Short<T>, E> {
                self.short(v.to_owned())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Short<T>, E> {
                self.short(v)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Short<T>, E> {
                self.short(v)
            }
            // `90.0` is the whole number 90, as for any integer of the spec.
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Short<T>, E> {
                if v.fract() == 0.0 && (0.0..=u64::MAX as f64).contains(&v) {
                    self.short(v as u64)
                } else {
                    self.short(v)
                }
            }
            // Other scalars are the short form's to refuse, so the message names what it takes.
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Short<T>, E> {
                self.short(v)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Short<T>, E> {
                self.short(())
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Short<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Short)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

impl<T: ShortForm + JsonSchema> JsonSchema for Short<T> {
    fn schema_name() -> Cow<'static, str> {
        format!("Short{}", T::schema_name()).into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let full = generator.subschema_for::<T>();
        let short = T::short_schema();
        json_schema!({ "anyOf": [short, full] })
    }
}

/// One mapping, or a list of mappings (`content-type: [{ exact: a }, { prefix: b }]`).
#[derive(Debug, Clone, PartialEq)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<T> OneOrMany<T> {
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping or a list of mappings")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(|t| OneOrMany(vec![t]))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::<T>::deserialize(SeqAccessDeserializer::new(seq)).map(OneOrMany)
            }
            // `x-debug: ~` / `x-debug:` means "header present, any value".
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                T::deserialize(de::value::MapDeserializer::<
                    std::iter::Empty<(String, String)>,
                    E,
                >::new(std::iter::empty()))
                .map(|t| OneOrMany(vec![t]))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

impl<T: JsonSchema> JsonSchema for OneOrMany<T> {
    fn schema_name() -> Cow<'static, str> {
        format!("OneOrMany{}", T::schema_name()).into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let one = generator.subschema_for::<T>();
        json_schema!({
            "anyOf": [one, { "type": "array", "items": one, "minItems": 1 }, { "type": "null" }]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_print() {
        assert_eq!(Duration::parse("250ms").unwrap().millis(), 250);
        assert_eq!(Duration::parse("15s").unwrap().millis(), 15_000);
        assert_eq!(Duration::parse("5m").unwrap().millis(), 300_000);
        assert_eq!(Duration::parse("5m").unwrap().to_string(), "5m");
        assert_eq!(Duration::parse("1500ms").unwrap().to_string(), "1500ms");
        assert!(Duration::parse("15")
            .unwrap_err()
            .contains("`ms`, `s` or `m`"));
        assert!(Duration::parse("xs").is_err());
        assert!(Duration::parse("5 seconds")
            .unwrap_err()
            .starts_with("`5 seconds` is not a duration"));
        assert!(Duration::parse("1.5s").is_err());
        assert!(Duration::parse("99999999999999999999m").is_err());
    }
}

/// A CPU or memory size: a number (ECS CPU units and MiB) or a Kubernetes quantity (`500m`,
/// `2Gi`, `"1"`) on EKS. Which one a platform takes is a rule, so the message can say both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Amount {
    Number(u64),
    Quantity(String),
}

impl Amount {
    /// The ECS value (CPU units or MiB); 0 for a quantity, which the ECS rules refuse.
    pub fn units(&self) -> u32 {
        match self {
            Amount::Number(n) => u32::try_from(*n).unwrap_or(u32::MAX),
            Amount::Quantity(_) => 0,
        }
    }
    /// The text a Kubernetes resource list holds.
    pub fn quantity(&self) -> String {
        match self {
            Amount::Number(n) => n.to_string(),
            Amount::Quantity(q) => q.clone(),
        }
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Amount::Number(n) => write!(f, "{n}"),
            Amount::Quantity(q) => f.write_str(q),
        }
    }
}

impl From<u32> for Amount {
    fn from(n: u32) -> Self {
        Amount::Number(n.into())
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number (ECS) or a Kubernetes quantity such as `500m` or `2Gi` (EKS)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
                Ok(Amount::Number(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Amount, E> {
                Ok(Amount::Quantity(v.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Amount {
    fn schema_name() -> Cow<'static, str> {
        "Amount".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "anyOf": [
                { "type": "integer", "minimum": 0 },
                { "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$" }
            ],
            "description": "ECS: CPU units (1024 = 1 vCPU) or MiB, as a number. EKS: a Kubernetes quantity, e.g. `500m` or `\"1\"` CPU, `512Mi` or `2Gi` memory."
        })
    }
}
