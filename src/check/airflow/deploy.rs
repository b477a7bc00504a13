//! How the deployment runs day to day: the amazon provider the DAGs are written for, the UI
//! admin, and where DAG files come from.

use crate::check::common::{shown, valid_bucket};
use crate::check::Ctx;
use crate::diagnostic::Code;
use crate::spec::paths::airflow_path;
use crate::spec::{Airflow, DagSource, Major, ProviderVersion};

pub(super) fn check(ctx: &mut Ctx, af: &Airflow, major: Option<Major>) {
    if let Some(v) = &af.amazon_provider {
        let path = airflow_path().key("amazon_provider");
        match ProviderVersion::parse(v) {
            None => {
                ctx.error(
                    Code::AirflowUnsupportedProvider,
                    path,
                    format!(
                        "`amazon_provider` `{}` is not a `MAJOR.MINOR[.PATCH]` version",
                        shown(v)
                    ),
                )
                .help = Some(
                    "write the version of apache-airflow-providers-amazon the image has as a quoted string, e.g. `amazon_provider: \"9.17.0\"` (`pip show apache-airflow-providers-amazon` in the image)"
                        .into(),
                );
            }
            Some(p) if p < ProviderVersion::MIN_AMAZON => {
                ctx.error(
                    Code::AirflowUnsupportedProvider,
                    path,
                    format!(
                        "`amazon_provider` `{p}` is older than {}, the oldest amazon provider meshsynth writes DAGs and executor settings for",
                        ProviderVersion::MIN_AMAZON
                    ),
                )
                .help = Some(format!(
                    "install apache-airflow-providers-amazon>={} in the image",
                    ProviderVersion::MIN_AMAZON
                ));
            }
            Some(_) => {}
        }
    }
    if let Some(u) = &af.admin_username {
        let ok = (1..=64).contains(&u.len())
            && u.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
        if !ok {
            ctx.error(
                Code::AirflowInvalidAdminUsername,
                airflow_path().key("admin_username"),
                format!(
                    "`admin_username` `{}` is not 1 to 64 letters, digits, `.`, `_`, `-` or `@`",
                    shown(u)
                ),
            )
            .help = Some("use a plain login name such as `admin` or `data-platform-admin`".into());
        }
    }
    if let DagSource::Efs(efs) = &af.dags {
        let path = airflow_path().key("dags").key("efs");
        for (key, id, prefix) in [
            ("file_system_id", Some(&efs.file_system_id), "fs-"),
            ("access_point_id", efs.access_point_id.as_ref(), "fsap-"),
        ] {
            let Some(id) = id else { continue };
            let ok = id.strip_prefix(prefix).is_some_and(|hex| {
                (8..=40).contains(&hex.len())
                    && hex
                        .chars()
                        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
            });
            if !ok {
                ctx.error(
                    Code::AirflowInvalidDagSource,
                    path.key(key),
                    format!(
                        "`{key}` `{}` is not an EFS ID (`{prefix}` and 8 to 40 lowercase hex digits)",
                        shown(id)
                    ),
                )
                .help = Some(format!(
                    "copy the ID from the EFS console or `aws efs describe-{}`, e.g. `{prefix}0123456789abcdef0`; not an ARN or a DNS name",
                    if prefix == "fs-" { "file-systems" } else { "access-points" }
                ));
            }
        }
    }
    if let DagSource::S3(s3) = &af.dags {
        let path = airflow_path().key("dags").key("s3");
        if major == Some(Major::V2) {
            ctx.error(
                Code::AirflowV3Only,
                path.clone(),
                "S3 DAG bundles are an Airflow 3.x feature; Airflow 2.x reads DAGs from its DAG folder only",
            )
            .help = Some(
                "bake the DAGs into the image (`dags: image`), or set `version` to a 3.x release"
                    .into(),
            );
        }
        if !valid_bucket(&s3.bucket) {
            ctx.error(
                Code::AirflowInvalidDagSource,
                path.key("bucket"),
                format!(
                    "`bucket` `{}` is not an S3 bucket name (3 to 63 lowercase letters, digits, `.` and `-`, starting and ending with a letter or digit)",
                    shown(&s3.bucket)
                ),
            )
            .help = Some(
                "write the bare bucket name, e.g. `bucket: my-airflow-dags`, not `s3://…` or an ARN"
                    .into(),
            );
        }
        if let Some(p) = &s3.prefix {
            if p.starts_with('/') || p.contains('*') {
                ctx.error(
                    Code::AirflowInvalidDagSource,
                    path.key("prefix"),
                    format!(
                        "`prefix` `{}` starts with `/` or holds `*`; S3 keys are matched literally from the bucket's root",
                        shown(p)
                    ),
                )
                .help = Some(format!(
                    "write `prefix: {}`",
                    p.trim_start_matches('/').replace('*', "")
                ));
            }
        }
    }
}
