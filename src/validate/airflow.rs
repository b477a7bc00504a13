//! Airflow on Amazon ECS and `workloads`: versions and components, secrets, images, Fargate task
//! sizes and Envoy's reservation, references into the mesh, the names meshsynth generates, egress
//! under `drop_all`, and the Envoys-per-node quota.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use super::common::{and_list, check_port, ports_list, shown};
use super::{node_path, service_path, Ctx};
use crate::diagnostic::{did_you_mean, FieldPath};
use crate::model::{
    airflow_names as names, Airflow, ComponentSize, EgressFilter, Executor, LaunchType, Protocol,
    SecretRef, Spec, TaskRunner,
};

/// Connected Envoy processes per virtual node (App Mesh default quota).
const MAX_ENVOYS_PER_NODE: u32 = 50;
/// The least memory (MiB) a DAG task or workload container keeps after Envoy's reservation.
const MIN_APP_MEMORY: u32 = 128;
/// Postgres, the metadata database.
const POSTGRES_PORT: u32 = 5432;
/// Redis, the Celery broker.
const REDIS_PORT: u32 = 6379;
/// CPU values Fargate accepts at task level.
const FARGATE_CPUS: [u32; 7] = [256, 512, 1024, 2048, 4096, 8192, 16384];
/// Retention periods CloudWatch Logs accepts, in days.
const LOG_RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];
/// Task definition families (after `<project>-`) and IAM role names meshsynth uses itself.
const RESERVED_FAMILIES: [(&str, &str); 7] = [
    ("api-server", "the Airflow API server"),
    ("webserver", "the Airflow webserver"),
    ("scheduler", "the Airflow scheduler"),
    ("dag-processor", "the Airflow dag processor"),
    ("triggerer", "the Airflow triggerer"),
    ("worker", "the Airflow worker task definition"),
    ("execution", "the ECS task execution role"),
];
/// IAM role names: at most 64 characters.
const MAX_ROLE_NAME: usize = 64;
/// Parameters / variables meshsynth declares itself, by their neutral snake_case name.
const RESERVED_PARAMETERS: [&str; 4] =
    ["vpc_id", "subnet_ids", "security_group_ids", "envoy_image"];

fn airflow_path() -> FieldPath {
    FieldPath::root().key("airflow")
}

fn workload_path(name: &str) -> FieldPath {
    FieldPath::root().key("workloads").key(name)
}

/// The Airflow major version, when it is one meshsynth supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Major {
    V2,
    V3,
}

pub(crate) fn check(ctx: &mut Ctx) {
    let spec = ctx.spec;
    if let Some(af) = &spec.airflow {
        check_airflow(ctx, af);
    }
    check_workloads(ctx);
}

fn check_airflow(ctx: &mut Ctx, af: &Airflow) {
    let major = check_version(ctx, af);
    check_image(
        ctx,
        &airflow_path().key("image"),
        "the Airflow image",
        &af.image,
        false,
    );
    if major.is_some() {
        check_image_version(ctx, af);
    }
    check_components(ctx, af, major);
    check_cluster(ctx, af);
    check_capacity_provider(ctx, af);
    check_secrets(ctx, af, major);
    check_sizes(ctx, af);
    check_references(ctx, af);
    check_generated_names(ctx, af);
    check_egress_values(ctx, af);
    if let Some(m) = major {
        check_egress_filter(ctx, af, m);
    }
    check_envoy_quota(ctx, af);
    check_unused_settings(ctx, af);
    if let Some(days) = af.log_retention_days {
        if !LOG_RETENTION_DAYS.contains(&days) {
            let below = LOG_RETENTION_DAYS.iter().rev().find(|d| **d < days);
            let above = LOG_RETENTION_DAYS.iter().find(|d| **d > days);
            let near: Vec<String> = below.into_iter().chain(above).map(u32::to_string).collect();
            ctx.error(
                "airflow-invalid-log-retention",
                airflow_path().key("log_retention_days"),
                format!("`log_retention_days: {days}` is not a retention CloudWatch Logs accepts"),
            )
            .help = Some(format!(
                "use a retention CloudWatch accepts, such as {} (the full list: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)",
                or_list(&near)
            ));
        }
    }
}

/// `` `a` `` / `` `a` or `b` ``.
fn or_list<S: AsRef<str>>(items: &[S]) -> String {
    and_list(items).replacen(" and ", " or ", 1)
}

// ---------------------------------------------------------------------------------------------
// Version, components and secrets
// ---------------------------------------------------------------------------------------------

fn check_version(ctx: &mut Ctx, af: &Airflow) -> Option<Major> {
    let major = match af.parsed_version().map(|v| v.major) {
        Some(2) => return Some(Major::V2),
        Some(3) => return Some(Major::V3),
        Some(m) => Some(m),
        None => None,
    };
    let msg = match major {
        Some(m) => format!(
            "version `{}` is Airflow {m}.x, which meshsynth does not support",
            shown(&af.version)
        ),
        None => format!(
            "version `{}` is not an Airflow `MAJOR.MINOR` version",
            shown(&af.version)
        ),
    };
    ctx.error("airflow-unsupported-version", airflow_path().key("version"), msg)
        .help = Some(
        "write the Airflow version the image runs as a quoted string, 2.x or 3.x: `version: \"3.1\"`"
            .into(),
    );
    None
}

/// An image reference's pin.
enum Pin<'a> {
    Digest,
    Tag(&'a str),
    None,
}

fn image_pin(image: &str) -> Pin<'_> {
    if image.contains('@') {
        return Pin::Digest;
    }
    // A registry port (`host:5000/repo`) is not a tag: only the last path segment carries one.
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, tag)) => Pin::Tag(tag),
        None => Pin::None,
    }
}

/// Images are pinned by tag or digest; no tag and `latest` are warnings.
fn check_image(ctx: &mut Ctx, path: &FieldPath, what: &str, image: &str, workload: bool) {
    let (invalid, unpinned) = if workload {
        ("workload-invalid-image", "workload-unpinned-image")
    } else {
        ("airflow-invalid-image", "airflow-unpinned-image")
    };
    if image.trim().is_empty() || image.chars().any(char::is_whitespace) {
        let msg = if image.trim().is_empty() {
            format!("{what} is empty")
        } else {
            format!("{what} `{}` is not an image reference", shown_image(image))
        };
        ctx.error(invalid, path.clone(), msg)
        .help = Some(
            "write `repository:tag` or `repository@sha256:…`, without spaces, e.g. `apache/airflow:3.1.3`"
                .into(),
        );
        return;
    }
    let msg = match image_pin(image) {
        Pin::Digest => return,
        Pin::Tag(t) if t != "latest" => return,
        Pin::Tag(_) => format!("{what} `{}` uses the `latest` tag", shown_image(image)),
        Pin::None => format!(
            "{what} `{}` has no tag, so it means `latest`",
            shown_image(image)
        ),
    };
    ctx.warning(unpinned, path.clone(), msg).help = Some(
        "pin a version tag or a digest (`:3.1.3` or `@sha256:…`): `latest` changes under running tasks, and ECS may pull a different image for each task"
            .into(),
    );
}

/// An image for a message: whole when short, else its last path segment (which holds the tag).
fn shown_image(image: &str) -> String {
    if image.chars().count() <= 40 {
        return image.to_string();
    }
    match image.rsplit_once('/') {
        Some((_, last)) => format!("…/{}", shown(last)),
        None => shown(image),
    }
}

/// The official image's tag should carry the same major.minor as `version`.
fn check_image_version(ctx: &mut Ctx, af: &Airflow) {
    let Some(version) = af.parsed_version() else {
        return;
    };
    let repo = match af.image.rsplit_once(':') {
        Some((r, _)) => r,
        None => return,
    };
    let repo = repo
        .trim_start_matches("docker.io/")
        .trim_start_matches("index.docker.io/");
    if repo != "apache/airflow" {
        return;
    }
    let Pin::Tag(tag) = image_pin(&af.image) else {
        return;
    };
    let tag = tag.trim_start_matches("slim-");
    let numbers = tag.split('-').next().unwrap_or("");
    let mut parts = numbers.split('.');
    let (Some(Ok(tmaj)), Some(Ok(tmin))) = (
        parts.next().map(str::parse::<u32>),
        parts.next().map(str::parse::<u32>),
    ) else {
        return;
    };
    if (tmaj, tmin) != (version.major, version.minor) {
        ctx.warning(
            "airflow-version-mismatch",
            airflow_path().key("version"),
            format!(
                "`version` says `{}` but the image `{}` runs Airflow {tmaj}.{tmin}",
                shown(&af.version),
                shown(&af.image)
            ),
        )
        .help = Some(format!(
            "set `version: \"{tmaj}.{tmin}\"`, or use an `apache/airflow:{}.{}.x` image: meshsynth picks components and settings by `version`",
            version.major, version.minor
        ));
    }
}

fn components_path() -> FieldPath {
    airflow_path().key("components")
}

fn check_components(ctx: &mut Ctx, af: &Airflow, major: Option<Major>) {
    let c = &af.components;
    if c.scheduler.is_none() {
        let empty = c.api_server.is_none()
            && c.webserver.is_none()
            && c.dag_processor.is_none()
            && c.triggerer.is_none();
        let msg = if empty {
            "`components` is empty; Airflow needs at least a scheduler"
        } else {
            "`components` has no `scheduler`; Airflow needs at least a scheduler"
        };
        ctx.error("airflow-missing-component", components_path(), msg)
            .help = Some(
            "add `scheduler: { cpu: 1024, memory: 2048 }` under `airflow.components`: the scheduler queues every Airflow task"
                .into(),
        );
    }
    match major {
        Some(Major::V3) => {
            if c.dag_processor.is_none() {
                ctx.error(
                    "airflow-missing-component",
                    components_path(),
                    "`components` has no `dag_processor`, which Airflow 3.x needs: only the dag processor parses DAGs",
                )
                .help = Some(
                    "add `dag_processor: { cpu: 512, memory: 1024 }` under `airflow.components`".into(),
                );
            }
            if c.webserver.is_some() {
                ctx.error(
                    "airflow-v2-only",
                    components_path().key("webserver"),
                    "`webserver` is an Airflow 2.x component; Airflow 3.x replaced it with the API server",
                )
                .help = Some(
                    "rename `webserver` to `api_server` (it serves the UI, the REST API and the Execution API tasks call)"
                        .into(),
                );
            } else if c.api_server.is_none() {
                ctx.error(
                    "airflow-missing-component",
                    components_path(),
                    "`components` has no `api_server`, which Airflow 3.x needs: tasks reach the metadata database only through its Execution API",
                )
                .help = Some(
                    "add `api_server: { cpu: 1024, memory: 2048 }` under `airflow.components`; meshsynth puts it in the mesh as a backend of every task"
                        .into(),
                );
            }
        }
        Some(Major::V2) if c.api_server.is_some() => {
            ctx.error(
                "airflow-v3-only",
                components_path().key("api_server"),
                "`api_server` is an Airflow 3.x component; Airflow 2.x serves the UI from the webserver",
            )
            .help = Some(
                "rename `api_server` to `webserver`, or set `version` to a 3.x release".into(),
            );
        }
        Some(Major::V2) | None => {}
    }
}

fn secret_path(key: &str) -> FieldPath {
    airflow_path().key("secrets").key(key)
}

fn check_secrets(ctx: &mut Ctx, af: &Airflow, major: Option<Major>) {
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
    for (key, what, set) in required {
        if !set {
            ctx.error(
                "airflow-missing-secret",
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
            "airflow-v3-only",
            secret_path("jwt_secret"),
            "`jwt_secret` signs Airflow 3.x Execution API tokens; Airflow 2.x has no such setting",
        )
        .help = Some("remove `jwt_secret`, or set `version` to a 3.x release".into());
    }
    if !celery && s.broker_url.is_some() {
        ctx.warning(
            "airflow-unused-secret",
            secret_path("broker_url"),
            format!(
                "`broker_url` is only used by the Celery executor, and the executor is `{}`",
                executor_name(af.executor)
            ),
        )
        .help = Some("remove `broker_url`, or set `executor: celery`".into());
    }

    // Two secrets from one source would inject the same value, e.g. the database URL as the Fernet key.
    let mut sources: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    for (key, r) in [
        ("database_url", &s.database_url),
        ("fernet_key", &s.fernet_key),
        ("api_secret_key", &s.api_secret_key),
        ("jwt_secret", &s.jwt_secret),
        ("broker_url", &s.broker_url),
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
                    "airflow-invalid-secret",
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
        _ => "AirflowBrokerSecretArn",
    }
}

fn executor_name(e: Executor) -> &'static str {
    match e {
        Executor::Ecs => "ecs",
        Executor::Celery => "celery",
        Executor::Local => "local",
    }
}

/// One secret: exactly one of `arn` and `parameter`, each well-formed.
fn check_secret_ref(ctx: &mut Ctx, path: &FieldPath, key: &str, r: &SecretRef) {
    match (&r.arn, &r.parameter) {
        (Some(_), Some(_)) => {
            ctx.error(
                "airflow-invalid-secret",
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
                "airflow-invalid-secret",
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
            "airflow-invalid-secret",
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
            "airflow-invalid-secret",
            path.clone(),
            format!(
                "parameter name `{}` is not a CloudFormation parameter name",
                shown(param)
            ),
        )
        .help = Some("use 1–255 letters and digits, starting with a letter, in PascalCase: `AirflowDatabaseSecretArn`".into());
        return;
    }
    let var = crate::plan::snake_case(param);
    if RESERVED_PARAMETERS.contains(&var.as_str()) {
        ctx.error(
            "airflow-reserved-parameter",
            path.clone(),
            format!(
                "parameter `{param}` (Terraform variable `{var}`) is a parameter meshsynth declares itself"
            ),
        )
        .help = Some(format!(
            "pick another name, e.g. `Airflow{param}`; meshsynth's own parameters are `VpcId`, `SubnetIds`, `SecurityGroupIds` and `EnvoyImage`"
        ));
        return;
    }
    let back = crate::plan::pascal_case(&var);
    if back != param {
        ctx.error(
            "airflow-invalid-secret",
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

/// Fargate providers go with Fargate task definitions, Auto Scaling group providers with EC2 ones.
fn check_capacity_provider(ctx: &mut Ctx, af: &Airflow) {
    let Some(cp) = af.capacity_provider.as_deref() else {
        return;
    };
    let path = airflow_path().key("capacity_provider");
    let fargate_provider = matches!(cp, "FARGATE" | "FARGATE_SPOT");
    let fargate = af.launch_type() == LaunchType::Fargate;
    if cp.is_empty()
        || cp.len() > 255
        || !cp
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        ctx.error(
            "airflow-capacity-provider",
            path,
            format!("capacity provider `{}` is not a capacity provider name", shown(cp)),
        )
        .help = Some("use `FARGATE`, `FARGATE_SPOT`, or the name of an EC2 capacity provider (letters, digits, `-`, `_`)".into());
    } else if fargate && !fargate_provider {
        ctx.error(
            "airflow-capacity-provider",
            path,
            format!("capacity provider `{cp}` is not a Fargate provider, but the task definitions are built for Fargate"),
        )
        .help = Some("set `launch_type: ec2` for an Auto Scaling group capacity provider, or use `FARGATE` / `FARGATE_SPOT`".into());
    } else if !fargate && fargate_provider {
        ctx.error(
            "airflow-capacity-provider",
            path,
            format!("capacity provider `{cp}` runs Fargate tasks, but `launch_type` is `ec2`"),
        )
        .help = Some("remove `launch_type: ec2`, or name an EC2 capacity provider".into());
    }
}

fn check_cluster(ctx: &mut Ctx, af: &Airflow) {
    let path = airflow_path().key("cluster");
    let c = &af.cluster;
    match (c.create, &c.name) {
        (Some(true), Some(_)) => {
            ctx.error(
                "airflow-invalid-cluster",
                path.key("name"),
                "`cluster` sets both `create: true` and `name`",
            )
            .help = Some(
                "keep `create: true` to have meshsynth create the cluster, or `name` to use an existing one"
                    .into(),
            );
        }
        (Some(true), None) => {}
        (_, None) => {
            let msg = if c.create == Some(false) {
                "`cluster` has `create: false` but no `name` of an existing cluster"
            } else {
                "`cluster` sets neither `create: true` nor `name`"
            };
            ctx.error("airflow-invalid-cluster", path, msg).help = Some(
                "write `cluster: { create: true }`, or `cluster: { name: <existing cluster> }`"
                    .into(),
            );
        }
        (_, Some(name)) => {
            let ok = !name.is_empty()
                && name.len() <= 255
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok {
                ctx.error(
                    "airflow-invalid-cluster",
                    path.key("name"),
                    format!("cluster name `{}` is not an ECS cluster name", shown(name)),
                )
                .help = Some("use 1–255 letters, digits, `-` and `_`".into());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Task sizes
// ---------------------------------------------------------------------------------------------

/// The memory values (MiB) Fargate accepts with a task CPU value.
fn fargate_memories(cpu: u32) -> Option<Vec<u32>> {
    let (min, max, step) = match cpu {
        256 => return Some(vec![512, 1024, 2048]),
        512 => (1024, 4096, 1024),
        1024 => (2048, 8192, 1024),
        2048 => (4096, 16384, 1024),
        4096 => (8192, 30720, 1024),
        8192 => (16384, 61440, 4096),
        16384 => (32768, 122880, 8192),
        _ => return None,
    };
    Some((min..=max).step_by(step as usize).collect())
}

/// `` `512`, `1024` or `2048` ``, or `` `2048` to `8192` in steps of `1024` ``.
fn memories_text(ms: &[u32]) -> String {
    if ms.len() <= 4 {
        let s: Vec<String> = ms.iter().map(u32::to_string).collect();
        return or_list(&s);
    }
    let step = ms[1] - ms[0];
    format!("`{}` to `{}` in steps of `{step}`", ms[0], ms[ms.len() - 1])
}

/// One ECS task definition and what it must fit.
struct TaskSize {
    path: FieldPath,
    /// How messages name it, e.g. "the API server".
    what: String,
    cpu: Option<u32>,
    memory: Option<u32>,
    default: (u32, u32),
    /// Whether the task carries an Envoy sidecar.
    meshed: bool,
    /// The least memory the application container keeps.
    min_app: u32,
    /// What the application container is, for messages.
    app: &'static str,
    workload: bool,
}

fn component(
    path: FieldPath,
    what: &str,
    size: &ComponentSize,
    default: (u32, u32),
    meshed: bool,
) -> TaskSize {
    TaskSize {
        path,
        what: what.into(),
        cpu: size.cpu,
        memory: size.memory,
        default,
        meshed,
        min_app: names::MIN_AIRFLOW_MEMORY,
        app: "the Airflow container",
        workload: false,
    }
}

fn check_sizes(ctx: &mut Ctx, af: &Airflow) {
    let c = &af.components;
    let local = af.runs_tasks_in() == TaskRunner::Scheduler;
    let mut tasks = Vec::new();
    for (key, what, size) in [
        ("api_server", "the API server", &c.api_server),
        ("webserver", "the webserver", &c.webserver),
    ] {
        if let Some(size) = size {
            tasks.push(component(
                components_path().key(key),
                what,
                size,
                names::DEFAULT_SIZE,
                true,
            ));
        }
    }
    if let Some(size) = &c.scheduler {
        tasks.push(component(
            components_path().key("scheduler"),
            "the scheduler",
            size,
            names::DEFAULT_SIZE,
            local,
        ));
    }
    if let Some(size) = &c.dag_processor {
        tasks.push(component(
            components_path().key("dag_processor"),
            "the dag processor",
            size,
            names::DEFAULT_SMALL_SIZE,
            false,
        ));
    }
    if let Some(size) = &c.triggerer {
        tasks.push(component(
            components_path().key("triggerer"),
            "the triggerer",
            size,
            names::DEFAULT_SMALL_SIZE,
            false,
        ));
    }
    if !local {
        let w = af.workers.clone().unwrap_or_default();
        let what = match af.runs_tasks_in() {
            TaskRunner::CeleryWorkers => "the Celery workers",
            _ => "the worker task definition",
        };
        tasks.push(TaskSize {
            path: airflow_path().key("workers"),
            what: what.into(),
            cpu: w.cpu,
            memory: w.memory,
            default: names::DEFAULT_SIZE,
            meshed: true,
            min_app: names::MIN_AIRFLOW_MEMORY,
            app: "the Airflow container",
            workload: false,
        });
    }
    for (name, t) in &af.tasks {
        tasks.push(TaskSize {
            path: airflow_path().key("tasks").key(name),
            what: format!("DAG task `{name}`"),
            cpu: Some(t.cpu),
            memory: Some(t.memory),
            default: (t.cpu, t.memory),
            meshed: true,
            min_app: MIN_APP_MEMORY,
            app: "its container",
            workload: false,
        });
    }
    let fargate = af.launch_type() == LaunchType::Fargate;
    for t in &tasks {
        check_task_size(ctx, t, fargate);
    }
}

fn check_task_size(ctx: &mut Ctx, t: &TaskSize, fargate: bool) {
    let cpu = t.cpu.unwrap_or(t.default.0);
    let mem = t.memory.unwrap_or(t.default.1);
    let (size_code, small_code) = if t.workload {
        ("workload-invalid-task-size", "workload-task-too-small")
    } else {
        ("airflow-invalid-task-size", "airflow-task-too-small")
    };
    let cpu_path = if t.cpu.is_some() {
        t.path.key("cpu")
    } else {
        t.path.clone()
    };
    let mem_path = if t.memory.is_some() {
        t.path.key("memory")
    } else {
        cpu_path.clone()
    };
    let shown_mem = if t.memory.is_some() {
        format!("`memory: {mem}`")
    } else {
        format!("the default `memory: {mem}`")
    };
    let shown_cpu = if t.cpu.is_some() {
        format!("`cpu: {cpu}`")
    } else {
        format!("the default `cpu: {cpu}`")
    };
    let valid_memories = if fargate {
        match fargate_memories(cpu) {
            None => {
                let cpus: Vec<String> = FARGATE_CPUS.iter().map(u32::to_string).collect();
                ctx.error(
                    size_code,
                    cpu_path,
                    format!("{shown_cpu} of {} is not a Fargate task CPU value", t.what),
                )
                .help = Some(format!("use one of {}", or_list(&cpus)));
                return;
            }
            Some(ms) if !ms.contains(&mem) => {
                ctx.error(
                    size_code,
                    mem_path,
                    format!(
                        "{} asks for {shown_cpu} with {shown_mem}, which is not a Fargate task size",
                        t.what
                    ),
                )
                .help = Some(format!(
                    "with `cpu: {cpu}`, set `memory` to {}",
                    memories_text(&ms)
                ));
                return;
            }
            Some(ms) => Some(ms),
        }
    } else {
        None
    };
    let reserved = if t.meshed {
        names::ENVOY_MEMORY_RESERVATION
    } else {
        0
    };
    let need = reserved + t.min_app;
    if mem < need {
        let left = mem.saturating_sub(reserved);
        let msg = if t.meshed {
            format!(
                "{} has {shown_mem}, which leaves {left} MiB for {} after Envoy's {reserved} MiB, less than the {} MiB it needs",
                t.what, t.app, t.min_app
            )
        } else {
            format!(
                "{} has {shown_mem}, less than the {} MiB {} needs",
                t.what, t.min_app, t.app
            )
        };
        let help = match valid_memories.and_then(|ms| ms.into_iter().find(|m| *m >= need)) {
            Some(m) => {
                format!("set `memory: {m}` (the smallest Fargate size for `cpu: {cpu}` that fits)")
            }
            None if fargate => {
                let (c, m) = FARGATE_CPUS
                    .iter()
                    .filter_map(|c| {
                        Some((*c, fargate_memories(*c)?.into_iter().find(|m| *m >= need)?))
                    })
                    .find(|(c, _)| *c > cpu)
                    .unwrap_or(names::DEFAULT_SIZE);
                format!("raise the task size, e.g. `cpu: {c}, memory: {m}`")
            }
            None => format!("set `memory` to at least `{need}`"),
        };
        ctx.error(small_code, mem_path, msg).help = Some(help);
    } else if t.meshed && cpu <= names::ENVOY_CPU {
        ctx.error(
            small_code,
            cpu_path,
            format!(
                "{} has {shown_cpu}, which leaves no CPU for {} after Envoy's {} units",
                t.what,
                t.app,
                names::ENVOY_CPU
            ),
        )
        .help = Some(format!("set `cpu` to at least `{}`", names::ENVOY_CPU * 2));
    }
}

// ---------------------------------------------------------------------------------------------
// References into the mesh
// ---------------------------------------------------------------------------------------------

/// The provider of a virtual service, as far as Airflow's references care.
enum Provider {
    /// The service, or its provider, does not exist (reported by the name rules).
    Unknown,
    /// `{}`: a virtual service without a provider.
    Nothing,
    /// The provider router's or node's listeners: how it is named, and (port, protocol) pairs.
    Listeners(String, Vec<(u32, Protocol)>),
}

fn provider(spec: &Spec, service: &str) -> Provider {
    let Some(vs) = spec.virtual_services.get(service) else {
        return Provider::Unknown;
    };
    let found = match (&vs.router, &vs.node) {
        (Some(r), None) => spec.virtual_routers.get(r).map(|router| {
            let ls = router.listeners.iter().map(|l| (l.port, l.protocol));
            (format!("virtual router `{r}`"), ls.collect())
        }),
        (None, Some(n)) => spec.virtual_nodes.get(n).map(|node| {
            let ls = node.listeners.iter().map(|l| (l.port, l.protocol));
            (format!("virtual node `{n}`"), ls.collect())
        }),
        (None, None) => return Provider::Nothing,
        (Some(_), Some(_)) => None,
    };
    match found {
        Some((owner, listeners)) => Provider::Listeners(owner, listeners),
        None => Provider::Unknown,
    }
}

/// The listener ports of a virtual service's provider (empty when it has none or is unknown).
fn provider_ports(spec: &Spec, service: &str) -> Vec<u32> {
    match provider(spec, service) {
        Provider::Listeners(_, ls) => ls.into_iter().map(|(p, _)| p).collect(),
        Provider::Unknown | Provider::Nothing => Vec::new(),
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn check_backends(ctx: &mut Ctx, path: FieldPath, backends: &[String]) {
    let spec = ctx.spec;
    let services: Vec<&str> = spec.virtual_services.keys().map(String::as_str).collect();
    for (i, b) in backends.iter().enumerate() {
        if !spec.virtual_services.contains_key(b) {
            ctx.error(
                "airflow-unknown-virtual-service",
                path.index(i),
                format!(
                    "backend `{}` is not a virtual service of this spec",
                    shown(b)
                ),
            )
            .help = Some(
                did_you_mean(b, services.iter().copied()).unwrap_or_else(|| {
                    "add it under `virtual_services` (a service without a provider is `{}`)".into()
                }),
            );
        }
    }
}

fn check_references(ctx: &mut Ctx, af: &Airflow) {
    let spec = ctx.spec;
    let worker_backends: Vec<String> = af
        .workers
        .as_ref()
        .map(|w| w.backends.clone())
        .unwrap_or_default();
    check_backends(
        ctx,
        airflow_path().key("workers").key("backends"),
        &worker_backends,
    );

    for (name, task) in &af.tasks {
        let path = airflow_path().key("tasks").key(name);
        if !valid_id(name) {
            ctx.error(
                "airflow-invalid-id",
                path.clone(),
                format!("DAG task name `{}` has characters other than letters, digits, `_` and `-`", shown(name)),
            )
            .help = Some(
                "rename it with letters, digits, `_` and `-` only: it becomes the virtual node `airflow-task-<name>` and the task definition family"
                    .into(),
            );
        }
        check_image(
            ctx,
            &path.key("image"),
            &format!("DAG task `{name}`'s image"),
            &task.image,
            false,
        );
        let role = format!("{}-task-{name}", spec.name);
        check_role_name(
            ctx,
            "airflow-name-too-long",
            path.clone(),
            &format!("DAG task `{name}`"),
            &role,
        );
        check_backends(ctx, path.key("backends"), &task.backends);
    }

    for (id, conn) in &af.connections {
        let path = airflow_path().key("connections").key(id);
        // Airflow looks the connection up as `AIRFLOW_CONN_` + the id in upper case, and an
        // environment variable name cannot hold `-`.
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            ctx.error(
                "airflow-invalid-id",
                path.clone(),
                format!(
                    "connection id `{}` has characters other than letters, digits and `_`",
                    shown(id)
                ),
            )
            .help = Some(format!(
                "rename it to `{}`: Airflow reads it from the environment variable `AIRFLOW_CONN_<ID>`, and an environment variable name holds only letters, digits and `_`",
                id.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
            ));
        }
        let vs = &conn.virtual_service;
        let vs_path = path.key("virtual_service");
        if !spec.virtual_services.contains_key(vs) {
            let services: Vec<&str> = spec.virtual_services.keys().map(String::as_str).collect();
            ctx.error(
                "airflow-unknown-virtual-service",
                vs_path,
                format!(
                    "connection `{id}` points at `{}`, which is not a virtual service of this spec",
                    shown(vs)
                ),
            )
            .help = Some(
                did_you_mean(vs, services.iter().copied())
                    .unwrap_or_else(|| "add it under `virtual_services`".into()),
            );
            check_port(ctx, path.key("port"), conn.port);
            continue;
        }
        check_port(ctx, path.key("port"), conn.port);
        match provider(spec, vs) {
            Provider::Nothing => {
                ctx.warning(
                    "airflow-connection-without-provider",
                    vs_path.clone(),
                    format!(
                        "connection `{id}` points at `{vs}`, a virtual service without a provider, so calls to it fail"
                    ),
                )
                .help = Some(format!(
                    "give `{vs}` a provider (`router` or `node` under `virtual_services`), or point the connection at a served service"
                ));
            }
            Provider::Listeners(owner, listeners)
                if (1..=65535).contains(&conn.port)
                    && !listeners.iter().any(|(p, _)| *p == conn.port) =>
            {
                let help = match listeners.as_slice() {
                    [] => format!("add a listener on port `{}` to {owner}", conn.port),
                    [(only, _)] => format!("use its listener port `{only}`"),
                    _ => format!("use one of its listener ports: {}", ports_list(&listeners)),
                };
                ctx.error(
                    "airflow-unknown-connection-port",
                    path.key("port"),
                    format!(
                        "connection `{id}` uses port `{}`, but {owner}, the provider of `{vs}`, has no listener on it",
                        conn.port
                    ),
                )
                .help = Some(help);
            }
            Provider::Listeners(..) | Provider::Unknown => {}
        }
        if !worker_backends.contains(vs) {
            let mut list = worker_backends.clone();
            list.push(vs.clone());
            ctx.warning(
                "airflow-connection-not-backend",
                vs_path,
                format!(
                    "connection `{id}` points at `{vs}`, which is not in `workers.backends`, so Airflow tasks cannot call it through the mesh"
                ),
            )
            .help = Some(format!(
                "add it under `airflow.workers`: `backends: [{}]`",
                list.join(", ")
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Generated names
// ---------------------------------------------------------------------------------------------

fn spec_namespace(spec: &Spec) -> Option<&str> {
    spec.service_discovery
        .as_ref()
        .and_then(|s| s.cloud_map.as_ref())
        .map(|c| c.namespace.as_str())
}

fn has_api(af: &Airflow) -> bool {
    af.components.api_server.is_some() || af.components.webserver.is_some()
}

fn check_generated_names(ctx: &mut Ctx, af: &Airflow) {
    let spec = ctx.spec;
    let ns = spec_namespace(spec);
    let api = has_api(af);

    if api && ns.is_none() {
        let (key, label) = if af.components.api_server.is_some() {
            ("api_server", "API server")
        } else {
            ("webserver", "webserver")
        };
        ctx.error(
            "airflow-missing-namespace",
            components_path().key(key),
            format!(
                "the {label} joins the mesh through Cloud Map, but the spec creates no Cloud Map namespace"
            ),
        )
        .help = Some(format!(
            "add `service_discovery: {{ cloud_map: {{ namespace: {}.internal }} }}` at the top level; meshsynth registers the {label} there as `{}`",
            spec.name,
            names::API_CLOUD_MAP_SERVICE
        ));
    }

    // DAG tasks whose node names collide with each other.
    let mut task_nodes: BTreeMap<String, &str> = BTreeMap::new();
    for name in af.tasks.keys() {
        let node = names::task_node(name);
        if let Some(other) = task_nodes.get(&node) {
            ctx.error(
                "airflow-name-collision",
                airflow_path().key("tasks").key(name),
                format!("DAG tasks `{other}` and `{name}` both get the virtual node `{node}`"),
            )
            .help = Some("rename one of them: `_` becomes `-` in node and family names".into());
        } else {
            task_nodes.insert(node, name);
        }
    }
    // Connection ids that give the same environment variable.
    let mut conn_vars: BTreeMap<String, &str> = BTreeMap::new();
    for id in af.connections.keys() {
        let var = format!("AIRFLOW_CONN_{}", id.to_uppercase());
        if let Some(other) = conn_vars.get(&var) {
            ctx.error(
                "airflow-name-collision",
                airflow_path().key("connections").key(id),
                format!(
                    "connections `{other}` and `{id}` both become the environment variable `{var}`"
                ),
            )
            .help = Some(
                "rename one of them: Airflow upper-cases connection ids in environment variables"
                    .into(),
            );
        } else {
            conn_vars.insert(var, id);
        }
    }

    for (name, node) in &spec.virtual_nodes {
        let generated = if name == names::WORKER_NODE {
            Some(format!(
                "virtual node `{name}` collides with the node meshsynth generates for the containers that run Airflow tasks"
            ))
        } else if name == names::API_NODE {
            Some(format!(
                "virtual node `{name}` collides with the node meshsynth generates for the Airflow API server / webserver"
            ))
        } else if let Some(task) = task_nodes.get(name) {
            Some(format!(
                "virtual node `{name}` collides with the node meshsynth generates for DAG task `{task}`"
            ))
        } else if name.starts_with("airflow-task-") {
            Some(format!(
                "virtual node `{name}` uses the `airflow-task-` prefix meshsynth reserves for the nodes of DAG tasks"
            ))
        } else {
            None
        };
        if let Some(msg) = generated {
            let help = "rename this virtual node (and its references): with an `airflow` section, meshsynth reserves `airflow-worker`, `airflow-api-server` and `airflow-task-*`";
            ctx.error("airflow-name-collision", node_path(name), msg)
                .help = Some(help.into());
        }
        if api {
            if let Some(cm) = node
                .service_discovery
                .as_ref()
                .and_then(|s| s.cloud_map.as_ref())
            {
                let same_ns = match (&cm.namespace, ns) {
                    (None, _) => true,
                    (Some(n), Some(d)) => n == d,
                    (Some(_), None) => false,
                };
                if same_ns && cm.service == names::API_CLOUD_MAP_SERVICE {
                    ctx.error(
                        "airflow-name-collision",
                        node_path(name).key("service_discovery").key("cloud_map").key("service"),
                        format!(
                            "virtual node `{name}` uses the Cloud Map service `{}`, which meshsynth creates for the Airflow API server",
                            names::API_CLOUD_MAP_SERVICE
                        ),
                    )
                    .help = Some("give this node another Cloud Map service name".into());
                }
            }
        }
    }
    if let (true, Some(ns)) = (api, ns) {
        let api_service = names::api_service(ns);
        if spec.virtual_services.contains_key(&api_service) {
            ctx.error(
                "airflow-name-collision",
                service_path(&api_service),
                format!(
                    "virtual service `{api_service}` collides with the service meshsynth generates for the Airflow API server"
                ),
            )
            .help = Some(format!(
                "remove it: meshsynth creates `{api_service}` itself, provided by the `{}` node",
                names::API_NODE
            ));
        }
    }
}

/// The task role of a task definition is `<project>-<what>`; IAM caps role names at 64.
fn check_role_name(ctx: &mut Ctx, code: &'static str, path: FieldPath, what: &str, role: &str) {
    let n = role.chars().count();
    if n > MAX_ROLE_NAME {
        let over = n - MAX_ROLE_NAME;
        ctx.error(
            code,
            path,
            format!(
                "{what} gets the IAM role `{role}`, {n} characters, more than the {MAX_ROLE_NAME} IAM allows"
            ),
        )
        .help = Some(format!(
            "shorten the name (or the project `name`) by at least {over} character{}",
            if over == 1 { "" } else { "s" }
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// Egress
// ---------------------------------------------------------------------------------------------

fn check_egress_values(ctx: &mut Ctx, af: &Airflow) {
    let path = airflow_path().key("egress");
    for (i, port) in af.egress.ignored_ports.iter().enumerate() {
        check_port(ctx, path.key("ignored_ports").index(i), *port);
    }
    for (i, ip) in af.egress.ignored_ips.iter().enumerate() {
        if !valid_ipv4_or_cidr(ip) {
            ctx.error(
                "airflow-invalid-egress",
                path.key("ignored_ips").index(i),
                format!("`{}` is not an IPv4 address or CIDR block", shown(ip)),
            )
            .help = Some(
                "write an address such as `10.0.12.7` or a block such as `10.0.0.0/16`: ECS takes IPv4 only here"
                    .into(),
            );
        }
    }

    // An ignored port that mesh backends listen on sends those calls around Envoy.
    let spec = ctx.spec;
    let mut backends: BTreeSet<&str> = af
        .workers
        .iter()
        .flat_map(|w| w.backends.iter().map(String::as_str))
        .collect();
    backends.extend(
        af.tasks
            .values()
            .flat_map(|t| t.backends.iter().map(String::as_str)),
    );
    for (i, port) in af.egress.ignored_ports.iter().enumerate() {
        let hit: Vec<&str> = backends
            .iter()
            .copied()
            .filter(|b| provider_ports(spec, b).contains(port))
            .collect();
        if !hit.is_empty() {
            ctx.warning(
                "airflow-ignored-mesh-port",
                path.key("ignored_ports").index(i),
                format!(
                    "ignored port `{port}` is also the port of the backend{} {}, so Airflow's calls to {} bypass Envoy",
                    if hit.len() > 1 { "s" } else { "" },
                    and_list(&hit),
                    if hit.len() > 1 { "them" } else { "it" }
                ),
            )
            .help = Some(format!(
                "remove `{port}` from `ignored_ports` (the mesh carries calls to its backends), or move the other destination to another port"
            ));
        }
    }
}

fn valid_ipv4_or_cidr(s: &str) -> bool {
    match s.split_once('/') {
        Some((ip, bits)) => {
            ip.parse::<Ipv4Addr>().is_ok()
                && !bits.is_empty()
                && bits.chars().all(|c| c.is_ascii_digit())
                && bits.parse::<u32>().is_ok_and(|b| b <= 32)
        }
        None => s.parse::<Ipv4Addr>().is_ok(),
    }
}

/// Ports the backends listed make reachable through the mesh.
fn backend_ports(spec: &Spec, backends: &[String]) -> BTreeSet<u32> {
    backends
        .iter()
        .flat_map(|b| provider_ports(spec, b))
        .collect()
}

fn check_egress_filter(ctx: &mut Ctx, af: &Airflow, major: Major) {
    let spec = ctx.spec;
    if spec.mesh.egress_filter == Some(EgressFilter::AllowAll) {
        return;
    }
    let worker_backends: Vec<String> = af
        .workers
        .as_ref()
        .map(|w| w.backends.clone())
        .unwrap_or_default();
    let runner_ports = backend_ports(spec, &worker_backends);
    let runner = match af.runs_tasks_in() {
        TaskRunner::EcsTaskDefinition => "the ECS tasks that run Airflow tasks",
        TaskRunner::CeleryWorkers => "the Celery workers",
        TaskRunner::Scheduler => "the scheduler (it runs the tasks with the local executor)",
    };
    // (port, what it is, the meshed parts that need it and reach it neither way)
    let mut needs: Vec<(u32, &str, Vec<&str>)> = Vec::new();
    let mut postgres: Vec<&str> = Vec::new();
    match major {
        Major::V2 => {
            if af.components.webserver.is_some() {
                postgres.push("the webserver");
            }
            if !runner_ports.contains(&POSTGRES_PORT) {
                postgres.push(runner);
            }
        }
        Major::V3 => {
            if af.components.api_server.is_some() {
                postgres.push("the API server");
            }
            if af.executor == Executor::Local && !runner_ports.contains(&POSTGRES_PORT) {
                postgres.push(runner);
            }
        }
    }
    needs.push((POSTGRES_PORT, "the metadata database (Postgres)", postgres));
    if af.executor == Executor::Celery && !runner_ports.contains(&REDIS_PORT) {
        needs.push((REDIS_PORT, "the Celery broker (Redis)", vec![runner]));
    }
    let ignored = &af.egress.ignored_ports;
    let missing: Vec<(u32, &str, Vec<&str>)> = needs
        .into_iter()
        .filter(|(port, _, who)| !who.is_empty() && !ignored.contains(port))
        .collect();
    if missing.is_empty() {
        return;
    }
    let mut all: Vec<u32> = ignored.clone();
    all.extend(missing.iter().map(|(p, _, _)| *p));
    let all_text = all
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let new_text = missing
        .iter()
        .map(|(p, _, _)| p.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let (path, line) = if !ignored.is_empty() {
        (
            airflow_path().key("egress").key("ignored_ports"),
            format!("change `airflow.egress.ignored_ports` to `ignored_ports: [{all_text}]`"),
        )
    } else if !af.egress.ignored_ips.is_empty() {
        (
            airflow_path().key("egress"),
            format!("add `ignored_ports: [{new_text}]` under `airflow.egress`"),
        )
    } else {
        (
            airflow_path().key("egress"),
            format!("add `egress: {{ ignored_ports: [{new_text}] }}` under `airflow`"),
        )
    };
    for (port, what, who) in &missing {
        ctx.warning(
            "airflow-egress-blocked",
            path.clone(),
            format!(
                "under the mesh's `drop_all` egress filter, Envoy blocks port `{port}` of {what}, needed by {}",
                and_plain(who)
            ),
        )
        .help = Some(format!(
            "{line}, or set `mesh.egress_filter: allow_all`; AWS APIs over 443 (ECS, STS, CloudWatch Logs, Secrets Manager) are `*.amazonaws.com`, which App Mesh lets through, so they need nothing"
        ));
    }
}

/// `a`, `a and b`, `a, b and c` without backticks.
fn and_plain(items: &[&str]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

// ---------------------------------------------------------------------------------------------
// Quotas and unused settings
// ---------------------------------------------------------------------------------------------

fn too_many_envoys(ctx: &mut Ctx, code: &'static str, path: FieldPath, msg: String, lower: &str) {
    ctx.warning(code, path, msg).help = Some(format!(
        "lower {lower} to {MAX_ENVOYS_PER_NODE} or less, or ask AWS to raise the `Connected Envoy processes per virtual node` quota before deploying"
    ));
}

fn check_envoy_quota(ctx: &mut Ctx, af: &Airflow) {
    let workers = airflow_path().key("workers");
    match af.runs_tasks_in() {
        TaskRunner::EcsTaskDefinition => {
            let set = af.workers.as_ref().and_then(|w| w.parallelism);
            let n = af.parallelism();
            if n > MAX_ENVOYS_PER_NODE || set == Some(0) {
                let how_many = if n == 0 {
                    "`parallelism: 0` lets any number of Airflow tasks run at once".to_string()
                } else {
                    format!("up to {n} Airflow tasks can run at once")
                };
                too_many_envoys(
                    ctx,
                    "airflow-too-many-envoys",
                    workers.key("parallelism"),
                    format!(
                        "{how_many}, each an ECS task whose Envoy connects as the `{}` virtual node, more than the {MAX_ENVOYS_PER_NODE} Envoys per virtual node App Mesh allows by default",
                        names::WORKER_NODE
                    ),
                    "`workers.parallelism`",
                );
            }
        }
        TaskRunner::CeleryWorkers => {
            let n = af
                .workers
                .as_ref()
                .and_then(|w| w.desired_count)
                .unwrap_or(1);
            if n > MAX_ENVOYS_PER_NODE {
                too_many_envoys(
                    ctx,
                    "airflow-too-many-envoys",
                    workers.key("desired_count"),
                    format!(
                        "{n} Celery worker tasks connect their Envoys as the `{}` virtual node, more than the {MAX_ENVOYS_PER_NODE} Envoys per virtual node App Mesh allows by default",
                        names::WORKER_NODE
                    ),
                    "`workers.desired_count`",
                );
            }
        }
        TaskRunner::Scheduler => {}
    }
    for (key, label, size) in [
        ("api_server", "API server", &af.components.api_server),
        ("webserver", "webserver", &af.components.webserver),
    ] {
        if let Some(n) = size.as_ref().and_then(|s| s.desired_count) {
            if n > MAX_ENVOYS_PER_NODE {
                too_many_envoys(
                    ctx,
                    "airflow-too-many-envoys",
                    components_path().key(key).key("desired_count"),
                    format!(
                        "{n} {label} tasks connect their Envoys as the `{}` virtual node, more than the {MAX_ENVOYS_PER_NODE} Envoys per virtual node App Mesh allows by default",
                        names::API_NODE
                    ),
                    "`desired_count`",
                );
            }
        }
    }
}

fn check_unused_settings(ctx: &mut Ctx, af: &Airflow) {
    let Some(w) = &af.workers else { return };
    let path = airflow_path().key("workers");
    let mut unused: Vec<(&str, &str)> = Vec::new();
    match af.executor {
        Executor::Local => {
            if w.cpu.is_some() {
                unused.push(("cpu", "the local executor runs tasks inside the scheduler, which `components.scheduler` sizes"));
            }
            if w.memory.is_some() {
                unused.push(("memory", "the local executor runs tasks inside the scheduler, which `components.scheduler` sizes"));
            }
            if w.desired_count.is_some() {
                unused.push((
                    "desired_count",
                    "only the Celery executor runs a service of workers",
                ));
            }
        }
        Executor::Ecs => {
            if w.desired_count.is_some() {
                unused.push(("desired_count", "the ECS executor starts one ECS task per Airflow task, bounded by `parallelism`"));
            }
        }
        Executor::Celery => {}
    }
    for (key, why) in unused {
        ctx.warning(
            "airflow-unused-setting",
            path.key(key),
            format!(
                "`workers.{key}` has no effect with the `{}` executor: {why}",
                executor_name(af.executor)
            ),
        )
        .help = Some(format!("remove `{key}` from `airflow.workers`"));
    }
}

// ---------------------------------------------------------------------------------------------
// Workloads
// ---------------------------------------------------------------------------------------------

fn check_workloads(ctx: &mut Ctx) {
    let spec = ctx.spec;
    if spec.workloads.is_empty() {
        return;
    }
    let mut families: BTreeMap<String, &str> = BTreeMap::new();
    for name in spec.workloads.keys() {
        let path = workload_path(name);
        let suffix = name.replace('_', "-");
        let family = names::family(&spec.name, name);
        if let Some(other) = families.get(&family) {
            ctx.error(
                "workload-name-collision",
                path.clone(),
                format!("workloads `{other}` and `{name}` both get the task definition family `{family}`"),
            )
            .help = Some("rename one of the virtual nodes: `_` becomes `-` in family names".into());
        } else if let Some(what) = RESERVED_FAMILIES
            .iter()
            .find(|(f, _)| *f == suffix)
            .map(|(_, what)| *what)
            .or_else(|| {
                suffix
                    .starts_with("task-")
                    .then_some("DAG tasks (`task-<task>`)")
            })
        {
            ctx.error(
                "workload-name-collision",
                path.clone(),
                format!(
                    "workload `{name}` gets the task definition family and IAM role `{family}`, which meshsynth uses for {what}"
                ),
            )
            .help = Some("rename the virtual node, e.g. with a version suffix such as `-v1`".into());
        }
        families.entry(family.clone()).or_insert(name);
        check_role_name(
            ctx,
            "workload-name-too-long",
            path,
            &format!("workload `{name}`"),
            &format!("{}-{name}", spec.name),
        );
    }
    let nodes: Vec<&str> = spec.virtual_nodes.keys().map(String::as_str).collect();
    let ns = spec_namespace(spec);
    let fargate = spec
        .airflow
        .as_ref()
        .is_none_or(|a| a.launch_type() == LaunchType::Fargate);
    for (name, w) in &spec.workloads {
        let path = workload_path(name);
        check_image(
            ctx,
            &path.key("image"),
            &format!("workload `{name}`'s image"),
            &w.image,
            true,
        );
        check_task_size(
            ctx,
            &TaskSize {
                path: path.clone(),
                what: format!("workload `{name}`"),
                cpu: Some(w.cpu),
                memory: Some(w.memory),
                default: (w.cpu, w.memory),
                meshed: true,
                min_app: MIN_APP_MEMORY,
                app: "its container",
                workload: true,
            },
            fargate,
        );
        if let Some(n) = w.desired_count {
            if n > MAX_ENVOYS_PER_NODE {
                too_many_envoys(
                    ctx,
                    "workload-too-many-envoys",
                    path.key("desired_count"),
                    format!(
                        "{n} tasks of workload `{name}` connect their Envoys as one virtual node, more than the {MAX_ENVOYS_PER_NODE} Envoys per virtual node App Mesh allows by default"
                    ),
                    "`desired_count`",
                );
            }
        }

        let Some(node) = spec.virtual_nodes.get(name) else {
            ctx.error(
                "workload-unknown-virtual-node",
                path,
                format!("workload `{name}` is not a virtual node of this spec"),
            )
            .help = Some(did_you_mean(name, nodes.iter().copied()).unwrap_or_else(|| {
                "name a workload after the virtual node it runs, and declare that node under `virtual_nodes`".into()
            }));
            continue;
        };
        let np = node_path(name);
        if node.listeners.is_empty() {
            ctx.warning(
                "workload-without-listener",
                np.clone(),
                format!(
                    "workload `{name}` runs virtual node `{name}`, which has no listeners, so no mesh traffic reaches it"
                ),
            )
            .help = Some(
                "add the port the service listens on under the node's `listeners`, or remove the workload if it is a client only"
                    .into(),
            );
            continue;
        }
        let Some(sd) = &node.service_discovery else {
            continue;
        };
        let sdp = np.key("service_discovery");
        match (&sd.cloud_map, &sd.dns) {
            (Some(cm), None) => {
                let cmp = sdp.key("cloud_map");
                if let Some(node_ns) = &cm.namespace {
                    if Some(node_ns.as_str()) != ns {
                        let help = match ns {
                            Some(d) => format!(
                                "remove `namespace` so the node uses `{d}`, or drop `{name}` from `workloads` and run it yourself"
                            ),
                            None => format!(
                                "set `service_discovery: {{ cloud_map: {{ namespace: {node_ns} }} }}` at the top level and remove `namespace` here, or drop `{name}` from `workloads`"
                            ),
                        };
                        ctx.error(
                            "workload-foreign-namespace",
                            cmp.key("namespace"),
                            format!(
                                "workload `{name}` would register in the Cloud Map namespace `{}`, which meshsynth does not create",
                                shown(node_ns)
                            ),
                        )
                        .help = Some(help);
                    }
                }
                if let Some((k, v)) = cm.attributes.iter().next() {
                    ctx.warning(
                        "workload-cloud-map-attributes",
                        cmp.key("attributes"),
                        format!(
                            "workload `{name}` filters Cloud Map on `{}: {}`, but ECS registers its tasks with `ECS_*` attributes only, so no task matches",
                            shown(k),
                            shown(v)
                        ),
                    )
                    .help = Some(
                        "remove `attributes`: meshsynth filters on `ECS_TASK_DEFINITION_FAMILY` itself, which tells the workloads of one Cloud Map service apart"
                            .into(),
                    );
                }
            }
            (None, Some(dns)) => {
                ctx.warning(
                    "workload-dns-discovery",
                    sdp.key("dns").key("hostname"),
                    format!(
                        "workload `{name}` uses DNS discovery, and meshsynth registers its tasks nowhere, so `{}` must resolve to them some other way",
                        shown(&dns.hostname)
                    ),
                )
                .help = Some(
                    "switch the node to `cloud_map: { service: … }` so the ECS service registers its tasks, or point the DNS name at them yourself (a load balancer or a Route 53 record)"
                        .into(),
                );
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Target;
    use crate::validate::{validate, Options};

    const V3_ECS: &str = r#"
name: orders-pipeline
mesh: { name: orders-pipeline }
service_discovery: { cloud_map: { namespace: orders.internal } }
virtual_nodes:
  orders-v1:
    listeners: [{ port: 8080, protocol: http }]
    service_discovery: { cloud_map: { service: orders } }
virtual_services:
  orders.orders.internal: { node: orders-v1 }
airflow:
  version: "3.1"
  image: apache/airflow:3.1.3
  platform: ecs
  executor: ecs
  cluster: { create: true }
  secrets:
    database_url: { parameter: AirflowDatabaseSecretArn }
    fernet_key: { parameter: AirflowFernetKeySecretArn }
    api_secret_key: { parameter: AirflowApiSecretArn }
    jwt_secret: { parameter: AirflowJwtSecretArn }
  components:
    api_server: { cpu: 1024, memory: 2048 }
    scheduler: { cpu: 1024, memory: 2048 }
    dag_processor: { cpu: 512, memory: 1024 }
    triggerer: { cpu: 512, memory: 1024 }
  workers: { cpu: 1024, memory: 2048, backends: [orders.orders.internal] }
  egress: { ignored_ports: [5432] }
"#;

    const V2_CELERY: &str = r#"
name: orders-pipeline
mesh: { name: orders-pipeline }
service_discovery: { cloud_map: { namespace: orders.internal } }
virtual_nodes:
  orders-v1:
    listeners: [{ port: 8080, protocol: http }]
    service_discovery: { cloud_map: { service: orders } }
virtual_services:
  orders.orders.internal: { node: orders-v1 }
airflow:
  version: "2.10"
  image: apache/airflow:2.10.5
  platform: ecs
  executor: celery
  cluster: { name: data-platform }
  secrets:
    database_url: { arn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:airflow/db-AbCdEf:url::" }
    fernet_key: { parameter: AirflowFernetKeySecretArn }
    api_secret_key: { parameter: AirflowApiSecretArn }
    broker_url: { arn: "arn:aws:ssm:us-east-1:111122223333:parameter/airflow/broker" }
  components:
    webserver: { cpu: 1024, memory: 2048, desired_count: 2 }
    scheduler: {}
    triggerer: {}
  workers: { cpu: 2048, memory: 4096, backends: [orders.orders.internal], desired_count: 3 }
  egress: { ignored_ports: [5432, 6379] }
  connections:
    orders_api: { virtual_service: orders.orders.internal, port: 8080 }
  tasks:
    ingest_orders:
      image: 111122223333.dkr.ecr.us-east-1.amazonaws.com/ingest:2.0.0
      command: [python, -m, ingest]
      backends: [orders.orders.internal]
      cpu: 512
      memory: 1024
workloads:
  orders-v1: { image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/orders@sha256:0123456789abcdef", cpu: 256, memory: 512, desired_count: 2 }
"#;

    fn diagnostics(text: &str) -> Vec<String> {
        let loaded = crate::load::load(text);
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        let spec = loaded.spec.expect("the spec loads");
        let opts = Options {
            targets: Target::ALL.to_vec(),
        };
        let (_, diags) = validate(&spec, &opts);
        diags
            .iter()
            .map(|d| format!("{} at {}: {}", d.code, d.path, d.message))
            .collect()
    }

    #[test]
    fn minimal_airflow_3_ecs_spec_is_clean() {
        assert_eq!(diagnostics(V3_ECS), Vec::<String>::new());
    }

    #[test]
    fn airflow_2_celery_spec_is_clean() {
        assert_eq!(diagnostics(V2_CELERY), Vec::<String>::new());
    }

    #[test]
    fn fargate_sizes_follow_the_table() {
        assert_eq!(fargate_memories(256), Some(vec![512, 1024, 2048]));
        assert_eq!(fargate_memories(512), Some(vec![1024, 2048, 3072, 4096]));
        let m = fargate_memories(4096).unwrap();
        assert_eq!((m[0], *m.last().unwrap(), m.len()), (8192, 30720, 23));
        let m = fargate_memories(8192).unwrap();
        assert_eq!(
            (m[0], *m.last().unwrap(), m[1] - m[0]),
            (16384, 61440, 4096)
        );
        let m = fargate_memories(16384).unwrap();
        assert_eq!(
            (m[0], *m.last().unwrap(), m[1] - m[0]),
            (32768, 122880, 8192)
        );
        assert_eq!(fargate_memories(300), None);
    }

    #[test]
    fn image_pins() {
        assert!(matches!(
            image_pin("apache/airflow:3.1.3"),
            Pin::Tag("3.1.3")
        ));
        assert!(matches!(image_pin("registry:5000/airflow"), Pin::None));
        assert!(matches!(
            image_pin("registry:5000/airflow:2.0"),
            Pin::Tag("2.0")
        ));
        assert!(matches!(
            image_pin("apache/airflow@sha256:abc"),
            Pin::Digest
        ));
    }

    #[test]
    fn egress_ips() {
        assert!(valid_ipv4_or_cidr("10.0.0.0/16"));
        assert!(valid_ipv4_or_cidr("10.0.12.7"));
        assert!(!valid_ipv4_or_cidr("10.0.0.0/33"));
        assert!(!valid_ipv4_or_cidr("10.0.0/8"));
        assert!(!valid_ipv4_or_cidr("fd00::1"));
        assert!(!valid_ipv4_or_cidr("10.0.0.0/"));
    }
}
