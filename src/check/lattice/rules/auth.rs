//! IAM auth: each IAM-auth Lattice service's auth policy names the roles of the nodes that list
//! it in `backends:`, so every caller needs a role the policy can name, the policy must fit the
//! quota, and callers must sign their requests.

use std::collections::BTreeMap;

use super::Scope;
use crate::check::common::and_list;
use crate::check::Ctx;
use crate::diagnostic::{Code, FieldPath};
use crate::spec::airflow_names as names;
use crate::spec::paths::{airflow_path, node_path};
use crate::spec::{ConnType, LatticeAuth, Spec, TaskRunner};

/// The auth policy quota (10 KB; it cannot be raised).
const MAX_POLICY_BYTES: usize = 10_240;
/// The longest partition, for ARNs the policy holds whose partition is not known yet.
const PARTITION: &str = "aws-us-gov";

pub(super) fn check(ctx: &mut Ctx, scope: &Scope) {
    let model = scope.model;
    if model.auth != LatticeAuth::Iam {
        return;
    }
    let spec = ctx.spec;
    let mut principals: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (node, callees) in &model.callers {
        let signed: Vec<&String> = callees
            .iter()
            .filter(|s| {
                model
                    .services
                    .get(*s)
                    .is_some_and(|s| s.auth == LatticeAuth::Iam)
            })
            .collect();
        if signed.is_empty() {
            continue;
        }
        let given = spec
            .virtual_nodes
            .get(node)
            .and_then(|n| n.iam_role_arn.clone());
        let created = created_roles(spec, node, scope);
        if created.is_empty() && given.is_none() {
            ctx.error(
                Code::LatticeUnknownCallerRole,
                node_path(node).key("backends"),
                format!(
                    "virtual node `{node}` calls {} with IAM auth, but meshsynth creates no IAM role for it (it is no workload and no Airflow task), so the auth policy cannot name it and Lattice would deny its calls",
                    and_list(&signed)
                ),
            )
            .help = Some(format!(
                "set `virtual_nodes.{node}.iam_role_arn` to the role its tasks run as, or run it as a workload (`workloads.{node}`)"
            ));
        }
        let arns: Vec<String> = created
            .iter()
            .map(|r| format!("arn:{PARTITION}:iam::123456789012:role/{r}"))
            .chain(given)
            .collect();
        for s in signed {
            principals
                .entry(s.as_str())
                .or_default()
                .extend(arns.iter().cloned());
        }
    }
    for (service, arns) in &principals {
        let size = policy_size(arns);
        if size > MAX_POLICY_BYTES {
            let svc = &model.services[*service];
            ctx.error(
                Code::LatticeAuthPolicySize,
                svc.source.clone(),
                format!(
                    "the auth policy of Lattice service `{}` (virtual service `{service}`) names {} caller roles and could take {size} bytes, more than the {MAX_POLICY_BYTES} (10 KB) Lattice allows",
                    svc.name,
                    arns.len()
                ),
            )
            .help = Some(
                "let fewer nodes list it in `backends:`, or give callers shorter `iam_role_arn`s (the quota cannot be raised); with `mesh.lattice.auth: none` no policy is needed, and the VPC association's security groups decide who may call"
                    .into(),
            );
        }
    }
    unsigned_clients(ctx, scope);
}

/// The longest the auth policy of one service can be as single-line JSON (as Lattice takes it),
/// allowing `principals`: the real policy's shape, with the service's ARN at its longest (the
/// longest partition and a 20-character Region).
pub(super) fn policy_size(principals: &[String]) -> usize {
    let resource = format!(
        "arn:{PARTITION}:vpc-lattice:{}:{}:service/svc-{}/*",
        "x".repeat(20),
        "0".repeat(12),
        "0".repeat(17)
    );
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "AWS": principals },
            "Action": "vpc-lattice-svcs:Invoke",
            "Resource": resource,
        }],
    });
    policy.to_string().len()
}

/// The names of the IAM roles meshsynth creates for a node's tasks, as the ECS lowering names
/// them (`<project>-<what>`): a workload's, or the Airflow task's that runs as the node.
fn created_roles(spec: &Spec, node: &str, scope: &Scope) -> Vec<String> {
    let role = |what: &str| names::family(&spec.name, what);
    if spec.workloads.contains_key(node) {
        return vec![role(node)];
    }
    if !scope.generated.contains(node) {
        return Vec::new();
    }
    let Some(af) = &spec.airflow else {
        return Vec::new();
    };
    if node == names::API_NODE {
        return vec![role(af.api_component())];
    }
    if node == names::WORKER_NODE {
        return vec![role(match af.runs_tasks_in() {
            TaskRunner::Scheduler => "scheduler",
            TaskRunner::EcsTaskDefinition | TaskRunner::CeleryWorkers | TaskRunner::Pods => {
                "worker"
            }
        })];
    }
    af.tasks
        .keys()
        .filter(|t| names::task_node(t) == node)
        .map(|t| role(&names::dag_task(t)))
        .collect()
}

/// gRPC connections to IAM-auth services: GrpcHook cannot sign requests.
fn unsigned_clients(ctx: &mut Ctx, scope: &Scope) {
    let spec = ctx.spec;
    let Some(af) = &spec.airflow else {
        return;
    };
    for (id, c) in &af.connections {
        if c.conn_type(spec) != ConnType::Grpc {
            continue;
        }
        let Some(svc) = scope.model.services.get(&c.virtual_service) else {
            continue;
        };
        if svc.auth != LatticeAuth::Iam {
            continue;
        }
        let path: FieldPath = airflow_path().key("connections").key(id.as_str());
        ctx.warning(
            Code::LatticeUnsignedClient,
            path,
            format!(
                "connection `{id}` calls `{}` with gRPC, whose Lattice service `{}` takes only SigV4-signed requests (IAM auth); GrpcHook cannot sign them, so Lattice will deny its calls",
                c.virtual_service, svc.name
            ),
        )
        .help = Some(
            "use `mesh.lattice.auth: none` (the VPC association's security groups then decide who may call), or serve it over HTTP too and call that listener with `conn_type: http` and the SigV4 signing auth meshsynth ships in the DAGs folder"
                .into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_size_is_the_single_line_policy() {
        let resource = "arn:aws-us-gov:vpc-lattice:xxxxxxxxxxxxxxxxxxxx:000000000000:service/svc-00000000000000000/*";
        let one = "arn:aws:iam::123456789012:role/orders";
        let expected = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":["{one}"]}},"Action":"vpc-lattice-svcs:Invoke","Resource":"{resource}"}}]}}"#
        );
        assert_eq!(policy_size(&[one.to_owned()]), expected.len());
        // Each further principal adds its quoted ARN and a comma.
        let two = policy_size(&[one.to_owned(), one.to_owned()]);
        assert_eq!(two, expected.len() + one.len() + 3);
        assert!(policy_size(&[]) < expected.len());
    }
}
