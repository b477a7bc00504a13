#!/usr/bin/env python3
"""Checks meshsynth's Airflow output with the real Airflow software.

Run it with the python of one of the venvs tests/airflow/setup.sh makes; it checks the examples
of that venv's Airflow line (3.1 or 2.10) and names the others:

    ~/.cache/meshsynth/airflow/3.1/bin/python  tests/airflow/check.py out/ [more folders...]
    ~/.cache/meshsynth/airflow/2.10/bin/python tests/airflow/check.py out/
    python3 tests/airflow/check.py --list out/     # which line each example needs (no Airflow)

A folder is an example (it has cloudformation/template.json) or holds examples one level down
(out/ and the scratch folder of tests/airflow_runtime.rs). An example is checked when its
template has an AWS::ECS::TaskDefinition with a container named `airflow`; its line comes from
that container's image tag (apache/airflow:3.x -> 3.1, 2.x -> 2.10).

Every Airflow component (task definition with an `airflow` container) is started as the stack
would start it: its container's Environment, with CloudFormation intrinsics resolved to
plausible values (region us-east-1, account 111122223333, parameters' defaults or realistic
dummies), plus its Secrets replaced by working dummies (a sqlite file per example for the
metadata database, a real Fernet key, a local Redis URL for Celery, a fixed string otherwise),
in a subprocess with a temporary AIRFLOW_HOME. The checks:

  a  connections   every AIRFLOW_CONN_<ID>: BaseHook.get_connection, host/port as the JSON says,
                   then opened with its hook (http: HttpHook.get_conn, grpc: GrpcHook.get_conn)
  b  executor      AwsEcsExecutor: loaded as ExecutorLoader does, build_task_kwargs, and the
                   RunTask request of one task validated against botocore's ECS model and the
                   template (task definition, cluster, container, launch type, network)
  c  dags          <example>/airflow/dags/*.py load in a DagBag in the environment of the
                   component that runs Airflow tasks; every EcsRunTaskOperator is checked
                   against the template and its RunTask request against botocore's model;
                   the guide's EcsRunTaskOperator example constructs with this provider
  d  migration     exactly one non-essential container runs `db migrate`, the scheduler waits
                   for its SUCCESS; its command, run as the image's entrypoint would, twice,
                   leaves a database `airflow db check-migrations` accepts (and the admin user)
  e  logging       remote logging to the stack's CloudWatch log group, as Airflow's own logging
                   config loads it

The cheap checks (a, b, c, e) of one component share one process; processes run in parallel
(--jobs, default: the number of cores). They are forked from a fork server that has imported
the libraries Airflow is built on, but never Airflow itself (zygote.py says why that is sound);
--no-fork-server starts each as a plain subprocess instead (slower, same results). One line per
check, a summary, exit 1 when any check fails (2: usage error).
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
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the checkout

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

    def __init__(self, keep: bool, fork_server: bool):
        self.root = Path(tempfile.mkdtemp(prefix="meshsynth-airflow-check-"))
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


def secret_value(run: Run, ex: Example, name: str) -> str:
    if name == "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN":
        return run.database(ex)
    if name == "AIRFLOW__CORE__FERNET_KEY":
        return run.fernet_key(ex)
    if name == "AIRFLOW__CELERY__BROKER_URL":
        return BROKER_URL
    return DUMMY_SECRET


def container_env(run: Run, ex: Example, c: Container, home: Path) -> dict[str, str]:
    """The environment of container `c` as ECS would start it, on this machine."""
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
    return env


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


class Result:
    def __init__(self, example: str, component: str, check: str, ok: bool, detail: str):
        self.example, self.component, self.check, self.ok, self.detail = example, component, check, ok, detail

    def line(self) -> str:
        status = "PASS" if self.ok else "FAIL"
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


def component_job(run: Run, ex: Example, td: TaskDef) -> tuple:
    c = td.container("airflow")
    home = run.home(ex, td.family)
    env = container_env(run, ex, c, home)
    checks = []
    conns = conn_specs(c.environment)
    if conns:
        checks.append("a.connections")
    if "AwsEcsExecutor" in env.get("AIRFLOW__CORE__EXECUTOR", ""):
        checks.append("b.executor")
    runner = ex.task_runner()
    if runner is td:
        checks.append("c.dags")
        if (ex.folder / "airflow" / "README.md").is_file():
            checks.append("c.guide")
    checks.append("e.logging")
    group = ex.log_group(td)
    job = {
        "example": ex.label,
        "component": td.family,
        "checks": checks,
        "connections": conns,
        "facts": ex.facts(),
        "dags_folder": str((ex.folder / "airflow" / "dags").resolve()),
        "dag_tasks": sorted(td.family for td in ex.dag_tasks()),
        "guide": str((ex.folder / "airflow" / "README.md").resolve()),
        "log_group": group,
        "region": REGION,
        "remote_base": f"cloudwatch://arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:{group}",
        "result": str(home / "result.json"),
    }
    return job, env


def run_component(run: Run, job: dict, env: dict) -> list[Result]:
    job_file = Path(job["result"]).with_name("job.json")
    job_file.write_text(json.dumps(job))

    def mk(check, ok, detail):
        return Result(job["example"], job["component"], check, ok, detail)

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


def run_cli(run: Run, cmd: list[str], env: dict) -> tuple[bool, str]:
    """Runs one command of a container (`airflow ...` through the run's `airflow`)."""
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
        env = container_env(run, ex, c, run.home(ex, f"migrate-{attempt}"))
        ok, text = True, ""
        for cmd in cmds:
            ok, text = run_cli(run, cmd, env)
            if not ok:
                break
        what = "first run" if attempt == 1 else "second run (a restart)"
        res.append(Result(label, comp, f"d.migration {what}", ok, text if not ok else f"`{shown}` exited 0"))
        if not ok:
            return res
    env = container_env(run, ex, c, run.home(ex, "check-migrations"))
    ok, text = run_cli(run, ["airflow", "db", "check-migrations", "-t", "0"], env)
    res.append(
        Result(label, comp, "d.check-migrations", ok, text if not ok else "the database is at the head revision")
    )
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


def example_problems(ex: Example) -> list[Result]:
    res = []
    for td in ex.components:
        c = td.container("airflow")
        for p in c.env_problems:
            res.append(Result(ex.label, td.family, "environment", False, p))
    return res


def current_line() -> str:
    from importlib.metadata import version

    return LINES.get(int(version("apache-airflow").split(".")[0]), "?")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="*")
    ap.add_argument("--list", action="store_true", help="print `<line>\\t<example>` for every Airflow example")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder (databases, homes)")
    ap.add_argument("--no-fork-server", action="store_true", help="start every check as a plain subprocess")
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
    run = Run(args.keep, fork_server=not args.no_fork_server and bool(mine))
    try:
        jobs = []
        for ex in mine:
            results += example_problems(ex)
            jobs.append(("migration", ex, None))
        for ex in mine:
            for td in ex.components:
                jobs.append(("component", ex, td))

        def do(job):
            kind, ex, td = job
            t0 = time.monotonic()
            try:
                if kind == "migration":
                    got = migration_job(run, ex)
                else:
                    j, env = component_job(run, ex, td)
                    got = run_component(run, j, env)
            except Exception as e:  # this harness failing is a failure too, never a pass
                got = [Result(ex.label, td.family if td else "-", f"{kind} job", False, exc_text(e))]
            if args.verbose:
                took = time.monotonic() - t0
                print(f"  {took:5.1f} s  {ex.label} {td.family if td else kind}", file=sys.stderr, flush=True)
            return got

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for got in pool.map(do, jobs):
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
    took = time.monotonic() - started
    print(
        f"summary (Airflow {line}): {len(results)} checks, {len(results) - len(failed)} PASS, {len(failed)} FAIL "
        f"in {took:.0f} s over {', '.join(e.label for e in mine) or 'no example'}"
    )
    for r in failed:
        head = (r.detail or "").strip().splitlines()[0] if r.detail else ""
        print(f"  FAIL {r.example} {r.component} {r.check}: {head}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
