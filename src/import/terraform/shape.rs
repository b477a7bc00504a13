//! Terraform's shape → CloudFormation's: the provider's snake_case arguments and singular
//! repeated blocks become the PascalCase properties and plural lists of the CloudFormation
//! resource of the same type; `tags` and Cloud Map `attributes` maps become `[{Key, Value}]`.
//! The inverse of `src/targets/terraform` (`value()`, `singular()`, `adapt()`).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value as Json};

use super::eval::{from_json, num_json, to_json, Val};
use crate::diagnostic::Location;
use crate::import::model;

/// The CloudFormation type of a Terraform resource type this reader maps.
pub fn cfn_type(tf: &str) -> Option<&'static str> {
    Some(match tf {
        "aws_appmesh_mesh" => "AWS::AppMesh::Mesh",
        "aws_appmesh_virtual_node" => "AWS::AppMesh::VirtualNode",
        "aws_appmesh_virtual_router" => "AWS::AppMesh::VirtualRouter",
        "aws_appmesh_route" => "AWS::AppMesh::Route",
        "aws_appmesh_virtual_service" => "AWS::AppMesh::VirtualService",
        "aws_appmesh_virtual_gateway" => "AWS::AppMesh::VirtualGateway",
        "aws_appmesh_gateway_route" => "AWS::AppMesh::GatewayRoute",
        "aws_service_discovery_private_dns_namespace" => {
            "AWS::ServiceDiscovery::PrivateDnsNamespace"
        }
        "aws_service_discovery_public_dns_namespace" => "AWS::ServiceDiscovery::PublicDnsNamespace",
        "aws_service_discovery_http_namespace" => "AWS::ServiceDiscovery::HttpNamespace",
        "aws_service_discovery_service" => "AWS::ServiceDiscovery::Service",
        "aws_route53_record" => "AWS::Route53::RecordSet",
        "aws_ecs_service" => "AWS::ECS::Service",
        "aws_ecs_task_definition" => "AWS::ECS::TaskDefinition",
        _ => return None,
    })
}

/// The name property of an App Mesh type.
fn appmesh_name(tf: &str) -> Option<&'static str> {
    Some(match tf {
        "aws_appmesh_mesh" => "MeshName",
        "aws_appmesh_virtual_node" => "VirtualNodeName",
        "aws_appmesh_virtual_router" => "VirtualRouterName",
        "aws_appmesh_route" => "RouteName",
        "aws_appmesh_virtual_service" => "VirtualServiceName",
        "aws_appmesh_virtual_gateway" => "VirtualGatewayName",
        "aws_appmesh_gateway_route" => "GatewayRouteName",
        _ => return None,
    })
}

/// Repeated App Mesh blocks (singular in Terraform) and their CloudFormation lists.
const APPMESH_LISTS: &[(&str, &str)] = &[
    ("listener", "Listeners"),
    ("backend", "Backends"),
    ("weighted_target", "WeightedTargets"),
    ("header", "Headers"),
    ("query_parameter", "QueryParameters"),
    ("metadata", "Metadata"),
    ("json", "Json"),
];

/// An App Mesh `spec` key in CloudFormation's spelling.
pub fn appmesh_key(k: &str) -> String {
    match k {
        "http" => "HTTP".into(),
        "http2" => "HTTP2".into(),
        "grpc" => "GRPC".into(),
        "tcp" => "TCP".into(),
        "aws_cloud_map" => "AWSCloudMap".into(),
        "dns" => "DNS".into(),
        "tls" => "TLS".into(),
        "acm" => "ACM".into(),
        "sds" => "SDS".into(),
        _ => match APPMESH_LISTS.iter().find(|(t, _)| *t == k) {
            Some((_, c)) => (*c).into(),
            None => pascal(k),
        },
    }
}

/// `interval_millis` → `IntervalMillis`.
pub fn pascal(k: &str) -> String {
    crate::case::pascal_case(k)
}

struct Rules {
    key: fn(&str) -> String,
    lists: &'static [(&'static str, &'static str)],
}

const APPMESH: Rules = Rules {
    key: appmesh_key,
    lists: APPMESH_LISTS,
};

fn cloudmap_key(k: &str) -> String {
    match k {
        "ttl" => "TTL".into(),
        "dns_records" => "DnsRecords".into(),
        _ => pascal(k),
    }
}

const CLOUDMAP: Rules = Rules {
    key: cloudmap_key,
    lists: &[("dns_records", "DnsRecords")],
};

const PLAIN: Rules = Rules {
    key: pascal,
    lists: &[],
};

/// Maps one resource instance.
pub struct Mapper<'a> {
    tf_locs: &'a BTreeMap<String, Location>,
    pub locations: BTreeMap<String, Location>,
    /// (TF path, message) of values that are wrong, not merely unknown.
    pub errors: Vec<(String, String)>,
    /// Task definition family → address, for `task_definition = "family"`.
    families: &'a BTreeMap<String, String>,
}

impl<'a> Mapper<'a> {
    pub fn new(
        tf_locs: &'a BTreeMap<String, Location>,
        families: &'a BTreeMap<String, String>,
    ) -> Mapper<'a> {
        Mapper {
            tf_locs,
            locations: BTreeMap::new(),
            errors: Vec::new(),
            families,
        }
    }

    fn loc(&mut self, tf: &str, cfn: &str) {
        let l = self
            .tf_locs
            .get(tf)
            .or_else(|| self.tf_locs.get(&model::index_path(tf, 0)));
        if let Some(l) = l {
            self.locations.entry(cfn.to_owned()).or_insert(*l);
        }
    }

    /// The CloudFormation properties of a resource of type `tf` with arguments `args`.
    pub fn map(&mut self, tf: &str, args: &BTreeMap<String, Val>) -> Json {
        let mut props = Map::new();
        if let Some(name_prop) = appmesh_name(tf) {
            for (k, v) in args {
                let cfn = match k.as_str() {
                    "name" => name_prop,
                    "mesh_name" => "MeshName",
                    "mesh_owner" => "MeshOwner",
                    "virtual_router_name" if tf == "aws_appmesh_route" => "VirtualRouterName",
                    "virtual_gateway_name" if tf == "aws_appmesh_gateway_route" => {
                        "VirtualGatewayName"
                    }
                    "spec" => {
                        let (v, tp) = single(v, "spec");
                        let j = self.convert(v, &tp, "Spec", &APPMESH);
                        self.loc("spec", "Spec");
                        props.insert("Spec".into(), j);
                        continue;
                    }
                    "tags" => {
                        self.tags(v, &mut props);
                        continue;
                    }
                    _ => continue,
                };
                self.leaf(&mut props, k, cfn, v);
            }
            return Json::Object(props);
        }
        match tf {
            "aws_service_discovery_private_dns_namespace"
            | "aws_service_discovery_public_dns_namespace"
            | "aws_service_discovery_http_namespace" => {
                for (k, v) in args {
                    match k.as_str() {
                        "name" | "vpc" | "description" => self.leaf(&mut props, k, &pascal(k), v),
                        "tags" => self.tags(v, &mut props),
                        _ => {}
                    }
                }
            }
            "aws_service_discovery_service" => {
                for (k, v) in args {
                    match k.as_str() {
                        "name" | "namespace_id" | "description" | "type" => {
                            self.leaf(&mut props, k, &pascal(k), v)
                        }
                        "dns_config" | "health_check_custom_config" | "health_check_config" => {
                            let (v, tp) = single(v, k);
                            let cfn = pascal(k);
                            let j = self.convert(v, &tp, &cfn, &CLOUDMAP);
                            self.loc(k, &cfn);
                            props.insert(cfn, j);
                        }
                        "tags" => self.tags(v, &mut props),
                        _ => {}
                    }
                }
            }
            "aws_route53_record" => {
                for (k, v) in args {
                    let cfn = match k.as_str() {
                        "name" => "Name",
                        "type" => "Type",
                        "zone_id" => "HostedZoneId",
                        "records" => "ResourceRecords",
                        "set_identifier" => "SetIdentifier",
                        "health_check_id" => "HealthCheckId",
                        "ttl" => {
                            // CloudFormation's TTL is a string.
                            self.loc(k, "TTL");
                            props.insert("TTL".into(), stringly(v));
                            continue;
                        }
                        "alias" => {
                            let (v, tp) = single(v, k);
                            let mut o = Map::new();
                            if let Val::Map(m) = v {
                                for (ak, av) in m {
                                    let c = match ak.as_str() {
                                        "name" => "DNSName",
                                        "zone_id" => "HostedZoneId",
                                        "evaluate_target_health" => "EvaluateTargetHealth",
                                        _ => continue,
                                    };
                                    let p = model::prop_path("AliasTarget", c);
                                    self.loc(&model::prop_path(&tp, ak), &p);
                                    o.insert(c.into(), to_json(av));
                                }
                            }
                            self.loc(k, "AliasTarget");
                            props.insert("AliasTarget".into(), Json::Object(o));
                            continue;
                        }
                        "weighted_routing_policy" => {
                            let (v, tp) = single(v, k);
                            if let Val::Map(m) = v {
                                if let Some(w) = m.get("weight") {
                                    self.loc(&model::prop_path(&tp, "weight"), "Weight");
                                    props.insert("Weight".into(), to_json(w));
                                }
                            }
                            continue;
                        }
                        _ => continue,
                    };
                    self.leaf(&mut props, k, cfn, v);
                }
            }
            "aws_ecs_task_definition" => {
                for (k, v) in args {
                    let cfn = match k.as_str() {
                        "family" => "Family",
                        "network_mode" => "NetworkMode",
                        "requires_compatibilities" => "RequiresCompatibilities",
                        "execution_role_arn" => "ExecutionRoleArn",
                        "task_role_arn" => "TaskRoleArn",
                        "cpu" | "memory" => {
                            // Strings in CloudFormation, either in Terraform.
                            let c = pascal(k);
                            self.loc(k, &c);
                            props.insert(c, stringly(v));
                            continue;
                        }
                        "container_definitions" => {
                            let j = self.containers(v);
                            self.loc(k, "ContainerDefinitions");
                            props.insert("ContainerDefinitions".into(), j);
                            continue;
                        }
                        "proxy_configuration" => {
                            let j = self.proxy(v);
                            self.loc(k, "ProxyConfiguration");
                            props.insert("ProxyConfiguration".into(), j);
                            continue;
                        }
                        "tags" => {
                            self.tags(v, &mut props);
                            continue;
                        }
                        _ => continue,
                    };
                    self.leaf(&mut props, k, cfn, v);
                }
            }
            "aws_ecs_service" => {
                for (k, v) in args {
                    let cfn = match k.as_str() {
                        "name" => "ServiceName",
                        "cluster" => "Cluster",
                        "desired_count" => "DesiredCount",
                        "launch_type" => "LaunchType",
                        "propagate_tags" => "PropagateTags",
                        "enable_execute_command" => "EnableExecuteCommand",
                        "platform_version" => "PlatformVersion",
                        "task_definition" => {
                            let j = self.task_definition(v);
                            self.loc(k, "TaskDefinition");
                            props.insert("TaskDefinition".into(), j);
                            continue;
                        }
                        "service_registries" | "load_balancer" => {
                            let cfn = if k == "load_balancer" {
                                "LoadBalancers"
                            } else {
                                "ServiceRegistries"
                            };
                            let items = items(v, k);
                            let list: Vec<Json> = items
                                .iter()
                                .enumerate()
                                .map(|(i, (x, tp))| {
                                    self.convert(x, tp, &model::index_path(cfn, i), &PLAIN)
                                })
                                .collect();
                            self.loc(k, cfn);
                            props.insert(cfn.into(), Json::Array(list));
                            continue;
                        }
                        "network_configuration" => {
                            let j = self.network(v);
                            self.loc(k, "NetworkConfiguration");
                            props.insert("NetworkConfiguration".into(), j);
                            continue;
                        }
                        "tags" => {
                            self.tags(v, &mut props);
                            continue;
                        }
                        _ => continue,
                    };
                    self.leaf(&mut props, k, cfn, v);
                }
            }
            _ => {}
        }
        Json::Object(props)
    }

    fn leaf(&mut self, props: &mut Map<String, Json>, tf: &str, cfn: &str, v: &Val) {
        self.loc(tf, cfn);
        let (v, _) = single(v, tf);
        props.insert(cfn.to_owned(), to_json(v));
    }

    /// Nested blocks and objects, by `rules`.
    fn convert(&mut self, v: &Val, tf: &str, cfn: &str, rules: &Rules) -> Json {
        match v {
            Val::Map(m) => {
                let mut o = Map::new();
                for (k, x) in m {
                    if matches!(x, Val::Null) {
                        continue;
                    }
                    let tp = model::prop_path(tf, k);
                    if k == "attributes" {
                        let ck = model::prop_path(cfn, "Attributes");
                        let (x, xp) = single(x, &tp);
                        let j = self.key_values(x, &xp, &ck, "Key");
                        self.loc(&tp, &ck);
                        o.insert("Attributes".into(), j);
                        continue;
                    }
                    let key = (rules.key)(k);
                    let cp = model::prop_path(cfn, &key);
                    self.loc(&tp, &cp);
                    let j = if let Some((_, plural)) = rules.lists.iter().find(|(t, _)| t == k) {
                        let cp = model::prop_path(cfn, plural);
                        let list: Vec<Json> = items(x, &tp)
                            .iter()
                            .enumerate()
                            .map(|(i, (y, yp))| {
                                let ip = model::index_path(&cp, i);
                                self.loc(yp, &ip);
                                self.convert(y, yp, &ip, rules)
                            })
                            .collect();
                        o.insert((*plural).to_owned(), Json::Array(list));
                        continue;
                    } else {
                        let (y, yp) = single(x, &tp);
                        self.convert(y, &yp, &cp, rules)
                    };
                    o.insert(key, j);
                }
                Json::Object(o)
            }
            Val::List(xs) => Json::Array(
                xs.iter()
                    .enumerate()
                    .map(|(i, x)| {
                        let tp = model::index_path(tf, i);
                        let cp = model::index_path(cfn, i);
                        self.loc(&tp, &cp);
                        self.convert(x, &tp, &cp, rules)
                    })
                    .collect(),
            ),
            other => to_json(other),
        }
    }

    /// `{k = v}` → `[{Key: k, Value: v}]` (sorted by key; `Name` for name/value pairs).
    fn key_values(&mut self, v: &Val, tf: &str, cfn: &str, key: &str) -> Json {
        match v {
            Val::Map(m) => Json::Array(
                m.iter()
                    .filter(|(_, x)| !matches!(x, Val::Null))
                    .enumerate()
                    .map(|(i, (k, x))| {
                        self.loc(&model::prop_path(tf, k), &model::index_path(cfn, i));
                        json!({ key: k, "Value": stringly(x) })
                    })
                    .collect(),
            ),
            other => to_json(other),
        }
    }

    fn tags(&mut self, v: &Val, props: &mut Map<String, Json>) {
        let (v, tp) = single(v, "tags");
        let j = self.key_values(v, &tp, "Tags", "Key");
        self.loc("tags", "Tags");
        props.insert("Tags".into(), j);
    }

    fn containers(&mut self, v: &Val) -> Json {
        let value = match v {
            Val::Json(inner) => (**inner).clone(),
            Val::Str(s) => match serde_json::from_str::<Json>(s) {
                Ok(j) => from_json(&j),
                Err(e) => {
                    self.errors.push((
                        "container_definitions".into(),
                        format!("container_definitions is not JSON: {e}"),
                    ));
                    return model::unknown("container_definitions is not JSON", None);
                }
            },
            other => return to_json(other),
        };
        pascal_keys(&to_json(&value), false)
    }

    fn proxy(&mut self, v: &Val) -> Json {
        let (v, tp) = single(v, "proxy_configuration");
        let Val::Map(m) = v else {
            return to_json(v);
        };
        let mut o = Map::new();
        for (k, x) in m {
            match k.as_str() {
                "type" | "container_name" => {
                    let c = pascal(k);
                    self.loc(
                        &model::prop_path(&tp, k),
                        &model::prop_path("ProxyConfiguration", &c),
                    );
                    o.insert(c, to_json(x));
                }
                "properties" => {
                    let (x, xp) = single(x, &model::prop_path(&tp, k));
                    let cp = "ProxyConfiguration.ProxyConfigurationProperties";
                    self.loc(&model::prop_path(&tp, k), cp);
                    let j = self.key_values(x, &xp, cp, "Name");
                    o.insert("ProxyConfigurationProperties".into(), j);
                }
                _ => {}
            }
        }
        Json::Object(o)
    }

    fn task_definition(&mut self, v: &Val) -> Json {
        match v {
            Val::Ref(id, _) if id.starts_with("aws_ecs_task_definition.") => {
                model::reference(id, "Arn")
            }
            Val::Str(s) => {
                let family = s.split(':').next().unwrap_or(s);
                match self.families.get(family) {
                    Some(addr) => model::reference(addr, "Arn"),
                    None => json!(s),
                }
            }
            other => to_json(other),
        }
    }

    fn network(&mut self, v: &Val) -> Json {
        let (v, tp) = single(v, "network_configuration");
        let Val::Map(m) = v else {
            return to_json(v);
        };
        let base = "NetworkConfiguration.AwsvpcConfiguration";
        let mut o = Map::new();
        for (k, x) in m {
            let c = match k.as_str() {
                "subnets" => "Subnets",
                "security_groups" => "SecurityGroups",
                "assign_public_ip" => {
                    let j = match x {
                        Val::Bool(true) => json!("ENABLED"),
                        Val::Bool(false) => json!("DISABLED"),
                        Val::Str(s) if s == "true" => json!("ENABLED"),
                        Val::Str(s) if s == "false" => json!("DISABLED"),
                        other => to_json(other),
                    };
                    self.loc(
                        &model::prop_path(&tp, k),
                        &model::prop_path(base, "AssignPublicIp"),
                    );
                    o.insert("AssignPublicIp".into(), j);
                    continue;
                }
                _ => continue,
            };
            self.loc(&model::prop_path(&tp, k), &model::prop_path(base, c));
            o.insert(c.into(), to_json(x));
        }
        json!({ "AwsvpcConfiguration": o })
    }
}

/// A block written once: `[x]` → `x` with the TF path of the element.
fn single<'v>(v: &'v Val, tf: &str) -> (&'v Val, String) {
    match v {
        Val::List(xs) if xs.len() == 1 && matches!(xs[0], Val::Map(_)) => {
            (&xs[0], model::index_path(tf, 0))
        }
        _ => (v, tf.to_owned()),
    }
}

/// A repeated block's elements with their TF paths (a single object counts as one).
fn items<'v>(v: &'v Val, tf: &str) -> Vec<(&'v Val, String)> {
    match v {
        Val::List(xs) => xs
            .iter()
            .enumerate()
            .map(|(i, x)| (x, model::index_path(tf, i)))
            .collect(),
        Val::Null => vec![],
        other => vec![(other, tf.to_owned())],
    }
}

/// A value CloudFormation wants as a string (numbers and bools written as strings).
fn stringly(v: &Val) -> Json {
    match v {
        Val::Num(x) => match num_json(*x) {
            Json::Number(n) => json!(n.to_string()),
            other => other,
        },
        Val::Bool(b) => json!(b.to_string()),
        other => to_json(other),
    }
}

/// ECS API JSON (camelCase) → CloudFormation (PascalCase), leaving the keys of user maps
/// (`options`, `dockerLabels`) alone.
fn pascal_keys(j: &Json, user_keys: bool) -> Json {
    match j {
        Json::Object(m) if m.contains_key(model::REF) || m.contains_key(model::UNKNOWN) => {
            j.clone()
        }
        Json::Object(m) => Json::Object(
            m.iter()
                .map(|(k, v)| {
                    let user = matches!(k.as_str(), "options" | "dockerLabels");
                    let key = if user_keys {
                        k.clone()
                    } else {
                        let mut c = k.chars();
                        c.next()
                            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                            .unwrap_or_default()
                    };
                    let v = if user_keys {
                        v.clone()
                    } else {
                        pascal_keys(v, user)
                    };
                    (key, v)
                })
                .collect(),
        ),
        Json::Array(xs) => Json::Array(xs.iter().map(|x| pascal_keys(x, user_keys)).collect()),
        other => other.clone(),
    }
}
