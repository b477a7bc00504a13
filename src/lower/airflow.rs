//! Airflow's settings, shared by every platform it runs on: the environment every component
//! gets, the secrets each one injects, and its connections to meshed services. Platforms (ECS
//! today, EKS next) turn these into task definitions or pod specs.

use std::collections::BTreeMap;

use crate::case::snake_case;
use crate::check::lattice::model::{fmt_duration, ClientPolicy, ListenerProtocol};
use crate::check::lattice::Model;
use crate::check::Checked;
use crate::ir::{Param, ParamType, Plan, Value};
use crate::spec::airflow_names as names;
use crate::spec::{
    Airflow, ConnType, Connection, DagSource, Executor, LatticeAuth, MeshBackend, S3Dags, SecretRef,
};

/// One secret: the environment variable it is injected as, and where its value comes from.
pub type Secret = Option<(String, Value)>;

/// What every Airflow component is configured with.
pub struct AirflowSettings {
    pub db: Secret,
    pub fernet: Secret,
    pub api_key: Secret,
    pub jwt: Secret,
    pub broker: Secret,
    /// The UI admin's password, for the migration step that creates the user.
    pub admin_password: Secret,
    /// The environment every component gets.
    pub common: BTreeMap<String, Value>,
}

impl AirflowSettings {
    /// Reads the settings off the spec, declaring a parameter for each secret given by name.
    pub fn new(checked: &Checked, af: &Airflow, plan: &mut Plan) -> Self {
        let v3 = af.is_v3();
        let mut secret = |s: &Option<SecretRef>, env: &str| {
            s.as_ref()
                .map(|s| (env.to_owned(), secret_value(plan, s, env)))
        };
        let db = secret(
            &af.secrets.database_url,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        );
        let fernet = secret(&af.secrets.fernet_key, "AIRFLOW__CORE__FERNET_KEY");
        let api_key_env = if v3 {
            "AIRFLOW__API__SECRET_KEY"
        } else {
            "AIRFLOW__WEBSERVER__SECRET_KEY"
        };
        let api_key = secret(&af.secrets.api_secret_key, api_key_env);
        let jwt = secret(&af.secrets.jwt_secret, "AIRFLOW__API_AUTH__JWT_SECRET");
        let broker = secret(&af.secrets.broker_url, "AIRFLOW__CELERY__BROKER_URL");
        let admin_password = secret(&af.secrets.admin_password, names::ADMIN_PASSWORD_ENV);

        let executor = executor_class(af.executor);
        let mut common: BTreeMap<String, Value> = BTreeMap::new();
        common.insert("AIRFLOW__CORE__EXECUTOR".into(), Value::str(executor));
        common.insert("AIRFLOW__CORE__LOAD_EXAMPLES".into(), Value::str("False"));
        if let Some(p) = af.workers.as_ref().and_then(|w| w.parallelism) {
            common.insert(
                "AIRFLOW__CORE__PARALLELISM".into(),
                Value::str(p.to_string()),
            );
        }
        if !v3 && af.components.dag_processor.is_some() {
            // On 2.x `airflow dag-processor` exits unless this is set ("The option
            // [scheduler/standalone_dag_processor] must be True"), and without it the scheduler
            // parses DAGs as well. 3.x always runs the DAG processor separately.
            common.insert(
                "AIRFLOW__SCHEDULER__STANDALONE_DAG_PROCESSOR".into(),
                Value::str("True"),
            );
        }
        if let (true, Some(api)) = (v3, checked.api_service()) {
            common.insert(
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL".into(),
                Value::str(format!("http://{api}:{}/execution/", names::API_PORT)),
            );
        }
        for (k, v) in connections_env(checked, af, plan.backend) {
            common.insert(k, Value::str(v));
        }
        if af.has_api() {
            common.insert(
                "AIRFLOW__CORE__AUTH_MANAGER".into(),
                Value::str(FAB_AUTH_MANAGER),
            );
        }
        if let DagSource::S3(s3) = &af.dags {
            common.insert(
                "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST".into(),
                Value::str(dag_bundles(s3).to_string()),
            );
        }
        AirflowSettings {
            db,
            fernet,
            api_key,
            jwt,
            broker,
            admin_password,
            common,
        }
    }

    /// The secrets of `list` that are set, by environment variable.
    pub fn pick(list: &[&Secret]) -> BTreeMap<String, Value> {
        list.iter().filter_map(|x| (*x).clone()).collect()
    }
}

/// `AIRFLOW_CONN_<ID>` of every connection, in the form `backend` calls it in (on Lattice the
/// Lattice listener's scheme and the route's timeout), and `AIRFLOW__HTTP__EXTRA_AUTH_TYPES`
/// when one of them signs: what every container that runs Airflow tasks gets, on every platform.
pub fn connections_env(
    checked: &Checked,
    af: &Airflow,
    backend: MeshBackend,
) -> BTreeMap<String, String> {
    let lattice = match backend {
        MeshBackend::AppMesh => None,
        MeshBackend::VpcLattice => checked.lattice(),
    };
    let mut env = BTreeMap::new();
    let mut signs = false;
    for (id, c) in &af.connections {
        let conn_type = c.conn_type(checked.spec());
        let json = match lattice {
            Some(model) => {
                let l = lattice_client(model, c);
                signs |= l.sign && conn_type == ConnType::Http;
                lattice_connection_json(c, conn_type, &l)
            }
            None => connection_json(c, conn_type),
        };
        env.insert(names::connection_env(id), json.to_string());
    }
    if signs {
        // Providers that read a connection's `auth_type` load only the classes listed here;
        // the generated DAG file and the guide pass it to the hook in code, which works on
        // every provider version.
        env.insert(
            "AIRFLOW__HTTP__EXTRA_AUTH_TYPES".into(),
            LATTICE_AUTH_CLASS.into(),
        );
    }
    env
}

/// The auth manager of every deployment with a UI: users live in the metadata database, so a
/// login survives restarts and is the same on every replica (SimpleAuthManager generates a
/// password per container). 2.x has no other; on 3.x it comes with the image's FAB provider.
pub const FAB_AUTH_MANAGER: &str =
    "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager";

/// `AIRFLOW_CONN_<ID>` in Airflow's JSON form. serde_json escapes what the spec does not
/// constrain.
pub fn connection_json(c: &Connection, conn_type: ConnType) -> serde_json::Value {
    let mut json = serde_json::json!({
        "conn_type": conn_type.as_str(),
        "host": c.virtual_service,
        "port": c.port,
    });
    match conn_type {
        // HttpHook reads `schema` as the URL scheme; other hooks read it differently (a
        // database name, a path), so it is only set for HTTP. Envoy originates TLS.
        ConnType::Http => json["schema"] = "http".into(),
        // GrpcHook.get_conn() raises KeyError without `auth_type`; the local Envoy is a
        // plaintext hop, so the hook opens an insecure channel to it.
        ConnType::Grpc => json["extra"] = serde_json::json!({ "auth_type": "NO_AUTH" }),
    }
    json
}

/// The SigV4 auth class meshsynth ships in the DAGs folder for the Lattice backend.
pub const LATTICE_AUTH_MODULE: &str = "meshsynth_lattice_auth";
pub const LATTICE_AUTH_CLASS: &str = "meshsynth_lattice_auth.LatticeSigV4Auth";

/// The CA bundle of the official (Debian-based) Airflow images.
pub const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// How a client calls a virtual service through VPC Lattice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatticeClient {
    /// The Lattice listener is HTTPS (Lattice terminates TLS with the service's certificate).
    pub https: bool,
    /// The service's auth type is `AWS_IAM`: requests must be SigV4-signed.
    pub sign: bool,
    /// What the route's App Mesh Envoy did that the client does now.
    pub policy: ClientPolicy,
}

/// The Lattice listener a connection calls, and what the client must do.
pub fn lattice_client(model: &Model, c: &Connection) -> LatticeClient {
    let svc = model.services.get(&c.virtual_service);
    let listener = svc.and_then(|s| s.listeners.iter().find(|l| l.port == c.port));
    LatticeClient {
        https: listener.is_some_and(|l| l.protocol == ListenerProtocol::Https),
        sign: svc.is_some_and(|s| s.auth == LatticeAuth::Iam),
        policy: svc
            .and_then(|s| s.client.get(&c.port))
            .cloned()
            .unwrap_or_default(),
    }
}

/// `AIRFLOW_CONN_<ID>` for the Lattice backend: the same host (the virtual-service name, an
/// alias of the Lattice service), `https` when Lattice terminates TLS, and the route's timeout
/// as the `timeout` extra HttpHook applies to every request. Retries have no extra HttpHook
/// reads (it sends unknown extras as headers), so the description carries them for people.
pub fn lattice_connection_json(
    c: &Connection,
    conn_type: ConnType,
    l: &LatticeClient,
) -> serde_json::Value {
    let mut json = serde_json::json!({
        "conn_type": conn_type.as_str(),
        "host": c.virtual_service,
        "port": c.port,
    });
    let mut notes = Vec::new();
    match conn_type {
        ConnType::Http => {
            json["schema"] = if l.https { "https" } else { "http" }.into();
            if let Some(t) = l.policy.timeout {
                let secs = t.millis() as f64 / 1000.0;
                json["extra"] = serde_json::json!({ "timeout": secs });
            }
            if l.sign {
                notes.push(format!(
                    "VPC Lattice IAM auth: call with auth_type={} (module {LATTICE_AUTH_MODULE} in the DAGs folder)",
                    LATTICE_AUTH_CLASS.rsplit('.').next().unwrap_or(LATTICE_AUTH_CLASS)
                ));
            }
        }
        ConnType::Grpc => {
            // On an HTTPS listener Lattice presents the service's ACM certificate: GrpcHook
            // verifies it against a PEM bundle (the image's system CAs, for a public
            // certificate); a plaintext listener takes an insecure channel.
            json["extra"] = if l.https {
                serde_json::json!({ "auth_type": "SSL", "credential_pem_file": SYSTEM_CA_BUNDLE })
            } else {
                serde_json::json!({ "auth_type": "NO_AUTH" })
            };
        }
    }
    if let Some(n) = l.policy.max_retries {
        let per = l
            .policy
            .per_retry_timeout
            .map(|d| format!(", {} per try", fmt_duration(d)))
            .unwrap_or_default();
        notes.push(format!(
            "retry up to {n} times{per} (App Mesh retried; Lattice does not)"
        ));
    }
    if !notes.is_empty() {
        json["description"] = notes.join("; ").into();
    }
    json
}

/// `[dag_processor] dag_bundle_config_list` for an S3 DAG bundle.
pub(crate) fn dag_bundles(s3: &S3Dags) -> serde_json::Value {
    let mut kwargs = serde_json::json!({ "bucket_name": s3.bucket });
    if let Some(p) = &s3.prefix {
        kwargs["prefix"] = p.as_str().into();
    }
    serde_json::json!([{
        "name": names::DAG_BUNDLE,
        "classpath": "airflow.providers.amazon.aws.bundles.s3.S3DagBundle",
        "kwargs": kwargs,
    }])
}

/// The value of `AIRFLOW__CORE__EXECUTOR`.
pub fn executor_class(e: Executor) -> &'static str {
    match e {
        Executor::Ecs => "airflow.providers.amazon.aws.executors.ecs.ecs_executor.AwsEcsExecutor",
        Executor::Kubernetes => "KubernetesExecutor",
        Executor::Celery => "CeleryExecutor",
        Executor::Local => "LocalExecutor",
    }
}

fn secret_value(plan: &mut Plan, s: &SecretRef, env: &str) -> Value {
    match (&s.arn, &s.parameter) {
        (Some(arn), _) => Value::str(arn),
        (None, Some(p)) => {
            let name = snake_case(p);
            plan.params.insert(
                name.clone(),
                Param {
                    ty: ParamType::String,
                    label: p.clone(),
                    group: "Airflow secrets".into(),
                // The execution role is scoped to exactly this value, and IAM does not match a
                // `:json-key::` suffix against the secret's ARN: only the literal `arn:` form
                // can be stripped of it (see `secret_arn`).
                    description: format!("ARN of the Secrets Manager secret (without a :json-key:: suffix) or SSM parameter injected as {env}"),
                    default: None,
                },
            );
            Value::Param(name)
        }
        (None, None) => Value::str(""),
    }
}

/// How DAGs call the mesh on Lattice: the signing module and each connection's URL and
/// client-side policy; `None` on App Mesh. Every platform's guide documents it.
pub fn lattice_doc(
    checked: &Checked,
    af: &Airflow,
    backend: MeshBackend,
) -> Option<crate::ir::LatticeAirflowDoc> {
    use crate::ir::{LatticeAirflowDoc, LatticeConnectionDoc};
    if backend != MeshBackend::VpcLattice {
        return None;
    }
    let model = checked.lattice()?;
    let connections = af
        .connections
        .iter()
        .map(|(id, c)| {
            let l = lattice_client(model, c);
            let conn_type = c.conn_type(checked.spec());
            LatticeConnectionDoc {
                id: id.clone(),
                env: names::connection_env(id),
                url: format!(
                    "{}://{}:{}",
                    if l.https { "https" } else { "http" },
                    c.virtual_service,
                    c.port
                ),
                conn_type: conn_type.as_str().into(),
                sign: l.sign,
                timeout_seconds: l
                    .policy
                    .timeout
                    .map(|t| format!("{}", t.millis() as f64 / 1000.0)),
                max_retries: l.policy.max_retries,
                per_retry_timeout: l.policy.per_retry_timeout.map(fmt_duration),
            }
        })
        .collect::<Vec<_>>();
    let class = LATTICE_AUTH_CLASS.rsplit('.').next().unwrap_or_default();
    let example = connections
        .iter()
        .find(|c: &&LatticeConnectionDoc| c.conn_type == "http")
        .cloned();
    Some(LatticeAirflowDoc {
        example,
        auth: match model.auth {
            LatticeAuth::Iam => "iam".into(),
            LatticeAuth::None => "none".into(),
        },
        module_file: format!("{LATTICE_AUTH_MODULE}.py"),
        module: LATTICE_AUTH_MODULE.into(),
        class: class.into(),
        connections,
    })
}

/// What each secret's value must be, for the guide.
pub fn secret_holds(key: &str) -> &'static str {
    match key {
        "database_url" => "the metadata database's SQLAlchemy URL, e.g. `postgresql+psycopg2://user:password@host:5432/airflow`",
        "fernet_key" => "a Fernet key (`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`), the same forever: it decrypts stored connections",
        "api_secret_key" => "a long random string that signs sessions and log requests",
        "jwt_secret" => "a long random string that signs the tokens tasks present to the Execution API",
        "broker_url" => "the Celery broker URL, e.g. `rediss://:password@host:6379/0`",
        _ => "the UI admin's password (plain text)",
    }
}
