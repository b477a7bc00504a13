//! The resource kinds, and everything meshsynth knows about each one, declared once.
//!
//! Adding a resource kind means three things:
//! 1. a variant of [`Kind`], placed where it should sort (the derived `Ord` orders the
//!    resources of every output file), and listed at the same place in `all_kinds!` (the
//!    compiler asks for it);
//! 2. its descriptor, the [`TypeInfo`] arm of [`Kind::info`] (the compiler asks for it);
//! 3. its lowering, in `lower/`, which builds its API-shaped properties.
//!
//! Renderers and identifiers read the descriptor; only Terraform's `adapt` still matches on
//! the kind, for argument *shapes* that differ from the API's.

use super::Attr;

/// What kind of thing a resource is, independent of any IaC tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Mesh,
    VirtualNode,
    VirtualRouter,
    Route,
    VirtualService,
    VirtualGateway,
    GatewayRoute,
    CloudMapNamespace,
    CloudMapService,
    ServiceNetwork,
    ServiceNetworkVpcAssociation,
    LatticeService,
    ServiceNetworkServiceAssociation,
    LatticeListener,
    LatticeRule,
    TargetGroup,
    AuthPolicy,
    AccessLogSubscription,
    HostedZone,
    RecordSet,
    SecurityGroup,
    SecurityGroupIngress,
    EcsCluster,
    LogGroup,
    IamRole,
    IamRolePolicy,
    TaskDefinition,
    EcsService,
    ClusterCapacityProviders,
    SnsTopic,
    Dashboard,
    Alarm,
    QueryDefinition,
}

/// The facts of one resource kind.
#[derive(Debug, PartialEq, Eq)]
pub struct TypeInfo {
    /// How messages name the kind: `virtual node`.
    pub label: &'static str,
    /// The PascalCase prefix of its CloudFormation logical IDs: `VirtualNode`.
    pub noun: &'static str,
    /// The CloudFormation resource type: `AWS::AppMesh::VirtualNode`.
    pub cfn_type: &'static str,
    /// The Terraform resource type: `aws_appmesh_virtual_node`.
    pub tf_type: &'static str,
    /// The property that holds the resource's own name, when the type has one.
    pub name: Option<NameField>,
    /// Which attribute a template reads with CloudFormation's `Ref`.
    pub cfn_ref: CfnRef,
    /// The Terraform attribute that holds the ARN: `arn`, or `id` where the provider has no
    /// `arn` attribute (`aws_ecs_service`, whose `id` is its ARN).
    pub tf_arn_attribute: &'static str,
    /// Whether the type takes tags.
    pub taggable: bool,
    /// The CloudFormation property that holds the tags (`Tags`; `HostedZoneTags` for a hosted
    /// zone).
    pub cfn_tags: &'static str,
    /// The Terraform attribute that holds the resource's own ID: `id`, or `listener_id` for a
    /// Lattice listener (whose `id` is `SERVICE-ID/LISTENER-ID`).
    pub tf_id_attribute: &'static str,
}

/// The property holding a resource's own name, in the API's and the provider's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameField {
    /// The API (and CloudFormation) property, also the `Fn::GetAtt` attribute that reads it:
    /// `VirtualNodeName`.
    pub property: &'static str,
    /// The Terraform argument (and attribute) it becomes: `name`, or `family` for a task
    /// definition.
    pub tf_argument: &'static str,
}

/// The one attribute of a kind that a CloudFormation template reads with `Ref`; it reads every
/// other attribute with `Fn::GetAtt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CfnRef {
    /// `Ref` returns the resource's name.
    Name,
    /// `Ref` returns the resource's ARN.
    Arn,
    /// `Ref` returns the resource's ID (a security group's, a hosted zone's).
    Id,
    /// The template reads every attribute with `Fn::GetAtt` (whatever `Ref` would return).
    GetAttOnly,
}

impl CfnRef {
    /// Whether a template reads `attr` with `Ref`.
    pub fn reads(self, attr: Attr) -> bool {
        matches!(
            (self, attr),
            (CfnRef::Name, Attr::Name) | (CfnRef::Arn, Attr::Arn) | (CfnRef::Id, Attr::Id)
        )
    }
}

/// Declares [`Kind::ALL`] from one list, and makes a variant missing from it a compile error.
macro_rules! all_kinds {
    ($($kind:ident),* $(,)?) => {
        impl Kind {
            /// Every kind, in declaration (and so output) order.
            pub const ALL: [Kind; [$(Kind::$kind),*].len()] = [$(Kind::$kind),*];
        }
        // Exhaustive: does not compile while a variant is missing from the list.
        const _: fn(Kind) = |kind| match kind {
            $(Kind::$kind)|* => {}
        };
    };
}

all_kinds![
    Mesh,
    VirtualNode,
    VirtualRouter,
    Route,
    VirtualService,
    VirtualGateway,
    GatewayRoute,
    CloudMapNamespace,
    CloudMapService,
    ServiceNetwork,
    ServiceNetworkVpcAssociation,
    LatticeService,
    ServiceNetworkServiceAssociation,
    LatticeListener,
    LatticeRule,
    TargetGroup,
    AuthPolicy,
    AccessLogSubscription,
    HostedZone,
    RecordSet,
    SecurityGroup,
    SecurityGroupIngress,
    EcsCluster,
    LogGroup,
    IamRole,
    IamRolePolicy,
    TaskDefinition,
    EcsService,
    ClusterCapacityProviders,
    SnsTopic,
    Dashboard,
    Alarm,
    QueryDefinition,
];

// And in declaration order without gaps: so sorted by `Ord`, and without duplicates.
const _: () = {
    let mut i = 0;
    while i < Kind::ALL.len() {
        assert!(
            Kind::ALL[i] as usize == i,
            "Kind::ALL is not in declaration order"
        );
        i += 1;
    }
};

impl Kind {
    /// The kind's descriptor: the one place its facts are declared.
    pub const fn info(self) -> &'static TypeInfo {
        match self {
            Kind::Mesh => &TypeInfo {
                label: "mesh",
                noun: "Mesh",
                cfn_type: "AWS::AppMesh::Mesh",
                tf_type: "aws_appmesh_mesh",
                name: Some(NameField {
                    property: "MeshName",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::GetAttOnly,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::VirtualNode => &TypeInfo {
                label: "virtual node",
                noun: "VirtualNode",
                cfn_type: "AWS::AppMesh::VirtualNode",
                tf_type: "aws_appmesh_virtual_node",
                name: Some(NameField {
                    property: "VirtualNodeName",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::GetAttOnly,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::VirtualRouter => &TypeInfo {
                label: "virtual router",
                noun: "VirtualRouter",
                cfn_type: "AWS::AppMesh::VirtualRouter",
                tf_type: "aws_appmesh_virtual_router",
                name: Some(NameField {
                    property: "VirtualRouterName",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::GetAttOnly,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::Route => &TypeInfo {
                label: "route",
                noun: "Route",
                cfn_type: "AWS::AppMesh::Route",
                tf_type: "aws_appmesh_route",
                name: Some(NameField {
                    property: "RouteName",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::GetAttOnly,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::VirtualService => &TypeInfo {
                label: "virtual service",
                noun: "VirtualService",
                cfn_type: "AWS::AppMesh::VirtualService",
                tf_type: "aws_appmesh_virtual_service",
                name: Some(NameField {
                    property: "VirtualServiceName",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::GetAttOnly,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::VirtualGateway => &TypeInfo {
                label: "virtual gateway",
                noun: "VirtualGateway",
                cfn_type: "AWS::AppMesh::VirtualGateway",
                tf_type: "aws_appmesh_virtual_gateway",
                name: Some(NameField {
                    property: "VirtualGatewayName",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::GetAttOnly,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::GatewayRoute => &TypeInfo {
                label: "gateway route",
                noun: "GatewayRoute",
                cfn_type: "AWS::AppMesh::GatewayRoute",
                tf_type: "aws_appmesh_gateway_route",
                name: Some(NameField {
                    property: "GatewayRouteName",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::GetAttOnly,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::CloudMapNamespace => &TypeInfo {
                label: "Cloud Map namespace",
                noun: "CloudMapNamespace",
                cfn_type: "AWS::ServiceDiscovery::PrivateDnsNamespace",
                tf_type: "aws_service_discovery_private_dns_namespace",
                name: Some(NameField {
                    property: "Name",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::GetAttOnly,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::CloudMapService => &TypeInfo {
                label: "Cloud Map service",
                noun: "CloudMapService",
                cfn_type: "AWS::ServiceDiscovery::Service",
                tf_type: "aws_service_discovery_service",
                name: Some(NameField {
                    property: "Name",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::GetAttOnly,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::ServiceNetwork => &TypeInfo {
                label: "service network",
                noun: "ServiceNetwork",
                cfn_type: "AWS::VpcLattice::ServiceNetwork",
                tf_type: "aws_vpclattice_service_network",
                name: Some(NameField {
                    property: "Name",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::Arn,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::ServiceNetworkVpcAssociation => &TypeInfo {
                label: "service network VPC association",
                noun: "ServiceNetworkVpcAssociation",
                cfn_type: "AWS::VpcLattice::ServiceNetworkVpcAssociation",
                tf_type: "aws_vpclattice_service_network_vpc_association",
                name: None,
                cfn_ref: CfnRef::Arn,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::LatticeService => &TypeInfo {
                label: "Lattice service",
                noun: "LatticeService",
                cfn_type: "AWS::VpcLattice::Service",
                tf_type: "aws_vpclattice_service",
                name: Some(NameField {
                    property: "Name",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::Arn,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::ServiceNetworkServiceAssociation => &TypeInfo {
                label: "service network service association",
                noun: "ServiceNetworkServiceAssociation",
                cfn_type: "AWS::VpcLattice::ServiceNetworkServiceAssociation",
                tf_type: "aws_vpclattice_service_network_service_association",
                name: None,
                cfn_ref: CfnRef::Arn,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::LatticeListener => &TypeInfo {
                label: "Lattice listener",
                noun: "LatticeListener",
                cfn_type: "AWS::VpcLattice::Listener",
                tf_type: "aws_vpclattice_listener",
                name: Some(NameField {
                    property: "Name",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::Arn,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "listener_id",
            },
            Kind::LatticeRule => &TypeInfo {
                label: "Lattice rule",
                noun: "LatticeRule",
                cfn_type: "AWS::VpcLattice::Rule",
                tf_type: "aws_vpclattice_listener_rule",
                name: Some(NameField {
                    property: "Name",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::Arn,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "rule_id",
            },
            Kind::TargetGroup => &TypeInfo {
                label: "target group",
                noun: "TargetGroup",
                cfn_type: "AWS::VpcLattice::TargetGroup",
                tf_type: "aws_vpclattice_target_group",
                name: Some(NameField {
                    property: "Name",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::Arn,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::AuthPolicy => &TypeInfo {
                label: "auth policy",
                noun: "AuthPolicy",
                cfn_type: "AWS::VpcLattice::AuthPolicy",
                tf_type: "aws_vpclattice_auth_policy",
                name: None,
                cfn_ref: CfnRef::GetAttOnly,
                tf_arn_attribute: "arn",
                taggable: false,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::AccessLogSubscription => &TypeInfo {
                label: "access log subscription",
                noun: "AccessLogSubscription",
                cfn_type: "AWS::VpcLattice::AccessLogSubscription",
                tf_type: "aws_vpclattice_access_log_subscription",
                name: None,
                cfn_ref: CfnRef::Arn,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::HostedZone => &TypeInfo {
                label: "hosted zone",
                noun: "HostedZone",
                cfn_type: "AWS::Route53::HostedZone",
                tf_type: "aws_route53_zone",
                name: Some(NameField {
                    property: "Name",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::Id,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "HostedZoneTags",
                tf_id_attribute: "id",
            },
            Kind::RecordSet => &TypeInfo {
                label: "DNS record",
                noun: "RecordSet",
                cfn_type: "AWS::Route53::RecordSet",
                tf_type: "aws_route53_record",
                name: Some(NameField {
                    property: "Name",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::GetAttOnly,
                tf_arn_attribute: "arn",
                taggable: false,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::SecurityGroup => &TypeInfo {
                label: "security group",
                noun: "SecurityGroup",
                cfn_type: "AWS::EC2::SecurityGroup",
                tf_type: "aws_security_group",
                name: Some(NameField {
                    property: "GroupName",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::Id,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::SecurityGroupIngress => &TypeInfo {
                label: "security group ingress rule",
                noun: "SecurityGroupIngress",
                cfn_type: "AWS::EC2::SecurityGroupIngress",
                tf_type: "aws_vpc_security_group_ingress_rule",
                name: None,
                cfn_ref: CfnRef::GetAttOnly,
                tf_arn_attribute: "arn",
                taggable: false,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::EcsCluster => &TypeInfo {
                label: "ECS cluster",
                noun: "EcsCluster",
                cfn_type: "AWS::ECS::Cluster",
                tf_type: "aws_ecs_cluster",
                name: Some(NameField {
                    property: "ClusterName",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::Name,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::LogGroup => &TypeInfo {
                label: "log group",
                noun: "LogGroup",
                cfn_type: "AWS::Logs::LogGroup",
                tf_type: "aws_cloudwatch_log_group",
                name: Some(NameField {
                    property: "LogGroupName",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::Name,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::IamRole => &TypeInfo {
                label: "IAM role",
                noun: "Role",
                cfn_type: "AWS::IAM::Role",
                tf_type: "aws_iam_role",
                name: Some(NameField {
                    property: "RoleName",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::Name,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::IamRolePolicy => &TypeInfo {
                label: "IAM role policy",
                noun: "RolePolicy",
                cfn_type: "AWS::IAM::RolePolicy",
                tf_type: "aws_iam_role_policy",
                name: Some(NameField {
                    property: "PolicyName",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::GetAttOnly,
                tf_arn_attribute: "arn",
                taggable: false,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::TaskDefinition => &TypeInfo {
                label: "task definition",
                noun: "TaskDefinition",
                cfn_type: "AWS::ECS::TaskDefinition",
                tf_type: "aws_ecs_task_definition",
                name: Some(NameField {
                    property: "Family",
                    tf_argument: "family",
                }),
                cfn_ref: CfnRef::Arn,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::EcsService => &TypeInfo {
                label: "ECS service",
                noun: "EcsService",
                cfn_type: "AWS::ECS::Service",
                tf_type: "aws_ecs_service",
                name: Some(NameField {
                    property: "ServiceName",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::Arn,
                tf_arn_attribute: "id",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::ClusterCapacityProviders => &TypeInfo {
                label: "cluster capacity providers",
                noun: "ClusterCapacityProviders",
                cfn_type: "AWS::ECS::ClusterCapacityProviderAssociations",
                tf_type: "aws_ecs_cluster_capacity_providers",
                name: None,
                cfn_ref: CfnRef::GetAttOnly,
                tf_arn_attribute: "arn",
                taggable: false,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::SnsTopic => &TypeInfo {
                label: "SNS topic",
                noun: "Topic",
                cfn_type: "AWS::SNS::Topic",
                tf_type: "aws_sns_topic",
                name: Some(NameField {
                    property: "TopicName",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::Arn,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::Dashboard => &TypeInfo {
                label: "dashboard",
                noun: "Dashboard",
                cfn_type: "AWS::CloudWatch::Dashboard",
                tf_type: "aws_cloudwatch_dashboard",
                name: Some(NameField {
                    property: "DashboardName",
                    tf_argument: "dashboard_name",
                }),
                cfn_ref: CfnRef::Name,
                tf_arn_attribute: "arn",
                taggable: false,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::Alarm => &TypeInfo {
                label: "alarm",
                noun: "Alarm",
                cfn_type: "AWS::CloudWatch::Alarm",
                tf_type: "aws_cloudwatch_metric_alarm",
                name: Some(NameField {
                    property: "AlarmName",
                    tf_argument: "alarm_name",
                }),
                cfn_ref: CfnRef::Name,
                tf_arn_attribute: "arn",
                taggable: true,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
            Kind::QueryDefinition => &TypeInfo {
                label: "saved query",
                noun: "QueryDefinition",
                cfn_type: "AWS::Logs::QueryDefinition",
                tf_type: "aws_cloudwatch_query_definition",
                name: Some(NameField {
                    property: "Name",
                    tf_argument: "name",
                }),
                cfn_ref: CfnRef::Id,
                tf_arn_attribute: "arn",
                taggable: false,
                cfn_tags: "Tags",
                tf_id_attribute: "id",
            },
        }
    }

    /// How messages name the kind.
    pub fn label(self) -> &'static str {
        self.info().label
    }

    /// Whether the resource type takes tags.
    pub fn taggable(self) -> bool {
        self.info().taggable
    }

    /// The kind of a CloudFormation resource type.
    pub fn from_cfn_type(ty: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.info().cfn_type == ty)
    }

    /// The kind of a Terraform resource type.
    pub fn from_tf_type(ty: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.info().tf_type == ty)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// `all_kinds!` already refuses to compile without every variant; this spells out the rest.
    #[test]
    fn all_lists_every_kind_once_in_order() {
        for (i, k) in Kind::ALL.into_iter().enumerate() {
            assert_eq!(k as usize, i, "{k:?}");
        }
        assert!(Kind::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn types_labels_and_nouns_are_unique() {
        let unique = |f: fn(&TypeInfo) -> &'static str| {
            Kind::ALL
                .iter()
                .map(|k| f(k.info()))
                .collect::<BTreeSet<_>>()
                .len()
        };
        assert_eq!(unique(|i| i.cfn_type), Kind::ALL.len());
        assert_eq!(unique(|i| i.tf_type), Kind::ALL.len());
        assert_eq!(unique(|i| i.label), Kind::ALL.len());
        // Logical IDs share one namespace (a noun that is another's prefix, `Role` of
        // `RolePolicy`, is fine: `ids::check_collisions` catches what would meet).
        assert_eq!(unique(|i| i.noun), Kind::ALL.len());
    }

    #[test]
    fn types_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_cfn_type(k.info().cfn_type), Some(k));
            assert_eq!(Kind::from_tf_type(k.info().tf_type), Some(k));
        }
        assert_eq!(Kind::from_cfn_type("AWS::EC2::VPC"), None);
        assert_eq!(Kind::from_tf_type("aws_vpc"), None);
    }

    #[test]
    fn types_are_spelled_by_their_tool() {
        for k in Kind::ALL {
            let i = k.info();
            let parts: Vec<&str> = i.cfn_type.split("::").collect();
            assert!(
                parts.len() == 3
                    && parts[0] == "AWS"
                    && !parts[1].is_empty()
                    && !parts[2].is_empty(),
                "{}",
                i.cfn_type
            );
            assert!(i.tf_type.starts_with("aws_"), "{}", i.tf_type);
            assert!(
                i.tf_type
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{}",
                i.tf_type
            );
            assert!(
                i.noun.starts_with(|c: char| c.is_ascii_uppercase()),
                "{}",
                i.noun
            );
            assert!(
                i.noun.chars().all(|c| c.is_ascii_alphanumeric()),
                "{}",
                i.noun
            );
            assert!(["arn", "id"].contains(&i.tf_arn_attribute));
        }
    }

    /// The CloudFormation types, spelled out once more: a typo in the table would otherwise
    /// only show as a changed template.
    #[test]
    fn cfn_types() {
        let expected = [
            (Kind::Mesh, "AWS::AppMesh::Mesh"),
            (Kind::VirtualNode, "AWS::AppMesh::VirtualNode"),
            (Kind::VirtualRouter, "AWS::AppMesh::VirtualRouter"),
            (Kind::Route, "AWS::AppMesh::Route"),
            (Kind::VirtualService, "AWS::AppMesh::VirtualService"),
            (Kind::VirtualGateway, "AWS::AppMesh::VirtualGateway"),
            (Kind::GatewayRoute, "AWS::AppMesh::GatewayRoute"),
            (
                Kind::CloudMapNamespace,
                "AWS::ServiceDiscovery::PrivateDnsNamespace",
            ),
            (Kind::CloudMapService, "AWS::ServiceDiscovery::Service"),
            (Kind::ServiceNetwork, "AWS::VpcLattice::ServiceNetwork"),
            (
                Kind::ServiceNetworkVpcAssociation,
                "AWS::VpcLattice::ServiceNetworkVpcAssociation",
            ),
            (Kind::LatticeService, "AWS::VpcLattice::Service"),
            (
                Kind::ServiceNetworkServiceAssociation,
                "AWS::VpcLattice::ServiceNetworkServiceAssociation",
            ),
            (Kind::LatticeListener, "AWS::VpcLattice::Listener"),
            (Kind::LatticeRule, "AWS::VpcLattice::Rule"),
            (Kind::TargetGroup, "AWS::VpcLattice::TargetGroup"),
            (Kind::AuthPolicy, "AWS::VpcLattice::AuthPolicy"),
            (
                Kind::AccessLogSubscription,
                "AWS::VpcLattice::AccessLogSubscription",
            ),
            (Kind::HostedZone, "AWS::Route53::HostedZone"),
            (Kind::RecordSet, "AWS::Route53::RecordSet"),
            (Kind::SecurityGroup, "AWS::EC2::SecurityGroup"),
            (Kind::SecurityGroupIngress, "AWS::EC2::SecurityGroupIngress"),
            (Kind::EcsCluster, "AWS::ECS::Cluster"),
            (Kind::LogGroup, "AWS::Logs::LogGroup"),
            (Kind::IamRole, "AWS::IAM::Role"),
            (Kind::IamRolePolicy, "AWS::IAM::RolePolicy"),
            (Kind::TaskDefinition, "AWS::ECS::TaskDefinition"),
            (Kind::EcsService, "AWS::ECS::Service"),
            (
                Kind::ClusterCapacityProviders,
                "AWS::ECS::ClusterCapacityProviderAssociations",
            ),
            (Kind::SnsTopic, "AWS::SNS::Topic"),
            (Kind::Dashboard, "AWS::CloudWatch::Dashboard"),
            (Kind::Alarm, "AWS::CloudWatch::Alarm"),
            (Kind::QueryDefinition, "AWS::Logs::QueryDefinition"),
        ];
        assert_eq!(expected.len(), Kind::ALL.len());
        for (k, ty) in expected {
            assert_eq!(k.info().cfn_type, ty, "{k:?}");
        }
    }

    /// Every kind that names itself has a name property, and Terraform calls it `name` except
    /// for a task definition's `family`; associations, policies, subscriptions and ingress rules
    /// name nothing of their own.
    #[test]
    fn name_fields() {
        let expected = [
            (Kind::Mesh, "MeshName"),
            (Kind::VirtualNode, "VirtualNodeName"),
            (Kind::VirtualRouter, "VirtualRouterName"),
            (Kind::Route, "RouteName"),
            (Kind::VirtualService, "VirtualServiceName"),
            (Kind::VirtualGateway, "VirtualGatewayName"),
            (Kind::GatewayRoute, "GatewayRouteName"),
            (Kind::CloudMapNamespace, "Name"),
            (Kind::CloudMapService, "Name"),
            (Kind::ServiceNetwork, "Name"),
            (Kind::LatticeService, "Name"),
            (Kind::LatticeListener, "Name"),
            (Kind::LatticeRule, "Name"),
            (Kind::TargetGroup, "Name"),
            (Kind::HostedZone, "Name"),
            (Kind::RecordSet, "Name"),
            (Kind::SecurityGroup, "GroupName"),
            (Kind::EcsCluster, "ClusterName"),
            (Kind::LogGroup, "LogGroupName"),
            (Kind::IamRole, "RoleName"),
            (Kind::IamRolePolicy, "PolicyName"),
            (Kind::TaskDefinition, "Family"),
            (Kind::EcsService, "ServiceName"),
            (Kind::SnsTopic, "TopicName"),
            (Kind::Dashboard, "DashboardName"),
            (Kind::Alarm, "AlarmName"),
            (Kind::QueryDefinition, "Name"),
        ];
        for k in Kind::ALL {
            let want = expected.iter().find(|(e, _)| *e == k).map(|(_, p)| *p);
            assert_eq!(k.info().name.map(|n| n.property), want, "{k:?}");
            if let Some(n) = k.info().name {
                let arg = match k {
                    Kind::TaskDefinition => "family",
                    Kind::Dashboard => "dashboard_name",
                    Kind::Alarm => "alarm_name",
                    _ => "name",
                };
                assert_eq!(n.tf_argument, arg, "{k:?}");
            }
        }
    }

    #[test]
    fn untaggable_kinds() {
        let untaggable: Vec<Kind> = Kind::ALL.into_iter().filter(|k| !k.taggable()).collect();
        assert_eq!(
            untaggable,
            [
                Kind::AuthPolicy,
                Kind::RecordSet,
                Kind::SecurityGroupIngress,
                Kind::IamRolePolicy,
                Kind::ClusterCapacityProviders,
                Kind::Dashboard,
                Kind::QueryDefinition,
            ]
        );
    }

    #[test]
    fn ref_reads_one_attribute_at_most() {
        for k in Kind::ALL {
            let read: Vec<Attr> = [Attr::Arn, Attr::Name, Attr::Id]
                .into_iter()
                .filter(|a| k.info().cfn_ref.reads(*a))
                .collect();
            let want = match k.info().cfn_ref {
                CfnRef::Name => vec![Attr::Name],
                CfnRef::Arn => vec![Attr::Arn],
                CfnRef::Id => vec![Attr::Id],
                CfnRef::GetAttOnly => vec![],
            };
            assert_eq!(read, want, "{k:?}");
        }
    }
}
