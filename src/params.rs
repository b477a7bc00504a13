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
/// The OpenTelemetry collector image beside Envoy (App Mesh metrics and traces).
pub const COLLECTOR_IMAGE: &str = "collector_image";
/// The security groups of the Lattice service network's VPC association.
pub const LATTICE_SECURITY_GROUP_IDS: &str = "lattice_security_group_ids";
/// The managed prefix list `com.amazonaws.<region>.vpc-lattice`.
pub const LATTICE_PREFIX_LIST_ID: &str = "lattice_prefix_list_id";
/// The EKS cluster's OIDC issuer without `https://`, which every IRSA role trusts.
pub const EKS_OIDC_ISSUER: &str = "eks_oidc_issuer";
/// The existing VPC Lattice service network the services join, for a `mesh.existing` mesh.
pub const LATTICE_SERVICE_NETWORK_ID: &str = "lattice_service_network_id";
/// The Terraform-only switch that creates the Kubernetes objects as `kubernetes_manifest`
/// resources.
pub const CREATE_KUBERNETES_OBJECTS: &str = "create_kubernetes_objects";

/// Every input meshsynth declares itself.
pub const RESERVED: [&str; 10] = [
    VPC_ID,
    SUBNET_IDS,
    SECURITY_GROUP_IDS,
    ENVOY_IMAGE,
    COLLECTOR_IMAGE,
    LATTICE_SECURITY_GROUP_IDS,
    LATTICE_PREFIX_LIST_ID,
    LATTICE_SERVICE_NETWORK_ID,
    EKS_OIDC_ISSUER,
    CREATE_KUBERNETES_OBJECTS,
];

/// The prefix and suffix of the input that holds the ARN of one Cloud Map service of an
/// `existing` namespace (`cloud_map_service_orders_arn`); see [`cloud_map_service_arn`].
pub const CLOUD_MAP_SERVICE_ARN: (&str, &str) = ("cloud_map_service_", "_arn");

/// The input that holds the ARN of the Cloud Map service `service` of an `existing` namespace,
/// which ECS services register their tasks in (`CloudMapServiceOrdersArn` in CloudFormation).
/// CloudFormation cannot look a Cloud Map service up by name, and its ARN holds a random ID.
pub fn cloud_map_service_arn(service: &str) -> String {
    let (prefix, suffix) = CLOUD_MAP_SERVICE_ARN;
    format!("{prefix}{}{suffix}", crate::case::snake_case(service))
}

/// What a Cloud Map service ARN looks like, in every partition.
pub const CLOUD_MAP_SERVICE_ARN_REGEX: &str =
    r"^arn:aws[a-z-]*:servicediscovery:[a-z0-9-]+:[0-9]{12}:service/srv-[a-z0-9]+$";
/// What is wrong when a [`cloud_map_service_arn`] input does not match its regex.
pub const CLOUD_MAP_SERVICE_ARN_MESSAGE: &str = "The value must be the ARN of a Cloud Map service, such as arn:aws:servicediscovery:us-east-1:111122223333:service/srv-e4anhexample0004.";

/// What [`LATTICE_SERVICE_NETWORK_ID`] looks like: the service network's ID, or its ARN (which
/// a network shared through AWS RAM needs). The pattern of `ServiceNetworkIdentifier`.
pub const LATTICE_SERVICE_NETWORK_ID_REGEX: &str = r"^((sn-[0-9a-z]{17})|(arn:[a-z0-9-]+:vpc-lattice:[a-zA-Z0-9-]+:[0-9]{12}:servicenetwork/sn-[0-9a-z]{17}))$";
/// What is wrong when [`LATTICE_SERVICE_NETWORK_ID`] does not match its regex.
pub const LATTICE_SERVICE_NETWORK_ID_MESSAGE: &str =
    "The value must be a VPC Lattice service network ID (sn- and 17 letters and digits) or ARN.";

/// What [`EKS_OIDC_ISSUER`] looks like: the issuer URL's host and path, without `https://`
/// (`oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE`), in the
/// `aws` and `aws-cn` partitions. IAM names the OIDC provider and its condition keys by
/// exactly this text, so a pasted `https://` would make every trust policy match nothing. Both
/// CloudFormation (Java) and Terraform (RE2) read the expression alike.
pub const EKS_OIDC_ISSUER_REGEX: &str =
    r"^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/id/[A-Z0-9]+$";
/// What is wrong when [`EKS_OIDC_ISSUER`] does not match [`EKS_OIDC_ISSUER_REGEX`].
pub const EKS_OIDC_ISSUER_MESSAGE: &str = "The issuer must be the cluster's OIDC issuer without https://, such as oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE.";

/// The description of [`EKS_OIDC_ISSUER`] for a cluster: the command that reads it.
pub fn eks_oidc_issuer_description(cluster: &str, region: &str) -> String {
    format!(
        "OIDC issuer of the EKS cluster {cluster} without https:// (aws eks describe-cluster --name {cluster} --region {region} --query cluster.identity.oidc.issuer --output text, then drop https://). Every IRSA role trusts the IAM OIDC provider of this issuer, which must exist in the account (eksctl utils associate-iam-oidc-provider --cluster {cluster} --region {region} --approve)"
    )
}
