//! Airflow on EKS, the pods: namespaces, service accounts (IRSA), Airflow's pod templates and
//! their ConfigMaps, and `workloads:` as Deployments and Services, on both backends. App Mesh
//! pods carry `proxyinit` and Envoy (a native sidecar from Kubernetes 1.29, a classic one
//! before), VPC Lattice pods nothing but their service account.
//!
//! The last test loads every pod template (and every other core object) of a fresh synthesis
//! with the official `kubernetes` Python client's models (tests/eks/pod_templates.py, in a venv
//! built from tests/eks/lock.txt by tests/eks/setup.sh). `MESHSYNTH_SKIP_AIRFLOW=1` skips it
//! with a banner; with `CI` set, a skip is a failure.

mod common;

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

use meshsynth::ir::KubeDoc;
use meshsynth::kube::yaml;
use meshsynth::observe::collector;
use meshsynth::spec::airflow_names::eks as names;
use meshsynth::spec::MeshBackend;
use meshsynth::synth::{check_scoped, synthesize_with, CheckOptions, Options};
use meshsynth::targets;

const BOTH: [MeshBackend; 2] = [MeshBackend::AppMesh, MeshBackend::VpcLattice];
const ENVOY_IMAGE: &str = "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.34.13.3-prod";
const LIVE: &str = "curl -s http://localhost:9901/server_info | grep state | grep -q LIVE";
const COLLECTOR: &str = "otel-collector";

fn example(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The Kubernetes side of `text` on each backend.
fn kube(text: &str) -> Vec<(MeshBackend, KubeDoc)> {
    let targets = targets::iac();
    let (d, plans) = check_scoped(
        text.as_bytes(),
        &CheckOptions {
            targets: &targets,
            backends: Some(&BOTH),
            strict: false,
            settings: Default::default(),
        },
    );
    assert!(!d.has_errors(), "{}", d.render_human("spec.yaml"));
    assert_eq!(plans.len(), 2);
    plans
        .into_iter()
        .map(|p| {
            (
                p.backend,
                p.kube.expect("an EKS spec has a Kubernetes side"),
            )
        })
        .collect()
}

fn replace(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the example has no `{from}`");
    text.replace(from, to)
}

fn objects<'a>(doc: &'a KubeDoc, file: &str) -> &'a [Value] {
    doc.manifests
        .get(file)
        .unwrap_or_else(|| panic!("no {file}: {:?}", doc.manifests.keys()))
}

fn find<'a>(doc: &'a KubeDoc, file: &str, kind: &str, ns: &str, name: &str) -> &'a Value {
    objects(doc, file)
        .iter()
        .find(|o| {
            o["kind"] == kind && o["metadata"]["name"] == name && o["metadata"]["namespace"] == ns
        })
        .unwrap_or_else(|| panic!("no {kind} {ns}/{name} in {file}"))
}

fn names_of(list: &Value) -> Vec<&str> {
    list.as_array()
        .map(|a| a.iter().map(|c| c["name"].as_str().unwrap()).collect())
        .unwrap_or_default()
}

fn env<'a>(container: &'a Value, name: &str) -> Option<&'a Value> {
    container["env"]
        .as_array()?
        .iter()
        .find(|e| e["name"] == name)
}

fn env_value<'a>(container: &'a Value, name: &str) -> &'a str {
    env(container, name)
        .and_then(|e| e["value"].as_str())
        .unwrap_or_else(|| panic!("no {name} in {}", container["name"]))
}

fn template<'a>(doc: &'a KubeDoc, node: &str) -> &'a Value {
    let file = names::pod_template_file(node);
    doc.pod_templates
        .get(&file)
        .unwrap_or_else(|| panic!("no pod template {file}: {:?}", doc.pod_templates.keys()))
}

/// Every pod spec of the document: pod templates and Deployments, by where they are.
fn pod_specs(doc: &KubeDoc) -> Vec<(String, &Value)> {
    let mut out: Vec<(String, &Value)> = doc
        .pod_templates
        .iter()
        .map(|(f, p)| (f.clone(), &p["spec"]))
        .collect();
    for o in doc.manifests.values().flatten() {
        if o["kind"] == "Deployment" {
            out.push((
                format!("Deployment {}", o["metadata"]["name"]),
                &o["spec"]["template"]["spec"],
            ));
        }
    }
    out
}

/// The Role and RoleBinding that let the workers' service account (in `workers_ns`) run
/// KubernetesPodOperator in the task namespace.
fn assert_pod_launcher(doc: &KubeDoc, workers_ns: &str) {
    let f = "10-service-accounts.yaml";
    let role = find(doc, f, "Role", "airflow-tasks", names::POD_LAUNCHER_ROLE);
    assert_eq!(role["apiVersion"], "rbac.authorization.k8s.io/v1");
    let pods = &role["rules"][0];
    assert_eq!(pods["resources"], serde_json::json!(["pods"]));
    for verb in ["create", "get", "watch", "delete"] {
        assert!(
            pods["verbs"].as_array().unwrap().contains(&verb.into()),
            "{verb}"
        );
    }
    let b = find(
        doc,
        f,
        "RoleBinding",
        "airflow-tasks",
        names::POD_LAUNCHER_ROLE,
    );
    assert_eq!(b["roleRef"]["kind"], "Role");
    assert_eq!(b["roleRef"]["name"], names::POD_LAUNCHER_ROLE);
    assert_eq!(
        b["subjects"],
        serde_json::json!([{"kind": "ServiceAccount", "name": "airflow-worker", "namespace": workers_ns}])
    );
}

/// What Airflow needs of every pod template, on both backends.
fn assert_airflow_template(pod: &Value, node: &str, namespace: &str) {
    assert_eq!(pod["apiVersion"], "v1");
    assert_eq!(pod["kind"], "Pod");
    assert_eq!(pod["metadata"]["name"], node, "a name Airflow replaces");
    assert_eq!(pod["metadata"]["namespace"], namespace);
    let spec = &pod["spec"];
    assert_eq!(spec["restartPolicy"], "Never");
    assert_eq!(spec["serviceAccountName"], node);
    let base = &spec["containers"][0];
    assert_eq!(base["name"], names::BASE_CONTAINER, "base first");
    assert!(!base["image"].as_str().unwrap().is_empty());
    let r = &base["resources"];
    assert!(r["requests"]["cpu"].is_string() && r["requests"]["memory"].is_string());
    assert_eq!(r["requests"], r["limits"], "requests = limits");
}

/// App Mesh's additions to a pod: the annotation, `fsGroup`, `proxyinit` then Envoy (native
/// or classic), for virtual node `vnode` with ingress on `app_ports`.
fn assert_meshed(
    meta: &Value,
    spec: &Value,
    main: &str,
    vnode: &str,
    app_ports: &str,
    native: bool,
) {
    assert_eq!(
        meta["annotations"]["appmesh.k8s.aws/sidecarInjectorWebhook"],
        "disabled"
    );
    assert_eq!(spec["securityContext"]["fsGroup"], 1337);
    let init = names_of(&spec["initContainers"]);
    let containers = names_of(&spec["containers"]);
    // The examples keep `observability` at its defaults: metrics on, so the collector comes
    // just before Envoy (its settings: `assert_collector`).
    let envoy = if native {
        assert_eq!(init, ["proxyinit", COLLECTOR, "envoy"]);
        assert_eq!(containers, [main]);
        &spec["initContainers"][2]
    } else {
        assert_eq!(init, ["proxyinit"]);
        assert_eq!(
            containers,
            [main, COLLECTOR, "envoy"],
            "the collector and Envoy after the pod's own"
        );
        &spec["containers"][2]
    };
    let proxyinit = &spec["initContainers"][0];
    assert_eq!(
        proxyinit["image"],
        "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-proxy-route-manager:v7-prod"
    );
    assert_eq!(
        proxyinit["securityContext"]["capabilities"]["add"],
        serde_json::json!(["NET_ADMIN"])
    );
    for (k, v) in [
        ("APPMESH_START_ENABLED", "1"),
        ("APPMESH_IGNORE_UID", "1337"),
        ("APPMESH_ENVOY_INGRESS_PORT", "15000"),
        ("APPMESH_ENVOY_EGRESS_PORT", "15001"),
        ("APPMESH_APP_PORTS", app_ports),
    ] {
        assert_eq!(env_value(proxyinit, k), v, "{k}");
    }
    let ips = env_value(proxyinit, "APPMESH_EGRESS_IGNORED_IP");
    assert!(ips.starts_with("169.254.169.254,169.254.170.23"), "{ips}");
    assert!(env_value(proxyinit, "APPMESH_EGRESS_IGNORED_PORTS").starts_with("22,"));

    assert_eq!(envoy["image"], ENVOY_IMAGE);
    if native {
        assert_eq!(envoy["restartPolicy"], "Always", "a native sidecar");
    } else {
        assert!(
            envoy.get("restartPolicy").is_none(),
            "regular containers have none"
        );
    }
    assert_eq!(envoy["securityContext"]["runAsUser"], 1337);
    assert_eq!(env_value(envoy, "APPMESH_RESOURCE_ARN"), vnode);
    assert_eq!(env_value(envoy, "APPMESH_VIRTUAL_NODE_NAME"), vnode);
    assert_eq!(env_value(envoy, "ENVOY_ADMIN_ACCESS_PORT"), "9901");
    for probe in ["startupProbe", "readinessProbe"] {
        assert_eq!(
            envoy[probe]["exec"]["command"],
            serde_json::json!(["sh", "-c", LIVE]),
            "{probe}"
        );
    }
    assert_eq!(envoy["ports"][0]["name"], "stats");
    assert_eq!(envoy["ports"][0]["containerPort"], 9901);
    assert_eq!(envoy["resources"]["requests"]["cpu"], "10m");
}

/// Nothing of App Mesh anywhere: no sidecar (nor collector), no annotation, no `fsGroup`.
fn assert_no_mesh(doc: &KubeDoc) {
    for (where_, spec) in pod_specs(doc) {
        let all: Vec<&str> = names_of(&spec["initContainers"])
            .into_iter()
            .chain(names_of(&spec["containers"]))
            .collect();
        assert!(
            !all.contains(&"envoy") && !all.contains(&"proxyinit") && !all.contains(&COLLECTOR),
            "{where_}: {all:?}"
        );
        assert!(spec.get("securityContext").is_none(), "{where_}");
    }
    let text: String = doc.manifests.values().map(|o| yaml::documents(o)).collect();
    assert!(!text.contains("appmesh"), "{text}");
}

#[test]
fn airflow3_kubernetes_executor() {
    for (backend, doc) in kube(&example("airflow3-eks.yaml")) {
        let meshed = backend == MeshBackend::AppMesh;

        // Namespaces: the control plane's, the tasks', the workloads'.
        let ns = objects(&doc, "00-namespaces.yaml");
        let ns_names: Vec<&str> = ns
            .iter()
            .map(|n| n["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(ns_names, ["airflow", "airflow-tasks", "shop"]);
        for n in ns {
            assert_eq!(n["kind"], "Namespace");
            let labels = &n["metadata"]["labels"];
            assert_eq!(labels["app.kubernetes.io/managed-by"], "meshsynth");
            if meshed {
                assert_eq!(labels["appmesh.k8s.aws/sidecarInjectorWebhook"], "disabled");
            } else {
                assert!(labels
                    .get("appmesh.k8s.aws/sidecarInjectorWebhook")
                    .is_none());
            }
        }

        // One service account per identity, with its IRSA role where it needs one.
        let sas = "10-service-accounts.yaml";
        for (ns, name, role) in [
            ("airflow-tasks", "airflow-worker", "shop-airflow-worker"),
            (
                "airflow-tasks",
                "airflow-task-ingest-orders",
                "shop-airflow-task-ingest-orders",
            ),
            (
                "airflow-tasks",
                "airflow-task-reconcile-inventory",
                "shop-airflow-task-reconcile-inventory",
            ),
            ("shop", "orders-v1", "shop-airflow-orders-v1"),
            ("shop", "orders-v2", "shop-airflow-orders-v2"),
            ("shop", "inventory-v1", "shop-airflow-inventory-v1"),
        ] {
            let sa = find(&doc, sas, "ServiceAccount", ns, name);
            let arn = &sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"];
            // On Lattice only callers sign; inventory calls nothing.
            if meshed || name != "inventory-v1" {
                assert_eq!(
                    *arn,
                    format!("arn:aws:iam::111122223333:role/{role}"),
                    "{name}"
                );
            } else {
                assert!(arn.is_null(), "{name}: {arn}");
            }
        }
        // The workers may start the DAG tasks' pods (KubernetesPodOperator) where they run.
        assert_pod_launcher(&doc, "airflow-tasks");
        assert_eq!(objects(&doc, sas).len(), 6 + 2);

        // The worker template (KubernetesExecutor), in the control plane's ConfigMap.
        let worker = template(&doc, "airflow-worker");
        assert_airflow_template(worker, "airflow-worker", "airflow-tasks");
        let base = &worker["spec"]["containers"][0];
        assert_eq!(base["image"], "apache/airflow:3.1.8");
        assert!(
            base.get("command").is_none(),
            "the executor gives the arguments"
        );
        assert_eq!(base["resources"]["limits"]["cpu"], "1");
        assert_eq!(base["resources"]["limits"]["memory"], "2Gi");
        assert_eq!(
            env_value(base, "AIRFLOW__CORE__EXECUTION_API_SERVER_URL"),
            "http://airflow-api-server.airflow.svc.cluster.local:8080/execution/"
        );
        assert!(
            env(base, "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN").is_none(),
            "3.x workers never open the database"
        );
        let conn: Value = serde_json::from_str(env_value(base, "AIRFLOW_CONN_ORDERS_API")).unwrap();
        assert_eq!(conn["host"], "orders.shop.internal");
        if meshed {
            assert!(env(base, "AIRFLOW__HTTP__EXTRA_AUTH_TYPES").is_none());
        } else {
            // Lattice: the listener's form, and the signing class.
            assert_eq!(conn["extra"]["timeout"], 15.0);
            assert_eq!(
                env_value(base, "AIRFLOW__HTTP__EXTRA_AUTH_TYPES"),
                "meshsynth_lattice_auth.LatticeSigV4Auth"
            );
        }
        // The worker pods mount the DAG tasks' templates for KubernetesPodOperator.
        assert_eq!(
            base["volumeMounts"][0]["mountPath"],
            names::POD_TEMPLATE_DIR
        );
        let vol = &worker["spec"]["volumes"][0];
        assert_eq!(vol["name"], base["volumeMounts"][0]["name"]);
        assert_eq!(vol["configMap"]["name"], names::POD_TEMPLATES_CONFIGMAP);

        // The DAG tasks' templates.
        let ingest = template(&doc, "airflow-task-ingest-orders");
        assert_airflow_template(ingest, "airflow-task-ingest-orders", "airflow-tasks");
        let b = &ingest["spec"]["containers"][0];
        assert_eq!(
            b["image"],
            "111122223333.dkr.ecr.us-east-1.amazonaws.com/ingest:2.0.0"
        );
        assert_eq!(b["command"], serde_json::json!(["python", "-m", "ingest"]));
        assert_eq!(
            env_value(b, "ORDERS_URL"),
            "http://orders.shop.internal:8080"
        );
        assert_eq!(b["resources"]["limits"]["cpu"], "500m");
        assert_eq!(b["resources"]["requests"]["memory"], "1Gi");
        let reconcile = template(&doc, "airflow-task-reconcile-inventory");
        assert_airflow_template(
            reconcile,
            "airflow-task-reconcile-inventory",
            "airflow-tasks",
        );
        assert_eq!(doc.pod_templates.len(), 3);

        // The ConfigMaps hold exactly the templates, as YAML: the worker's where the scheduler
        // reads it, the DAG tasks' where the worker pods run.
        let maps = "20-pod-templates.yaml";
        let cp = find(
            &doc,
            maps,
            "ConfigMap",
            "airflow",
            names::POD_TEMPLATES_CONFIGMAP,
        );
        let tasks = find(
            &doc,
            maps,
            "ConfigMap",
            "airflow-tasks",
            names::POD_TEMPLATES_CONFIGMAP,
        );
        assert_eq!(objects(&doc, maps).len(), 2);
        let keys =
            |m: &Value| -> Vec<String> { m["data"].as_object().unwrap().keys().cloned().collect() };
        assert_eq!(keys(cp), [names::pod_template_file("airflow-worker")]);
        assert_eq!(
            keys(tasks),
            [
                names::pod_template_file("airflow-task-ingest-orders"),
                names::pod_template_file("airflow-task-reconcile-inventory"),
            ]
        );
        for m in [cp, tasks] {
            for (file, text) in m["data"].as_object().unwrap() {
                assert_eq!(text, &yaml::document(&doc.pod_templates[file]), "{file}");
            }
        }

        // Workloads: a Deployment and a Service per node.
        let w = "30-workloads.yaml";
        let orders = find(&doc, w, "Deployment", "shop", "orders-v1");
        assert_eq!(orders["spec"]["replicas"], 2);
        let sel = &orders["spec"]["selector"]["matchLabels"];
        assert_eq!(sel["app.kubernetes.io/name"], "orders-v1");
        let tmpl = &orders["spec"]["template"];
        assert_eq!(
            tmpl["metadata"]["labels"]["app.kubernetes.io/name"],
            "orders-v1"
        );
        let app = &tmpl["spec"]["containers"][0];
        assert_eq!(app["name"], "orders-v1");
        assert_eq!(
            app["image"],
            "111122223333.dkr.ecr.us-east-1.amazonaws.com/orders:1.4.2"
        );
        assert_eq!(app["ports"][0]["containerPort"], 8080);
        assert_eq!(app["resources"]["limits"]["memory"], "512Mi");
        let probe = &app["readinessProbe"];
        assert_eq!(probe["httpGet"]["path"], "/healthz");
        assert_eq!(probe["httpGet"]["port"], 8080);
        assert_eq!(probe["periodSeconds"], 10);
        assert_eq!(probe["timeoutSeconds"], 2);
        assert_eq!(probe["successThreshold"], 2);
        assert_eq!(probe["failureThreshold"], 3);
        assert_eq!(tmpl["spec"]["serviceAccountName"], "orders-v1");
        let v2 = find(&doc, w, "Deployment", "shop", "orders-v2");
        assert_eq!(v2["spec"]["replicas"], 1);
        let svc = find(&doc, w, "Service", "shop", "orders-v1");
        assert_eq!(svc["spec"]["type"], "ClusterIP");
        assert_eq!(svc["spec"]["selector"], *sel);
        let port = &svc["spec"]["ports"][0];
        assert_eq!(port["port"], 8080);
        assert_eq!(port["targetPort"], app["ports"][0]["name"]);
        assert!(port["name"].as_str().unwrap().len() <= 15);
        let grpc = find(&doc, w, "Service", "shop", "inventory-v1");
        assert_eq!(grpc["spec"]["ports"][0]["port"], 9090);
        assert_eq!(grpc["spec"]["ports"][0]["appProtocol"], "kubernetes.io/h2c");
        let inv = find(&doc, w, "Deployment", "shop", "inventory-v1");
        assert!(
            inv["spec"]["template"]["spec"]["containers"][0]
                .get("readinessProbe")
                .is_none(),
            "no health check, no probe"
        );
        assert_eq!(objects(&doc, w).len(), 6);

        if meshed {
            for (node, pod) in [
                ("airflow-worker", worker),
                ("airflow-task-ingest-orders", ingest),
                ("airflow-task-reconcile-inventory", reconcile),
            ] {
                // Client-only pods take ingress on a port nothing listens on.
                assert_meshed(
                    &pod["metadata"],
                    &pod["spec"],
                    "base",
                    &format!("mesh/shop/virtualNode/{node}"),
                    "15099",
                    true,
                );
                let init = &pod["spec"]["initContainers"][0];
                assert_eq!(
                    env_value(init, "APPMESH_EGRESS_IGNORED_PORTS"),
                    "22,443,5432"
                );
            }
            for node in ["orders-v1", "orders-v2", "inventory-v1"] {
                let d = find(&doc, w, "Deployment", "shop", node);
                let t = &d["spec"]["template"];
                let port = if node == "inventory-v1" {
                    "9090"
                } else {
                    "8080"
                };
                assert_meshed(
                    &t["metadata"],
                    &t["spec"],
                    node,
                    &format!("mesh/shop/virtualNode/{node}"),
                    port,
                    true,
                );
            }
        } else {
            assert_no_mesh(&doc);
        }
    }
}

#[test]
fn airflow2_celery() {
    for (backend, doc) in kube(&example("airflow2-eks-celery.yaml")) {
        let meshed = backend == MeshBackend::AppMesh;
        // Celery workers are the chart's, in the control plane's namespace: no worker template;
        // the DAG task's template is mounted where they run.
        assert_eq!(
            doc.pod_templates.keys().collect::<Vec<_>>(),
            [&names::pod_template_file("airflow-task-export-ledger")]
        );
        let task = template(&doc, "airflow-task-export-ledger");
        assert_airflow_template(task, "airflow-task-export-ledger", "airflow-tasks");
        let maps = "20-pod-templates.yaml";
        assert_eq!(objects(&doc, maps).len(), 1);
        find(
            &doc,
            maps,
            "ConfigMap",
            "airflow",
            names::POD_TEMPLATES_CONFIGMAP,
        );

        let sa = find(
            &doc,
            "10-service-accounts.yaml",
            "ServiceAccount",
            "airflow",
            "airflow-worker",
        );
        assert_eq!(
            sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
            "arn:aws:iam::111122223333:role/billing-eks-worker"
        );
        assert_pod_launcher(&doc, "airflow");
        let ledger = find(
            &doc,
            "10-service-accounts.yaml",
            "ServiceAccount",
            "billing",
            "ledger-v1",
        );
        assert_eq!(
            ledger["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].is_string(),
            meshed,
            "Envoy needs a role; on Lattice the ledger calls nothing"
        );
        let ns: Vec<&str> = objects(&doc, "00-namespaces.yaml")
            .iter()
            .map(|n| n["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(ns, ["airflow", "airflow-tasks", "billing"]);

        let d = find(
            &doc,
            "30-workloads.yaml",
            "Deployment",
            "billing",
            "ledger-v1",
        );
        find(&doc, "30-workloads.yaml", "Service", "billing", "ledger-v1");
        if meshed {
            // Kubernetes 1.30: native sidecars.
            assert_meshed(
                &task["metadata"],
                &task["spec"],
                "base",
                "mesh/billing-eks/virtualNode/airflow-task-export-ledger",
                "15099",
                true,
            );
            let init = &task["spec"]["initContainers"][0];
            assert_eq!(
                env_value(init, "APPMESH_EGRESS_IGNORED_PORTS"),
                "22,443,5432,6379"
            );
            let t = &d["spec"]["template"];
            assert_meshed(
                &t["metadata"],
                &t["spec"],
                "ledger-v1",
                "mesh/billing-eks/virtualNode/ledger-v1",
                "8080",
                true,
            );
            let envoy = &t["spec"]["initContainers"][2];
            assert_eq!(env_value(envoy, "AWS_REGION"), "eu-west-1");
        } else {
            assert_no_mesh(&doc);
        }
    }
}

/// A 2.x worker template (KubernetesExecutor) reads the database and the Fernet key from the
/// chart's Secrets.
#[test]
fn airflow2_kubernetes_executor_reads_the_charts_secrets() {
    let text = replace(
        &example("airflow2-eks-celery.yaml"),
        "executor: celery",
        "executor: kubernetes",
    );
    let text = replace(&text, "    desired_count: 3\n", "");
    let text = replace(
        &text,
        "    broker_url: { arn: \"arn:aws:secretsmanager:eu-west-1:111122223333:secret:billing/airflow/celery-broker-url-QrStUv\" }\n",
        "",
    );
    for (_, doc) in kube(&text) {
        let worker = template(&doc, "airflow-worker");
        assert_airflow_template(worker, "airflow-worker", "airflow-tasks");
        let base = &worker["spec"]["containers"][0];
        assert_eq!(base["resources"]["limits"]["cpu"], "2");
        assert_eq!(base["resources"]["limits"]["memory"], "4Gi");
        for (var, secret, key) in [
            (
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
                names::METADATA_SECRET,
                names::METADATA_SECRET_KEY,
            ),
            (
                "AIRFLOW__CORE__FERNET_KEY",
                names::FERNET_SECRET,
                names::FERNET_SECRET_KEY,
            ),
        ] {
            let e = env(base, var).unwrap_or_else(|| panic!("no {var}"));
            assert_eq!(e["valueFrom"]["secretKeyRef"]["name"], secret);
            assert_eq!(e["valueFrom"]["secretKeyRef"]["key"], key);
        }
        // The keys the chart reads; the names are meshsynth's (the guide creates them).
        assert_eq!(names::METADATA_SECRET_KEY, "connection");
        assert_eq!(names::FERNET_SECRET_KEY, "fernet-key");
        assert!(env(base, "AIRFLOW__CORE__EXECUTION_API_SERVER_URL").is_none());
        assert!(env(base, "AIRFLOW_CONN_LEDGER_API").is_some());
    }
}

/// Below Kubernetes 1.29 Envoy cannot be a native sidecar: it follows the pod's own container.
#[test]
fn kubernetes_1_28_classic_sidecars() {
    let text = replace(
        &example("airflow3-eks.yaml"),
        "kubernetes_version: \"1.31\"",
        "kubernetes_version: \"1.28\"",
    );
    for (backend, doc) in kube(&text) {
        if backend == MeshBackend::VpcLattice {
            assert_no_mesh(&doc);
            continue;
        }
        for node in [
            "airflow-worker",
            "airflow-task-ingest-orders",
            "airflow-task-reconcile-inventory",
        ] {
            let pod = template(&doc, node);
            assert_airflow_template(pod, node, "airflow-tasks");
            assert_meshed(
                &pod["metadata"],
                &pod["spec"],
                "base",
                &format!("mesh/shop/virtualNode/{node}"),
                "15099",
                false,
            );
        }
        let d = find(&doc, "30-workloads.yaml", "Deployment", "shop", "orders-v1");
        let t = &d["spec"]["template"];
        assert_meshed(
            &t["metadata"],
            &t["spec"],
            "orders-v1",
            "mesh/shop/virtualNode/orders-v1",
            "8080",
            false,
        );
    }
}

/// A mesh shared by another account: Envoy names it `<mesh>@<owner>`, as the controller does.
#[test]
fn shared_mesh_names_its_owner() {
    let text = replace(
        &example("airflow3-eks.yaml"),
        "  name: shop\n  egress_filter: drop_all\n",
        "  name: shop\n  owner: \"444455556666\"\n",
    );
    let (_, doc) = kube(&text).into_iter().next().unwrap();
    let envoy = &template(&doc, "airflow-worker")["spec"]["initContainers"][2];
    assert_eq!(
        env_value(envoy, "APPMESH_VIRTUAL_NODE_NAME"),
        "mesh/shop@444455556666/virtualNode/airflow-worker"
    );
}

// ---------------------------------------------------------------------------------------------
// The metrics collector (`observability:`).

/// The CloudFormation template of `text` on `backend`.
fn cloudformation(text: &str, backend: MeshBackend) -> Value {
    let targets = targets::iac();
    let mut opts = Options::new("spec.yaml", &targets);
    let backends = [backend];
    opts.backends = Some(&backends);
    let s = synthesize_with(text, &opts);
    let files = s
        .files
        .unwrap_or_else(|| panic!("{}", s.diagnostics.render_human("spec.yaml")));
    let dir = match backend {
        MeshBackend::AppMesh => "cloudformation",
        MeshBackend::VpcLattice => "vpc_lattice/cloudformation",
    };
    serde_json::from_str(&files[dir]["template.json"]).unwrap()
}

fn of_type<'a>(cfn: &'a Value, ty: &str) -> Vec<(&'a String, &'a Value)> {
    cfn["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == ty)
        .collect()
}

/// What every meshed pod's collector must say.
struct Collector<'a> {
    mesh: &'a str,
    region: &'a str,
    /// The name of the template's `AWS::Logs::LogGroup`.
    log_group: String,
    tracing: bool,
    native: bool,
}

/// Every meshed pod of a document, by the node it joins as, with the list that holds its Envoy:
/// pod templates and Deployments (`initContainers`, or `containers` below 1.29), and the Celery
/// workers in the Helm values (`workers.extraInitContainers`, or `extraContainers`).
fn meshed_pods(doc: &KubeDoc, native: bool) -> Vec<(String, &Value)> {
    let list = if native {
        "initContainers"
    } else {
        "containers"
    };
    let mut out: Vec<(String, &Value)> = doc
        .pod_templates
        .values()
        .map(|p| {
            (
                p["metadata"]["name"].as_str().unwrap().to_owned(),
                &p["spec"][list],
            )
        })
        .collect();
    for o in doc.manifests.values().flatten() {
        if o["kind"] == "Deployment" {
            out.push((
                o["metadata"]["name"].as_str().unwrap().to_owned(),
                &o["spec"]["template"]["spec"][list],
            ));
        }
    }
    if let Some(w) = doc.helm_values.as_ref().map(|v| &v["workers"]) {
        let extra = if native {
            &w["extraInitContainers"]
        } else {
            &w["extraContainers"]
        };
        if extra.is_array() {
            out.push(("airflow-worker".to_owned(), extra));
        }
    }
    out
}

/// The collector of a meshed pod of `node`: right before Envoy in `list`, a native sidecar
/// where Kubernetes has them, Envoy's UID, its requests, and a configuration that writes the
/// mesh's namespace into the template's log group, one stream per node, in the cluster's
/// region; Envoy sends it DogStatsD (and X-Ray segments) with the metrics extension on.
fn assert_collector(node: &str, list: &Value, want: &Collector) {
    let names = names_of(list);
    let at = names
        .iter()
        .position(|n| *n == "envoy")
        .unwrap_or_else(|| panic!("{node}: no Envoy in {names:?}"));
    // Just before Envoy: it starts first and stops last, after Envoy's final stats.
    assert!(at > 0, "{node}: {names:?}");
    assert_eq!(names.get(at - 1), Some(&COLLECTOR), "{node}: {names:?}");
    let envoy = &list[at];
    let c = &list[at - 1];
    assert_eq!(c["image"], collector::IMAGE, "{node}");
    if want.native {
        assert_eq!(c["restartPolicy"], "Always", "{node}: a native sidecar");
    } else {
        assert!(c.get("restartPolicy").is_none(), "{node}");
    }
    assert_eq!(
        c["securityContext"]["runAsUser"], 1337,
        "{node}: Envoy's UID, which proxyinit lets out"
    );
    assert_eq!(
        c["resources"],
        json!({"requests": {"cpu": "63m", "memory": "128Mi"}}),
        "{node}"
    );
    let config: Value = serde_json::from_str(env_value(c, collector::CONFIG_ENV))
        .unwrap_or_else(|e| panic!("{node}: the collector's config is not JSON: {e}"));
    let emf = &config["exporters"]["awsemf"];
    assert_eq!(
        emf["namespace"],
        format!("meshsynth/{}", want.mesh),
        "{node}"
    );
    assert_eq!(emf["log_group_name"], want.log_group.as_str(), "{node}");
    assert_eq!(emf["log_stream_name"], node);
    assert_eq!(emf["region"], want.region, "{node}");
    let pipelines = &config["service"]["pipelines"];
    assert_eq!(pipelines["metrics"]["exporters"], json!(["awsemf"]));
    assert_eq!(pipelines["metrics"]["receivers"], json!(["statsd"]));

    // Envoy sends there.
    assert_eq!(env_value(envoy, "APPMESH_METRIC_EXTENSION_VERSION"), "1");
    assert_eq!(env_value(envoy, "ENABLE_ENVOY_DOG_STATSD"), "1");
    let statsd = format!(
        "{}:{}",
        env_value(envoy, "STATSD_ADDRESS"),
        env_value(envoy, "STATSD_PORT")
    );
    assert_eq!(config["receivers"]["statsd"]["endpoint"], statsd, "{node}");
    if want.tracing {
        assert_eq!(env_value(envoy, "ENABLE_ENVOY_XRAY_TRACING"), "1");
        assert_eq!(
            config["receivers"]["awsxray"]["endpoint"],
            format!("127.0.0.1:{}", env_value(envoy, "XRAY_DAEMON_PORT"))
        );
        assert_eq!(pipelines["traces"]["exporters"], json!(["awsxray"]));
        assert_eq!(config["exporters"]["awsxray"]["region"], want.region);
    } else {
        assert!(env(envoy, "ENABLE_ENVOY_XRAY_TRACING").is_none(), "{node}");
        assert!(pipelines.get("traces").is_none(), "{node}");
    }
}

/// The statements of the IRSA role of every service account the document annotates with one.
fn irsa_statements<'a>(doc: &KubeDoc, cfn: &'a Value) -> Vec<(String, &'a [Value])> {
    let mut out = Vec::new();
    for sa in objects(doc, "10-service-accounts.yaml") {
        if sa["kind"] != "ServiceAccount" {
            continue;
        }
        let Some(arn) = sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].as_str() else {
            continue;
        };
        let role_name = arn.rsplit('/').next().unwrap();
        let (role, _) = of_type(cfn, "AWS::IAM::Role")
            .into_iter()
            .find(|(_, r)| r["Properties"]["RoleName"] == role_name)
            .unwrap_or_else(|| panic!("no role {role_name}"));
        let (_, policy) = of_type(cfn, "AWS::IAM::RolePolicy")
            .into_iter()
            .find(|(_, p)| p["Properties"]["RoleName"] == json!({"Ref": role}))
            .unwrap_or_else(|| panic!("no policy of {role}"));
        let st = policy["Properties"]["PolicyDocument"]["Statement"]
            .as_array()
            .unwrap();
        out.push((role_name.to_owned(), st.as_slice()));
    }
    assert!(!out.is_empty());
    out
}

/// Whether a statement allows `action`.
fn allows(st: &Value, action: &str) -> bool {
    st["Effect"] == "Allow" && st["Action"].as_array().unwrap().contains(&json!(action))
}

/// Every IRSA role may write EMF events into the log group (and X-Ray segments with tracing);
/// `log_group: None`: no role may.
fn assert_roles_write(doc: &KubeDoc, cfn: &Value, log_group: Option<&str>, tracing: bool) {
    for (role, statements) in irsa_statements(doc, cfn) {
        let logs: Vec<&Value> = statements
            .iter()
            .filter(|s| allows(s, "logs:PutLogEvents"))
            .collect();
        match log_group {
            Some(group) => {
                assert_eq!(logs.len(), 1, "{role}: {statements:?}");
                assert!(allows(logs[0], "logs:CreateLogStream"), "{role}");
                let arn = logs[0]["Resource"][0]["Fn::Join"][1].as_array().unwrap();
                assert!(arn.contains(&json!(":logs:")), "{role}: {arn:?}");
                assert_eq!(
                    arn.last().unwrap(),
                    &json!(format!("log-group:{group}:*")),
                    "{role}"
                );
            }
            None => assert!(logs.is_empty(), "{role}: {logs:?}"),
        }
        let xray: Vec<&Value> = statements
            .iter()
            .filter(|s| allows(s, "xray:PutTraceSegments"))
            .collect();
        if tracing {
            assert_eq!(xray.len(), 1, "{role}");
            assert_eq!(xray[0]["Resource"], json!(["*"]), "{role}");
        } else {
            assert!(xray.is_empty(), "{role}");
        }
    }
}

/// The collectors' log group: the template's `AWS::Logs::LogGroup` named
/// `/meshsynth/<project>/metrics`, if there is one (Lattice has its access-log group).
fn metrics_log_group(cfn: &Value, project: &str) -> Option<String> {
    let want = format!("/meshsynth/{project}/metrics");
    let groups: Vec<String> = of_type(cfn, "AWS::Logs::LogGroup")
        .into_iter()
        .filter_map(|(_, g)| g["Properties"]["LogGroupName"].as_str())
        .filter(|n| n.ends_with("/metrics"))
        .map(str::to_owned)
        .collect();
    assert!(groups.len() <= 1, "{groups:?}");
    let group = groups.into_iter().next()?;
    assert_eq!(group, want);
    Some(group)
}

/// An EKS spec whose App Mesh side meshes pods.
struct EksSpec {
    text: String,
    project: &'static str,
    mesh: &'static str,
    region: &'static str,
    native: bool,
    /// Meshed pods: pod templates, Deployments, the Celery workers.
    pods: usize,
}

fn eks_specs() -> Vec<EksSpec> {
    let fixture =
        |f: &str| std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(f)).unwrap();
    vec![
        // 3 templates, 3 Deployments.
        EksSpec {
            text: example("airflow3-eks.yaml"),
            project: "shop-airflow",
            mesh: "shop",
            region: "us-east-1",
            native: true,
            pods: 6,
        },
        // 1 template, 1 Deployment, the Celery workers.
        EksSpec {
            text: example("airflow2-eks-celery.yaml"),
            project: "billing-eks",
            mesh: "billing-eks",
            region: "eu-west-1",
            native: true,
            pods: 3,
        },
        // Kubernetes 1.28: 2 templates, 1 Deployment; classic sidecars.
        EksSpec {
            text: fixture("tests/fixtures/valid/eks-classic-sidecar.yaml"),
            project: "eks-classic",
            mesh: "shared-mesh",
            region: "eu-central-1",
            native: false,
            pods: 3,
        },
    ]
}

/// With `observability` at its defaults (metrics on), every App Mesh pod runs the collector
/// right before Envoy, writing into the log group the template creates, which every IRSA role
/// may write; on Lattice no pod runs one and nothing is created for it.
#[test]
fn every_app_mesh_pod_runs_the_collector_before_envoy() {
    for spec in eks_specs() {
        for (backend, doc) in kube(&spec.text) {
            let cfn = cloudformation(&spec.text, backend);
            if backend == MeshBackend::VpcLattice {
                assert_no_mesh(&doc);
                assert_eq!(metrics_log_group(&cfn, spec.project), None);
                assert_roles_write(&doc, &cfn, None, false);
                continue;
            }
            let log_group =
                metrics_log_group(&cfn, spec.project).expect("the collectors' log group");
            let want = Collector {
                mesh: spec.mesh,
                region: spec.region,
                log_group: log_group.clone(),
                tracing: false,
                native: spec.native,
            };
            let meshed = meshed_pods(&doc, spec.native);
            assert_eq!(meshed.len(), spec.pods, "{}: {meshed:?}", spec.project);
            for (node, list) in &meshed {
                assert_collector(node, list, &want);
            }
            assert_roles_write(&doc, &cfn, Some(&log_group), false);
        }
    }
}

/// Every pod template and every other core object of a fresh synthesis of every example, on
/// both backends, loads with the official Python client's models, unchanged (no unknown
/// field), `base` first; every Python file written parses.
#[test]
fn pod_templates_load_in_the_kubernetes_client() {
    if common::skip_airflow(
        "pod_templates_load_in_the_kubernetes_client",
        "the Kubernetes objects and pod templates of the EKS examples against the `kubernetes` \
         Python client's models (tests/eks/pod_templates.py)",
    ) {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = common::scratch("eks-pods", "client");
    let specs = common::yaml_files("examples");
    let specs: Vec<&Path> = specs.iter().map(|p| p.as_path()).collect();
    common::synth_ok(&specs, &out, &["--backend", "all"]);

    let setup = Command::new("bash")
        .arg(root.join("tests/eks/setup.sh"))
        .current_dir(root)
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("bash runs");
    assert!(
        setup.status.success(),
        "tests/eks/setup.sh failed (exit {:?}); its output is above",
        setup.status.code()
    );
    let python = common::text(&setup.stdout).trim().to_owned();
    let run = Command::new(&python)
        .arg(root.join("tests/eks/pod_templates.py"))
        .arg(&out)
        .current_dir(root)
        .output()
        .expect("the venv's python runs");
    let report = common::text(&run.stdout) + &common::text(&run.stderr);
    assert!(run.status.success(), "pod_templates.py:\n{report}");
    eprintln!("{}", report.trim_end());
    // Both EKS examples on both backends: 3 + 1 templates each, as files and in ConfigMaps.
    assert!(
        report.contains("8 pod template file(s), 8 pod template(s) in ConfigMaps"),
        "{report}"
    );
    let _ = std::fs::remove_dir_all(&out);
}

/// `observability: { metrics: false }` (and no tracing): no collector, no extension in Envoy,
/// no log group, nothing for the roles to write.
#[test]
fn metrics_off_runs_no_collector() {
    for spec in eks_specs() {
        let text = format!("{}\nobservability:\n  metrics: false\n", spec.text);
        let (backend, doc) = kube(&text).into_iter().next().unwrap();
        assert_eq!(backend, MeshBackend::AppMesh);
        let cfn = cloudformation(&text, backend);
        let meshed = meshed_pods(&doc, spec.native);
        assert_eq!(meshed.len(), spec.pods);
        for (node, list) in meshed {
            let names = names_of(list);
            assert!(names.contains(&"envoy"), "{node}: {names:?}");
            assert!(!names.contains(&COLLECTOR), "{node}: {names:?}");
            let envoy = list
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"] == "envoy")
                .unwrap();
            for var in [
                "APPMESH_METRIC_EXTENSION_VERSION",
                "ENABLE_ENVOY_DOG_STATSD",
                "ENABLE_ENVOY_XRAY_TRACING",
            ] {
                assert!(env(envoy, var).is_none(), "{node}: {var}");
            }
        }
        assert_eq!(metrics_log_group(&cfn, spec.project), None);
        assert_roles_write(&doc, &cfn, None, false);
    }
}

/// `tracing: xray`: Envoy traces to the collector, which exports to X-Ray in the cluster's
/// region; every role may write segments.
#[test]
fn tracing_goes_through_the_collector() {
    for spec in eks_specs() {
        let text = format!("{}\nobservability:\n  tracing: xray\n", spec.text);
        let (backend, doc) = kube(&text).into_iter().next().unwrap();
        assert_eq!(backend, MeshBackend::AppMesh);
        let cfn = cloudformation(&text, backend);
        let log_group = metrics_log_group(&cfn, spec.project).expect("the collectors' log group");
        let want = Collector {
            mesh: spec.mesh,
            region: spec.region,
            log_group: log_group.clone(),
            tracing: true,
            native: spec.native,
        };
        for (node, list) in meshed_pods(&doc, spec.native) {
            assert_collector(&node, list, &want);
        }
        assert_roles_write(&doc, &cfn, Some(&log_group), true);
    }
}
