"""Identity figures: authorizer verification per request, one password check, calls per request.

Everything runs in-process against moto. The authorizer's full figure includes moto's emulation
of the BatchGetItem (Python, no network), so it overstates the DynamoDB part; the CPU-only figure
is what the function itself spends verifying a token.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

# Imported first: its call counter must be in botocore's handler list before any session exists.
from bench.aws_calls import COUNTER
from bench.report import Section

VERIFY_RUNS = 2000
AUTHORIZE_RUNS = 300
PASSWORD_RUNS = 7
EMAIL, PASSWORD = "bench@example.com", "bench password, long enough"


def _median_ms(action: Callable[[], Any], runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def _measure(names: Any) -> tuple[list[list[str]], list[tuple[str, list[str]]]]:
    from satchel.auth import access_tokens
    from satchel.auth.authorizer import default_authorizer
    from satchel.identity.service import default_identity_service

    from infra.local.lambdas import invoke
    from tests.support.events import api_event, authorizer_event

    identity = default_identity_service()
    identity.create_user(email=EMAIL, password=PASSWORD, roles=["user"])
    pair = identity.login(EMAIL, PASSWORD)
    authorizer = default_authorizer()
    authorizer.authorize(authorizer_event(pair.access_token))  # warm: keys and clients loaded
    keys = authorizer.keys.get()
    settings = authorizer.settings

    rows = []
    verify_ms = _median_ms(
        lambda: access_tokens.verify(
            pair.access_token, keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience
        ),
        VERIFY_RUNS,
    )
    rows.append(["authorizer: signature + claims (CPU only)", f"{verify_ms * 1000:.0f} µs", f"median of {VERIFY_RUNS}"])
    authorize_ms = _median_ms(lambda: authorizer.authorize(authorizer_event(pair.access_token)), AUTHORIZE_RUNS)
    rows.append(
        [
            "authorizer: warm authorize() incl. BatchGetItem (moto)",
            f"{authorize_ms:.2f} ms",
            f"median of {AUTHORIZE_RUNS}",
        ]
    )
    hasher = identity.hasher
    stored = hasher.hash(PASSWORD)
    password_ms = _median_ms(lambda: hasher.verify(PASSWORD, stored), PASSWORD_RUNS)
    p = hasher.params
    rows.append(
        [
            f"password check: scrypt n=2^{p.n.bit_length() - 1} r={p.r} p={p.p}",
            f"{password_ms:.0f} ms",
            f"median of {PASSWORD_RUNS}",
        ]
    )

    # Calls per request, on warm functions, through the real handlers (authorizer context as API Gateway passes it).
    def with_context(event: dict[str, Any], token: str) -> dict[str, Any]:
        policy = authorizer.authorize(authorizer_event(token))
        context = {k: str(v) for k, v in policy["context"].items()}
        event["requestContext"]["authorizer"] = {"principalId": policy["principalId"], **context}
        return event

    def login() -> dict[str, Any]:
        return api_event("POST", "/auth/login", body={"email": EMAIL, "password": PASSWORD})

    calls: list[tuple[str, list[str]]] = []

    def count(label: str, function: str, event: dict[str, Any]) -> dict[str, Any]:
        with COUNTER.counting() as seen:
            result: dict[str, Any] = invoke(function, event)
        assert result["statusCode"] in (200, 204), result
        calls.append((label, list(seen)))
        return result

    invoke("auth", login())  # cold
    tokens = json.loads(count("POST /auth/login", "auth", login())["body"])
    me_event = with_context(api_event("GET", "/auth/me"), tokens["access_token"])
    count("GET /auth/me", "auth", me_event)
    refreshed = json.loads(
        count(
            "POST /auth/refresh",
            "auth",
            api_event("POST", "/auth/refresh", body={"refresh_token": tokens["refresh_token"]}),
        )["body"]
    )
    with COUNTER.counting() as seen:
        authorizer.authorize(authorizer_event(refreshed["access_token"]))
    calls.append(("authorizer (uncached call)", list(seen)))
    count("POST /auth/logout", "auth", with_context(api_event("POST", "/auth/logout"), refreshed["access_token"]))
    return rows, calls


def run() -> Section:
    import boto3
    from moto import mock_aws
    from satchel import aws, settings

    from bench.environment import lambda_environment
    from infra.local.resources import LocalNames, provision

    names = LocalNames()
    saved = dict(os.environ)
    os.environ.update(lambda_environment("bench"))
    os.environ.pop("LAMBDA_TASK_ROOT", None)
    os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    settings.reset_cache()
    aws.reset_clients()
    try:
        with mock_aws():
            clients = {n: boto3.client(n, region_name="us-east-1") for n in ("s3", "dynamodb", "sqs", "secretsmanager")}
            provision(clients, names)
            rows, calls = _measure(names)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        settings.reset_cache()
        aws.reset_clients()

    section = Section(title="Identity (in-process, moto)", columns=["measurement", "value", "how"])
    section.rows.extend(rows)
    limiter_table = names.table("rate_limits")
    for label, seen in calls:
        # The shared HTTP edge counts the request before the route runs, so its update is the first call.
        limiter = 1 if seen[:1] == [f"dynamodb.UpdateItem({limiter_table})"] else 0
        shown = ", ".join(c.replace(names.table_prefix, "") for c in seen)
        section.rows.append([f"AWS calls: {label}", f"{len(seen) - limiter} (+{limiter} rate limit)", shown])
    section.notes.append(
        "`+1 rate limit` is the per-request counter update of the shared HTTP edge. Login's own "
        "UpdateItem(rate_limits) reserves the attempt against the per-account lockout (conditional, "
        "before the password check) and its DeleteItem(rate_limits) clears the window after a success. "
        "The authorizer makes one BatchGetItem per uncached call."
    )
    section.notes.append(
        "The password check runs once per login (and once against a dummy hash for unknown emails). "
        "Lambda allocates CPU in proportion to memory; one full vCPU comes at 1769 MB, which is the "
        "size proposed for the auth function so a login pays about this figure, not a multiple of it."
    )
    return section


if __name__ == "__main__":
    print(run().markdown())
