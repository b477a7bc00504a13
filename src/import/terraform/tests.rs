use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

use super::*;
use crate::import::model::{as_reference, as_unknown, Supplied};

mod more;
mod roundtrip;

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
fn a_data_source_can_be_supplied_with_a_parameter() {
    let tf = r#"
data "aws_default_tags" "d" {}
resource "aws_appmesh_mesh" "m" {
  name = data.aws_default_tags.d.tags["Name"]
}
"#;
    let read = ok(
        &[("d.tf", tf)],
        &[("data.aws_default_tags.d", r#"{ tags = { Name = "shop" } }"#)],
    );
    assert_eq!(
        resource(&read, "aws_appmesh_mesh.m").props["MeshName"],
        "shop"
    );
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
            "data source `data.aws_appmesh_mesh.shared`, which Terraform reads at plan time",
            Some("--parameter 'data.aws_appmesh_mesh.shared={ name = \"VALUE\" }'")
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
fn huge_substr_lengths_and_format_precisions_do_not_panic() {
    let tf = r#"
locals {
  a = substr("abc", 1, 1e30)
  b = format("%.100000f", 1)
}
resource "aws_appmesh_mesh" "m" {
  name = local.a
  tags = { b = local.b }
}
"#;
    let read = ok(&[("p.tf", tf)], &[]);
    let m = resource(&read, "aws_appmesh_mesh.m");
    assert_eq!(m.props["MeshName"], "bc");
    assert!(
        as_unknown(&m.props["Tags"]).is_some() || m.props["Tags"].to_string().contains("precision"),
        "{}",
        m.props
    );
}
