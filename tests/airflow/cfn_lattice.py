"""The VPC Lattice side of tests/airflow/check.py: what a Lattice example's template says about
its services, who may invoke them, and what its Airflow connections should look like. Standard
library only (the parent process of check.py runs it, without Airflow).

A Lattice example is the `vpc_lattice/` folder of an example (`out/<spec>/vpc_lattice/`, with its
own cloudformation/template.json and airflow/). Its App Mesh sibling, `out/<spec>/`, is rendered
from the same spec; the retries and timeouts its routes had are what a Lattice connection's
`timeout` extra and `description` carry over (Lattice itself does not retry).

g lattice (template only, Lattice examples only):

  g.lattice no Envoy        no task definition has a container named `envoy` or a
                            ProxyConfiguration, no IAM statement grants an `appmesh:` action
  g.lattice <role>          per task role with backends: the role's `vpc-lattice-svcs:Invoke`
                            statement(s) name exactly `Fn::Join ["", [{Ref: <Service>}, "/*"]]`
                            per backend (an AWS::VpcLattice::Service of the template), and the
                            backends are exactly the services whose AWS::VpcLattice::AuthPolicy
                            names the role (`Fn::GetAtt [<Role>, Arn]`) as a principal, except
                            the services with AuthType NONE (no policy needed); an AWS_IAM
                            service that is a backend has an auth policy
  g.lattice auth policies   every service auth policy: Allow of vpc-lattice-svcs:Invoke on its
                            own service (`Join [Ref, "/*"]`), task roles of the template as its
                            only principals, no Condition
  g.lattice connections     the component that runs Airflow's tasks may invoke the Lattice service
                            of every connection its `airflow` container has
"""

from __future__ import annotations

import json
import re
from pathlib import Path

INVOKE = "vpc-lattice-svcs:Invoke"
# The SigV4 auth meshsynth writes into a Lattice example's dags folder (src/targets/lattice_auth.py).
AUTH_MODULE = "meshsynth_lattice_auth"
AUTH_CLASS = "LatticeSigV4Auth"


def _as_list(v) -> list:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _glob(pattern: str, text: str) -> bool:
    rx = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.fullmatch(rx, text, re.IGNORECASE) is not None


def grants(statement: dict, action: str) -> bool:
    """Whether an IAM statement's Action (or NotAction) covers `action`."""
    if "Action" in statement:
        return any(isinstance(a, str) and _glob(a, action) for a in _as_list(statement["Action"]))
    if "NotAction" in statement:
        return not any(isinstance(a, str) and _glob(a, action) for a in _as_list(statement["NotAction"]))
    return False


def shown(v) -> str:
    return json.dumps(v, sort_keys=True, separators=(",", ":"))


def service_of_resource(res, services: dict) -> str | None:
    """`Fn::Join ["", [{"Ref": S}, "/*"]]` with S a Lattice service: S; anything else: None."""
    if isinstance(res, dict) and list(res) == ["Fn::Join"]:
        arg = res["Fn::Join"]
        if isinstance(arg, list) and len(arg) == 2 and arg[0] == "" and isinstance(arg[1], list):
            parts = arg[1]
            if len(parts) == 2 and parts[1] == "/*" and isinstance(parts[0], dict) and list(parts[0]) == ["Ref"]:
                lid = parts[0]["Ref"]
                if lid in services:
                    return lid
    return None


def role_of_arn(value, roles: set) -> str | None:
    """`Fn::GetAtt [R, Arn]` (or "R.Arn") with R an AWS::IAM::Role of the template: R."""
    if isinstance(value, dict) and list(value) == ["Fn::GetAtt"]:
        arg = value["Fn::GetAtt"]
        lid, attr = (arg if isinstance(arg, list) and len(arg) == 2 else str(arg).split(".", 1) + [""])[:2]
        if attr == "Arn" and lid in roles:
            return lid
    return None


def lid_of_identifier(value, lids) -> str | None:
    """The resource a ResourceIdentifier / ServiceIdentifier names (GetAtt Id/Arn, or Ref)."""
    if isinstance(value, dict):
        if list(value) == ["Ref"] and value["Ref"] in lids:
            return value["Ref"]
        if list(value) == ["Fn::GetAtt"]:
            arg = value["Fn::GetAtt"]
            lid = arg[0] if isinstance(arg, list) else str(arg).split(".", 1)[0]
            if lid in lids:
                return lid
    return None


class Lattice:
    """The Lattice facts of one example (cfn.Example `ex`)."""

    def __init__(self, ex):
        self.ex = ex
        tpl = ex.tpl
        self.tpl = tpl
        res = tpl.resources
        self.services = {
            lid: r.get("Properties", {}) for lid, r in res.items() if r.get("Type") == "AWS::VpcLattice::Service"
        }
        self.roles = {lid for lid, r in res.items() if r.get("Type") == "AWS::IAM::Role"}
        # Listeners per service: {port: protocol}
        self.listeners: dict[str, dict[int, str]] = {lid: {} for lid in self.services}
        for lid, r in res.items():
            if r.get("Type") != "AWS::VpcLattice::Listener":
                continue
            p = r.get("Properties", {})
            svc = lid_of_identifier(p.get("ServiceIdentifier"), self.services)
            if svc is not None:
                self.listeners[svc][int(tpl.resolve(p.get("Port")))] = tpl.resolve(p.get("Protocol"))
        # Auth policies on services (the service network's own policy is not a service's).
        self.policies: dict[str, list[str]] = {}
        self.other_policies: list[str] = []
        for lid, r in res.items():
            if r.get("Type") != "AWS::VpcLattice::AuthPolicy":
                continue
            svc = lid_of_identifier(r.get("Properties", {}).get("ResourceIdentifier"), self.services)
            if svc is None:
                self.other_policies.append(lid)
            else:
                self.policies.setdefault(svc, []).append(lid)

    # -- services ---------------------------------------------------------------------------
    def auth_type(self, svc: str) -> str:
        return str(self.tpl.resolve(self.services[svc].get("AuthType", "NONE")))

    def by_domain(self, host: str) -> str | None:
        for lid, p in self.services.items():
            if self.tpl.resolve(p.get("CustomDomainName")) == host:
                return lid
        return None

    def service_facts(self, host: str, port) -> dict:
        """What a connection to host:port reaches: the service, its auth type, its listener."""
        svc = self.by_domain(host)
        if svc is None:
            domains = sorted(str(self.tpl.resolve(p.get("CustomDomainName"))) for p in self.services.values())
            return {"problem": f"host {host!r} is the CustomDomainName of no AWS::VpcLattice::Service ({domains})"}
        out = {"service": svc, "auth_type": self.auth_type(svc)}
        protocol = self.listeners[svc].get(port) if isinstance(port, int) else None
        if protocol is None:
            out["problem"] = f"service {svc} has no listener on port {port!r} (listeners: {self.listeners[svc]})"
        out["protocol"] = protocol
        return out

    # -- auth policies ----------------------------------------------------------------------
    def policy_principals(self, policy: str) -> tuple[set[str], list[str]]:
        """The task roles an auth policy lets invoke its service, and what is wrong with it."""
        tpl = self.tpl
        p = tpl.props(policy)
        svc = lid_of_identifier(p.get("ResourceIdentifier"), self.services)
        roles: set[str] = set()
        problems: list[str] = []
        doc = p.get("Policy") or {}
        for i, st in enumerate(_as_list(doc.get("Statement"))):
            if not isinstance(st, dict):
                problems.append(f"{policy} statement {i} is not an object")
                continue
            if st.get("Effect") != "Allow" or not grants(st, INVOKE):
                problems.append(f"{policy} statement {i} is not an Allow of {INVOKE}: {shown(st)}")
                continue
            if "Condition" in st:
                problems.append(f"{policy} statement {i} has a Condition: {shown(st['Condition'])}")
            for r in _as_list(st.get("Resource")):
                if service_of_resource(r, self.services) != svc:
                    problems.append(f"{policy} statement {i} Resource {shown(r)} is not {svc}'s `Join [Ref, \"/*\"]`")
            principal = st.get("Principal")
            aws = principal.get("AWS") if isinstance(principal, dict) and list(principal) == ["AWS"] else None
            if aws is None:
                problems.append(f"{policy} statement {i} Principal {shown(principal)} is not {{AWS: [role ARNs]}}")
                continue
            for a in _as_list(aws):
                role = role_of_arn(a, self.roles)
                if role is None:
                    problems.append(f"{policy} statement {i} principal {shown(a)} is not `Fn::GetAtt [<Role>, Arn]`")
                else:
                    roles.add(role)
        return roles, problems

    # -- task roles -------------------------------------------------------------------------
    def role_documents(self, role: str) -> list[tuple[str, dict]]:
        """The identity policies attached to `role`, unresolved: (source, document)."""
        tpl, ex = self.tpl, self.ex
        out = []
        for pol in tpl.props(role).get("Policies") or []:
            out.append((f"{role}.Policies[{pol.get('PolicyName')}]", pol.get("PolicyDocument") or {}))
        name = tpl.name_of(role)
        attached = set()
        for plid in ex.of_type("AWS::IAM::RolePolicy"):
            if tpl.prop(plid, "RoleName") == name:
                out.append((plid, tpl.props(plid).get("PolicyDocument") or {}))
        for typ in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for plid in ex.of_type(typ):
                if name in (tpl.prop(plid, "Roles") or []):
                    out.append((plid, tpl.props(plid).get("PolicyDocument") or {}))
                    attached.add(plid)
        managed = {tpl.arn_of(m): m for m in ex.of_type("AWS::IAM::ManagedPolicy")}
        for arn in tpl.prop(role, "ManagedPolicyArns") or []:
            m = managed.get(arn)
            if m is not None and m not in attached:
                out.append((m, tpl.props(m).get("PolicyDocument") or {}))
        return out

    def invoked(self, role: str) -> tuple[set[str], list[str]]:
        """The services `role`'s Invoke statements name, and what is not exactly a service."""
        backends: set[str] = set()
        problems: list[str] = []
        for source, doc in self.role_documents(role):
            for st in _as_list(doc.get("Statement")):
                if not isinstance(st, dict) or not grants(st, INVOKE):
                    continue
                if st.get("Effect") != "Allow" or "Condition" in st or "Resource" not in st:
                    problems.append(f"{source}: an {INVOKE} statement that is not a plain Allow on Resource: {shown(st)}")
                    continue
                for r in _as_list(st["Resource"]):
                    svc = service_of_resource(r, self.services)
                    if svc is None:
                        problems.append(
                            f"{source}: {INVOKE} on {shown(r)}, not `Fn::Join [\"\", [{{Ref: <Lattice service>}}, \"/*\"]]`"
                        )
                    else:
                        backends.add(svc)
        return backends, problems


def role_of_task(td) -> str | None:
    """The AWS::IAM::Role lid of a task definition's TaskRoleArn (`Fn::GetAtt [R, Arn]`)."""
    raw = td.raw_task_role
    if isinstance(raw, dict) and list(raw) == ["Fn::GetAtt"]:
        arg = raw["Fn::GetAtt"]
        lid, attr = (arg if isinstance(arg, list) else str(arg).split(".", 1))[:2]
        return lid if attr == "Arn" else None
    return None


def checks(ex) -> list[tuple[str, str, bool, str]]:
    """g lattice: (component, check, ok, detail) rows."""
    lat = Lattice(ex)
    tpl = ex.tpl
    rows: list[tuple[str, str, bool, str]] = []

    # -- no Envoy, no App Mesh --------------------------------------------------------------
    problems = []
    for td in ex.tds:
        if td.container("envoy") is not None:
            problems.append(f"task definition {td.family} has a container named envoy")
        if "ProxyConfiguration" in tpl.props(td.lid):
            problems.append(f"task definition {td.family} has a ProxyConfiguration")
    for role in sorted(lat.roles):
        for source, doc in lat.role_documents(role):
            for st in _as_list(doc.get("Statement")):
                acts = [a for a in _as_list(st.get("Action") if isinstance(st, dict) else None) if isinstance(a, str)]
                bad = [a for a in acts if a.lower().startswith("appmesh:") or a == "*"]
                if bad:
                    problems.append(f"{source} grants {bad}")
    appmesh = sorted(lid for lid, r in tpl.resources.items() if str(r.get("Type", "")).startswith("AWS::AppMesh::"))
    if appmesh:
        problems.append(f"App Mesh resources: {appmesh}")
    rows.append(
        (
            "-",
            "g.lattice no Envoy",
            not problems,
            "\n".join(problems)
            or f"{len(ex.tds)} task definition(s): no envoy container, no ProxyConfiguration, no appmesh: action",
        )
    )

    # -- auth policies ----------------------------------------------------------------------
    admits: dict[str, set[str]] = {}  # role -> services whose auth policy names it
    problems = []
    for svc, pols in sorted(lat.policies.items()):
        if len(pols) > 1:
            problems.append(f"service {svc} has {len(pols)} auth policies: {pols}")
        for pol in pols:
            roles, p = lat.policy_principals(pol)
            problems += p
            for r in roles:
                admits.setdefault(r, set()).add(svc)
    task_roles: dict[str, list[str]] = {}
    for td in ex.tds:
        r = role_of_task(td)
        if r is not None:
            task_roles.setdefault(r, []).append(td.family)
    strangers = sorted(set(admits) - set(task_roles))
    for r in strangers:
        problems.append(f"auth policies of {sorted(admits[r])} name role {r}, the task role of no task definition")
    rows.append(
        (
            "-",
            "g.lattice auth policies",
            not problems,
            "\n".join(problems)
            or f"{sum(len(p) for p in lat.policies.values())} service auth policies: Invoke on their own service, "
            "task roles as principals",
        )
    )

    # -- each task role with backends -------------------------------------------------------
    for td in ex.tds:
        if td.task_role_arn is not None and role_of_task(td) is None:
            rows.append((td.family, "g.lattice task role", False, f"TaskRoleArn {shown(td.raw_task_role)} is no "
                         "`Fn::GetAtt [<AWS::IAM::Role>, Arn]` of the template"))
    for role, families in sorted(task_roles.items()):
        backends, problems = lat.invoked(role)
        admitted = admits.get(role, set())
        if not backends and not admitted and not problems:
            continue  # no backends
        need_policy = {s for s in backends if lat.auth_type(s) != "NONE"}
        for s in sorted(need_policy - admitted):
            if s not in lat.policies:
                problems.append(f"backend {s} has AuthType {lat.auth_type(s)} but no auth policy (Lattice denies every call)")
            else:
                problems.append(f"backend {s}: its auth policy {lat.policies[s]} does not name {role}")
        for s in sorted(admitted - backends):
            problems.append(f"the auth policy of {s} names {role}, but the role's {INVOKE} statement does not name {s}")
        shown_backends = ", ".join(f"{s} ({lat.auth_type(s)})" for s in sorted(backends)) or "none"
        rows.append(
            (
                "/".join(families),
                f"g.lattice {role}",
                not problems,
                "\n".join(problems) or f"invokes exactly {shown_backends}; each AWS_IAM one's auth policy names it",
            )
        )

    # -- Airflow connections of the task runner ---------------------------------------------
    runner = ex.task_runner()
    if runner is not None:
        c = runner.container("airflow")
        wanted: dict[str, str] = {}
        problems = []
        for var, raw in sorted(c.environment.items()):
            if not var.startswith("AIRFLOW_CONN_"):
                continue
            try:
                host = json.loads(raw).get("host")
            except (ValueError, AttributeError):
                continue  # check a reports it
            svc = lat.by_domain(host)
            if svc is None:
                problems.append(f"{var}: host {host!r} is no Lattice service's CustomDomainName")
            else:
                wanted[var] = svc
        if wanted or problems:
            role = role_of_task(runner)
            backends = lat.invoked(role)[0] if role else set()
            for var, svc in wanted.items():
                if svc not in backends:
                    problems.append(f"{var} reaches {svc}, which {runner.family}'s role {role} may not invoke")
            rows.append(
                (
                    runner.family,
                    "g.lattice connections",
                    not problems,
                    "\n".join(problems)
                    or f"its role {role} may invoke the service of each connection: "
                    + ", ".join(f"{v[len('AIRFLOW_CONN_'):].lower()} -> {s}" for v, s in wanted.items()),
                )
            )
    return rows


# --------------------------------------------------------------------------------------------
# The App Mesh sibling: routes' retries and timeouts per virtual service
# --------------------------------------------------------------------------------------------


def _seconds(d) -> float | None:
    if not isinstance(d, dict) or "Value" not in d:
        return None
    v = float(d["Value"])
    return {"ms": v / 1000, "s": v}.get(d.get("Unit", "s"))


def mesh_routes(app_mesh_template: Path, stack: str) -> dict[str, list[dict]]:
    """{virtual service name: [{"route", "max_retries", "per_retry_s", "timeout_s"}]} of the
    routes of the router that provides each virtual service (none when a node provides it)."""
    from cfn import Template

    tpl = Template(app_mesh_template, stack)
    res = tpl.resources
    routers_by_name = {
        tpl.name_of(lid): lid for lid, r in res.items() if r.get("Type") == "AWS::AppMesh::VirtualRouter"
    }
    routes: dict[str, list[dict]] = {}
    for lid, r in res.items():
        if r.get("Type") != "AWS::AppMesh::Route":
            continue
        router = tpl.prop(lid, "VirtualRouterName")
        spec = tpl.prop(lid, "Spec") or {}
        for kind in ("HttpRoute", "Http2Route", "GrpcRoute", "TcpRoute"):
            if kind in spec:
                rs = spec[kind]
                retry = rs.get("RetryPolicy") or {}
                routes.setdefault(router, []).append(
                    {
                        "route": lid,
                        "max_retries": retry.get("MaxRetries"),
                        "per_retry_s": _seconds(retry.get("PerRetryTimeout")),
                        "timeout_s": _seconds((rs.get("Timeout") or {}).get("PerRequest")),
                    }
                )
    out: dict[str, list[dict]] = {}
    for lid, r in res.items():
        if r.get("Type") != "AWS::AppMesh::VirtualService":
            continue
        name = tpl.prop(lid, "VirtualServiceName") or tpl.name_of(lid)
        provider = (tpl.prop(lid, "Spec") or {}).get("Provider") or {}
        router = (provider.get("VirtualRouter") or {}).get("VirtualRouterName")
        out[name] = routes.get(router, []) if router in routers_by_name or router in routes else []
    return out
