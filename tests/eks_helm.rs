//! Airflow on EKS: the official chart's values (`helm/values.yaml`), the guide
//! (`airflow/README.md`) and the KubernetesPodOperator DAG file, for both EKS examples on both
//! backends, checked value by value.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use meshsynth::spec::airflow_names::eks as names;
use serde_json::Value;

/// One synthesized EKS output: the example, and the folder of one backend.
struct Out {
    example: &'static str,
    lattice: bool,
    dir: PathBuf,
}

impl Out {
    fn v3(&self) -> bool {
        self.example == "airflow3-eks"
    }
    fn read(&self, rel: &str) -> String {
        let p = self.dir.join(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }
    fn values(&self) -> Value {
        serde_yaml::from_str(&self.read("helm/values.yaml")).expect("values.yaml is YAML")
    }
    fn at(&self) -> String {
        format!(
            "{}{}",
            self.example,
            if self.lattice { " (Lattice)" } else { "" }
        )
    }
}

const EXAMPLES: [&str; 2] = ["airflow3-eks", "airflow2-eks-celery"];

fn outputs() -> &'static [Out] {
    static OUT: OnceLock<Vec<Out>> = OnceLock::new();
    OUT.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let out = common::scratch("eks-helm", "out");
        let specs: Vec<PathBuf> = EXAMPLES
            .iter()
            .map(|e| root.join(format!("examples/{e}.yaml")))
            .collect();
        let specs: Vec<&Path> = specs.iter().map(PathBuf::as_path).collect();
        common::synth_ok(&specs, &out, &["--backend", "all"]);
        let mut v = Vec::new();
        for e in EXAMPLES {
            for lattice in [false, true] {
                let dir = if lattice {
                    out.join(e).join("vpc_lattice")
                } else {
                    out.join(e)
                };
                v.push(Out {
                    example: e,
                    lattice,
                    dir,
                });
            }
        }
        v
    })
}

fn env<'a>(values: &'a Value, name: &str) -> Option<&'a str> {
    values["env"]
        .as_array()?
        .iter()
        .find(|e| e["name"] == name)
        .and_then(|e| e["value"].as_str())
}

fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => {
            for (k, x) in m {
                out.push(k.clone());
                strings(x, out);
            }
        }
        _ => {}
    }
}

#[test]
fn executor_image_and_bundled_services() {
    for o in outputs() {
        let v = o.values();
        let at = o.at();
        if o.v3() {
            assert_eq!(v["executor"], "KubernetesExecutor", "{at}");
            assert_eq!(v["airflowVersion"], "3.1.8", "{at}");
            assert_eq!(v["images"]["airflow"]["tag"], "3.1.8", "{at}");
            assert_eq!(v["defaultAirflowTag"], "3.1.8", "{at}");
        } else {
            assert_eq!(v["executor"], "CeleryExecutor", "{at}");
            assert_eq!(v["airflowVersion"], "2.10.5", "{at}");
            assert_eq!(v["images"]["airflow"]["tag"], "2.10.5", "{at}");
        }
        assert_eq!(
            v["images"]["airflow"]["repository"], "apache/airflow",
            "{at}"
        );
        assert_eq!(v["defaultAirflowRepository"], "apache/airflow", "{at}");
        for bundled in ["postgresql", "redis", "pgbouncer"] {
            assert_eq!(v[bundled]["enabled"], false, "{at}: {bundled}");
        }
    }
}

#[test]
fn secrets_by_name_and_never_a_value() {
    for o in outputs() {
        let v = o.values();
        let at = o.at();
        assert_eq!(
            v["data"]["metadataSecretName"],
            names::METADATA_SECRET,
            "{at}"
        );
        assert_eq!(v["fernetKeySecretName"], names::FERNET_SECRET, "{at}");
        if o.v3() {
            assert_eq!(
                v["apiSecretKeySecretName"],
                names::API_SECRET_KEY_SECRET,
                "{at}"
            );
            assert_eq!(v["jwtSecretName"], names::JWT_SECRET, "{at}");
            assert!(v.get("webserverSecretKeySecretName").is_none(), "{at}");
            assert!(v["data"].get("brokerUrlSecretName").is_none(), "{at}");
        } else {
            assert_eq!(
                v["webserverSecretKeySecretName"],
                names::WEBSERVER_SECRET_KEY_SECRET,
                "{at}"
            );
            assert_eq!(
                v["data"]["brokerUrlSecretName"],
                names::BROKER_URL_SECRET,
                "{at}"
            );
            assert!(v.get("apiSecretKeySecretName").is_none(), "{at}");
            assert!(v.get("jwtSecretName").is_none(), "{at}");
        }
        // The chart's keys that would hold a value are never set.
        for key in [
            "fernetKey",
            "webserverSecretKey",
            "apiSecretKey",
            "jwtSecret",
            "secret",
            "extraSecrets",
        ] {
            assert!(v.get(key).is_none(), "{at}: `{key}` holds a value");
        }
        for key in ["metadataConnection", "resultBackendConnection", "brokerUrl"] {
            assert!(v["data"].get(key).is_none(), "{at}: `data.{key}`");
        }
        assert_eq!(v["createUserJob"]["defaultUser"]["password"], "", "{at}");
        let mut all = Vec::new();
        strings(&v, &mut all);
        for s in &all {
            assert!(
                !s.contains("arn:aws:secretsmanager") && !s.contains("postgresql://"),
                "{at}: `{s}` in values.yaml"
            );
        }
        // Every Secret the values name is one the guide creates, in the release's namespace.
        let guide = o.read("airflow/README.md");
        let named = [
            &v["data"]["metadataSecretName"],
            &v["data"]["brokerUrlSecretName"],
            &v["fernetKeySecretName"],
            &v["apiSecretKeySecretName"],
            &v["webserverSecretKeySecretName"],
            &v["jwtSecretName"],
            &v["createUserJob"]["env"][0]["valueFrom"]["secretKeyRef"]["name"],
        ];
        let named: Vec<&str> = named.iter().filter_map(|n| n.as_str()).collect();
        assert_eq!(named.len(), 5, "{at}: {named:?}");
        for s in named {
            assert!(
                guide.contains(&format!(
                    "kubectl create secret generic {s} --namespace airflow"
                )),
                "{at}: the guide never creates Secret `{s}`"
            );
        }
    }
}

#[test]
fn the_create_user_job_reads_the_password_from_its_secret() {
    for o in outputs() {
        let v = o.values();
        let at = o.at();
        let job = &v["createUserJob"];
        assert_eq!(job["enabled"], true, "{at}");
        assert_eq!(job["defaultUser"]["username"], "admin", "{at}");
        let env = &job["env"][0];
        assert_eq!(env["name"], "MESHSYNTH_ADMIN_PASSWORD", "{at}");
        assert_eq!(
            env["valueFrom"]["secretKeyRef"]["name"],
            names::ADMIN_PASSWORD_SECRET,
            "{at}"
        );
        assert_eq!(
            env["valueFrom"]["secretKeyRef"]["key"],
            names::ADMIN_PASSWORD_SECRET_KEY,
            "{at}"
        );
        let args: Vec<&str> = job["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(&args[..2], ["bash", "-c"], "{at}");
        assert!(
            args[2]
                .contains("airflow users create \"$@\" --password \"$MESHSYNTH_ADMIN_PASSWORD\""),
            "{at}: {}",
            args[2]
        );
        assert!(
            !args.iter().any(|a| a.contains("defaultUser.password")),
            "{at}"
        );
    }
}

#[test]
fn where_tasks_run_and_which_pod_template_they_get() {
    let dir = names::POD_TEMPLATE_DIR;
    for o in outputs() {
        let v = o.values();
        let at = o.at();
        assert_eq!(v["multiNamespaceMode"], true, "{at}");
        assert_eq!(v["workers"]["serviceAccount"]["create"], false, "{at}");
        assert_eq!(
            v["workers"]["serviceAccount"]["name"], "airflow-worker",
            "{at}"
        );
        let volume = serde_json::json!([{
            "name": names::POD_TEMPLATES_CONFIGMAP,
            "configMap": { "name": names::POD_TEMPLATES_CONFIGMAP },
        }]);
        let mount = serde_json::json!([{
            "name": names::POD_TEMPLATES_CONFIGMAP,
            "mountPath": dir,
            "readOnly": true,
        }]);
        if o.v3() {
            let k = &v["config"]["kubernetes_executor"];
            assert_eq!(k["namespace"], "airflow-tasks", "{at}");
            assert_eq!(
                k["pod_template_file"],
                format!("{dir}/{}", names::pod_template_file("airflow-worker")),
                "{at}"
            );
            assert_eq!(
                k["multi_namespace_mode_namespace_list"], "airflow-tasks",
                "{at}"
            );
            assert_eq!(v["scheduler"]["extraVolumes"], volume, "{at}");
            assert_eq!(v["scheduler"]["extraVolumeMounts"], mount, "{at}");
            assert!(v["workers"].get("celery").is_none(), "{at}");
            assert!(v["workers"].get("extraVolumes").is_none(), "{at}");
        } else {
            assert!(v.get("config").is_none(), "{at}");
            assert!(v["scheduler"].get("extraVolumes").is_none(), "{at}");
            assert_eq!(v["workers"]["celery"]["replicas"], 3, "{at}");
            assert_eq!(v["workers"]["resources"]["requests"]["cpu"], "2", "{at}");
            assert_eq!(v["workers"]["resources"]["limits"]["memory"], "4Gi", "{at}");
            assert_eq!(v["workers"]["extraVolumes"], volume, "{at}");
            assert_eq!(v["workers"]["extraVolumeMounts"], mount, "{at}");
        }
    }
}

#[test]
fn components_by_airflow_line() {
    for o in outputs() {
        let v = o.values();
        let at = o.at();
        let api = if o.v3() { "apiServer" } else { "webserver" };
        let other = if o.v3() { "webserver" } else { "apiServer" };
        assert_eq!(v[api]["replicas"], 2, "{at}");
        assert_eq!(v[api]["resources"]["limits"]["memory"], "2Gi", "{at}");
        assert!(v.get(other).is_none(), "{at}: {other}");
        assert_eq!(v["scheduler"]["resources"]["requests"]["cpu"], "1", "{at}");
        assert_eq!(
            v["triggerer"]["resources"]["requests"]["cpu"], "500m",
            "{at}"
        );
        if o.v3() {
            assert_eq!(
                v["dagProcessor"]["resources"]["requests"]["memory"], "1Gi",
                "{at}"
            );
        } else {
            assert!(v.get("dagProcessor").is_none(), "{at}");
        }
    }
}

#[test]
fn environment_execution_api_and_connections() {
    for o in outputs() {
        let v = o.values();
        let at = o.at();
        let exec = env(&v, "AIRFLOW__CORE__EXECUTION_API_SERVER_URL");
        if o.v3() {
            assert_eq!(
                exec,
                Some("http://airflow-api-server.airflow.svc.cluster.local:8080/execution/"),
                "{at}"
            );
            assert_eq!(env(&v, "AIRFLOW__CORE__PARALLELISM"), Some("40"), "{at}");
        } else {
            assert_eq!(exec, None, "{at}: the Execution API is 3.x only");
            assert_eq!(env(&v, "AIRFLOW__CORE__PARALLELISM"), None, "{at}");
        }
        let (var, host) = if o.v3() {
            ("AIRFLOW_CONN_ORDERS_API", "orders.shop.internal")
        } else {
            ("AIRFLOW_CONN_LEDGER_API", "ledger.billing.internal")
        };
        let conn: Value =
            serde_json::from_str(env(&v, var).unwrap_or_else(|| panic!("{at}: no {var}"))).unwrap();
        assert_eq!(conn["conn_type"], "http", "{at}");
        assert_eq!(conn["host"], host, "{at}");
        assert_eq!(conn["port"], 8080, "{at}");
        assert_eq!(conn["schema"], "http", "{at}");
        let auth = env(&v, "AIRFLOW__HTTP__EXTRA_AUTH_TYPES");
        if o.lattice {
            // The route's timeout moved into the connection; signing is named.
            assert!(conn["extra"]["timeout"].is_number(), "{at}: {conn}");
            assert_eq!(
                auth,
                Some("meshsynth_lattice_auth.LatticeSigV4Auth"),
                "{at}"
            );
            assert!(env(&v, "AWS_REGION").is_some(), "{at}");
        } else {
            assert!(conn.get("extra").is_none(), "{at}: {conn}");
            assert_eq!(auth, None, "{at}");
            assert_eq!(env(&v, "AWS_REGION"), None, "{at}");
        }
    }
}

/// `task_id="…"` → the KubernetesPodOperator call's arguments, as written.
fn operators(dag: &str) -> Vec<Vec<(String, String)>> {
    dag.split("KubernetesPodOperator(\n")
        .skip(1)
        .map(|call| {
            call.lines()
                .take_while(|l| l.trim() != ")")
                .filter_map(|l| {
                    let (k, v) = l.trim().trim_end_matches(',').split_once('=')?;
                    Some((k.to_owned(), v.to_owned()))
                })
                .collect()
        })
        .collect()
}

/// A DAG task: its name, image and `cmds` as the DAG writes them.
type Task = (&'static str, &'static str, &'static str);

#[test]
fn each_dag_task_runs_from_its_template_as_its_service_account() {
    let tasks: [(&str, &[Task]); 2] = [
        (
            "airflow3-eks",
            &[
                (
                    "ingest_orders",
                    "111122223333.dkr.ecr.us-east-1.amazonaws.com/ingest:2.0.0",
                    r#"["python", "-m", "ingest"]"#,
                ),
                (
                    "reconcile_inventory",
                    "111122223333.dkr.ecr.us-east-1.amazonaws.com/reconcile@sha256:e2c30d59264829011fe7ce30b39db9705fb6ca02924bac9f15cf1ff9626b6c38",
                    r#"["reconcile", "--since", "24h"]"#,
                ),
            ],
        ),
        (
            "airflow2-eks-celery",
            &[(
                "export_ledger",
                "111122223333.dkr.ecr.eu-west-1.amazonaws.com/billing/ledger-export:3.2.1",
                r#"["ledger-export", "--format", "parquet"]"#,
            )],
        ),
    ];
    for o in outputs() {
        let at = o.at();
        let (file, sdk) = if o.v3() {
            (
                "airflow/dags/shop_airflow_eks_tasks.py",
                "from airflow.sdk import DAG",
            )
        } else {
            (
                "airflow/dags/billing_eks_eks_tasks.py",
                "from airflow import DAG",
            )
        };
        let dag = o.read(file);
        assert!(dag.contains(sdk), "{at}");
        assert!(
            dag.contains(
                "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator"
            ),
            "{at}"
        );
        let expected = tasks.iter().find(|(e, _)| *e == o.example).unwrap().1;
        let ops = operators(&dag);
        assert_eq!(ops.len(), expected.len(), "{at}");
        for (op, (task, image, cmds)) in ops.iter().zip(expected) {
            let arg = |k: &str| {
                op.iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.as_str())
                    .unwrap_or_else(|| panic!("{at}: {task} has no {k}"))
            };
            let node = format!("airflow-task-{}", task.replace('_', "-"));
            assert_eq!(arg("task_id"), format!("\"{task}\""), "{at}");
            assert_eq!(arg("namespace"), "\"airflow-tasks\"", "{at}");
            assert_eq!(
                arg("pod_template_file"),
                format!(
                    "\"{}/{}\"",
                    names::POD_TEMPLATE_DIR,
                    names::pod_template_file(&node)
                ),
                "{at}"
            );
            assert_eq!(arg("service_account_name"), format!("\"{node}\""), "{at}");
            assert_eq!(arg("base_container_name"), "\"base\"", "{at}");
            assert_eq!(arg("image"), format!("\"{image}\""), "{at}");
            assert_eq!(arg("cmds"), *cmds, "{at}");
            assert_eq!(arg("in_cluster"), "True", "{at}");
        }
        // The guide's snippet is the file's first operator.
        let guide = o.read("airflow/README.md");
        assert!(
            guide.contains(&format!(
                "KubernetesPodOperator(\n    task_id=\"{}\"",
                expected[0].0
            )),
            "{at}"
        );
        // That every generated `.py` parses is tests/eks_pods.rs's (`ast.parse` in the venv it
        // always builds); a check here would pass silently without python3.
    }
}

/// Whether the text is valid Python, when a `python3` is there to ask.
#[test]
fn the_guide_deploys_in_order() {
    for o in outputs() {
        let at = o.at();
        let g = o.read("airflow/README.md");
        let pos = |s: &str| {
            g.find(s)
                .unwrap_or_else(|| panic!("{at}: the guide lacks `{s}`"))
        };
        let (cluster, region) = if o.v3() {
            ("data-eks", "us-east-1")
        } else {
            ("analytics", "eu-west-1")
        };
        pos(&format!(
            "aws eks describe-cluster --name {cluster} --query cluster.identity.oidc.issuer --output text"
        ));
        pos("`EksOidcIssuer` (CloudFormation) / `eks_oidc_issuer` (Terraform)");
        let stack = pos("aws cloudformation deploy");
        let secret = pos(&format!(
            "kubectl create secret generic {} --namespace airflow \\\n  --from-literal={}=\"$(aws secretsmanager get-secret-value --region {region} --secret-id arn:aws:secretsmanager:{region}:111122223333:secret:",
            names::METADATA_SECRET,
            names::METADATA_SECRET_KEY
        ));
        let apply = pos("kubectl apply -f kubernetes/manifests/\n");
        let repo = pos("helm repo add apache-airflow https://airflow.apache.org");
        let install = pos(&format!(
            "helm upgrade --install airflow apache-airflow/airflow --version {} --namespace airflow -f helm/values.yaml",
            names::CHART_VERSION
        ));
        assert!(
            stack < secret && secret < apply && apply < repo && repo < install,
            "{at}"
        );
        let secrets = g.matches("kubectl create secret generic ").count();
        assert_eq!(
            secrets, 5,
            "{at}: one per spec secret (jwt on 3.x, broker on 2.x)"
        );
        if o.lattice {
            pos("AWS Gateway API Controller");
            pos("--crd-source-kind=DNSEndpoint");
            assert!(!g.contains("proxyinit"), "{at}");
        } else {
            pos("nothing of the App Mesh controller");
            assert!(!g.contains("DNSEndpoint"), "{at}");
        }
    }
}

#[test]
fn lattice_with_iam_ships_the_signer() {
    for o in outputs() {
        let p = o.dir.join("airflow/dags/meshsynth_lattice_auth.py");
        assert_eq!(p.exists(), o.lattice, "{}", o.at());
        if o.lattice {
            assert_eq!(
                std::fs::read_to_string(&p).unwrap(),
                meshsynth::targets::guide::LATTICE_AUTH,
                "{}",
                o.at()
            );
        }
    }
}

/// The 3.x example with the image by digest and its secrets in every form the spec takes: a
/// parameter, a JSON key of a secret, an SSM parameter.
#[test]
fn digest_image_and_every_secret_form() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("examples/airflow3-eks.yaml")).unwrap();
    let digest = "sha256:e2c30d59264829011fe7ce30b39db9705fb6ca02924bac9f15cf1ff9626b6c38";
    let repo = "111122223333.dkr.ecr.us-east-1.amazonaws.com/airflow";
    let replace = [
        (
            "  image: apache/airflow:3.1.8\n".to_owned(),
            format!("  image: {repo}:3.1.8@{digest}\n"),
        ),
        (
            r#"database_url: { arn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:shop/airflow/metadata-db-AbCdEf" }"#.to_owned(),
            "database_url: { parameter: MetadataDbSecretArn }".to_owned(),
        ),
        (
            "shop/airflow/fernet-key-GhIjKl\"".to_owned(),
            "shop/airflow/keys-GhIjKl:fernet::\"".to_owned(),
        ),
        (
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:shop/airflow/jwt-secret-YzAbCd".to_owned(),
            "arn:aws:ssm:us-east-1:111122223333:parameter/shop/airflow/jwt".to_owned(),
        ),
    ];
    let mut spec = text.clone();
    for (from, to) in &replace {
        assert!(spec.contains(from.as_str()), "the example changed: {from}");
        spec = spec.replace(from.as_str(), to);
    }
    let dir = common::scratch("eks-helm", "variant");
    let path = common::write_spec(&dir, "variant.yaml", &spec);
    let out = dir.join("out");
    common::synth_ok(&[&path], &out, &[]);
    let v: Value = serde_yaml::from_str(
        &std::fs::read_to_string(out.join("variant/helm/values.yaml")).unwrap(),
    )
    .unwrap();
    assert_eq!(v["images"]["airflow"]["repository"], repo);
    assert_eq!(v["images"]["airflow"]["digest"], digest);
    assert!(v["images"]["airflow"].get("tag").is_none());
    assert_eq!(v["defaultAirflowDigest"], digest);
    assert_eq!(v["airflowVersion"], "3.1.8");
    // The executor cannot run an image by digest from repository:tag: the template's is used.
    assert_eq!(
        v["config"]["kubernetes_executor"]["worker_container_repository"],
        ""
    );
    assert_eq!(
        v["config"]["kubernetes_executor"]["worker_container_tag"],
        ""
    );
    // EKS reads DAGs from the image only (S3 bundles are refused by eks-platform-mismatch).
    assert!(v["dagProcessor"].get("dagBundleConfigList").is_none());
    let g = std::fs::read_to_string(out.join("variant/airflow/README.md")).unwrap();
    for line in [
        "--from-literal=connection=\"$(aws secretsmanager get-secret-value --region us-east-1 --secret-id \"$MetadataDbSecretArn\" --query SecretString --output text)\"",
        "--secret-id arn:aws:secretsmanager:us-east-1:111122223333:secret:shop/airflow/keys-GhIjKl --query SecretString --output text | jq -r '.[\"fernet\"]')\"",
        "--from-literal=jwt-secret=\"$(aws ssm get-parameter --region us-east-1 --name arn:aws:ssm:us-east-1:111122223333:parameter/shop/airflow/jwt --with-decryption --query Parameter.Value --output text)\"",
        "`jq` where you run the commands below",
    ] {
        assert!(g.contains(line), "the guide lacks {line}");
    }
}
