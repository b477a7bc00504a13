//! Nodes and gateways: listeners (ports, health checks, timeouts, outlier detection, connection
//! pools, TLS), service discovery, client policies and access logs.

use crate::check::common::{
    a, and_list, check_duplicate_ports, check_len, check_port, exclusive, shown, OneOf,
};
use crate::check::Ctx;
use crate::diagnostic::{Code, FieldPath};
use crate::spec::paths::{gateway_path, node_path};
use crate::spec::{
    AccessLog, BackendDefaults, Certificate, ClientPolicy, ConnectionPool, DnsResponseType,
    HealthCheck, ListenerTls, NodeListener, NodeServiceDiscovery, OutlierDetection, Protocol,
    TlsMode, TlsValidation, VirtualGateway, VirtualNode,
};

pub(crate) fn check(ctx: &mut Ctx) {
    let spec = ctx.spec;
    for (name, node) in &spec.virtual_nodes {
        check_node(ctx, name, node);
    }
    for (name, gw) in &spec.virtual_gateways {
        check_gateway(ctx, name, gw);
    }
}

fn check_node(ctx: &mut Ctx, name: &str, node: &VirtualNode) {
    let path = node_path(name);
    let listeners = path.key("listeners");
    for (i, l) in node.listeners.iter().enumerate() {
        check_node_listener(ctx, &listeners.index(i), node, l);
    }
    let ports: Vec<u32> = node.listeners.iter().map(|l| l.port).collect();
    check_duplicate_ports(ctx, &listeners, &format!("virtual node `{name}`"), &ports);

    match &node.service_discovery {
        None if !node.listeners.is_empty() => {
            ctx.error(
                Code::MissingServiceDiscovery,
                path.clone(),
                format!("virtual node `{name}` has listeners but no service discovery"),
            )
            .help = Some(
                "add `service_discovery` with `cloud_map` or `dns`, so other Envoys can find its tasks"
                    .into(),
            );
        }
        None => {}
        Some(sd) => check_service_discovery(ctx, &path.key("service_discovery"), name, sd),
    }

    for (i, b) in node.backends.iter().enumerate() {
        if let Some(cp) = &b.client_policy {
            check_client_policy(ctx, &path.key("backends").index(i).key("client_policy"), cp);
        }
    }
    check_backend_defaults(ctx, &path, node.backend_defaults.as_ref());
    if let Some(log) = &node.access_log {
        check_access_log(ctx, &path.key("access_log"), log);
    }
}

fn check_node_listener(ctx: &mut Ctx, path: &FieldPath, node: &VirtualNode, l: &NodeListener) {
    check_port(ctx, path.key("port"), l.port);
    if let Some(hc) = &l.health_check {
        check_health_check(
            ctx,
            &path.key("health_check"),
            l.port,
            l.protocol,
            hc,
            false,
        );
    }
    if let Some(t) = &l.timeout {
        if l.protocol == Protocol::Tcp && t.per_request.is_some() {
            ctx.error(
                Code::TimeoutProtocol,
                path.key("timeout").key("per_request"),
                "a `tcp` listener has no per-request timeout",
            )
            .help = Some(
                "remove `per_request` (TCP listeners only take `idle`), or change the protocol"
                    .into(),
            );
        }
    }
    if let Some(od) = &l.outlier_detection {
        check_outlier_detection(ctx, &path.key("outlier_detection"), node, od);
    }
    if let Some(cp) = &l.connection_pool {
        check_connection_pool(ctx, &path.key("connection_pool"), l.protocol, cp);
    }
    if let Some(tls) = &l.tls {
        check_listener_tls(ctx, &path.key("tls"), tls);
    }
}

fn check_health_check(
    ctx: &mut Ctx,
    path: &FieldPath,
    listener_port: u32,
    listener_protocol: Protocol,
    hc: &HealthCheck,
    gateway: bool,
) {
    for (key, value) in [
        ("healthy_threshold", hc.healthy_threshold),
        ("unhealthy_threshold", hc.unhealthy_threshold),
    ] {
        if let Some(v) = value {
            if !(2..=10).contains(&v) {
                ctx.error(
                    Code::ThresholdOutOfRange,
                    path.key(key),
                    format!("{} `{v}` is outside 2–10", key.replace('_', " ")),
                )
                .help = Some("count 2 to 10 consecutive checks".into());
            }
        }
    }
    if let Some(i) = hc.interval {
        if !(5_000..=300_000).contains(&i.millis()) {
            ctx.error(
                Code::IntervalOutOfRange,
                path.key("interval"),
                format!("health-check interval `{i}` is outside 5s–300s"),
            )
            .help = Some("use an interval from `5s` to `300s` (`5m`)".into());
        }
    }
    if let Some(t) = hc.timeout {
        if !(2_000..=60_000).contains(&t.millis()) {
            ctx.error(
                Code::TimeoutOutOfRange,
                path.key("timeout"),
                format!("health-check timeout `{t}` is outside 2s–60s"),
            )
            .help = Some("use a timeout from `2s` to `60s`".into());
        }
    }
    if gateway && hc.protocol == Some(Protocol::Tcp) {
        ctx.error(
            Code::UnsupportedProtocol,
            path.key("protocol"),
            "a virtual gateway cannot health-check with `tcp`",
        )
        .help =
            Some("use `http`, `http2` or `grpc`, or drop `protocol` to use the listener's".into());
    }
    let protocol = hc.protocol.unwrap_or(listener_protocol);
    if hc.path.is_some() && !matches!(protocol, Protocol::Http | Protocol::Http2) {
        ctx.error(
            Code::UnsupportedHealthCheckPath,
            path.key("path"),
            format!("{} `{protocol}` health check has no path", a(protocol)),
        )
        .help = Some("remove `path`; only `http` and `http2` health checks request a path".into());
    }
    if let Some(p) = hc.port {
        check_port(ctx, path.key("port"), p);
        if p != listener_port {
            ctx.error(
                Code::HealthCheckPortMismatch,
                path.key("port"),
                format!(
                    "health-check port `{p}` differs from the listener's port `{listener_port}`"
                ),
            )
            .help = Some(format!(
                "App Mesh checks the listener's own port: remove `port` or set it to `{listener_port}`"
            ));
        }
    }
}

fn check_outlier_detection(
    ctx: &mut Ctx,
    path: &FieldPath,
    node: &VirtualNode,
    od: &OutlierDetection,
) {
    if i64::try_from(od.max_server_errors).is_err() {
        ctx.error(
            Code::ValueOutOfRange,
            path.key("max_server_errors"),
            format!(
                "`max_server_errors: {}` is more than the {} App Mesh takes",
                od.max_server_errors,
                i64::MAX
            ),
        )
        .help = Some("eject a host after a few server errors in a row, e.g. `5`".into());
    }
    if od.max_server_errors < 1 {
        ctx.error(
            Code::ValueOutOfRange,
            path.key("max_server_errors"),
            format!(
                "`max_server_errors: {}` is below the minimum of 1",
                od.max_server_errors
            ),
        )
        .help = Some("eject a host after 1 or more server errors in a row".into());
    }
    if od.max_ejection_percent > 100 {
        ctx.error(
            Code::ValueOutOfRange,
            path.key("max_ejection_percent"),
            format!(
                "`max_ejection_percent: {}` is outside 0–100",
                od.max_ejection_percent
            ),
        )
        .help = Some("use a percentage from 0 to 100".into());
    }
    if let Some(dns) = node
        .service_discovery
        .as_ref()
        .and_then(|sd| sd.dns.as_ref())
    {
        if dns.response_type != Some(DnsResponseType::Endpoints) && ctx.app_mesh {
            let how = if dns.response_type.is_some() {
                "DNS `load_balancer` response type"
            } else {
                "DNS response type `load_balancer` (the App Mesh default)"
            };
            ctx.warning(
                Code::OutlierDetectionLoadBalancer,
                path.clone(),
                format!("outlier detection has little effect with the {how}"),
            )
            .help = Some(
                "Envoy keeps only one address per DNS answer, so there is no host to eject; set `response_type: endpoints` or use `cloud_map` discovery"
                    .into(),
            );
        }
    }
}

fn check_connection_pool(ctx: &mut Ctx, path: &FieldPath, protocol: Protocol, cp: &ConnectionPool) {
    let fields = [
        ("max_connections", cp.max_connections),
        ("max_pending_requests", cp.max_pending_requests),
        ("max_requests", cp.max_requests),
    ];
    // (allowed, required) per protocol.
    let (allowed, required): (&[&str], &str) = match protocol {
        Protocol::Http => (
            &["max_connections", "max_pending_requests"],
            "max_connections",
        ),
        Protocol::Tcp => (&["max_connections"], "max_connections"),
        Protocol::Http2 | Protocol::Grpc => (&["max_requests"], "max_requests"),
    };
    for (key, value) in fields {
        let Some(v) = value else { continue };
        if !allowed.contains(&key) {
            ctx.error(
                Code::ConnectionPoolProtocol,
                path.key(key),
                format!(
                    "`{key}` does not apply to {} `{protocol}` listener",
                    a(protocol)
                ),
            )
            .help = Some(format!(
                "{} `{protocol}` connection pool takes {}",
                a(protocol),
                and_list(allowed)
            ));
        } else if v < 1 {
            ctx.error(
                Code::ValueOutOfRange,
                path.key(key),
                format!("`{key}: {v}` is below the minimum of 1"),
            )
            .help = Some(format!("set `{key}` to 1 or more"));
        }
    }
    let has_required = fields.iter().any(|(k, v)| *k == required && v.is_some());
    if !has_required {
        ctx.error(
            Code::ConnectionPoolProtocol,
            path.clone(),
            format!(
                "{} `{protocol}` connection pool needs `{required}`",
                a(protocol)
            ),
        )
        .help = Some(if allowed.len() == 1 {
            format!("add `{required}`")
        } else {
            format!(
                "add `{required}`; {} `{protocol}` connection pool takes {}",
                a(protocol),
                and_list(allowed)
            )
        });
    }
}

fn check_listener_tls(ctx: &mut Ctx, path: &FieldPath, tls: &ListenerTls) {
    match &tls.certificate {
        None if tls.mode != TlsMode::Disabled => {
            let mode = if tls.mode == TlsMode::Strict {
                "strict"
            } else {
                "permissive"
            };
            ctx.error(
                Code::MissingCertificate,
                path.clone(),
                format!("`{mode}` TLS needs a certificate"),
            )
            .help = Some(
                "add `certificate` with one of `acm`, `file`, `sds`, or set `mode: disabled`"
                    .into(),
            );
        }
        None => {}
        Some(c) => check_certificate(ctx, &path.key("certificate"), c, false),
    }
    if let Some(v) = &tls.validation {
        check_validation(ctx, &path.key("validation"), v, true);
    }
}

fn check_certificate(ctx: &mut Ctx, path: &FieldPath, c: &Certificate, client: bool) {
    exclusive(
        ctx,
        path,
        OneOf {
            what: "the certificate",
            options: &[
                ("acm", c.acm.is_some()),
                ("file", c.file.is_some()),
                ("sds", c.sds.is_some()),
            ],
            ambiguous: Code::AmbiguousCertificate,
            missing: Some(Code::MissingCertificate),
        },
    );
    if client && c.acm.is_some() {
        ctx.error(
            Code::AcmClientCertificate,
            path.key("acm"),
            "an ACM certificate cannot be a client certificate",
        )
        .help = Some(
            "ACM does not export certificates to Envoy for mutual TLS; use a `file` or `sds` certificate"
                .into(),
        );
    }
    if let Some(f) = &c.file {
        let p = path.key("file");
        check_len(
            ctx,
            p.key("certificate_chain"),
            "certificate chain path",
            &f.certificate_chain,
            255,
        );
        check_len(
            ctx,
            p.key("private_key"),
            "private key path",
            &f.private_key,
            255,
        );
    }
    if let Some(s) = &c.sds {
        check_len(ctx, path.key("sds"), "the SDS secret name", s, 255);
    }
}

fn check_validation(ctx: &mut Ctx, path: &FieldPath, v: &TlsValidation, listener: bool) {
    let trust = path.key("trust");
    let t = &v.trust;
    exclusive(
        ctx,
        &trust,
        OneOf {
            what: "the trust",
            options: &[
                ("acm", t.acm.is_some()),
                ("file", t.file.is_some()),
                ("sds", t.sds.is_some()),
            ],
            ambiguous: Code::AmbiguousTrust,
            missing: Some(Code::MissingTrust),
        },
    );
    if let Some(cas) = &t.acm {
        if listener {
            ctx.error(
                Code::AcmListenerTrust,
                trust.key("acm"),
                "a listener cannot validate client certificates with ACM Private CA trust",
            )
            .help = Some(
                "use `file` or `sds` trust on a listener; `acm` trust only works in client policies"
                    .into(),
            );
        } else if cas.is_empty() || cas.len() > 3 {
            ctx.error(
                Code::CaCountOutOfRange,
                trust.key("acm"),
                format!(
                    "the ACM trust lists {} certificate authorities; App Mesh takes 1–3",
                    cas.len()
                ),
            )
            .help = Some("list 1 to 3 AWS Private CA ARNs".into());
        }
    }
    if let Some(f) = &t.file {
        check_len(
            ctx,
            trust.key("file").key("certificate_chain"),
            "the CA bundle path",
            &f.certificate_chain,
            255,
        );
    }
    if let Some(s) = &t.sds {
        check_len(ctx, trust.key("sds"), "the SDS secret name", s, 255);
    }
    for (i, san) in v.subject_alternative_names.iter().enumerate() {
        check_len(
            ctx,
            path.key("subject_alternative_names").index(i),
            "subject alternative name",
            san,
            254,
        );
    }
}

fn check_client_policy(ctx: &mut Ctx, path: &FieldPath, cp: &ClientPolicy) {
    let Some(tls) = &cp.tls else { return };
    let path = path.key("tls");
    for (i, p) in tls.ports.iter().enumerate() {
        check_port(ctx, path.key("ports").index(i), *p);
    }
    if let Some(c) = &tls.certificate {
        check_certificate(ctx, &path.key("certificate"), c, true);
    }
    check_validation(ctx, &path.key("validation"), &tls.validation, false);
}

fn check_backend_defaults(ctx: &mut Ctx, owner: &FieldPath, bd: Option<&BackendDefaults>) {
    if let Some(cp) = bd.and_then(|b| b.client_policy.as_ref()) {
        check_client_policy(ctx, &owner.key("backend_defaults").key("client_policy"), cp);
    }
}

fn check_service_discovery(ctx: &mut Ctx, path: &FieldPath, name: &str, sd: &NodeServiceDiscovery) {
    let what = format!("the service discovery of virtual node `{name}`");
    exclusive(
        ctx,
        path,
        OneOf {
            what: &what,
            options: &[
                ("cloud_map", sd.cloud_map.is_some()),
                ("dns", sd.dns.is_some()),
            ],
            ambiguous: Code::AmbiguousServiceDiscovery,
            missing: Some(Code::MissingServiceDiscovery),
        },
    );
    if let Some(cm) = &sd.cloud_map {
        let p = path.key("cloud_map");
        check_len(
            ctx,
            p.key("service"),
            "the Cloud Map service name",
            &cm.service,
            1024,
        );
        let default_ns = ctx
            .spec
            .service_discovery
            .as_ref()
            .and_then(|s| s.cloud_map.as_ref());
        match (&cm.namespace, default_ns) {
            (Some(ns), _) => {
                check_len(ctx, p.key("namespace"), "the Cloud Map namespace", ns, 1024)
            }
            (None, Some(_)) => {}
            (None, None) => {
                ctx.error(
                    Code::MissingNamespace,
                    p.clone(),
                    format!("virtual node `{name}` uses Cloud Map but names no namespace"),
                )
                .help = Some(
                    "set `namespace` here, or `service_discovery.cloud_map.namespace` at the top level to have meshsynth create one"
                        .into(),
                );
            }
        }
        for (k, v) in &cm.attributes {
            let ap = p.key("attributes").key(k);
            check_len(ctx, ap.clone(), "the Cloud Map attribute name", k, 255);
            check_len(
                ctx,
                ap,
                &format!("the Cloud Map attribute `{}`", shown(k)),
                v,
                1024,
            );
        }
    }
    if let Some(dns) = &sd.dns {
        check_len(
            ctx,
            path.key("dns").key("hostname"),
            "the DNS hostname",
            &dns.hostname,
            253,
        );
    }
}

fn check_access_log(ctx: &mut Ctx, path: &FieldPath, log: &AccessLog) {
    check_len(ctx, path.key("path"), "access log path", &log.path, 255);
    let Some(f) = &log.format else { return };
    let fp = path.key("format");
    exclusive(
        ctx,
        &fp,
        OneOf {
            what: "the access log format",
            options: &[("json", f.json.is_some()), ("text", f.text.is_some())],
            ambiguous: Code::AmbiguousLogFormat,
            missing: Some(Code::MissingLogFormat),
        },
    );
    if let Some(json) = &f.json {
        if json.is_empty() {
            ctx.error(
                Code::EmptyJsonLogFormat,
                fp.key("json"),
                "the JSON access log format has no fields",
            )
            .help = Some(
                "add at least one `name: \"%FORMAT%\"` pair, e.g. `status: \"%RESPONSE_CODE%\"`, or drop `format`"
                    .into(),
            );
        }
        for (k, v) in json {
            let p = fp.key("json").key(k);
            check_len(ctx, p.clone(), "the JSON log key", k, 100);
            check_len(
                ctx,
                p,
                &format!("the JSON log value of `{}`", shown(k)),
                v,
                100,
            );
        }
    }
    if let Some(t) = &f.text {
        check_len(ctx, fp.key("text"), "text log format", t, 1000);
    }
}

fn check_gateway(ctx: &mut Ctx, name: &str, gw: &VirtualGateway) {
    let path = gateway_path(name);
    let listeners = path.key("listeners");
    if gw.listeners.is_empty() {
        ctx.error(
            Code::MissingListener,
            listeners.clone(),
            format!("virtual gateway `{name}` has no listeners"),
        )
        .help = Some("add one, e.g. `listeners: [{ port: 8080, protocol: http }]`".into());
    }
    for (i, l) in gw.listeners.iter().enumerate() {
        let lp = listeners.index(i);
        check_port(ctx, lp.key("port"), l.port);
        if l.protocol == Protocol::Tcp {
            ctx.error(
                Code::UnsupportedProtocol,
                lp.key("protocol"),
                format!("virtual gateway `{name}` cannot listen with `tcp`"),
            )
            .help = Some("use `http`, `http2` or `grpc`; gateways take no TCP listeners".into());
        }
        if let Some(hc) = &l.health_check {
            check_health_check(ctx, &lp.key("health_check"), l.port, l.protocol, hc, true);
        }
        // A tcp gateway listener is already an error; its pool would only repeat it.
        if let (Some(cp), false) = (&l.connection_pool, l.protocol == Protocol::Tcp) {
            check_connection_pool(ctx, &lp.key("connection_pool"), l.protocol, cp);
        }
        if let Some(tls) = &l.tls {
            check_listener_tls(ctx, &lp.key("tls"), tls);
        }
    }
    let ports: Vec<u32> = gw.listeners.iter().map(|l| l.port).collect();
    check_duplicate_ports(
        ctx,
        &listeners,
        &format!("virtual gateway `{name}`"),
        &ports,
    );
    check_backend_defaults(ctx, &path, gw.backend_defaults.as_ref());
    if let Some(log) = &gw.access_log {
        check_access_log(ctx, &path.key("access_log"), log);
    }
}
