//! Values for the official Apache Airflow Helm chart ([`names::CHART_VERSION`]), and what the
//! EKS guide documents.
//!
//! The chart runs the control plane (scheduler, API server or webserver, DAG processor,
//! triggerer, the migration and create-user jobs, and on Celery the workers) in
//! `eks.namespace`, never meshed. Every secret is a Kubernetes Secret given by name
//! (`names::*_SECRET`); the guide creates them from the spec's ARNs. The KubernetesExecutor
//! starts worker pods in the task namespace from meshsynth's own pod template, which the
//! scheduler reads from the pod-template ConfigMap; Celery workers mount the same ConfigMap so
//! KubernetesPodOperator finds the DAG tasks' templates.

use std::collections::{BTreeMap, BTreeSet};

use super::{Eks, Identity, IdentityKind};
use crate::ir::{
    ChartDoc, ConnectionDoc, DagsDoc, EksDoc, EksIdentityDoc, EksSecretDoc, EksTaskDoc, EksUiDoc,
    KubeDoc,
};
use crate::kube::helm::{
    CeleryWorkers, Component, ConfigMapVolumeSource, CreateUserJob, Data, DefaultUser, EnvVar,
    Image, Images, Resources, ServiceAccountRef, Toggle, Values, Volume, VolumeMount,
    WorkerSecurityContexts, Workers,
};
use crate::lower::airflow::{connections_env, executor_class, lattice_doc};
use crate::spec::airflow_names::{self as af_names, eks as names};
use crate::spec::{Airflow, ComponentSize, Executor, MeshBackend, SecretRef};

pub(super) fn lower(cx: &Eks, doc: &mut KubeDoc) {
    let values = values(cx);
    doc.helm_values =
        Some(serde_json::to_value(&values).expect("the typed chart values always serialize"));
    doc.guide = Some(guide(cx, doc));
}

/// The volume of the pod-template ConfigMap, and its mount at [`names::POD_TEMPLATE_DIR`].
fn pod_template_volume() -> (Volume, VolumeMount) {
    (
        Volume {
            name: names::POD_TEMPLATES_CONFIGMAP.into(),
            config_map: Some(ConfigMapVolumeSource {
                name: names::POD_TEMPLATES_CONFIGMAP.into(),
            }),
        },
        VolumeMount {
            name: names::POD_TEMPLATES_CONFIGMAP.into(),
            mount_path: names::POD_TEMPLATE_DIR.into(),
            read_only: true,
        },
    )
}

/// A pod template as the scheduler and workers read it.
fn mounted_template(node: &str) -> String {
    format!(
        "{}/{}",
        names::POD_TEMPLATE_DIR,
        names::pod_template_file(node)
    )
}

/// An image reference split as the chart takes it: repository, tag, digest.
pub(crate) fn split_image(image: &str) -> (String, Option<String>, Option<String>) {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d.to_owned())),
        None => (image, None),
    };
    // A registry port (`host:5000/repo`) is not a tag: only the last path segment carries one.
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[slash..].split_once(':') {
        Some((_, tag)) => (
            rest[..slash + rest[slash..].len() - tag.len() - 1].to_owned(),
            Some(tag.to_owned()),
            digest,
        ),
        None => (rest.to_owned(), None, digest),
    }
}

/// The version the chart decides by: the image tag when it names a release of the spec's
/// line (`3.1.8`, `3.1.8-python3.12`), else the spec's `3.1`.
fn airflow_version(af: &Airflow, tag: Option<&str>) -> String {
    let line = format!("{}.", af.version);
    tag.and_then(|t| t.strip_prefix(&line).map(|rest| (t, rest)))
        .and_then(|(t, rest)| {
            let patch: String = rest.chars().take_while(char::is_ascii_digit).collect();
            (!patch.is_empty()).then(|| t[..line.len() + patch.len()].to_owned())
        })
        .unwrap_or_else(|| af.version.clone())
}

fn sized(c: Option<&ComponentSize>) -> Component {
    Component {
        replicas: c.and_then(|c| c.desired_count),
        resources: c.and_then(|c| {
            Resources::guaranteed(
                c.cpu.as_ref().map(|a| a.quantity()),
                c.memory.as_ref().map(|a| a.quantity()),
            )
        }),
        ..Component::default()
    }
}

/// A component the spec runs (with its size), or one it leaves out (disabled).
fn optional(c: Option<&ComponentSize>) -> Component {
    match c {
        Some(_) => sized(c),
        None => Component {
            enabled: Some(false),
            ..Component::default()
        },
    }
}

fn workers_identity<'a>(cx: &'a Eks) -> &'a Identity {
    cx.identities
        .iter()
        .find(|i| i.kind == IdentityKind::Workers)
        .expect("the EKS lowering always has the workers' identity")
}

/// Whether the chart's RBAC must reach beyond its namespace: the KubernetesExecutor starts
/// worker pods, and KubernetesPodOperator starts DAG-task pods, in the task namespace.
fn multi_namespace(af: &Airflow) -> bool {
    af.executor == Executor::Kubernetes || !af.tasks.is_empty()
}

fn values(cx: &Eks) -> Values {
    let af = cx.af;
    let v3 = af.is_v3();
    let (repository, tag, digest) = split_image(&af.image);
    let kubernetes = af.executor == Executor::Kubernetes;
    let celery = af.executor == Executor::Celery;
    let secret = |s: &Option<SecretRef>, name: &str| s.as_ref().map(|_| name.to_owned());
    let sec = &af.secrets;
    let (volume, mount) = pod_template_volume();
    let worker = workers_identity(cx);

    let mut config: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut scheduler = sized(af.components.scheduler.as_ref());
    if kubernetes {
        let mut k = BTreeMap::from([
            ("namespace".to_owned(), cx.eks.task_namespace().to_owned()),
            (
                "pod_template_file".to_owned(),
                mounted_template(&worker.node),
            ),
            // With multiNamespaceMode the chart turns on `multi_namespace_mode`, which watches
            // every namespace unless given a list: only the task namespace.
            (
                "multi_namespace_mode_namespace_list".to_owned(),
                cx.eks.task_namespace().to_owned(),
            ),
        ]);
        if digest.is_some() {
            // The executor runs `<worker_container_repository>:<worker_container_tag>`, which
            // cannot name a digest; left empty, the pod template's image (the spec's, by
            // digest) is used.
            k.insert("worker_container_repository".into(), String::new());
            k.insert("worker_container_tag".into(), String::new());
        }
        config.insert("kubernetes_executor".into(), k);
        scheduler.extra_volumes.push(volume.clone());
        scheduler.extra_volume_mounts.push(mount.clone());
    }

    let mut workers = Workers {
        service_account: ServiceAccountRef {
            create: false,
            name: worker.service_account.clone(),
        },
        ..Workers::default()
    };
    if celery {
        let w = af.workers.as_ref();
        workers.celery = Some(CeleryWorkers {
            replicas: w.and_then(|w| w.desired_count).unwrap_or(1),
        });
        workers.resources = w.and_then(|w| {
            Resources::guaranteed(
                w.cpu.as_ref().map(|a| a.quantity()),
                w.memory.as_ref().map(|a| a.quantity()),
            )
        });
        if !af.tasks.is_empty() {
            workers.extra_volumes.push(volume);
            workers.extra_volume_mounts.push(mount);
        }
        if cx.backend == MeshBackend::AppMesh {
            // The same sidecars the pod templates carry: proxyinit, Envoy and the collector
            // before the worker (Envoy and the collector after it, as classic sidecars, below
            // Kubernetes 1.29).
            workers.extra_init_containers = super::pods::mesh_init_containers(cx, worker);
            workers.extra_containers = super::pods::mesh_containers(cx, worker);
            workers.pod_annotations = super::pods::mesh_pod_annotations(cx);
            workers.security_contexts = super::pods::mesh_pod_security_context(cx, worker)
                .map(|pod| WorkerSecurityContexts { pod });
        }
    }

    let dag_processor = if v3 || af.components.dag_processor.is_some() {
        let mut component = sized(af.components.dag_processor.as_ref());
        if !v3 {
            // 2.x runs the DAG processor only when asked to.
            component.enabled = Some(true);
        }
        // DAGs come from the image on EKS (`eks-platform-mismatch` refuses the others), so the
        // chart's default bundle, the DAGs folder, is the one.
        Some(component)
    } else {
        None
    };

    Values {
        executor: executor_class(af.executor).into(),
        airflow_version: airflow_version(af, tag.as_deref()),
        default_airflow_repository: repository.clone(),
        default_airflow_tag: if digest.is_none() { tag.clone() } else { None },
        default_airflow_digest: digest.clone(),
        images: Images {
            airflow: Image {
                repository,
                tag: if digest.is_none() { tag } else { None },
                digest,
            },
        },
        postgresql: Toggle { enabled: false },
        redis: Toggle { enabled: false },
        pgbouncer: Toggle { enabled: false },
        data: Data {
            metadata_secret_name: secret(&sec.database_url, names::METADATA_SECRET),
            broker_url_secret_name: if celery {
                secret(&sec.broker_url, names::BROKER_URL_SECRET)
            } else {
                None
            },
        },
        fernet_key_secret_name: secret(&sec.fernet_key, names::FERNET_SECRET),
        api_secret_key_secret_name: if v3 {
            secret(&sec.api_secret_key, names::API_SECRET_KEY_SECRET)
        } else {
            None
        },
        webserver_secret_key_secret_name: if v3 {
            None
        } else {
            secret(&sec.api_secret_key, names::WEBSERVER_SECRET_KEY_SECRET)
        },
        jwt_secret_name: if v3 {
            secret(&sec.jwt_secret, names::JWT_SECRET)
        } else {
            None
        },
        multi_namespace_mode: multi_namespace(af),
        env: env(cx),
        config,
        scheduler,
        api_server: v3.then(|| sized(af.components.api_server.as_ref())),
        webserver: (!v3).then(|| optional(af.components.webserver.as_ref())),
        dag_processor,
        triggerer: optional(af.components.triggerer.as_ref()),
        workers,
        create_user_job: create_user_job(af),
    }
}

/// The plain environment of every chart container: the Execution API's full name (3.x), the
/// parallelism, the connections (no secret is in them: hosts and ports) and, where tasks sign
/// their calls to VPC Lattice, the auth class and the region.
fn env(cx: &Eks) -> Vec<EnvVar> {
    let af = cx.af;
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    if af.is_v3() {
        env.insert(
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL".into(),
            names::execution_api_url(cx.eks.namespace()),
        );
    }
    if let Some(p) = af.workers.as_ref().and_then(|w| w.parallelism) {
        env.insert("AIRFLOW__CORE__PARALLELISM".into(), p.to_string());
    }
    // The same connections every task container gets (`lower::airflow::connections_env`).
    let connections = connections_env(cx.checked, af, cx.backend);
    let signs = connections.contains_key("AIRFLOW__HTTP__EXTRA_AUTH_TYPES");
    env.extend(connections);
    if signs {
        // The signer's region (the IRSA webhook may set it too; an explicit one is kept).
        env.insert("AWS_REGION".into(), cx.eks.region.clone());
    }
    env.into_iter()
        .map(|(name, value)| EnvVar::value(name, value))
        .collect()
}

/// The chart's create-user job, with the password read from its Secret: the chart's own
/// arguments would pass `createUserJob.defaultUser.password`, a plain value.
fn create_user_job(af: &Airflow) -> CreateUserJob {
    if !af.has_api() || af.secrets.admin_password.is_none() {
        return CreateUserJob::default();
    }
    let u = af.admin_username();
    let field = |f: &str| format!("{{{{ .Values.createUserJob.defaultUser.{f} }}}}");
    let mut args = vec![
        "bash".to_owned(),
        "-c".to_owned(),
        format!(
            "exec airflow users create \"$@\" --password \"${}\"",
            af_names::ADMIN_PASSWORD_ENV
        ),
        "--".to_owned(),
    ];
    for (flag, f) in [
        ("--role", "role"),
        ("--username", "username"),
        ("--email", "email"),
        ("--firstname", "firstName"),
        ("--lastname", "lastName"),
    ] {
        args.push(flag.to_owned());
        args.push(field(f));
    }
    CreateUserJob {
        enabled: true,
        default_user: Some(DefaultUser {
            role: "Admin".into(),
            username: u.into(),
            email: format!("{u}@example.invalid"),
            first_name: "Airflow".into(),
            last_name: "Admin".into(),
            password: String::new(),
        }),
        args,
        env: vec![EnvVar::secret(
            af_names::ADMIN_PASSWORD_ENV,
            names::ADMIN_PASSWORD_SECRET,
            names::ADMIN_PASSWORD_SECRET_KEY,
        )],
    }
}

// ---- the guide ----

/// A word for the shell: as it is when it holds nothing the shell reads, else single-quoted.
fn sh(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || ":/_.@+=,-%".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The command that prints a secret's value, and where its ARN comes from in words.
fn fetch(s: &SecretRef, region: &str) -> (String, String) {
    match (&s.arn, &s.parameter) {
        (Some(arn), _) => {
            let parts: Vec<&str> = arn.split(':').collect();
            let arn_region = parts.get(3).filter(|r| !r.is_empty()).unwrap_or(&region);
            if parts.get(2) == Some(&"ssm") {
                return (
                    format!(
                        "aws ssm get-parameter --region {} --name {} --with-decryption --query Parameter.Value --output text",
                        sh(arn_region),
                        sh(arn)
                    ),
                    format!("`{arn}`"),
                );
            }
            // `…:secret:name-AbCdEf:json-key:version-stage:version-id`, as ECS takes it.
            let base = parts.iter().take(7).copied().collect::<Vec<_>>().join(":");
            let mut cmd = format!(
                "aws secretsmanager get-secret-value --region {} --secret-id {}",
                sh(arn_region),
                sh(&base)
            );
            if let Some(stage) = parts.get(8).filter(|x| !x.is_empty()) {
                cmd.push_str(&format!(" --version-stage {}", sh(stage)));
            }
            if let Some(id) = parts.get(9).filter(|x| !x.is_empty()) {
                cmd.push_str(&format!(" --version-id {}", sh(id)));
            }
            cmd.push_str(" --query SecretString --output text");
            if let Some(key) = parts.get(7).filter(|x| !x.is_empty()) {
                let filter = format!(".[{}]", serde_json::to_string(key).unwrap_or_default());
                cmd.push_str(&format!(" | jq -r {}", sh(&filter)));
            }
            (cmd, format!("`{arn}`"))
        }
        (None, Some(p)) => (
            format!(
                "aws secretsmanager get-secret-value --region {} --secret-id \"${p}\" --query SecretString --output text",
                sh(region)
            ),
            format!(
                "the ARN you would pass as `{p}`: set `{p}=<the ARN>` in the shell first (an SSM parameter: `aws ssm get-parameter --name \"${p}\" --with-decryption --query Parameter.Value --output text`)"
            ),
        ),
        (None, None) => (String::new(), "nowhere: the spec gives neither".into()),
    }
}

/// The namespaces whose objects read each Secret, from every manifest and pod template (a pod
/// template without a namespace is its identity's).
fn secret_namespaces(identities: &[Identity], doc: &KubeDoc) -> BTreeMap<String, BTreeSet<String>> {
    fn walk(v: &serde_json::Value, out: &mut BTreeSet<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    let named = match k.as_str() {
                        "secretKeyRef" | "secretRef" => x.get("name"),
                        "secret" => x.get("secretName"),
                        _ => None,
                    };
                    if let Some(n) = named.and_then(|n| n.as_str()) {
                        out.insert(n.to_owned());
                    }
                    walk(x, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut by_secret: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut add = |ns: &str, v: &serde_json::Value| {
        let mut names = BTreeSet::new();
        walk(v, &mut names);
        for n in names {
            by_secret.entry(n).or_default().insert(ns.to_owned());
        }
    };
    for objects in doc.manifests.values() {
        for o in objects {
            if let Some(ns) = o["metadata"]["namespace"].as_str() {
                add(ns, o);
            }
        }
    }
    for (file, pod) in &doc.pod_templates {
        let ns = pod["metadata"]["namespace"].as_str().or_else(|| {
            identities
                .iter()
                .find(|i| names::pod_template_file(&i.node) == *file)
                .map(|i| i.namespace.as_str())
        });
        if let Some(ns) = ns {
            add(ns, pod);
        }
    }
    by_secret
}

fn identity_doc(cx: &Eks, id: &Identity, template: bool) -> EksIdentityDoc {
    EksIdentityDoc {
        node: id.node.clone(),
        namespace: id.namespace.clone(),
        service_account: id.service_account.clone(),
        pod_template_file: template.then(|| mounted_template(&id.node)),
        role_arn: cx.role_arn(id),
        backends: id.backends.clone(),
    }
}

fn guide(cx: &Eks, doc: &KubeDoc) -> EksDoc {
    let af = cx.af;
    let eks = cx.eks;
    let v3 = af.is_v3();
    let celery = af.executor == Executor::Celery;
    let sec = &af.secrets;
    let (api_name, api_key, api_env) = if v3 {
        (
            names::API_SECRET_KEY_SECRET,
            names::API_SECRET_KEY_SECRET_KEY,
            "AIRFLOW__API__SECRET_KEY",
        )
    } else {
        (
            names::WEBSERVER_SECRET_KEY_SECRET,
            names::WEBSERVER_SECRET_KEY_SECRET_KEY,
            "AIRFLOW__WEBSERVER__SECRET_KEY",
        )
    };
    let admin_env = format!("`{}` of the create-user job", af_names::ADMIN_PASSWORD_ENV);
    let list: Vec<(&str, &Option<SecretRef>, &str, &str, String)> = vec![
        (
            "database_url",
            &sec.database_url,
            names::METADATA_SECRET,
            names::METADATA_SECRET_KEY,
            "`AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`".into(),
        ),
        (
            "fernet_key",
            &sec.fernet_key,
            names::FERNET_SECRET,
            names::FERNET_SECRET_KEY,
            "`AIRFLOW__CORE__FERNET_KEY`".into(),
        ),
        (
            "api_secret_key",
            &sec.api_secret_key,
            api_name,
            api_key,
            format!("`{api_env}`"),
        ),
        (
            "jwt_secret",
            if v3 { &sec.jwt_secret } else { &None },
            names::JWT_SECRET,
            names::JWT_SECRET_KEY,
            "`AIRFLOW__API_AUTH__JWT_SECRET`".into(),
        ),
        (
            "broker_url",
            if celery { &sec.broker_url } else { &None },
            names::BROKER_URL_SECRET,
            names::BROKER_URL_SECRET_KEY,
            "`AIRFLOW__CELERY__BROKER_URL`".into(),
        ),
        (
            "admin_password",
            if af.has_api() {
                &sec.admin_password
            } else {
                &None
            },
            names::ADMIN_PASSWORD_SECRET,
            names::ADMIN_PASSWORD_SECRET_KEY,
            admin_env,
        ),
    ];
    let used = secret_namespaces(&cx.identities, doc);
    let secrets = list
        .into_iter()
        .filter_map(|(key, s, name, secret_key, env)| {
            let s = s.as_ref()?;
            let (fetch, from) = fetch(s, &eks.region);
            let mut holds = crate::lower::airflow::secret_holds(key).to_owned();
            if key == "database_url" {
                holds.push_str(", with the password URL-encoded");
                if v3 {
                    holds.push_str(
                        "; leave `sslmode` out (the API server's async engine refuses it)",
                    );
                }
            }
            if let Some(k) = s
                .arn
                .as_deref()
                .and_then(|a| a.split(':').nth(7))
                .filter(|k| !k.is_empty())
            {
                holds = format!("a JSON secret whose key `{k}` holds {holds}");
            }
            let mut namespaces: BTreeSet<String> = BTreeSet::from([eks.namespace().to_owned()]);
            namespaces.extend(used.get(name).into_iter().flatten().cloned());
            Some(EksSecretDoc {
                key: key.into(),
                name: name.into(),
                secret_key: secret_key.into(),
                env,
                holds,
                fetch,
                from,
                namespaces: namespaces.into_iter().collect(),
            })
        })
        .collect();

    let mut wanted: BTreeSet<String> =
        BTreeSet::from([eks.namespace().to_owned(), eks.task_namespace().to_owned()]);
    wanted.extend(cx.identities.iter().map(|i| i.namespace.clone()));
    let mut created = BTreeSet::new();
    let mut namespace_files = Vec::new();
    for (file, objects) in &doc.manifests {
        let mut has = false;
        for o in objects.iter().filter(|o| o["kind"] == "Namespace") {
            if let Some(n) = o["metadata"]["name"].as_str() {
                created.insert(n.to_owned());
                has = true;
            }
        }
        if has {
            namespace_files.push(file.clone());
        }
    }

    let worker = workers_identity(cx);
    let tasks = cx
        .identities
        .iter()
        .filter_map(|id| match &id.kind {
            IdentityKind::DagTask(t) => {
                let spec = &af.tasks[t];
                Some(EksTaskDoc {
                    name: t.clone(),
                    id: identity_doc(cx, id, true),
                    image: spec.image.clone(),
                    command: spec.command.clone(),
                    base_container: names::BASE_CONTAINER.into(),
                })
            }
            _ => None,
        })
        .collect::<Vec<_>>();
    let dag_id = (!tasks.is_empty()).then(|| dag_id(&cx.spec.name));
    EksDoc {
        version: af.version.clone(),
        major: if v3 { 3 } else { 2 },
        executor: format!("{:?}", af.executor).to_lowercase(),
        executor_class: executor_class(af.executor).into(),
        image: af.image.clone(),
        cluster_name: eks.cluster_name.clone(),
        account_id: eks.account_id.clone(),
        region: eks.region.clone(),
        kubernetes_version: eks.kubernetes_version().into(),
        native_sidecars: eks.native_sidecars(),
        namespace: eks.namespace().into(),
        task_namespace: eks.task_namespace().into(),
        backend: match cx.backend {
            MeshBackend::AppMesh => "app_mesh".into(),
            MeshBackend::VpcLattice => "vpc_lattice".into(),
        },
        chart: ChartDoc {
            repo: names::CHART_REPO.into(),
            url: names::CHART_REPO_URL.into(),
            chart: names::CHART.into(),
            version: names::CHART_VERSION.into(),
            release: names::RELEASE.into(),
        },
        oidc_input: Some(("EksOidcIssuer".into(), "eks_oidc_issuer".into())),
        secrets,
        missing_namespaces: wanted.difference(&created).cloned().collect(),
        namespace_files,
        ui: af.has_api().then(|| EksUiDoc {
            component: af.api_component().into(),
            service: format!("{}-{}", names::RELEASE, af.api_component()),
            port: af_names::API_PORT,
            admin_username: af.admin_username().into(),
            password_secret: af
                .secrets
                .admin_password
                .is_some()
                .then(|| names::ADMIN_PASSWORD_SECRET.to_owned()),
        }),
        dags: DagsDoc::Image,
        dag_file: dag_id.as_ref().map(|d| format!("dags/{d}.py")),
        dag_id,
        pod_template_dir: names::POD_TEMPLATE_DIR.into(),
        pod_template_config_map: names::POD_TEMPLATES_CONFIGMAP.into(),
        workers: identity_doc(cx, worker, af.executor == Executor::Kubernetes),
        tasks,
        connections: af
            .connections
            .iter()
            .map(|(id, c)| ConnectionDoc {
                id: id.clone(),
                conn_type: c.conn_type(cx.spec).as_str().into(),
                env: af_names::connection_env(id),
                host: c.virtual_service.clone(),
                port: c.port,
            })
            .collect(),
        lattice: lattice_doc(cx.checked, af, cx.backend),
        execution_api_url: v3.then(|| names::execution_api_url(eks.namespace())),
        multi_namespace: multi_namespace(af),
        ignored_ports: af.egress.ignored_ports.clone(),
        target_ports: {
            let mut ports: Vec<u32> = cx
                .spec
                .workloads
                .keys()
                .filter_map(|n| cx.spec.virtual_nodes.get(n))
                .flat_map(|n| n.listeners.iter().map(|l| l.port))
                .collect();
            ports.sort_unstable();
            ports.dedup();
            ports
        },
    }
}

/// The id (and file stem) of the generated DAG: `shop-airflow` → `shop_airflow_eks_tasks`.
fn dag_id(project: &str) -> String {
    format!("{}_eks_tasks", crate::case::snake_case(project))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_split_as_the_chart_takes_them() {
        let s = |i: &str| split_image(i);
        assert_eq!(
            s("apache/airflow:3.1.8"),
            ("apache/airflow".into(), Some("3.1.8".into()), None)
        );
        assert_eq!(
            s("registry.local:5000/team/airflow"),
            ("registry.local:5000/team/airflow".into(), None, None)
        );
        assert_eq!(
            s("registry.local:5000/airflow:2.10.5-python3.12"),
            (
                "registry.local:5000/airflow".into(),
                Some("2.10.5-python3.12".into()),
                None
            )
        );
        assert_eq!(
            s("1.dkr.ecr.us-east-1.amazonaws.com/af:3.1.8@sha256:abc"),
            (
                "1.dkr.ecr.us-east-1.amazonaws.com/af".into(),
                Some("3.1.8".into()),
                Some("sha256:abc".into())
            )
        );
    }

    #[test]
    fn secret_commands_by_arn() {
        let arn = |a: &str| SecretRef {
            arn: Some(a.into()),
            parameter: None,
        };
        let (cmd, from) = fetch(
            &arn("arn:aws:secretsmanager:eu-west-1:1:secret:app/keys-AbCdEf"),
            "us-east-1",
        );
        assert_eq!(
            cmd,
            "aws secretsmanager get-secret-value --region eu-west-1 --secret-id arn:aws:secretsmanager:eu-west-1:1:secret:app/keys-AbCdEf --query SecretString --output text"
        );
        assert_eq!(
            from,
            "`arn:aws:secretsmanager:eu-west-1:1:secret:app/keys-AbCdEf`"
        );
        // A JSON key (and a version stage), as ECS's `valueFrom` takes them.
        let (cmd, _) = fetch(
            &arn("arn:aws:secretsmanager:eu-west-1:1:secret:app/keys-AbCdEf:fernet:AWSPREVIOUS:"),
            "us-east-1",
        );
        assert_eq!(
            cmd,
            "aws secretsmanager get-secret-value --region eu-west-1 --secret-id arn:aws:secretsmanager:eu-west-1:1:secret:app/keys-AbCdEf --version-stage AWSPREVIOUS --query SecretString --output text | jq -r '.[\"fernet\"]'"
        );
        let (cmd, _) = fetch(
            &arn("arn:aws:ssm:eu-west-1:1:parameter/app/jwt"),
            "us-east-1",
        );
        assert_eq!(
            cmd,
            "aws ssm get-parameter --region eu-west-1 --name arn:aws:ssm:eu-west-1:1:parameter/app/jwt --with-decryption --query Parameter.Value --output text"
        );
        let (cmd, from) = fetch(
            &SecretRef {
                arn: None,
                parameter: Some("DbUrlArn".into()),
            },
            "us-east-1",
        );
        assert!(cmd.contains("--secret-id \"$DbUrlArn\""), "{cmd}");
        assert!(from.contains("`DbUrlArn=<the ARN>`"), "{from}");
    }

    #[test]
    fn secrets_are_wanted_where_their_readers_run() {
        let id = |node: &str, ns: &str| Identity {
            kind: IdentityKind::Workers,
            node: node.into(),
            namespace: ns.into(),
            service_account: node.into(),
            role_name: node.into(),
            backends: Vec::new(),
            source: crate::spec::paths::airflow_path(),
        };
        let mut doc = KubeDoc::default();
        doc.pod_templates.insert(
            names::pod_template_file("airflow-worker"),
            serde_json::json!({"spec": {"containers": [{"name": "base", "env": [
                {"name": "A", "valueFrom": {"secretKeyRef": {"name": "s-env", "key": "k"}}}
            ], "envFrom": [{"secretRef": {"name": "s-from"}}]}]}}),
        );
        doc.manifests.insert(
            "x.yaml".into(),
            vec![serde_json::json!({"kind": "Deployment", "metadata": {"name": "d", "namespace": "shop"},
                "spec": {"template": {"spec": {"volumes": [{"name": "v", "secret": {"secretName": "s-vol"}}]}}}})],
        );
        let got = secret_namespaces(&[id("airflow-worker", "airflow-tasks")], &doc);
        let ns = |s: &str| got[s].iter().cloned().collect::<Vec<_>>();
        assert_eq!(ns("s-env"), ["airflow-tasks"]);
        assert_eq!(ns("s-from"), ["airflow-tasks"]);
        assert_eq!(ns("s-vol"), ["shop"]);
    }

    #[test]
    fn shell_words() {
        assert_eq!(
            sh("arn:aws:secretsmanager:us-east-1:1:secret:a/b-Xy"),
            "arn:aws:secretsmanager:us-east-1:1:secret:a/b-Xy"
        );
        assert_eq!(sh(".[\"k\"]"), "'.[\"k\"]'");
        assert_eq!(sh("it's"), "'it'\\''s'");
    }
}
