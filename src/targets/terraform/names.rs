//! How Terraform names things: addresses, the attributes references read, variable types,
//! output groups, and the versions the module requires.

use crate::ir::{Attr, Kind, ParamType, ResourceId};
use crate::targets::ids::tf_name;

/// The provider constraint: 6.0 renamed `aws_region`'s `name` to `region`, which the module
/// uses; 7.x is untested.
pub const AWS_PROVIDER_VERSION: &str = ">= 6.0.0, < 7.0.0";
pub const TERRAFORM_VERSION: &str = ">= 1.5.0";

/// `aws_appmesh_virtual_node.orders_v1`.
pub fn address(id: &ResourceId) -> String {
    format!("{}.{}", id.kind.info().tf_type, tf_name(id))
}

/// The attribute that reads a neutral attribute: `arn` (`id` for an ECS service), the name
/// argument, or `id`.
pub fn attribute(kind: Kind, attr: Attr) -> &'static str {
    let info = kind.info();
    match attr {
        Attr::Arn => info.tf_arn_attribute,
        // Nothing reads the name of a kind that has none.
        Attr::Name => info.name.map_or("name", |n| n.tf_argument),
        Attr::Id => info.tf_id_attribute,
        Attr::DnsName => "dns_entry[0].domain_name",
        Attr::DnsZoneId => "dns_entry[0].hosted_zone_id",
    }
}

/// The Terraform type of an input variable.
pub fn variable_type(ty: ParamType) -> &'static str {
    match ty {
        ParamType::SubnetIds | ParamType::SecurityGroupIds => "list(string)",
        ParamType::VpcId | ParamType::String | ParamType::Matching(_) => "string",
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
        "lattice_service_arns" => "Virtual service → ARN of its VPC Lattice service",
        "lattice_service_dns_names" => {
            "Virtual service → the DNS name Lattice generates (the virtual-service name is an alias of it)"
        }
        "target_group_arns" => {
            "`<node>-<port>` → ARN of its Lattice target group (register tasks that run elsewhere here)"
        }
        // The ECS groups of `airflow:` and `workloads:`, keyed like the CloudFormation outputs.
        "role_arns" => "IAM role → ARN (the execution role and one task role per task definition)",
        "task_definition_arns" => "Task definition → ARN (the revision this module registers)",
        "task_definition_families" => {
            "Task definition → family (what RunTask and the executor take)"
        }
        // Airflow on EKS.
        "irsa_role_arns" => {
            "Meshed identity (virtual node, also its service account) → ARN of its IRSA role (the service account's eks.amazonaws.com/role-arn)"
        }
        "hosted_zone_ids" => {
            "Private hosted zone → ID (the zones that resolve the virtual-service names for Envoy to intercept)"
        }
        _ => "Generated values",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The attribute each reference reads, for every kind.
    #[test]
    fn attributes_per_kind() {
        for kind in Kind::ALL {
            let arn = if kind == Kind::EcsService {
                "id"
            } else {
                "arn"
            };
            let name = match kind {
                Kind::TaskDefinition => "family",
                Kind::Dashboard => "dashboard_name",
                Kind::Alarm => "alarm_name",
                _ => "name",
            };
            assert_eq!(attribute(kind, Attr::Arn), arn, "{kind:?}");
            assert_eq!(attribute(kind, Attr::Name), name, "{kind:?}");
            let id = match kind {
                // Its `id` is `SERVICE-ID/LISTENER-ID`; rules take the listener's own.
                Kind::LatticeListener => "listener_id",
                Kind::LatticeRule => "rule_id",
                _ => "id",
            };
            assert_eq!(attribute(kind, Attr::Id), id, "{kind:?}");
            assert_eq!(
                attribute(kind, Attr::DnsName),
                "dns_entry[0].domain_name",
                "{kind:?}"
            );
        }
    }

    #[test]
    fn addresses() {
        let id = ResourceId::new(Kind::VirtualNode, "orders-v1");
        assert_eq!(address(&id), "aws_appmesh_virtual_node.orders_v1");
        let id = ResourceId::new(Kind::EcsService, "orders-v1");
        assert_eq!(address(&id), "aws_ecs_service.orders_v1");
    }
}
