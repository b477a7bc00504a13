//! `mesh.lattice` and each node's `iam_role_arn`: IDs and ARNs in the shapes AWS takes.

use crate::check::common::{is_account, is_partition, is_region, shown, valid_bucket};
use crate::check::Ctx;
use crate::diagnostic::{Code, FieldPath};
use crate::spec::paths::node_path;
use crate::spec::LatticeSettings;

/// Security groups per VPC association (a quota that cannot be raised).
const MAX_SECURITY_GROUPS: usize = 5;

pub(super) fn check(ctx: &mut Ctx) {
    let spec = ctx.spec;
    if let Some(s) = &spec.mesh.lattice {
        lattice(ctx, s);
    }
    if spec.mesh.existing {
        existing_network(ctx);
    }
    iam_roles(ctx);
}

/// What an existing service network leaves to the stack that created it.
fn existing_network(ctx: &mut Ctx) {
    let spec = ctx.spec;
    let p = FieldPath::root().key("mesh").key("lattice");
    let settings = spec.mesh.lattice();
    if settings.security_group_ids.is_some() {
        ctx.error(
            Code::LatticeExistingNetwork,
            p.key("security_group_ids"),
            "the service network of an existing mesh belongs to the stack that created it, so the security groups of its VPC association cannot be set here",
        )
        .help = Some(
            "remove `security_group_ids`, or set them in the spec of the stack that creates the mesh".into(),
        );
    }
    if spec.airflow.as_ref().is_some_and(|a| a.on_eks().is_some()) {
        ctx.error(
            Code::LatticeExistingNetwork,
            FieldPath::root().key("mesh").key("existing"),
            "with Airflow on EKS, the Gateway of the AWS Gateway API Controller holds the service network's VPC association, access logs and auth policy, which for an existing mesh belong to the stack that created it",
        )
        .help = Some(
            "render this spec with `--backend app_mesh`, or remove `existing` and let this stack create the service network".into(),
        );
    }
}

fn lattice(ctx: &mut Ctx, s: &LatticeSettings) {
    let p = FieldPath::root().key("mesh").key("lattice");
    if let Some(groups) = &s.security_group_ids {
        security_groups(ctx, &p.key("security_group_ids"), groups);
    }
    if let Some(vpc) = &s.vpc_id {
        if !id_with_hex(vpc, "vpc-", &[8, 17]) {
            invalid(
                ctx,
                p.key("vpc_id"),
                format!("`vpc_id` `{}` is not a VPC ID", shown(vpc)),
                "write `vpc-` and 8 or 17 lower-case hex digits, e.g. `vpc-0123456789abcdef0`",
            );
        }
    }
    if let Some(pl) = &s.prefix_list_id {
        if !id_with_hex(pl, "pl-", &(8..=17).collect::<Vec<_>>()) {
            invalid(
                ctx,
                p.key("prefix_list_id"),
                format!("`prefix_list_id` `{}` is not a managed prefix list ID", shown(pl)),
                "write `pl-` and 8 to 17 lower-case hex digits: the ID of `com.amazonaws.<region>.vpc-lattice` (`aws ec2 describe-managed-prefix-lists`)",
            );
        }
    }
    if let Some(arn) = &s.access_log_destination_arn {
        if let Err(why) = log_destination(arn) {
            invalid(
                ctx,
                p.key("access_log_destination_arn"),
                format!(
                    "`access_log_destination_arn` `{}` is not the ARN of a CloudWatch Logs log group, Firehose delivery stream or S3 bucket{why}",
                    shown(arn)
                ),
                "write `arn:aws:logs:<region>:<account>:log-group:<name>` (without `:*`), `arn:aws:firehose:<region>:<account>:deliverystream/<name>` or `arn:aws:s3:::<bucket>`",
            );
        }
    }
}

fn invalid(ctx: &mut Ctx, path: FieldPath, msg: String, help: &str) {
    ctx.error(Code::LatticeInvalidSetting, path, msg).help = Some(help.into());
}

fn iam_roles(ctx: &mut Ctx) {
    let spec = ctx.spec;
    for (name, node) in &spec.virtual_nodes {
        let Some(arn) = &node.iam_role_arn else {
            continue;
        };
        if !is_role_arn(arn) {
            invalid(
                ctx,
                node_path(name).key("iam_role_arn"),
                format!(
                    "`iam_role_arn` `{}` of virtual node `{name}` is not an IAM role ARN",
                    shown(arn)
                ),
                "write `arn:aws:iam::<12-digit account>:role/<name>` or `…:role/<path>/<name>`: the role the node's tasks run as, not its name or an instance profile",
            );
        }
    }
}

fn security_groups(ctx: &mut Ctx, path: &FieldPath, groups: &[String]) {
    if groups.is_empty() {
        ctx.error(
            Code::LatticeSecurityGroups,
            path.clone(),
            "`security_group_ids` is empty: the service network's VPC association needs at least one security group, since once it has some it cannot go back to none",
        )
        .help = Some(
            "list 1 to 5 security groups, or leave `security_group_ids` out to take the `lattice_security_group_ids` parameter"
                .into(),
        );
    } else if groups.len() > MAX_SECURITY_GROUPS {
        ctx.error(
            Code::LatticeSecurityGroups,
            path.clone(),
            format!(
                "`security_group_ids` lists {} security groups, more than the {MAX_SECURITY_GROUPS} a VPC association takes (a quota that cannot be raised)",
                groups.len()
            ),
        )
        .help = Some(format!(
            "keep at most {MAX_SECURITY_GROUPS}: merge the rules of several groups into one"
        ));
    }
    for (i, g) in groups.iter().enumerate() {
        if !id_with_hex(g, "sg-", &[8, 17]) {
            ctx.error(
                Code::LatticeSecurityGroups,
                path.index(i),
                format!("`{}` is not a security group ID", shown(g)),
            )
            .help = Some(
                "write `sg-` and 8 or 17 lower-case hex digits, e.g. `sg-0123456789abcdef0` (not the group's name)"
                    .into(),
            );
        }
    }
}

/// `prefix` and then one of `lens` lower-case hex digits.
fn id_with_hex(s: &str, prefix: &str, lens: &[usize]) -> bool {
    s.strip_prefix(prefix).is_some_and(|h| {
        lens.contains(&h.len())
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// A log group, Firehose stream or S3 bucket ARN; the error adds a detail to the message.
fn log_destination(arn: &str) -> Result<(), &'static str> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = match parts.as_slice() {
        ["arn", p, "logs", region, account, resource] => {
            if resource.ends_with(":*") {
                return Err(": Lattice takes the log group's ARN without the trailing `:*`");
            }
            is_partition(p)
                && is_region(region)
                && is_account(account)
                && resource.strip_prefix("log-group:").is_some_and(|n| {
                    (1..=512).contains(&n.len())
                        && n.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"._/#-".contains(&b))
                })
        }
        ["arn", p, "firehose", region, account, resource] => {
            is_partition(p)
                && is_region(region)
                && is_account(account)
                && resource.strip_prefix("deliverystream/").is_some_and(|n| {
                    (1..=64).contains(&n.len())
                        && n.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
                })
        }
        ["arn", p, "s3", "", "", bucket] => is_partition(p) && valid_bucket(bucket),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err("")
    }
}

/// `arn:<partition>:iam::<account>:role/<path><name>`: a path of `/`-separated printable
/// characters (512 at most) and a name of 1–64 letters, digits and `+=,.@_-`.
fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ["arn", p, "iam", "", account, resource] = parts.as_slice() else {
        return false;
    };
    let Some(rest) = resource.strip_prefix("role/") else {
        return false;
    };
    let (path, name) = match rest.rfind('/') {
        Some(i) => (&rest[..=i], &rest[i + 1..]),
        None => ("", rest),
    };
    is_partition(p)
        && is_account(account)
        && path.len() < 512
        && path.bytes().all(|b| (0x21..=0x7e).contains(&b))
        && !path.contains("//")
        && (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(id_with_hex("sg-0123abcd", "sg-", &[8, 17]));
        assert!(id_with_hex("sg-0123456789abcdef0", "sg-", &[8, 17]));
        assert!(!id_with_hex("sg-0123ABCD", "sg-", &[8, 17]));
        assert!(!id_with_hex("sg-0123abc", "sg-", &[8, 17]));
        assert!(!id_with_hex("web", "sg-", &[8, 17]));
    }

    #[test]
    fn log_destinations() {
        for ok in [
            "arn:aws:logs:us-east-1:123456789012:log-group:/lattice/shop",
            "arn:aws-us-gov:logs:us-gov-west-1:123456789012:log-group:x",
            "arn:aws:firehose:eu-west-1:123456789012:deliverystream/lattice-logs",
            "arn:aws-cn:s3:::my-logs.bucket",
        ] {
            assert_eq!(log_destination(ok), Ok(()), "{ok}");
        }
        assert!(log_destination("arn:aws:logs:us-east-1:123456789012:log-group:x:*").is_err());
        for bad in [
            "arn:aws:logs:us-east-1:12345678901:log-group:x",
            "arn:aws:logs:useast1:123456789012:log-group:x",
            "arn:aws:s3:::My_Bucket",
            "arn:aws:s3:us-east-1:123456789012:bucket",
            "arn:aws:sqs:us-east-1:123456789012:queue",
            "/lattice/shop",
        ] {
            assert!(log_destination(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn role_arns() {
        assert!(is_role_arn("arn:aws:iam::123456789012:role/orders"));
        assert!(is_role_arn(
            "arn:aws-us-gov:iam::123456789012:role/teams/shop/orders-task"
        ));
        assert!(!is_role_arn("arn:aws:iam::123456789012:user/orders"));
        assert!(!is_role_arn("arn:aws:iam:us-east-1:123456789012:role/x"));
        assert!(!is_role_arn("arn:aws:iam::123456789012:role/"));
        assert!(!is_role_arn("orders-task-role"));
        assert!(!is_role_arn(&format!(
            "arn:aws:iam::123456789012:role/{}",
            "a".repeat(65)
        )));
    }
}
