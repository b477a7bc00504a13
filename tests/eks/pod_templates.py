"""Loads what meshsynth writes for Kubernetes with the official Python client's own models.

Usage: python pod_templates.py OUT_DIR [OUT_DIR...]

Under each folder, every YAML document (multi-document files too) whose kind the client has a
model for (Pod, Namespace, ServiceAccount, ConfigMap, Service, Deployment, Role,
RoleBinding) is deserialized with
`ApiClient().deserialize`, the path Airflow's `pod_template_file` goes through
(`PodGenerator.deserialize_model_file` calls the same deserializer), and serialized back with
`sanitize_for_serialization`. The two must be equal: the client drops a field it does not know,
so a difference is a misspelt, misplaced or mistyped field. Every Pod kept in a ConfigMap is
checked the same way. A Pod is an Airflow pod template (the files under `pod-templates/` and the
ConfigMaps' Pods), so it must also have a `metadata.name` and a first container named `base`
with an image.

Every `*.py` file under the folders (the generated DAG files and modules) must parse
(`ast.parse`).

Exits 1 with one line per finding, 0 with a summary line when everything loads.
"""

import ast
import json
import pathlib
import sys

import yaml
from kubernetes.client import ApiClient

MODELS = {
    ("v1", "Pod"): "V1Pod",
    ("v1", "Namespace"): "V1Namespace",
    ("v1", "ServiceAccount"): "V1ServiceAccount",
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("v1", "Service"): "V1Service",
    ("apps/v1", "Deployment"): "V1Deployment",
    ("rbac.authorization.k8s.io/v1", "Role"): "V1Role",
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): "V1RoleBinding",
}

CLIENT = ApiClient()


def differences(want, got, path=""):
    """Where `got` (the round trip) differs from `want` (the input), as readable lines."""
    if isinstance(want, dict) and isinstance(got, dict):
        out = []
        for k, v in want.items():
            if k not in got:
                out.append(f"{path}.{k}: unknown field (the client dropped it)")
            else:
                out.extend(differences(v, got[k], f"{path}.{k}"))
        for k in got:
            if k not in want:
                out.append(f"{path}.{k}: added by the client: {got[k]!r}")
        return out
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return [f"{path}: {len(want)} items became {len(got)}"]
        out = []
        for i, (a, b) in enumerate(zip(want, got)):
            out.extend(differences(a, b, f"{path}[{i}]"))
        return out
    if want != got or type(want) is not type(got):
        return [f"{path}: {want!r} became {got!r}"]
    return []


def load(where, doc, findings):
    """Deserializes one object with its model; returns whether there was one."""
    model = MODELS.get((doc.get("apiVersion"), doc.get("kind")))
    if model is None:
        return False
    try:
        obj = CLIENT.deserialize(json.dumps(doc), model, "application/json")
    except Exception as e:  # the client raises pydantic's ValidationError, ValueError, ...
        findings.append(f"{where}: {model} does not load: {type(e).__name__}: {e}")
        return True
    back = CLIENT.sanitize_for_serialization(obj)
    for d in differences(doc, back):
        findings.append(f"{where}: {model}{d}")
    return True


def airflow_rules(where, pod, findings):
    """What Airflow requires of a pod_template_file."""
    meta = pod.get("metadata") or {}
    if not meta.get("name"):
        findings.append(f"{where}: metadata.name is missing (Airflow needs one to replace)")
    containers = (pod.get("spec") or {}).get("containers") or []
    if not containers:
        findings.append(f"{where}: no containers")
        return
    first = containers[0]
    if first.get("name") != "base":
        findings.append(
            f"{where}: spec.containers[0] is {first.get('name')!r}, not 'base': Airflow runs the "
            "task in the container named base, which must come first"
        )
    if not first.get("image"):
        findings.append(f"{where}: spec.containers[0] has no image")


def main(folders):
    findings = []
    objects = templates = embedded = modules = 0
    for folder in map(pathlib.Path, folders):
        if not folder.is_dir():
            findings.append(f"{folder}: not a folder")
            continue
        for f in sorted(folder.rglob("*.y*ml")):
            try:
                docs = [d for d in yaml.safe_load_all(f.read_text()) if isinstance(d, dict)]
            except yaml.YAMLError as e:
                findings.append(f"{f}: invalid YAML: {e}")
                continue
            for i, doc in enumerate(docs):
                where = f"{f}#{i} {doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"
                if not load(where, doc, findings):
                    continue
                objects += 1
                if doc.get("kind") == "Pod":
                    templates += 1
                    airflow_rules(where, doc, findings)
                if doc.get("kind") != "ConfigMap":
                    continue
                for key, text in (doc.get("data") or {}).items():
                    try:
                        inner = yaml.safe_load(text)
                    except yaml.YAMLError as e:
                        findings.append(f"{where} data[{key!r}]: invalid YAML: {e}")
                        continue
                    if not isinstance(inner, dict) or inner.get("kind") != "Pod":
                        continue
                    w = f"{where} data[{key!r}]"
                    embedded += 1
                    load(w, inner, findings)
                    airflow_rules(w, inner, findings)
        for f in sorted(folder.rglob("*.py")):
            try:
                ast.parse(f.read_text(), filename=str(f))
                modules += 1
            except SyntaxError as e:
                findings.append(f"{f}:{e.lineno}: does not parse: {e.msg}")
    if templates + embedded == 0:
        findings.append("no pod template found under " + ", ".join(folders))
    for line in findings:
        print(line)
    print(
        f"pod_templates.py: {objects} object(s), {templates} pod template file(s), {embedded} "
        f"pod template(s) in ConfigMaps, {modules} Python file(s); {len(findings)} finding(s)"
    )
    return 1 if findings else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
