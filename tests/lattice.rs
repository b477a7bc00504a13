//! The VPC Lattice backend keeps what the mesh says: route order, weights, allowlists, names.

use serde_json::{json, Value};

use meshsynth::spec::MeshBackend;
use meshsynth::synth::{synthesize_with, Options, Synthesis};
use meshsynth::targets;

const SPEC: &str = r#"
name: shop
mesh: { name: shop, backend: vpc_lattice }
virtual_nodes:
  orders-v1:
    listeners: [{ port: 8080, protocol: http, health_check: { path: /healthz, interval: 5s, timeout: 2s, healthy_threshold: 2, unhealthy_threshold: 3 } }]
    service_discovery: { dns: { hostname: orders-v1.shop.internal } }
  orders-v2:
    listeners: [{ port: 8080, protocol: http }]
    service_discovery: { dns: { hostname: orders-v2.shop.internal } }
  orders-v3:
    listeners: [{ port: 8080, protocol: http }]
    service_discovery: { dns: { hostname: orders-v3.shop.internal } }
  web:
    backends: [orders.shop.internal]
    iam_role_arn: "arn:aws:iam::111122223333:role/web"
virtual_routers:
  orders:
    listeners: [{ port: 8080, protocol: http }]
    routes:
      # Declared out of order: App Mesh orders routes by priority, then by name.
      catch-all:
        priority: 900
        http: { match: { prefix: / }, targets: { orders-v1: 70, orders-v2: 20, orders-v3: 10 } }
      beta:
        priority: 20
        http: { match: { prefix: /beta, method: POST }, targets: { orders-v3: 1 } }
      canary:
        priority: 10
        http: { match: { prefix: /, headers: { x-canary: { exact: "1" }, x-tenant: { prefix: acme } } }, targets: { orders-v2: 3, orders-v1: 1, orders-v3: 0 } }
      exact:
        priority: 20
        http: { match: { path: { exact: /status } }, targets: { orders-v1: 100 } }
virtual_services:
  orders.shop.internal: { router: orders }
"#;

fn synth(text: &str) -> Synthesis {
    let targets = targets::iac();
    let mut opts = Options::new("shop.yaml", &targets);
    opts.backends = Some(&[MeshBackend::VpcLattice]);
    synthesize_with(text, &opts)
}

fn cfn(s: &Synthesis) -> Value {
    let files = s.files.as_ref().unwrap_or_else(|| {
        panic!("invalid:\n{}", s.diagnostics.render_human("shop.yaml"));
    });
    serde_json::from_str(&files["vpc_lattice/cloudformation"]["template.json"]).unwrap()
}

fn tf(s: &Synthesis) -> Value {
    let files = s.files.as_ref().unwrap();
    serde_json::from_str(&files["vpc_lattice/terraform"]["main.tf.json"]).unwrap()
}

/// (priority, rule name, [(target group logical ID, weight)]).
type RuleRow = (i64, String, Vec<(String, i64)>);

/// Every rule, by priority.
fn rules(cfn: &Value) -> Vec<RuleRow> {
    let mut out: Vec<_> = cfn["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::VpcLattice::Rule")
        .map(|r| {
            let p = &r["Properties"];
            (
                p["Priority"].as_i64().unwrap(),
                p["Name"].as_str().unwrap().to_owned(),
                targets_of(&p["Action"]),
            )
        })
        .collect();
    out.sort();
    out
}

fn targets_of(action: &Value) -> Vec<(String, i64)> {
    action["Forward"]["TargetGroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["TargetGroupIdentifier"]["Fn::GetAtt"][0]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                t["Weight"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn route_order_and_weights_are_kept() {
    let s = synth(SPEC);
    let cfn = cfn(&s);
    // App Mesh's order (priority, then name), numbered 1.. without gaps; the catch-all last
    // route is the listener's default action, not a rule.
    assert_eq!(
        rules(&cfn),
        [
            (
                1,
                "canary".to_owned(),
                // The zero-weight target is left out (Lattice rule weights are 1–999).
                vec![
                    ("TargetGroupOrdersV18080".to_owned(), 1),
                    ("TargetGroupOrdersV28080".to_owned(), 3)
                ]
            ),
            (
                2,
                "beta".to_owned(),
                vec![("TargetGroupOrdersV38080".to_owned(), 1)]
            ),
            (
                3,
                "exact".to_owned(),
                vec![("TargetGroupOrdersV18080".to_owned(), 100)]
            ),
        ]
    );
    let listener = &cfn["Resources"]["LatticeListenerOrdersShopInternalHttp8080"]["Properties"];
    assert_eq!(listener["Protocol"], "HTTP");
    assert_eq!(listener["Port"], 8080);
    assert_eq!(
        targets_of(&listener["DefaultAction"]),
        [
            ("TargetGroupOrdersV18080".to_owned(), 70),
            ("TargetGroupOrdersV28080".to_owned(), 20),
            ("TargetGroupOrdersV38080".to_owned(), 10)
        ]
    );
    // Matches: headers exact and prefix, case-sensitive as in App Mesh; method; exact path.
    let canary = &cfn["Resources"]["LatticeRuleOrdersShopInternalHttp8080Canary"]["Properties"];
    assert_eq!(
        canary["Match"]["HttpMatch"]["HeaderMatches"],
        json!([
            { "CaseSensitive": true, "Match": { "Exact": "1" }, "Name": "x-canary" },
            { "CaseSensitive": true, "Match": { "Prefix": "acme" }, "Name": "x-tenant" }
        ])
    );
    let beta = &cfn["Resources"]["LatticeRuleOrdersShopInternalHttp8080Beta"]["Properties"];
    assert_eq!(beta["Match"]["HttpMatch"]["Method"], "POST");
    let exact = &cfn["Resources"]["LatticeRuleOrdersShopInternalHttp8080Exact"]["Properties"];
    assert_eq!(
        exact["Match"]["HttpMatch"]["PathMatch"]["Match"],
        json!({ "Exact": "/status" })
    );
    // The zero weight is a warning that says what happened.
    let dropped: Vec<String> = s
        .diagnostics
        .iter()
        .filter(|d| d.code.as_str() == "lattice-dropped")
        .map(|d| d.path.to_string())
        .collect();
    assert_eq!(
        dropped,
        ["virtual_routers.orders.routes.canary.http.targets.orders-v3"]
    );

    // Terraform: the same rules, referencing the listener's own ID.
    let tf = tf(&s);
    let rules = tf["resource"]["aws_vpclattice_listener_rule"]
        .as_object()
        .unwrap();
    let canary = &rules["orders_shop_internal_http_8080_canary"];
    assert_eq!(canary["priority"], 1);
    assert_eq!(
        canary["listener_identifier"],
        "${aws_vpclattice_listener.orders_shop_internal_http_8080.listener_id}"
    );
    assert_eq!(
        canary["action"]["forward"]["target_groups"],
        json!([
            { "target_group_identifier": "${aws_vpclattice_target_group.orders_v1_8080.id}", "weight": 1 },
            { "target_group_identifier": "${aws_vpclattice_target_group.orders_v2_8080.id}", "weight": 3 }
        ])
    );
}

#[test]
fn backends_become_the_allowlist() {
    let s = synth(SPEC);
    let cfn = cfn(&s);
    let policy = &cfn["Resources"]["AuthPolicyOrdersShopInternal"]["Properties"];
    assert_eq!(
        policy["Policy"]["Statement"],
        json!([{
            "Action": "vpc-lattice-svcs:Invoke",
            "Effect": "Allow",
            "Principal": { "AWS": ["arn:aws:iam::111122223333:role/web"] },
            "Resource": { "Fn::Join": ["", [{ "Ref": "LatticeServiceOrdersShopInternal" }, "/*"]] }
        }])
    );
    let svc = &cfn["Resources"]["LatticeServiceOrdersShopInternal"]["Properties"];
    assert_eq!(svc["AuthType"], "AWS_IAM");
    assert_eq!(svc["CustomDomainName"], "orders.shop.internal");
    assert_eq!(svc["Name"], "shop-orders-shop-internal");
    // Every client keeps calling the same name: alias records into the private zone.
    let a = &cfn["Resources"]["RecordSetOrdersShopInternalA"]["Properties"];
    assert_eq!(a["Name"], "orders.shop.internal");
    assert_eq!(
        a["AliasTarget"]["DNSName"],
        json!({ "Fn::GetAtt": ["LatticeServiceOrdersShopInternal", "DnsEntry.DomainName"] })
    );
    let zone = &cfn["Resources"]["HostedZoneServices"]["Properties"];
    assert_eq!(zone["Name"], "shop.internal");
    // A resource in the console leads back to the spec.
    let tags = &cfn["Resources"]["TargetGroupOrdersV18080"]["Properties"]["Tags"];
    assert!(
        tags.as_array().unwrap().contains(
            &json!({ "Key": "meshsynth:source", "Value": "virtual_nodes.orders-v1.listeners.0" })
        ),
        "{tags}"
    );
    // The health check within Lattice's bounds.
    let hc = &cfn["Resources"]["TargetGroupOrdersV18080"]["Properties"]["Config"]["HealthCheck"];
    assert_eq!(hc["HealthCheckIntervalSeconds"], 5);
    assert_eq!(hc["HealthCheckTimeoutSeconds"], 2);
    assert_eq!(hc["Path"], "/healthz");
    // No health check in the spec: none in Lattice either (ECS would replace tasks failing `/`).
    let hc2 = &cfn["Resources"]["TargetGroupOrdersV28080"]["Properties"]["Config"]["HealthCheck"];
    assert_eq!(hc2, &json!({ "Enabled": false }));
}

#[test]
fn the_spec_backend_and_the_flag_choose_the_folders() {
    let app_mesh = SPEC.replace(", backend: vpc_lattice", "");
    let targets = targets::iac();
    let s = synthesize_with(&app_mesh, &Options::new("shop.yaml", &targets));
    let folders: Vec<&String> = s.files.as_ref().unwrap().keys().collect();
    assert_eq!(folders, ["cloudformation", "terraform"]);
    let mut opts = Options::new("shop.yaml", &targets);
    opts.backends = Some(&MeshBackend::ALL);
    let s = synthesize_with(&app_mesh, &opts);
    let folders: Vec<&String> = s.files.as_ref().unwrap().keys().collect();
    assert_eq!(
        folders,
        [
            "cloudformation",
            "terraform",
            "vpc_lattice",
            "vpc_lattice/cloudformation",
            "vpc_lattice/terraform"
        ]
    );
}

#[test]
fn hosted_zone_none_writes_no_records_and_other_accounts_may_call() {
    let text = SPEC
        .replace(
            "mesh: { name: shop, backend: vpc_lattice }",
            "mesh: { name: shop, backend: vpc_lattice, lattice: { hosted_zone: none } }",
        )
        .replace("111122223333:role/web", "444455556666:role/web");
    let s = synth(&text);
    let cfn = cfn(&s);
    let types: Vec<&str> = cfn["Resources"]
        .as_object()
        .unwrap()
        .values()
        .map(|r| r["Type"].as_str().unwrap())
        .collect();
    assert!(!types.contains(&"AWS::Route53::HostedZone"), "{types:?}");
    assert!(!types.contains(&"AWS::Route53::RecordSet"), "{types:?}");
    // Each service is still reachable at Lattice's own name.
    assert!(cfn["Outputs"]
        .as_object()
        .unwrap()
        .keys()
        .any(|k| k.ends_with("DnsName")));
    // The network admits the caller's account as well as its own.
    let principals = &cfn["Resources"]["AuthPolicyServiceNetwork"]["Properties"]["Policy"]
        ["Statement"][0]["Principal"]["AWS"];
    assert_eq!(
        principals[1], "arn:aws:iam::444455556666:root",
        "{principals}"
    );
    let report = s.migration.as_ref().unwrap();
    let json = serde_json::to_value(report).unwrap();
    assert!(
        json.to_string().contains("mesh.lattice.hosted_zone"),
        "the report says the names do not resolve"
    );
}

#[test]
fn registered_ecs_services_get_a_grace_period() {
    let text = format!(
        "{SPEC}workloads:\n  orders-v1: {{ image: \"111122223333.dkr.ecr.us-east-1.amazonaws.com/orders:1\", cpu: 256, memory: 512 }}\n"
    );
    let s = synth(&text);
    let cfn = cfn(&s);
    let svc = &cfn["Resources"]["EcsServiceOrdersV1"]["Properties"];
    assert_eq!(svc["HealthCheckGracePeriodSeconds"], 120);
    assert_eq!(
        svc["VpcLatticeConfigurations"][0]["PortName"], "port-8080",
        "{svc}"
    );
    let td = &cfn["Resources"]["TaskDefinitionOrdersV1"]["Properties"];
    let app = &td["ContainerDefinitions"][0];
    assert_eq!(app["PortMappings"][0]["Name"], "port-8080");
    // No sidecar, no proxy configuration on Lattice.
    assert_eq!(td["ContainerDefinitions"].as_array().unwrap().len(), 1);
    assert!(td.get("ProxyConfiguration").is_none());
}
