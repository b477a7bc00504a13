"""The AWS of tests/airflow/check.py: every botocore call an Airflow component makes is answered
here, as AWS would answer the component's own task role, instead of being sent anywhere.

check.py resolves the task role (the task definition's TaskRoleArn -> its AWS::IAM::Role -> the
role's inline Policies, the AWS::IAM::RolePolicy / AWS::IAM::Policy resources attached to it and
its template-managed policies; cfn.Example.task_role) into statements and writes them, with the
stack's facts, into a JSON spec. A process with MESHSYNTH_AWS_STANDIN=<spec> in its environment
gets the stand-in installed before Airflow is imported (zygote.py does it after a fork,
sitecustomize.py in a fresh interpreter, incontainer.py for the check process).

Every call goes through `StandIn.call`:

  1. Its rule (RULES, one per service and operation) names the IAM action(s) the call needs and
     the resource ARN(s) each acts on, as AWS evaluates them (below). A call without a rule
     raises NoRule, which is not a ClientError, so no client code catches it as an AWS error, and
     is recorded: the check that started the process fails on it even when something swallowed
     the exception. A new call is noticed, never passed.
  2. The role's statements decide (Policy.allows): an explicit Deny wins, else an Allow whose
     Action (or NotAction) matches `service:Operation` (case-insensitive, `*` and `?` globbing)
     and whose Resource (or NotResource) matches the ARN (case-sensitive globbing). A statement
     with a Condition cannot be decided here and stops the spec from loading.
  3. Denied: the service's own error, raised as botocore raises it (the client's modeled
     exception class): AccessDeniedException (HTTP 400) for CloudWatch Logs and ECS, AccessDenied
     (403) for S3 (a HEAD request: code 403, "Forbidden", as HEAD responses have no body).
     Whatever catches it is the client code's own decision (watchtower ignores a denied
     DescribeLogGroups and then calls CreateLogGroup, whose AccessDenied it does not catch).
  4. Allowed: a minimal valid answer, from the stack's facts: the stack's log groups exist
     (CreateLogGroup answers ResourceAlreadyExistsException), a stream exists once this process
     created it (PutLogEvents to another answers ResourceNotFoundException, as for a new task's
     stream), GetLogEvents of a stream this process did not write answers two canned events (a
     task another component ran wrote it); S3 DAG bundle buckets hold the example's DAG files
     under the bundle's prefix; RunTask answers a PROVISIONING task, StopTask of an unknown task
     InvalidParameterException "The referenced task was not found." (what the ECS executor's
     health check expects). Parameters are validated against botocore's model first, as botocore
     does before it sends anything.

The resources AWS authorizes (from the Service Authorization Reference and the ARNs AWS names in
its AccessDenied messages):

  logs  account-level  DescribeLogGroups: arn:...:log-group::log-stream:   (so it needs
                       `log-group:*` or `*`; a group's own ARN, even `<group>:*`, does not match)
        group-level    CreateLogGroup, DescribeLogStreams, PutRetentionPolicy, FilterLogEvents:
                       arn:...:log-group:<group>:log-stream:   (matched by `<group>:*` and
                       `<group>:log-stream:*`, not by the bare `log-group:<group>`)
        stream-level   CreateLogStream, PutLogEvents, GetLogEvents:
                       arn:...:log-group:<group>:log-stream:<stream>
        CreateLogGroup with tags also needs logs:TagResource on arn:...:log-group:<group>
  s3    ListObjects(V2), HeadBucket: s3:ListBucket on arn:aws:s3:::<bucket>
        GetObject, HeadObject: s3:GetObject on arn:aws:s3:::<bucket>/<key>
  ecs   DescribeClusters: the cluster ARN(s); RunTask: the task definition ARN
        (task-definition/<family>:<revision>, revision 1 when the request names the family),
        plus iam:PassRole on the task and execution roles it passes (the task definition's and
        the overrides'), plus ecs:TagResource when it tags; DescribeTasks, StopTask: the task ARN
        (task/<cluster>/<id>)
  sts   GetCallerIdentity needs no permission

Every call is appended to the record file (JSON lines): service, operation, action(s),
resource(s), decision ("allow", "deny", "norule", "invalid"), error.

Code that signs its own requests (the SigV4 auth for VPC Lattice services, check a) signs with
the task role's temporary credentials, as ECS hands them to the task: role_credentials gives
fixed fake ones per role, which nothing accepts but against which a signature can be checked.
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
import time

SPEC_ENV = "MESHSYNTH_AWS_STANDIN"
RECORD_ENV = "MESHSYNTH_AWS_RECORD"
SESSION = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"  # the role session ECS names after the task


def role_credentials(role_name: str) -> dict:
    """Fake temporary credentials of a role session (an ASIA access key, a secret, a session
    token), fixed per role: nothing accepts them, but a signature made with them can be checked."""
    import hashlib

    h = hashlib.sha256(f"meshsynth:{role_name}".encode()).hexdigest()
    return {
        "AccessKeyId": "ASIA" + h[:16].upper(),
        "SecretAccessKey": h[16:56],
        "Token": f"IQoJb3JpZ2luX2VjEMESHSYNTH{h[:32]}",
    }


class NoRule(RuntimeError):
    """A call the stand-in has no rule for (not a ClientError: nothing swallows it as one)."""


class SpecError(ValueError):
    pass


# --------------------------------------------------------------------------------------------
# IAM
# --------------------------------------------------------------------------------------------


def _glob(pattern: str, text: str, case: bool) -> bool:
    """IAM globbing: `*` any run of characters (`:` and `/` too), `?` one character."""
    rx = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.fullmatch(rx, text, 0 if case else re.IGNORECASE) is not None


def _as_list(v) -> list:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


class Policy:
    """The identity-based statements of one role."""

    def __init__(self, statements: list[dict]):
        self.statements = []
        for i, s in enumerate(statements):
            if not isinstance(s, dict):
                raise SpecError(f"statement {i} is not an object: {s!r}")
            if "Condition" in s:
                raise SpecError(f"statement {i} has a Condition, which this stand-in cannot decide: {s!r}")
            effect = s.get("Effect")
            if effect not in ("Allow", "Deny"):
                raise SpecError(f"statement {i} has Effect {effect!r}")
            self.statements.append(s)

    @staticmethod
    def _matches(s: dict, action: str, resource: str) -> bool:
        if "Action" in s:
            ok = any(_glob(str(a), action, case=False) for a in _as_list(s["Action"]))
        else:
            ok = not any(_glob(str(a), action, case=False) for a in _as_list(s.get("NotAction")))
        if not ok:
            return False
        if "Resource" in s:
            return any(_glob(str(r), resource, case=True) for r in _as_list(s["Resource"]))
        return not any(_glob(str(r), resource, case=True) for r in _as_list(s.get("NotResource")))

    def allows(self, action: str, resource: str) -> bool:
        allowed = False
        for s in self.statements:
            if self._matches(s, action, resource):
                if s["Effect"] == "Deny":
                    return False
                allowed = True
        return allowed


# --------------------------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------------------------


class Answer(Exception):
    """A service error to raise (code, message, HTTP status)."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


def _now_ms() -> int:
    return int(time.time() * 1000)


class StandIn:
    def __init__(self, spec: dict):
        self.spec = spec
        self.role = spec.get("role") or {}
        self.policy = Policy(self.role.get("statements") or [])
        self.account = spec["account"]
        self.partition = spec.get("partition", "aws")
        self.region = spec["region"]
        self.record_path = os.environ.get(RECORD_ENV) or spec.get("record")
        self.lock = threading.Lock()
        # State of this process: what it created.
        self.log_groups = {(self.region, g) for g in spec.get("log_groups", [])}
        self.streams: dict[tuple, list] = {}
        self.tasks: dict[str, dict] = {}
        self.calls: list[dict] = []

    # -- identity -----------------------------------------------------------------------------
    @property
    def principal(self) -> str:
        name = self.role.get("name") or "unknown-role"
        return f"arn:{self.partition}:sts::{self.account}:assumed-role/{name}/{SESSION}"

    @property
    def credentials(self) -> dict:
        """The task role's temporary credentials, as ECS hands them to the task (see
        role_credentials): what code that signs requests itself (SigV4 for VPC Lattice) uses."""
        return role_credentials(self.role.get("name") or "unknown-role")

    def denied(self, service: str, action: str, resource: str) -> Answer:
        why = f"because no identity-based policy allows the {action} action"
        if service == "s3":
            return Answer(
                "AccessDenied",
                f'User: {self.principal} is not authorized to perform: {action} on resource: "{resource}" {why}',
                403,
            )
        return Answer(
            "AccessDeniedException",
            f"User: {self.principal} is not authorized to perform: {action} on resource: {resource} {why}",
            400,
        )

    # -- the call -----------------------------------------------------------------------------
    def call(self, client, service: str, operation: str, params: dict):
        region = client.meta.region_name or self.region
        entry = {"pid": os.getpid(), "call": f"{service}.{operation}", "region": region}
        rule = RULES.get((service, operation))
        try:
            if rule is None:
                entry["decision"] = "norule"
                raise NoRule(
                    f"the AWS stand-in (tests/airflow/awsstandin.py) has no rule for {service}.{operation}"
                    f" ({json.dumps(params, default=str)[:300]}): add one to RULES"
                )
            try:
                _validate(client, operation, params)
            except Exception as e:
                entry["decision"] = "invalid"
                entry["error"] = str(e)
                raise
            ctx = Ctx(self, region, params)
            needs = rule.needs(ctx)
            entry["needs"] = [f"{a} {r}" for a, r in needs]
            for action, resource in needs:
                if not self.policy.allows(action, resource):
                    entry["decision"] = "deny"
                    err = self.denied(service, action, resource)
                    entry["error"] = f"{err.code}: {err.message}"
                    if operation in ("HeadObject", "HeadBucket"):  # a HEAD answer has no body
                        entry["error"] = f"403 Forbidden ({action} on {resource} denied: {err.message})"
                        err = Answer("403", "Forbidden", 403)
                    raise err
            entry["decision"] = "allow"
            try:
                with self.lock:
                    out = rule.answer(ctx)
            except Answer as a:
                entry["error"] = f"{a.code}: {a.message}"
                raise
            out = dict(out)
            out.setdefault(
                "ResponseMetadata",
                {"RequestId": "meshsynth-standin", "HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0},
            )
            return out
        except Answer as a:
            raise _client_error(client, operation, a) from None
        finally:
            self._record(entry)

    def _record(self, entry: dict):
        self.calls.append(entry)
        if not self.record_path:
            return
        line = (json.dumps(entry, default=str) + "\n").encode()
        fd = os.open(self.record_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def _validate(client, operation: str, params: dict):
    from botocore.validate import validate_parameters

    model = client.meta.service_model.operation_model(operation)
    if model.input_shape is not None:
        validate_parameters(params, model.input_shape)


def _client_error(client, operation: str, a: Answer):
    response = {
        "Error": {"Code": a.code, "Message": a.message},
        "ResponseMetadata": {"RequestId": "meshsynth-standin", "HTTPStatusCode": a.status, "HTTPHeaders": {}},
    }
    cls = client.exceptions.from_code(a.code)
    return cls(response, operation)


class Ctx:
    def __init__(self, standin: StandIn, region: str, params: dict):
        self.s = standin
        self.region = region
        self.p = params

    def arn(self, service: str, rest: str, region: bool = True) -> str:
        r = self.region if region else ""
        acct = self.s.account if service != "s3" else ""
        return f"arn:{self.s.partition}:{service}:{r}:{acct}:{rest}"


class Rule:
    def __init__(self, needs, answer):
        self.needs, self.answer = needs, answer


RULES: dict[tuple[str, str], Rule] = {}


def rule(service: str, operation: str, needs):
    def deco(fn):
        RULES[(service, operation)] = Rule(needs, fn)
        return fn

    return deco


# -- CloudWatch Logs ----------------------------------------------------------------------------


def _group_arn(c: Ctx, group: str, stream: str = "") -> str:
    return c.arn("logs", f"log-group:{group}:log-stream:{stream}")


def _group_exists(c: Ctx, group: str):
    if (c.region, group) not in c.s.log_groups:
        raise Answer("ResourceNotFoundException", "The specified log group does not exist.")


def _describe_group(c: Ctx, name: str) -> dict:
    base = c.arn("logs", f"log-group:{name}")
    return {"logGroupName": name, "creationTime": 1735689600000, "storedBytes": 0, "arn": base + ":*",
            "logGroupArn": base, "logGroupClass": "STANDARD", "metricFilterCount": 0}


@rule("logs", "DescribeLogGroups", lambda c: [("logs:DescribeLogGroups", _group_arn(c, ""))])
def _(c: Ctx):
    prefix = c.p.get("logGroupNamePrefix", "")
    pattern = c.p.get("logGroupNamePattern")
    names = sorted(g for r, g in c.s.log_groups if r == c.region and g.startswith(prefix))
    if pattern:
        names = [n for n in names if pattern.lower() in n.lower()]
    return {"logGroups": [_describe_group(c, n) for n in names]}


def _create_group_needs(c: Ctx):
    needs = [("logs:CreateLogGroup", _group_arn(c, c.p["logGroupName"]))]
    if c.p.get("tags"):
        needs.append(("logs:TagResource", c.arn("logs", f"log-group:{c.p['logGroupName']}")))
    return needs


@rule("logs", "CreateLogGroup", _create_group_needs)
def _(c: Ctx):
    key = (c.region, c.p["logGroupName"])
    if key in c.s.log_groups:
        raise Answer("ResourceAlreadyExistsException", "The specified log group already exists")
    c.s.log_groups.add(key)
    return {}


@rule("logs", "PutRetentionPolicy", lambda c: [("logs:PutRetentionPolicy", _group_arn(c, c.p["logGroupName"]))])
def _(c: Ctx):
    _group_exists(c, c.p["logGroupName"])
    return {}


@rule(
    "logs",
    "DescribeLogStreams",
    lambda c: [("logs:DescribeLogStreams", _group_arn(c, c.p.get("logGroupName") or ""))],
)
def _(c: Ctx):
    group = c.p.get("logGroupName")
    _group_exists(c, group)
    prefix = c.p.get("logStreamNamePrefix", "")
    streams = sorted(s for (r, g, s) in c.s.streams if r == c.region and g == group and s.startswith(prefix))
    return {
        "logStreams": [
            {
                "logStreamName": s,
                "creationTime": 1735689600000,
                "arn": _group_arn(c, group, s),
                "storedBytes": 0,
            }
            for s in streams
        ]
    }


def _stream_needs(action: str):
    return lambda c: [(action, _group_arn(c, c.p["logGroupName"], c.p["logStreamName"]))]


@rule("logs", "CreateLogStream", _stream_needs("logs:CreateLogStream"))
def _(c: Ctx):
    _group_exists(c, c.p["logGroupName"])
    key = (c.region, c.p["logGroupName"], c.p["logStreamName"])
    if key in c.s.streams:
        raise Answer("ResourceAlreadyExistsException", "The specified log stream already exists")
    c.s.streams[key] = []
    return {}


@rule("logs", "PutLogEvents", _stream_needs("logs:PutLogEvents"))
def _(c: Ctx):
    _group_exists(c, c.p["logGroupName"])
    key = (c.region, c.p["logGroupName"], c.p["logStreamName"])
    if key not in c.s.streams:
        raise Answer("ResourceNotFoundException", "The specified log stream does not exist.")
    c.s.streams[key].extend(c.p["logEvents"])
    return {"nextSequenceToken": f"{len(c.s.streams[key]):056d}"}


CANNED_EVENTS = [
    "meshsynth AWS stand-in: first event of a task's log",
    "meshsynth AWS stand-in: last event of a task's log",
]


@rule("logs", "GetLogEvents", _stream_needs("logs:GetLogEvents"))
def _(c: Ctx):
    _group_exists(c, c.p["logGroupName"])
    key = (c.region, c.p["logGroupName"], c.p["logStreamName"])
    if key in c.s.streams:
        events = [
            {"timestamp": e["timestamp"], "message": e["message"], "ingestionTime": e["timestamp"]}
            for e in c.s.streams[key]
        ]
    else:  # a stream another component wrote
        t = 1735689600000
        events = [{"timestamp": t + i, "message": m, "ingestionTime": t + i} for i, m in enumerate(CANNED_EVENTS)]
    start = 0
    token = c.p.get("nextToken")
    if token:
        if not re.fullmatch(r"f/\d+", token):
            raise Answer("InvalidParameterException", "The specified nextToken is invalid.")
        start = int(token[2:])
    page = events[start:]
    return {
        "events": page,
        "nextForwardToken": f"f/{len(events)}",
        "nextBackwardToken": f"b/{start}",
    }


# -- S3 -----------------------------------------------------------------------------------------


def _bucket_arn(c: Ctx, bucket: str, key: str | None = None) -> str:
    return f"arn:{c.s.partition}:s3:::{bucket}" + (f"/{key}" if key is not None else "")


def _objects(c: Ctx, bucket: str) -> dict:
    buckets = c.s.spec.get("s3_objects", {})
    if bucket not in buckets:
        raise Answer("NoSuchBucket", "The specified bucket does not exist", 404)
    return buckets[bucket]


def _list_needs(c: Ctx):
    return [("s3:ListBucket", _bucket_arn(c, c.p["Bucket"]))]


def _list(c: Ctx, v2: bool):
    objs = _objects(c, c.p["Bucket"])
    prefix = c.p.get("Prefix", "")
    delim = c.p.get("Delimiter")
    contents, prefixes = [], []
    for key in sorted(objs):
        if not key.startswith(prefix):
            continue
        rest = key[len(prefix) :]
        if delim and delim in rest:
            p = prefix + rest.split(delim, 1)[0] + delim
            if p not in prefixes:
                prefixes.append(p)
            continue
        size = os.path.getsize(objs[key])
        contents.append(
            {"Key": key, "Size": size, "ETag": f'"{_etag(objs[key])}"', "StorageClass": "STANDARD",
             "LastModified": _last_modified()}
        )
    out = {"IsTruncated": False, "Name": c.p["Bucket"], "Prefix": prefix, "MaxKeys": 1000}
    if contents:
        out["Contents"] = contents
    if prefixes:
        out["CommonPrefixes"] = [{"Prefix": p} for p in prefixes]
    if delim:
        out["Delimiter"] = delim
    if v2:
        out["KeyCount"] = len(contents) + len(prefixes)
    else:
        out["Marker"] = c.p.get("Marker", "")
    return out


def _etag(path: str) -> str:
    import hashlib

    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def _last_modified():
    import datetime

    return datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)


@rule("s3", "ListObjectsV2", _list_needs)
def _(c: Ctx):
    return _list(c, v2=True)


@rule("s3", "ListObjects", _list_needs)
def _(c: Ctx):
    return _list(c, v2=False)


@rule("s3", "HeadBucket", _list_needs)
def _(c: Ctx):
    try:
        _objects(c, c.p["Bucket"])
    except Answer:
        raise Answer("404", "Not Found", 404) from None
    return {"BucketRegion": c.region}


def _object_needs(c: Ctx):
    return [("s3:GetObject", _bucket_arn(c, c.p["Bucket"], c.p["Key"]))]


def _object(c: Ctx, head: bool):
    objs = _objects(c, c.p["Bucket"])
    path = objs.get(c.p["Key"])
    if path is None:
        if head:
            raise Answer("404", "Not Found", 404)
        raise Answer("NoSuchKey", "The specified key does not exist.", 404)
    with open(path, "rb") as f:
        data = f.read()
    out = {
        "ContentLength": len(data),
        "ETag": f'"{_etag(path)}"',
        "LastModified": _last_modified(),
        "ContentType": "text/x-python",
        "Metadata": {},
    }
    if not head:
        rng = c.p.get("Range")
        if rng:
            m = re.fullmatch(r"bytes=(\d+)-(\d*)", rng)
            lo, hi = int(m.group(1)), int(m.group(2) or len(data) - 1)
            data = data[lo : hi + 1]
            out["ContentLength"] = len(data)
        from botocore.response import StreamingBody

        out["Body"] = StreamingBody(io.BytesIO(data), len(data))
    return out


@rule("s3", "HeadObject", _object_needs)
def _(c: Ctx):
    return _object(c, head=True)


@rule("s3", "GetObject", _object_needs)
def _(c: Ctx):
    return _object(c, head=False)


# -- ECS ----------------------------------------------------------------------------------------


def _cluster(c: Ctx, value) -> tuple[str, str]:
    name = value or "default"
    if name.startswith("arn:"):
        name = name.split("/", 1)[-1]
    return name, c.arn("ecs", f"cluster/{name}")


def _known_cluster(c: Ctx, name: str) -> dict:
    clusters = c.s.spec.get("clusters", {})
    if name not in clusters:
        raise Answer("ClusterNotFoundException", "Cluster not found.")
    return clusters[name]


@rule(
    "ecs",
    "DescribeClusters",
    lambda c: [("ecs:DescribeClusters", _cluster(c, x)[1]) for x in (c.p.get("clusters") or ["default"])],
)
def _(c: Ctx):
    found, failures = [], []
    for x in c.p.get("clusters") or ["default"]:
        name, arn = _cluster(c, x)
        info = c.s.spec.get("clusters", {}).get(name)
        if info is None:
            failures.append({"arn": arn, "reason": "MISSING"})
            continue
        found.append(
            {
                "clusterName": name,
                "clusterArn": arn,
                "status": "ACTIVE",
                "defaultCapacityProviderStrategy": info.get("strategy", []),
                "capacityProviders": info.get("capacity_providers", []),
            }
        )
    return {"clusters": found, "failures": failures}


def _task_definition(c: Ctx, value: str) -> tuple[str, str, dict | None]:
    """(family, task definition ARN, its facts) of a RunTask taskDefinition."""
    v = value
    if v.startswith("arn:"):
        v = v.split("/", 1)[-1]
    family, _, rev = v.partition(":")
    arn = c.arn("ecs", f"task-definition/{family}:{rev or 1}")
    return family, arn, c.s.spec.get("task_definitions", {}).get(family)


def _run_task_needs(c: Ctx):
    family, arn, td = _task_definition(c, c.p["taskDefinition"])
    needs = [("ecs:RunTask", arn)]
    roles = []
    if td:
        roles += [td.get("task_role_arn"), td.get("execution_role_arn")]
    overrides = c.p.get("overrides") or {}
    roles += [overrides.get("taskRoleArn"), overrides.get("executionRoleArn")]
    for r in dict.fromkeys(x for x in roles if x):
        needs.append(("iam:PassRole", r))
    if c.p.get("tags"):
        cluster, _ = _cluster(c, c.p.get("cluster"))
        needs.append(("ecs:TagResource", c.arn("ecs", f"task/{cluster}/*")))
    return needs


@rule("ecs", "RunTask", _run_task_needs)
def _(c: Ctx):
    cluster, cluster_arn = _cluster(c, c.p.get("cluster"))
    _known_cluster(c, cluster)
    family, arn, td = _task_definition(c, c.p["taskDefinition"])
    if td is None:
        raise Answer("ClientException", "Unable to describe task definition.")
    tasks = []
    for i in range(int(c.p.get("count", 1))):
        task_id = f"{len(c.s.tasks) + 1:032x}"
        task_arn = c.arn("ecs", f"task/{cluster}/{task_id}")
        task = {
            "taskArn": task_arn,
            "clusterArn": cluster_arn,
            "taskDefinitionArn": arn,
            "lastStatus": "PROVISIONING",
            "desiredStatus": "RUNNING",
            "launchType": c.p.get("launchType") or ("FARGATE" if "FARGATE" in td.get("requires", []) else "EC2"),
            "containers": [
                {"name": n, "containerArn": c.arn("ecs", f"container/{cluster}/{task_id}/{n}"),
                 "taskArn": task_arn, "lastStatus": "PENDING"}
                for n in td.get("containers", [])
            ],
            "overrides": c.p.get("overrides") or {},
            "group": c.p.get("group") or f"family:{family}",
            "startedBy": c.p.get("startedBy", ""),
        }
        if c.p.get("capacityProviderStrategy"):
            task["capacityProviderName"] = c.p["capacityProviderStrategy"][0]["capacityProvider"]
            task.pop("launchType", None)
        c.s.tasks[task_arn] = task
        tasks.append(task)
    return {"tasks": tasks, "failures": []}


def _task_arn(c: Ctx, cluster_value, task: str) -> str:
    if task.startswith("arn:"):
        return task
    cluster, _ = _cluster(c, cluster_value)
    return c.arn("ecs", f"task/{cluster}/{task}")


@rule(
    "ecs",
    "DescribeTasks",
    lambda c: [("ecs:DescribeTasks", _task_arn(c, c.p.get("cluster"), t)) for t in c.p["tasks"]],
)
def _(c: Ctx):
    cluster, _ = _cluster(c, c.p.get("cluster"))
    _known_cluster(c, cluster)
    found, failures = [], []
    for t in c.p["tasks"]:
        arn = _task_arn(c, c.p.get("cluster"), t)
        if arn in c.s.tasks:
            found.append(c.s.tasks[arn])
        else:
            failures.append({"arn": arn, "reason": "MISSING"})
    return {"tasks": found, "failures": failures}


@rule("ecs", "StopTask", lambda c: [("ecs:StopTask", _task_arn(c, c.p.get("cluster"), c.p["task"]))])
def _(c: Ctx):
    cluster, _ = _cluster(c, c.p.get("cluster"))
    _known_cluster(c, cluster)
    arn = _task_arn(c, c.p.get("cluster"), c.p["task"])
    task = c.s.tasks.get(arn)
    if task is None:
        raise Answer("InvalidParameterException", "The referenced task was not found.")
    task = dict(task, desiredStatus="STOPPED", stoppedReason=c.p.get("reason", ""))
    c.s.tasks[arn] = task
    return {"task": task}


# -- STS ----------------------------------------------------------------------------------------


@rule("sts", "GetCallerIdentity", lambda c: [])
def _(c: Ctx):
    return {"UserId": f"AROA0A1B2C3D4E5F60718:{SESSION}", "Account": c.s.account, "Arn": c.s.principal}


# --------------------------------------------------------------------------------------------
# Installing it
# --------------------------------------------------------------------------------------------

_INSTALLED: StandIn | None = None


def current() -> StandIn | None:
    return _INSTALLED


def install(spec: dict) -> StandIn:
    """Answers every botocore call of this process with a StandIn of `spec` (idempotent)."""
    global _INSTALLED
    import botocore.client

    standin = StandIn(spec)
    _INSTALLED = standin

    def _make_api_call(self, operation_name, api_params):
        s = _INSTALLED
        return s.call(self, self.meta.service_model.service_name, operation_name, api_params)

    _make_api_call.meshsynth_standin = True
    botocore.client.BaseClient._make_api_call = _make_api_call
    try:  # the async client, where installed, is answered the same way
        import aiobotocore.client  # type: ignore

        async def _async_make_api_call(self, operation_name, api_params):
            return _make_api_call(self, operation_name, api_params)

        aiobotocore.client.AioBaseClient._make_api_call = _async_make_api_call
    except ImportError:
        pass
    return standin


def load_spec(path: str) -> dict:
    with open(path) as f:
        return json.load(f)


def install_from_env() -> StandIn | None:
    """Installs the stand-in when MESHSYNTH_AWS_STANDIN names a spec (else does nothing)."""
    path = os.environ.get(SPEC_ENV)
    if not path:
        return None
    if _INSTALLED is not None and getattr(_INSTALLED, "spec_path", None) == path:
        _INSTALLED.record_path = os.environ.get(RECORD_ENV) or _INSTALLED.spec.get("record")
        return _INSTALLED
    s = install(load_spec(path))
    s.spec_path = path
    return s


def read_record(path: str) -> list[dict]:
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def summarize(calls: list[dict]) -> str:
    """`logs.CreateLogGroup deny, logs.DescribeLogGroups deny x2, ...` in first-seen order."""
    counts: dict[tuple, int] = {}
    for c in calls:
        k = (c["call"], c.get("decision"))
        counts[k] = counts.get(k, 0) + 1
    return ", ".join(f"{call} {d}" + (f" x{n}" if n > 1 else "") for (call, d), n in counts.items()) or "none"


def problems(calls: list[dict]) -> list[str]:
    """The calls a check must fail on whatever the client did with them: no rule, or invalid."""
    out = []
    for c in calls:
        if c.get("decision") == "norule":
            out.append(f"{c['call']} has no rule in the AWS stand-in (tests/airflow/awsstandin.py RULES)")
        elif c.get("decision") == "invalid":
            out.append(f"{c['call']} parameters are invalid for botocore's model: {c.get('error')}")
    return list(dict.fromkeys(out))


if __name__ == "__main__":  # a quick look at what a spec allows: awsstandin.py SPEC ACTION ARN
    import sys

    if len(sys.argv) != 4:
        sys.exit("usage: awsstandin.py SPEC ACTION RESOURCE")
    pol = Policy(load_spec(sys.argv[1])["role"]["statements"])
    print("allow" if pol.allows(sys.argv[2], sys.argv[3]) else "deny")
