//! The exact diagnostic report of every invalid fixture.
//!
//! Each file under `tests/fixtures/invalid/` is named after the rule it breaks (`<code>.yaml` or
//! `<code>-<variant>.yaml`) and starts with a comment saying what is wrong. The report must name
//! that code, and must match its snapshot byte for byte (diagnostics are sorted, so it is stable).

use meshsynth::synth::all_targets;

#[test]
fn invalid_fixtures_report_exact_diagnostics() {
    insta::glob!("fixtures/invalid/*.yaml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let file = path.file_name().unwrap().to_string_lossy();
        let name = format!("tests/fixtures/invalid/{file}");
        assert!(
            text.starts_with('#'),
            "{name} must start with a comment saying what is wrong"
        );
        let (diags, plan) = meshsynth::synth::check(&text, &all_targets());
        let report = diags.render_human(&name);
        assert!(
            diags.has_errors() || diags.warnings() > 0,
            "{name} produced no diagnostic"
        );
        // A spec with errors never reaches the renderers.
        assert_eq!(plan.is_some(), !diags.has_errors(), "{name}");
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        assert!(
            diags.iter().any(|d| stem.starts_with(d.code)),
            "{name}: no `{stem}` diagnostic:\n{report}"
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

/// Validation must never panic, whatever the YAML: every invalid and valid fixture cut short at
/// every line still produces a report.
#[test]
fn truncated_fixtures_never_panic() {
    let check_cuts = |path: &std::path::Path| {
        let text = std::fs::read_to_string(path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for n in 0..lines.len() {
            let cut = lines[..n].join("\n");
            let (diags, _) = meshsynth::synth::check(&cut, &all_targets());
            let _ = diags.render_human("cut.yaml");
        }
    };
    insta::glob!("fixtures/invalid/*.yaml", |path| check_cuts(path));
    insta::glob!("fixtures/valid/*.yaml", |path| check_cuts(path));
}

/// Extreme values: the largest numbers, empty strings and maps, a route to itself.
#[test]
fn extreme_values_never_panic() {
    let specs = [
        "",
        "~",
        "[]",
        "name: x\nmesh: { name: x }\n",
        "name: x\nmesh: { name: x }\nvirtual_routers:\n  r:\n    listeners: [{ port: 4294967295, protocol: tcp }]\n    routes:\n      a: { priority: 4294967295, tcp: { match: { port: 0 }, targets: { n: { weight: 4294967295, port: 4294967295 } } } }\nvirtual_nodes:\n  n: { listeners: [{ port: 0, protocol: tcp, connection_pool: {}, timeout: {}, tls: { mode: disabled }, health_check: { interval: 0ms, timeout: 99999999999m, healthy_threshold: 0, port: 0, path: \"\" } }], service_discovery: {} }\n",
        "name: x\nmesh: { name: x }\nvirtual_nodes: { n: { listeners: [{ port: 1, protocol: http }], service_discovery: { dns: { hostname: \"\" } } } }\nvirtual_routers:\n  r:\n    listeners: [{ port: 1, protocol: http }]\n    routes:\n      a: { http: { match: { prefix: \"\", path: {}, headers: { \"\": [] }, query_parameters: { q: [] } }, targets: { n: 0 }, retry: { max_retries: 18446744073709551615, per_retry_timeout: 99999999999m, http_events: [\"\", \"\"], grpc_events: [x] }, timeout: { per_request: 0s } } }\n",
        "name: x\nmesh: { name: x }\nvirtual_services: { s: { router: r, node: n } }\nvirtual_gateways:\n  g:\n    listeners: []\n    routes:\n      a: { http: { match: { hostname: {} }, target: s, rewrite: { prefix: { default_prefix: disabled }, path: { exact: \"\" } } }, grpc: { target: { virtual_service: s, port: 0 } } }\n",
    ];
    for text in specs {
        let (diags, _) = meshsynth::synth::check(text, &all_targets());
        let _ = diags.render_human("extreme.yaml");
    }
}
