//! The mesh's backend and the settings only the VPC Lattice backend reads.

use schemars::JsonSchema;
use serde::Deserialize;

/// Which AWS service renders the mesh.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MeshBackend {
    /// AWS App Mesh with an Envoy sidecar in every meshed task (end of support: 2026-09-30;
    /// its resources can no longer be created).
    #[default]
    AppMesh,
    /// Amazon VPC Lattice: a service network, one Lattice service per virtual service, IAM auth
    /// policies from `backends:`, and no sidecar.
    VpcLattice,
}

impl MeshBackend {
    /// Every backend, in the order `--backend all` renders them.
    pub const ALL: [MeshBackend; 2] = [MeshBackend::AppMesh, MeshBackend::VpcLattice];

    /// The spelling of the spec and of `--backend`.
    pub fn as_str(self) -> &'static str {
        match self {
            MeshBackend::AppMesh => "app_mesh",
            MeshBackend::VpcLattice => "vpc_lattice",
        }
    }

    /// Where the backend's target folders go inside `OUT/<spec>/`: App Mesh output stays where
    /// it always was; Lattice output has a folder of its own, so both can sit side by side.
    pub fn folder(self) -> Option<&'static str> {
        match self {
            MeshBackend::AppMesh => None,
            MeshBackend::VpcLattice => Some("vpc_lattice"),
        }
    }

    /// How messages name it.
    pub fn label(self) -> &'static str {
        match self {
            MeshBackend::AppMesh => "App Mesh",
            MeshBackend::VpcLattice => "VPC Lattice",
        }
    }
}

/// Settings of the VPC Lattice backend; each has a default.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct LatticeSettings {
    /// How the service network and its services authenticate callers. Default: `iam`.
    #[serde(default)]
    pub auth: Option<LatticeAuth>,
    /// The VPC whose tasks call the mesh (associated with the service network; target groups
    /// live in it). Default: the `lattice_vpc_id` parameter / variable. With Airflow on EKS,
    /// the cluster's VPC, and on App Mesh too: the private zone of the virtual-service names is
    /// associated with it.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Security groups of the service network's VPC association (1–5): they decide which
    /// clients of the VPC reach the network. Default: the `lattice_security_group_ids`
    /// parameter / variable; required with Airflow on EKS (the Gateway's
    /// VpcAssociationPolicy names them). Not for an existing mesh, whose network's stack holds
    /// the association.
    #[serde(default)]
    pub security_group_ids: Option<Vec<String>>,
    /// The Route 53 private hosted zone that resolves every virtual-service name to its Lattice
    /// service: `{ create: <zone name> }`, `{ id: <zone ID> }` or `none`. Default: one created
    /// for the Cloud Map namespace, else for the virtual services' common DNS suffix. With
    /// Airflow on EKS it also serves App Mesh: it holds a record per virtual-service name, so
    /// the names resolve and Envoy can route them.
    #[serde(default)]
    pub hosted_zone: Option<HostedZone>,
    /// Where the service network's access logs go: a CloudWatch Logs log group, Firehose
    /// stream or S3 bucket ARN. Default: a log group meshsynth creates. For an existing mesh
    /// (`mesh.existing`), where its network's stack sends them: the dashboard and saved queries
    /// read that log group, and meshsynth subscribes nothing.
    #[serde(default)]
    pub access_log_destination_arn: Option<String>,
    /// The ID of the managed prefix list `com.amazonaws.<region>.vpc-lattice`, which the
    /// security group of the target tasks admits. Default: the `lattice_prefix_list_id`
    /// parameter / variable (CloudFormation cannot look it up by name).
    #[serde(default)]
    pub prefix_list_id: Option<String>,
}

/// VPC Lattice auth type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LatticeAuth {
    /// `AWS_IAM`: every request is SigV4-signed, and each service's auth policy allows exactly
    /// the roles of the nodes that list it in `backends:`.
    #[default]
    Iam,
    /// `NONE`: any client of the associated VPC whose security groups admit it may call.
    None,
}

/// The private hosted zone of the virtual-service names.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HostedZone {
    /// Create a private hosted zone of this name in the client VPC, e.g. `orders.internal`.
    Create(String),
    /// Add the records to an existing private hosted zone, by its ID, e.g. `Z0123456789ABCDEFGHIJ`.
    Id(String),
    /// No zone and no records: clients call the names Lattice generates (the stack's outputs),
    /// e.g. to deploy beside an App Mesh stack whose Cloud Map namespace still holds the names.
    None,
}
