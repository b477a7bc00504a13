#!/usr/bin/env python3
"""Checks meshsynth's Airflow output with the real Airflow software.

Run it with the python of one of the venvs tests/airflow/setup.sh makes; it checks the examples
of that venv's Airflow line (3.1 or 2.10) and names the others:

    ~/.cache/meshsynth/airflow/3.1/bin/python  tests/airflow/check.py out/ [more folders...]
    ~/.cache/meshsynth/airflow/2.10/bin/python tests/airflow/check.py out/
    python3 tests/airflow/check.py --list out/     # which line each example needs (no Airflow)

A folder is an example (it has cloudformation/template.json) or holds examples one level down
(out/ and the scratch folder of tests/airflow_runtime.rs). An example's `vpc_lattice/` folder
(its VPC Lattice output, with its own cloudformation/template.json and airflow/) is a second
example, `<example>/vpc_lattice`, with a database, homes and ports of its own; each example is
checked once however it was named. An example is checked when its template has an
AWS::ECS::TaskDefinition with a container named `airflow`; its line comes from that container's
image tag (apache/airflow:3.x -> 3.1, 2.x -> 2.10).

Every Airflow component (task definition with an `airflow` container) is started as the stack
would start it: its container's Environment, with CloudFormation intrinsics resolved to
plausible values (region us-east-1, account 111122223333, parameters' defaults or realistic
dummies), plus its Secrets replaced by working dummies (a sqlite file per example for the
metadata database, a real Fernet key, a local Redis URL for Celery, a fixed string otherwise),
in a subprocess with a temporary AIRFLOW_HOME. AWS is the stand-in of awsstandin.py: every
botocore call is answered as AWS would answer the component's own task role (TaskRoleArn -> its
AWS::IAM::Role -> the statements of every policy attached to it, resolved like the rest of the
template), from the stack's facts (its log groups exist, its cluster, its task definitions, the
S3 DAG bundle holding the example's DAG files); a denied call raises the service's AccessDenied
as botocore would, and a call without a rule there fails the check that made it. The checks:

  a  connections   every AIRFLOW_CONN_<ID>: BaseHook.get_connection, host/port as the JSON says,
                   then opened with its hook (http: HttpHook.get_conn, grpc: GrpcHook.get_conn;
                   grpc SSL/TLS: credential_pem_file must be an absolute path, and the channel
                   is not opened (SKIP) when that file is not on this machine).
                   On Lattice also: the host is a Lattice service's CustomDomainName with a
                   listener on the port (http: schema = its protocol, http or https; grpc:
                   NO_AUTH on HTTP, SSL/TLS on HTTPS); http is opened as
                   HttpHook(http_conn_id=..., auth_type=LatticeSigV4Auth), the class imported
                   from the example's dags folder (on sys.path, as Airflow puts the DAGs folder
                   there), and a request the hook's session prepares must be SigV4-signed for
                   vpc-lattice-svcs with X-Amz-Content-SHA256: UNSIGNED-PAYLOAD, with the task
                   role's credentials (the stand-in's), the signature recomputed independently
                   (lattice_auth_check.py); no extra key (`timeout`) is sent as a header; the
                   App Mesh sibling's route timeout is the `timeout` extra and its retries are
                   in the `description` (an IAM-auth service's description names the auth)
  b  executor      AwsEcsExecutor: loaded as ExecutorLoader does, build_task_kwargs, and the
                   RunTask request of one task validated against botocore's ECS model and the
                   template (task definition, cluster, container, launch type, network); in
                   the scheduler (which runs it) also its ECS calls as the scheduler's role:
                   the start's health check, RunTask, DescribeTasks, StopTask
  c  dags          <example>/airflow/dags/*.py load in a DagBag in the environment of the
                   component that runs Airflow tasks; every EcsRunTaskOperator is checked
                   against the template, and its RunTask request against botocore's model and,
                   sent as that component's role, IAM (RunTask, iam:PassRole of the task's
                   roles), then its task's log stream read as its log fetcher reads it;
                   c.bundle (3.x): the configured DAG bundles fetched as the task runner's
                   process fetches them before a task (S3: as its role); c.dags files (Lattice):
                   meshsynth_lattice_auth.py is there, parses without an import error and
                   defines no DAG, and every other file defines one
  d  migration     exactly one non-essential container runs `db migrate`, the scheduler waits
                   for its SUCCESS; its command, run as the image's entrypoint would, twice,
                   leaves a database `airflow db check-migrations` accepts (and the admin user)
  e  logging       remote logging to the stack's CloudWatch log group, as Airflow's own logging
                   config loads it; `write` in the components that write remote logs (the task
                   runner, the triggerer): a record through the handler Airflow builds must reach
                   the group; `read` in the API server / webserver: a task's log read back
  f  start         each component an ECS service runs, started for real: the container's
                   Command through the image's entrypoint rule, against a copy of the database
                   the migration left, the DAG files in its dags folder (or its S3 bundle),
                   the stand-in in its process and in every interpreter it starts
                   (sitecustomize.py). It must come up (API server GET /api/v2/version, 2.x
                   webserver GET /health, scheduler GET /health when its health check is on,
                   else a running job in the job table, and the component that parses DAGs must
                   have parsed one) and stay up START_MIN s; an early exit fails with the tail of
                   its output. Only what this machine needs is overridden: free loopback ports
                   (API/web server, scheduler health, log servers) and one web server worker
                   where the template sets none. Not started: Celery workers (no Redis here) and
                   the 2.x `dag-processor` (Airflow 2 refuses it on SQLite); both say SKIP.
  g  lattice       (Lattice examples, template only; cfn_lattice.py) no envoy container, no
                   ProxyConfiguration, no appmesh: action; every task role with backends has a
                   vpc-lattice-svcs:Invoke statement on exactly `Join [Ref <Service>, "/*"]`
                   per backend, and those backends are exactly the services whose auth policy
                   names the role's ARN (but AuthType NONE ones, which need none); the auth
                   policies admit task roles only; the task runner may invoke the service of
                   each of its connections

The cheap checks (a, b, c, e) of one component share one process. Every Airflow process that
works holds one of --jobs slots (default: the number of cores): a migration's first run first
(it gates the example's starts), then starts until they answer healthy (staying up START_MIN s
needs no slot), then the rest (--no-start leaves f out). They are forked from a fork server that has
imported the libraries Airflow is built on, but never Airflow itself (zygote.py says why that is
sound); --no-fork-server starts each as a plain subprocess instead (slower, same results). One
line per check, a summary, exit 1 when any check fails (2: usage error).
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The metrics and traces collector meshsynth puts beside Envoy (src/observe/collector.rs CONTAINER).
COLLECTOR = "otel-collector"
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the checkout

import awsstandin  # noqa: E402
import cfn_lattice  # noqa: E402
from cfn import (  # noqa: E402
    ACCOUNT,
    BROKER_URL,
    DUMMY_SECRET,
    FAB_AUTH_MANAGER,
    LINES,
    PARTITION,
    REGION,
    TIMEOUT,
    Container,
    Example,
    TaskDef,
    cli_error,
    discover,
    exc_text,
    tail,
)

# --------------------------------------------------------------------------------------------
# Environments
# --------------------------------------------------------------------------------------------


class Run:
    """One check.py run: its scratch folder (per-example databases, homes), Fernet keys, and
    how it starts processes (through the fork server, or as plain subprocesses)."""

    def __init__(self, keep: bool, fork_server: bool, jobs: int = 2):
        self.root = Path(tempfile.mkdtemp(prefix="meshsynth-airflow-check-"))
        self.slots = Slots(jobs)
        self.keep = keep
        self.fernet: dict[str, str] = {}
        self.server = None
        if fork_server:
            import zygote

            base = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(self.root),
                "LANG": "C.UTF-8",
                "LC_ALL": "C.UTF-8",
                "PYTHONDONTWRITEBYTECODE": "1",
                "PYTHONWARNINGS": "ignore",
            }
            self.server = zygote.Server(str(self.root), base, TIMEOUT)
        # sitecustomize.py of every Airflow interpreter a check starts afresh (no fork server,
        # or a process Airflow spawns): it installs the AWS stand-in its environment names.
        self.site = self.root / "site"
        self.site.mkdir()
        (self.site / "sitecustomize.py").write_text(SITECUSTOMIZE.format(standin=str(HERE / "awsstandin.py")))
        self.migrated: dict[str, concurrent.futures.Future] = {}
        self.lock = threading.Lock()

    def path_prefix(self) -> str:
        """What goes first on PATH: the fork server's `airflow`, then the venv's bin."""
        venv_bin = str(Path(sys.executable).parent)
        return (self.server.shim_dir + os.pathsep if self.server else "") + venv_bin

    def run(self, kind: str, argv: list[str], env: dict, cwd: str) -> tuple[int | None, str, str]:
        """Runs `airflow <args>` (kind "airflow"), a component's checks (kind "child", argv
        [job file]) or any other command (kind "exec"); returns (exit code or None on timeout,
        stdout, stderr)."""
        if self.server is not None and kind in ("airflow", "child"):
            import zygote

            out = tempfile.TemporaryFile(dir=self.root)
            err = tempfile.TemporaryFile(dir=self.root)
            with open(os.devnull) as null:
                fwd = ["airflow", *argv] if kind == "airflow" else ["incontainer", *argv]
                code = zygote.request(
                    self.server.sock, kind, fwd, env, cwd, [null.fileno(), out.fileno(), err.fileno()], TIMEOUT
                )
            texts = []
            for f in (out, err):
                f.seek(0)
                texts.append(f.read().decode(errors="replace"))
                f.close()
            return (None if code == -14 else code), texts[0], texts[1]
        if kind == "airflow":
            cmd = [str(Path(sys.executable).parent / "airflow"), *argv]
        elif kind == "child":
            cmd = [sys.executable, str(HERE / "incontainer.py"), *argv]
        else:
            cmd = argv
        try:
            p = subprocess.run(
                cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT
            )
        except subprocess.TimeoutExpired as e:
            return None, e.stdout or "", e.stderr or ""
        return p.returncode, p.stdout, p.stderr

    def start(self, kind: str, argv: list[str], env: dict, cwd: str, out_path: Path):
        """Starts a long-running `airflow <args>` (kind "airflow") or other command (kind
        "exec"), its stdout and stderr into `out_path`; returns a handle with poll() and stop()."""
        out = open(out_path, "wb")
        try:
            if self.server is not None and kind == "airflow":
                import zygote

                with open(os.devnull) as null:
                    return zygote.start(
                        self.server.sock, "airflow", ["airflow", *argv], env, cwd,
                        [null.fileno(), out.fileno(), out.fileno()], TIMEOUT,
                    )
            cmd = [str(Path(sys.executable).parent / "airflow"), *argv] if kind == "airflow" else argv
            return Popened(
                subprocess.Popen(
                    cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        finally:
            out.close()

    def example_dir(self, ex: Example) -> Path:
        d = self.root / re.sub(r"[^A-Za-z0-9_.-]", "_", ex.label)
        d.mkdir(parents=True, exist_ok=True)
        return d

    def database(self, ex: Example) -> str:
        return f"sqlite:///{self.example_dir(ex) / 'airflow.db'}"

    def fernet_key(self, ex: Example) -> str:
        # A Fernet key is 32 random bytes, URL-safe base64 (what Fernet.generate_key returns).
        return self.fernet.setdefault(ex.label, base64.urlsafe_b64encode(os.urandom(32)).decode())

    def home(self, ex: Example, what: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=f"{what}-", dir=self.example_dir(ex)))

    def cleanup(self):
        if self.server is not None:
            self.server.stop()
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)


# What the CPU goes to first (lower first): a migration's first run gates its example's starts,
# a start coming up then stays up START_MIN s mostly waiting, the rest only has to be done.
PRIO_MIGRATION, PRIO_START, PRIO_AFTER, PRIO_COMPONENT = 0, 1, 2, 3


class Slots:
    """The CPU slots of a run (--jobs): every Airflow process that works (a migration's command,
    a component's checks, a start until it answers healthy) holds one; a free slot goes to the
    waiter of the lowest priority, first come first served among equals."""

    def __init__(self, n: int):
        import heapq
        import itertools

        self.free, self.cv, self.waiting = max(1, n), threading.Condition(), []
        self.heapq, self.seq = heapq, itertools.count()

    def acquire(self, prio: int) -> "Slot":
        with self.cv:
            ticket = (prio, next(self.seq))
            self.heapq.heappush(self.waiting, ticket)
            while not (self.free > 0 and self.waiting[0] == ticket):
                self.cv.wait()
            self.heapq.heappop(self.waiting)
            self.free -= 1
            self.cv.notify_all()
        return Slot(self)

    def give_back(self):
        with self.cv:
            self.free += 1
            self.cv.notify_all()


class Slot:
    """A taken slot; release() gives it back once (later calls do nothing)."""

    def __init__(self, slots: Slots):
        self.slots, self.held = slots, True

    def release(self):
        if self.held:
            self.held = False
            self.slots.give_back()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


SITECUSTOMIZE = """# Written by tests/airflow/check.py: the AWS stand-in of this process, if its environment names one.
import os
if os.environ.get("MESHSYNTH_AWS_STANDIN"):
    import importlib.util, sys
    _spec = importlib.util.spec_from_file_location("awsstandin", {standin!r})
    _mod = importlib.util.module_from_spec(_spec)
    sys.modules["awsstandin"] = _mod
    _spec.loader.exec_module(_mod)
    _mod.install_from_env()
"""


class Popened:
    """A plain subprocess with the interface of zygote.Started."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self.killed = False

    def poll(self):
        return self.proc.poll()

    def stop(self, grace: float = 5.0):
        import signal

        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.killed = True
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            return self.proc.wait(10)
        except subprocess.TimeoutExpired:
            return None


def secret_value(run: Run, ex: Example, name: str) -> str:
    if name == "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN":
        return run.database(ex)
    if name == "AIRFLOW__CORE__FERNET_KEY":
        return run.fernet_key(ex)
    if name == "AIRFLOW__CELERY__BROKER_URL":
        return BROKER_URL
    return DUMMY_SECRET


def bundle_objects(ex: Example, env: dict) -> dict:
    """The objects of the S3 DAG bundles `env` configures: the example's DAG files under each
    bundle's prefix (what its runbook says to upload), as {bucket: {key: local file}}."""
    out: dict = {}
    try:
        bundles = json.loads(env.get("AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST") or "[]")
    except ValueError:
        return out
    files = sorted((ex.folder / "airflow" / "dags").glob("*.py"))
    for b in bundles if isinstance(bundles, list) else []:
        if not isinstance(b, dict) or not str(b.get("classpath", "")).endswith("S3DagBundle"):
            continue
        kw = b.get("kwargs") or {}
        bucket, prefix = kw.get("bucket_name"), kw.get("prefix") or ""
        if not bucket:
            continue
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        objs = out.setdefault(bucket, {})
        for f in files:
            objs[prefix + f.name] = str(f.resolve())
    return out


def standin_spec(run: Run, ex: Example, td: TaskDef, env: dict) -> Path:
    """Writes the AWS stand-in spec of task definition `td` (awsstandin.py): its task role's
    statements and what exists in the account. Returns its path."""
    cluster = ex.cluster()
    clusters = {}
    if cluster["name"]:
        clusters[cluster["name"]] = {"arn": cluster["arn"], "strategy": ex.capacity_strategy()}
    spec = {
        "component": td.family,
        "role": ex.task_role(td),
        "region": REGION,
        "account": ACCOUNT,
        "partition": PARTITION,
        "log_groups": ex.log_groups(),
        "clusters": clusters,
        "task_definitions": {
            t.family: {
                "containers": [c.name for c in t.containers],
                "requires": t.requires,
                "task_role_arn": t.task_role_arn,
                "execution_role_arn": t.execution_role_arn,
            }
            for t in ex.tds
        },
        "s3_objects": bundle_objects(ex, env),
        "record": str(run.example_dir(ex) / f"aws-{td.family}.calls.jsonl"),
    }
    path = run.example_dir(ex) / f"aws-{td.family}.json"
    with run.lock:  # one spec per task definition, whole before any process reads it
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(spec, indent=1, default=str))
            os.replace(tmp, path)
    return path


def container_env(run: Run, ex: Example, td: TaskDef, c: Container, home: Path) -> dict[str, str]:
    """The environment of container `c` of `td` as ECS would start it, on this machine, with
    the AWS stand-in of td's task role (its calls recorded in <home>/aws-calls.jsonl)."""
    env = {
        "PATH": run.path_prefix() + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TMPDIR": str(home),
        # Keep the venv and out/ free of __pycache__ (the DAG files are loaded from out/).
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONWARNINGS": "ignore",
        # ECS sets the task's region in every container; nothing here may reach AWS: no
        # credentials, no instance metadata, and any endpoint is a closed local port.
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(home / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-aws-credentials"),
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AIRFLOW_HOME": str(home),
    }
    if ex.line == "2.10":
        # Airflow 2 refuses SQLite with any executor but the sequential one. The SQLite file stands
        # in for the stack's database, so this uses Airflow's own switch for that (its tests' one).
        env["_AIRFLOW__SKIP_DATABASE_EXECUTOR_COMPATIBILITY_CHECK"] = "1"
    env.update(c.environment)
    for name in c.secret_names:
        env[name] = secret_value(run, ex, name)
    env["AIRFLOW_HOME"] = str(home)
    env["MESHSYNTH_AWS_STANDIN"] = str(standin_spec(run, ex, td, env))
    env["MESHSYNTH_AWS_RECORD"] = str(home / "aws-calls.jsonl")
    env["PYTHONPATH"] = os.pathsep.join(x for x in (str(run.site), env.get("PYTHONPATH")) if x)
    return env


def aws_calls(env: dict) -> list[dict]:
    import awsstandin

    return awsstandin.read_record(env["MESHSYNTH_AWS_RECORD"])


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


class Result:
    def __init__(self, example: str, component: str, check: str, ok: bool, detail: str, skipped: bool = False):
        self.example, self.component, self.check, self.ok, self.detail = example, component, check, ok, detail
        self.skipped = skipped

    def line(self) -> str:
        status = "SKIP" if self.skipped else "PASS" if self.ok else "FAIL"
        head, *rest = (self.detail or "").rstrip().splitlines() or [""]
        out = f"{status}  {self.example}  {self.component}  {self.check}: {head}"
        for r in rest:
            out += "\n        " + r
        return out


# --------------------------------------------------------------------------------------------
# The parent: jobs per example
# --------------------------------------------------------------------------------------------


def conn_specs(env: dict) -> dict:
    specs = {}
    for var, raw in env.items():
        if not var.startswith("AIRFLOW_CONN_"):
            continue
        conn_id = var[len("AIRFLOW_CONN_") :].lower()
        expected = None
        try:
            v = json.loads(raw)
            if isinstance(v, dict):
                expected = v
        except ValueError:
            pass
        specs[conn_id] = {"var": var, "raw": raw, "expected": expected}
    return specs


def lattice_connection_facts(ex: Example, conns: dict) -> None:
    """Adds to each connection of a Lattice example what it reaches (cfn_lattice): the
    service whose CustomDomainName is its host, that service's auth type and the protocol of its
    listener on the port, and the retries and timeouts of the App Mesh routes it had."""
    lat = cfn_lattice.Lattice(ex)
    routes = cfn_lattice.mesh_routes(ex.app_mesh_template, ex.tpl.stack) if ex.app_mesh_template else None
    for spec in conns.values():
        exp = spec.get("expected") or {}
        facts = lat.service_facts(exp.get("host"), exp.get("port"))
        facts["routes"] = None if routes is None else routes.get(exp.get("host"), [])
        spec["lattice"] = facts


def component_job(run: Run, ex: Example, td: TaskDef) -> tuple:
    c = td.container("airflow")
    home = run.home(ex, td.family)
    env = container_env(run, ex, td, c, home)
    checks = []
    conns = conn_specs(c.environment)
    if ex.lattice:
        lattice_connection_facts(ex, conns)
    if conns:
        checks.append("a.connections")
    if "AwsEcsExecutor" in env.get("AIRFLOW__CORE__EXECUTOR", ""):
        checks.append("b.executor")
    runner = ex.task_runner()
    if runner is td and ex.line != "2.10" and "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST" in env:
        checks.append("c.bundle")  # a task's process fetches the DAG bundle first
    if runner is td:
        checks.append("c.dags")
    checks.append("e.logging")
    if runner is td or td.family.endswith("-triggerer"):
        checks.append("e.logging write")  # task logs, trigger logs
    if td.family.endswith(("-api-server", "-webserver")):
        checks.append("e.logging read")  # the UI shows a task's log
    group = ex.log_group(td)
    job = {
        "example": ex.label,
        "component": td.family,
        "checks": checks,
        "connections": conns,
        "facts": ex.facts(),
        "dags_folder": str((ex.folder / "airflow" / "dags").resolve()),
        "dag_files": sorted(p.name for p in (ex.folder / "airflow" / "dags").glob("*.py")),
        "dag_tasks": sorted(td.family for td in ex.dag_tasks()),
        "log_group": group,
        "region": REGION,
        "remote_base": f"cloudwatch://arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:{group}",
        "result": str(home / "result.json"),
        # The scheduler runs the executor: it calls ECS as its own task role.
        "runs_executor": td is ex.scheduler(),
        # VPC Lattice: HTTP connections are opened with the SigV4 auth the dags folder ships,
        # signing as the task role (the stand-in's credentials for it).
        "lattice": {
            "module": cfn_lattice.AUTH_MODULE,
            "class": cfn_lattice.AUTH_CLASS,
            "credentials": awsstandin.role_credentials(ex.task_role(td).get("name") or "unknown-role"),
        }
        if ex.lattice
        else None,
    }
    return job, env


def run_component(run: Run, job: dict, env: dict) -> list[Result]:
    job_file = Path(job["result"]).with_name("job.json")
    job_file.write_text(json.dumps(job))

    def mk(check, ok, detail, skipped=False):
        return Result(job["example"], job["component"], check, ok, detail, skipped)

    code, out, err = run.run("child", [str(job_file)], env, env["AIRFLOW_HOME"])
    if code is None:
        why = f"the check process did not finish within {TIMEOUT} s"
    else:
        said = cli_error(out + chr(10) + err).splitlines() or ["(no output)"]
        why = "\n".join([f"the check process exited {code}: {said[-1]}", *said[:-1]])
    got, done = [], []
    rf = Path(job["result"])
    if rf.is_file():
        state = json.loads(rf.read_text())
        got, done = [mk(*r) for r in state["results"]], state["done"]
    for check in job["checks"]:
        if check not in done:
            got.append(mk(check, False, why if code != 0 else "the check process reported nothing"))
    return got


def entrypoint_commands(command: list[str], env: dict) -> list[list[str]]:
    """What the apache/airflow image's entrypoint runs for a container command."""
    cmds = []
    if env.get("_AIRFLOW_DB_MIGRATE") or env.get("_AIRFLOW_DB_UPGRADE"):
        cmds.append(["airflow", "db", "migrate"])
    if env.get("_AIRFLOW_WWW_USER_CREATE"):
        cmds.append(
            [
                "bash",
                "-c",
                'airflow users create --username "${_AIRFLOW_WWW_USER_USERNAME:-admin}" '
                '--firstname "${_AIRFLOW_WWW_USER_FIRSTNAME:-Airflow}" '
                '--lastname "${_AIRFLOW_WWW_USER_LASTNAME:-Admin}" '
                '--email "${_AIRFLOW_WWW_USER_EMAIL:-airflowadmin@example.com}" '
                '--role "${_AIRFLOW_WWW_USER_ROLE:-Admin}" '
                '--password "${_AIRFLOW_WWW_USER_PASSWORD:-}" || true',
            ]
        )
    if command and command[0] == "bash":
        cmds.append(["/bin/bash", *command[1:]])
    elif command and command[0] == "python":
        cmds.append([sys.executable, *command[1:]])
    elif command and command[0] == "airflow":
        cmds.append(["airflow", *command[1:]])
    else:
        cmds.append(["airflow", *command])
    return cmds


def run_cli(run: Run, cmd: list[str], env: dict, prio: int = PRIO_AFTER) -> tuple[bool, str]:
    """Runs one command of a container (`airflow ...` through the run's `airflow`), in a slot."""
    with run.slots.acquire(prio):
        if cmd[0] == "airflow":
            code, out, err = run.run("airflow", cmd[1:], env, env["AIRFLOW_HOME"])
        else:
            code, out, err = run.run("exec", cmd, env, env["AIRFLOW_HOME"])
    shown = " ".join(cmd)
    if code is None:
        return False, f"`{shown}` did not finish within {TIMEOUT} s"
    if code != 0:
        said = cli_error(out + chr(10) + err).splitlines() or ["(no output)"]
        # The last thing it said first: the summary shows only the first line.
        return False, "\n".join([f"`{shown}` exited {code}: {said[-1]}", *said[:-1]])
    return True, out


def migration_job(run: Run, ex: Example) -> list[Result]:
    label = ex.label
    res: list[Result] = []
    found = [
        (td, c)
        for td in ex.tds
        for c in td.containers
        if re.search(r"\bdb\s+migrate\b", " ".join(str(x) for x in c.command))
    ]
    sched = ex.scheduler()
    if not found:
        res.append(Result(label, "-", "d.migration", False, "no container of the template runs `db migrate`"))
        return res
    if len(found) > 1:
        names = ", ".join(f"{td.family}/{c.name}" for td, c in found)
        res.append(Result(label, "-", "d.migration", False, f"{len(found)} containers run `db migrate`: {names}"))
    td, c = found[0]
    comp = f"{td.family}/{c.name}"
    problems = []
    if c.essential is not False:
        problems.append(f"Essential is {c.essential!r}, not false (a finished migration would stop the task)")
    if sched is None:
        problems.append("no scheduler task definition (family ending in -scheduler)")
    else:
        deps = sched.container("airflow").depends_on
        if {"ContainerName": c.name, "Condition": "SUCCESS"} not in deps:
            problems.append(f"the scheduler's airflow container DependsOn {deps}, not {c.name} SUCCESS")
    res.append(
        Result(
            label,
            comp,
            "d.migration container",
            not problems,
            "\n".join(problems) or "non-essential; the scheduler waits for its SUCCESS",
        )
    )
    cmds = entrypoint_commands([str(x) for x in c.command], c.environment)
    shown = " && ".join(" ".join(x) for x in cmds)
    for attempt in (1, 2):
        env = container_env(run, ex, td, c, run.home(ex, f"migrate-{attempt}"))
        ok, text = True, ""
        for cmd in cmds:
            ok, text = run_cli(run, cmd, env, PRIO_MIGRATION if attempt == 1 else PRIO_AFTER)
            if not ok:
                break
        bad = awsstandin.problems(aws_calls(env))
        if bad:
            ok, text = False, "\n".join(bad + ([text] if not ok else []))
        what = "first run" if attempt == 1 else "second run (a restart)"
        res.append(Result(label, comp, f"d.migration {what}", ok, text if not ok else f"`{shown}` exited 0"))
        if attempt == 1:
            # What the long-running components start against (f.start): the database as the
            # migration container leaves it, copied before anything else touches it.
            if ok:
                shutil.copyfile(run.example_dir(ex) / "airflow.db", run.example_dir(ex) / "migrated.db")
            publish = run.migrated.get(ex.label)
            if publish is not None and not publish.done():
                publish.set_result(ok)
        if not ok:
            return res
    env = container_env(run, ex, td, c, run.home(ex, "check-migrations"))
    ok, text = run_cli(run, ["airflow", "db", "check-migrations", "-t", "0"], env)
    res.append(
        Result(label, comp, "d.check-migrations", ok, text if not ok else "the database is at the head revision")
    )
    # Every other one-off container (the components' wait for the migration) must see the
    # database (a URL among its secrets), or it waits for a migration that never comes; each
    # distinct command is run once against the migrated database and must exit 0 at once.
    ran: set[tuple[str, ...]] = set()
    for td2 in ex.tds:
        for c2 in td2.containers:
            # The metrics collector beside Envoy is not essential either, and runs no Airflow.
            if c2.essential is not False or c2 is c or c2.name == COLLECTOR:
                continue
            comp2 = f"{td2.family}/{c2.name}"
            if "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" not in c2.secret_names:
                res.append(
                    Result(label, comp2, "d.one-off", False, "no AIRFLOW__DATABASE__SQL_ALCHEMY_CONN among its secrets")
                )
                continue
            key = tuple(str(x) for x in c2.command)
            if key in ran:
                res.append(Result(label, comp2, "d.one-off", True, "sees the database; its command ran for another component"))
                continue
            ran.add(key)
            env2 = container_env(run, ex, td2, c2, run.home(ex, f"one-off-{td2.family}"))
            ok2, text2 = True, ""
            for cmd in entrypoint_commands([str(x) for x in c2.command], c2.environment):
                ok2, text2 = run_cli(run, cmd, env2)
                if not ok2:
                    break
            res.append(Result(label, comp2, "d.one-off", ok2, text2 if not ok2 else "exited 0 on the migrated database"))
    fab = env.get("AIRFLOW__CORE__AUTH_MANAGER") == FAB_AUTH_MANAGER or ex.line == "2.10"
    if fab:
        user = env.get("MESHSYNTH_ADMIN_USERNAME")
        if not user:
            res.append(
                Result(
                    label, comp, "d.admin user", False, "MESHSYNTH_ADMIN_USERNAME is not set in the migration container"
                )
            )
        else:
            ok, text = run_cli(run, ["airflow", "users", "list", "-o", "json"], env)
            if ok:
                try:
                    users = json.loads(text[text.index("[") :])
                    mine = [u for u in users if u.get("username") == user]
                    if not mine:
                        ok, text = False, f"no user {user!r} (users: {[u.get('username') for u in users]})"
                    elif "Admin" not in (mine[0].get("roles") or []):
                        roles = mine[0].get("roles")
                        ok, text = False, f"user {user!r} has roles {roles}, not Admin"
                    else:
                        text = f"user {user!r} has role Admin"
                except ValueError as e:
                    ok, text = False, f"`airflow users list -o json` printed no JSON list ({e}):\n{tail(text)}"
            res.append(Result(label, comp, "d.admin user", ok, text))
    return res


# --------------------------------------------------------------------------------------------
# f.start: the long-running components, started for real
# --------------------------------------------------------------------------------------------

# How long a start must stay up (the brief of ECS's StartPeriod), at least, and at most while it
# is not yet healthy on a loaded machine.
START_MIN = 22.0
START_MAX = 90.0
START_SETTLE = 3.0  # still up this long after it first answered healthy


def services(ex: Example) -> list[TaskDef]:
    """The components an ECS service keeps running (the others are run per task)."""
    served = {
        json.dumps(r.get("Properties", {}).get("TaskDefinition"), sort_keys=True)
        for lid, r in ex.tpl.resources.items()
        if r.get("Type") == "AWS::ECS::Service" and ex.exists(lid)
    }
    return [td for td in ex.components if json.dumps({"Ref": td.lid}, sort_keys=True) in served]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str) -> tuple[int | None, str]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=3) as r:
            return r.status, r.read(2000).decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read(500).decode(errors="replace")
    except Exception as e:
        return None, f"{type(e).__name__}: {e}"


def job_state(db: Path, job_type: str, parses: bool) -> tuple[bool, str]:
    """Whether a `job_type` job of this database is running (what `airflow jobs check` asks)
    and, for a component that parses the DAG files (`parses`), has parsed one: a DAG or an
    import error recorded (a DAG processor builds its per-file loggers, the remote one too, as
    it starts parsing)."""
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=2)
        try:
            row = con.execute(
                "SELECT state, latest_heartbeat FROM job WHERE job_type = ? ORDER BY id DESC LIMIT 1", (job_type,)
            ).fetchone()
            dags = con.execute("SELECT count(*) FROM dag").fetchone()[0] if parses else 0
            errors = con.execute("SELECT filename FROM import_error").fetchall() if parses else []
        finally:
            con.close()
    except sqlite3.Error as e:
        return False, f"reading the job table: {e}"
    if row is None:
        return False, f"no {job_type} in the job table yet"
    said = f"{job_type} {row[0]}"
    if parses:
        said += f", {dags} DAG(s) parsed" + (f", import errors in {[e[0] for e in errors]}" if errors else "")
    return row[0] == "running" and (not parses or dags > 0 or bool(errors)), said


def start_plan(ex: Example, td: TaskDef, env: dict, home: Path) -> tuple[dict, object, str]:
    """The overrides a start needs on this machine (free local ports, one web worker), the
    probe that tells it is up, and what that probe is."""
    c = td.container("airflow")
    args = [str(x) for x in c.command]
    sub = args[0] if args and args[0] not in ("bash", "python", "airflow") else (args[1] if len(args) > 1 else "")
    over: dict[str, str] = {
        # Log servers the scheduler and triggerer start (parallel starts would share them).
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
    }
    db = home / "airflow.db"
    # Who parses the DAG files: the DAG processor, or on 2.x a scheduler without a standalone one.
    # (A Lattice dags folder also holds the SigV4 auth module, which defines no DAG.)
    auth = f"{cfn_lattice.AUTH_MODULE}.py" if ex.lattice else None
    has_dags = any(p.name != auth for p in (ex.folder / "airflow" / "dags").glob("*.py"))
    standalone = env.get("AIRFLOW__SCHEDULER__STANDALONE_DAG_PROCESSOR", "").lower() == "true"
    parses = has_dags and (sub == "dag-processor" or (sub == "scheduler" and ex.line == "2.10" and not standalone))
    if sub == "api-server":
        port = free_port()
        over.update({"AIRFLOW__API__PORT": str(port), "AIRFLOW__API__HOST": "127.0.0.1"})
        if "AIRFLOW__API__WORKERS" not in env:
            over["AIRFLOW__API__WORKERS"] = "1"
        url = f"http://127.0.0.1:{port}/api/v2/version"

        def probe():
            code, body = http_get(url)
            return code == 200 and '"version"' in body, f"GET /api/v2/version: {code} {body[:120]}"

        return over, probe, "GET /api/v2/version"
    if sub == "webserver":
        port = free_port()
        over.update(
            {"AIRFLOW__WEBSERVER__WEB_SERVER_PORT": str(port), "AIRFLOW__WEBSERVER__WEB_SERVER_HOST": "127.0.0.1"}
        )
        if "AIRFLOW__WEBSERVER__WORKERS" not in env:
            over["AIRFLOW__WEBSERVER__WORKERS"] = "1"
        url = f"http://127.0.0.1:{port}/health"

        def probe():
            code, body = http_get(url)
            return code == 200 and "healthy" in body, f"GET /health: {code} {body[:160]}"

        return over, probe, "GET /health"
    if sub == "scheduler" and env.get("AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK", "").lower() == "true":
        port = free_port()
        over.update(
            {
                "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(port),
                "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": "127.0.0.1",
            }
        )
        url = f"http://127.0.0.1:{port}/health"

        def probe():
            code, body = http_get(url)
            up, said = code == 200, f"GET /health: {code}"
            if up and parses:
                up, said2 = job_state(db, "SchedulerJob", True)
                said += f"; {said2}"
            return up, said

        return over, probe, "the scheduler's GET /health" + (" and a DAG parsed" if parses else "")
    job_types = {"scheduler": "SchedulerJob", "dag-processor": "DagProcessorJob", "triggerer": "TriggererJob"}
    if sub in job_types:
        jt = job_types[sub]
        what = f"a running {jt}" + (" that has parsed a DAG" if parses else "")
        return over, (lambda: job_state(db, jt, parses)), what
    return over, (lambda: (True, "no probe: running is enough")), "running"


def output_tail(text: str, n: int = 12) -> str:
    """The last lines of a component's output, without the frames of awsstandin.py."""
    lines, skip = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("File "):
            skip = "awsstandin.py" in line
        elif line and not line[0].isspace():
            skip = False
        if not skip:
            lines.append(line)
    return tail("\n".join(lines), n)


def start_job(run: Run, ex: Example, td: TaskDef) -> list[Result]:
    """f.start: the component's command, run as the image's entrypoint runs it, against a copy
    of the migrated database, with the AWS stand-in of its task role; it must come up and stay
    up (START_MIN s at least), and is stopped then."""
    c = td.container("airflow")
    label, comp, check = ex.label, td.family, "f.start"
    cmds = entrypoint_commands([str(x) for x in c.command], c.environment)
    main = cmds[-1]
    shown = " ".join(main)
    if main[:2] == ["airflow", "celery"]:
        return [
            Result(label, comp, check, True, f"`{shown}` not started: a Celery worker needs the stack's Redis "
                   "broker, which this suite does not run", skipped=True)
        ]
    if ex.line == "2.10" and main[:2] == ["airflow", "dag-processor"]:
        return [
            Result(label, comp, check, True, f"`{shown}` not started: Airflow 2 refuses it on SQLite (\"Standalone "
                   "DagProcessor is not supported when using sqlite\"), the only database this suite has", skipped=True)
        ]
    if not run.migrated[ex.label].result():
        return [Result(label, comp, check, False, "not started: no migrated database (d.migration failed)")]
    home = run.home(ex, f"start-{td.family}")
    env = container_env(run, ex, td, c, home)
    # The database: a copy of the migrated one (SQLite takes one writer at a time).
    db = home / "airflow.db"
    shutil.copyfile(run.example_dir(ex) / "migrated.db", db)
    for name in c.secret_names:
        if name == "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN":
            env[name] = f"sqlite:///{db}"
    # The DAGs the image holds (its runbook bakes them into the dags folder), unless a DAG
    # bundle brings them (then the stand-in's S3 serves them).
    dags = ex.folder / "airflow" / "dags"
    if dags.is_dir() and "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST" not in env:
        shutil.copytree(dags, Path(env.get("AIRFLOW__CORE__DAGS_FOLDER") or home / "dags"), dirs_exist_ok=True)
    over, probe, probe_what = start_plan(ex, td, env, home)
    env.update(over)
    # A start holds a slot until it answers healthy (or ends): coming up is what costs CPU;
    # staying up START_MIN s mostly waits, and needs none.
    for cmd in cmds[:-1]:
        ok, text = run_cli(run, cmd, env, PRIO_START)
        if not ok:
            return [Result(label, comp, check, False, f"before the command: {text}")]
    slot = run.slots.acquire(PRIO_START)
    try:
        output = home / "output.log"
        if main[0] == "airflow":
            proc = run.start("airflow", main[1:], env, str(home), output)
        else:  # bash/python: its `airflow` must be the venv's own (a fork-server one would outlive a stop)
            shim = run.server.shim_dir if run.server else None
            env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != shim)
            proc = run.start("exec", main, env, str(home), output)
        t0 = time.monotonic()
        healthy_at, said, code, took = None, "", None, 0.0
        try:
            while True:
                time.sleep(1.0)
                code = proc.poll()
                took = time.monotonic() - t0
                if code is not None:
                    break
                if healthy_at is None:
                    up, said = probe()
                    if up:
                        healthy_at = took
                        slot.release()
                if healthy_at is not None and took >= max(START_MIN, healthy_at + START_SETTLE):
                    break
                if took >= START_MAX:
                    break
        finally:
            stopped = proc.stop()
    finally:
        slot.release()
    text = output.read_text(errors="replace") if output.is_file() else ""
    calls = aws_calls(env)
    bad = awsstandin.problems(calls)
    denied = list(dict.fromkeys(x["error"] for x in calls if x.get("decision") == "deny" and x.get("error")))
    aws = f"AWS: {awsstandin.summarize(calls)}"
    if code is not None:
        why = (cli_error(text).splitlines() or ["(no output)"])[-1]
        detail = [f"`{shown}` exited {code} after {took:.0f} s: {why}", aws, *[d for d in denied if d.split(": ", 1)[-1] not in why], *bad,
                  "its last lines (the stand-in's own frames left out):", output_tail(text)]
        return [Result(label, comp, check, False, "\n".join(detail))]
    if healthy_at is None:
        detail = [f"`{shown}` still running after {took:.0f} s but not up ({probe_what}): {said}", aws, *denied, *bad,
                  "its last lines:", output_tail(text)]
        return [Result(label, comp, check, False, "\n".join(detail))]
    if bad:
        return [Result(label, comp, check, False, "\n".join([f"`{shown}` ran, but:", *bad, aws]))]
    note = f" (denied, and handled by the client: {len(denied)})" if denied else ""
    return [
        Result(
            label, comp, check, True,
            f"`{shown}` up {took:.0f} s, healthy after {healthy_at:.0f} s ({said}); "
            + ("killed (SIGTERM did not stop it in 5 s)" if proc.killed else f"stopped (exit {stopped})")
            + f"; {aws}{note}",
        )
    ]


def example_problems(ex: Example) -> list[Result]:
    res = []
    for td in ex.components:
        c = td.container("airflow")
        for p in c.env_problems:
            res.append(Result(ex.label, td.family, "environment", False, p))
    return res


def lattice_results(ex: Example) -> list[Result]:
    """g lattice: the template's Lattice IAM (cfn_lattice.checks), no Envoy left."""
    try:
        return [Result(ex.label, comp, check, ok, detail) for comp, check, ok, detail in cfn_lattice.checks(ex)]
    except Exception as e:  # a template this checker cannot read is a failure, not a skip
        return [Result(ex.label, "-", "g.lattice", False, exc_text(e))]


def current_line() -> str:
    from importlib.metadata import version

    return LINES.get(int(version("apache-airflow").split(".")[0]), "?")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="*")
    ap.add_argument("--list", action="store_true", help="print `<line>\\t<example>` for every Airflow example")
    ap.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 2,
        help="Airflow processes working at once (a start counts until it is healthy)",
    )
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder (databases, homes)")
    ap.add_argument("--no-fork-server", action="store_true", help="start every check as a plain subprocess")
    ap.add_argument("--no-start", action="store_true", help="skip f.start (the long-running components)")
    ap.add_argument(
        "--lattice-start-under",
        metavar="FOLDER",
        help="start the Lattice copies of examples under FOLDER only (the others' App Mesh twins are "
        "started, and their task definitions differ only in the mesh's wiring, which a-e and g check)",
    )
    ap.add_argument("-v", "--verbose", action="store_true", help="print each job's time to stderr")
    args = ap.parse_args(argv)
    if not args.folders:
        ap.error("name at least one output folder")
    examples, problems = discover(args.folders)
    airflow_examples = [e for e in examples if e.is_airflow]
    if args.list:
        for ex in airflow_examples:
            print(f"{ex.line or '?'}\t{ex.folder}")
        for p in problems:
            print(f"?\t{p}")
        return 0

    line = current_line()
    started = time.monotonic()
    results: list[Result] = [
        Result(p.split(":", 1)[0], "-", "template", False, p.split(":", 1)[1].strip()) for p in problems
    ]
    mine, others = [], []
    for ex in airflow_examples:
        if ex.line is None:
            results.append(
                Result(ex.label, "-", "line", False, f"cannot tell the Airflow line from the image(s) {ex.images}")
            )
        elif ex.line == line:
            mine.append(ex)
        else:
            others.append(ex)
    run = Run(args.keep, fork_server=not args.no_fork_server and bool(mine), jobs=args.jobs)
    try:
        migrations, jobs, starts = [], [], []
        for ex in mine:
            results += example_problems(ex)
            if ex.lattice:
                results += lattice_results(ex)
            migrations.append(("migration", ex, None))
            run.migrated[ex.label] = concurrent.futures.Future()
        for ex in mine:
            for td in ex.components:
                jobs.append(("component", ex, td))
            lattice_skipped = (
                ex.lattice
                and args.lattice_start_under is not None
                and not ex.folder.resolve().is_relative_to(Path(args.lattice_start_under).resolve())
            )
            if not args.no_start and not lattice_skipped:
                starts += [("start", ex, td) for td in services(ex)]

        def do(job):
            kind, ex, td = job
            t0 = time.monotonic()
            got = []
            try:
                if kind == "migration":
                    got = migration_job(run, ex)
                elif kind == "start":
                    got = start_job(run, ex, td)
                else:
                    j, env = component_job(run, ex, td)
                    with run.slots.acquire(PRIO_COMPONENT):
                        got = run_component(run, j, env)
            except Exception as e:  # this harness failing is a failure too, never a pass
                got = [Result(ex.label, td.family if td else "-", f"{kind} job", False, exc_text(e))]
            finally:
                if kind == "migration" and not run.migrated[ex.label].done():
                    run.migrated[ex.label].set_result(False)
            if args.verbose:
                took = time.monotonic() - t0
                print(f"  {took:5.1f} s  {ex.label} {kind} {td.family if td else ''}", file=sys.stderr, flush=True)
            return got

        # Every job has a thread; what runs is what holds one of the run's --jobs slots (Slots):
        # migrations first (they gate the starts), then starts coming up (once up, they wait
        # START_MIN s without a slot), then the rest of the migrations and the components' checks.
        every = migrations + starts + jobs
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(every))) as pool:
            for got in pool.map(do, every):
                results += got
    finally:
        run.cleanup()

    order = {ex.label: i for i, ex in enumerate(mine)}
    results.sort(key=lambda r: (order.get(r.example, -1), r.example, r.component != "-", r.component, r.check))
    print(f"Airflow {line} line ({sys.executable}): {len(mine)} example(s)")
    current = None
    for r in results:
        if r.example != current:
            current = r.example
            print(f"-- {r.example}")
        print(r.line())
    for ex in others:
        print(f"NOTE  {ex.label}: Airflow {ex.line} line ({', '.join(ex.images)}); check it with the {ex.line} venv")
    failed = [r for r in results if not r.ok]
    skipped = [r for r in results if r.skipped]
    took = time.monotonic() - started
    print(
        f"summary (Airflow {line}): {len(results)} checks, {len(results) - len(failed) - len(skipped)} PASS, "
        f"{len(failed)} FAIL, {len(skipped)} SKIP "
        f"in {took:.0f} s over {', '.join(e.label for e in mine) or 'no example'}"
    )
    for r in failed:
        head = (r.detail or "").strip().splitlines()[0] if r.detail else ""
        print(f"  FAIL {r.example} {r.component} {r.check}: {head}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
