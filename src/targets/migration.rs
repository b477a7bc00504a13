//! `MIGRATION.md`: what VPC Lattice makes of each spec feature, written beside the Lattice
//! output. The same [`MigrationDoc`] is what `synth --format json` prints.

use minijinja::context;

use super::text;
use crate::ir::MigrationDoc;

/// The report's file name, in the Lattice output folder.
pub const FILE_NAME: &str = "MIGRATION.md";

/// `MIGRATION.md` for a doc.
pub fn render(doc: &MigrationDoc) -> String {
    let ctx = context! {
        project => &doc.project,
        doc => doc,
    };
    text::render("MIGRATION.md", ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::lattice::model::Outcome;
    use crate::check::lattice::Model;

    fn doc_of(text: &str) -> MigrationDoc {
        doc_from(text, "spec.yaml")
    }

    fn doc_from(text: &str, spec_file: &str) -> MigrationDoc {
        let loaded = crate::spec::load::load(text);
        let spec = loaded
            .spec
            .unwrap_or_else(|| panic!("the spec loads: {:?}", loaded.diagnostics));
        let model = Model::build(&spec, None);
        MigrationDoc::new(&spec.name, spec_file, &model)
    }

    /// The section of the report under `## {title}`, up to the next one.
    fn section<'a>(md: &'a str, title: &str) -> &'a str {
        let head = format!("\n## {title}");
        let start = md
            .find(&head)
            .unwrap_or_else(|| panic!("no section {title}:\n{md}"));
        let rest = &md[start + head.len()..];
        &rest[..rest.find("\n## ").unwrap_or(rest.len())]
    }

    const SMALL: &str = r#"
name: shop
mesh: { name: shop }
virtual_nodes:
  api-v1:
    listeners: [{ port: 8080, protocol: http, health_check: { path: /healthz } }]
  db:
    listeners: [{ port: 5432, protocol: tcp }]
virtual_routers:
  r:
    listeners: [{ port: 8080, protocol: http }]
    routes:
      x:
        http:
          match: { prefix: / }
          targets: { api-v1: 100 }
          retry: { max_retries: 2, per_retry_timeout: 1s, http_events: [server-error] }
      "a|b":
        priority: 1
        http:
          match: { prefix: /ab, query_parameters: { q: {} } }
          targets: { api-v1: 100 }
virtual_services:
  api.shop.internal: { router: r }
  db.shop.internal: { node: db }
virtual_gateways:
  edge:
    listeners: [{ port: 443, protocol: http }]
    routes:
      api:
        http: { match: { prefix: / }, target: api.shop.internal }
"#;

    #[test]
    fn a_retry_moves_to_the_client_with_its_path() {
        let doc = doc_of(SMALL);
        let md = render(&doc);
        let moved = section(&md, "Moved to the client");
        assert!(
            moved.contains(
                "| `virtual_routers.r.routes.x.http.retry` | retry policy | Lattice does not retry; the generated Airflow connections carry `max_retries: 2` and `per_retry_timeout: 1s` for the client to apply |"
            ),
            "{moved}"
        );
        assert_eq!(moved.matches("\n| `").count(), 1, "{moved}");
    }

    #[test]
    fn a_virtual_gateway_is_dropped_with_its_remedy() {
        let md = render(&doc_of(SMALL));
        let dropped = section(&md, "Dropped");
        assert!(
            dropped.contains(
                "| `virtual_gateways.edge` | virtual gateway | not rendered: Lattice services are reachable only from associated VPCs and VPC endpoints, and have no ingress Envoy | put an Application Load Balancer or API Gateway (private integration) in front of the Lattice services, or associate the callers' VPC with the service network |"
            ),
            "{dropped}"
        );
        assert!(
            dropped.contains(
                "| `virtual_gateways.edge.routes.api` | gateway route | not rendered with its gateway | route in the load balancer or API in front of Lattice |"
            ),
            "{dropped}"
        );
        assert!(
            dropped.contains("| `virtual_nodes.db.listeners[0]` | TCP listener |"),
            "{dropped}"
        );
    }

    #[test]
    fn the_summary_counts_the_findings() {
        let doc = doc_of(SMALL);
        let all: usize = doc.findings.iter().map(|g| g.count).sum();
        let total = doc.counts.kept
            + doc.counts.moved_to_client
            + doc.counts.approximated
            + doc.counts.dropped;
        assert_eq!(all, total);
        for g in &doc.findings {
            assert_eq!(g.count, g.findings.len());
            assert!(g.findings.iter().all(|f| f.outcome == g.outcome));
        }
        // The model: mesh name, health check, catch-all match (kept); retry (moved); query
        // parameters, TCP listener, gateway and its route (dropped).
        assert_eq!(doc.counts.kept, 3, "{:#?}", doc.findings);
        assert_eq!(doc.counts.moved_to_client, 1);
        assert_eq!(doc.counts.approximated, 0);
        assert_eq!(doc.counts.dropped, 4);
        let md = render(&doc);
        assert!(
            md.contains("\n3 features kept, 1 moved to the client, 0 approximated, 4 dropped: "),
            "{md}"
        );
        // Each section's table has one row per finding.
        for (title, n) in [
            ("Dropped (4)", 4),
            ("Moved to the client (1)", 1),
            ("Kept (3)", 3),
        ] {
            let s = section(&md, title);
            assert_eq!(s.matches("\n| `").count(), n, "{title}:\n{s}");
        }
        assert!(section(&md, "Approximated (0)").contains("\nNone.\n"));
        // Dropped comes first, kept last.
        let at = |t: &str| md.find(&format!("\n## {t}")).unwrap();
        assert!(at("Dropped") < at("Moved to the client"));
        assert!(at("Moved to the client") < at("Approximated"));
        assert!(at("Approximated") < at("Kept"));
        assert!(at("Kept") < at("Deploy in this order"));
    }

    #[test]
    fn pipes_in_values_are_escaped() {
        let md = render(&doc_of(SMALL));
        // The route `a|b`: its path in the dropped table, its rule's count in the services.
        assert!(
            md.contains(r#"| `virtual_routers.r.routes["a\|b"].http.match.query_parameters` | query-parameter match |"#),
            "{md}"
        );
        assert!(!md.contains(r#""a|b""#), "{md}");
        for line in md.lines().filter(|l| l.starts_with('|')) {
            let cells = line.replace("\\|", "").matches('|').count();
            assert!(cells == 5 || cells == 7, "a row with a stray `|`: {line}");
        }
    }

    #[test]
    fn services_and_target_groups_are_listed() {
        let doc = doc_of(SMALL);
        let md = render(&doc);
        assert!(
            md.contains(
                "| `api.shop.internal` | `shop-api-shop-internal` | `iam` | `HTTP:8080` | 1 | `r/x` |"
            ),
            "{md}"
        );
        assert!(
            md.contains(
                "| `db.shop.internal` | `shop-db-shop-internal` | `iam` | none | 0 | none |"
            ),
            "{md}"
        );
        assert!(
            md.contains(
                "| `api-v1` | 8080 | `shop-api-v1-8080` | `HTTP1` | on | `api.shop.internal` |"
            ),
            "{md}"
        );
        let json = serde_json::to_value(&doc).unwrap();
        assert_eq!(json["service_network"]["auth"], "iam");
        assert_eq!(json["services"][0]["listeners"][0], "HTTP:8080");
        assert_eq!(json["services"][0]["default_routes"][0], "r/x");
        assert_eq!(json["findings"][0]["outcome"], "dropped");
        assert_eq!(json["findings"][1]["outcome"], "moved_to_client");
        assert_eq!(
            json["findings"][1]["findings"][0]["path"],
            "virtual_routers.r.routes.x.http.retry"
        );
        assert_eq!(json["counts"]["dropped"], 4);
        assert_eq!(json["deploy_order"].as_array().unwrap().len(), 4);
        assert_eq!(doc.findings[0].outcome, Outcome::Dropped);
    }

    /// The model's outcomes follow the values: what Lattice does alike is kept, and each
    /// finding points at the field in the file.
    #[test]
    fn outcomes_and_paths_follow_the_spec() {
        let doc = doc_of(
            r#"
name: shop
mesh: { name: shop, egress_filter: allow_all, ip_preference: ipv4_only }
virtual_nodes:
  api-v1:
    listeners:
      - port: 8080
        protocol: http
        tls: { mode: strict, certificate: { file: { certificate_chain: /c.pem, private_key: /k.pem } } }
    backends:
      - db.shop.internal
      - virtual_service: api.shop.internal
        client_policy: { tls: { validation: { trust: { file: { certificate_chain: /ca.pem } } } } }
    backend_defaults: {}
virtual_services:
  api.shop.internal: { node: api-v1 }
  db.shop.internal: { node: api-v1 }
"#,
        );
        let find = |path: &str| {
            doc.findings
                .iter()
                .flat_map(|g| &g.findings)
                .find(|f| f.path.to_string() == path)
                .unwrap_or_else(|| panic!("no finding at {path}: {:#?}", doc.findings))
        };
        assert_eq!(find("mesh.egress_filter").outcome, Outcome::Kept);
        assert_eq!(find("mesh.ip_preference").outcome, Outcome::Kept);
        // A file certificate cannot go to Lattice: the listener is plain HTTP.
        assert_eq!(
            find("virtual_nodes.api-v1.listeners[0].tls").outcome,
            Outcome::Dropped
        );
        assert_eq!(doc.services[0].listeners, ["HTTP:8080"]);
        // The client policy is on the second backend, not in `backend_defaults`.
        assert_eq!(
            find("virtual_nodes.api-v1.backends[1].client_policy").feature,
            "client TLS policy"
        );
    }

    #[test]
    fn the_bundled_example() {
        let file = "examples/orders-pipeline.yaml";
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/orders-pipeline.yaml"
        ))
        .unwrap();
        let doc = doc_from(&text, file);
        let md = render(&doc);
        assert_eq!(
            md,
            render(&doc_from(&text, file)),
            "the report is deterministic"
        );
        for line in [
            "# Migrating orders-pipeline from App Mesh to VPC Lattice",
            "Generated by meshsynth from `examples/orders-pipeline.yaml`. AWS ended App Mesh on 2026-09-30; the Lattice",
            "6 features kept, 4 moved to the client, 8 approximated, 9 dropped: the tables below give",
            // The router: the header canary is a rule, the 90/10 split the default action,
            // behind an HTTPS listener (both versions terminate TLS with one ACM certificate).
            "| `orders.orders.internal` | `orders-pipeline-orders-orders-internal` | `iam` | `HTTPS:8080` | 1 | `orders/default` |",
            "| `inventory.orders.internal` | `orders-pipeline-inventory-orders-interna` | `iam` | `HTTP:9090` | 0 | none |",
            "| `inventory-v1` | 9090 | `orders-pipeline-inventory-v1-9090` | `GRPC` | off | `inventory.orders.internal` |",
            "| `orders-v2` | 8080 | `orders-pipeline-orders-v2-8080` | `HTTP1` | on | `orders.orders.internal` |",
            "## Dropped (9)",
            "| `virtual_gateways.ingress.routes.orders` | gateway route with a rewrite | not rendered with its gateway | rewrite paths and host names in the load balancer or API in front of Lattice, or in the service itself |",
            "| `virtual_nodes.orders-v1.backend_defaults.client_policy` | client TLS policy | Lattice has no mutual TLS or certificate validation by the caller; it authenticates callers with IAM (SigV4) and encrypts with HTTPS listeners | rely on `auth: iam`, or use TLS passthrough and do mutual TLS in the applications |",
            "| `virtual_nodes.inventory-v1.listeners[0].health_check` | gRPC health check | Lattice checks target health over HTTP only (never gRPC): the target group's health check is off | serve an HTTP health endpoint and set `health_check: { protocol: http, path: ... }` (or http2) |",
            "## Moved to the client (4)",
            "| `virtual_routers.orders.routes.default.http.retry` | retry policy | Lattice does not retry; the generated Airflow connections carry `max_retries: 3` and `per_retry_timeout: 2s` for the client to apply | retry in the client: `HttpHook.run_with_advanced_retry(_retry_args=...)`, or the Airflow task's own `retries` |",
            "| `virtual_routers.orders.routes.default.http.timeout` | route timeout | Lattice has no per-request or idle timeout; the generated Airflow connections carry the per-request timeout | set the client's timeout: `extra_options={\"timeout\": ...}` on HttpOperator/HttpHook |",
            "## Approximated (8)",
            "| `virtual_nodes.orders-v1.access_log` | access log | the service network's access-log subscription logs every request instead of each Envoy | nothing |",
            "## Kept (6)",
            "| `virtual_routers.orders.routes.default.http.match` | catch-all match | the listener's default action | nothing |",
            "3. Delete the App Mesh stack (its Cloud Map namespace goes with it).",
        ] {
            assert!(md.lines().any(|l| l == line), "no line {line:?} in:\n{md}");
        }
        assert!(md.contains("`meshsynth synth --strict` makes every dropped feature an error"));
        // Every finding of the model is in the report, once.
        let rows = md.lines().filter(|l| l.starts_with("| `")).count();
        let findings: usize = doc.findings.iter().map(|g| g.count).sum();
        assert_eq!(
            rows,
            doc.services.len() + doc.target_groups.len() + findings
        );
        if std::env::var_os("MESHSYNTH_PRINT_MIGRATION").is_some() {
            print!("{md}");
        }
    }
}
