//! What the migration report from App Mesh to VPC Lattice documents: the Lattice names of the
//! mesh, and what Lattice makes of each spec feature. `MIGRATION.md` renders it for people and
//! `synth --format json` prints it as is, so its field names are a public format: snake_case,
//! and changed only with care.

use serde::Serialize;

use crate::check::lattice::model::{Finding, Model, Outcome};
use crate::spec::LatticeAuth;

/// The migration report of one spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationDoc {
    /// The project name (`Spec::name`).
    pub project: String,
    /// The spec file as the user named it.
    pub spec_file: String,
    pub service_network: ServiceNetworkDoc,
    /// The private hosted zone the Lattice stack creates for the virtual-service names, when it
    /// creates one (none when the spec names an existing zone by its ID).
    pub hosted_zone: Option<String>,
    /// One per virtual service, by virtual-service name.
    pub services: Vec<ServiceDoc>,
    /// One per target group, by node and port.
    pub target_groups: Vec<TargetGroupDoc>,
    /// How many findings have each outcome.
    pub counts: OutcomeCounts,
    /// The findings by outcome, the most important first: dropped, moved to the client,
    /// approximated, kept. Every outcome has its group, empty or not.
    pub findings: Vec<FindingGroup>,
    /// What to do, in this order, to move from an App Mesh deployment to this one.
    pub deploy_order: Vec<String>,
}

/// The service network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceNetworkDoc {
    /// Its Lattice name.
    pub name: String,
    /// `iam` or `none`.
    pub auth: String,
}

/// A Lattice service: one virtual service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceDoc {
    /// The virtual-service name, which is the service's custom domain name: clients keep
    /// calling it.
    pub virtual_service: String,
    /// The Lattice service's name.
    pub lattice_service: String,
    /// `iam` or `none` (the Airflow API server's service is `none` in an `iam` network).
    pub auth: String,
    /// Each listener as `PROTOCOL:port`, e.g. `HTTPS:8080`, in the spec's order.
    pub listeners: Vec<String>,
    /// How many rules the listeners have in all (default actions aside).
    pub rules: usize,
    /// The routes that became a listener's default action (`router/route`), in listener order;
    /// one per listener at most.
    pub default_routes: Vec<String>,
}

/// A target group: one listener port of one virtual node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetGroupDoc {
    /// The virtual node.
    pub node: String,
    pub port: u32,
    /// The target group's Lattice name.
    pub lattice_name: String,
    /// `HTTP1`, `HTTP2` or `GRPC`.
    pub protocol_version: String,
    /// Whether the target group checks its targets' health.
    pub health_check: bool,
    /// The virtual services whose Lattice services forward to it.
    pub virtual_services: Vec<String>,
}

/// How many findings have each outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutcomeCounts {
    pub kept: usize,
    pub moved_to_client: usize,
    pub approximated: usize,
    pub dropped: usize,
}

/// The findings of one outcome, in the order of their paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingGroup {
    pub outcome: Outcome,
    pub count: usize,
    pub findings: Vec<Finding>,
}

/// The order the report lists outcomes in: what needs action first.
pub const OUTCOME_ORDER: [Outcome; 4] = [
    Outcome::Dropped,
    Outcome::MovedToClient,
    Outcome::Approximated,
    Outcome::Kept,
];

/// The steps of a migration from App Mesh, in order.
const DEPLOY_ORDER: [&str; 4] = [
    "Deploy the Lattice stack beside the App Mesh one with `mesh.lattice.hosted_zone: none`: the App Mesh stack's Cloud Map namespace still holds the virtual-service names, and Route 53 refuses a second private hosted zone of one name in a VPC. Test each service at the DNS name Lattice gives it (the `lattice_service_dns_names` output), and give the target groups of nodes that no `workloads:` entry runs their targets (`VpcLatticeConfigurations` on their ECS services).",
    "Put the signing module and the connections of the `airflow/` folder in place for Airflow: with `auth: iam` every call to a Lattice service must be SigV4-signed.",
    "Delete the App Mesh stack (its Cloud Map namespace goes with it).",
    "Remove `hosted_zone: none` (or give `hosted_zone: { id: ... }`), synthesize and deploy again: the private hosted zone's alias records resolve the same names to Lattice, so the clients keep calling them. A mesh with no App Mesh stack before it deploys in one step.",
];

fn auth_str(a: LatticeAuth) -> String {
    match a {
        LatticeAuth::Iam => "iam",
        LatticeAuth::None => "none",
    }
    .to_owned()
}

impl MigrationDoc {
    pub fn new(project: &str, spec_file: &str, model: &Model) -> MigrationDoc {
        let services = model
            .services
            .values()
            .map(|s| ServiceDoc {
                virtual_service: s.domain.clone(),
                lattice_service: s.name.clone(),
                auth: auth_str(s.auth),
                listeners: s
                    .listeners
                    .iter()
                    .map(|l| format!("{}:{}", l.protocol.as_str(), l.port))
                    .collect(),
                rules: s.listeners.iter().map(|l| l.rules.len()).sum(),
                default_routes: s
                    .listeners
                    .iter()
                    .filter_map(|l| l.default_route.clone())
                    .collect(),
            })
            .collect();
        let target_groups = model
            .target_groups
            .values()
            .map(|t| TargetGroupDoc {
                node: t.node.clone(),
                port: t.port,
                lattice_name: t.name.clone(),
                protocol_version: t.version.as_str().to_owned(),
                health_check: t.health.is_some(),
                virtual_services: t.services.clone(),
            })
            .collect();
        let findings: Vec<FindingGroup> = OUTCOME_ORDER
            .iter()
            .map(|&outcome| {
                let findings: Vec<Finding> = model
                    .findings
                    .iter()
                    .filter(|f| f.outcome == outcome)
                    .cloned()
                    .collect();
                FindingGroup {
                    outcome,
                    count: findings.len(),
                    findings,
                }
            })
            .collect();
        let count = |o: Outcome| {
            findings
                .iter()
                .find(|g| g.outcome == o)
                .map_or(0, |g| g.count)
        };
        let counts = OutcomeCounts {
            kept: count(Outcome::Kept),
            moved_to_client: count(Outcome::MovedToClient),
            approximated: count(Outcome::Approximated),
            dropped: count(Outcome::Dropped),
        };
        MigrationDoc {
            project: project.to_owned(),
            spec_file: spec_file.to_owned(),
            service_network: ServiceNetworkDoc {
                name: model.network.clone(),
                auth: auth_str(model.auth),
            },
            hosted_zone: model.zone_name.clone(),
            services,
            target_groups,
            counts,
            findings,
            deploy_order: DEPLOY_ORDER.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}
