//! The inputs meshsynth declares itself (CloudFormation parameters, Terraform variables), by
//! their neutral snake_case name. Specs cannot reuse them for their own secrets.

/// The VPC of the Cloud Map namespace.
pub const VPC_ID: &str = "vpc_id";
/// The subnets of the ECS tasks.
pub const SUBNET_IDS: &str = "subnet_ids";
/// The security groups of the ECS tasks.
pub const SECURITY_GROUP_IDS: &str = "security_group_ids";
/// The App Mesh Envoy image.
pub const ENVOY_IMAGE: &str = "envoy_image";
/// The security groups of the Lattice service network's VPC association.
pub const LATTICE_SECURITY_GROUP_IDS: &str = "lattice_security_group_ids";
/// The managed prefix list `com.amazonaws.<region>.vpc-lattice`.
pub const LATTICE_PREFIX_LIST_ID: &str = "lattice_prefix_list_id";

/// Every input meshsynth declares itself.
pub const RESERVED: [&str; 6] = [
    VPC_ID,
    SUBNET_IDS,
    SECURITY_GROUP_IDS,
    ENVOY_IMAGE,
    LATTICE_SECURITY_GROUP_IDS,
    LATTICE_PREFIX_LIST_ID,
];
