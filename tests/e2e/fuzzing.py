"""Property-based fuzzing of the local stack over HTTP, driven by the OpenAPI document it serves.

Schemathesis loads the document from the running stack's GET /openapi.json (so the served
document is the one tested) and turns each operation into a Hypothesis strategy of requests:
valid ones (positive) and, for operations whose input can be invalid, invalid ones (negative).
Every response must pass `CHECKS`: no 5xx, a status the document declares for the operation, the
declared content type, body and header schemas, invalid input refused with a 4xx, the error
envelope with the request's correlation id on every 4xx/5xx (`error_envelope`), and a missing,
malformed or forged bearer token refused (`auth_enforced`).

Used by tests/e2e/test_fuzz.py (the bounded tier of `make test`) and by `make fuzz`
(`python -m tests.e2e.fuzzing`: 5,000+ cases, counts printed, exit status 1 on any finding).

The fuzzed stack is its own, started with its rate limits raised (`RAISED_LIMITS`) so that no 429
hides another answer; tests/e2e/test_rate_limits.py and the integration tier keep checking 429s at
the default limits. Generation is seeded (`FUZZ_SEED`) and keeps no Hypothesis example database.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import requests
import schemathesis
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from satchel.correlation import CORRELATION_HEADER, correlation_id
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi import checks as openapi_checks

from infra.local.seed import DEFAULT_DEMO_PASSWORD, DEMO_USER_EMAIL, DEMO_USER_ID
from infra.local.token import TOKEN_TTL_SECONDS
from tests.e2e.conftest import LAYER, REPO_ROOT, RunningStack, put_object, start_stack, wait_for

DEFAULT_SEED = 20261121
DEFAULT_CASES = 5000
# Share of an operation's cases generated from its negated schema, when its input can be invalid.
NEGATIVE_SHARE = 0.3
# Share of positive cases in which a generated token, id or email is swapped for one that exists.
REAL_VALUE_SHARE = 0.25

# The fuzzed stack's settings: rate limits and the login lockout at their maxima, so no 429 masks
# another answer, and the cheapest accepted password hash (2^10) so logins and new accounts do not
# dominate the run. Everything else is `make run`'s default.
RAISED_LIMITS = {
    "RATE_LIMIT_GENERAL": "1000000",
    "RATE_LIMIT_AUTH": "1000000",
    "RATE_LIMIT_ADMIN": "1000000",
    "RATE_LIMIT_DOWNLOAD": "1000000",
    "LOGIN_MAX_FAILURES": "100",
    "PASSWORD_SCRYPT_N": "1024",
}

FUZZ_ADMIN_EMAIL = "fuzz-admin@example.com"
FUZZ_PEER_EMAIL = "fuzz-peer@example.com"
FUZZ_PASSWORD = "fuzz-password-0123456789"  # an account of a throwaway local stack
WELL_FORMED_CORRELATION_ID = "fuzz-correlation-0001"
REQUEST_TIMEOUT = 30
# Hypothesis keeps caches (collected constants, Unicode tables) beside the example database it
# would keep in ./.hypothesis; none of it belongs in the repository.
HYPOTHESIS_HOME = Path(tempfile.gettempdir()) / "satchel-hypothesis"


# -- checks -------------------------------------------------------------------------------------
def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value[-1] if isinstance(value, list) else value)
    return None


def error_envelope(ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """X-Correlation-Id on every answer: the caller's well-formed id or API Gateway's request id
    (x-amzn-RequestId; always that one for errors the gateway answers itself). Every 4xx/5xx is
    {"error": {"code", "message", "requestId"}} with requestId = X-Correlation-Id, never cached."""
    correlation = _header(response.headers, CORRELATION_HEADER)
    assert correlation, "no X-Correlation-Id header"
    gateway_id = _header(response.headers, "x-amzn-RequestId")
    sent = _header(case.headers or {}, CORRELATION_HEADER)
    expected = correlation_id({"headers": {CORRELATION_HEADER: sent or ""}}, fallback="")  # "" if not well formed
    assert correlation in {expected or gateway_id, gateway_id}, (
        f"X-Correlation-Id {correlation!r}: expected {expected or gateway_id!r} (sent {sent!r})"
    )
    if response.status_code < 400:
        return
    assert "no-store" in (_header(response.headers, "Cache-Control") or ""), "an error without Cache-Control: no-store"
    if case.method.upper() == "HEAD":
        return  # the answer to a HEAD has no body to check
    assert (_header(response.headers, "Content-Type") or "").startswith("application/json"), "error is not JSON"
    try:
        document = json.loads(response.content or b"")
    except ValueError:
        raise AssertionError(f"error body is not JSON: {response.content[:200]!r}") from None
    error = document.get("error") if isinstance(document, dict) else None
    assert isinstance(error, dict), f"not the error envelope: {document!r}"
    for name in ("code", "message", "requestId"):
        assert isinstance(error.get(name), str) and error[name], f"error.{name} missing or empty: {error}"
    assert error["requestId"] == correlation, f"requestId {error['requestId']!r} != X-Correlation-Id {correlation!r}"


CHECKS: tuple[Callable[..., Any], ...] = (
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.negative_data_rejection,
    error_envelope,
)


# -- the caller: how a case presents itself --------------------------------------------------------
AUTH_ADMIN, AUTH_USER, AUTH_NONE, AUTH_GARBAGE, AUTH_FORGED = "admin", "user", "none", "garbage", "forged"
# Mostly a valid token with both roles, so the routes themselves are reached.
AUTH_MODES = (AUTH_ADMIN,) * 16 + (AUTH_USER, AUTH_NONE, AUTH_GARBAGE, AUTH_FORGED)
# What a protected route must answer to each kind of caller, whatever the rest of the request.
REFUSED = {AUTH_NONE: 401, AUTH_GARBAGE: 401, AUTH_FORGED: 401}


def auth_enforced(mode: str) -> Callable[..., None]:
    def auth_enforced(ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case) -> None:
        """A protected route refuses a missing, malformed or forged token with 401, and a caller
        without the route's role with 403, before anything else about the request matters."""
        if not case.operation.definition.raw.get("security"):
            return
        expected = REFUSED.get(mode)
        if mode == AUTH_USER and "admin" in case.operation.definition.raw.get("x-required-roles", []):
            expected = 403
        if expected is not None:
            assert response.status_code == expected, f"caller '{mode}' answered {response.status_code}, not {expected}"
        if mode in REFUSED:
            # Refused by API Gateway itself, so named by its request id even if the caller sent one.
            correlation = _header(response.headers, CORRELATION_HEADER)
            assert correlation == _header(response.headers, "x-amzn-RequestId"), "a gateway error with another id"

    return auth_enforced


# -- what the fuzzer knows about the stack --------------------------------------------------------
@dataclass
class World:
    """Real values for the fuzzer to use some of the time, made through the API by `prepare`."""

    stack: RunningStack
    admin_id: str
    # Ids a PATCH may change. Never the fuzzer's own (a PATCH dropping its `user` role would turn
    # later cases into 403s) nor the demo user's (disabled, it could not log in or refresh).
    user_ids: list[str]
    emails: list[str]
    upload_tokens: list[str]
    download_tokens: list[str]
    artifact_uuids: list[str]
    refresh_tokens: list[str]
    _tokens: dict[str, tuple[str, float]] = field(default_factory=dict)

    def token(self, mode: str) -> str:
        """A bearer token minted as `make token` mints (no session), reused until half-way to its
        expiry or until a fuzzed logout denies it (`spend`)."""
        sub, roles = (DEMO_USER_ID, ("user",)) if mode == AUTH_USER else (self.admin_id, ("admin", "user"))
        cached = self._tokens.get(sub)
        if cached is None or time.monotonic() - cached[1] > TOKEN_TTL_SECONDS / 2:
            cached = self._tokens[sub] = (self.stack.token(sub=sub, roles=roles), time.monotonic())
        return cached[0]

    def spend(self, token: str) -> None:
        self._tokens = {sub: entry for sub, entry in self._tokens.items() if entry[0] != token}

    def learn(self, case: Any, response: Any) -> None:
        """Keep what the API hands out: the refresh token of every new pair (each is single use)."""
        if response.status_code == 200 and case.operation.path in ("/auth/login", "/auth/refresh"):
            self.refresh_tokens.append(response.json()["refresh_token"])
        if response.status_code == 204 and case.operation.path == "/auth/logout":
            self.spend((_header(case.headers or {}, "Authorization") or "").removeprefix("Bearer "))


def prepare(stack: RunningStack) -> World:
    """The fuzzer's admin (made with the bootstrap command, as an operator makes the first admin),
    then an account, upload and download tokens, artifacts and refresh tokens made through the API."""
    admin = _bootstrap_admin(stack)
    auth = {"Authorization": f"Bearer {stack.token(sub=admin, roles=('admin', 'user'))}"}

    def post(path: str, body: dict[str, Any], headers: Mapping[str, str] | None = None) -> Any:
        response = requests.post(f"{stack.api}{path}", json=body, headers=headers, timeout=REQUEST_TIMEOUT)
        assert response.status_code in (200, 201), f"{path}: {response.status_code} {response.text}"
        return response.json()

    peer = post("/admin/users", {"email": FUZZ_PEER_EMAIL, "password": FUZZ_PASSWORD, "roles": ["user"]}, auth)
    many = post("/genUploadPresignedURL", {"max_uploads": 1000}, auth)["token"]
    once = post("/genUploadPresignedURL", {"max_uploads": 1}, auth)["token"]
    data = b"fuzz"
    stored = post(f"/artifacts/upload/{many}", {"filename": "f.txt", "content_type": "text/plain", "size": len(data)})
    assert put_object(stored, data).status_code == 200
    pending = post(f"/artifacts/upload/{many}", {"filename": "p.txt", "content_type": "text/plain", "size": 1})

    def download_link(max_downloads: int) -> str | None:
        response = requests.post(
            f"{stack.api}/genDownloadPresignedURL",
            json={"artifact_uuid": stored["uuid"], "max_downloads": max_downloads},
            headers=auth,
            timeout=REQUEST_TIMEOUT,
        )
        return str(response.json()["token"]) if response.status_code == 200 else None

    lasting = wait_for(lambda: download_link(1000), timeout=20, what="the fuzzer's upload to become ACTIVE")
    login = {"email": DEMO_USER_EMAIL, "password": DEFAULT_DEMO_PASSWORD}
    return World(
        stack=stack,
        admin_id=admin,
        user_ids=[peer["id"]],
        emails=[DEMO_USER_EMAIL, FUZZ_PEER_EMAIL, FUZZ_ADMIN_EMAIL],
        upload_tokens=[many, once],
        download_tokens=[lasting, post("/genDownloadPresignedURL", {"artifact_uuid": stored["uuid"]}, auth)["token"]],
        artifact_uuids=[stored["uuid"], pending["uuid"]],
        refresh_tokens=[post("/auth/login", login)["refresh_token"]],
    )


def _bootstrap_admin(stack: RunningStack) -> str:
    env = {
        **os.environ,
        "SATCHEL_LOCAL_DIR": str(stack.work_dir),
        "SATCHEL_ADMIN_PASSWORD": FUZZ_PASSWORD,
        "PYTHONPATH": os.pathsep.join([str(LAYER), str(REPO_ROOT)]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "infra.admin.bootstrap", "--local", "--email", FUZZ_ADMIN_EMAIL],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout.strip().splitlines()[-1])["id"])


# -- the document -------------------------------------------------------------------------------
def load_schema(api: str) -> Any:
    """The document the stack serves; requests go to the same stack."""
    config = schemathesis.Config.from_dict(
        {
            "base-url": api,
            # The Authorization header is set per case (see AUTH_MODES), not generated.
            "generation": {"with-security-parameters": False},
        }
    )
    schema = schemathesis.openapi.from_url(f"{api}/openapi.json", config=config, timeout=REQUEST_TIMEOUT)
    # Schemathesis leaves out the operation that served the document unless a filter names it;
    # GET /openapi.json is a route like any other here.
    return schema.include(path_regex="^/")


def operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def negatable(operation: Any) -> bool:
    """Whether the operation takes input that can be invalid: a body, or a constrained parameter
    (a bare string in a path or header has no invalid value to generate)."""
    raw = operation.definition.raw
    return "requestBody" in raw or any(
        set(parameter.get("schema", {})) - {"type"} for parameter in raw.get("parameters", [])
    )


# -- one case -------------------------------------------------------------------------------------
def _present(case: Any, world: World, data: st.DataObject) -> str:
    """Set the caller's token (or none) and sometimes a well-formed correlation id; the mode used."""
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    mode = data.draw(st.sampled_from(AUTH_MODES), label="caller")
    if not case.operation.definition.raw.get("security"):
        mode = AUTH_NONE  # a public route; a token would change nothing
    if mode in (AUTH_ADMIN, AUTH_USER):
        headers["Authorization"] = f"Bearer {world.token(mode)}"
    elif mode == AUTH_GARBAGE:
        headers["Authorization"] = data.draw(st.sampled_from(["Bearer not-a-jwt", "Basic Zm9vOmJhcg==", "Bearer"]))
    elif mode == AUTH_FORGED:
        head, payload, signature = world.token(AUTH_ADMIN).split(".")
        headers["Authorization"] = f"Bearer {head}.{payload}.{signature[::-1]}"
    if data.draw(st.integers(0, 4), label="correlation id") == 0:
        headers[CORRELATION_HEADER] = WELL_FORMED_CORRELATION_ID
    case.headers = headers
    return mode


# Where an existing value may replace a generated one: route -> (location, field, World attribute).
REAL_VALUES = {
    "POST /artifacts/upload/{token}": ("path", "token", "upload_tokens"),
    "GET /artifacts/{token}": ("path", "token", "download_tokens"),
    "HEAD /artifacts/{token}": ("path", "token", "download_tokens"),
    "PATCH /admin/users/{id}": ("path", "id", "user_ids"),
    "POST /genDownloadPresignedURL": ("body", "artifact_uuid", "artifact_uuids"),
    "POST /auth/refresh": ("body", "refresh_token", "refresh_tokens"),
    "POST /admin/users": ("body", "email", "emails"),
}


def _use_real_values(case: Any, world: World, data: st.DataObject) -> None:
    """Positive cases: sometimes a token, id or email that exists instead of a generated one, and
    sometimes the demo user's real credentials for a login."""
    if data.draw(st.integers(0, 99), label="use a real value") >= REAL_VALUE_SHARE * 100:
        return
    route = f"{case.method.upper()} {case.operation.path}"
    if route == "POST /auth/login" and isinstance(case.body, dict):
        case.body.update(email=DEMO_USER_EMAIL, password=DEFAULT_DEMO_PASSWORD)
    elif route in REAL_VALUES:
        location, name, attribute = REAL_VALUES[route]
        container = case.path_parameters if location == "path" else case.body
        pool = getattr(world, attribute)[-5:]  # the newest: older refresh tokens are spent
        if pool and isinstance(container, dict):
            container[name] = data.draw(st.sampled_from(pool), label=name)


# -- running ----------------------------------------------------------------------------------------
@dataclass
class Finding:
    operation: str
    check: str
    title: str
    example: str
    count: int = 1


@dataclass
class OperationReport:
    label: str
    cases: Counter[str] = field(default_factory=Counter)  # coverage, positive, negative
    statuses: Counter[int] = field(default_factory=Counter)
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.cases.values())

    def record(self, failures: FailureGroup, case: Any, response: Any) -> None:
        for failure in failures.exceptions:
            key = (type(failure).__name__, failure.title)
            if key in self.findings:
                self.findings[key].count += 1
                continue
            curl = case.as_curl_command(headers=dict(response.request.headers))
            example = f"{failure.message}\n  answered {response.status_code}: {response.text[:300]}\n  {curl}"
            self.findings[key] = Finding(self.label, type(failure).__name__, failure.title, example)


def operation_seed(seed: int, label: str, mode: str) -> int:
    """One seed per operation and mode, so adding an operation does not change the others' cases."""
    return seed ^ zlib.crc32(f"{label} {mode}".encode())


def fuzz_operation(operation: Any, world: World, *, seed: int, cases: int, coverage: bool = True) -> OperationReport:
    """`cases` generated cases (a share of them invalid, when the input can be), after the
    coverage cases when `coverage`."""
    set_hypothesis_home_dir(HYPOTHESIS_HOME)
    report = OperationReport(operation.label)
    started = time.monotonic()
    if coverage:
        _cover(operation, world, report)
    negative = round(cases * NEGATIVE_SHARE) if negatable(operation) else 0
    for mode, budget in (
        (schemathesis.GenerationMode.POSITIVE, cases - negative),
        (schemathesis.GenerationMode.NEGATIVE, negative),
    ):
        if budget > 0:
            _fuzz(operation, world, report, mode, budget, operation_seed(seed, operation.label, mode.value))
    report.seconds = time.monotonic() - started
    return report


def _cover(operation: Any, world: World, report: OperationReport) -> None:
    """Schemathesis' coverage cases, the same on every run: each schema's boundaries (lengths,
    ranges, patterns, enums) just inside and just outside, each required field missing, each wrong
    type, malformed and unsupported content types, and methods the path does not have. Protected
    routes get a valid token here: the fuzzing cases vary the caller."""
    schema = operation.schema
    cases = schema.iter_coverage_cases(
        operation,
        generation_modes=list(schemathesis.GenerationMode),
        generation_config=schema.config.generation_for(operation=operation),
    )
    secured = bool(operation.definition.raw.get("security"))
    for case in cases:
        headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        if secured:
            headers["Authorization"] = f"Bearer {world.token(AUTH_ADMIN)}"
        case.headers = headers
        _send(case, world, report, "coverage", AUTH_ADMIN if secured else AUTH_NONE)


def _fuzz(operation: Any, world: World, report: OperationReport, mode: Any, budget: int, seed: int) -> None:
    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=budget,
        database=None,  # nothing written into the repository; the seed reproduces a run
        deadline=None,
        phases=[hypothesis.Phase.generate],  # every case is recorded, none raises, so none shrinks
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def one(case: Any, data: st.DataObject) -> None:
        caller = _present(case, world, data)
        if mode == schemathesis.GenerationMode.POSITIVE:
            _use_real_values(case, world, data)
        _send(case, world, report, mode.value, caller)

    # Unsatisfiable: no (more) invalid input to generate for this operation; the counts show it.
    with contextlib.suppress(hypothesis.errors.Unsatisfiable):
        one()


def _send(case: Any, world: World, report: OperationReport, kind: str, caller: str) -> None:
    response = case.call(allow_redirects=False, timeout=REQUEST_TIMEOUT)
    report.cases[kind] += 1
    report.statuses[response.status_code] += 1
    world.learn(case, response)
    try:
        case.validate_response(response, checks=[*CHECKS, auth_enforced(caller)])
    except FailureGroup as failures:
        report.record(failures, case, response)


@dataclass
class Report:
    seed: int
    operations: list[OperationReport]
    document_problems: list[str]

    @property
    def total(self) -> int:
        return sum(op.total for op in self.operations)

    @property
    def statuses(self) -> Counter[int]:
        seen: Counter[int] = Counter()
        for op in self.operations:
            seen.update(op.statuses)
        return seen

    @property
    def findings(self) -> list[Finding]:
        return [finding for op in self.operations for finding in op.findings.values()]

    def render(self) -> str:
        def statuses(counts: Counter[int]) -> str:
            return " ".join(f"{status}:{count}" for status, count in sorted(counts.items()))

        seconds = sum(op.seconds for op in self.operations)
        lines = [
            f"seed {self.seed}: {self.total} cases over {len(self.operations)} operations in {seconds:.0f} s",
            f"{'operation':34} {'cases':>5} {'coverage':>8} {'valid':>5} {'invalid':>7} {'s':>4}  statuses",
        ]
        for op in self.operations:
            kinds = op.cases
            lines.append(
                f"{op.label:34} {op.total:5} {kinds['coverage']:8} {kinds['positive']:5} {kinds['negative']:7} "
                f"{op.seconds:4.0f}  {statuses(op.statuses)}"
            )
        lines.append(f"statuses seen: {statuses(self.statuses)}")
        server_errors = sum(count for status, count in self.statuses.items() if status >= 500)
        findings = len(self.findings) + len(self.document_problems)
        lines.append(f"5xx: {server_errors}  findings: {findings}")
        lines += [f"- document: {problem}" for problem in self.document_problems]
        lines += [f"- {f.operation} [{f.check}] x{f.count}: {f.example}" for f in self.findings]
        return "\n".join(lines)


def document_problems(stack: RunningStack, schema: Any) -> list[str]:
    """The served document must be the committed one, and name every route of the table."""
    from satchel.routes import ROUTES

    served = requests.get(f"{stack.api}/openapi.json", timeout=REQUEST_TIMEOUT).json()
    problems = []
    if served != json.loads((REPO_ROOT / "docs" / "openapi.json").read_text()):
        problems.append("GET /openapi.json differs from docs/openapi.json (run `make openapi`)")
    routes = {f"{route.method} {route.path}" for route in ROUTES}
    if (labels := {op.label for op in operations(schema)}) != routes:
        problems.append(f"operations {sorted(labels ^ routes)} are in only one of the document and the route table")
    return problems


def cases_per_operation(total: int, operation_count: int) -> int:
    return -(-total // operation_count)


def fuzz(stack: RunningStack, *, seed: int, cases: int, labels: Iterable[str] | None = None) -> Report:
    world = prepare(stack)
    schema = load_schema(stack.api)
    chosen = [op for op in operations(schema) if labels is None or op.label in set(labels)]
    each = cases_per_operation(cases, len(chosen))
    reports = [fuzz_operation(op, world, seed=seed, cases=each) for op in chosen]
    return Report(seed=seed, operations=reports, document_problems=document_problems(stack, schema))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED") or DEFAULT_SEED))
    parser.add_argument("--cases", type=int, default=int(os.environ.get("FUZZ_CASES") or DEFAULT_CASES))
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="satchel-fuzz-"))
    started = time.monotonic()
    print(f"fuzzing a local stack with raised limits (seed {args.seed}, {args.cases} cases)", flush=True)
    stack = start_stack(work, env=RAISED_LIMITS)
    try:
        report = fuzz(stack, seed=args.seed, cases=args.cases)
    finally:
        stack.stop()
    print(report.render())
    print(f"wall time {time.monotonic() - started:.0f} s (stack start and set-up included)")
    if report.findings or report.document_problems:
        print(f"the stack's log is kept in {work / 'server.log'}")
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
