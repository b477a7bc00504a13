//! IRSA: one IAM role per meshed identity, trusting the cluster's OIDC provider for exactly its
//! service account; App Mesh roles may stream their own virtual node's configuration (and
//! their pod's collector may write metrics and traces), Lattice roles may invoke the services
//! of the mesh's service network.
//!
//! Roles are named (`names::eks::role_name`), not generated: the service accounts carry their
//! ARN as text. IRSA, not EKS Pod Identity: App Mesh's Envoy does not support Pod Identity
//! (aws/aws-app-mesh-roadmap#493), and one mechanism serves both backends.

use std::collections::BTreeMap;

use super::{Eks, Identity};
use crate::case::snake_case;
use crate::ir::{
    Attr, Kind, Obj, Param, ParamType, Plan, Pseudo, ResourceId, StringPattern, Value,
};
use crate::lower::appmesh::sidecar::Envoy;
use crate::lower::ecs::Sidecar;
use crate::lower::iam::{arn, policy};
use crate::lower::observe::collector_statements;
use crate::params::{
    eks_oidc_issuer_description, EKS_OIDC_ISSUER, EKS_OIDC_ISSUER_MESSAGE, EKS_OIDC_ISSUER_REGEX,
};
use crate::spec::{LatticeAuth, MeshBackend};

/// The audience the EKS Pod Identity Webhook requests for IRSA tokens.
const AUDIENCE: &str = "sts.amazonaws.com";

static ISSUER: StringPattern = StringPattern {
    regex: EKS_OIDC_ISSUER_REGEX,
    message: EKS_OIDC_ISSUER_MESSAGE,
};

/// The role of each identity that needs one; returns each node's roles (for the auth policies
/// of the Lattice services meshsynth still creates).
pub(super) fn lower(cx: &Eks, plan: &mut Plan) -> BTreeMap<String, Vec<ResourceId>> {
    let mut roles: BTreeMap<String, Vec<ResourceId>> = BTreeMap::new();
    let identities: Vec<&Identity> = cx
        .identities
        .iter()
        .filter(|i| i.needs_role(cx.backend))
        .collect();
    if identities.is_empty() {
        return roles;
    }
    plan.params.insert(
        EKS_OIDC_ISSUER.into(),
        Param {
            ty: ParamType::Matching(&ISSUER),
            description: eks_oidc_issuer_description(&cx.eks.cluster_name, &cx.eks.region),
            label: "EKS OIDC issuer".into(),
            group: "EKS".into(),
            default: None,
        },
    );
    for id in identities {
        let role = role(cx, plan, id);
        roles.entry(id.node.clone()).or_default().push(role);
    }
    roles
}

/// The role's own ID: its identity's node (`airflow-worker` → `RoleAirflowWorker`).
fn role_id(id: &Identity) -> ResourceId {
    ResourceId::new(Kind::IamRole, &id.node)
}

fn role(cx: &Eks, plan: &mut Plan, id: &Identity) -> ResourceId {
    let rid = role_id(id);
    let (what, statements) = match cx.backend {
        MeshBackend::AppMesh => {
            // The ECS sidecar's statements: xDS for exactly this node (plus the ACM reads its
            // TLS settings need), spelled once.
            let mut statements = Envoy {
                checked: cx.checked,
            }
            .statements(&id.node);
            // The collector beside Envoy in every meshed pod: the ECS task role's statements.
            if cx.collector_log_group.is_some() {
                statements.extend(collector_statements(cx.spec));
            }
            (
                format!("its Envoy streams the configuration of virtual node {}", id.node),
                statements,
            )
        }
        MeshBackend::VpcLattice => (
            "signs its calls to the VPC Lattice services of the mesh; each service's IAMAuthPolicy names the roles it admits".to_owned(),
            lattice_statements(cx, plan, id),
        ),
    };
    let props = Obj::new()
        .set("RoleName", &id.role_name)
        .set(
            "Description",
            format!(
                "IRSA role of service account {}/{}: {what} (meshsynth)",
                id.namespace, id.service_account
            ),
        )
        .set("AssumeRolePolicyDocument", trust_policy(id));
    plan.add(rid.clone(), id.source.clone(), props, &cx.spec.tags);
    if !statements.is_empty() {
        let props = Obj::new()
            .set("PolicyName", &id.role_name)
            .set("RoleName", Value::Ref(rid.clone(), Attr::Name))
            .set("PolicyDocument", policy(statements));
        plan.add(
            ResourceId::new(Kind::IamRolePolicy, &id.node),
            id.source.clone(),
            props,
            &cx.spec.tags,
        );
    }
    plan.add_output(
        format!("role_{}_arn", snake_case(&id.node)),
        format!(
            "ARN of the IRSA role `{}` of service account {}/{}",
            id.role_name, id.namespace, id.service_account
        ),
        Value::Ref(rid.clone(), Attr::Arn),
        Some(("irsa_role_arns", &id.node)),
    );
    rid
}

/// Trust in the cluster's OIDC provider for tokens of exactly this service account, for STS.
/// The condition keys start with the issuer, an input: so the document is JSON text (see
/// [`Value::JsonText`]).
fn trust_policy(id: &Identity) -> Value {
    let issuer = || Value::Param(EKS_OIDC_ISSUER.into());
    let claim = |c: &str| Value::Join(vec![issuer(), Value::str(format!(":{c}"))]);
    let provider = Value::Join(vec![
        Value::str("arn:"),
        Value::Pseudo(Pseudo::Partition),
        Value::str(":iam::"),
        Value::Pseudo(Pseudo::AccountId),
        Value::str(":oidc-provider/"),
        issuer(),
    ]);
    let subject = format!(
        "system:serviceaccount:{}:{}",
        id.namespace, id.service_account
    );
    Value::JsonText(Box::new(policy(vec![Obj::new()
        .set("Effect", "Allow")
        .set("Principal", Obj::new().set("Federated", provider))
        .set("Action", "sts:AssumeRoleWithWebIdentity")
        .set(
            "Condition",
            Obj::new().set(
                "StringEquals",
                Value::Entries(vec![
                    (claim("sub"), Value::str(subject)),
                    (claim("aud"), Value::str(AUDIENCE)),
                ]),
            ),
        )
        .into()])))
}

/// `vpc-lattice-svcs:Invoke` for a caller whose backends authenticate with IAM. On EKS the
/// AWS Gateway API Controller creates the Lattice services from the routes, so their IDs (and
/// ARNs) are unknown here: the role may invoke the services of this region and account that
/// belong to the mesh's service network, and each service's IAMAuthPolicy (written beside
/// its route) names exactly the roles of its callers: that policy is the allowlist.
fn lattice_statements(cx: &Eks, plan: &Plan, id: &Identity) -> Vec<Value> {
    let Some(model) = cx.checked.lattice() else {
        return Vec::new();
    };
    let signs = id.backends.iter().any(|b| {
        model
            .services
            .get(b)
            .is_some_and(|s| s.auth == LatticeAuth::Iam)
    });
    if !signs {
        return Vec::new();
    }
    let network = ResourceId::new(Kind::ServiceNetwork, &model.network);
    let statement = Obj::new()
        .set("Sid", "InvokeServiceNetworkIAMAuthPoliciesAllowlist")
        .set("Effect", "Allow")
        .set("Action", vec![Value::str("vpc-lattice-svcs:Invoke")])
        .set(
            "Resource",
            vec![arn(
                "vpc-lattice",
                true,
                true,
                vec![Value::str("service/*")],
            )],
        );
    // The network is meshsynth's own unless another lowering dropped it.
    let statement = if plan.resources.contains_key(&network) {
        statement.set(
            "Condition",
            Obj::new().set(
                "StringEquals",
                Obj::new().set(
                    "vpc-lattice-svcs:ServiceNetworkArn",
                    Value::Ref(network, Attr::Arn),
                ),
            ),
        )
    } else {
        statement
    };
    vec![statement.into()]
}
