"""The checks that run inside one Airflow component's environment (tests/airflow/check.py runs
this in a process of its own per component, with the environment the component's task
definition gives its `airflow` container): a connections, b executor, c DAGs,
e remote logging. Each check appends (check, ok, detail) results; an
exception is a failed check with its text, and the next check still runs.

AWS is the stand-in of awsstandin.py, answering as the component's own task role would be
answered; a call it has no rule for, or whose parameters botocore's model rejects, fails the
`aws calls` line even when the code that made it swallowed the error.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

sys.dont_write_bytecode = True
from cfn import ACCOUNT, REGION, cluster_name, display, exc_text, exception_first, family_of  # noqa: E402


def airflow_major() -> int:
    from importlib.metadata import version

    return int(version("apache-airflow").split(".")[0])


def standin():
    """The AWS stand-in of this process (installed by child_main, or earlier by zygote.py or
    sitecustomize.py from MESHSYNTH_AWS_STANDIN)."""
    import awsstandin

    return awsstandin.current() or awsstandin.install_from_env()


def calls_since(mark: int) -> list[dict]:
    return standin().calls[mark:]


def denials(calls: list[dict]) -> list[str]:
    return list(dict.fromkeys(c["error"] for c in calls if c.get("decision") == "deny" and c.get("error")))


def run_task_shape():
    import botocore.session

    model = botocore.session.get_session().get_service_model("ecs")
    return model.operation_model("RunTask").input_shape


def validate_run_task(params: dict) -> list[str]:
    from botocore.validate import ParamValidator

    report = ParamValidator().validate(params, run_task_shape())
    return [report.generate_report()] if report.has_errors() else []


def launch_problems(facts: dict, launch_type, strategy) -> list[str]:
    """Does the launch type / capacity provider strategy fit the task definition?"""
    requires = facts.get("requires") or ["EC2"]
    problems = []
    if strategy:
        if not isinstance(strategy, (list, tuple)):
            return [f"capacityProviderStrategy is a {type(strategy).__name__} ({strategy!r}), not a list"]
        for item in strategy:
            provider = item.get("capacityProvider") if isinstance(item, dict) else None
            needs = "FARGATE" if provider in ("FARGATE", "FARGATE_SPOT") else "EC2"
            if needs not in requires:
                problems.append(
                    f"capacity provider {provider!r} runs {needs} tasks, but task definition "
                    f"{facts['family']} requires {requires}"
                )
    elif launch_type:
        if launch_type not in requires:
            problems.append(f"launch type {launch_type!r}, but task definition {facts['family']} requires {requires}")
    else:
        problems.append("neither a launch type nor a capacity provider strategy")
    return problems


def request_problems(req: dict, facts: dict, want_container: str | None) -> list[str]:
    """A RunTask request checked against botocore's model and the template."""
    problems = validate_run_task(req)
    tds = facts["task_definitions"]
    fam = family_of(req.get("taskDefinition"))
    td = tds.get(fam)
    if td is None:
        problems.append(
            f"taskDefinition {req.get('taskDefinition')!r} is no Family of the template "
            f"(families: {', '.join(sorted(tds))})"
        )
    cluster = facts["cluster"]
    if cluster_name(req.get("cluster")) != cluster["name"] or cluster["name"] is None:
        problems.append(f"cluster {req.get('cluster')!r} is not the stack's cluster {cluster['name']!r}")
    if td is not None:
        names = [c["name"] for c in td["containers"]]
        for o in (req.get("overrides") or {}).get("containerOverrides") or []:
            if isinstance(o, dict) and o.get("name") not in names:
                problems.append(f"containerOverrides names {o.get('name')!r}, not a container of {fam} ({names})")
        if want_container is not None and want_container not in names:
            problems.append(f"container {want_container!r} is not a container of {fam} ({names})")
        elif want_container is not None:
            image = next(c.get("image") for c in td["containers"] if c["name"] == want_container)
            if image not in facts["airflow_images"]:
                problems.append(
                    f"container {want_container!r} of {fam} runs {image!r}, not the Airflow image "
                    f"({', '.join(facts['airflow_images'])})"
                )
        problems += launch_problems(td, req.get("launchType"), req.get("capacityProviderStrategy"))
        if td.get("network_mode") == "awsvpc":
            vpc = (req.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
            if not vpc.get("subnets"):
                problems.append(
                    f"task definition {fam} uses awsvpc, so RunTask needs networkConfiguration."
                    "awsvpcConfiguration.subnets (got "
                    f"{json.dumps(req.get('networkConfiguration'))})"
                )
            for s in vpc.get("subnets") or []:
                if not re.fullmatch(r"subnet-[0-9a-f]{8,17}", str(s)):
                    problems.append(f"subnet {s!r} is not a subnet ID")
            for s in vpc.get("securityGroups") or []:
                if not re.fullmatch(r"sg-[0-9a-f]{8,17}", str(s)):
                    problems.append(f"security group {s!r} is not a security group ID")
    return problems


def child_connections(job: dict, out: list):
    try:
        from airflow.sdk import BaseHook  # Airflow 3
    except ImportError:
        from airflow.hooks.base import BaseHook  # Airflow 2
    for conn_id, spec in sorted(job["connections"].items()):
        check = f"a.connection {conn_id}"
        try:
            expected = spec.get("expected")
            if expected is None:
                raise ValueError(f"{spec['var']} is not a JSON object: {spec['raw']!r}")
            conn = BaseHook.get_connection(conn_id)
            problems = []
            if conn.conn_type != expected.get("conn_type"):
                problems.append(f"conn_type {conn.conn_type!r}, the JSON says {expected.get('conn_type')!r}")
            if conn.host != expected.get("host"):
                problems.append(f"host {conn.host!r}, the JSON says {expected.get('host')!r}")
            if conn.port != expected.get("port"):
                problems.append(f"port {conn.port!r}, the JSON says {expected.get('port')!r}")
            lattice = spec.get("lattice")
            notes = []
            if lattice is not None:
                got, notes = lattice_connection_problems(conn, expected, lattice)
                problems += got
            if conn.conn_type == "http":
                from airflow.providers.http.hooks.http import HttpHook

                if lattice is None:
                    hook = HttpHook(method="GET", http_conn_id=conn_id)
                    hook.get_conn()
                    opened = f"HttpHook base_url {hook.base_url}"
                else:
                    auth = lattice_auth_class(job)
                    hook = HttpHook(method="GET", http_conn_id=conn_id, auth_type=auth)
                    session = hook.get_conn()
                    got, opened = lattice_http_problems(job, conn, hook, session, auth, lattice)
                    problems += got
            elif conn.conn_type == "grpc":
                from airflow.providers.grpc.hooks.grpc import GrpcHook

                hook = GrpcHook(grpc_conn_id=conn_id)
                auth_type = hook._get_field("auth_type")
                pem = hook._get_field("credential_pem_file") if auth_type in ("SSL", "TLS") else None
                if auth_type not in ("NO_AUTH", "SSL", "TLS"):
                    problems.append(f"extra auth_type {auth_type!r}: neither NO_AUTH nor SSL/TLS")
                if lattice is not None and lattice.get("protocol"):
                    want = "HTTPS" if auth_type in ("SSL", "TLS") else "HTTP"
                    if lattice["protocol"] != want:
                        problems.append(f"auth_type {auth_type!r}, but the listener on port {conn.port} is "
                                        f"{lattice['protocol']} (expected {want})")
                if auth_type in ("SSL", "TLS") and (not isinstance(pem, str) or not pem.startswith("/")):
                    problems.append(f"auth_type {auth_type} needs credential_pem_file, an absolute path (got {pem!r})")
                elif auth_type in ("SSL", "TLS") and not os.path.isfile(pem):
                    out.append((f"{check} channel", True, f"{auth_type} channel not opened: its credential_pem_file "
                                f"{pem} is not on this machine", True))
                    opened = f"{auth_type} with credential_pem_file {pem} (channel not opened here)"
                else:
                    channel = hook.get_conn()
                    channel.close()
                    opened = f"GrpcHook channel opened ({auth_type})"
            else:
                raise ValueError(f"conn_type {conn.conn_type!r} has no hook this suite opens (known: http, grpc)")
            if problems:
                out.append((check, False, "\n".join(problems)))
            else:
                out.append((check, True, "; ".join([f"{conn.conn_type} {conn.host}:{conn.port}, {opened}", *notes])))
        except Exception as e:
            out.append((check, False, exc_text(e)))


# -- VPC Lattice connections ---------------------------------------------------------------------

_AUTH: dict = {}


def lattice_auth_class(job: dict):
    """The SigV4 auth class of the example's dags folder, imported as a DAG's task imports it.

    Airflow puts the DAGs folder on sys.path: 2.x at start (settings.prepare_syspath_for_dags_folder
    appends DAGS_FOLDER), 3.x where DAG files are parsed and tasks run (BundleDagBag appends the
    bundle's path). Here the example's dags folder is that folder (the container's DAGS_FOLDER,
    /opt/airflow/dags or a bundle, does not exist on this machine)."""
    if "class" not in _AUTH:
        import importlib

        folder = job["dags_folder"]
        lat = job["lattice"]
        if folder not in sys.path:
            sys.path.append(folder)
        if not (Path(folder) / f"{lat['module']}.py").is_file():
            raise ImportError(f"the dags folder {display(Path(folder))} has no {lat['module']}.py")
        mod = importlib.import_module(lat["module"])
        where = Path(mod.__file__).resolve()
        if where.parent != Path(folder).resolve():
            raise ImportError(f"{lat['module']} was imported from {where}, not from the dags folder {folder}")
        _AUTH["class"] = getattr(mod, lat["class"])
    return _AUTH["class"]


def lattice_connection_problems(conn, expected: dict, lattice: dict) -> tuple[list[str], list[str]]:
    """What the template says a Lattice connection reaches, against the connection Airflow built:
    its host is a Lattice service (a listener on its port), http's schema is that listener's
    protocol; the App Mesh route's timeout is the `timeout` extra, and its retries (which Lattice
    does not do) are in the description; an IAM-auth service's description names the auth."""
    problems, notes = [], []
    if lattice.get("problem"):
        problems.append(lattice["problem"])
    extra = conn.extra_dejson
    if conn.conn_type == "http":
        if conn.schema not in ("http", "https") or conn.schema != expected.get("schema"):
            problems.append(f"schema {conn.schema!r}, the JSON says {expected.get('schema')!r} (http or https)")
        protocol = lattice.get("protocol")
        if protocol and conn.schema != protocol.lower():
            problems.append(f"schema {conn.schema!r}, but the listener on port {conn.port} is {protocol}")
        timeout = extra.get("timeout")
        if "timeout" in extra and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0):
            problems.append(f"extra timeout {timeout!r} is not a positive number of seconds")
        routes = lattice.get("routes")
        if routes:
            timeouts = sorted({r["timeout_s"] for r in routes if r.get("timeout_s")})
            if timeouts and timeout not in timeouts:
                problems.append(f"extra timeout {timeout!r}, the App Mesh route's per-request timeout is {timeouts} s")
            elif timeouts:
                notes.append(f"extra timeout {timeout} s = the App Mesh route's")
            retries = sorted({r["max_retries"] for r in routes if r.get("max_retries")})
            if retries:
                said = conn.description or ""
                if not any(f"up to {n} time" in said for n in retries):
                    problems.append(
                        f"description {conn.description!r} does not carry the App Mesh route's retries "
                        f"(up to {retries} times), which Lattice does not do"
                    )
                else:
                    notes.append(f"the description carries the App Mesh route's retries (up to {retries[-1]})")
    if (conn.description or None) != expected.get("description"):
        problems.append(f"description {conn.description!r}, the JSON says {expected.get('description')!r}")
    if lattice.get("auth_type") == "AWS_IAM" and conn.conn_type == "http":
        if "LatticeSigV4Auth" not in (conn.description or ""):
            problems.append(f"the service uses IAM auth, but the description {conn.description!r} does not say "
                            "to call it with auth_type=LatticeSigV4Auth")
    return problems, notes


def lattice_http_problems(job: dict, conn, hook, session, auth, lattice: dict) -> tuple[list[str], str]:
    """HttpHook(auth_type=LatticeSigV4Auth): the session signs a request it prepares with SigV4
    for vpc-lattice-svcs (the task role's credentials: the stand-in's), UNSIGNED-PAYLOAD, and no
    extra key (`timeout`) becomes a header."""
    import requests

    from lattice_auth_check import host_header, target_of, verify_signed

    problems = []
    if not isinstance(session.auth, auth):
        problems.append(f"session.auth is {session.auth!r}, not {auth.__name__}")
    sent_as_header = sorted(k for k in conn.extra_dejson if k.lower() in {h.lower() for h in session.headers})
    if sent_as_header:
        problems.append(f"extra key(s) {sent_as_header} are sent as headers")
    if "timeout" in conn.extra_dejson and hook.merged_extra.get("timeout") != conn.extra_dejson["timeout"]:
        problems.append(f"HttpHook's merged_extra timeout {hook.merged_extra.get('timeout')!r}, "
                        f"the extra says {conn.extra_dejson['timeout']!r}")
    creds = job["lattice"]["credentials"]
    keys = {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["Token"]}
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update(keys)  # the task role's credentials, as ECS's credentials endpoint gives them
    try:
        url = hook.url_from_endpoint("meshsynth/probe")
        p = session.prepare_request(requests.Request("GET", url, params={"q": "1"}))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if "timeout" in {k.lower() for k in p.headers}:
        problems.append(f"the prepared request sends a timeout header: {dict(p.headers)}")
    try:
        verify_signed(
            "GET", target_of(p.url), {**p.headers, "host": host_header(p.url)},
            akid=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["Token"],
            region=os.environ.get("AWS_REGION") or REGION, amz_date=p.headers.get("X-Amz-Date"),
        )
    except (AssertionError, KeyError, ValueError) as e:
        problems.append(f"the request HttpHook prepares is not signed for VPC Lattice: {type(e).__name__}: {e}")
    signed = p.headers.get("Authorization", "").split("SignedHeaders=", 1)[-1].split(",", 1)[0]
    return problems, (
        f"HttpHook(auth_type={auth.__name__}) {hook.base_url}: GET {target_of(p.url)} SigV4-signed for "
        f"vpc-lattice-svcs as the task role (SignedHeaders={signed}, UNSIGNED-PAYLOAD), "
        f"service {lattice.get('service')} ({lattice.get('auth_type')}, {lattice.get('protocol')})"
    )


def child_executor(job: dict, out: list):
    check = "b.executor"
    try:
        import inspect

        from airflow.executors.executor_loader import ExecutorLoader

        executor = ExecutorLoader.get_default_executor()
        cls = type(executor)
        if cls.__name__ != "AwsEcsExecutor":
            raise TypeError(f"ExecutorLoader loaded {cls.__module__}.{cls.__name__}, not AwsEcsExecutor")
        try:
            from airflow.providers.amazon.aws.executors.ecs.ecs_executor_config import build_task_kwargs
        except ImportError:
            from airflow.providers.amazon.aws.executors.ecs.utils import build_task_kwargs
        if inspect.signature(build_task_kwargs).parameters:
            from airflow.configuration import conf

            kwargs = build_task_kwargs(getattr(executor, "conf", None) or conf)
        else:
            kwargs = build_task_kwargs()
        from airflow.models.taskinstancekey import TaskInstanceKey

        key = TaskInstanceKey("meshsynth_check", "probe", "manual__2025-01-01T00:00:00+00:00", 1, -1)
        if airflow_major() >= 3:
            cmd = [
                "python",
                "-m",
                "airflow.sdk.execution_time.execute_workload",
                "--json-string",
                json.dumps({"ti": {"dag_id": "meshsynth_check", "task_id": "probe"}, "token": "x"}),
            ]
        else:
            cmd = ["airflow", "tasks", "run", "meshsynth_check", "probe", key.run_id, "--local"]
        if hasattr(executor, "_run_task_kwargs"):
            req = executor._run_task_kwargs(key, cmd, "default", {})
        else:  # what the executor adds per task, as older providers did it inline
            import copy

            req = copy.deepcopy(executor.run_task_kwargs)
            executor.get_container(req["overrides"]["containerOverrides"])["command"] = cmd
        problems = request_problems(req, job["facts"], getattr(executor, "container_name", None))
        if kwargs != executor.run_task_kwargs:
            problems.append("build_task_kwargs differs from what the executor loaded")
        summary = {k: req.get(k) for k in ("cluster", "taskDefinition", "launchType", "capacityProviderStrategy")}
        if problems:
            out.append((check, False, "\n".join(problems) + f"\nrequest: {json.dumps(req, default=str)}"))
        else:
            out.append((check, True, f"RunTask request valid: {json.dumps(prune(summary))}"))
        if job.get("runs_executor"):
            executor_aws(executor, req, out)
    except Exception as e:
        out.append((check, False, exc_text(e)))


def executor_aws(executor, req: dict, out: list):
    """What the executor asks ECS in the component that runs it, as this task role: the health
    check of its start (StopTask of an invalid task), RunTask of a task, DescribeTasks of it
    (sync), StopTask of it (terminate)."""
    check = "b.executor ECS calls"
    mark = len(standin().calls)
    steps = []
    try:
        executor.check_health()
        steps.append("health check passed")
        got = executor.ecs.run_task(**req)
        if got.get("failures"):
            raise RuntimeError(f"RunTask failures: {got['failures']}")
        arn = got["tasks"][0]["taskArn"]
        steps.append(f"RunTask -> {arn}")
        described = executor.ecs.describe_tasks(cluster=executor.cluster, tasks=[arn])
        if described.get("failures") or not described.get("tasks"):
            raise RuntimeError(f"DescribeTasks of {arn}: {described}")
        steps.append("DescribeTasks")
        executor.ecs.stop_task(cluster=executor.cluster, task=arn, reason="meshsynth check")
        steps.append("StopTask")
        out.append((check, True, "; ".join(steps)))
    except Exception as e:
        said = denials(calls_since(mark))
        out.append((check, False, "\n".join([exc_text(e), *said, f"(after: {'; '.join(steps) or 'nothing'})"])))


def prune(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


class FakeEcs:
    """What EcsRunTaskOperator._start_task talks to instead of ECS."""

    def __init__(self, facts: dict):
        self.facts = facts
        self.requests: list[dict] = []

    def _containers(self, task_definition):
        td = self.facts["task_definitions"].get(family_of(task_definition)) or {"containers": [{"name": "unknown"}]}
        return [{"name": c["name"]} for c in td["containers"]]

    def run_task(self, **kwargs):
        self.requests.append(kwargs)
        cluster = cluster_name(kwargs.get("cluster"))
        arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/{cluster}/0a1b2c3d4e5f60718293a4b5c6d7e8f9"
        return {
            "tasks": [{"taskArn": arn, "containers": self._containers(kwargs.get("taskDefinition"))}],
            "failures": [],
        }

    def describe_tasks(self, cluster, tasks):
        td = self.requests[-1].get("taskDefinition") if self.requests else None
        return {"tasks": [{"taskArn": tasks[0], "containers": self._containers(td)}], "failures": []}


def operator_problems(op, facts: dict, network_ids: bool = True, aws: bool = False) -> tuple[list[str], dict | None]:
    """An EcsRunTaskOperator checked against the template, and the RunTask request it sends:
    to the AWS stand-in (this component's task role decides, aws=True), else to FakeEcs."""
    problems = []
    tds = facts["task_definitions"]
    fam = family_of(op.task_definition)
    td = tds.get(fam)
    if td is None:
        problems.append(
            f"task_definition {op.task_definition!r} is no Family of the template ({', '.join(sorted(tds))})"
        )
    cluster = facts["cluster"]
    if cluster_name(op.cluster) != cluster["name"] or cluster["name"] is None:
        problems.append(f"cluster {op.cluster!r} is not the stack's cluster {cluster['name']!r}")
    if td is not None:
        first = td["containers"][0] if td["containers"] else {}
        container_name = getattr(op, "container_name", None)
        if container_name is not None and container_name != first.get("name"):
            problems.append(
                f"container_name {container_name!r} is not the first container of {fam} "
                f"({[c['name'] for c in td['containers']]})"
            )
        logged = next((c for c in td["containers"] if c["name"] == container_name), None) or first
        if op.awslogs_group != logged.get("awslogs_group"):
            problems.append(
                f"awslogs_group {op.awslogs_group!r}, container {logged.get('name')!r} logs to "
                f"{logged.get('awslogs_group')!r}"
            )
        want_prefix = f"{logged.get('awslogs_stream_prefix')}/{logged.get('name')}"
        if op.awslogs_stream_prefix != want_prefix:
            problems.append(f"awslogs_stream_prefix {op.awslogs_stream_prefix!r}, expected {want_prefix!r}")
        problems += launch_problems(td, op.launch_type, op.capacity_provider_strategy)
    req = None
    try:
        import airflow.providers.amazon.aws.operators.ecs as ecs_module

        sent: list[dict] = []
        if aws:
            real = op.client

            class Recording:
                def __getattr__(self, name):
                    return getattr(real, name)

                def run_task(self, **kwargs):
                    sent.append(kwargs)
                    return real.run_task(**kwargs)

            op.__dict__["client"] = Recording()
        else:
            fake = FakeEcs(facts)
            op.__dict__["client"] = fake
            sent = fake.requests
        saved_sleep = getattr(ecs_module, "sleep", None)
        if saved_sleep is not None:
            ecs_module.sleep = lambda _s: None
        mark = len(standin().calls)
        try:
            op._start_task()
        except Exception as e:
            said = denials(calls_since(mark))
            problems.append("\n".join([f"RunTask as this task role: {exc_text(e)}", *said]))
        finally:
            if saved_sleep is not None:
                ecs_module.sleep = saved_sleep
        req = sent[-1] if sent else None
        if req is None:
            problems.append("_start_task sent no RunTask request")
        else:
            rp = request_problems(req, facts, None)
            if not network_ids:
                rp = [p for p in rp if "is not a subnet ID" not in p and "is not a security group ID" not in p]
            # The template checks above already cover the same fields by operator argument.
            problems += [
                p
                for p in rp
                if p not in problems
                and not p.startswith(("cluster ", "taskDefinition ", "launch type", "capacity provider", "neither"))
            ]
    except Exception as e:
        problems.append(f"building the RunTask request: {exc_text(e)}")
    if aws and req is not None and getattr(op, "arn", None) and op.awslogs_group:
        problems += log_fetch_problems(op)
    return problems, req


def log_fetch_problems(op) -> list[str]:
    """The operator tails its task's CloudWatch stream while it waits (AwsTaskLogFetcher): read
    it once as this task role; the stand-in's stream holds two events."""
    import awsstandin

    mark = len(standin().calls)
    try:
        fetcher = op._get_task_log_fetcher()
        events = list(fetcher._get_log_events())
    except Exception as e:
        return [f"reading the task's log stream: {exc_text(e)}"]
    got = [e.get("message") for e in events]
    if got != awsstandin.CANNED_EVENTS:
        said = denials(calls_since(mark)) or [f"events: {got}"]
        return [f"the task log fetcher read nothing of {op.awslogs_group}:{fetcher.log_stream_name}", *said]
    return []


def child_dags(job: dict, out: list):
    folder = job["dags_folder"]
    if not Path(folder).is_dir():
        if job["dag_tasks"]:
            out.append(("c.dags", False, f"no DAG folder {display(Path(folder))} for the DAG tasks {job['dag_tasks']}"))
        else:
            out.append(("c.dags", True, "no DAG tasks in the stack, and no DAG file"))
        return
    try:
        from airflow.models.dagbag import DagBag
        from airflow.providers.amazon.aws.operators.ecs import EcsRunTaskOperator

        bag = DagBag(dag_folder=folder, include_examples=False)
    except Exception as e:
        out.append(("c.dags", False, exc_text(e)))
        return
    files = sorted(p.name for p in Path(folder).glob("*.py"))
    # A Lattice dags folder holds the SigV4 auth module too, even when there is no DAG file.
    auth = job["lattice"]["module"] + ".py" if job.get("lattice") else None
    dag_files = [f for f in files if f != auth]
    if bag.import_errors:
        for f, err in sorted(bag.import_errors.items()):
            out.append((f"c.dags import {Path(f).name}", False, exception_first(str(err))))
    if not bag.dags and not dag_files and not job["dag_tasks"]:
        out.append(("c.dags", not bag.import_errors, f"no DAG tasks in the stack, and no DAG file beside {auth}"))
    elif not bag.dags:
        out.append(("c.dags", False, f"no DAG loaded from {len(files)} file(s) {files}"))
    elif not bag.import_errors:
        out.append(("c.dags", True, f"{len(bag.dags)} DAG(s) from {files}: {', '.join(sorted(bag.dags))}"))
    if job.get("lattice"):
        out.append(lattice_dag_files(job, bag, files))
    for dag_id, dag in sorted(bag.dags.items()):
        for task in dag.tasks:
            if not isinstance(task, EcsRunTaskOperator):
                continue
            check = f"c.EcsRunTaskOperator {dag_id}.{task.task_id}"
            try:
                problems, req = operator_problems(task, job["facts"], aws=True)
                if problems:
                    out.append(
                        (
                            check,
                            False,
                            "\n".join(problems) + (f"\nrequest: {json.dumps(req, default=str)}" if req else ""),
                        )
                    )
                else:
                    out.append(
                        (
                            check,
                            True,
                            f"{task.task_definition} on {task.cluster}: RunTask valid and allowed, "
                            "its log stream readable",
                        )
                    )
            except Exception as e:
                out.append((check, False, exc_text(e)))
    run = {
        t.task_definition
        for dag in bag.dags.values()
        for t in dag.tasks
        if isinstance(t, EcsRunTaskOperator)
    }
    missing = sorted(set(job["dag_tasks"]) - run)
    if missing:
        out.append(("c.dags every DAG task", False, f"no EcsRunTaskOperator runs {missing}"))
    elif job["dag_tasks"]:
        out.append(("c.dags every DAG task", True, f"{len(job['dag_tasks'])} DAG task definition(s) run"))


def lattice_dag_files(job: dict, bag, files: list[str]) -> tuple:
    """The Lattice dags folder holds the SigV4 auth module beside the generated DAG file(s): the
    DagBag must parse the module without an import error and find no DAG in it, and every other
    file must define a DAG."""
    module = job["lattice"]["module"] + ".py"
    by_file: dict[str, list[str]] = {f: [] for f in files}
    for dag_id, dag in bag.dags.items():
        by_file.setdefault(Path(dag.fileloc).name, []).append(dag_id)
    parsed = {Path(st.file).name: st.dag_num for st in getattr(bag, "dagbag_stats", [])}
    errors = {Path(f).name for f in bag.import_errors}
    problems = []
    if module not in files:
        problems.append(f"the dags folder has no {module}")
    else:
        if by_file.get(module):
            problems.append(f"{module} defines DAG(s) {sorted(by_file[module])}")
        if module in errors:
            problems.append(f"{module} does not import in the DagBag (c.dags import {module})")
    for f in files:
        if f != module and not by_file.get(f):
            problems.append(f"{f} defines no DAG")
    if problems:
        return ("c.dags files", False, "\n".join(problems))
    how = "parsed, no DAG, no import error" if module in parsed else "skipped by the DagBag's heuristic (no DAG in it)"
    dags = "; ".join(f"{f}: {', '.join(sorted(d))}" for f, d in sorted(by_file.items()) if d)
    return ("c.dags files", True, f"{module}: {how}; {dags}")


def child_bundle(job: dict, out: list):
    """The DAG bundles a task's process initializes before it runs the task (Airflow 3): each
    configured bundle fetched as this task role fetches it; its DAG files must arrive."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager

    for bundle in DagBundlesManager().get_all_dag_bundles():
        check = f"c.bundle {bundle.name}"
        mark = len(standin().calls)
        try:
            bundle.initialize()
            got = sorted(p.name for p in Path(bundle.path).rglob("*.py"))
            want = job["dag_files"]
            if not got or (want and not set(want) <= set(got)):
                said = denials(calls_since(mark))
                out.append((check, False, "\n".join([f"{type(bundle).__name__} brought {got}, not {want}", *said])))
            else:
                import awsstandin

                calls = awsstandin.summarize(calls_since(mark))
                out.append((check, True, f"{type(bundle).__name__}: {len(got)} DAG file(s) {got} (AWS: {calls})"))
        except Exception as e:
            out.append((check, False, "\n".join([exc_text(e), *denials(calls_since(mark))])))


def child_logging(job: dict, out: list):
    check = "e.logging"
    try:
        from airflow.configuration import conf

        problems = []
        want = job["remote_base"]
        if not conf.getboolean("logging", "remote_logging", fallback=False):
            problems.append(
                f"AIRFLOW__LOGGING__REMOTE_LOGGING is {os.environ.get('AIRFLOW__LOGGING__REMOTE_LOGGING')!r}, not True"
            )
        got = os.environ.get("AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER")
        if got != want:
            problems.append(f"AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER is {got!r}, expected {want!r}")
        group, region = job["log_group"], job["region"]
        if airflow_major() >= 3:
            import airflow.logging_config as lc

            lc.load_logging_config()
            rtl = lc.REMOTE_TASK_LOG
            if type(rtl).__name__ != "CloudWatchRemoteLogIO":
                problems.append(
                    f"REMOTE_TASK_LOG is {type(rtl).__name__ if rtl is not None else None}, not CloudWatchRemoteLogIO"
                )
            else:
                if rtl.log_group != group:
                    problems.append(f"CloudWatchRemoteLogIO.log_group {rtl.log_group!r}, the stack's is {group!r}")
                if rtl.region_name != region:
                    problems.append(f"CloudWatchRemoteLogIO.region_name {rtl.region_name!r}, expected {region!r}")
            found = type(rtl).__name__ if rtl is not None else None
        else:
            import logging

            from airflow.logging_config import configure_logging

            configure_logging()
            handlers = [h for h in logging.getLogger("airflow.task").handlers]
            cw = [h for h in handlers if type(h).__name__ == "CloudwatchTaskHandler"]
            if not cw:
                problems.append(
                    f"airflow.task logs to {[type(h).__name__ for h in handlers]}, not CloudwatchTaskHandler"
                )
            else:
                h = cw[0]
                if h.log_group != group:
                    problems.append(f"CloudwatchTaskHandler.log_group {h.log_group!r}, the stack's is {group!r}")
                if h.region_name != region:
                    problems.append(f"CloudwatchTaskHandler.region_name {h.region_name!r}, expected {region!r}")
            found = "CloudwatchTaskHandler" if cw else None
        if problems:
            out.append((check, False, "\n".join(problems)))
        else:
            out.append((check, True, f"{found} -> {group} in {region}"))
    except Exception as e:
        out.append((check, False, exc_text(e)))


PROBE_STREAM = "dag_id=meshsynth_check/run_id=manual__2025-01-01T00_00_00+00_00/task_id=probe/attempt=1.log"


def remote_log_handler():
    """The CloudWatch handler Airflow's logging config builds here: (kind, object)."""
    if airflow_major() >= 3:
        import airflow.logging_config as lc

        lc.load_logging_config()
        return "io", lc.REMOTE_TASK_LOG
    import logging

    from airflow.logging_config import configure_logging

    configure_logging()
    cw = [h for h in logging.getLogger("airflow.task").handlers if type(h).__name__ == "CloudwatchTaskHandler"]
    return "handler", (cw[0] if cw else None)


def child_log_write(job: dict, out: list):
    """A task's log (or a trigger's) written to CloudWatch as this component writes it: the
    watchtower handler Airflow builds (DescribeLogGroups, CreateLogGroup), one record, flushed
    (PutLogEvents, CreateLogStream). The events must reach the stack's log group."""
    check = "e.logging write"
    mark = len(standin().calls)
    try:
        import logging

        kind, rl = remote_log_handler()
        if rl is None:
            out.append((check, False, "no CloudWatch remote log handler to write with"))
            return
        if kind == "io":
            rl.log_stream_name = PROBE_STREAM
            handler = rl.handler  # what its structlog processor builds first
            handler.log_stream_name = PROBE_STREAM
        else:
            import watchtower

            handler = watchtower.CloudWatchLogHandler(
                log_group_name=rl.log_group,
                log_stream_name=PROBE_STREAM,
                use_queues=True,
                boto3_client=rl.hook.get_conn(),
            )
        record = logging.LogRecord("airflow.task", logging.INFO, "", 0, "meshsynth probe event", (), None)
        handler.handle(record)
        handler.close()  # flushes the queue, as the end of a task does
        key = (job["region"], job["log_group"], PROBE_STREAM)
        written = standin().streams.get(key) or []
        calls = calls_since(mark)
        import awsstandin

        if not any("meshsynth probe event" in str(e.get("message")) for e in written):
            said = denials(calls) or [f"AWS calls: {awsstandin.summarize(calls)}"]
            out.append((check, False, "\n".join([f"no event reached {job['log_group']}:{PROBE_STREAM}", *said])))
        else:
            out.append((check, True, f"{len(written)} event(s) in {job['log_group']} ({awsstandin.summarize(calls)})"))
    except Exception as e:
        out.append((check, False, "\n".join([exc_text(e), *denials(calls_since(mark))])))


def child_log_read(job: dict, out: list):
    """A finished task's log read back from CloudWatch as the UI reads it (GetLogEvents)."""
    check = "e.logging read"
    mark = len(standin().calls)
    try:
        import types

        import awsstandin

        kind, rl = remote_log_handler()
        if rl is None:
            out.append((check, False, "no CloudWatch remote log handler to read with"))
            return
        ti = types.SimpleNamespace(end_date=None, try_number=1)
        if kind == "io":
            _messages, logs = rl.read(PROBE_STREAM, ti)
            text = "".join(logs)
        else:
            text = rl.get_cloudwatch_logs(PROBE_STREAM, ti)
        missing = [m for m in awsstandin.CANNED_EVENTS if m not in text]
        if missing:
            said = denials(calls_since(mark)) or [f"read: {text[:300]!r}"]
            head = f"the events of {job['log_group']}:{PROBE_STREAM} were not read"
            out.append((check, False, "\n".join([head, *said])))
        else:
            out.append((check, True, f"GetLogEvents of {job['log_group']} read the task's events"))
    except Exception as e:
        out.append((check, False, "\n".join([exc_text(e), *denials(calls_since(mark))])))


def child_main(job_file: str) -> int:
    job = json.loads(Path(job_file).read_text())
    sys.dont_write_bytecode = True
    state: dict = {"done": [], "results": []}
    out: list = state["results"]

    def save():
        Path(job["result"]).write_text(json.dumps(state))

    try:
        import awsstandin

        awsstandin.install_from_env()  # before Airflow, as a container's process would have it
        if awsstandin.current() is None:
            raise RuntimeError("MESHSYNTH_AWS_STANDIN is not set: no AWS stand-in for the checks")
        import airflow  # noqa: F401  (a component that cannot import Airflow fails every check)
    except Exception as e:
        text = exc_text(e)
        for check in job["checks"]:
            out.append((check, False, f"setting up (the AWS stand-in, importing Airflow): {text}"))
        state["done"] = list(job["checks"])
        save()
        return 0
    steps = {
        "a.connections": child_connections,
        "b.executor": child_executor,
        "c.dags": child_dags,
        "c.bundle": child_bundle,
        "e.logging": child_logging,
        "e.logging write": child_log_write,
        "e.logging read": child_log_read,
    }
    for check in job["checks"]:
        try:
            steps[check](job, out)
        except Exception as e:  # a bug in a step still reports, and the others still run
            out.append((check, False, exc_text(e)))
        state["done"].append(check)
        save()
    calls = awsstandin.current().calls
    if calls:
        bad = awsstandin.problems(calls)
        out.append(("aws calls", not bad, "\n".join(bad) or awsstandin.summarize(calls)))
        save()
    return 0


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1]))
