//! `observability:`: the metrics, traces, access logs, dashboard, alarms and saved queries that
//! come with the mesh, and each virtual service's `alarms:` override.

use std::borrow::Cow;
use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, value::MapAccessDeserializer, Visitor};
use serde::{Deserialize, Deserializer};

use super::Duration;

/// What every call through the mesh reports, and who hears about it. Everything has a default:
/// without this section the mesh still gets metrics, access logs, a dashboard and saved queries.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct Observability {
    /// Per-service metrics: on App Mesh the Envoy metrics extension with a CloudWatch agent beside
    /// every meshed task; on VPC Lattice the service network's own `AWS/VpcLattice` metrics.
    /// Default: true.
    #[serde(default = "yes")]
    pub metrics: bool,
    /// Distributed tracing across hops. `xray` runs the X-Ray daemon beside every meshed task
    /// (App Mesh only: VPC Lattice does not trace). Default: `none`.
    #[serde(default)]
    pub tracing: Tracing,
    /// Access logs of every call: Envoy's on App Mesh (into the task's CloudWatch log group),
    /// the service network's access-log subscription on VPC Lattice. Default: true.
    #[serde(default = "yes")]
    pub access_logs: bool,
    /// CloudWatch alarms per virtual service, unless a virtual service says otherwise.
    #[serde(default)]
    pub alarms: Option<Alarms>,
}

impl Default for Observability {
    fn default() -> Self {
        Self {
            metrics: true,
            tracing: Tracing::None,
            access_logs: true,
            alarms: None,
        }
    }
}

impl Observability {
    /// Whether calls are traced (`tracing: xray`).
    pub fn traces(&self) -> bool {
        self.tracing == Tracing::Xray
    }
    /// Whether App Mesh tasks and pods run the collector: for metrics, traces or both.
    pub fn runs_collector(&self) -> bool {
        self.metrics || self.traces()
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tracing {
    #[default]
    None,
    Xray,
}

/// The thresholds of every virtual service's alarms, and where they notify.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct Alarms {
    /// The share of calls answered with a 5xx over 5 minutes above which the alarm fires,
    /// e.g. `5%` or `0.5%`.
    #[serde(default)]
    pub error_rate: Option<Percent>,
    /// The 99th-percentile response time over 5 minutes above which the alarm fires, e.g. `2s`.
    #[serde(default)]
    pub latency_p99: Option<Duration>,
    /// The SNS topic the alarms notify: `{ topic_arn: arn:aws:sns:... }` or
    /// `{ create_topic: true }`.
    #[serde(default)]
    pub notify: Option<Notify>,
}

/// Where alarms notify: an existing SNS topic, or one the stack creates. Exactly one.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct Notify {
    /// The ARN of an existing SNS topic.
    #[serde(default)]
    pub topic_arn: Option<String>,
    /// Create an SNS topic for the alarms (subscribe to it after deploying).
    #[serde(default)]
    pub create_topic: Option<bool>,
}

/// A virtual service's alarms: `false` for none, or thresholds that override
/// `observability.alarms` (`{ latency_p99: 500ms }`).
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceAlarms {
    /// `alarms: false`.
    Off,
    /// `alarms: true`: the section's thresholds, as when the key is absent.
    Inherit,
    /// Thresholds of its own; the ones it leaves out come from `observability.alarms`.
    Override(AlarmThresholds),
}

/// The thresholds a virtual service may override.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
pub struct AlarmThresholds {
    /// The 5xx share over 5 minutes above which the alarm fires, e.g. `1%`.
    #[serde(default)]
    pub error_rate: Option<Percent>,
    /// The p99 response time over 5 minutes above which the alarm fires, e.g. `500ms`.
    #[serde(default)]
    pub latency_p99: Option<Duration>,
}

impl<'de> Deserialize<'de> for ServiceAlarms {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ServiceAlarms;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`false`, `true` or thresholds such as `{ latency_p99: 500ms }`")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<ServiceAlarms, E> {
                Ok(if v {
                    ServiceAlarms::Inherit
                } else {
                    ServiceAlarms::Off
                })
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<ServiceAlarms, A::Error> {
                AlarmThresholds::deserialize(MapAccessDeserializer::new(map))
                    .map(ServiceAlarms::Override)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for ServiceAlarms {
    fn schema_name() -> Cow<'static, str> {
        "ServiceAlarms".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let full = generator.subschema_for::<AlarmThresholds>();
        json_schema!({
            "anyOf": [{ "type": "boolean" }, full],
            "description": "`false` for no alarms on this service, or thresholds that override `observability.alarms`."
        })
    }
}

/// A share written as `5%` or `0.25%`; kept in hundredths of a percent (basis points).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent {
    basis_points: u32,
}

impl Percent {
    pub const fn from_basis_points(basis_points: u32) -> Self {
        Self { basis_points }
    }
    pub const fn basis_points(self) -> u32 {
        self.basis_points
    }
    /// Parses `5%`, `0.5%`, `12.25%`: at most two decimals, and the `%`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "`{text}` is not a percentage: write a number followed by `%`, with at most two decimals, e.g. `5%` or `0.5%`"
            )
        };
        let number = text.strip_suffix('%').ok_or_else(bad)?;
        let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 2 {
            return Err(bad());
        }
        if number.contains('.') && frac.is_empty() {
            return Err(bad());
        }
        let whole: u32 = whole
            .parse()
            .ok()
            .filter(|w| *w <= 1_000_000)
            .ok_or_else(|| format!("`{text}` is too large a percentage"))?;
        let frac: u32 = format!("{frac:0<2}").parse().unwrap_or(0);
        Ok(Self::from_basis_points(whole * 100 + frac))
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (w, r) = (self.basis_points / 100, self.basis_points % 100);
        match r {
            0 => write!(f, "{w}%"),
            r if r % 10 == 0 => write!(f, "{w}.{}%", r / 10),
            r => write!(f, "{w}.{r:02}%"),
        }
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Percent;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a percentage such as `5%` or `0.5%`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Percent, E> {
                Percent::parse(v).map_err(E::custom)
            }
        }
        // Any value, so that `5` is "expected a percentage", not "expected a string".
        d.deserialize_any(V)
    }
}

impl JsonSchema for Percent {
    fn schema_name() -> Cow<'static, str> {
        "Percent".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[0-9]+(\\.[0-9]{1,2})?%$",
            "description": "A percentage: a number with at most two decimals followed by `%`, e.g. `5%` or `0.5%`."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_parse_and_print() {
        assert_eq!(Percent::parse("5%").unwrap().basis_points(), 500);
        assert_eq!(Percent::parse("0.5%").unwrap().basis_points(), 50);
        assert_eq!(Percent::parse("12.25%").unwrap().basis_points(), 1225);
        assert_eq!(Percent::parse("0.5%").unwrap().to_string(), "0.5%");
        assert_eq!(Percent::parse("12.25%").unwrap().to_string(), "12.25%");
        assert_eq!(Percent::parse("100%").unwrap().to_string(), "100%");
        assert_eq!(Percent::parse("0.05%").unwrap().to_string(), "0.05%");
        for bad in ["5", "5 %", "%", ".5%", "5.%", "1.125%", "-1%", "five%"] {
            assert!(
                Percent::parse(bad)
                    .unwrap_err()
                    .contains("is not a percentage"),
                "{bad}"
            );
        }
    }
}
