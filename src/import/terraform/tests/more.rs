//! ECS, Cloud Map and Route 53 shapes, files read by `file()`/`templatefile()`, and inputs
//! that must not break the reader.

use serde_json::json;

use super::{ok, resource};
use crate::import::model::{as_unknown, Supplied};
use crate::import::terraform::read_module;

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
