//! Airflow on EKS, the AWS side: one IRSA role per meshed identity trusting exactly its service
//! account, what each role may do on each backend, the OIDC issuer input, the private zones
//! that make App Mesh's virtual-service names resolve, and the Kubernetes objects as
//! `kubernetes_manifest` resources behind `create_kubernetes_objects`.

use std::collections::BTreeMap;

use serde::Deserialize as _;
use serde_json::{json, Value};

use meshsynth::params::EKS_OIDC_ISSUER_REGEX;
use meshsynth::spec::MeshBackend;
use meshsynth::synth::{synthesize_with, Options};
use meshsynth::targets;

const ACCOUNT: &str = "111122223333";
const ISSUER: &str = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const ADDRESS: &str = "192.0.2.1";

/// One meshed identity as the output must carry it.
struct Want {
    node: &'static str,
    namespace: &'static str,
    role: &'static str,
    /// Whether it calls a backend (on Lattice only callers have a role).
    calls: bool,
}

struct Example {
    file: &'static str,
    identities: Vec<Want>,
    /// Virtual-service names that need a record (outside `cluster.local`), and their zone.
    names: Vec<&'static str>,
    zone: &'static str,
}

fn examples() -> Vec<Example> {
    let w = |node, namespace, role, calls| Want {
        node,
        namespace,
        role,
        calls,
    };
    vec![
        Example {
            file: "examples/airflow3-eks.yaml",
            identities: vec![
                w(
                    "airflow-worker",
                    "airflow-tasks",
                    "shop-airflow-worker",
                    true,
                ),
                w(
                    "airflow-task-ingest-orders",
                    "airflow-tasks",
                    "shop-airflow-task-ingest-orders",
                    true,
                ),
                w(
                    "airflow-task-reconcile-inventory",
                    "airflow-tasks",
                    "shop-airflow-task-reconcile-inventory",
                    true,
                ),
                w("orders-v1", "shop", "shop-airflow-orders-v1", true),
                w("orders-v2", "shop", "shop-airflow-orders-v2", true),
                w("inventory-v1", "shop", "shop-airflow-inventory-v1", false),
            ],
            names: vec!["inventory.shop.internal", "orders.shop.internal"],
            zone: "shop.internal",
        },
        Example {
            file: "examples/airflow2-eks-celery.yaml",
            identities: vec![
                // Celery workers are the chart's Deployment, in the release namespace.
                w("airflow-worker", "airflow", "billing-eks-worker", true),
                w(
                    "airflow-task-export-ledger",
                    "airflow-tasks",
                    "billing-eks-task-export-ledger",
                    true,
                ),
                w("ledger-v1", "billing", "billing-eks-ledger-v1", false),
            ],
            names: vec!["ledger.billing.internal"],
            zone: "billing.internal",
        },
    ]
}

/// Every output folder's files of one example on one backend.
fn synth(file: &str, backend: MeshBackend) -> BTreeMap<String, BTreeMap<String, String>> {
    let text = std::fs::read_to_string(file).unwrap();
    let targets = targets::iac();
    let mut opts = Options::new(file, &targets);
    let backends = [backend];
    opts.backends = Some(&backends);
    let s = synthesize_with(&text, &opts);
    s.files
        .unwrap_or_else(|| panic!("{file}:\n{}", s.diagnostics.render_human(file)))
}

fn folder(backend: MeshBackend, target: &str) -> String {
    match backend {
        MeshBackend::AppMesh => target.to_owned(),
        MeshBackend::VpcLattice => format!("vpc_lattice/{target}"),
    }
}

fn json_file(files: &BTreeMap<String, BTreeMap<String, String>>, dir: &str, f: &str) -> Value {
    serde_json::from_str(&files[dir][f]).unwrap_or_else(|e| panic!("{dir}/{f}: {e}"))
}

fn of_type<'a>(cfn: &'a Value, ty: &str) -> Vec<(&'a String, &'a Value)> {
    cfn["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == ty)
        .collect()
}

/// What CloudFormation makes of a `Fn::Sub` string, for this account and issuer.
fn substitute(sub: &str) -> String {
    sub.replace("${EksOidcIssuer}", ISSUER)
        .replace("${AWS::Partition}", "aws")
        .replace("${AWS::AccountId}", ACCOUNT)
}

fn trust(namespace: &str, service_account: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}") },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": { "StringEquals": {
                format!("{ISSUER}:sub"): format!("system:serviceaccount:{namespace}:{service_account}"),
                format!("{ISSUER}:aud"): "sts.amazonaws.com",
            } },
        }],
    })
}

/// The logical ID of a node's resources: `airflow-worker` → `AirflowWorker`.
fn pascal(node: &str) -> String {
    meshsynth::case::pascal_case(node)
}

#[test]
fn one_role_per_identity_trusting_exactly_its_service_account() {
    for ex in examples() {
        for backend in [MeshBackend::AppMesh, MeshBackend::VpcLattice] {
            let files = synth(ex.file, backend);
            let cfn = json_file(&files, &folder(backend, "cloudformation"), "template.json");
            let want: Vec<&Want> = ex
                .identities
                .iter()
                .filter(|w| backend == MeshBackend::AppMesh || w.calls)
                .collect();
            let roles = of_type(&cfn, "AWS::IAM::Role");
            let mut names: Vec<&str> = roles
                .iter()
                .map(|(_, r)| r["Properties"]["RoleName"].as_str().unwrap())
                .collect();
            names.sort_unstable();
            let mut expected: Vec<&str> = want.iter().map(|w| w.role).collect();
            expected.sort_unstable();
            assert_eq!(names, expected, "{} {backend:?}", ex.file);
            for w in &want {
                let r = &cfn["Resources"][format!("Role{}", pascal(w.node))];
                let p = &r["Properties"];
                assert_eq!(p["RoleName"], w.role);
                // The service account is named after its node.
                let doc = p["AssumeRolePolicyDocument"]["Fn::Sub"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{}: trust policy not one Fn::Sub", w.node));
                let doc: Value = serde_json::from_str(&substitute(doc)).unwrap();
                assert_eq!(doc, trust(w.namespace, w.node), "{} {backend:?}", w.node);
                // Its ARN is an output, and the text Kubernetes objects carry.
                let out = &cfn["Outputs"][format!("Role{}Arn", pascal(w.node))];
                assert_eq!(
                    out["Value"],
                    json!({ "Fn::GetAtt": [format!("Role{}", pascal(w.node)), "Arn"] })
                );
            }
        }
    }
}

#[test]
fn app_mesh_roles_stream_exactly_their_own_virtual_node() {
    for ex in examples() {
        let files = synth(ex.file, MeshBackend::AppMesh);
        let cfn = json_file(&files, "cloudformation", "template.json");
        for w in &ex.identities {
            let node = format!("VirtualNode{}", pascal(w.node));
            assert_eq!(
                cfn["Resources"][&node]["Properties"]["VirtualNodeName"],
                w.node
            );
            let p = &cfn["Resources"][format!("RolePolicy{}", pascal(w.node))]["Properties"];
            assert_eq!(
                p["RoleName"],
                json!({ "Ref": format!("Role{}", pascal(w.node)) })
            );
            let statements = p["PolicyDocument"]["Statement"].as_array().unwrap();
            assert_eq!(
                statements[0],
                json!({
                    "Effect": "Allow",
                    "Action": ["appmesh:StreamAggregatedResources"],
                    "Resource": [{ "Fn::GetAtt": [node, "Arn"] }],
                }),
                "{}",
                w.node
            );
            // Besides: only exporting the ACM certificates its own listeners serve, and what
            // the pod's collector writes (metrics on by default: EMF events into the metrics
            // log group; tests/eks_pods.rs checks the group).
            for s in &statements[1..] {
                let collector = json!(["logs:CreateLogStream", "logs:PutLogEvents"]);
                assert!(
                    s["Action"] == json!(["acm:ExportCertificate"]) || s["Action"] == collector,
                    "{}: {s}",
                    w.node
                );
            }
            assert_eq!(
                statements
                    .iter()
                    .filter(|s| s["Action"][0] == "logs:CreateLogStream")
                    .count(),
                1,
                "{}",
                w.node
            );
        }
    }
}

#[test]
fn lattice_roles_invoke_the_service_network_and_the_auth_policies_name_them() {
    for ex in examples() {
        let files = synth(ex.file, MeshBackend::VpcLattice);
        let cfn = json_file(&files, "vpc_lattice/cloudformation", "template.json");
        let (network, _) = of_type(&cfn, "AWS::VpcLattice::ServiceNetwork")[0];
        for w in ex.identities.iter().filter(|w| w.calls) {
            let p = &cfn["Resources"][format!("RolePolicy{}", pascal(w.node))]["Properties"];
            let st = &p["PolicyDocument"]["Statement"];
            assert_eq!(st.as_array().unwrap().len(), 1, "{}", w.node);
            let st = &st[0];
            assert_eq!(st["Action"], json!(["vpc-lattice-svcs:Invoke"]));
            assert_eq!(st["Effect"], "Allow");
            assert_eq!(
                st["Condition"],
                json!({ "StringEquals": { "vpc-lattice-svcs:ServiceNetworkArn": { "Ref": network } } })
            );
            let resource = st["Resource"][0]["Fn::Join"][1].as_array().unwrap();
            assert_eq!(resource[2], ":vpc-lattice:");
            assert_eq!(resource.last().unwrap(), "service/*");
            // Some service's IAMAuthPolicy (the controller publishes the services on EKS)
            // admits the role by its literal ARN.
            let role = cfn["Resources"][format!("Role{}", pascal(w.node))]["Properties"]
                ["RoleName"]
                .as_str()
                .unwrap()
                .to_owned();
            let arn = json!(format!("arn:aws:iam::111122223333:role/{role}"));
            let gateway = &files["vpc_lattice/kubernetes"]["manifests/40-gateway-api.yaml"];
            let admitted = serde_yaml::Deserializer::from_str(gateway)
                .map(|d| Value::deserialize(d).unwrap())
                .filter(|o| o["kind"] == "IAMAuthPolicy")
                .any(|o| {
                    let policy: Value =
                        serde_json::from_str(o["spec"]["policy"].as_str().unwrap()).unwrap();
                    policy["Statement"].as_array().unwrap().iter().any(|s| {
                        s["Effect"] == "Allow"
                            && (s["Principal"]["AWS"] == arn
                                || s["Principal"]["AWS"]
                                    .as_array()
                                    .is_some_and(|p| p.contains(&arn)))
                    })
                });
            assert!(admitted, "{}: no IAMAuthPolicy names its role", w.node);
        }
        // Workloads that call nothing have no role on Lattice.
        for w in ex.identities.iter().filter(|w| !w.calls) {
            assert!(cfn["Resources"]
                .get(format!("Role{}", pascal(w.node)))
                .is_none());
        }
    }
}

#[test]
fn the_oidc_issuer_is_an_input_with_its_pattern() {
    for ex in examples() {
        for backend in [MeshBackend::AppMesh, MeshBackend::VpcLattice] {
            let files = synth(ex.file, backend);
            let cfn = json_file(&files, &folder(backend, "cloudformation"), "template.json");
            let p = &cfn["Parameters"]["EksOidcIssuer"];
            assert_eq!(p["Type"], "String");
            assert_eq!(p["AllowedPattern"], EKS_OIDC_ISSUER_REGEX);
            let d = p["Description"].as_str().unwrap();
            assert!(
                d.contains("--query cluster.identity.oidc.issuer --output text")
                    && d.contains("without https://"),
                "{d}"
            );
            let vars = json_file(&files, &folder(backend, "terraform"), "variables.tf.json");
            let v = &vars["variable"]["eks_oidc_issuer"];
            assert_eq!(v["type"], "string");
            let condition = v["validation"][0]["condition"].as_str().unwrap();
            assert!(
                condition.starts_with("${can(regex(")
                    && condition.ends_with(", var.eks_oidc_issuer))}"),
                "{condition}"
            );
            // Terraform spells the computed condition keys in `jsonencode`.
            let main = json_file(&files, &folder(backend, "terraform"), "main.tf.json");
            let role = main["resource"]["aws_iam_role"]["airflow_worker"]["assume_role_policy"]
                .as_str()
                .unwrap();
            assert!(role.starts_with("${jsonencode({"), "{role}");
            let ns = &ex.identities[0].namespace;
            assert!(
                role.contains(&format!(
                    "\"${{var.eks_oidc_issuer}}:sub\" = \"system:serviceaccount:{ns}:airflow-worker\""
                )) && role.contains("\"${var.eks_oidc_issuer}:aud\" = \"sts.amazonaws.com\""),
                "{role}"
            );
            let outputs = json_file(&files, &folder(backend, "terraform"), "outputs.tf.json");
            let arns = outputs["output"]["irsa_role_arns"]["value"]
                .as_object()
                .unwrap();
            assert_eq!(arns["airflow-worker"], "${aws_iam_role.airflow_worker.arn}");
        }
    }
}

#[test]
fn app_mesh_names_resolve_in_a_private_zone() {
    for ex in examples() {
        let files = synth(ex.file, MeshBackend::AppMesh);
        let cfn = json_file(&files, "cloudformation", "template.json");
        let zones = of_type(&cfn, "AWS::Route53::HostedZone");
        assert_eq!(zones.len(), 1, "{}", ex.file);
        let (zone_id, zone) = zones[0];
        assert_eq!(zone["Properties"]["Name"], ex.zone);
        // The spec names the VPC under `mesh.lattice.vpc_id`.
        assert!(zone["Properties"]["VPCs"][0]["VPCId"]
            .as_str()
            .unwrap()
            .starts_with("vpc-"));
        let mut records: Vec<&str> = of_type(&cfn, "AWS::Route53::RecordSet")
            .into_iter()
            .map(|(_, r)| {
                let p = &r["Properties"];
                assert_eq!(p["Type"], "A");
                assert_eq!(p["ResourceRecords"], json!([ADDRESS]));
                assert_eq!(p["HostedZoneId"], json!({ "Ref": zone_id }));
                p["Name"].as_str().unwrap()
            })
            .collect();
        records.sort_unstable();
        // Not the API server's `airflow-api-server.airflow.svc.cluster.local`: CoreDNS's.
        assert_eq!(records, ex.names, "{}", ex.file);

        let main = json_file(&files, "terraform", "main.tf.json");
        let r = &main["resource"]["aws_route53_record"];
        for name in &ex.names {
            let rec = &r[name.replace('.', "_")];
            assert_eq!(rec["records"], json!([ADDRESS]));
            assert_eq!(rec["ttl"], 300);
            assert_eq!(rec["type"], "A");
        }
        // Lattice writes its own alias records, not these.
        let files = synth(ex.file, MeshBackend::VpcLattice);
        let cfn = json_file(&files, "vpc_lattice/cloudformation", "template.json");
        assert!(of_type(&cfn, "AWS::Route53::RecordSet")
            .iter()
            .all(|(_, r)| r["Properties"].get("ResourceRecords").is_none()));
    }
}

/// The objects of `kubernetes/manifests/<file>`, in order.
fn manifests(files: &BTreeMap<String, BTreeMap<String, String>>, dir: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for (name, text) in &files[dir] {
        if !name.starts_with("manifests/") {
            continue;
        }
        for doc in serde_yaml::Deserializer::from_str(text) {
            let v = serde_json::Value::deserialize(doc).unwrap();
            if !v.is_null() {
                out.push(v);
            }
        }
    }
    out
}

#[test]
fn kubernetes_manifest_resources_mirror_the_manifests_behind_the_variable() {
    for ex in examples() {
        for backend in [MeshBackend::AppMesh, MeshBackend::VpcLattice] {
            let files = synth(ex.file, backend);
            let tf = folder(backend, "terraform");
            let objects = manifests(&files, &folder(backend, "kubernetes"));
            assert!(!objects.is_empty());
            let k = json_file(&files, &tf, "kubernetes.tf.json");
            let res = k["resource"]["kubernetes_manifest"].as_object().unwrap();
            assert_eq!(res.len(), objects.len(), "{} {backend:?}", ex.file);
            let namespaces: Vec<&str> = objects
                .iter()
                .filter(|o| o["kind"] == "Namespace")
                .map(|o| o["metadata"]["name"].as_str().unwrap())
                .collect();
            for o in &objects {
                let kind = meshsynth::case::snake_case(o["kind"].as_str().unwrap());
                let meta = &o["metadata"];
                let mut name = kind;
                for part in [&meta["namespace"], &meta["name"]] {
                    if let Some(p) = part.as_str() {
                        name.push('_');
                        name.push_str(&p.replace(['-', '.'], "_"));
                    }
                }
                let r = &res[&name];
                assert_eq!(r["count"], "${var.create_kubernetes_objects ? 1 : 0}");
                assert_eq!(&r["manifest"], o, "{name}");
                match meta["namespace"].as_str() {
                    Some(ns) if namespaces.contains(&ns) => assert_eq!(
                        r["depends_on"],
                        json!([format!(
                            "kubernetes_manifest.namespace_{}",
                            ns.replace('-', "_")
                        )])
                    ),
                    _ => assert!(r.get("depends_on").is_none(), "{name}"),
                }
            }
            let vars = json_file(&files, &tf, "variables.tf.json");
            let v = &vars["variable"]["create_kubernetes_objects"];
            assert_eq!(v["type"], "bool");
            assert_eq!(v["default"], false);
            let versions = json_file(&files, &tf, "versions.tf.json");
            assert_eq!(
                versions["terraform"]["required_providers"]["kubernetes"]["source"],
                "hashicorp/kubernetes"
            );
            let readme = &files[&tf]["README.md"];
            assert!(readme.contains("create_kubernetes_objects = true"));
            assert!(readme.contains("provider \"kubernetes\""));
        }
    }
}

/// The Celery example on App Mesh with its `mesh.lattice` settings replaced.
fn celery_app_mesh(lattice: &str) -> serde_json::Value {
    let text = std::fs::read_to_string("examples/airflow2-eks-celery.yaml").unwrap();
    let old = "  lattice:\n    vpc_id: vpc-0f1e2d3c4b5a69788\n    security_group_ids: [sg-0fedcba9876543210]\n";
    assert!(text.contains(old));
    let text = text.replace(old, lattice);
    let targets = targets::iac();
    let mut opts = Options::new("celery.yaml", &targets);
    opts.backends = Some(&[MeshBackend::AppMesh]);
    let s = synthesize_with(&text, &opts);
    let files = s
        .files
        .unwrap_or_else(|| panic!("{}", s.diagnostics.render_human("celery.yaml")));
    json_file(&files, "cloudformation", "template.json")
}

#[test]
fn the_spec_can_name_the_zone_or_leave_dns_alone() {
    // An existing zone: records only, in it.
    let cfn = celery_app_mesh("  lattice: { hosted_zone: { id: Z0123456789ABCDEFGHIJ } }\n");
    assert!(of_type(&cfn, "AWS::Route53::HostedZone").is_empty());
    let records = of_type(&cfn, "AWS::Route53::RecordSet");
    assert_eq!(records.len(), 1);
    assert_eq!(
        records[0].1["Properties"]["HostedZoneId"],
        "Z0123456789ABCDEFGHIJ"
    );
    // No VPC to associate, so none is asked for.
    assert!(cfn["Parameters"].get("VpcId").is_none());

    // A zone of the spec's name, in the VPC parameter when the spec names no VPC.
    let cfn = celery_app_mesh("  lattice: { hosted_zone: { create: internal } }\n");
    let zones = of_type(&cfn, "AWS::Route53::HostedZone");
    assert_eq!(zones.len(), 1);
    assert_eq!(zones[0].1["Properties"]["Name"], "internal");
    assert_eq!(
        zones[0].1["Properties"]["VPCs"][0]["VPCId"],
        json!({ "Ref": "VpcId" })
    );
    assert_eq!(cfn["Parameters"]["VpcId"]["Type"], "AWS::EC2::VPC::Id");
    assert!(cfn["Parameters"]["VpcId"]["Description"]
        .as_str()
        .unwrap()
        .contains("EKS cluster analytics"));

    // `none`: the spec resolves the names itself.
    let cfn = celery_app_mesh("  lattice: { hosted_zone: none }\n");
    assert!(of_type(&cfn, "AWS::Route53::HostedZone").is_empty());
    assert!(of_type(&cfn, "AWS::Route53::RecordSet").is_empty());
}
