#!/usr/bin/env python3
"""Checks meshsynth's SigV4 auth for VPC Lattice (src/targets/lattice_auth.py), offline.

    ~/.cache/meshsynth/airflow/3.1/bin/python tests/airflow/lattice_auth_check.py \
        src/targets/lattice_auth.py

Run with the python of an Airflow venv of tests/airflow/setup.sh (stdlib, botocore, requests
and the http provider). The module is imported as `meshsynth_lattice_auth`, the name it has
in the generated dags folder (copied under that name to a temporary folder when the path has
another). Nothing leaves the machine: the credentials are fixed fakes, the ECS container
credentials endpoint and the service are small HTTP servers on 127.0.0.1.

  a  signing   requests signed with fake credentials at a frozen time: the Authorization
               header (scope `<AKID>/<date>/<region>/vpc-lattice-svcs/aws4_request`, signed
               headers), `X-Amz-Content-SHA256: UNSIGNED-PAYLOAD`, the signature against a
               SigV4 computed here with hashlib/hmac (itself checked on AWS's get-vanilla test
               vector), body independence, the request left as it was; the session token;
               credentials read per request (rotating ECS container credentials); region
               order; clear errors without region or credentials; an import without side
               effects, and the DagBag finds no DAG and no error in the file
  b  airflow   HttpHook/HttpOperator with `auth_type=LatticeSigV4Auth` (connection with and
               without login) sign what they send, down to a request HttpHook.run sends to a
               local server; which connection extra keys HttpHook consumes and which it turns
               into headers (`finding` lines), with `timeout` consumed (and sent to
               Session.send) and `auth_type` not loaded from the extra, as the module says

One line per check (`ok`/`FAIL`), `finding` lines, a summary; exit 1 when a check fails.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import hmac
import importlib
import io
import json
import os
import shutil
import sys
import tempfile
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock
from urllib.parse import quote, unquote, urlsplit

MODULE = "meshsynth_lattice_auth"
SERVICE = "vpc-lattice-svcs"
AKID, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLE"
FROZEN = datetime.datetime(2026, 3, 14, 15, 9, 26)
AMZ_DATE = FROZEN.strftime("%Y%m%dT%H%M%SZ")
UNSIGNED = "UNSIGNED-PAYLOAD"
ADDED = {"authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"}

results: list[tuple[bool, str]] = []


def check(name, fn):
    try:
        fn()
        results.append((True, name))
        print(f"ok    {name}", flush=True)
    except Exception as e:  # noqa: BLE001 - every failure is reported, then the next check runs
        results.append((False, name))
        detail = str(e) if isinstance(e, AssertionError) else traceback.format_exc()
        print(f"FAIL  {name}: {detail}", flush=True)


def finding(text):
    print(f"finding {text}", flush=True)


# ---------------------------------------------------------------------------------------------
# An independent SigV4 (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html)


def _enc(s):
    return quote(s, safe="-_.~")


def reference_signature(method, target, headers, signed, secret, amz_date, region, service,
                        payload_hash=UNSIGNED):
    """The signature of a request as sent: `target` is the request line's path?query, `headers`
    the sent headers (lower-case names), `signed` the signed header names."""
    path, _, query = target.partition("?")
    assert "/./" not in path and "/../" not in path, "test paths have no dot segments"
    # Non-S3 services: the (already encoded) path segments are encoded once more.
    uri = "/".join(_enc(seg) for seg in path.split("/")) or "/"
    pairs = []
    for item in query.split("&") if query else []:
        k, _, v = item.partition("=")
        pairs.append((_enc(unquote(k)), _enc(unquote(v))))
    canonical_query = "&".join(f"{k}={v}" for k, v in sorted(pairs))
    canonical_headers = "".join(f"{n}:{' '.join(headers[n].split())}\n" for n in signed)
    canonical = "\n".join(
        [method, uri, canonical_query, canonical_headers, ";".join(signed), payload_hash]
    )
    date = amz_date[:8]
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def parse_authorization(value):
    assert value.startswith("AWS4-HMAC-SHA256 "), f"Authorization: {value!r}"
    fields = dict(p.strip().split("=", 1) for p in value[len("AWS4-HMAC-SHA256 "):].split(","))
    return fields["Credential"], fields["SignedHeaders"].split(";"), fields["Signature"]


def host_header(url):
    """The Host header http.client sends for `url`."""
    u = urlsplit(url)
    default = {"http": 80, "https": 443}[u.scheme]
    return u.hostname if u.port in (None, default) else f"{u.hostname}:{u.port}"


def verify_signed(method, target, headers, *, akid=AKID, secret=SECRET, token=TOKEN,
                  region="us-east-1", amz_date=AMZ_DATE):
    """Checks a signed request as a server sees it; returns its signature."""
    h = {k.lower(): v for k, v in headers.items()}
    assert h.get("x-amz-content-sha256") == UNSIGNED, (
        f"X-Amz-Content-SHA256 is {h.get('x-amz-content-sha256')!r}, not {UNSIGNED}"
    )
    assert h.get("x-amz-date") == amz_date, f"X-Amz-Date {h.get('x-amz-date')!r} != {amz_date}"
    credential, signed, signature = parse_authorization(h["authorization"])
    want_scope = f"{akid}/{amz_date[:8]}/{region}/{SERVICE}/aws4_request"
    assert credential == want_scope, f"Credential={credential}, want {want_scope}"
    required = {"host", "x-amz-content-sha256", "x-amz-date"} | {
        n for n in h if n.startswith("x-amz-")
    }
    if token:
        assert h.get("x-amz-security-token") == token, "no or wrong X-Amz-Security-Token"
    else:
        assert "x-amz-security-token" not in h, "X-Amz-Security-Token without a session token"
    assert required <= set(signed), f"SignedHeaders={signed} lacks {sorted(required - set(signed))}"
    assert signed == sorted(signed), f"SignedHeaders not sorted: {signed}"
    want = reference_signature(method, target, h, signed, secret, amz_date, region, SERVICE)
    assert signature == want, f"signature {signature} != recomputed {want}"
    return signature


def target_of(url):
    u = urlsplit(url)
    return u.path + ("?" + u.query if u.query else "")


# ---------------------------------------------------------------------------------------------
# Environment


def hermetic_env():
    for k in list(os.environ):
        if k.startswith(("AWS_", "AIRFLOW_CONN_", "AIRFLOW__")) or k.lower().endswith("_proxy"):
            del os.environ[k]
    os.environ.update(
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        NO_PROXY="*",
    )


@contextlib.contextmanager
def env(**values):
    """Sets (a value) or removes (None) environment variables for a block."""
    old = {k: os.environ.get(k) for k in values}
    try:
        for k, v in values.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def fake_keys(token=TOKEN):
    return env(AWS_ACCESS_KEY_ID=AKID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_SESSION_TOKEN=token,
               AWS_DEFAULT_REGION="us-east-1", AWS_REGION=None)


def frozen_time():
    return mock.patch("botocore.auth.get_current_datetime", return_value=FROZEN)


class Local:
    """An HTTP server on 127.0.0.1: /creds answers as the ECS container credentials endpoint
    (a new key on every call, expiring soon, so botocore refreshes each time); any other path
    is recorded as the service's request and answered with 200."""

    def __init__(self):
        self.received = []
        self.creds_calls = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                if self.path == "/creds":
                    outer.creds_calls += 1
                    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
                        minutes=5
                    )
                    body = json.dumps({
                        "AccessKeyId": f"ASIAROTATED{outer.creds_calls}",
                        "SecretAccessKey": f"secret-{outer.creds_calls}",
                        "Token": f"token-{outer.creds_calls}",
                        "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    }).encode()
                else:
                    n = int(self.headers.get("Content-Length") or 0)
                    outer.received.append(
                        (self.command, self.path, dict(self.headers.items()), self.rfile.read(n))
                    )
                    body = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


# ---------------------------------------------------------------------------------------------
# a: signing


def import_module(path, scratch):
    if os.path.basename(path) != MODULE + ".py":
        shutil.copy(path, os.path.join(scratch, MODULE + ".py"))
        folder = scratch
    else:
        folder = os.path.dirname(os.path.abspath(path))
    sys.path.insert(0, folder)
    # For the processes Airflow may start, too.
    paths = [folder, os.environ.get("PYTHONPATH")]
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return folder


def signing_checks(folder, local):
    import requests

    state = {}

    def import_has_no_side_effects():
        before_env, before_mods = dict(os.environ), set(sys.modules)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            state["m"] = importlib.import_module(MODULE)
        new = set(sys.modules) - before_mods
        assert dict(os.environ) == before_env, "the import changed the environment"
        assert not out.getvalue() and not err.getvalue(), "the import printed something"
        assert not [m for m in new if m.split(".")[0] == "airflow"], "the import loaded Airflow"
        assert state["m"].__file__.startswith(folder), state["m"].__file__

    check("a.import  importing the module has no side effects", import_has_no_side_effects)
    m = state.get("m")
    if m is None:
        return False

    def reference_on_aws_vector():
        # aws-sig-v4-test-suite get-vanilla
        got = reference_signature(
            "GET", "/", {"host": "example.amazonaws.com", "x-amz-date": "20150830T123600Z"},
            ["host", "x-amz-date"], SECRET, "20150830T123600Z", "us-east-1", "service",
            payload_hash=hashlib.sha256(b"").hexdigest(),
        )
        assert got == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", got

    check("a.ref     the SigV4 recomputed here matches AWS's get-vanilla vector",
          reference_on_aws_vector)

    url = "https://orders.shop.internal:443/orders/a%20b/items?b=2&a=1&c=x%2Fy&a=0"
    headers = {"Content-Type": "application/json", "X-Request-Id": "r-1", "x-amz-meta-trace": "t 1"}

    def prepare(body, auth):
        return requests.Request("POST", url, headers=headers, data=body, auth=auth).prepare()

    def signed_as_lattice_wants():
        with fake_keys(), frozen_time():
            auth = m.LatticeSigV4Auth()
            plain = prepare(b'{"id": 7}', None)
            one = prepare(b'{"id": 7}', auth)
            two = prepare(b'{"id": 8, "more": true}', auth)
        sig1 = verify_signed("POST", target_of(one.url), {**one.headers, "host": host_header(url)})
        sig2 = verify_signed("POST", target_of(two.url), {**two.headers, "host": host_header(url)})
        assert sig1 == sig2, "requests differing only in body have different signatures"
        _, signed, _ = parse_authorization(one.headers["Authorization"])
        assert "x-amz-security-token" in signed and "x-amz-meta-trace" in signed, signed
        assert (one.method, one.url, one.body) == (plain.method, plain.url, plain.body), (
            "method, URL or body changed"
        )
        kept = {k: v for k, v in one.headers.items() if k.lower() not in ADDED}
        assert kept == dict(plain.headers), f"headers changed: {kept} != {dict(plain.headers)}"
        assert set(k.lower() for k in one.headers) - set(k.lower() for k in plain.headers) == ADDED

    check("a.sign    POST with a session token: scope, UNSIGNED-PAYLOAD, signature, request kept",
          signed_as_lattice_wants)

    def streamed_body_untouched():
        chunks = iter([b"a", b"b"])
        with fake_keys(), frozen_time():
            p = requests.Request("PUT", url, data=chunks, auth=m.LatticeSigV4Auth()).prepare()
        assert p.body is chunks and next(chunks) == b"a", "the streamed body was read"
        verify_signed("PUT", target_of(p.url), {**p.headers, "host": host_header(url)})

    check("a.stream  a streamed body is neither read nor signed", streamed_body_untouched)

    def no_session_token():
        with fake_keys(token=None), frozen_time():
            p = requests.Request("GET", "https://orders.shop.internal/v1?q=1",
                                 auth=m.LatticeSigV4Auth("user", "pass")).prepare()
        verify_signed("GET", target_of(p.url), {**p.headers, "host": "orders.shop.internal"},
                      token=None)

    check("a.notoken long-term keys (login/password given and ignored): no security token",
          no_session_token)

    def rotating_container_credentials():
        uri = f"http://127.0.0.1:{local.port}/creds"
        with env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, AWS_SESSION_TOKEN=None,
                 AWS_REGION="eu-west-1", AWS_CONTAINER_CREDENTIALS_FULL_URI=uri), frozen_time():
            auth = m.LatticeSigV4Auth()
            first = requests.Request("GET", "https://orders.shop.internal/", auth=auth).prepare()
            second = requests.Request("GET", "https://orders.shop.internal/", auth=auth).prepare()
        keys = []
        for p in (first, second):
            credential, _, _ = parse_authorization(p.headers["Authorization"])
            akid = credential.split("/")[0]
            n = akid.removeprefix("ASIAROTATED")
            verify_signed("GET", "/", {**p.headers, "host": "orders.shop.internal"}, akid=akid,
                          secret=f"secret-{n}", token=f"token-{n}", region="eu-west-1")
            keys.append(akid)
        assert keys[0] != keys[1], f"both requests used {keys[0]}: credentials read once"

    check("a.rotate  ECS container credentials are read per request (rotation)",
          rotating_container_credentials)

    def region_order():
        with env(AWS_REGION="eu-west-1", AWS_DEFAULT_REGION="us-east-1"):
            assert m.LatticeSigV4Auth().region == "eu-west-1"
            assert m.LatticeSigV4Auth(None, None, region="ap-south-1").region == "ap-south-1"
        with env(AWS_REGION=None, AWS_DEFAULT_REGION="us-east-2"):
            assert m.LatticeSigV4Auth().region == "us-east-2"
        with env(AWS_REGION=None, AWS_DEFAULT_REGION=None):
            try:
                m.LatticeSigV4Auth()
            except ValueError as e:
                assert "region" in str(e), str(e)
            else:
                raise AssertionError("no error without a region")
        assert m.LatticeSigV4Auth(region="us-east-1", service="other").service == "other"

    check("a.region  region: argument, AWS_REGION, AWS_DEFAULT_REGION; an error without one",
          region_order)

    def no_credentials():
        with env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, AWS_SESSION_TOKEN=None):
            auth = m.LatticeSigV4Auth(region="us-east-1")
            try:
                requests.Request("GET", "https://orders.shop.internal/", auth=auth).prepare()
            except RuntimeError as e:
                assert "credentials" in str(e), str(e)
            else:
                raise AssertionError("a request was signed without credentials")

    check("a.nocreds a clear error without credentials", no_credentials)
    return True


# ---------------------------------------------------------------------------------------------
# b: Airflow

CANDIDATE_EXTRA = {
    "timeout": 15, "verify": True, "verify_ssl": True, "stream": False, "cert": "/x.pem",
    "proxies": {"https": "http://proxy.invalid:3128"}, "proxy": {"https": "http://p.invalid"},
    "allow_redirects": True, "max_redirects": 5, "trust_env": True, "check_response": True,
    "srv_lookup": False, "auth_type": MODULE + ".LatticeSigV4Auth",
    "auth_kwargs": {"region": "us-east-1"}, "headers": {"X-A": "1"}, "X-Custom": "v",
}


def conn(host="orders.shop.internal", port=443, schema="https", **fields):
    return json.dumps({"conn_type": "http", "host": host, "port": port, "schema": schema, **fields})


def airflow_checks(folder, local):
    os.environ.update({
        "AIRFLOW__HTTP__EXTRA_AUTH_TYPES": MODULE + ".LatticeSigV4Auth",
        "AIRFLOW_CONN_ORDERS": conn(extra={"auth_type": MODULE + ".LatticeSigV4Auth"}),
        "AIRFLOW_CONN_ORDERS_IAM": conn(extra={"timeout": 15}),
        "AIRFLOW_CONN_ORDERS_LOGIN": conn(login="svc", password="pw", extra={"timeout": 15}),
        "AIRFLOW_CONN_LOCAL": conn("127.0.0.1", local.port, "http", extra={"timeout": 15}),
    })
    for i, (key, value) in enumerate(CANDIDATE_EXTRA.items()):
        os.environ[f"AIRFLOW_CONN_PROBE_{i}"] = conn(extra={key: value})
    import requests
    from airflow.providers.http.hooks.http import HttpHook
    from airflow.providers.http.operators.http import HttpOperator

    from meshsynth_lattice_auth import LatticeSigV4Auth

    def extra_auth_type_not_loaded():
        s = HttpHook(method="GET", http_conn_id="orders").get_conn()
        as_header = s.headers.get("auth_type")
        finding(f"b extra auth_type with AIRFLOW__HTTP__EXTRA_AUTH_TYPES set: session.auth="
                f"{type(s.auth).__name__ if s.auth else None}, header auth_type={as_header!r}")
        assert not isinstance(s.auth, LatticeSigV4Auth), (
            "this http provider loads auth_type from the connection extra: the module's "
            "docstring (and meshsynth's connections) should say so"
        )
        assert as_header == MODULE + ".LatticeSigV4Auth", dict(s.headers)

    check("b.extra   auth_type in the connection extra is not loaded (it becomes a header)",
          extra_auth_type_not_loaded)

    def hook_signs(conn_id):
        def run():
            with fake_keys(), frozen_time():
                hook = HttpHook(method="GET", http_conn_id=conn_id, auth_type=LatticeSigV4Auth)
                s = hook.get_conn()
                assert isinstance(s.auth, LatticeSigV4Auth), f"session.auth is {s.auth!r}"
                assert "timeout" not in {k.lower() for k in s.headers}, dict(s.headers)
                assert hook.merged_extra.get("timeout") == 15, hook.merged_extra
                url = hook.url_from_endpoint("orders/7")
                p = s.prepare_request(requests.Request("GET", url, params={"expand": "lines"}))
            assert not p.headers["Authorization"].startswith("Basic"), "basic auth, not SigV4"
            assert "timeout" not in {k.lower() for k in p.headers}, dict(p.headers)
            verify_signed("GET", target_of(p.url), {**p.headers, "host": host_header(url)})
        return run

    check("b.hook    HttpHook(auth_type=LatticeSigV4Auth) signs; extra timeout is no header",
          hook_signs("orders_iam"))
    check("b.login   ... also with a login (auth_type(login, password))",
          hook_signs("orders_login"))

    def operator_signs():
        op = HttpOperator(task_id="get_order", http_conn_id="orders_iam", method="GET",
                          endpoint="orders/7", auth_type=LatticeSigV4Auth)
        with fake_keys():
            s = op.hook.get_conn()
        assert isinstance(s.auth, LatticeSigV4Auth), f"session.auth is {s.auth!r}"

    check("b.operator HttpOperator(auth_type=LatticeSigV4Auth) gives its hook the auth",
          operator_signs)

    def run_sends_signed():
        sent = []
        send = requests.Session.send

        def recording_send(self, request, **kwargs):
            sent.append(kwargs)
            return send(self, request, **kwargs)

        local.received.clear()
        recording = mock.patch.object(requests.Session, "send", recording_send)
        with fake_keys(), frozen_time(), recording:
            hook = HttpHook(method="POST", http_conn_id="local", auth_type=LatticeSigV4Auth)
            r = hook.run("orders?dry=1", json={"sku": "x-1"}, headers={"X-Request-Id": "r-2"})
        assert r.status_code == 200, r.status_code
        assert [kw.get("timeout") for kw in sent] == [15], f"Session.send kwargs: {sent}"
        (method, target, headers, body), = local.received
        assert body == b'{"sku": "x-1"}', body
        assert headers.get("X-Request-Id") == "r-2", headers
        assert "timeout" not in {k.lower() for k in headers}, headers
        verify_signed(method, target, headers)

    check("b.run     HttpHook.run sends a signed request (http://, body unsigned, timeout=15)",
          run_sends_signed)

    def extra_keys():
        consumed, headers = [], []
        for i, key in enumerate(CANDIDATE_EXTRA):
            s = HttpHook(method="GET", http_conn_id=f"probe_{i}").get_conn()
            (headers if key in s.headers else consumed).append(key)
        finding(f"b extra keys HttpHook consumes: {', '.join(consumed)}")
        finding(f"b extra keys HttpHook sends as headers: {', '.join(headers)}")
        assert "timeout" in consumed, "timeout becomes a header"

    check("b.keys    which connection extra keys become headers", extra_keys)

    def dag_processor_finds_no_dag():
        try:
            from airflow.dag_processing.dagbag import DagBag
        except ImportError:
            from airflow.models.dagbag import DagBag
        path = os.path.join(folder, MODULE + ".py")
        bag = DagBag(dag_folder=path, include_examples=False, safe_mode=True)
        (stat,) = bag.dagbag_stats
        assert (bag.dags, bag.import_errors, stat.dag_num) == ({}, {}, 0), (
            bag.dags, bag.import_errors, stat
        )

    check("b.dagbag  the DagBag parses the file: no DAG, no import error",
          dag_processor_finds_no_dag)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    hermetic_env()
    scratch = tempfile.mkdtemp(prefix="meshsynth-lattice-auth-")
    try:
        os.environ.setdefault("AIRFLOW_HOME", os.path.join(scratch, "airflow-home"))
        os.environ.update(AIRFLOW__CORE__LOAD_EXAMPLES="False",
                          AIRFLOW__LOGGING__LOGGING_LEVEL="ERROR")
        folder = import_module(sys.argv[1], scratch)
        local = Local()
        if signing_checks(folder, local):
            check("b.import  Airflow's http provider imports",
                  lambda: importlib.import_module("airflow.providers.http.hooks.http"))
            if results[-1][0]:
                airflow_checks(folder, local)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    failed = [n for ok, n in results if not ok]
    print(f"summary {len(results) - len(failed)} ok, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
