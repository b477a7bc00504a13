//! The exact diagnostic report of every invalid fixture.
//!
//! Each file under `tests/fixtures/invalid/` is named after the rule it breaks (`<code>.yaml` or
//! `<code>-<variant>.yaml`, the longest code that fits) and starts with a comment saying what is
//! wrong. The report must name exactly that code, and must match its snapshot byte for byte
//! (diagnostics are sorted, so it is stable).

use meshsynth::diagnostic::Code;

/// The code a fixture is named after: the longest code that is its whole stem or the stem's
/// leading `-`-separated words (`airflow-invalid-id-connection` is about `airflow-invalid-id`;
/// a code `missing-target` would not fit `missing-targets`).
fn fixture_code(stem: &str) -> Option<Code> {
    Code::ALL
        .iter()
        .copied()
        .filter(|c| {
            stem == c.as_str()
                || stem
                    .strip_prefix(c.as_str())
                    .is_some_and(|rest| rest.starts_with('-'))
        })
        .max_by_key(|c| c.as_str().len())
}

/// Codes no fixture can reach: they guard meshsynth's own output, not the spec, or a bound that
/// a stricter App Mesh rule already enforces (a route has at most 10 targets, so a Lattice
/// forward action at most 10 target groups; `src/check/lattice/bounds.rs` tests that rule).
const NO_FIXTURE: &[Code] = &[
    Code::DependencyCycle,
    Code::InternalDanglingReference,
    Code::LatticeTooManyTargets,
];

/// Every other code has at least one fixture named after it.
#[test]
fn every_code_has_a_fixture() {
    let mut covered = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir("tests/fixtures/invalid").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let stem = path.file_stem().unwrap().to_string_lossy().to_string();
            covered.extend(fixture_code(&stem));
        }
    }
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !covered.contains(*c) && !NO_FIXTURE.contains(c))
        .map(|c| c.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a fixture in tests/fixtures/invalid/: {missing:?}"
    );
    for c in NO_FIXTURE {
        assert!(
            !covered.contains(c),
            "`{c}` has a fixture now: remove it from NO_FIXTURE"
        );
    }
}

#[test]
fn invalid_fixtures_report_exact_diagnostics() {
    insta::glob!("fixtures/invalid/*.yaml", |path| {
        // Bytes, not text: an `invalid-encoding` fixture is not UTF-8.
        let bytes = std::fs::read(path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let file = path.file_name().unwrap().to_string_lossy();
        let name = format!("tests/fixtures/invalid/{file}");
        assert!(
            text.starts_with('#'),
            "{name} must start with a comment saying what is wrong"
        );
        let (diags, plan) = meshsynth::synth::check_bytes(&bytes, &meshsynth::targets::iac());
        let report = diags.render_human(&name);
        assert!(
            diags.has_errors() || diags.warnings() > 0,
            "{name} produced no diagnostic"
        );
        // A spec with errors never reaches the renderers.
        assert_eq!(plan.is_some(), !diags.has_errors(), "{name}");
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let code = fixture_code(&stem).unwrap_or_else(|| {
            panic!("{name}: the file name names no code; call it `<code>.yaml` or `<code>-<variant>.yaml`")
        });
        assert!(
            diags.iter().any(|d| d.code == code),
            "{name}: no `{code}` diagnostic:\n{report}"
        );
        // Everything the rules find can be pointed at in the file.
        assert!(
            diags.iter().all(|d| d.location.is_some()),
            "{name}: a diagnostic without a line:column:\n{report}"
        );
        insta::with_settings!({ omit_expression => true, description => text.lines().next().unwrap_or("") }, {
            insta::assert_snapshot!(report);
        });
    });
}

/// What every report must satisfy, whatever the input: a plan exactly when there is no error, a
/// summary line whose counts match the diagnostics, one block per diagnostic, a kebab-case code
/// and a one-line message on each, locations inside the file, sorted by location. A spec that
/// plans also renders both targets. Returns `(code, path, is_error)` for each diagnostic.
fn consistent_report(file: &str, text: &str) -> Vec<(&'static str, String, bool)> {
    let (diags, plan) = meshsynth::synth::check(text, &meshsynth::targets::iac());
    let report = diags.render_human(file);
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.iter().count() - errors;
    assert_eq!(
        plan.is_some(),
        errors == 0,
        "{file}: a plan must exist exactly when there is no error:\n{report}"
    );
    assert_eq!(diags.has_errors(), errors > 0, "{file}");
    assert_eq!(
        (diags.errors(), diags.warnings()),
        (errors, warnings),
        "{file}"
    );
    let summary = format!("{file}: {errors} error(s), {warnings} warning(s)\n");
    assert!(
        report.ends_with(&summary),
        "{file}: the report does not end with `{}`:\n{report}",
        summary.trim_end()
    );
    let blocks = |prefix: &str| report.lines().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(
        (blocks("error["), blocks("warning[")),
        (errors, warnings),
        "{file}: one report block per diagnostic:\n{report}"
    );
    // A location is a line:column of the text, or the end of the input: the YAML parser reports
    // a syntax error there one line past the last (`N+1:1`), even without a final newline.
    let lines = text.lines().count().max(1);
    let inside = |line: usize, column: usize| {
        line >= 1 && column >= 1 && (line <= lines || (line == lines + 1 && column == 1))
    };
    for d in diags.iter() {
        assert!(
            !d.code.as_str().is_empty()
                && d.code
                    .as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{file}: code `{}` is not kebab-case:\n{report}",
            d.code
        );
        assert!(
            !d.message.trim().is_empty() && !d.message.contains('\n'),
            "{file}: [{}] needs a one-line message:\n{report}",
            d.code
        );
        if let Some(l) = d.location {
            assert!(
                inside(l.line, l.column),
                "{file}: [{}] points at {}:{}, outside the file's {lines} line(s):\n{report}",
                d.code,
                l.line,
                l.column
            );
        }
    }
    let order: Vec<(usize, usize)> = diags
        .iter()
        .map(|d| d.location.map_or((usize::MAX, 0), |l| (l.line, l.column)))
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] <= w[1]),
        "{file}: diagnostics are not sorted by location:\n{report}"
    );
    if plan.is_some() {
        let s = meshsynth::synth::synthesize(text, file, &meshsynth::targets::iac());
        assert_eq!(s.diagnostics, diags, "{file}: synth and check disagree");
        let files = s.files.expect("a spec that plans renders");
        // The Kubernetes targets write only for Airflow on EKS.
        let eks = plan.as_ref().is_some_and(|p| p.kube.is_some());
        for t in meshsynth::targets::iac()
            .into_iter()
            .filter(|t| eks || !matches!(t.name(), "kubernetes" | "helm"))
        {
            // `cloudformation`, or `vpc_lattice/cloudformation` for the Lattice backend.
            let rendered = files
                .iter()
                .any(|(folder, r)| folder.rsplit('/').next() == Some(t.name()) && !r.is_empty());
            assert!(rendered, "{file}: nothing rendered for {}", t.name());
        }
    }
    diags
        .iter()
        .map(|d| (d.code.as_str(), d.path.to_string(), d.is_error()))
        .collect()
}

/// Every invalid and valid fixture cut short at every line still produces a consistent report
/// (see `consistent_report`), and a cut that plans also renders.
#[test]
fn truncated_fixtures_report_consistently() {
    let check_cuts = |path: &std::path::Path| {
        let bytes = std::fs::read(path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let file = path.file_name().unwrap().to_string_lossy();
        let lines: Vec<&str> = text.lines().collect();
        for n in 0..lines.len() {
            let cut = lines[..n].join("\n");
            consistent_report(&format!("{file} cut to {n} line(s)"), &cut);
        }
    };
    insta::glob!("fixtures/invalid/*.yaml", |path| check_cuts(path));
    insta::glob!("fixtures/valid/*.yaml", |path| check_cuts(path));
}

/// Extreme values: the largest numbers, empty strings and maps, nothing at all. Each spec's
/// report is consistent, and names the rules it breaks where they are broken.
#[test]
fn extreme_values_are_reported() {
    let specs = [
        "",
        "~",
        "[]",
        "name: x\nmesh: { name: x }\n",
        "name: x\nmesh: { name: x }\nvirtual_routers:\n  r:\n    listeners: [{ port: 4294967295, protocol: tcp }]\n    routes:\n      a: { priority: 4294967295, tcp: { match: { port: 0 }, targets: { n: { weight: 4294967295, port: 4294967295 } } } }\nvirtual_nodes:\n  n: { listeners: [{ port: 0, protocol: tcp, connection_pool: {}, timeout: {}, tls: { mode: disabled }, health_check: { interval: 0ms, timeout: 99999999999m, healthy_threshold: 0, port: 0, path: \"\" } }], service_discovery: {} }\n",
        "name: x\nmesh: { name: x }\nvirtual_nodes: { n: { listeners: [{ port: 1, protocol: http }], service_discovery: { dns: { hostname: \"\" } } } }\nvirtual_routers:\n  r:\n    listeners: [{ port: 1, protocol: http }]\n    routes:\n      a: { http: { match: { prefix: \"\", path: {}, headers: { \"\": [] }, query_parameters: { q: [] } }, targets: { n: 0 }, retry: { max_retries: 18446744073709551615, per_retry_timeout: 99999999999m, http_events: [\"\", \"\"], grpc_events: [x] }, timeout: { per_request: 0s } } }\n",
        "name: x\nmesh: { name: x }\nvirtual_services: { s: { router: r, node: n } }\nvirtual_gateways:\n  g:\n    listeners: []\n    routes:\n      a: { http: { match: { hostname: {} }, target: s, rewrite: { prefix: { default_prefix: disabled }, path: { exact: \"\" } } }, grpc: { target: { virtual_service: s, port: 0 } } }\n",
    ];
    // (code, path) that each spec must report, all as errors; an empty list means valid.
    let expected: [&[(&str, &str)]; 7] = [
        &[("invalid-spec-shape", "(top level)")],
        &[("invalid-spec-shape", "(top level)")],
        &[("invalid-spec-shape", "(top level)")],
        &[],
        &[
            ("port-out-of-range", "virtual_routers.r.listeners[0].port"),
            (
                "priority-out-of-range",
                "virtual_routers.r.routes.a.priority",
            ),
            (
                "port-out-of-range",
                "virtual_routers.r.routes.a.tcp.match.port",
            ),
            (
                "weight-out-of-range",
                "virtual_routers.r.routes.a.tcp.targets.n",
            ),
            (
                "port-out-of-range",
                "virtual_routers.r.routes.a.tcp.targets.n.port",
            ),
            ("port-out-of-range", "virtual_nodes.n.listeners[0].port"),
            (
                "connection-pool-protocol",
                "virtual_nodes.n.listeners[0].connection_pool",
            ),
            (
                "interval-out-of-range",
                "virtual_nodes.n.listeners[0].health_check.interval",
            ),
            (
                "timeout-out-of-range",
                "virtual_nodes.n.listeners[0].health_check.timeout",
            ),
            (
                "threshold-out-of-range",
                "virtual_nodes.n.listeners[0].health_check.healthy_threshold",
            ),
            (
                "port-out-of-range",
                "virtual_nodes.n.listeners[0].health_check.port",
            ),
            (
                "unsupported-health-check-path",
                "virtual_nodes.n.listeners[0].health_check.path",
            ),
            (
                "missing-service-discovery",
                "virtual_nodes.n.service_discovery",
            ),
        ],
        &[
            (
                "length-out-of-range",
                "virtual_nodes.n.service_discovery.dns.hostname",
            ),
            (
                "invalid-prefix",
                "virtual_routers.r.routes.a.http.match.prefix",
            ),
            (
                "ambiguous-http-match",
                "virtual_routers.r.routes.a.http.match.path",
            ),
            (
                "missing-path-match",
                "virtual_routers.r.routes.a.http.match.path",
            ),
            (
                "empty-match-list",
                r#"virtual_routers.r.routes.a.http.match.headers[""]"#,
            ),
            (
                "length-out-of-range",
                r#"virtual_routers.r.routes.a.http.match.headers[""]"#,
            ),
            (
                "empty-match-list",
                "virtual_routers.r.routes.a.http.match.query_parameters.q",
            ),
            (
                "all-weights-zero",
                "virtual_routers.r.routes.a.http.targets",
            ),
            (
                "unknown-retry-event",
                "virtual_routers.r.routes.a.http.retry.http_events[0]",
            ),
            (
                "unknown-retry-event",
                "virtual_routers.r.routes.a.http.retry.http_events[1]",
            ),
            (
                "retry-event-protocol",
                "virtual_routers.r.routes.a.http.retry.grpc_events",
            ),
        ],
        &[
            ("ambiguous-provider", "virtual_services.s"),
            ("missing-listener", "virtual_gateways.g.listeners"),
            (
                "missing-hostname-match",
                "virtual_gateways.g.routes.a.http.match.hostname",
            ),
            (
                "rewrite-match-mismatch",
                "virtual_gateways.g.routes.a.http.rewrite.prefix",
            ),
            (
                "rewrite-match-mismatch",
                "virtual_gateways.g.routes.a.http.rewrite.path",
            ),
            (
                "invalid-path",
                "virtual_gateways.g.routes.a.http.rewrite.path.exact",
            ),
            ("ambiguous-route-kind", "virtual_gateways.g.routes.a.grpc"),
            (
                "terraform-unsupported",
                "virtual_gateways.g.routes.a.grpc.match",
            ),
            (
                "port-out-of-range",
                "virtual_gateways.g.routes.a.grpc.target.port",
            ),
        ],
    ];
    for (i, (text, expected)) in specs.iter().zip(expected).enumerate() {
        let file = format!("extreme-{i}.yaml");
        let found = consistent_report(&file, text);
        let report = meshsynth::synth::check(text, &meshsynth::targets::iac())
            .0
            .render_human(&file);
        if expected.is_empty() {
            assert!(
                found.is_empty(),
                "{file} must be valid and clean:\n{report}"
            );
            continue;
        }
        assert!(
            found.iter().all(|(_, _, is_error)| *is_error),
            "{file}: only errors expected:\n{report}"
        );
        for (code, path) in expected {
            assert!(
                found.iter().any(|(c, p, _)| c == code && p == path),
                "{file}: no `{code}` error at `{path}`:\n{report}"
            );
        }
    }
}
