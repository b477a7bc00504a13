//! How Terraform names things: resource types, addresses, the name argument, variable types,
//! output groups, and the versions the module requires.

use crate::ir::{Kind, ParamType, ResourceId};
use crate::targets::ids::tf_name;

/// The provider constraint: 6.0 renamed `aws_region`'s `name` to `region`, which the module
/// uses; 7.x is untested.
pub const AWS_PROVIDER_VERSION: &str = ">= 6.0.0, < 7.0.0";
pub const TERRAFORM_VERSION: &str = ">= 1.5.0";

pub fn resource_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Mesh => "aws_appmesh_mesh",
        Kind::VirtualNode => "aws_appmesh_virtual_node",
        Kind::VirtualRouter => "aws_appmesh_virtual_router",
        Kind::Route => "aws_appmesh_route",
        Kind::VirtualService => "aws_appmesh_virtual_service",
        Kind::VirtualGateway => "aws_appmesh_virtual_gateway",
        Kind::GatewayRoute => "aws_appmesh_gateway_route",
        Kind::CloudMapNamespace => "aws_service_discovery_private_dns_namespace",
        Kind::CloudMapService => "aws_service_discovery_service",
        Kind::EcsCluster => "aws_ecs_cluster",
        Kind::LogGroup => "aws_cloudwatch_log_group",
        Kind::IamRole => "aws_iam_role",
        Kind::IamRolePolicy => "aws_iam_role_policy",
        Kind::TaskDefinition => "aws_ecs_task_definition",
        Kind::EcsService => "aws_ecs_service",
        Kind::ClusterCapacityProviders => "aws_ecs_cluster_capacity_providers",
    }
}

/// The argument that holds the resource's own name.
pub fn name_argument(kind: Kind) -> &'static str {
    match kind {
        Kind::TaskDefinition => "family",
        _ => "name",
    }
}

/// `aws_appmesh_virtual_node.orders_v1`.
pub fn address(id: &ResourceId) -> String {
    format!("{}.{}", resource_type(id.kind), tf_name(id))
}

/// The Terraform type of an input variable.
pub fn variable_type(ty: ParamType) -> &'static str {
    match ty {
        ParamType::SubnetIds | ParamType::SecurityGroupIds => "list(string)",
        ParamType::VpcId | ParamType::String => "string",
    }
}

pub fn group_description(group: &str) -> &'static str {
    match group {
        "virtual_node_arns" => {
            "Virtual node name → ARN (APPMESH_RESOURCE_ARN of each node's Envoy)"
        }
        "virtual_service_names" => "Virtual service key → name (the host names clients call)",
        "virtual_gateway_arns" => {
            "Virtual gateway name → ARN (APPMESH_RESOURCE_ARN of each gateway's Envoy)"
        }
        "cloud_map_service_arns" => "Cloud Map service name → ARN (for ECS ServiceRegistries)",
        // The ECS groups of `airflow:` and `workloads:`, keyed like the CloudFormation outputs.
        "role_arns" => "IAM role → ARN (the execution role and one task role per task definition)",
        "task_definition_arns" => "Task definition → ARN (the revision this module registers)",
        "task_definition_families" => {
            "Task definition → family (what RunTask and the executor take)"
        }
        _ => "Generated values",
    }
}
