//! What the migration report from App Mesh to VPC Lattice documents: the Lattice names of the
//! mesh, and what Lattice makes of each spec feature. `MIGRATION.md` renders it for people and
//! `synth --format json` prints it as is, so its field names are a public format: snake_case,
//! and changed only with care.

use serde::Serialize;

use crate::check::lattice::model::{Finding, KubeService, Model, Outcome};
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
    /// On EKS: the Gateway of the AWS Gateway API Controller, which publishes the services
    /// whose providers run in the cluster. Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controller: Option<ControllerDoc>,
}

/// The AWS Gateway API Controller's part of an EKS deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControllerDoc {
    /// The Gateway's name: the service network's.
    pub gateway: String,
    /// The Gateway's namespace.
    pub namespace: String,
    /// The manifest that holds the Gateway, the routes and the policies.
    pub manifest: String,
}

/// The service network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceNetworkDoc {
    /// Its Lattice name.
    pub name: String,
    /// `iam` or `none`.
    pub auth: String,
    /// The network exists already (`mesh.existing`): the stack joins it rather than creating
    /// it. Absent when false, as before the field existed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub existing: bool,
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
    /// On EKS: the route the AWS Gateway API Controller creates the service from, as
    /// `HTTPRoute shop/orders.shop.internal` (absent when the stack creates it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubernetes_route: Option<String>,
}

/// A target group: one listener port of one virtual node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetGroupDoc {
    /// The virtual node.
    pub node: String,
    pub port: u32,
    /// The target group's Lattice name; for the AWS Gateway API Controller's, the pattern it
    /// names them by (`k8s-<namespace>-<Service>-<random>`).
    pub lattice_name: String,
    /// `HTTP1`, `HTTP2` or `GRPC`.
    pub protocol_version: String,
    /// Whether the target group checks its targets' health.
    pub health_check: bool,
    /// The virtual services whose Lattice services forward to it.
    pub virtual_services: Vec<String>,
    /// On EKS: the Kubernetes Service whose pods the AWS Gateway API Controller registers in
    /// it, as `namespace/name` (absent when the stack creates it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubernetes_service: Option<String>,
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

/// The steps on EKS, where the AWS Gateway API Controller publishes the services.
const DEPLOY_ORDER_EKS: [&str; 5] = [
    "Install the AWS Gateway API Controller (v2.1.3 or later, with its IAM role), the Gateway API CRDs and the `amazon-vpc-lattice` GatewayClass, and ExternalDNS reading the controller's `DNSEndpoint` objects (`--source crd --crd-source-apiversion externaldns.k8s.io/v1alpha1 --crd-source-kind DNSEndpoint`; install that CRD with the controller's chart, `installExternalDNSCRD=true`) and writing to the private hosted zone.",
    "Deploy the Lattice stack: the service network, the private hosted zone, the access-log group and the IAM roles. Beside an App Mesh deployment that holds the virtual-service names in a zone of the same name, set `mesh.lattice.hosted_zone: none` first and test each service at the name Lattice gives it (each route's `application-networking.k8s.aws/lattice-assigned-domain-name` annotation).",
    "Apply `kubernetes/manifests/` (`kubectl apply -f`): the Gateway finds the service network by its name; the controller creates each Lattice service with its listeners, rules, target groups and auth policy from the routes and policies, registers the pods of their Services, and ExternalDNS writes the virtual-service names. Services whose providers run outside the cluster come from the stack, with target groups for whatever runs them to register in.",
    "Put the signing module and the connections of the `airflow/` folder in place for Airflow: with `auth: iam` every call to a Lattice service must be SigV4-signed.",
    "Delete the App Mesh deployment (its stack and its Kubernetes objects), then remove `hosted_zone: none` (or give `hosted_zone: { id: ... }`) and deploy again, so that the zone holds the names ExternalDNS writes. A mesh with no App Mesh deployment before it deploys in one pass.",
];

/// The steps for a stack of an existing mesh: the network and the namespace belong to another
/// stack, which goes first and last.
const DEPLOY_ORDER_EXISTING: [&str; 4] = [
    "Deploy the Lattice stack of the spec that creates the mesh first: its service network's ID (its `ServiceNetworkId` output) is this stack's `LatticeServiceNetworkId` parameter / `lattice_service_network_id` variable.",
    "Deploy this Lattice stack beside its App Mesh one. While a Cloud Map namespace holds the virtual-service names (the stack writes no DNS records beside an `existing` one; otherwise set `mesh.lattice.hosted_zone: none`), test each service at the DNS name Lattice gives it (the `lattice_service_dns_names` output), and give the target groups of nodes that no `workloads:` entry runs their targets (`VpcLatticeConfigurations` on their ECS services).",
    "Put the signing module and the connections of the `airflow/` folder in place for Airflow: with `auth: iam` every call to a Lattice service must be SigV4-signed.",
    "Delete this stack's App Mesh stack. Once every App Mesh stack of the mesh is gone (the Cloud Map namespace with the one that created it), give `mesh.lattice.hosted_zone: { id: ... }` of one zone for the mesh (created in one stack with `{ create: ... }`), synthesize and deploy again: the alias records resolve the same names to Lattice, so the clients keep calling them.",
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
                kubernetes_route: s
                    .route()
                    .map(|r| format!("{} {}/{}", r.kind.as_str(), r.namespace, r.name)),
            })
            .collect();
        let target_groups = model
            .target_groups
            .values()
            .map(|t| {
                let kube = t.kube_service.as_ref().filter(|_| model.by_controller(t));
                TargetGroupDoc {
                    node: t.node.clone(),
                    port: t.port,
                    lattice_name: match kube {
                        Some(k) => controller_target_group_name(k),
                        None => t.name.clone(),
                    },
                    protocol_version: t.version.as_str().to_owned(),
                    health_check: t.health.is_some(),
                    virtual_services: t.services.clone(),
                    kubernetes_service: kube.map(|k| format!("{}/{}", k.namespace, k.name)),
                }
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
                existing: model.existing_network,
            },
            hosted_zone: model.zone_name.clone(),
            services,
            target_groups,
            counts,
            findings,
            deploy_order: match &model.controller {
                Some(_) => DEPLOY_ORDER_EKS.iter().map(|s| (*s).to_owned()).collect(),
                None if model.existing_network => DEPLOY_ORDER_EXISTING
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
                None => DEPLOY_ORDER.iter().map(|s| (*s).to_owned()).collect(),
            },
            controller: model.controller.as_ref().map(|c| ControllerDoc {
                gateway: c.gateway.clone(),
                namespace: c.namespace.clone(),
                manifest: format!(
                    "kubernetes/manifests/{}",
                    crate::kube::gateway::MANIFEST_FILE
                ),
            }),
        }
    }
}

/// How the AWS Gateway API Controller names a Service's target group
/// (`pkg/model/lattice/targetgroup.go`: namespace and name cut to 55 characters each, and 10
/// random letters).
fn controller_target_group_name(k: &KubeService) -> String {
    let cut = |s: &str| {
        s.chars()
            .take(55)
            .collect::<String>()
            .trim_matches('-')
            .to_owned()
    };
    format!("k8s-{}-{}-*", cut(&k.namespace), cut(&k.name))
}
