//! The secrets every Airflow component needs: which are required for the version and executor,
//! and that each is one well-formed ARN or a parameter that round-trips between CloudFormation
//! and Terraform.

use std::collections::BTreeMap;

use super::executor_name;
use crate::check::common::{and_list, shown};
use crate::check::Ctx;
use crate::diagnostic::{Code, FieldPath};
use crate::params;
use crate::spec::paths::airflow_path;
use crate::spec::{Airflow, Executor, Major, SecretRef};

fn secret_path(key: &str) -> FieldPath {
    airflow_path().key("secrets").key(key)
}

pub(super) fn check(ctx: &mut Ctx, af: &Airflow, major: Option<Major>) {
    let s = &af.secrets;
    let celery = af.executor == Executor::Celery;
    let mut required: Vec<(&str, &str, bool)> = vec![
        (
            "database_url",
            "`AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`, the metadata database URL",
            s.database_url.is_some(),
        ),
        (
            "fernet_key",
            "`AIRFLOW__CORE__FERNET_KEY`, which encrypts connections and variables",
            s.fernet_key.is_some(),
        ),
        (
            "api_secret_key",
            "the secret key that signs sessions and log-server requests",
            s.api_secret_key.is_some(),
        ),
    ];
    if major == Some(Major::V3) {
        required.push((
            "jwt_secret",
            "`AIRFLOW__API_AUTH__JWT_SECRET`, which signs the tokens tasks present to the Execution API",
            s.jwt_secret.is_some(),
        ));
    }
    if celery {
        required.push((
            "broker_url",
            "`AIRFLOW__CELERY__BROKER_URL`, the Redis broker the Celery workers take tasks from",
            s.broker_url.is_some(),
        ));
    }
    if af.has_api() {
        required.push((
            "admin_password",
            "the password of the UI admin, whom the database migration creates once (without it nobody can log in, or every API server container makes up its own password)",
            s.admin_password.is_some(),
        ));
    }
    for (key, what, set) in required {
        if !set {
            ctx.error(
                Code::AirflowMissingSecret,
                airflow_path().key("secrets"),
                format!("`secrets.{key}` is missing: it holds {what}"),
            )
            .help = Some(format!(
                "add `{key}: {{ parameter: {} }}` (or `{{ arn: … }}`) under `airflow.secrets`",
                suggested_parameter(key)
            ));
        }
    }
    if major == Some(Major::V2) && s.jwt_secret.is_some() {
        ctx.error(
            Code::AirflowV3Only,
            secret_path("jwt_secret"),
            "`jwt_secret` signs Airflow 3.x Execution API tokens; Airflow 2.x has no such setting",
        )
        .help = Some("remove `jwt_secret`, or set `version` to a 3.x release".into());
    }
    if !celery && s.broker_url.is_some() {
        ctx.warning(
            Code::AirflowUnusedSecret,
            secret_path("broker_url"),
            format!(
                "`broker_url` is only used by the Celery executor, and the executor is `{}`",
                executor_name(af.executor)
            ),
        )
        .help = Some("remove `broker_url`, or set `executor: celery`".into());
    }

    if !af.has_api() && s.admin_password.is_some() {
        ctx.warning(
            Code::AirflowUnusedSecret,
            secret_path("admin_password"),
            format!(
                "`admin_password` logs in to the UI, and no `components.{}` runs one",
                af.api_key()
            ),
        )
        .help = Some(format!(
            "remove `admin_password`, or add `components.{}`",
            af.api_key()
        ));
    }

    // Two secrets from one source would inject the same value, e.g. the database URL as the Fernet key.
    let mut sources: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    for (key, r) in [
        ("database_url", &s.database_url),
        ("fernet_key", &s.fernet_key),
        ("api_secret_key", &s.api_secret_key),
        ("jwt_secret", &s.jwt_secret),
        ("broker_url", &s.broker_url),
        ("admin_password", &s.admin_password),
    ] {
        let Some(r) = r else { continue };
        check_secret_ref(ctx, &secret_path(key), key, r);
        let source = match (&r.arn, &r.parameter) {
            (Some(arn), None) => ("arn", arn.as_str()),
            (None, Some(param)) => ("parameter", param.as_str()),
            _ => continue,
        };
        match sources.get(&source) {
            Some(other) => {
                ctx.error(
                    Code::AirflowInvalidSecret,
                    secret_path(key).key(source.0),
                    format!(
                        "`secrets.{key}` and `secrets.{other}` both use the {} `{}`, so they would get the same value",
                        source.0,
                        shown(source.1)
                    ),
                )
                .help = Some(format!(
                    "give `{key}` its own secret, e.g. `{{ parameter: {} }}`",
                    suggested_parameter(key)
                ));
            }
            None => {
                sources.insert(source, key);
            }
        }
    }
}

/// The parameter name help lines suggest for a secret.
fn suggested_parameter(key: &str) -> &'static str {
    match key {
        "database_url" => "AirflowDatabaseSecretArn",
        "fernet_key" => "AirflowFernetKeySecretArn",
        "api_secret_key" => "AirflowApiSecretArn",
        "jwt_secret" => "AirflowJwtSecretArn",
        "admin_password" => "AirflowAdminPasswordSecretArn",
        _ => "AirflowBrokerSecretArn",
    }
}

/// One secret: exactly one of `arn` and `parameter`, each well-formed.
fn check_secret_ref(ctx: &mut Ctx, path: &FieldPath, key: &str, r: &SecretRef) {
    match (&r.arn, &r.parameter) {
        (Some(_), Some(_)) => {
            ctx.error(
                Code::AirflowInvalidSecret,
                path.key("parameter"),
                format!("`secrets.{key}` sets both `arn` and `parameter`"),
            )
            .help = Some(
                "keep `arn` for a fixed secret, or `parameter` to pass the ARN in when deploying"
                    .into(),
            );
        }
        (None, None) => {
            ctx.error(
                Code::AirflowInvalidSecret,
                path.clone(),
                format!("`secrets.{key}` sets neither `arn` nor `parameter`"),
            )
            .help = Some(format!(
                "write `{key}: {{ arn: arn:aws:secretsmanager:… }}` or `{key}: {{ parameter: {} }}`",
                suggested_parameter(key)
            ));
        }
        (Some(arn), None) => check_secret_arn(ctx, &path.key("arn"), key, arn),
        (None, Some(param)) => check_parameter_name(ctx, &path.key("parameter"), param),
    }
}

fn check_secret_arn(ctx: &mut Ctx, path: &FieldPath, key: &str, arn: &str) {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    let account_ok = |a: &str| a.len() == 12 && a.chars().all(|c| c.is_ascii_digit());
    let ok = match parts.as_slice() {
        ["arn", partition, "secretsmanager", region, account, "secret", name, ..] => {
            partition.starts_with("aws")
                && !region.is_empty()
                && account_ok(account)
                && !name.is_empty()
        }
        ["arn", partition, "ssm", region, account, resource, ..] => {
            partition.starts_with("aws")
                && !region.is_empty()
                && account_ok(account)
                && resource
                    .strip_prefix("parameter/")
                    .is_some_and(|n| !n.is_empty())
        }
        _ => false,
    };
    if !ok {
        ctx.error(
            Code::AirflowInvalidSecret,
            path.clone(),
            format!(
                "`secrets.{key}.arn` `{}` is not a Secrets Manager secret or SSM parameter ARN",
                shown(arn)
            ),
        )
        .help = Some(
            "ECS injects only `arn:aws:secretsmanager:<region>:<account>:secret:<name>` (optionally with `:<json-key>::`) or `arn:aws:ssm:<region>:<account>:parameter/<name>`"
                .into(),
        );
    }
}

/// A CloudFormation parameter name that round-trips through the Terraform variable name, and
/// does not collide with meshsynth's own parameters.
fn check_parameter_name(ctx: &mut Ctx, path: &FieldPath, param: &str) {
    let valid = !param.is_empty()
        && param.len() <= 255
        && param.starts_with(|c: char| c.is_ascii_alphabetic())
        && param.chars().all(|c| c.is_ascii_alphanumeric());
    if !valid {
        ctx.error(
            Code::AirflowInvalidSecret,
            path.clone(),
            format!(
                "parameter name `{}` is not a CloudFormation parameter name",
                shown(param)
            ),
        )
        .help = Some("use 1–255 letters and digits, starting with a letter, in PascalCase: `AirflowDatabaseSecretArn`".into());
        return;
    }
    let var = crate::case::snake_case(param);
    if params::RESERVED.contains(&var.as_str()) {
        ctx.error(
            Code::AirflowReservedParameter,
            path.clone(),
            format!(
                "parameter `{param}` (Terraform variable `{var}`) is a parameter meshsynth declares itself"
            ),
        )
        .help = Some(format!(
            "pick another name, e.g. `Airflow{param}`; meshsynth's own parameters are {}",
            and_list(&params::RESERVED.map(crate::case::pascal_case))
        ));
        return;
    }
    let (prefix, suffix) = params::CLOUD_MAP_SERVICE_ARN;
    let existing = ctx.spec.namespace().is_some_and(|n| n.existing);
    if existing && var.starts_with(prefix) && var.ends_with(suffix) {
        ctx.error(
            Code::AirflowReservedParameter,
            path.clone(),
            format!(
                "parameter `{param}` (Terraform variable `{var}`) has the shape of the parameters meshsynth declares for the ARNs of the existing namespace's Cloud Map services"
            ),
        )
        .help = Some(format!("pick another name, e.g. `Airflow{param}`"));
        return;
    }
    let back = crate::case::pascal_case(&var);
    if back != param {
        ctx.error(
            Code::AirflowInvalidSecret,
            path.clone(),
            format!(
                "parameter `{param}` becomes the Terraform variable `{var}`, which reads back as `{back}`"
            ),
        )
        .help = Some(format!(
            "write it as `{back}`, so the CloudFormation parameter and the Terraform variable are the same name"
        ));
    }
}
