//! `mesh.existing` and `service_discovery.cloud_map.existing`: a stack of a mesh another stack
//! created makes no mesh, namespace, Cloud Map service or (on VPC Lattice) service network, and
//! reads what it needs of them from parameters, in CloudFormation and Terraform alike.

use serde_json::{json, Value};

use meshsynth::spec::MeshBackend;
use meshsynth::synth::{synthesize_with, Options, Synthesis};
use meshsynth::targets;

const FIXTURE: &str = "tests/fixtures/valid/existing-mesh.yaml";

fn fixture() -> String {
    std::fs::read_to_string(FIXTURE).unwrap()
}

fn synth(text: &str, backend: MeshBackend) -> Synthesis {
    let targets = targets::iac();
    let mut opts = Options::new("existing-mesh.yaml", &targets);
    let backends = [backend];
    opts.backends = Some(&backends);
    let s = synthesize_with(text, &opts);
    assert!(
        s.files.is_some(),
        "invalid:\n{}",
        s.diagnostics.render_human("existing-mesh.yaml")
    );
    s
}

fn folder(backend: MeshBackend, target: &str) -> String {
    match backend.folder() {
        Some(f) => format!("{f}/{target}"),
        None => target.to_owned(),
    }
}

fn cfn(text: &str, backend: MeshBackend) -> Value {
    let s = synth(text, backend);
    let files = s.files.as_ref().unwrap();
    serde_json::from_str(&files[&folder(backend, "cloudformation")]["template.json"]).unwrap()
}

/// `main.tf.json` and `variables.tf.json`.
fn tf(text: &str, backend: MeshBackend) -> (Value, Value) {
    let s = synth(text, backend);
    let files = &s.files.as_ref().unwrap()[&folder(backend, "terraform")];
    (
        serde_json::from_str(&files["main.tf.json"]).unwrap(),
        serde_json::from_str(&files["variables.tf.json"]).unwrap(),
    )
}

/// The resources of one CloudFormation type, by logical ID.
fn of_type<'a>(t: &'a Value, ty: &str) -> Vec<(&'a String, &'a Value)> {
    t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == ty)
        .collect()
}

fn types(t: &Value) -> Vec<String> {
    t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .map(|r| r["Type"].as_str().unwrap().to_owned())
        .collect()
}

fn tf_types(main: &Value) -> Vec<String> {
    main["resource"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

/// The fixture with `existing: true` removed from the mesh or the namespace.
fn without(text: &str, what: &str) -> String {
    let out = match what {
        "mesh" => text.replace("  existing: true\n", ""),
        "namespace" => text.replace(
            "namespace: platform.internal, existing: true",
            "namespace: platform.internal",
        ),
        _ => unreachable!(),
    };
    assert_ne!(
        out, text,
        "the fixture no longer says `existing` for the {what}"
    );
    out
}

const SERVICE_ARN_PATTERN: &str =
    "^arn:aws[a-z-]*:servicediscovery:[a-z0-9-]+:[0-9]{12}:service/srv-[a-z0-9]+$";

#[test]
fn app_mesh_cloudformation_creates_no_mesh_namespace_or_cloud_map_service() {
    let t = cfn(&fixture(), MeshBackend::AppMesh);
    let tys = types(&t);
    assert!(!tys.iter().any(|t| t == "AWS::AppMesh::Mesh"), "{tys:?}");
    assert!(
        !tys.iter().any(|t| t.starts_with("AWS::ServiceDiscovery::")),
        "{tys:?}"
    );
    // Every child names the mesh as text, without an owner.
    let mut children = 0;
    for (id, r) in t["Resources"].as_object().unwrap() {
        let p = &r["Properties"];
        if r["Type"].as_str().unwrap().starts_with("AWS::AppMesh::") {
            assert_eq!(p["MeshName"], json!("platform"), "{id}");
            assert!(p.get("MeshOwner").is_none(), "{id}");
            children += 1;
        }
        assert!(r
            .get("DependsOn")
            .is_none_or(|d| !d.to_string().contains("CloudMapNamespace")));
    }
    assert_eq!(children, 7, "3 nodes, a router, a route, 2 services");
    // The nodes name their existing Cloud Map services as text.
    let node = &t["Resources"]["VirtualNodeOrdersV1"]["Properties"]["Spec"]["ServiceDiscovery"]
        ["AWSCloudMap"];
    assert_eq!(node["NamespaceName"], json!("platform.internal"));
    assert_eq!(node["ServiceName"], json!("orders"));
    // One parameter per Cloud Map service an ECS service registers in, no VPC for a namespace.
    let params = t["Parameters"].as_object().unwrap();
    assert!(!params.contains_key("VpcId"), "{:?}", params.keys());
    for p in ["CloudMapServiceOrdersArn", "CloudMapServicePaymentsArn"] {
        assert_eq!(params[p]["Type"], json!("String"), "{p}");
        assert_eq!(
            params[p]["AllowedPattern"],
            json!(SERVICE_ARN_PATTERN),
            "{p}"
        );
    }
    let registry = |id: &str| t["Resources"][id]["Properties"]["ServiceRegistries"].clone();
    assert_eq!(
        registry("EcsServiceOrdersV1"),
        json!([{ "RegistryArn": { "Ref": "CloudMapServiceOrdersArn" } }])
    );
    assert_eq!(
        registry("EcsServiceOrdersV2"),
        json!([{ "RegistryArn": { "Ref": "CloudMapServiceOrdersArn" } }])
    );
    assert_eq!(
        registry("EcsServicePaymentsV1"),
        json!([{ "RegistryArn": { "Ref": "CloudMapServicePaymentsArn" } }])
    );
    let outputs = t["Outputs"].as_object().unwrap();
    for o in outputs.keys() {
        assert!(
            !o.starts_with("Mesh") && !o.starts_with("CloudMap"),
            "output {o} describes what another stack created"
        );
    }
}

#[test]
fn app_mesh_terraform_creates_no_mesh_namespace_or_cloud_map_service() {
    let (main, vars) = tf(&fixture(), MeshBackend::AppMesh);
    let tys = tf_types(&main);
    assert!(!tys.iter().any(|t| t == "aws_appmesh_mesh"), "{tys:?}");
    assert!(
        !tys.iter().any(|t| t.starts_with("aws_service_discovery_")),
        "{tys:?}"
    );
    for (ty, rs) in main["resource"].as_object().unwrap() {
        if ty.starts_with("aws_appmesh_") {
            for (name, r) in rs.as_object().unwrap() {
                assert_eq!(r["mesh_name"], json!("platform"), "{ty}.{name}");
                assert!(r.get("mesh_owner").is_none(), "{ty}.{name}");
            }
        }
    }
    let cm = &main["resource"]["aws_appmesh_virtual_node"]["orders_v1"]["spec"]
        ["service_discovery"]["aws_cloud_map"];
    assert_eq!(cm["service_name"], json!("orders"));
    let vars = vars["variable"].as_object().unwrap();
    assert!(!vars.contains_key("vpc_id"), "{:?}", vars.keys());
    let v = &vars["cloud_map_service_orders_arn"];
    assert_eq!(v["type"], json!("string"));
    assert!(v["validation"][0]["condition"]
        .as_str()
        .unwrap()
        .contains("servicediscovery"));
    assert!(vars.contains_key("cloud_map_service_payments_arn"));
    assert_eq!(
        main["resource"]["aws_ecs_service"]["orders_v1"]["service_registries"],
        json!([{ "registry_arn": "${var.cloud_map_service_orders_arn}" }])
    );
}

#[test]
fn lattice_joins_the_existing_service_network() {
    let t = cfn(&fixture(), MeshBackend::VpcLattice);
    let tys = types(&t);
    for absent in [
        "AWS::VpcLattice::ServiceNetwork",
        "AWS::VpcLattice::ServiceNetworkVpcAssociation",
        "AWS::VpcLattice::AccessLogSubscription",
        "AWS::Route53::HostedZone",
        "AWS::Route53::RecordSet",
    ] {
        assert!(!tys.iter().any(|t| t == absent), "{absent} in {tys:?}");
    }
    assert!(!tys.iter().any(|t| t.starts_with("AWS::ServiceDiscovery::")));
    let associations = of_type(&t, "AWS::VpcLattice::ServiceNetworkServiceAssociation");
    assert_eq!(associations.len(), 2);
    for (id, r) in associations {
        assert_eq!(
            r["Properties"]["ServiceNetworkIdentifier"],
            json!({ "Ref": "LatticeServiceNetworkId" }),
            "{id}"
        );
    }
    // The services' own auth policies, not the network's.
    for (id, r) in of_type(&t, "AWS::VpcLattice::AuthPolicy") {
        assert!(id.starts_with("AuthPolicyOrders") || id.starts_with("AuthPolicyPayments"));
        let target = r["Properties"]["ResourceIdentifier"].to_string();
        assert!(target.contains("LatticeService"), "{id}: {target}");
    }
    let params = t["Parameters"].as_object().unwrap();
    let sn = &params["LatticeServiceNetworkId"];
    assert!(sn["AllowedPattern"]
        .as_str()
        .unwrap()
        .contains("sn-[0-9a-z]{17}"));
    assert!(!params.contains_key("LatticeSecurityGroupIds"));
    assert!(!params.keys().any(|p| p.starts_with("CloudMapService")));
    assert!(!t["Outputs"]
        .as_object()
        .unwrap()
        .keys()
        .any(|o| o.starts_with("ServiceNetwork") || o == "HostedZoneId"));

    let (main, vars) = tf(&fixture(), MeshBackend::VpcLattice);
    let tys = tf_types(&main);
    for absent in [
        "aws_vpclattice_service_network",
        "aws_vpclattice_service_network_vpc_association",
        "aws_vpclattice_access_log_subscription",
        "aws_route53_zone",
        "aws_route53_record",
    ] {
        assert!(!tys.iter().any(|t| t == absent), "{absent} in {tys:?}");
    }
    for (name, a) in main["resource"]["aws_vpclattice_service_network_service_association"]
        .as_object()
        .unwrap()
    {
        assert_eq!(
            a["service_network_identifier"],
            json!("${var.lattice_service_network_id}"),
            "{name}"
        );
    }
    assert!(vars["variable"]["lattice_service_network_id"]["validation"].is_array());
}

#[test]
fn lattice_migration_report_says_the_network_exists() {
    let s = synth(&fixture(), MeshBackend::VpcLattice);
    let doc = s
        .migration
        .as_ref()
        .expect("a Lattice synthesis has a report");
    assert!(doc.service_network.existing);
    assert!(doc.hosted_zone.is_none());
    assert!(doc.deploy_order[0].contains("LatticeServiceNetworkId"));
    let report = &s.files.as_ref().unwrap()["vpc_lattice"]["MIGRATION.md"];
    assert!(
        report.contains("joins the existing service network"),
        "{report}"
    );
    assert!(report.contains("`mesh.existing`"), "{report}");
}

/// Without the flags the same spec creates what they leave out: the assertions above are about
/// the flags, not about the fixture.
#[test]
fn each_flag_leaves_out_only_its_own_resources() {
    let mesh_only = without(&fixture(), "namespace");
    let t = cfn(&mesh_only, MeshBackend::AppMesh);
    let tys = types(&t);
    assert!(!tys.iter().any(|t| t == "AWS::AppMesh::Mesh"));
    assert!(tys
        .iter()
        .any(|t| t == "AWS::ServiceDiscovery::PrivateDnsNamespace"));
    assert_eq!(
        of_type(&t, "AWS::ServiceDiscovery::Service").len(),
        2,
        "orders and payments"
    );
    assert_eq!(
        t["Resources"]["EcsServiceOrdersV1"]["Properties"]["ServiceRegistries"],
        json!([{ "RegistryArn": { "Fn::GetAtt": ["CloudMapServiceOrders", "Arn"] } }])
    );
    assert_eq!(
        t["Resources"]["VirtualRouterOrders"]["Properties"]["MeshName"],
        json!("platform")
    );

    let namespace_only = without(&fixture(), "mesh");
    let t = cfn(&namespace_only, MeshBackend::AppMesh);
    let tys = types(&t);
    assert!(tys.iter().any(|t| t == "AWS::AppMesh::Mesh"));
    assert!(!tys.iter().any(|t| t.starts_with("AWS::ServiceDiscovery::")));
    assert_eq!(
        t["Resources"]["VirtualRouterOrders"]["Properties"]["MeshName"],
        json!({ "Fn::GetAtt": ["MeshPlatform", "MeshName"] })
    );
    // A network of its own on Lattice, records in a zone of its own (no namespace holds the
    // name any more) only without the namespace flag.
    let t = cfn(&namespace_only, MeshBackend::VpcLattice);
    assert_eq!(of_type(&t, "AWS::VpcLattice::ServiceNetwork").len(), 1);
    assert!(of_type(&t, "AWS::Route53::HostedZone").is_empty());
    let t = cfn(&mesh_only, MeshBackend::VpcLattice);
    assert!(of_type(&t, "AWS::VpcLattice::ServiceNetwork").is_empty());
    assert_eq!(of_type(&t, "AWS::Route53::HostedZone").len(), 1);
}
