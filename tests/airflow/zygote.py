"""A fork server for the Airflow checks: every check is still a process of its own, with its own
environment, working folder and standard streams, but it is forked from a process that has
already imported the third-party libraries Airflow is built on (SQLAlchemy, pydantic, FastAPI,
botocore, ...). That takes Airflow's start from ~2.5 s to well under 1 s.

Airflow itself is never imported before the fork: it reads its configuration (the environment)
when it is imported, so each forked process imports it fresh, inside its own environment, as a
container would. The preload is checked for that (no `airflow` module may be loaded).

Protocol: a client connects to the server's Unix socket, sends one JSON request
({"kind": "airflow" | "child", "argv": [...], "env": {...}, "cwd": "...", "timeout": s}) with
its stdin, stdout and stderr file descriptors attached (SCM_RIGHTS), and reads back one line,
the exit status. The `airflow` shim (see write_shim) is such a client, so that `bash -c 'airflow
db migrate && ...'` runs every `airflow` through the server. A request with "report_pid": true
first gets `pid <n>` (the process group of the request, which `Started.stop` ends) and then the
exit status: check.py's f.start runs long-running components that way.

A request whose environment names an AWS stand-in spec (MESHSYNTH_AWS_STANDIN, see awsstandin.py)
gets it installed after the fork, before Airflow is imported, as sitecustomize.py installs it in
a fresh interpreter.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import struct
import sys
import time

# Imported once, before any fork. Only libraries that read no configuration at import time;
# never Airflow or a provider. Those a venv does not have are skipped.
PRELOAD = [
    "sqlalchemy",
    "sqlalchemy.orm",
    "sqlalchemy.ext.asyncio",
    "sqlalchemy_utils",
    "alembic",
    "alembic.migration",
    "alembic.script",
    "pydantic",
    "fastapi",
    "starlette",
    "cadwyn",
    "httpx",
    "aiohttp",
    "yarl",
    "libcst",
    "mako.template",
    "cryptography.fernet",
    "rich.console",
    "jinja2",
    "pygments",
    "pendulum",
    "botocore.session",
    "boto3",
    "requests",
    "structlog",
    "attrs",
    "yaml",
    "lazy_object_proxy",
    "methodtools",
    "tenacity",
    "fsspec",
    "itsdangerous",
    "werkzeug",
    "email_validator",
    "psutil",
    "tabulate",
    "argcomplete",
    "dill",
    "croniter",
    "marshmallow",
    "flask",
    "flask_appbuilder",
    "flask_sqlalchemy",
    "connexion",
    "watchtower",
    "jmespath",
    "asgiref",
    "termcolor",
    "colorlog",
    "setproctitle",
    "lockfile",
    "gunicorn",
    "uvicorn",
    "natsort",
    "opentelemetry.trace",
    "markdown_it",
    "babel",
    "celery",
    "kombu",
    # What importing Airflow, its CLI and models still imported after the above (3.1: ~0.2 s of
    # CPU per process, 2.10: ~0.15 s), and the providers the checks open (none reads any
    # configuration when imported).
    "svcs",
    "aiohttp.web",
    "aiosqlite",
    "msgspec",
    "uuid6",
    "upath",
    "pathlib_abc",
    "rich_argparse",
    "pluggy",
    "pathspec",
    "cron_descriptor",
    "pygtrie",
    "sqlalchemy_jsonfield",
    "sqlalchemy.ext.associationproxy",
    "lazy_importer",
    "re2",
    "h11",
    "httpcore",
    "anyio.from_thread",
    "asgiref.sync",
    "importlib_metadata",
    "zipp",
    "packaging.requirements",
    "packaging.tags",
    "fastapi.testclient",
    "fastapi.middleware.cors",
    "fastapi.middleware.gzip",
    "jinja2.sandbox",
    "jinja2.nativetypes",
    "alembic.command",
    "fsspec.implementations.local",
    "sqlite3",
    "logging.config",
    "smtplib",
    "email.mime.multipart",
    "email.mime.text",
    "multiprocessing.sharedctypes",
    "google.protobuf",  # not grpc itself: its core must start in the process that uses it
    "requests_toolbelt",
    "slugify",
    "inflection",
]


def preload() -> list[str]:
    done = []
    for name in PRELOAD:
        try:
            importlib.import_module(name)
            done.append(name)
        except Exception:
            pass
    leaked = sorted(m for m in sys.modules if m == "airflow" or m.startswith("airflow."))
    if leaked:
        raise RuntimeError(f"the preload imported Airflow ({leaked[:3]}), which must be imported after the fork")
    return done


def _send(sock: socket.socket, obj: dict, fds: list[int]):
    data = json.dumps(obj).encode()
    socket.send_fds(sock, [struct.pack("!I", len(data))], fds)
    sock.sendall(data)


def _recv(sock: socket.socket) -> tuple[dict, list[int]]:
    head, fds, _flags, _addr = socket.recv_fds(sock, 4, 3)
    if len(head) < 4:
        head += _recv_exact(sock, 4 - len(head))
    (n,) = struct.unpack("!I", head)
    return json.loads(_recv_exact(sock, n)), fds


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return buf


def _run_in_child(req: dict, fds: list[int]) -> int:
    """In the forked grandchild: become the requested process, run it, return its exit code."""
    for target, fd in zip((0, 1, 2), fds, strict=True):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    os.chdir(req["cwd"])
    os.environ.clear()
    os.environ.update(req["env"])
    import tempfile

    tempfile.tempdir = None
    sys.dont_write_bytecode = True
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    if req.get("timeout"):
        signal.alarm(int(req["timeout"]))  # the default action ends the process
    sys.argv = list(req["argv"])
    code = 0
    try:
        if os.environ.get("MESHSYNTH_AWS_STANDIN"):
            import awsstandin

            awsstandin.install_from_env()
        if req["kind"] == "airflow":
            from airflow.__main__ import main

            result = main()
            code = result if isinstance(result, int) else 0
        else:
            import incontainer

            code = incontainer.child_main(req["argv"][1])
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if not isinstance(e.code, int) and e.code is not None:
            print(e.code, file=sys.stderr)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    try:
        import atexit

        atexit._run_exitfuncs()
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    return code


def serve(path: str):
    """The server: preload, listen, and fork one process per request."""
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    sys.dont_write_bytecode = True
    preload()
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the per-request children reap themselves
    # Wake up every second to notice a parent that died without stopping us.
    srv.settimeout(1.0)
    parent = os.getppid()
    # Tell the parent we are ready (it waits for this line on our stdout).
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        try:
            conn, _ = srv.accept()
        except TimeoutError:
            if os.getppid() != parent:
                return
            continue
        conn.settimeout(60)
        try:
            req, fds = _recv(conn)
        except Exception:
            conn.close()
            continue
        if req.get("kind") == "stop":
            conn.close()
            return
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            srv.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                os.setsid()
            except OSError:
                pass
            gpid = os.fork()
            if gpid == 0:
                conn.close()
                os._exit(_run_in_child(req, fds))
            conn.settimeout(None)
            for fd in fds:
                os.close(fd)
            # A stop (SIGTERM to the group) is for the request's process, not for this waiter,
            # which still has to report its exit status.
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            if req.get("report_pid"):
                try:
                    conn.sendall(f"pid {os.getpgid(0)}\n".encode())
                except OSError:
                    pass
            _, status = os.waitpid(gpid, 0)
            code = os.waitstatus_to_exitcode(status)
            try:
                conn.sendall(f"{code}\n".encode())
            finally:
                os._exit(0)
        for fd in fds:
            os.close(fd)
        conn.close()


def request(path: str, kind: str, argv: list[str], env: dict, cwd: str, fds: list[int], timeout: int) -> int:
    """Runs one process through the server; returns its exit code (negative: killed by signal)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    try:
        _send(sock, {"kind": kind, "argv": argv, "env": env, "cwd": cwd, "timeout": timeout}, fds)
        line = b""
        while not line.endswith(b"\n"):
            chunk = sock.recv(64)
            if not chunk:
                raise EOFError("the fork server closed the connection without an exit code")
            line += chunk
        return int(line)
    finally:
        sock.close()


class Started:
    """A process the server runs while the caller goes on (see start)."""

    def __init__(self, sock: socket.socket, pgid: int):
        self.sock, self.pgid, self.code = sock, pgid, None
        self.killed = False

    def poll(self) -> int | None:
        """Its exit code once it has ended, else None."""
        if self.code is None:
            self.sock.setblocking(False)
            try:
                data = self.sock.recv(64)
            except BlockingIOError:
                return None
            finally:
                self.sock.setblocking(True)
            if data:
                line = data
                while not line.endswith(b"\n"):
                    more = self.sock.recv(64)
                    if not more:
                        break
                    line += more
                self.code = int(line)
            else:
                self.code = -255  # the server went away without a status
        return self.code

    def wait(self, timeout: float) -> int | None:
        self.sock.settimeout(timeout)
        try:
            line = b""
            while not line.endswith(b"\n"):
                chunk = self.sock.recv(64)
                if not chunk:
                    self.code = -255 if self.code is None else self.code
                    return self.code
                line += chunk
            self.code = int(line)
        except TimeoutError:
            return None
        finally:
            self.sock.settimeout(None)
        return self.code

    def stop(self, grace: float = 5.0) -> int | None:
        """SIGTERM to its process group (what `docker stop` sends), SIGKILL after `grace` s
        (which ends the waiter too: no exit status then, `killed` tells)."""
        if self.poll() is None:
            try:
                os.killpg(self.pgid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            if self.wait(grace) is None:
                self.killed = True
                try:
                    os.killpg(self.pgid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.wait(10)
                self.code = None
        # Children it left behind in its group (a worker the server forked) go too.
        try:
            os.killpg(self.pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.sock.close()
        return self.code


def start(path: str, kind: str, argv: list[str], env: dict, cwd: str, fds: list[int], timeout: int) -> Started:
    """Starts one process through the server and returns at once (its pid known)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    _send(sock, {"kind": kind, "argv": argv, "env": env, "cwd": cwd, "timeout": timeout, "report_pid": True}, fds)
    line = b""
    while not line.endswith(b"\n"):
        chunk = sock.recv(1)
        if not chunk:
            raise EOFError("the fork server closed the connection without a pid")
        line += chunk
    kind_, _, pid = line.decode().strip().partition(" ")
    if kind_ != "pid":
        raise RuntimeError(f"the fork server answered {line!r}, not a pid")
    return Started(sock, int(pid))


SHIM = """#!{python} -S
# The `airflow` command of one check.py run: runs `airflow` in a process forked from the run's
# fork server (tests/airflow/zygote.py), with this process's arguments, environment, folder and
# standard streams.
import os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, {here!r})
import zygote
argv = ["airflow"] + sys.argv[1:]
sys.exit(zygote.request({sock!r}, "airflow", argv, dict(os.environ), os.getcwd(), [0, 1, 2], {timeout}))
"""


def write_shim(folder: str, sock: str, timeout: int) -> str:
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "airflow")
    here = os.path.dirname(os.path.abspath(__file__))
    with open(path, "w") as f:
        f.write(SHIM.format(python=sys.executable, here=here, sock=sock, timeout=timeout))
    os.chmod(path, 0o755)
    return path


class Server:
    """A fork server started by check.py, stopped when the run ends."""

    def __init__(self, folder: str, env: dict, timeout: int):
        import subprocess

        self.sock = os.path.join(folder, "zygote.sock")
        self.shim_dir = os.path.join(folder, "bin")
        write_shim(self.shim_dir, self.sock, timeout)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--serve", self.sock],
            env=env,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
        )
        started = time.monotonic()
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            self.proc.kill()
            raise RuntimeError(f"the fork server did not start (exit {self.proc.wait()})")
        self.startup = time.monotonic() - started

    def stop(self):
        try:
            request(self.sock, "stop", [], {}, "/", [], 0)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(sys.argv[2])
    else:
        sys.exit("usage: zygote.py --serve SOCKET")
