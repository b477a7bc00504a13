//! Airflow on EKS with the VPC Lattice backend: the AWS Gateway API Controller's objects say
//! what the CloudFormation Lattice output of the same mesh says (rule order, priorities,
//! matches, weights, service names, callers), and the stack leaves out what the controller
//! creates.

use std::collections::BTreeSet;

use serde_json::Value;

use meshsynth::spec::airflow_names::{self as names, eks};
use meshsynth::spec::MeshBackend;
use meshsynth::synth::{synthesize_with, Options, Synthesis};
use meshsynth::targets;

const EXAMPLE: &str = "examples/airflow3-eks.yaml";
const MANIFEST: &str = "manifests/40-gateway-api.yaml";

fn synth(text: &str) -> Synthesis {
    let targets = targets::iac();
    let mut opts = Options::new("spec.yaml", &targets);
    opts.backends = Some(&[MeshBackend::VpcLattice]);
    synthesize_with(text, &opts)
}

fn example() -> String {
    std::fs::read_to_string(EXAMPLE).unwrap()
}

fn file<'a>(s: &'a Synthesis, folder: &str, name: &str) -> &'a str {
    let files = s.files.as_ref().unwrap_or_else(|| {
        panic!("invalid:\n{}", s.diagnostics.render_human("spec.yaml"));
    });
    &files[folder][name]
}

fn cfn(s: &Synthesis) -> Value {
    serde_json::from_str(file(s, "vpc_lattice/cloudformation", "template.json")).unwrap()
}

/// The objects of the Gateway API manifest.
fn objects(s: &Synthesis) -> Vec<Value> {
    let text = file(s, "vpc_lattice/kubernetes", MANIFEST);
    serde_yaml::Deserializer::from_str(text)
        .map(|d| {
            let y: serde_yaml::Value = serde::Deserialize::deserialize(d).unwrap();
            serde_json::to_value(y).unwrap()
        })
        .collect()
}

fn find<'a>(objs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objs.iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in {objs:#?}"))
}

/// The example without Airflow and its workloads (and the nodes' calls, whose callers then
/// have no role): the same mesh and project, which the Lattice backend renders entirely in
/// CloudFormation.
fn mesh_only() -> Synthesis {
    let mut spec: serde_yaml::Value = serde_yaml::from_str(&example()).unwrap();
    let m = spec.as_mapping_mut().unwrap();
    m.remove("airflow");
    m.remove("workloads");
    for (_, n) in m["virtual_nodes"].as_mapping_mut().unwrap().iter_mut() {
        n.as_mapping_mut().unwrap().remove("backends");
    }
    synth(&serde_yaml::to_string(&spec).unwrap())
}

/// A CloudFormation resource by type and `Name` property.
fn cfn_named<'a>(t: &'a Value, ty: &str, name: &str) -> &'a Value {
    t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .find(|r| r["Type"] == ty && r["Properties"]["Name"] == name)
        .unwrap_or_else(|| panic!("no {ty} named {name}"))
}

fn logical_id_of_lattice_service(t: &Value, domain: &str) -> String {
    t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, r)| {
            r["Type"] == "AWS::VpcLattice::Service" && r["Properties"]["CustomDomainName"] == domain
        })
        .map(|(id, _)| id.clone())
        .unwrap()
}

/// (Service or node, weight) of a CloudFormation forward action, by target group logical ID
/// → node via the target group's name `<project>-<node>-<port>`.
fn cfn_targets(t: &Value, action: &Value) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = action["Forward"]["TargetGroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tg| {
            let id = tg["TargetGroupIdentifier"]["Fn::GetAtt"][0]
                .as_str()
                .unwrap();
            let name = t["Resources"][id]["Properties"]["Name"].as_str().unwrap();
            let node = name
                .strip_prefix("shop-airflow-")
                .and_then(|n| n.rsplit_once('-'))
                .map(|(n, _)| n.to_owned())
                .unwrap();
            (node, tg["Weight"].as_i64().unwrap())
        })
        .collect();
    out.sort();
    out
}

fn route_targets(rule: &Value) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = rule["backendRefs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            assert_eq!(b["kind"], "Service");
            (
                b["name"].as_str().unwrap().to_owned(),
                b["weight"].as_i64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_orders_route_has_the_models_rules_order_and_weights() {
    let s = synth(&example());
    let objs = objects(&s);
    let route = find(&objs, "HTTPRoute", "orders.shop.internal");
    assert_eq!(route["metadata"]["namespace"], "shop");
    assert_eq!(
        route["spec"]["hostnames"],
        serde_json::json!(["orders.shop.internal"])
    );
    let rules = route["spec"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 2, "{rules:#?}");
    // The header canary first, then the 90/10 split.
    assert_eq!(rules[0]["name"], "canary-header");
    assert_eq!(
        rules[0]["matches"],
        serde_json::json!([{
            "path": { "type": "PathPrefix", "value": "/" },
            "headers": [{ "type": "Exact", "name": "x-canary", "value": "true" }],
        }])
    );
    assert_eq!(route_targets(&rules[0]), [("orders-v2".to_owned(), 100)]);
    assert_eq!(rules[1]["name"], "default");
    assert_eq!(
        rules[1]["matches"],
        serde_json::json!([{ "path": { "type": "PathPrefix", "value": "/" } }])
    );
    assert_eq!(
        route_targets(&rules[1]),
        [("orders-v1".to_owned(), 90), ("orders-v2".to_owned(), 10)]
    );
    let ann = &route["metadata"]["annotations"];
    let priority = |i: usize| {
        ann[format!("application-networking.k8s.aws/rule-{i}-priority")]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
    };

    // The same as the CloudFormation output of the mesh: its one rule has the canary's
    // priority, match and weights, its default action the split. Lattice evaluates the lowest
    // priority first, and the controller passes the annotation through.
    let t = cfn(&mesh_only());
    let svc = logical_id_of_lattice_service(&t, "orders.shop.internal");
    let cfn_rules: Vec<&Value> = t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| {
            r["Type"] == "AWS::VpcLattice::Rule"
                && r["Properties"]["ServiceIdentifier"]["Fn::GetAtt"][0] == svc.as_str()
        })
        .collect();
    assert_eq!(cfn_rules.len(), 1);
    let p = &cfn_rules[0]["Properties"];
    assert_eq!(p["Name"], rules[0]["name"]);
    assert_eq!(p["Priority"].as_i64().unwrap(), priority(0));
    let header = &p["Match"]["HttpMatch"]["HeaderMatches"][0];
    assert_eq!(header["Name"], "x-canary");
    assert_eq!(header["Match"]["Exact"], "true");
    assert_eq!(p["Match"]["HttpMatch"]["PathMatch"]["Match"]["Prefix"], "/");
    assert_eq!(cfn_targets(&t, &p["Action"]), route_targets(&rules[0]));
    // The catch-all comes after every rule.
    assert!(priority(1) > priority(0));
    let listener = t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .find(|r| {
            r["Type"] == "AWS::VpcLattice::Listener"
                && r["Properties"]["ServiceIdentifier"]["Fn::GetAtt"][0] == svc.as_str()
        })
        .unwrap();
    assert_eq!(
        cfn_targets(&t, &listener["Properties"]["DefaultAction"]),
        route_targets(&rules[1])
    );
    // And on the Gateway listener of the port, which admits the routes' namespace.
    let parent = &route["spec"]["parentRefs"][0];
    assert_eq!(parent["name"], "shop");
    assert_eq!(parent["namespace"], "airflow");
    assert_eq!(parent["sectionName"], "http-8080");
    let gw = find(&objs, "Gateway", "shop");
    let l = gw["spec"]["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "http-8080")
        .unwrap();
    assert_eq!(l["protocol"], "HTTP");
    assert_eq!(l["port"], 8080);
    assert_eq!(
        l["allowedRoutes"]["namespaces"]["selector"]["matchExpressions"][0]["values"],
        serde_json::json!(["shop"])
    );
}

#[test]
fn inventory_is_a_grpc_route_on_an_https_listener() {
    let s = synth(&example());
    let objs = objects(&s);
    let route = find(&objs, "GRPCRoute", "inventory.shop.internal");
    assert_eq!(route["metadata"]["namespace"], "shop");
    assert_eq!(route["spec"]["parentRefs"][0]["sectionName"], "https-9090");
    let rules = route["spec"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(route_targets(&rules[0]), [("inventory-v1".to_owned(), 100)]);
    assert_eq!(rules[0]["backendRefs"][0]["port"], 9090);
    let gw = find(&objs, "Gateway", "shop");
    let l = gw["spec"]["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "https-9090")
        .unwrap();
    assert_eq!(l["protocol"], "HTTPS");
    assert_eq!(l["tls"]["mode"], "Terminate");
    let tgp = find(&objs, "TargetGroupPolicy", "inventory-v1");
    assert_eq!(tgp["metadata"]["namespace"], "shop");
    assert_eq!(tgp["spec"]["protocolVersion"], "HTTP2");
    assert_eq!(tgp["spec"]["healthCheck"]["enabled"], false);
    // The orders Services keep the health check of their target groups.
    let tgp = find(&objs, "TargetGroupPolicy", "orders-v1");
    let hc = &tgp["spec"]["healthCheck"];
    assert_eq!(hc["path"], "/healthz");
    assert_eq!(hc["intervalSeconds"], 10);
    assert_eq!(hc["timeoutSeconds"], 2);
    assert_eq!(hc["healthyThresholdCount"], 2);
    assert_eq!(hc["unhealthyThresholdCount"], 3);
    // The clients switch to TLS with it: the report says so, and `synth` warns.
    let codes: Vec<&str> = s.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert!(
        codes.contains(&"lattice-controller-approximation"),
        "{codes:?}"
    );
    let md = file(&s, "vpc_lattice", "MIGRATION.md");
    assert!(md.contains("`HTTPS:9090`"), "{md}");
    assert!(
        md.contains("`GRPCRoute shop/inventory.shop.internal`"),
        "{md}"
    );
}

#[test]
fn lattice_service_names_are_the_stacks() {
    let objs = objects(&synth(&example()));
    let t = cfn(&mesh_only());
    for (kind, domain) in [
        ("HTTPRoute", "orders.shop.internal"),
        ("GRPCRoute", "inventory.shop.internal"),
    ] {
        let route = find(&objs, kind, domain);
        let name = route["metadata"]["annotations"]
            ["application-networking.k8s.aws/service-name-override"]
            .as_str()
            .unwrap();
        let id = logical_id_of_lattice_service(&t, domain);
        assert_eq!(t["Resources"][&id]["Properties"]["Name"], name);
        cfn_named(&t, "AWS::VpcLattice::Service", name);
    }
}

#[test]
fn auth_policies_name_exactly_the_callers_roles() {
    let text = example();
    let objs = objects(&synth(&text));
    let spec: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let project = spec["name"].as_str().unwrap();
    let account = spec["airflow"]["eks"]["account_id"].as_str().unwrap();
    let lists = |v: &serde_yaml::Value, vs: &str| {
        v["backends"]
            .as_sequence()
            .is_some_and(|b| b.iter().any(|x| x.as_str() == Some(vs)))
    };
    for (kind, vs) in [
        ("HTTPRoute", "orders.shop.internal"),
        ("GRPCRoute", "inventory.shop.internal"),
    ] {
        // The identities whose backends list it: the workers, each DAG task, each workload.
        let mut nodes = Vec::new();
        if lists(&spec["airflow"]["workers"], vs) {
            nodes.push(names::WORKER_NODE.to_owned());
        }
        for (task, t) in spec["airflow"]["tasks"].as_mapping().unwrap() {
            if lists(t, vs) {
                nodes.push(names::task_node(task.as_str().unwrap()));
            }
        }
        for w in spec["workloads"].as_mapping().unwrap().keys() {
            let w = w.as_str().unwrap();
            if lists(&spec["virtual_nodes"][w], vs) {
                nodes.push(w.to_owned());
            }
        }
        let expected: BTreeSet<String> = nodes
            .iter()
            .map(|n| format!("arn:aws:iam::{account}:role/{}", eks::role_name(project, n)))
            .collect();
        assert!(!expected.is_empty());
        let p = find(&objs, "IAMAuthPolicy", vs);
        assert_eq!(p["metadata"]["namespace"], "shop");
        assert_eq!(p["spec"]["targetRef"]["kind"], kind);
        assert_eq!(p["spec"]["targetRef"]["name"], vs);
        let policy: Value = serde_json::from_str(p["spec"]["policy"].as_str().unwrap()).unwrap();
        let st = &policy["Statement"];
        assert_eq!(st.as_array().unwrap().len(), 1);
        assert_eq!(st[0]["Effect"], "Allow");
        assert_eq!(st[0]["Action"], "vpc-lattice-svcs:Invoke");
        let got: BTreeSet<String> = st[0]["Principal"]["AWS"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, expected, "{vs}");
    }
    // The network's policy admits the account's signed callers, as the stack's would.
    let p = find(&objs, "IAMAuthPolicy", "shop");
    assert_eq!(p["spec"]["targetRef"]["kind"], "Gateway");
    let policy: Value = serde_json::from_str(p["spec"]["policy"].as_str().unwrap()).unwrap();
    assert_eq!(
        policy["Statement"][0]["Principal"]["AWS"],
        serde_json::json!([format!("arn:aws:iam::{account}:root")])
    );
}

#[test]
fn the_stack_leaves_out_what_the_controller_creates() {
    let s = synth(&example());
    let t = cfn(&s);
    let types: BTreeSet<&str> = t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .map(|r| r["Type"].as_str().unwrap())
        .collect();
    for gone in [
        "AWS::VpcLattice::Service",
        "AWS::VpcLattice::ServiceNetworkServiceAssociation",
        "AWS::VpcLattice::Listener",
        "AWS::VpcLattice::Rule",
        "AWS::VpcLattice::TargetGroup",
        "AWS::VpcLattice::AuthPolicy",
        "AWS::VpcLattice::ServiceNetworkVpcAssociation",
        "AWS::VpcLattice::AccessLogSubscription",
        "AWS::Route53::RecordSet",
    ] {
        assert!(!types.contains(gone), "{gone} in {types:?}");
    }
    for kept in [
        "AWS::VpcLattice::ServiceNetwork",
        "AWS::Route53::HostedZone",
    ] {
        assert!(types.contains(kept), "{kept} not in {types:?}");
    }
    let network = cfn_named(&t, "AWS::VpcLattice::ServiceNetwork", "shop");
    assert_eq!(network["Properties"]["AuthType"], "AWS_IAM");
    // Terraform says the same.
    let tf: Value =
        serde_json::from_str(file(&s, "vpc_lattice/terraform", "main.tf.json")).unwrap();
    let tf_types: BTreeSet<&str> = tf["resource"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert!(!tf_types.contains("aws_vpclattice_service"), "{tf_types:?}");
    assert!(
        !tf_types.contains("aws_vpclattice_target_group"),
        "{tf_types:?}"
    );
    assert!(
        tf_types.contains("aws_vpclattice_service_network"),
        "{tf_types:?}"
    );
    // The Gateway's policies hold what the stack no longer does.
    let objs = objects(&s);
    let gw = find(&objs, "Gateway", "shop");
    assert_eq!(gw["metadata"]["namespace"], "airflow");
    assert_eq!(gw["spec"]["gatewayClassName"], "amazon-vpc-lattice");
    let vpc = find(&objs, "VpcAssociationPolicy", "shop");
    assert_eq!(
        vpc["spec"]["securityGroupIds"],
        serde_json::json!(["sg-0123456789abcdef0"])
    );
    let logs = find(&objs, "AccessLogPolicy", "shop");
    assert_eq!(
        logs["spec"]["destinationArn"],
        "arn:aws:logs:us-east-1:111122223333:log-group:/meshsynth/shop-airflow/lattice-access-logs"
    );
}

#[test]
fn a_header_prefix_match_is_a_controller_limit() {
    let text = example().replace(
        r#"headers: { x-canary: { exact: "true" } }"#,
        "headers: { x-canary: { prefix: t } }",
    );
    let s = synth(&text);
    assert!(s.files.is_none());
    let errors: Vec<(String, String)> = s
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (d.code.as_str().to_owned(), d.path.to_string()))
        .collect();
    assert_eq!(
        errors,
        [(
            "lattice-controller-limit".to_owned(),
            "virtual_routers.orders.routes.canary-header.http.match.headers.x-canary".to_owned()
        )]
    );
}

/// Two HTTPS services on one port with different certificates get a Gateway listener each
/// (by hostname, with its certificate); a route reaches a Service of another namespace through
/// a ReferenceGrant; gRPC matches become GRPCRoute method matches.
#[test]
fn certificates_namespaces_and_grpc_methods() {
    let airflow = example();
    let airflow =
        &airflow[airflow.find("\nairflow:\n").unwrap()..airflow.find("\nworkloads:\n").unwrap()];
    let cert = |c: &str| {
        format!("tls: {{ mode: strict, certificate: {{ acm: \"arn:aws:acm:us-east-1:111122223333:certificate/{c}\" }} }}")
    };
    let text = format!(
        r#"
name: shop
mesh: {{ name: shop, lattice: {{ security_group_ids: [sg-0123456789abcdef0] }} }}
virtual_nodes:
  a-v1:
    listeners: [{{ port: 8443, protocol: http, {a} }}]
    service_discovery: {{ dns: {{ hostname: a-v1.shop.svc.cluster.local }} }}
  b-v1:
    listeners: [{{ port: 8443, protocol: http, {b} }}]
    service_discovery: {{ dns: {{ hostname: b-v1.billing.svc.cluster.local }} }}
  b-v2:
    listeners: [{{ port: 8443, protocol: http, {b} }}]
    service_discovery: {{ dns: {{ hostname: b-v2.shop.svc.cluster.local }} }}
  g-v1:
    listeners: [{{ port: 9090, protocol: grpc }}]
    service_discovery: {{ dns: {{ hostname: g-v1.shop.svc.cluster.local }} }}
virtual_routers:
  b:
    listeners: [{{ port: 8443, protocol: http }}]
    routes:
      status: {{ priority: 1, http: {{ match: {{ path: {{ exact: /status }}, method: GET }}, targets: {{ b-v1: 1 }} }} }}
      rest: {{ http: {{ match: {{ prefix: / }}, targets: {{ b-v1: 1, b-v2: 3 }} }} }}
  g:
    listeners: [{{ port: 9090, protocol: grpc }}]
    routes:
      stock: {{ priority: 1, grpc: {{ match: {{ service_name: shop.Inventory, method_name: GetStock }}, targets: {{ g-v1: 1 }} }} }}
      all: {{ priority: 2, grpc: {{ match: {{}}, targets: {{ g-v1: 1 }} }} }}
virtual_services:
  a.shop.internal: {{ node: a-v1 }}
  b.shop.internal: {{ router: b }}
  g.shop.internal: {{ router: g }}
{airflow}
workloads:
  a-v1: {{ image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/a:1", cpu: 250m, memory: 512Mi }}
  b-v1: {{ image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/b:1", cpu: 250m, memory: 512Mi }}
  b-v2: {{ image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/b:2", cpu: 250m, memory: 512Mi }}
  g-v1: {{ image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/g:1", cpu: 250m, memory: 512Mi }}
"#,
        a = cert("aaaa"),
        b = cert("bbbb"),
    );
    // The example's Airflow calls services this mesh does not have: point it at these.
    let text = text
        .replace("orders.shop.internal", "b.shop.internal")
        .replace("inventory.shop.internal", "g.shop.internal")
        .replace(
            "virtual_service: b.shop.internal, port: 8080",
            "virtual_service: b.shop.internal, port: 8443",
        );
    let s = synth(&text);
    let objs = objects(&s);
    let gw = find(&objs, "Gateway", "shop");
    let listeners = gw["spec"]["listeners"].as_array().unwrap();
    let by_name = |n: &str| listeners.iter().find(|l| l["name"] == n).unwrap();
    let a = by_name("https-8443-shop-a-shop-internal");
    assert_eq!(a["hostname"], "a.shop.internal");
    assert_eq!(
        a["tls"]["options"]["application-networking.k8s.aws/certificate-arn"],
        "arn:aws:acm:us-east-1:111122223333:certificate/aaaa"
    );
    let b = by_name("https-8443-shop-b-shop-internal");
    assert_eq!(b["hostname"], "b.shop.internal");
    // The b route lives with most of its Services, and reaches the other one by a grant.
    let route = find(&objs, "HTTPRoute", "b.shop.internal");
    assert_eq!(route["metadata"]["namespace"], "billing");
    assert_eq!(
        route["spec"]["parentRefs"][0]["sectionName"],
        "https-8443-shop-b-shop-internal"
    );
    let rules = route["spec"]["rules"].as_array().unwrap();
    assert_eq!(
        rules[0]["matches"][0],
        serde_json::json!({ "path": { "type": "Exact", "value": "/status" }, "method": "GET" })
    );
    let v2 = &rules[1]["backendRefs"].as_array().unwrap()[1];
    assert_eq!(
        (&v2["name"], &v2["namespace"], &v2["weight"]),
        (&"b-v2".into(), &"shop".into(), &3.into())
    );
    let grant = find(&objs, "ReferenceGrant", "routes-from-billing");
    assert_eq!(grant["metadata"]["namespace"], "shop");
    assert_eq!(grant["spec"]["from"][0]["kind"], "HTTPRoute");
    assert_eq!(grant["spec"]["from"][0]["namespace"], "billing");
    assert_eq!(grant["spec"]["to"][0]["name"], "b-v2");
    let g = find(&objs, "GRPCRoute", "g.shop.internal");
    let rules = g["spec"]["rules"].as_array().unwrap();
    assert_eq!(
        rules[0]["matches"][0]["method"],
        serde_json::json!({ "type": "Exact", "service": "shop.Inventory", "method": "GetStock" })
    );
    // The catch-all matches every call, after the rule.
    assert_eq!(rules[1]["name"], "all");
    assert!(rules[1].get("matches").is_none());
    let ann = &g["metadata"]["annotations"];
    assert_eq!(ann["application-networking.k8s.aws/rule-0-priority"], "1");
    assert_eq!(ann["application-networking.k8s.aws/rule-1-priority"], "2");
}
