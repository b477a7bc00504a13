use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value as Json};

use super::*;
use crate::import::model::{as_reference, as_unknown, Supplied};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The committed outputs of every example that has both a Terraform module and a template.
fn examples() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("out"))
        .expect("out/ is committed")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.join("terraform").is_dir() && p.join("cloudformation/template.json").is_file()
        })
        .collect();
    dirs.sort();
    dirs
}

fn read_tf_module(dir: &Path) -> Vec<ReadFile> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let s = p.to_string_lossy();
            s.ends_with(".tf.json") || s.ends_with(".tf")
        })
        .collect();
    paths.sort();
    let texts: Vec<(String, String)> = paths
        .iter()
        .map(|p| (p.display().to_string(), std::fs::read_to_string(p).unwrap()))
        .collect();
    let files: Vec<(&str, &str, bool)> = texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str(), p.ends_with(".json")))
        .collect();
    match read_module(&files, &Supplied::default()) {
        Ok(r) => r,
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            panic!("{} errors reading {}", errors.len(), dir.display());
        }
    }
}

/// The name properties `Fn::GetAtt` reads back in meshsynth's templates.
const NAME_ATTRS: &[&str] = &[
    "MeshName",
    "VirtualNodeName",
    "VirtualRouterName",
    "RouteName",
    "VirtualServiceName",
    "VirtualGatewayName",
    "GatewayRouteName",
    "Name",
];

/// Resolves `Fn::GetAtt [X, <name property>]` to X's (resolved) property.
fn resolve(v: &Json, resources: &serde_json::Map<String, Json>) -> Json {
    match v {
        Json::Object(m) if m.len() == 1 && m.contains_key("Fn::GetAtt") => {
            if let Some([Json::String(id), Json::String(attr)]) =
                m["Fn::GetAtt"].as_array().map(Vec::as_slice)
            {
                if NAME_ATTRS.contains(&attr.as_str()) {
                    if let Some(p) = resources.get(id).and_then(|r| r["Properties"].get(attr)) {
                        return resolve(p, resources);
                    }
                }
            }
            v.clone()
        }
        Json::Object(m) => Json::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), resolve(x, resources)))
                .collect(),
        ),
        Json::Array(xs) => Json::Array(xs.iter().map(|x| resolve(x, resources)).collect()),
        other => other.clone(),
    }
}

fn name_prop(ty: &str) -> &'static str {
    match ty {
        "AWS::AppMesh::Mesh" => "MeshName",
        "AWS::AppMesh::VirtualNode" => "VirtualNodeName",
        "AWS::AppMesh::VirtualRouter" => "VirtualRouterName",
        "AWS::AppMesh::Route" => "RouteName",
        "AWS::AppMesh::VirtualService" => "VirtualServiceName",
        "AWS::AppMesh::VirtualGateway" => "VirtualGatewayName",
        "AWS::AppMesh::GatewayRoute" => "GatewayRouteName",
        _ => "Name",
    }
}

/// (type, mesh, parent, name) of an App Mesh resource: unique in a template.
fn identity(ty: &str, props: &Json) -> String {
    format!(
        "{ty} {} {} {} {}",
        props.get("MeshName").unwrap_or(&Json::Null),
        props.get("VirtualRouterName").unwrap_or(&Json::Null),
        props.get("VirtualGatewayName").unwrap_or(&Json::Null),
        props.get(name_prop(ty)).unwrap_or(&Json::Null),
    )
}

fn sorted_tags(v: Option<&Json>) -> Json {
    let mut tags: Vec<Json> = v.and_then(Json::as_array).cloned().unwrap_or_default();
    tags.sort_by_key(|t| t["Key"].to_string());
    Json::Array(tags)
}

/// meshsynth's own Terraform, read back, is its CloudFormation: every App Mesh resource
/// with the same type, names and Spec.
#[test]
fn meshsynth_terraform_reads_back_as_its_cloudformation() {
    let mut checked = 0;
    for dir in examples() {
        let template: Json = serde_json::from_str(
            &std::fs::read_to_string(dir.join("cloudformation/template.json")).unwrap(),
        )
        .unwrap();
        let resources = template["Resources"].as_object().unwrap();
        let mut expected: BTreeMap<String, Json> = BTreeMap::new();
        for r in resources.values() {
            let ty = r["Type"].as_str().unwrap();
            if ty.starts_with("AWS::AppMesh::") {
                let props = resolve(&r["Properties"], resources);
                expected.insert(identity(ty, &props), props);
            }
        }
        let read = read_tf_module(&dir.join("terraform"));
        let mut got: BTreeMap<String, Json> = BTreeMap::new();
        for r in read.iter().flat_map(|f| &f.resources) {
            if r.ty.starts_with("AWS::AppMesh::") {
                got.insert(identity(&r.ty, &r.props), r.props.clone());
            }
        }
        assert_eq!(
            expected.keys().collect::<Vec<_>>(),
            got.keys().collect::<Vec<_>>(),
            "{}: the App Mesh resources differ",
            dir.display()
        );
        for (id, want) in &expected {
            let have = &got[id];
            assert_eq!(
                want.get("Spec"),
                have.get("Spec"),
                "{}: {id}: Spec differs\nCloudFormation: {}\nTerraform:      {}",
                dir.display(),
                serde_json::to_string(&want.get("Spec")).unwrap(),
                serde_json::to_string(&have.get("Spec")).unwrap()
            );
            assert_eq!(
                sorted_tags(want.get("Tags")),
                sorted_tags(have.get("Tags")),
                "{}: {id}: Tags differ",
                dir.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} App Mesh resources compared");
}

#[test]
#[ignore]
fn dump() {
    let dir = std::env::var("TF_DUMP").unwrap();
    let read = read_tf_module(Path::new(&dir));
    if let Ok(out) = std::env::var("TF_JSON") {
        let all: Vec<Json> = read
            .iter()
            .flat_map(|f| &f.resources)
            .map(|r| json!({"id": r.id, "ty": r.ty, "props": r.props}))
            .collect();
        std::fs::write(out, serde_json::to_string_pretty(&all).unwrap()).unwrap();
    }
    for f in &read {
        for r in &f.resources {
            println!(
                "{} {} {}",
                r.id,
                r.ty,
                serde_json::to_string_pretty(&r.props).unwrap()
            );
            println!(
                "  locs: {:?}",
                r.locations.iter().take(8).collect::<Vec<_>>()
            );
        }
        for s in &f.skipped {
            println!("skipped {} {}", s.id, s.ty);
        }
    }
}

// ----- fixtures -----

fn read_hcl(
    files: &[(&str, &str)],
    params: &[(&str, &str)],
) -> Result<Vec<ReadFile>, Vec<ImportError>> {
    let supplied = Supplied {
        parameters: params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..Supplied::default()
    };
    let files: Vec<(&str, &str, bool)> = files
        .iter()
        .map(|(p, t)| (*p, *t, p.ends_with(".json")))
        .collect();
    read_module(&files, &supplied)
}

fn ok(files: &[(&str, &str)], params: &[(&str, &str)]) -> Vec<ReadFile> {
    match read_hcl(files, params) {
        Ok(r) => r,
        Err(errors) => {
            let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
            panic!("unexpected errors:\n{}", text.join("\n"))
        }
    }
}

fn errors(files: &[(&str, &str)], params: &[(&str, &str)]) -> Vec<ImportError> {
    match read_hcl(files, params) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e,
    }
}

fn resource<'a>(read: &'a [ReadFile], id: &str) -> &'a Resource {
    read.iter()
        .flat_map(|f| &f.resources)
        .find(|r| r.id == id)
        .unwrap_or_else(|| {
            let ids: Vec<&str> = read
                .iter()
                .flat_map(|f| &f.resources)
                .map(|r| r.id.as_str())
                .collect();
            panic!("no resource {id}; have {ids:?}")
        })
}

const MESH: &str = r#"
resource "aws_appmesh_mesh" "m" {
  name = "demo"
  spec {
    egress_filter {
      type = "ALLOW_ALL"
    }
  }
}
"#;

#[test]
fn hcl_virtual_node_in_cloudformation_shape_with_locations() {
    let tf = r#"
resource "aws_appmesh_virtual_node" "orders" {
  name      = "orders-v1"
  mesh_name = aws_appmesh_mesh.m.id

  spec {
    listener {
      port_mapping {
        port     = 8080
        protocol = "http"
      }
      timeout {
        http {
          per_request {
            unit  = "s"
            value = 15
          }
        }
      }
      connection_pool {
        http {
          max_connections = 100
        }
      }
      tls {
        mode = "STRICT"
        certificate {
          acm {
            certificate_arn = "arn:aws:acm:us-east-1:111122223333:certificate/x"
          }
        }
      }
    }
    backend {
      virtual_service {
        virtual_service_name = aws_appmesh_virtual_service.inventory.name
        client_policy {
          tls {
            ports = [9090]
            validation {
              trust {
                acm {
                  certificate_authority_arns = ["arn:ca"]
                }
              }
              subject_alternative_names {
                match {
                  exact = ["inventory.demo.local"]
                }
              }
            }
          }
        }
      }
    }
    service_discovery {
      aws_cloud_map {
        namespace_name = aws_service_discovery_private_dns_namespace.ns.name
        service_name   = "orders"
        attributes = {
          version = "v1"
          ECS_TASK_DEFINITION_FAMILY = "orders-v1"
        }
      }
    }
    logging {
      access_log {
        file {
          path = "/dev/stdout"
          format {
            json {
              key   = "code"
              value = "%RESPONSE_CODE%"
            }
            json {
              key   = "path"
              value = "%REQ(:PATH)%"
            }
          }
        }
      }
    }
  }
  tags = {
    team = "orders"
    app  = "shop"
  }
  tags_all = { ignored = "yes" }
}

resource "aws_appmesh_virtual_service" "inventory" {
  name      = "inventory.demo.local"
  mesh_name = aws_appmesh_mesh.m.name
  spec {
    provider {
      virtual_node {
        virtual_node_name = aws_appmesh_virtual_node.orders.name
      }
    }
  }
}

resource "aws_service_discovery_private_dns_namespace" "ns" {
  name = "demo.local"
  vpc  = aws_vpc.main.id
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
"#;
    let read = ok(&[("main.tf", MESH), ("nodes.tf", tf)], &[]);
    let node = resource(&read, "aws_appmesh_virtual_node.orders");
    assert_eq!(node.ty, "AWS::AppMesh::VirtualNode");
    assert_eq!(node.file, "nodes.tf");
    assert_eq!(
        node.props,
        json!({
            "VirtualNodeName": "orders-v1",
            "MeshName": "demo",
            "Spec": {
                "Listeners": [{
                    "PortMapping": {"Port": 8080, "Protocol": "http"},
                    "Timeout": {"HTTP": {"PerRequest": {"Unit": "s", "Value": 15}}},
                    "ConnectionPool": {"HTTP": {"MaxConnections": 100}},
                    "TLS": {
                        "Mode": "STRICT",
                        "Certificate": {"ACM": {"CertificateArn": "arn:aws:acm:us-east-1:111122223333:certificate/x"}}
                    }
                }],
                "Backends": [{
                    "VirtualService": {
                        "VirtualServiceName": "inventory.demo.local",
                        "ClientPolicy": {"TLS": {
                            "Ports": [9090],
                            "Validation": {
                                "Trust": {"ACM": {"CertificateAuthorityArns": ["arn:ca"]}},
                                "SubjectAlternativeNames": {"Match": {"Exact": ["inventory.demo.local"]}}
                            }
                        }}
                    }
                }],
                "ServiceDiscovery": {"AWSCloudMap": {
                    "NamespaceName": "demo.local",
                    "ServiceName": "orders",
                    "Attributes": [
                        {"Key": "ECS_TASK_DEFINITION_FAMILY", "Value": "orders-v1"},
                        {"Key": "version", "Value": "v1"}
                    ]
                }},
                "Logging": {"AccessLog": {"File": {
                    "Path": "/dev/stdout",
                    "Format": {"Json": [
                        {"Key": "code", "Value": "%RESPONSE_CODE%"},
                        {"Key": "path", "Value": "%REQ(:PATH)%"}
                    ]}
                }}}
            },
            "Tags": [{"Key": "app", "Value": "shop"}, {"Key": "team", "Value": "orders"}]
        })
    );
    let at = |p: &str| node.locate(p).map(|l| (l.line, l.column));
    assert_eq!(node.location.map(|l| l.line), Some(2));
    assert_eq!(at("Spec.Listeners[0].PortMapping.Port"), Some((9, 9)));
    assert_eq!(at("Spec.Listeners[0].PortMapping"), Some((8, 7)));
    assert_eq!(at("MeshName"), Some((4, 3)));
    assert_eq!(
        at("Spec.ServiceDiscovery.AWSCloudMap.Attributes"),
        Some((60, 9))
    );
    let vs = resource(&read, "aws_appmesh_virtual_service.inventory");
    assert_eq!(
        vs.props["Spec"],
        json!({"Provider": {"VirtualNode": {"VirtualNodeName": "orders-v1"}}})
    );
    let ns = resource(&read, "aws_service_discovery_private_dns_namespace.ns");
    assert_eq!(as_reference(&ns.props["Vpc"]), Some(("aws_vpc.main", "Id")));
    let skipped: Vec<(&str, &str)> = read
        .iter()
        .flat_map(|f| &f.skipped)
        .map(|s| (s.id.as_str(), s.ty.as_str()))
        .collect();
    assert_eq!(skipped, vec![("aws_vpc.main", "aws_vpc")]);
}

#[test]
fn count_for_each_and_dynamic_expand() {
    let tf = r#"
variable "ports" {
  default = [8080, 9090]
}

locals {
  versions = { v1 = 90, v2 = 10 }
}

resource "aws_appmesh_virtual_node" "n" {
  for_each  = local.versions
  name      = "orders-${each.key}"
  mesh_name = aws_appmesh_mesh.m.id
  spec {
    dynamic "listener" {
      for_each = var.ports
      content {
        port_mapping {
          port     = listener.value
          protocol = "http"
        }
      }
    }
  }
}

resource "aws_appmesh_virtual_router" "r" {
  count     = 2
  name      = "router-${count.index}"
  mesh_name = aws_appmesh_mesh.m.id
  spec {
    listener {
      port_mapping {
        port     = var.ports[count.index]
        protocol = "http"
      }
    }
  }
}

resource "aws_appmesh_route" "default" {
  name                = "default"
  mesh_name           = aws_appmesh_mesh.m.id
  virtual_router_name = aws_appmesh_virtual_router.r[1].name
  spec {
    http_route {
      match {
        prefix = "/"
      }
      action {
        dynamic "weighted_target" {
          for_each = local.versions
          iterator = t
          content {
            virtual_node = aws_appmesh_virtual_node.n[t.key].name
            weight       = t.value
          }
        }
      }
    }
  }
}
"#;
    let read = ok(&[("main.tf", MESH), ("x.tf", tf)], &[]);
    let v1 = resource(&read, r#"aws_appmesh_virtual_node.n["v1"]"#);
    assert_eq!(v1.props["VirtualNodeName"], "orders-v1");
    assert_eq!(
        v1.props["Spec"]["Listeners"],
        json!([
            {"PortMapping": {"Port": 8080, "Protocol": "http"}},
            {"PortMapping": {"Port": 9090, "Protocol": "http"}}
        ])
    );
    assert_eq!(
        v1.locate("Spec.Listeners[1].PortMapping.Port")
            .map(|l| l.line),
        Some(19)
    );
    resource(&read, r#"aws_appmesh_virtual_node.n["v2"]"#);
    let r1 = resource(&read, "aws_appmesh_virtual_router.r[1]");
    assert_eq!(r1.props["VirtualRouterName"], "router-1");
    assert_eq!(
        r1.props["Spec"]["Listeners"][0]["PortMapping"]["Port"],
        9090
    );
    let route = resource(&read, "aws_appmesh_route.default");
    assert_eq!(route.props["VirtualRouterName"], "router-1");
    assert_eq!(
        route.props["Spec"]["HttpRoute"]["Action"]["WeightedTargets"],
        json!([
            {"VirtualNode": "orders-v1", "Weight": 90},
            {"VirtualNode": "orders-v2", "Weight": 10}
        ])
    );
}

#[test]
fn variables_defaults_parameters_and_missing() {
    let tf = r#"
variable "mesh" {
  type    = string
  default = "from-default"
}
variable "port" {
  type = number
}
variable "owner" {}

resource "aws_appmesh_virtual_router" "r" {
  name       = "${var.mesh}-router"
  mesh_name  = var.mesh
  mesh_owner = var.owner
  spec {
    listener {
      port_mapping {
        port     = var.port + 1
        protocol = "http"
      }
    }
  }
}
"#;
    let read = ok(&[("v.tf", tf)], &[]);
    let r = resource(&read, "aws_appmesh_virtual_router.r");
    assert_eq!(r.props["MeshName"], "from-default");
    assert_eq!(r.props["VirtualRouterName"], "from-default-router");
    assert_eq!(
        as_unknown(&r.props["MeshOwner"]),
        Some((
            "variable `owner` has no default",
            Some("--parameter owner=VALUE")
        ))
    );
    // Operations on unknowns give unknowns, with the same reason.
    assert_eq!(
        as_unknown(&r.props["Spec"]["Listeners"][0]["PortMapping"]["Port"]),
        Some((
            "variable `port` has no default",
            Some("--parameter port=VALUE")
        ))
    );

    let read = ok(&[("v.tf", tf)], &[("mesh", "given"), ("port", "8079")]);
    let r = resource(&read, "aws_appmesh_virtual_router.r");
    assert_eq!(r.props["MeshName"], "given");
    assert_eq!(r.props["Spec"]["Listeners"][0]["PortMapping"]["Port"], 8080);
}

#[test]
fn data_sources_modules_and_unknown_functions_are_unknown() {
    let tf = r#"
data "aws_appmesh_mesh" "shared" {
  name = "shared"
}

module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}

resource "aws_appmesh_virtual_service" "s" {
  name      = "s.local"
  mesh_name = data.aws_appmesh_mesh.shared.name
  mesh_owner = module.vpc.owner
  spec {
    provider {
      virtual_node {
        virtual_node_name = sha256("x")
      }
    }
  }
}
"#;
    let read = ok(&[("d.tf", tf)], &[]);
    let s = resource(&read, "aws_appmesh_virtual_service.s");
    assert_eq!(
        as_unknown(&s.props["MeshName"]),
        Some((
            "data source `data.aws_appmesh_mesh.shared` is read at plan time",
            None
        ))
    );
    assert!(as_unknown(&s.props["MeshOwner"])
        .unwrap()
        .0
        .contains("module.vpc.owner"));
    assert!(
        as_unknown(&s.props["Spec"]["Provider"]["VirtualNode"]["VirtualNodeName"])
            .unwrap()
            .0
            .contains("sha256()")
    );
    let skipped: Vec<(&str, &str)> = read
        .iter()
        .flat_map(|f| &f.skipped)
        .map(|s| (s.id.as_str(), s.ty.as_str()))
        .collect();
    assert_eq!(skipped, vec![("module.vpc", "module")]);
}

#[test]
fn locals_functions_templates_and_legacy_interpolation() {
    let tf = r#"
variable "env" {
  default = "Prod"
}
variable "names" {
  default = { orders = "orders-svc" }
}

locals {
  prefix = lower(var.env)
  mesh   = "${local.prefix}-mesh"
  ports  = concat([8080], [9090])
  labels = merge({ a = "1" }, { b = 2 })
}

resource "aws_appmesh_virtual_router" "legacy" {
  name      = "${lookup(var.names, "orders")}"
  mesh_name = "${local.mesh}"
  spec {
    listener {
      port_mapping {
        port     = "${element(local.ports, 1)}"
        protocol = var.env == "Prod" ? "http2" : "http"
      }
    }
  }
  tags = {
    joined = join(",", [for p in local.ports : tostring(p)])
    fmt    = format("%s-%d", upper(local.prefix), length(local.ports))
    tpl    = "%{for k, v in local.labels}${k}=${v};%{endfor}"
    cond   = "%{if var.env == "Prod"}yes%{else}no%{endif}"
    num    = tonumber("3") * 2
    repl   = replace(coalesce("", "a-b"), "-", "_")
    json   = jsonencode({ x = [1, true] })
  }
}
"#;
    let read = ok(&[("l.tf", tf)], &[]);
    let r = resource(&read, "aws_appmesh_virtual_router.legacy");
    assert_eq!(r.props["VirtualRouterName"], "orders-svc");
    assert_eq!(r.props["MeshName"], "prod-mesh");
    assert_eq!(
        r.props["Spec"]["Listeners"][0]["PortMapping"],
        json!({"Port": 9090, "Protocol": "http2"})
    );
    let tags: BTreeMap<String, Json> = r.props["Tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["Key"].as_str().unwrap().to_owned(), t["Value"].clone()))
        .collect();
    assert_eq!(tags["joined"], "8080,9090");
    assert_eq!(tags["fmt"], "PROD-2");
    assert_eq!(tags["tpl"], "a=1;b=2;");
    assert_eq!(tags["cond"], "yes");
    assert_eq!(tags["num"], "6");
    assert_eq!(tags["repl"], "a_b");
    assert_eq!(tags["json"], r#"{"x":[1,true]}"#);
}

#[test]
fn two_files_of_a_module_refer_to_each_other() {
    let a = r#"
resource "aws_appmesh_mesh" "m" {
  name = local.mesh_name
}
locals {
  router = aws_appmesh_virtual_router.r.name
}
"#;
    let b = r#"
locals {
  mesh_name = "cross"
}
resource "aws_appmesh_virtual_router" "r" {
  name      = "r-${aws_appmesh_mesh.m.name}"
  mesh_name = aws_appmesh_mesh.m.id
  spec {
    listener {
      port_mapping {
        port     = 80
        protocol = "http"
      }
    }
  }
}
resource "aws_appmesh_route" "x" {
  name                = "x"
  mesh_name           = aws_appmesh_mesh.m.name
  virtual_router_name = local.router
  spec {
    tcp_route {
      action {
        weighted_target {
          virtual_node = "n"
          weight       = 1
        }
      }
    }
  }
}
"#;
    let read = ok(&[("a.tf", a), ("b.tf", b)], &[]);
    assert_eq!(read.len(), 2);
    assert_eq!(read[0].resources.len(), 1);
    assert_eq!(read[1].resources.len(), 2);
    assert_eq!(
        resource(&read, "aws_appmesh_mesh.m").props["MeshName"],
        "cross"
    );
    let r = resource(&read, "aws_appmesh_virtual_router.r");
    assert_eq!(r.props["VirtualRouterName"], "r-cross");
    assert_eq!(r.props["MeshName"], "cross");
    let x = resource(&read, "aws_appmesh_route.x");
    assert_eq!(x.props["VirtualRouterName"], "r-cross");
    assert_eq!(
        x.props["Spec"]["TcpRoute"]["Action"]["WeightedTargets"],
        json!([{"VirtualNode": "n", "Weight": 1}])
    );
}

#[test]
fn ids_and_arns_of_resources_are_references() {
    let tf = r#"
resource "aws_appmesh_virtual_node" "n" {
  name      = "n"
  mesh_name = "m"
  spec {}
  tags = {
    node_id  = aws_appmesh_virtual_node.other.id
    node_arn = aws_appmesh_virtual_node.other.arn
    in_text  = "arn is ${aws_appmesh_virtual_node.other.arn}"
  }
}
resource "aws_appmesh_virtual_node" "other" {
  name      = "other"
  mesh_name = "m"
}
"#;
    let read = ok(&[("r.tf", tf)], &[]);
    let n = resource(&read, "aws_appmesh_virtual_node.n");
    let tags = n.props["Tags"].as_array().unwrap();
    assert_eq!(
        as_unknown(&tags[0]["Value"]).map(|u| u.0),
        Some("the Arn of `aws_appmesh_virtual_node.other` is known only after deploy")
    );
    assert_eq!(
        as_reference(&tags[1]["Value"]),
        Some(("aws_appmesh_virtual_node.other", "Arn"))
    );
    assert_eq!(
        as_reference(&tags[2]["Value"]),
        Some(("aws_appmesh_virtual_node.other", "Id"))
    );
    assert_eq!(n.props["Spec"], json!({}));
}

#[test]
fn a_cycle_is_an_error() {
    let tf = r#"
locals {
  a = "${local.b}-x"
  b = local.a
}
resource "aws_appmesh_mesh" "m" {
  name = local.a
}
resource "aws_appmesh_virtual_router" "r1" {
  name      = aws_appmesh_virtual_router.r2.name
  mesh_name = "m"
}
resource "aws_appmesh_virtual_router" "r2" {
  name      = aws_appmesh_virtual_router.r1.name
  mesh_name = "m"
}
"#;
    let errs = errors(&[("c.tf", tf)], &[]);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(
        errs[0].message.contains("local.a → local.b → local.a"),
        "{}",
        errs[0]
    );
    assert_eq!(errs[0].file, "c.tf");
    assert!(errs[0].location.is_some());
    assert!(errs[1]
        .message
        .contains("aws_appmesh_virtual_router.r1.name → aws_appmesh_virtual_router.r2.name → aws_appmesh_virtual_router.r1.name"),
        "{}", errs[1]);
}

#[test]
fn syntax_errors_have_line_and_column_and_all_are_collected() {
    let bad_hcl =
        "resource \"aws_appmesh_mesh\" \"m\" {\n  name = \"x\"\n  spec {\n    = 3\n  }\n}\n";
    let bad_json = "{\n  \"resource\": {\n    \"aws_appmesh_mesh\": {,\n  }\n}\n";
    let errs = errors(
        &[
            ("bad.tf", bad_hcl),
            ("bad.tf.json", bad_json),
            ("good.tf", MESH),
        ],
        &[],
    );
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert_eq!(errs[0].file, "bad.tf");
    let l = errs[0].location.unwrap();
    assert_eq!((l.line, l.column), (4, 5));
    assert!(
        errs[0].message.starts_with("this is not valid HCL"),
        "{}",
        errs[0]
    );
    assert_eq!(errs[1].file, "bad.tf.json");
    let l = errs[1].location.unwrap();
    assert_eq!(l.line, 3);
    assert!(
        errs[1].to_string().contains("bad.tf.json:3:"),
        "{}",
        errs[1]
    );
}

#[test]
fn an_unknown_for_each_is_an_error_naming_the_flag() {
    let tf = r#"
variable "routes" {}
variable "ports" {}
resource "aws_appmesh_route" "r" {
  for_each            = var.routes
  name                = each.key
  mesh_name           = "m"
  virtual_router_name = "r"
}
resource "aws_appmesh_virtual_router" "v" {
  name      = "v"
  mesh_name = "m"
  spec {
    dynamic "listener" {
      for_each = var.ports
      content {
        port_mapping {
          port     = listener.value
          protocol = "http"
        }
      }
    }
  }
}
"#;
    let errs = errors(&[("f.tf", tf)], &[]);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert_eq!(errs[0].path, "aws_appmesh_route.r.for_each");
    assert!(
        errs[0].message.contains("variable `routes` has no default"),
        "{}",
        errs[0]
    );
    assert_eq!(
        errs[0].help.as_deref(),
        Some("supply the value with --parameter routes=VALUE")
    );
    assert_eq!(errs[0].location.map(|l| l.line), Some(5));
    assert_eq!(errs[1].path, "spec[0].listener.for_each");
    assert!(
        errs[1].message.contains("variable `ports` has no default"),
        "{}",
        errs[1]
    );
    // Supplied, both expand.
    let read = ok(
        &[("f.tf", tf)],
        &[("routes", r#"{ a = 1, b = 2 }"#), ("ports", "[80]")],
    );
    resource(&read, r#"aws_appmesh_route.r["b"]"#);
    let v = resource(&read, "aws_appmesh_virtual_router.v");
    assert_eq!(v.props["Spec"]["Listeners"][0]["PortMapping"]["Port"], 80);
}

#[test]
fn terraform_json_blocks_as_objects_or_lists_of_one() {
    // cdktf writes nested blocks as objects; hand-written TF JSON often as lists of one.
    let json_text = r#"{
  "//": "cdktf",
  "variable": { "mesh": { "default": "cdk-mesh" } },
  "locals": { "port": 8080 },
  "resource": {
    "aws_appmesh_virtual_node": {
      "a": {
        "name": "a",
        "mesh_name": "${var.mesh}",
        "spec": [{
          "listener": [{ "port_mapping": [{ "port": "${local.port}", "protocol": "http" }] }],
          "service_discovery": { "dns": { "hostname": "a.local" } }
        }],
        "tags": { "x": "y" }
      },
      "b": {
        "count": 2,
        "name": "b-${count.index}",
        "mesh_name": "${var.mesh}",
        "spec": {
          "listener": { "port_mapping": { "port": 80, "protocol": "tcp" } },
          "dynamic": { "backend": { "for_each": "${[\"s1\", \"s2\"]}", "content": {
            "virtual_service": { "virtual_service_name": "${backend.value}" } } } }
        }
      }
    }
  }
}"#;
    let read = ok(&[("cdk.tf.json", json_text)], &[]);
    let a = resource(&read, "aws_appmesh_virtual_node.a");
    assert_eq!(
        a.props,
        json!({
            "VirtualNodeName": "a",
            "MeshName": "cdk-mesh",
            "Spec": {
                "Listeners": [{"PortMapping": {"Port": 8080, "Protocol": "http"}}],
                "ServiceDiscovery": {"DNS": {"Hostname": "a.local"}}
            },
            "Tags": [{"Key": "x", "Value": "y"}]
        })
    );
    assert_eq!(
        a.locate("Spec.Listeners[0].PortMapping.Port")
            .map(|l| (l.line, l.column)),
        Some((11, 45))
    );
    let b1 = resource(&read, "aws_appmesh_virtual_node.b[1]");
    assert_eq!(b1.props["VirtualNodeName"], "b-1");
    assert_eq!(
        b1.props["Spec"]["Backends"],
        json!([
            {"VirtualService": {"VirtualServiceName": "s1"}},
            {"VirtualService": {"VirtualServiceName": "s2"}}
        ])
    );
}

#[test]
fn ecs_cloud_map_and_route53_shapes() {
    let dir = std::env::temp_dir().join(format!("meshsynth-tf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("containers.json"),
        r#"[{"name": "app", "image": "nginx", "portMappings": [{"containerPort": 80}],
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g"}}}]"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("containers.tpl"),
        r#"[{"name": "${name}", "image": "${image}", "essential": %{ if essential }true%{ else }false%{ endif }}]"#,
    )
    .unwrap();
    let tf = r#"
data "template_file" "legacy" {
  template = file("containers.tpl")
  vars = {
    name      = "legacy"
    image     = "busybox"
    essential = true
  }
}
resource "aws_ecs_task_definition" "legacy" {
  family                = "legacy"
  container_definitions = data.template_file.legacy.rendered
}
resource "aws_ecs_task_definition" "templated" {
  family                = "templated"
  container_definitions = templatefile("${path.module}/containers.tpl", { name = "t", image = "alpine", essential = false })
}
variable "image" {}
variable "cpu" {}
resource "aws_ecs_task_definition" "heredoc" {
  family                = "heredoc"
  container_definitions = <<EOF
[
  {
    "name": "app",
    "image": "${var.image}",
    "cpu": ${var.cpu},
    "environment": [
      { "name": "TAG", "value": "v-${var.image}" },
      { "name": "APPMESH_RESOURCE_ARN", "value": "mesh/m/virtualNode/${aws_appmesh_virtual_node.n.name}" }
    ]
  }
]
EOF
}
data "template_file" "holes" {
  template = file("containers.tpl")
  vars = {
    name      = "holes"
    image     = var.image
    essential = true
  }
}
resource "aws_ecs_task_definition" "holes" {
  family                = "holes"
  container_definitions = data.template_file.holes.rendered
}
resource "aws_ecs_task_definition" "app" {
  family                = "app"
  cpu                   = 256
  memory                = "512"
  container_definitions = jsonencode([
    {
      name        = "envoy"
      image       = "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod"
      essential   = true
      environment = [{ name = "APPMESH_RESOURCE_ARN", value = aws_appmesh_virtual_node.n.arn }]
    }
  ])
  proxy_configuration {
    type           = "APPMESH"
    container_name = "envoy"
    properties = {
      IgnoredUID       = "1337"
      ProxyIngressPort = 15000
    }
  }
}
resource "aws_ecs_task_definition" "from_file" {
  family                = "from-file"
  container_definitions = file("${path.module}/containers.json")
}
resource "aws_ecs_task_definition" "missing" {
  family                = "missing"
  container_definitions = file("nope.json")
}
resource "aws_ecs_service" "app" {
  name            = "app"
  cluster         = aws_ecs_cluster.c.id
  task_definition = aws_ecs_task_definition.app.family
  desired_count   = 2
  service_registries {
    registry_arn = aws_service_discovery_service.app.arn
  }
}
resource "aws_ecs_cluster" "c" {
  name = "c"
}
resource "aws_appmesh_virtual_node" "n" {
  name      = "n"
  mesh_name = "m"
}
resource "aws_service_discovery_service" "app" {
  name = "app"
  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.ns.id
    routing_policy = "MULTIVALUE"
    dns_records {
      ttl  = 10
      type = "A"
    }
  }
  health_check_custom_config {
    failure_threshold = 1
  }
}
resource "aws_service_discovery_private_dns_namespace" "ns" {
  name = "ns.local"
  vpc  = "vpc-123"
}
resource "aws_route53_record" "wild" {
  zone_id = "Z123"
  name    = "*.ns.local"
  type    = "A"
  ttl     = 300
  records = ["1.2.3.4"]
}
"#;
    let path = dir.join("main.tf");
    let path = path.to_str().unwrap();
    let read = ok(&[(path, tf)], &[]);
    let td = resource(&read, "aws_ecs_task_definition.app");
    assert_eq!(
        td.props,
        json!({
            "Family": "app",
            "Cpu": "256",
            "Memory": "512",
            "ContainerDefinitions": [{
                "Name": "envoy",
                "Image": "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod",
                "Essential": true,
                "Environment": [{"Name": "APPMESH_RESOURCE_ARN", "Value": {"$ref": "aws_appmesh_virtual_node.n", "$attr": "Arn"}}]
            }],
            "ProxyConfiguration": {
                "Type": "APPMESH",
                "ContainerName": "envoy",
                "ProxyConfigurationProperties": [
                    {"Name": "IgnoredUID", "Value": "1337"},
                    {"Name": "ProxyIngressPort", "Value": "15000"}
                ]
            }
        })
    );
    let ff = resource(&read, "aws_ecs_task_definition.from_file");
    assert_eq!(
        ff.props["ContainerDefinitions"],
        json!([{"Name": "app", "Image": "nginx", "PortMappings": [{"ContainerPort": 80}],
                "LogConfiguration": {"LogDriver": "awslogs", "Options": {"awslogs-group": "g"}}}])
    );
    assert_eq!(
        resource(&read, "aws_ecs_task_definition.legacy").props["ContainerDefinitions"],
        json!([{"Name": "legacy", "Image": "busybox", "Essential": true}])
    );
    assert_eq!(
        resource(&read, "aws_ecs_task_definition.templated").props["ContainerDefinitions"],
        json!([{"Name": "t", "Image": "alpine", "Essential": false}])
    );
    // Interpolations not known statically leave the rest of the JSON text readable.
    let image =
        json!({"$unknown": "variable `image` has no default", "$flag": "--parameter image=VALUE"});
    assert_eq!(
        resource(&read, "aws_ecs_task_definition.heredoc").props["ContainerDefinitions"],
        json!([{
            "Name": "app",
            "Image": image,
            "Cpu": {"$unknown": "variable `cpu` has no default", "$flag": "--parameter cpu=VALUE"},
            "Environment": [
                {"Name": "TAG", "Value": image},
                {"Name": "APPMESH_RESOURCE_ARN", "Value": "mesh/m/virtualNode/n"}
            ]
        }])
    );
    assert_eq!(
        resource(&read, "aws_ecs_task_definition.holes").props["ContainerDefinitions"],
        json!([{"Name": "holes", "Image": image, "Essential": true}])
    );
    let missing = resource(&read, "aws_ecs_task_definition.missing");
    assert!(as_unknown(&missing.props["ContainerDefinitions"])
        .unwrap()
        .0
        .contains("file `nope.json`"));
    let svc = resource(&read, "aws_ecs_service.app");
    assert_eq!(
        svc.props,
        json!({
            "ServiceName": "app",
            "Cluster": {"$ref": "aws_ecs_cluster.c", "$attr": "Arn"},
            "TaskDefinition": {"$ref": "aws_ecs_task_definition.app", "$attr": "Arn"},
            "DesiredCount": 2,
            "ServiceRegistries": [{"RegistryArn": {"$ref": "aws_service_discovery_service.app", "$attr": "Arn"}}]
        })
    );
    let sd = resource(&read, "aws_service_discovery_service.app");
    assert_eq!(
        sd.props,
        json!({
            "Name": "app",
            "DnsConfig": {
                "NamespaceId": {"$ref": "aws_service_discovery_private_dns_namespace.ns", "$attr": "Id"},
                "RoutingPolicy": "MULTIVALUE",
                "DnsRecords": [{"TTL": 10, "Type": "A"}]
            },
            "HealthCheckCustomConfig": {"FailureThreshold": 1}
        })
    );
    let rec = resource(&read, "aws_route53_record.wild");
    assert_eq!(rec.ty, "AWS::Route53::RecordSet");
    assert_eq!(
        rec.props,
        json!({"HostedZoneId": "Z123", "Name": "*.ns.local", "Type": "A", "TTL": "300", "ResourceRecords": ["1.2.3.4"]})
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn arbitrary_input_never_panics() {
    let deep = format!("x = {}1{}", "[".repeat(5000), "]".repeat(5000));
    let deep_json = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let inputs: Vec<(String, bool)> = vec![
        (String::new(), false),
        (String::new(), true),
        ("{".into(), false),
        ("\u{0}\u{feff}ÿ".into(), false),
        (deep, false),
        (deep_json, true),
        ("[]".into(), true),
        ("{\"resource\": 3}".into(), true),
        ("{\"resource\": {\"aws_appmesh_mesh\": {\"m\": {\"name\": \"${\"}}}}".into(), true),
        ("resource \"aws_appmesh_mesh\" \"m\" { count = -1 }".into(), false),
        ("resource \"aws_appmesh_mesh\" \"m\" { count = 1e12 }".into(), false),
        ("resource \"aws_appmesh_mesh\" \"m\" { name = range(1e9) }".into(), false),
        ("resource \"aws_appmesh_mesh\" \"m\" { name = substr(\"abc\", 5, -9) }".into(), false),
        ("resource \"aws_appmesh_mesh\" \"m\" { name = element([], 3) }".into(), false),
        ("resource \"aws_appmesh_mesh\" \"m\" { name = 1 / 0 }".into(), false),
        ("resource \"aws_appmesh_mesh\" \"m\" { name = aws_appmesh_mesh.m.name }".into(), false),
        ("resource \"aws_appmesh_mesh\" \"m\" { name = format(\"%s %d\") }".into(), false),
        ("resource \"aws_appmesh_mesh\" \"m\" { for_each = [1, 2] }".into(), false),
        ("resource \"aws_appmesh_mesh\" \"m\" { spec { dynamic \"x\" {} } }".into(), false),
        ("resource \"aws_appmesh_mesh\" { }".into(), false),
        ("locals { a = [for x in local.a : x] }\nresource \"aws_appmesh_mesh\" \"m\" { name = local.a[0] }".into(), false),
    ];
    let mut fanout = String::from("locals {\n l0 = \"x\"\n");
    for i in 1..60 {
        fanout.push_str(&format!(
            " l{i} = \"${{local.l{}}}${{local.l{}}}\"\n",
            i - 1,
            i - 1
        ));
    }
    fanout.push_str("}\nresource \"aws_appmesh_mesh\" \"m\" {\n name = local.l59\n}\n");
    let mut inputs = inputs;
    inputs.extend([
        (fanout, false),
        (
            format!("locals {{\n x = {}1\n}}\n", "1 + ".repeat(100_000)),
            false,
        ),
        (
            format!("locals {{\n x = {}c\n}}\n", "a ? b : ".repeat(100_000)),
            false,
        ),
        (
            format!("locals {{\n x = {}true\n}}\n", "!".repeat(100_000)),
            false,
        ),
        (
            format!("{}{}", "a {\n".repeat(100_000), "}\n".repeat(100_000)),
            false,
        ),
        (format!("x = \"{}\"", "${1}".repeat(100_000)), false),
    ]);
    for (text, json) in &inputs {
        let path = if *json { "f.tf.json" } else { "f.tf" };
        let _ = read_module(&[(path, text, *json)], &Supplied::default());
    }
}

/// Reads every module (folder of `*.tf`/`*.tf.json`) under `$TF_MODULES` and prints what it
/// found: `TF_MODULES=/path cargo test --lib read_modules_under -- --ignored --nocapture`.
#[test]
#[ignore]
fn read_modules_under() {
    fn unknowns(v: &Json, out: &mut Vec<String>) {
        if let Some((what, _)) = as_unknown(v) {
            out.push(what.to_owned());
            return;
        }
        match v {
            Json::Object(m) => m.values().for_each(|x| unknowns(x, out)),
            Json::Array(xs) => xs.iter().for_each(|x| unknowns(x, out)),
            _ => {}
        }
    }
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut has = false;
        let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.to_string_lossy().ends_with(".tf")
                || p.to_string_lossy().ends_with(".tf.json")
            {
                has = true;
            }
        }
        if has {
            out.push(dir.to_path_buf());
        }
    }
    let root = std::env::var("TF_MODULES").expect("TF_MODULES");
    let mut dirs = Vec::new();
    walk(Path::new(&root), &mut dirs);
    for dir in dirs {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let s = p.to_string_lossy();
                s.ends_with(".tf") || s.ends_with(".tf.json")
            })
            .collect();
        paths.sort();
        let texts: Vec<(String, String, bool)> = paths
            .iter()
            .map(|p| {
                let s = p.display().to_string();
                let json = s.ends_with(".json");
                (s, std::fs::read_to_string(p).unwrap_or_default(), json)
            })
            .collect();
        let files: Vec<(&str, &str, bool)> = texts
            .iter()
            .map(|(p, t, j)| (p.as_str(), t.as_str(), *j))
            .collect();
        println!("== {}", dir.display());
        match read_module(&files, &Supplied::default()) {
            Ok(read) => {
                for r in read.iter().flat_map(|f| &f.resources) {
                    let mut u = Vec::new();
                    unknowns(&r.props, &mut u);
                    println!("  {} {} ({} unknown)", r.ty, r.id, u.len());
                    for w in u.iter().take(3) {
                        println!("      ? {w}");
                    }
                }
                let skipped: Vec<&str> = read
                    .iter()
                    .flat_map(|f| &f.skipped)
                    .map(|s| s.id.as_str())
                    .collect();
                println!("  skipped {}", skipped.len());
            }
            Err(errors) => {
                for e in errors {
                    println!("  {}", e.to_string().replace('\n', "\n  "));
                }
            }
        }
    }
}
