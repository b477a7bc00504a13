//! Alarms per virtual service from the spec's thresholds: the 5xx share (metric math over the
//! requests and 5xx answers of every caller → target series) and the p99 response time (the
//! slowest caller → target series). An alarm takes at most 10 metrics (PutMetricAlarm), so a
//! service with many callers and targets gets one alarm per caller, or per caller and target.

use super::dashboard::{Dyn, Text};
use super::graph::{Caller, ServiceFacts};
use super::rows::Cx;
use crate::check::observability::service_thresholds;
use crate::diagnostic::FieldPath;
use crate::ir::{Attr, Kind, Obj, ResourceId, Value};
use crate::observe::metrics::{self as m, appmesh, lattice};
use crate::observe::PERIOD_SECONDS;
use crate::spec::paths::service_path;
use crate::spec::{AlarmThresholds, MeshBackend};

/// PutMetricAlarm: "up to 10 MetricStat" per alarm.
pub const MAX_METRICS_PER_ALARM: usize = 10;
/// Alarm names: 1 to 255 characters.
const NAME_MAX: usize = 255;

pub(super) struct Alarm {
    pub key: String,
    pub source: FieldPath,
    pub props: Obj,
}

/// One series an alarm reads.
struct Series {
    namespace: String,
    metric: String,
    dimensions: Vec<(String, Value)>,
}

/// The alarms, and the virtual services whose thresholds give none (with why).
pub(super) fn alarms(cx: &Cx) -> (Vec<Alarm>, Vec<(String, String)>) {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for s in &cx.graph.services {
        let Some(t) = service_thresholds(cx.spec, &s.name) else {
            continue;
        };
        let before = out.len();
        let why = match cx.backend {
            MeshBackend::AppMesh => appmesh_alarms(cx, s, t, &mut out),
            MeshBackend::VpcLattice => lattice_alarms(cx, s, t, &mut out),
        };
        if out.len() == before {
            if let Some(why) = why {
                skipped.push((s.name.clone(), why));
            }
        }
    }
    (out, skipped)
}

/// Adds the service's alarms; returns why there are none when there are none.
fn appmesh_alarms(
    cx: &Cx,
    s: &ServiceFacts,
    t: AlarmThresholds,
    out: &mut Vec<Alarm>,
) -> Option<String> {
    let Some(ns) = &cx.namespace else {
        return Some(
            "`observability.metrics` is off, so nothing reports the metrics an alarm reads".into(),
        );
    };
    if s.targets.is_empty() {
        return Some(
            "it has no provider, so nothing serves the calls an alarm would measure".into(),
        );
    }
    if s.callers.is_empty() {
        return Some("no meshed node lists it in `backends:` and no gateway routes to it, and App Mesh's Envoy measures a call's status and time at the caller".into());
    }
    if !s.http {
        return None;
    }
    let series = |metric: &str, caller: &Caller, target: &str| Series {
        namespace: ns.clone(),
        metric: m::appmesh_metric(metric),
        dimensions: vec![
            ("Mesh".into(), Value::str(&cx.spec.mesh.name)),
            (caller.dimension().into(), Value::str(&caller.name)),
            ("TargetVirtualService".into(), Value::str(&s.name)),
            ("TargetVirtualNode".into(), Value::str(target)),
        ],
    };
    // Groups of (caller, target) pairs, as wide as an alarm allows.
    let groups = |per_pair: usize| -> Vec<(String, Vec<(&Caller, &String)>)> {
        let all: Vec<(&Caller, &String)> = s
            .callers
            .iter()
            .flat_map(|c| s.targets.iter().map(move |t| (c, t)))
            .collect();
        if all.len() * per_pair <= MAX_METRICS_PER_ALARM {
            return vec![(String::new(), all)];
        }
        if s.targets.len() * per_pair <= MAX_METRICS_PER_ALARM {
            return s
                .callers
                .iter()
                .map(|c| {
                    (
                        format!("-from-{}", c.name),
                        s.targets.iter().map(|t| (c, t)).collect(),
                    )
                })
                .collect();
        }
        all.into_iter()
            .map(|(c, t)| (format!("-from-{}-to-{t}", c.name), vec![(c, t)]))
            .collect()
    };
    let source = service_path(&s.name);
    if let Some(rate) = t.error_rate {
        for (suffix, pairs) in groups(2) {
            let mut metrics = Vec::new();
            let (mut r, mut e) = (Vec::new(), Vec::new());
            for (i, (c, tg)) in pairs.iter().enumerate() {
                metrics.push(stat(
                    &format!("r{i}"),
                    &series(appmesh::REQUESTS, c, tg),
                    "Sum",
                ));
                metrics.push(stat(
                    &format!("e{i}"),
                    &series(appmesh::ERRORS_5XX, c, tg),
                    "Sum",
                ));
                r.push(format!("r{i}"));
                e.push(format!("e{i}"));
            }
            metrics.push(expression(
                &format!(
                    "100 * FILL(SUM([{}]), 0) / SUM([{}])",
                    e.join(","),
                    r.join(",")
                ),
                "5xx share (%)",
            ));
            let who = scope(&suffix);
            out.push(alarm(
                cx,
                &format!("{}{suffix}-5xx-rate", s.name),
                source.clone(),
                format!(
                    "More than {rate} of the calls to `{}`{who} were answered 5xx over 5 minutes (Envoy's metrics extension, namespace `{ns}`{}). The dashboard's row for the service shows which target.{}",
                    s.name,
                    if s.grpc { "; gRPC errors answered with HTTP 200 do not count" } else { "" },
                    cx.query_hint()
                ),
                decimal(rate),
                metrics,
            ));
        }
    }
    if let Some(p99) = t.latency_p99 {
        for (suffix, pairs) in groups(1) {
            let mut metrics = Vec::new();
            let mut ids = Vec::new();
            for (i, (c, tg)) in pairs.iter().enumerate() {
                metrics.push(stat(
                    &format!("l{i}"),
                    &series(appmesh::LATENCY, c, tg),
                    "p99",
                ));
                ids.push(format!("l{i}"));
            }
            metrics.push(expression(
                &format!("MAX([{}])", ids.join(",")),
                "slowest p99 (ms)",
            ));
            let who = scope(&suffix);
            out.push(alarm(
                cx,
                &format!("{}{suffix}-latency-p99", s.name),
                source.clone(),
                format!(
                    "The 99th-percentile response time of calls to `{}`{who} was above {p99} over 5 minutes, for at least one caller and target (Envoy's metrics extension, namespace `{ns}`).",
                    s.name
                ),
                Value::int(i64::try_from(p99.millis()).unwrap_or(i64::MAX)),
                metrics,
            ));
        }
    }
    None
}

/// ` from <caller>` / ` from <caller> to <target>` for descriptions.
fn scope(suffix: &str) -> String {
    suffix
        .replacen("-from-", " from `", 1)
        .replacen("-to-", "` to `", 1)
        + if suffix.is_empty() { "" } else { "`" }
}

fn lattice_alarms(
    cx: &Cx,
    s: &ServiceFacts,
    t: AlarmThresholds,
    out: &mut Vec<Alarm>,
) -> Option<String> {
    let in_lattice = cx.model.is_some_and(|m| m.services.contains_key(&s.name));
    if !in_lattice {
        return Some("it is not a VPC Lattice service (its callers reach it directly)".into());
    }
    let Some(Text::Dyn(Dyn::LatticeServiceId(vs))) = cx.lattice_id(&s.name) else {
        return Some("the AWS Gateway API Controller creates its Lattice service, whose ID the alarm's `Service` dimension needs and only the controller knows".into());
    };
    let id = Value::Ref(ResourceId::new(Kind::LatticeService, vs), Attr::Id);
    let series = |metric: &str| Series {
        namespace: m::LATTICE_NAMESPACE.into(),
        metric: metric.into(),
        dimensions: vec![(m::LATTICE_SERVICE_DIMENSION.into(), id.clone())],
    };
    let source = service_path(&s.name);
    if let Some(rate) = t.error_rate {
        out.push(alarm(
            cx,
            &format!("{}-5xx-rate", s.name),
            source.clone(),
            format!(
                "More than {rate} of the calls to `{}` were answered 5xx over 5 minutes (VPC Lattice, `{}`).{}",
                s.name,
                m::LATTICE_NAMESPACE,
                cx.query_hint()
            ),
            decimal(rate),
            vec![
                stat("r", &series(lattice::REQUESTS), "Sum"),
                stat("e", &series(lattice::ERRORS_5XX), "Sum"),
                expression("100 * FILL(e, 0) / r", "5xx share (%)"),
            ],
        ));
    }
    if let Some(p99) = t.latency_p99 {
        let mut l = stat("l", &series(lattice::LATENCY), "p99");
        if let Value::Map(m) = &mut l {
            m.insert("ReturnData", Value::Bool(true));
        }
        out.push(alarm(
            cx,
            &format!("{}-latency-p99", s.name),
            source,
            format!(
                "The 99th-percentile response time of calls to `{}` was above {p99} over 5 minutes (VPC Lattice `{}`).",
                s.name,
                lattice::LATENCY
            ),
            Value::int(i64::try_from(p99.millis()).unwrap_or(i64::MAX)),
            vec![l],
        ));
    }
    None
}

/// A share as CloudWatch's threshold takes it: the percentage as a number (`5`, `0.5`).
fn decimal(p: crate::spec::Percent) -> Value {
    let bp = p.basis_points();
    if bp % 100 == 0 {
        Value::int(bp / 100)
    } else {
        Value::Decimal(p.to_string().trim_end_matches('%').to_owned())
    }
}

fn stat(id: &str, s: &Series, statistic: &str) -> Value {
    Obj::new()
        .set("Id", id)
        .set(
            "MetricStat",
            Obj::new()
                .set(
                    "Metric",
                    Obj::new()
                        .set("Namespace", s.namespace.clone())
                        .set("MetricName", s.metric.clone())
                        .set(
                            "Dimensions",
                            s.dimensions
                                .iter()
                                .map(|(k, v)| {
                                    Obj::new()
                                        .set("Name", k.as_str())
                                        .set("Value", v.clone())
                                        .into()
                                })
                                .collect::<Vec<Value>>(),
                        ),
                )
                .set("Period", PERIOD_SECONDS)
                .set("Stat", statistic),
        )
        .set("ReturnData", false)
        .into()
}

fn expression(expr: &str, label: &str) -> Value {
    Obj::new()
        .set("Id", "alarm")
        .set("Expression", expr)
        .set("Label", label)
        .set("ReturnData", true)
        .into()
}

/// `<project>-<what>`, at most 255 characters (a long one keeps a digest of the whole).
fn alarm_name(project: &str, what: &str) -> String {
    let full = format!("{project}-{what}");
    if full.chars().count() <= NAME_MAX {
        return full;
    }
    let hash = crate::manifest::sha256::hex(full.as_bytes());
    let keep: String = full.chars().take(NAME_MAX - 9).collect();
    format!("{keep}-{}", &hash[..8])
}

fn alarm(
    cx: &Cx,
    what: &str,
    source: FieldPath,
    description: String,
    threshold: Value,
    metrics: Vec<Value>,
) -> Alarm {
    let name = alarm_name(&cx.spec.name, what);
    let description: String = description.chars().take(1024).collect();
    Alarm {
        key: what.to_owned(),
        source,
        props: Obj::new()
            .set("AlarmName", name)
            .set("AlarmDescription", description)
            .set("ComparisonOperator", "GreaterThanThreshold")
            .set("EvaluationPeriods", 1u32)
            .set("DatapointsToAlarm", 1u32)
            .set("Threshold", threshold)
            // No traffic is no failure.
            .set("TreatMissingData", "notBreaching")
            .set("Metrics", metrics),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Percent;

    #[test]
    fn thresholds_are_percentage_numbers() {
        let p = |s| decimal(Percent::parse(s).unwrap());
        assert_eq!(p("5%"), Value::int(5));
        assert_eq!(p("0.5%"), Value::Decimal("0.5".into()));
        assert_eq!(p("12.25%"), Value::Decimal("12.25".into()));
    }
}
