"""The CloudFormation side of tests/airflow/check.py: a template with its intrinsics resolved
to plausible values, the examples of output folders, and their Airflow components. Standard
library only: check.py --list and the parent process need no Airflow.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import traceback
from pathlib import Path

REGION = "us-east-1"
ACCOUNT = "111122223333"
PARTITION = "aws"
SUBNETS = ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"]
SECURITY_GROUPS = ["sg-0a1b2c3d4e5f60718"]
VPC = "vpc-0a1b2c3d4e5f60718"
DUMMY_SECRET = "meshsynth-dummy-secret-6f1d2c3b4a5e6f708192a3b4c5d6e7f8"
BROKER_URL = "redis://localhost:6379/0"
LINES = {2: "2.10", 3: "3.1"}
FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
# What one subprocess may take at most (a hung Airflow start is a failure, not a hang).
TIMEOUT = 300

NO_VALUE = object()


# --------------------------------------------------------------------------------------------
# CloudFormation: intrinsics resolved to plausible values
# --------------------------------------------------------------------------------------------


class CfnError(Exception):
    pass


def short_hash(text: str, n: int = 17) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


class Template:
    def __init__(self, path: Path, stack: str):
        self.path = path
        self.stack = stack
        self.doc = json.loads(path.read_text())
        self.resources: dict = self.doc.get("Resources", {})
        self.parameters: dict = self.doc.get("Parameters", {})
        self.conditions: dict = self.doc.get("Conditions", {})
        self.mappings: dict = self.doc.get("Mappings", {})
        self._resolving: set = set()

    # -- parameters -------------------------------------------------------------------------
    def parameter(self, name: str):
        p = self.parameters[name]
        typ = p.get("Type", "String")
        is_list = typ.startswith("List<") or typ == "CommaDelimitedList"
        if "Default" in p:
            v = p["Default"]
            if is_list and isinstance(v, str):
                return [x.strip() for x in v.split(",")] if v else []
            return v
        lname = name.lower()
        if "Subnet::Id" in typ or (("subnet" in lname) and not lname.endswith("arn")):
            return SUBNETS if is_list else SUBNETS[0]
        if "SecurityGroup::Id" in typ or (("securitygroup" in lname) and not lname.endswith("arn")):
            return SECURITY_GROUPS if is_list else SECURITY_GROUPS[0]
        if "VPC::Id" in typ or lname.endswith("vpcid"):
            return VPC
        if lname.endswith("arn"):
            if "secret" in lname:
                v = f"arn:{PARTITION}:secretsmanager:{REGION}:{ACCOUNT}:secret:meshsynth/{name}-AbCdEf"
            elif "role" in lname:
                v = f"arn:{PARTITION}:iam::{ACCOUNT}:role/{name}"
            else:
                v = f"arn:{PARTITION}:ssm:{REGION}:{ACCOUNT}:parameter/meshsynth/{name}"
            return [v] if is_list else v
        if typ == "Number":
            return "1"
        v = f"dummy-{lname}"
        return [v] if is_list else v

    # -- resources ----------------------------------------------------------------------------
    def props(self, lid: str) -> dict:
        return self.resources[lid].get("Properties", {})

    def prop(self, lid: str, key: str, default=None):
        props = self.props(lid)
        if key not in props:
            return default
        guard = (lid, key)
        if guard in self._resolving:
            raise CfnError(f"circular reference through {lid}.{key}")
        self._resolving.add(guard)
        try:
            return self.resolve(props[key])
        finally:
            self._resolving.discard(guard)

    def generated_name(self, lid: str) -> str:
        return f"{self.stack}-{lid}-{short_hash(self.stack + lid, 12).upper()}"

    def name_of(self, lid: str) -> str:
        """The physical name of a resource (what Ref gives for most named resources)."""
        typ = self.resources[lid]["Type"]
        keys = {
            "AWS::ECS::Cluster": "ClusterName",
            "AWS::Logs::LogGroup": "LogGroupName",
            "AWS::IAM::Role": "RoleName",
            "AWS::IAM::Policy": "PolicyName",
            "AWS::IAM::RolePolicy": "PolicyName",
            "AWS::ECS::Service": "ServiceName",
            "AWS::ECS::TaskDefinition": "Family",
            "AWS::SSM::Parameter": "Name",
            "AWS::SecretsManager::Secret": "Name",
            "AWS::S3::Bucket": "BucketName",
            "AWS::ServiceDiscovery::Service": "Name",
            "AWS::ServiceDiscovery::PrivateDnsNamespace": "Name",
            "AWS::AppMesh::Mesh": "MeshName",
            "AWS::AppMesh::VirtualNode": "VirtualNodeName",
            "AWS::AppMesh::VirtualService": "VirtualServiceName",
            "AWS::AppMesh::VirtualRouter": "VirtualRouterName",
            "AWS::AppMesh::VirtualGateway": "VirtualGatewayName",
            "AWS::AppMesh::Route": "RouteName",
            "AWS::AppMesh::GatewayRoute": "GatewayRouteName",
        }
        key = keys.get(typ)
        if key is None:
            key = next((k for k in self.props(lid) if k.endswith("Name")), None)
        v = self.prop(lid, key) if key else None
        return v if isinstance(v, str) and v else self.generated_name(lid)

    def arn_of(self, lid: str) -> str:
        typ = self.resources[lid]["Type"]
        name = self.name_of(lid)
        r, a, p = REGION, ACCOUNT, PARTITION
        if typ == "AWS::ECS::Cluster":
            return f"arn:{p}:ecs:{r}:{a}:cluster/{name}"
        if typ == "AWS::ECS::TaskDefinition":
            return f"arn:{p}:ecs:{r}:{a}:task-definition/{name}:1"
        if typ == "AWS::ECS::Service":
            cluster = self.prop(lid, "Cluster", "default")
            cluster = cluster.rsplit("/", 1)[-1] if isinstance(cluster, str) else "default"
            return f"arn:{p}:ecs:{r}:{a}:service/{cluster}/{name}"
        if typ == "AWS::IAM::Role":
            return f"arn:{p}:iam::{a}:role/{name}"
        if typ == "AWS::IAM::ManagedPolicy":
            return f"arn:{p}:iam::{a}:policy/{name}"
        if typ == "AWS::Logs::LogGroup":
            return f"arn:{p}:logs:{r}:{a}:log-group:{name}:*"
        if typ == "AWS::ServiceDiscovery::Service":
            return f"arn:{p}:servicediscovery:{r}:{a}:service/{self.ref(lid)}"
        if typ == "AWS::ServiceDiscovery::PrivateDnsNamespace":
            return f"arn:{p}:servicediscovery:{r}:{a}:namespace/{self.ref(lid)}"
        if typ == "AWS::SecretsManager::Secret":
            return f"arn:{p}:secretsmanager:{r}:{a}:secret:{name}-AbCdEf"
        if typ == "AWS::SSM::Parameter":
            return f"arn:{p}:ssm:{r}:{a}:parameter/{name.lstrip('/')}"
        if typ.startswith("AWS::AppMesh::"):
            kind = typ.split("::")[-1]
            if kind == "Mesh":
                return f"arn:{p}:appmesh:{r}:{a}:mesh/{name}"
            mesh = self.prop(lid, "MeshName", "mesh")
            kind_path = kind[0].lower() + kind[1:]
            if kind == "Route":
                router = self.prop(lid, "VirtualRouterName", "router")
                return f"arn:{p}:appmesh:{r}:{a}:mesh/{mesh}/virtualRouter/{router}/route/{name}"
            if kind == "GatewayRoute":
                gw = self.prop(lid, "VirtualGatewayName", "gateway")
                return f"arn:{p}:appmesh:{r}:{a}:mesh/{mesh}/virtualGateway/{gw}/gatewayRoute/{name}"
            return f"arn:{p}:appmesh:{r}:{a}:mesh/{mesh}/{kind_path}/{name}"
        service = typ.split("::")[1].lower()
        kind = typ.split("::")[-1].lower()
        return f"arn:{p}:{service}:{r}:{a}:{kind}/{name}"

    def ref(self, name: str):
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": PARTITION,
            "AWS::StackName": self.stack,
            "AWS::StackId": f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT}:stack/{self.stack}/"
            "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameter(name)
        if name not in self.resources:
            raise CfnError(f"Ref to {name!r}, which is neither a parameter nor a resource")
        typ = self.resources[name]["Type"]
        if typ == "AWS::ServiceDiscovery::Service":
            return "srv-" + short_hash(name, 16)
        if typ == "AWS::ServiceDiscovery::PrivateDnsNamespace":
            return "ns-" + short_hash(name, 16)
        if typ in ("AWS::ECS::TaskDefinition", "AWS::ECS::Service", "AWS::SecretsManager::Secret") or typ.startswith(
            "AWS::AppMesh::"
        ):
            return self.arn_of(name)
        return self.name_of(name)

    def getatt(self, lid: str, attr: str):
        if lid not in self.resources:
            raise CfnError(f"Fn::GetAtt of {lid!r}, which is not a resource")
        typ = self.resources[lid]["Type"]
        if attr == "Arn" or attr.endswith("Arn"):
            return self.arn_of(lid)
        if attr == "Id":
            return self.ref(lid) if typ.startswith("AWS::ServiceDiscovery::") else short_hash(lid, 16)
        if attr in ("Name",) or attr.endswith("Name"):
            v = self.prop(lid, attr)
            return v if v is not None else self.name_of(lid)
        if attr == "Uid":
            return short_hash(lid, 32)
        v = self.prop(lid, attr)
        if v is not None:
            return v
        return f"{self.name_of(lid)}-{attr.lower()}"

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.conditions[name]))

    def sub(self, text: str, variables: dict) -> str:
        def one(m: re.Match) -> str:
            body = m.group(1)
            if body.startswith("!"):
                return "${" + body[1:] + "}"
            if body in variables:
                v = self.resolve(variables[body])
            elif "." in body and body.split(".", 1)[0] in self.resources:
                lid, attr = body.split(".", 1)
                v = self.getatt(lid, attr)
            else:
                v = self.ref(body)
            if isinstance(v, list):
                raise CfnError(f"Fn::Sub variable {body} is a list")
            return str(v)

        return re.sub(r"\$\{([^}]*)\}", one, text)

    def resolve(self, v):
        if isinstance(v, list):
            out = [self.resolve(x) for x in v]
            return [x for x in out if x is not NO_VALUE]
        if not isinstance(v, dict):
            return v
        if len(v) == 1:
            ((k, arg),) = v.items()
            if k == "Ref":
                return self.ref(arg)
            if k == "Fn::GetAtt":
                lid, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.getatt(lid, attr)
            if k == "Fn::Join":
                sep, items = arg
                items = self.resolve(items)
                return sep.join(str(self.resolve(x)) for x in items)
            if k == "Fn::Sub":
                if isinstance(arg, list):
                    return self.sub(arg[0], arg[1] if len(arg) > 1 else {})
                return self.sub(arg, {})
            if k == "Fn::Select":
                idx, items = arg
                return self.resolve(items)[int(self.resolve(idx))]
            if k == "Fn::Split":
                sep, text = arg
                return str(self.resolve(text)).split(sep)
            if k == "Fn::If":
                cond, yes, no = arg
                return self.resolve(yes if self.condition(cond) else no)
            if k == "Fn::Equals":
                a, b = (self.resolve(x) for x in arg)
                return a == b
            if k == "Fn::Not":
                return not self.resolve(arg[0])
            if k == "Fn::And":
                return all(self.resolve(x) for x in arg)
            if k == "Fn::Or":
                return any(self.resolve(x) for x in arg)
            if k == "Condition":
                return self.condition(arg)
            if k == "Fn::ImportValue":
                return f"imported-{self.resolve(arg)}"
            if k == "Fn::GetAZs":
                return [f"{REGION}a", f"{REGION}b", f"{REGION}c"]
            if k == "Fn::Base64":
                return base64.b64encode(str(self.resolve(arg)).encode()).decode()
            if k == "Fn::FindInMap":
                m, a, b = (self.resolve(x) for x in arg)
                return self.resolve(self.mappings[m][a][b])
            if k.startswith("Fn::"):
                raise CfnError(f"intrinsic {k} is not supported by this checker")
        out = {}
        for key, x in v.items():
            r = self.resolve(x)
            if r is not NO_VALUE:
                out[key] = r
        return out

    # -- what the checks need ---------------------------------------------------------------
    def task_definitions(self) -> dict:
        return {lid: r for lid, r in self.resources.items() if r.get("Type") == "AWS::ECS::TaskDefinition"}


def cluster_name(value) -> str | None:
    """The name of an ECS cluster given as a name or an ARN."""
    if not isinstance(value, str) or not value:
        return None
    if value.startswith("arn:"):
        return value.split(":", 5)[-1].split("/", 1)[-1]
    return value


def family_of(task_definition) -> str | None:
    """The family of a RunTask `taskDefinition` (family, family:revision or ARN)."""
    if not isinstance(task_definition, str) or not task_definition:
        return None
    if task_definition.startswith("arn:"):
        task_definition = task_definition.split(":", 5)[-1].split("/", 1)[-1]
    return task_definition.split(":", 1)[0]


def image_line(image) -> str | None:
    """The Airflow line of an apache/airflow image tag: 3.x -> 3.1, 2.x -> 2.10."""
    if not isinstance(image, str):
        return None
    tag = image.rsplit("/", 1)[-1]
    if "@" in tag:
        tag = tag.split("@", 1)[0]
    if ":" not in tag:
        return None
    m = re.match(r"^v?(\d+)\.(\d+)", tag.split(":", 1)[1])
    return LINES.get(int(m.group(1))) if m else None


# --------------------------------------------------------------------------------------------
# Examples and components
# --------------------------------------------------------------------------------------------


class Container:
    def __init__(self, tpl: Template, raw: dict):
        self.raw = raw
        self.name = raw.get("Name")
        self.image = tpl.resolve(raw.get("Image"))
        self.command = tpl.resolve(raw.get("Command")) or []
        self.essential = raw.get("Essential", True)
        self.depends_on = raw.get("DependsOn", [])
        self.environment: dict[str, str] = {}
        self.env_problems: list[str] = []
        for e in raw.get("Environment", []):
            v = tpl.resolve(e.get("Value"))
            if not isinstance(v, str):
                self.env_problems.append(f"{e.get('Name')} resolves to {type(v).__name__}, not a string")
                v = json.dumps(v) if not isinstance(v, (int, float, bool)) else str(v)
            self.environment[e["Name"]] = v
        self.secret_names = [s["Name"] for s in raw.get("Secrets", [])]
        opts = tpl.resolve((raw.get("LogConfiguration") or {}).get("Options") or {})
        self.log_group = opts.get("awslogs-group")
        self.log_prefix = opts.get("awslogs-stream-prefix")


class TaskDef:
    def __init__(self, tpl: Template, lid: str):
        self.lid = lid
        p = tpl.props(lid)
        self.family = tpl.prop(lid, "Family") or tpl.generated_name(lid)
        self.requires = tpl.prop(lid, "RequiresCompatibilities") or []
        self.network_mode = tpl.prop(lid, "NetworkMode")
        self.containers = [Container(tpl, c) for c in p.get("ContainerDefinitions", [])]
        self.task_role_arn = tpl.prop(lid, "TaskRoleArn")
        self.raw_task_role = p.get("TaskRoleArn")
        self.execution_role_arn = tpl.prop(lid, "ExecutionRoleArn")

    def container(self, name):
        return next((c for c in self.containers if c.name == name), None)

    def facts(self) -> dict:
        return {
            "family": self.family,
            "requires": self.requires,
            "network_mode": self.network_mode,
            "task_role_arn": self.task_role_arn,
            "execution_role_arn": self.execution_role_arn,
            "containers": [
                {
                    "name": c.name,
                    "image": c.image if isinstance(c.image, str) else json.dumps(c.image),
                    "awslogs_group": c.log_group,
                    "awslogs_stream_prefix": c.log_prefix,
                }
                for c in self.containers
            ],
        }


LATTICE = "vpc_lattice"  # the folder of an example's VPC Lattice output, beside its App Mesh one


class Example:
    def __init__(self, folder: Path):
        self.folder = folder
        self.label = display(folder)
        # The Lattice output of out/<spec>/ is out/<spec>/vpc_lattice/: a second example,
        # `<spec>/vpc_lattice`, deployed as a stack of its own (named after the spec too).
        self.lattice = folder.name == LATTICE
        stack = folder.parent.name if self.lattice else folder.name
        self.name = f"{stack}/{LATTICE}" if self.lattice else folder.name
        self.template_path = folder / "cloudformation" / "template.json"
        self.tpl = Template(self.template_path, stack)
        # The App Mesh output of the same spec (its routes' retries and timeouts), if any.
        sibling = folder.parent / "cloudformation" / "template.json"
        self.app_mesh_template = sibling if self.lattice and sibling.is_file() else None
        self.tds = [TaskDef(self.tpl, lid) for lid in sorted(self.tpl.task_definitions())]
        self.components = [td for td in self.tds if td.container("airflow")]
        lines = {image_line(td.container("airflow").image) for td in self.components}
        self.line = lines.pop() if len(lines) == 1 else None
        self.images = sorted({str(td.container("airflow").image) for td in self.components})

    @property
    def is_airflow(self) -> bool:
        return bool(self.components)

    def dag_tasks(self) -> list:
        """Task definitions DAGs run themselves: no `airflow` container, and no ECS service runs them."""
        served = {
            json.dumps(r.get("Properties", {}).get("TaskDefinition"), sort_keys=True)
            for r in self.tpl.resources.values()
            if r.get("Type") == "AWS::ECS::Service"
        }
        return [
            td
            for td in self.tds
            if not td.container("airflow") and json.dumps({"Ref": td.lid}, sort_keys=True) not in served
        ]

    def by_suffix(self, suffix: str):
        return next((td for td in self.components if td.family.endswith(suffix)), None)

    def scheduler(self):
        return self.by_suffix("-scheduler")

    def task_runner(self):
        return self.by_suffix("-worker") or self.scheduler()

    def cluster(self) -> dict:
        """The stack's ECS cluster: the one it creates, else the one its scheduler service uses."""
        clusters = [lid for lid, r in self.tpl.resources.items() if r.get("Type") == "AWS::ECS::Cluster"]
        if len(clusters) == 1:
            name = self.tpl.ref(clusters[0])
        else:
            name = None
            sched = self.scheduler()
            for lid, r in self.tpl.resources.items():
                if r.get("Type") != "AWS::ECS::Service":
                    continue
                td = r.get("Properties", {}).get("TaskDefinition")
                if sched is None or td == {"Ref": sched.lid}:
                    name = cluster_name(self.tpl.prop(lid, "Cluster"))
                    if name:
                        break
        return {"name": name, "arn": f"arn:{PARTITION}:ecs:{REGION}:{ACCOUNT}:cluster/{name}" if name else None}

    def log_group(self, component: TaskDef | None = None) -> str | None:
        groups = [lid for lid, r in self.tpl.resources.items() if r.get("Type") == "AWS::Logs::LogGroup"]
        if len(groups) == 1:
            return self.tpl.name_of(groups[0])
        if component is not None:
            return component.container("airflow").log_group
        return None

    # -- IAM and the AWS the stack expects -----------------------------------------------------
    def exists(self, lid: str) -> bool:
        """Whether CloudFormation creates resource `lid` (its Condition, if any, holds)."""
        cond = self.tpl.resources[lid].get("Condition")
        return cond is None or self.tpl.condition(cond)

    def of_type(self, typ: str) -> list[str]:
        return [lid for lid, r in self.tpl.resources.items() if r.get("Type") == typ and self.exists(lid)]

    def task_role(self, td: TaskDef) -> dict:
        """The task role of `td` as IAM sees it: its name and ARN, every statement of every
        identity-based policy the template attaches to it (the role's inline Policies,
        AWS::IAM::RolePolicy with its RoleName, AWS::IAM::Policy / ManagedPolicy listing it in
        Roles or named in its ManagedPolicyArns), with intrinsics resolved, and `problems`: what
        cannot be known from the template (a role or managed policy the template does not
        create), which then grants nothing here."""
        out: dict = {"name": None, "arn": td.task_role_arn, "statements": [], "sources": [], "problems": []}
        if td.task_role_arn is None:
            out["problems"].append(f"task definition {td.family} has no TaskRoleArn (its tasks call AWS as nobody)")
            return out
        roles = [lid for lid in self.of_type("AWS::IAM::Role") if self.tpl.arn_of(lid) == td.task_role_arn]
        if not roles:
            out["problems"].append(
                f"TaskRoleArn {td.task_role_arn} is no AWS::IAM::Role of the template: its permissions are unknown"
            )
            out["name"] = str(td.task_role_arn).rsplit("/", 1)[-1]
            return out
        lid = roles[0]
        name = self.tpl.name_of(lid)
        out["name"], out["lid"] = name, lid

        def add(doc, source):
            doc = doc or {}
            st = doc.get("Statement", [])
            st = st if isinstance(st, list) else [st]
            out["statements"] += st
            out["sources"].append(f"{source} ({len(st)} statement(s))")

        for pol in self.tpl.prop(lid, "Policies") or []:
            add(pol.get("PolicyDocument"), f"{lid}.Policies[{pol.get('PolicyName')}]")
        attached = set()
        for plid in self.of_type("AWS::IAM::RolePolicy"):
            if self.tpl.prop(plid, "RoleName") == name:
                add(self.tpl.prop(plid, "PolicyDocument"), plid)
        for typ in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for plid in self.of_type(typ):
                if name in (self.tpl.prop(plid, "Roles") or []):
                    add(self.tpl.prop(plid, "PolicyDocument"), plid)
                    attached.add(plid)
        managed = {self.tpl.arn_of(m): m for m in self.of_type("AWS::IAM::ManagedPolicy")}
        for arn in self.tpl.prop(lid, "ManagedPolicyArns") or []:
            m = managed.get(arn)
            if m is None:
                out["problems"].append(
                    f"managed policy {arn} of {lid} is not in the template: its statements are unknown"
                )
            elif m not in attached:
                add(self.tpl.prop(m, "PolicyDocument"), m)
        return out

    def log_groups(self) -> list[str]:
        """The log groups that exist: the stack's, and those its containers log to."""
        names = {self.tpl.name_of(lid) for lid in self.of_type("AWS::Logs::LogGroup")}
        names |= {c.log_group for td in self.tds for c in td.containers if isinstance(c.log_group, str)}
        return sorted(names)

    def capacity_strategy(self) -> list[dict]:
        """The cluster's default capacity provider strategy, as DescribeClusters shows it."""
        for lid in self.of_type("AWS::ECS::ClusterCapacityProviderAssociations"):
            out = []
            for s in self.tpl.prop(lid, "DefaultCapacityProviderStrategy") or []:
                item = {"capacityProvider": s.get("CapacityProvider")}
                for k, key in (("Weight", "weight"), ("Base", "base")):
                    if k in s:
                        item[key] = int(s[k])
                out.append(item)
            return out
        return []

    def facts(self) -> dict:
        return {
            "task_definitions": {td.family: td.facts() for td in self.tds},
            "cluster": self.cluster(),
            "airflow_images": self.images,
            "region": REGION,
            "account": ACCOUNT,
        }


def display(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def is_example(d: Path) -> bool:
    return (d / "cloudformation" / "template.json").is_file()


def discover(folders: list[str]) -> tuple[list[Example], list[str]]:
    """The examples of `folders`: a folder that is one, or those one level down; an example's
    vpc_lattice/ (its Lattice output) is one more. Each once, whichever way it was named."""
    examples, problems = [], []
    seen: set[Path] = set()
    for f in folders:
        d = Path(f)
        if is_example(d):
            found = [d]
        elif d.is_dir():
            found = sorted(p for p in d.iterdir() if is_example(p))
        else:
            problems.append(f"{f}: no such folder")
            continue
        candidates = []
        for c in found:
            candidates.append(c)
            if c.name != LATTICE and is_example(c / LATTICE):
                candidates.append(c / LATTICE)
        for c in candidates:
            if c.resolve() in seen:
                continue
            seen.add(c.resolve())
            try:
                examples.append(Example(c))
            except Exception as e:  # a template this checker cannot read is a failure, not a skip
                problems.append(f"{display(c)}: cannot read the template: {type(e).__name__}: {e}")
    return examples, problems


def exc_text(e: BaseException) -> str:
    """The exception as `Type: message`, with the innermost frame that raised it."""
    tb = [f for f in traceback.extract_tb(e.__traceback__) if Path(f.filename).name != "awsstandin.py"]
    where = f" [{Path(tb[-1].filename).name}:{tb[-1].lineno} in {tb[-1].name}]" if tb else ""
    msg = str(e).strip() or repr(e)
    return f"{type(e).__name__}: {msg}{where}"


def tail(text: str, n: int = 12) -> str:
    lines = [x for x in text.strip().splitlines() if x.strip()]
    return "\n".join(lines[-n:])


def exception_first(text: str, context: int = 4) -> str:
    """A traceback as its exception line(s) first, then the frames that led there."""
    lines = [x for x in text.strip().splitlines() if x.strip()]
    at = next(
        (
            i
            for i in range(len(lines) - 1, -1, -1)
            if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Warning)\b", lines[i])
        ),
        None,
    )
    if at is None:
        return "\n".join(lines[-context - 2 :])
    return "\n".join(lines[at:] + lines[max(0, at - context) : at])


def cli_error(text: str, n: int = 8) -> str:
    """What a failed command said: the exception line of each traceback and the ERROR log lines,
    else its last lines that are not INFO logs."""
    lines = text.splitlines()
    found: list[str] = []
    in_tb = False
    for line in lines:
        if line.startswith("Traceback (most recent call last):"):
            in_tb = True
            continue
        if in_tb and line and not line[0].isspace():
            if not line.startswith(("During handling", "The above exception")):
                found.append(line.strip())
                in_tb = False
            continue
        if re.search(r"\bERROR\b|\[error|^Error|^error:", line):
            found.append(line.strip())
    if found:
        unique = list(dict.fromkeys(found))
        return "\n".join(unique[-n:])
    quiet = [x for x in lines if x.strip() and not re.search(r"\bINFO\b|\[info", x)]
    return "\n".join(quiet[-n:]) or tail(text, n)
