//! `observability:` and each virtual service's `alarms:`: thresholds an alarm can reach, a
//! notification target CloudWatch can publish to, alarms that would tell no one, and services
//! whose calls have no HTTP status or response time to alarm on.
//!
//! The syntax of `5%` and `2s` is the loader's (`invalid-spec-shape`); these rules see values.
//! What a virtual service's alarms are, after its own `alarms:` and the section's, is
//! [`service_thresholds`], meant for the lowering too: then the warnings here say exactly what
//! the output does (no alarm for `alarms: false`, nor for a TCP-only provider).
//!
//! On a virtual service, `alarms: true` and `alarms: {}` both mean "the section's thresholds",
//! as when the key is absent; `alarms: false` means none. Thresholds on a virtual service
//! without `observability.alarms` are fine: that service alone gets alarms.

use super::common::{is_account, is_partition, is_region, shown};
use super::Ctx;
use crate::diagnostic::{Code, FieldPath};
use crate::spec::paths::service_path;
use crate::spec::{
    AlarmThresholds, Alarms, Duration, Notify, Percent, Protocol, ProviderListeners, ServiceAlarms,
    Spec,
};

/// The highest `latency_p99` meshsynth accepts: one hour.
const MAX_LATENCY_MILLIS: u64 = 60 * 60 * 1000;
/// `100%`, in basis points.
const ALL_CALLS: u32 = 100 * 100;
/// The longest SNS topic name, `.fifo` included.
const MAX_TOPIC_NAME: usize = 256;

pub(super) fn check(ctx: &mut Ctx) {
    let spec = ctx.spec;
    let section = spec.observability.as_ref().and_then(|o| o.alarms.as_ref());
    if let Some(a) = section {
        let p = alarms_path();
        thresholds(ctx, &p, a.error_rate, a.latency_p99);
        if let Some(n) = &a.notify {
            notify(ctx, &p.key("notify"), n);
        }
    }
    for (name, vs) in &spec.virtual_services {
        if let Some(ServiceAlarms::Override(t)) = &vs.alarms {
            thresholds(
                ctx,
                &service_path(name).key("alarms"),
                t.error_rate,
                t.latency_p99,
            );
        }
    }
    services(ctx, section);
    notification(ctx, section);
    section_without_thresholds(ctx, section);
}

/// `observability.alarms` without a threshold, and no virtual service with one: nothing gets an
/// alarm (nor a topic), whatever `notify` says.
fn section_without_thresholds(ctx: &mut Ctx, section: Option<&Alarms>) {
    let Some(a) = section else { return };
    if a.error_rate.is_some() || a.latency_p99.is_some() {
        return;
    }
    let own = ctx.spec.virtual_services.values().any(|vs| {
        matches!(&vs.alarms, Some(ServiceAlarms::Override(t)) if t.error_rate.is_some() || t.latency_p99.is_some())
    });
    if own {
        return;
    }
    ctx.warning(
        Code::ObservabilityServiceAlarms,
        alarms_path(),
        "`observability.alarms` sets no threshold and no virtual service sets one, so no alarm is created (nor a topic, whatever `notify` says)",
    )
    .help = Some("set `error_rate` or `latency_p99` in `observability.alarms`, e.g. `error_rate: 5%`".into());
}

fn alarms_path() -> FieldPath {
    FieldPath::root().key("observability").key("alarms")
}

/// The thresholds of a virtual service's alarms: its own `alarms:` over `observability.alarms`,
/// or `None` when it gets no alarm (`alarms: false`, no threshold on either, a provider that
/// listens on TCP only, or no such service).
pub(crate) fn service_thresholds(spec: &Spec, service: &str) -> Option<AlarmThresholds> {
    let t = requested(spec, service)?;
    (tcp_only(spec, service).is_none() && has_threshold(&t)).then_some(t)
}

/// The thresholds a virtual service asks for, whatever its provider: `None` with `alarms: false`.
fn requested(spec: &Spec, service: &str) -> Option<AlarmThresholds> {
    let vs = spec.virtual_services.get(service)?;
    let section = spec.observability.as_ref().and_then(|o| o.alarms.as_ref());
    let (error_rate, latency_p99) = section.map_or((None, None), |a| (a.error_rate, a.latency_p99));
    match &vs.alarms {
        Some(ServiceAlarms::Off) => None,
        None | Some(ServiceAlarms::Inherit) => Some(AlarmThresholds {
            error_rate,
            latency_p99,
        }),
        Some(ServiceAlarms::Override(own)) => Some(AlarmThresholds {
            error_rate: own.error_rate.or(error_rate),
            latency_p99: own.latency_p99.or(latency_p99),
        }),
    }
}

fn has_threshold(t: &AlarmThresholds) -> bool {
    t.error_rate.is_some() || t.latency_p99.is_some()
}

/// How the provider is named when it listens on TCP only: a TCP call has no HTTP status and no
/// response time, so neither App Mesh's metrics extension nor VPC Lattice measures an error
/// rate or a latency for it.
fn tcp_only(spec: &Spec, service: &str) -> Option<String> {
    match spec.provider_listeners(service) {
        ProviderListeners::Listeners(owner, ls)
            if !ls.is_empty() && ls.iter().all(|(_, p)| *p == Protocol::Tcp) =>
        {
            Some(owner)
        }
        _ => None,
    }
}

/// `error_rate` above 0% and at most 100%; `latency_p99` above 0 and at most an hour.
fn thresholds(
    ctx: &mut Ctx,
    path: &FieldPath,
    error_rate: Option<Percent>,
    latency_p99: Option<Duration>,
) {
    let rate_help = "set the share of calls answered with a 5xx over 5 minutes that is worth acting on: above `0%` and at most `100%`, e.g. `1%` or `5%`";
    match error_rate {
        Some(r) if r.basis_points() == 0 => {
            ctx.error(
                Code::ObservabilityThreshold,
                path.key("error_rate"),
                "`error_rate` is `0%`: the alarm would fire on a single 5xx answer and stay in alarm while any call fails",
            )
            .help = Some(rate_help.into());
        }
        Some(r) if r.basis_points() > ALL_CALLS => {
            ctx.error(
                Code::ObservabilityThreshold,
                path.key("error_rate"),
                format!(
                    "`error_rate` `{r}` can never be reached: at most every call (`100%`) is answered with a 5xx, so the alarm would never fire"
                ),
            )
            .help = Some(rate_help.into());
        }
        _ => {}
    }
    let latency_help = "set the p99 response time over 5 minutes above which callers suffer: above `0ms` and at most `60m`, e.g. `500ms` or `2s`";
    match latency_p99 {
        Some(d) if d.millis() == 0 => {
            ctx.error(
                Code::ObservabilityThreshold,
                path.key("latency_p99"),
                "`latency_p99` is `0ms`: every call takes longer than that, so the alarm would always be in alarm",
            )
            .help = Some(latency_help.into());
        }
        Some(d) if d.millis() > MAX_LATENCY_MILLIS => {
            ctx.error(
                Code::ObservabilityThreshold,
                path.key("latency_p99"),
                format!(
                    "`latency_p99` `{d}` is over an hour: a call that slow is stuck, not slow, and its response time is only measured once it ends, so the alarm would fire an hour late if ever (the error-rate alarm sees the timeout that ends it)"
                ),
            )
            .help = Some(latency_help.into());
        }
        _ => {}
    }
}

/// Exactly one of `topic_arn` and `create_topic: true`, and a topic ARN CloudWatch can publish
/// to. `create_topic: false` alone is no `notify` (the no-notification warning says so).
fn notify(ctx: &mut Ctx, path: &FieldPath, n: &Notify) {
    match (&n.topic_arn, n.create_topic) {
        (Some(_), Some(true)) => {
            ctx.error(
                Code::ObservabilityNotify,
                path.key("create_topic"),
                "`notify` sets both `topic_arn` and `create_topic: true`, which exclude each other",
            )
            .help = Some(
                "keep `topic_arn` to notify an existing topic, or `create_topic: true` to have the stack create one"
                    .into(),
            );
        }
        (None, None) => {
            ctx.error(
                Code::ObservabilityNotify,
                path.clone(),
                "`notify` names no topic: it sets neither `topic_arn` nor `create_topic`",
            )
            .help = Some(
                "add `create_topic: true` (then subscribe to the topic the stack creates) or `topic_arn: arn:aws:sns:<region>:<account>:<topic>`, or remove `notify`"
                    .into(),
            );
        }
        _ => {}
    }
    let Some(arn) = &n.topic_arn else {
        return;
    };
    match topic_arn(arn) {
        Ok(()) => {}
        Err(TopicArn::Fifo) => {
            ctx.error(
                Code::ObservabilityNotify,
                path.key("topic_arn"),
                format!(
                    "`topic_arn` names a FIFO topic, `{}`, which CloudWatch alarms cannot notify: every message to a FIFO topic needs a message group ID, and alarm notifications carry none",
                    shown(arn.rsplit(':').next().unwrap_or(arn))
                ),
            )
            .help = Some(
                "name a standard topic (one without `.fifo`), or replace `topic_arn` with `create_topic: true`"
                    .into(),
            );
        }
        Err(TopicArn::Malformed(detail)) => {
            ctx.error(
                Code::ObservabilityNotify,
                path.key("topic_arn"),
                format!("`topic_arn` `{}` is not an SNS topic ARN{detail}", shown(arn)),
            )
            .help = Some(
                "write `arn:aws:sns:<region>:<12-digit account>:<topic name>`, the topic's ARN as `aws sns list-topics` prints it; topic names are 1 to 256 letters, digits, `-` and `_`"
                    .into(),
            );
        }
    }
}

/// Why a `topic_arn` is refused.
#[derive(Debug, PartialEq, Eq)]
enum TopicArn {
    /// A FIFO topic: a valid ARN, but not an alarm target.
    Fifo,
    /// Not a topic ARN; the detail is appended to the message.
    Malformed(&'static str),
}

/// `arn:<partition>:sns:<region>:<account>:<name>`.
fn topic_arn(arn: &str) -> Result<(), TopicArn> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ["arn", partition, "sns", region, account, name] = parts.as_slice() else {
        return Err(TopicArn::Malformed(""));
    };
    if !(is_partition(partition) && is_region(region) && is_account(account)) {
        return Err(TopicArn::Malformed(""));
    }
    if name.contains(':') {
        return Err(TopicArn::Malformed(
            ": it is a subscription's ARN (the topic's, then the subscription ID)",
        ));
    }
    let stem = name.strip_suffix(".fifo").unwrap_or(name);
    let valid = !stem.is_empty()
        && name.len() <= MAX_TOPIC_NAME
        && stem
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    match (valid, stem.len() < name.len()) {
        (false, _) => Err(TopicArn::Malformed("")),
        (true, true) => Err(TopicArn::Fifo),
        (true, false) => Ok(()),
    }
}

/// Virtual services that ask for alarms and get none: one whose provider listens on TCP only,
/// and one that says `alarms: true` or `alarms: {}` when no threshold is set anywhere.
fn services(ctx: &mut Ctx, section: Option<&Alarms>) {
    let spec = ctx.spec;
    for (name, vs) in &spec.virtual_services {
        let Some(t) = requested(spec, name) else {
            continue;
        };
        let at = match vs.alarms {
            Some(_) => service_path(name).key("alarms"),
            None => service_path(name),
        };
        if !has_threshold(&t) {
            // Without thresholds anywhere, only an explicit `alarms:` asked for something.
            if vs.alarms.is_some() {
                let written = match vs.alarms {
                    Some(ServiceAlarms::Inherit) => "`alarms: true`",
                    _ => "`alarms:` without thresholds",
                };
                let from = if section.is_some() {
                    "`observability.alarms` sets no threshold either"
                } else {
                    "there is no `observability.alarms`"
                };
                ctx.warning(
                    Code::ObservabilityServiceAlarms,
                    at,
                    format!(
                        "virtual service `{name}` gets no alarm: it has {written}, which takes the thresholds of `observability.alarms`, and {from}"
                    ),
                )
                .help = Some(
                    "set `error_rate` or `latency_p99` here (`alarms: { latency_p99: 500ms }`) or in `observability.alarms`, or remove `alarms`"
                        .into(),
                );
            }
            continue;
        }
        if let Some(owner) = tcp_only(spec, name) {
            let how = if vs.alarms.is_some() {
                "its `alarms:` thresholds"
            } else {
                "the thresholds of `observability.alarms`"
            };
            ctx.warning(
                Code::ObservabilityTcpService,
                at,
                format!(
                    "virtual service `{name}` gets no alarm despite {how}: its provider, {owner}, listens on TCP only, and a TCP call has no HTTP status or response time for an error-rate or latency alarm to measure"
                ),
            )
            .help = Some(
                "set `alarms: false` on it to say so, or give its provider an `http`, `http2` or `grpc` listener"
                    .into(),
            );
        }
    }
}

/// Alarms that exist but notify no one.
fn notification(ctx: &mut Ctx, section: Option<&Alarms>) {
    let spec = ctx.spec;
    let notify = section.and_then(|a| a.notify.as_ref());
    // A topic (`topic_arn`, `create_topic: true`), or `notify: {}`, an error of its own: only
    // `create_topic: false` alone is no notification.
    if notify.is_some_and(|n| n.topic_arn.is_some() || n.create_topic != Some(false)) {
        return;
    }
    let alarming: Vec<&String> = spec
        .virtual_services
        .keys()
        .filter(|name| service_thresholds(spec, name).is_some())
        .collect();
    let Some(first) = alarming.first() else {
        return;
    };
    let (path, why) = match (section, notify) {
        (Some(_), Some(_)) => (
            alarms_path().key("notify").key("create_topic"),
            "`notify` has `create_topic: false` and no `topic_arn`",
        ),
        (Some(_), None) => (alarms_path(), "`observability.alarms` has no `notify`"),
        (None, _) => (
            service_path(first).key("alarms"),
            "there is no `observability.alarms.notify`",
        ),
    };
    let count = match alarming.len() {
        1 => format!("virtual service `{first}`"),
        n => format!("{n} virtual services"),
    };
    ctx.warning(
        Code::ObservabilityNoNotification,
        path,
        format!(
            "the alarms of {count} notify no one: {why}, so they only change state in the CloudWatch console"
        ),
    )
    .help = Some(
        "add `notify: { create_topic: true }` to `observability.alarms` (then subscribe to the topic the stack creates), or `notify: { topic_arn: arn:aws:sns:<region>:<account>:<topic> }`"
            .into(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_arns() {
        for ok in [
            "arn:aws:sns:us-east-1:123456789012:alerts",
            "arn:aws-us-gov:sns:us-gov-west-1:123456789012:on_call-Team",
            &format!("arn:aws:sns:eu-west-1:123456789012:{}", "a".repeat(256)),
        ] {
            assert_eq!(topic_arn(ok), Ok(()), "{ok}");
        }
        assert_eq!(
            topic_arn("arn:aws:sns:us-east-1:123456789012:alerts.fifo"),
            Err(TopicArn::Fifo)
        );
        assert!(matches!(
            topic_arn("arn:aws:sns:us-east-1:123456789012:alerts:0b4a-11ef"),
            Err(TopicArn::Malformed(d)) if d.contains("subscription")
        ));
        for bad in [
            "alerts",
            "arn:aws:sns:us-east-1:12345678901:alerts",
            "arn:aws:sns:useast1:123456789012:alerts",
            "arn:aws:sqs:us-east-1:123456789012:alerts",
            "arn:aws:sns:us-east-1:123456789012:",
            "arn:aws:sns:us-east-1:123456789012:.fifo",
            "arn:aws:sns:us-east-1:123456789012:my.alerts",
            "arn:aws:sns:us-east-1:123456789012:my alerts",
            &format!("arn:aws:sns:eu-west-1:123456789012:{}", "a".repeat(257)),
            &format!(
                "arn:aws:sns:eu-west-1:123456789012:{}.fifo",
                "a".repeat(252)
            ),
        ] {
            assert!(
                matches!(topic_arn(bad), Err(TopicArn::Malformed(_))),
                "{bad}"
            );
        }
    }
}
