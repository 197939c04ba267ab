"""What the functions' log lines carry: their own correlation id and service, whatever runs beside them.

Locally every function shares one process and one Powertools Logger, so two requests served at
once must not see each other's keys. The real `auth` and `authorizer` handlers run here through
the local stack's FunctionPool, with their services replaced by fakes that wait for each other.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError
from satchel.errors import dependency_failure
from satchel.observability import logger

from infra.functions import SERVICE_NAME
from infra.local.lambdas import FunctionPool
from tests.support.events import api_event, authorizer_event

CALLERS = ("user-a", "user-b")


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the Logger writes, whichever thread writes it."""
    handler = logger.registered_handler
    buffer = io.StringIO()
    previous_stream, previous_level = handler.stream, logger.log_level  # type: ignore[attr-defined]
    handler.stream = buffer  # type: ignore[attr-defined]
    logger.setLevel("INFO")
    try:
        yield buffer
    finally:
        handler.stream = previous_stream  # type: ignore[attr-defined]
        logger.setLevel(previous_level)


def lines(buffer: io.StringIO, message: str) -> list[dict[str, Any]]:
    parsed = [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]
    return [line for line in parsed if line.get("message") == message]


def correlation_id_of(caller: str) -> str:
    return f"trace-for-{caller}"


@dataclass(frozen=True)
class User:
    id: str
    email: str
    roles: tuple[str, ...] = ("user",)


class Rendezvous:
    """Each caller logs only once every caller is inside its handler, keys already set."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(len(CALLERS), timeout=10)

    def meet(self, message: str, caller: str) -> None:
        self.barrier.wait()
        logger.info(message, extra={"caller": caller})


class FakeIdentityService:
    def __init__(self, rendezvous: Rendezvous):
        self.rendezvous = rendezvous

    def me(self, user_id: str) -> User:
        self.rendezvous.meet("looking up the caller", user_id)
        return User(user_id, f"{user_id}@example.test")


class FakeAuthorizer:
    def __init__(self, rendezvous: Rendezvous):
        self.rendezvous = rendezvous

    def authorize(self, event: dict[str, Any]) -> dict[str, Any]:
        caller = event["headers"]["X-Caller"]
        self.rendezvous.meet("authorizing", caller)
        statement = {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}
        return {"principalId": caller, "policyDocument": {"Version": "2012-10-17", "Statement": [statement]}}


class NoRateLimit:
    def hit(self, rate_class: str, principal: str) -> None:
        return None


@pytest.fixture
def rendezvous(monkeypatch: pytest.MonkeyPatch) -> Rendezvous:
    meeting = Rendezvous()
    # Handlers bind these names when FunctionPool imports them, so patch before any invocation.
    monkeypatch.setattr("satchel.identity.service.default_identity_service", lambda: FakeIdentityService(meeting))
    monkeypatch.setattr("satchel.auth.authorizer.default_authorizer", lambda: FakeAuthorizer(meeting))
    monkeypatch.setattr("satchel.ratelimit.limiter.default_rate_limiter", NoRateLimit)
    return meeting


def me_request(caller: str) -> dict[str, Any]:
    return api_event("GET", "/auth/me", headers={"X-Correlation-Id": correlation_id_of(caller)}, principal=caller)


def authorizer_request(caller: str) -> dict[str, Any]:
    return authorizer_event("t", headers={"X-Correlation-Id": correlation_id_of(caller), "X-Caller": caller})


def invoke_concurrently(function: str, events: list[dict[str, Any]]) -> list[Any]:
    pool = FunctionPool()
    with ThreadPoolExecutor(max_workers=len(events)) as threads:
        return list(threads.map(lambda event: pool.invoke(function, event), events))


def test_concurrent_api_requests_log_their_own_correlation_id_and_service(
    rendezvous: Rendezvous, log_lines: io.StringIO
) -> None:
    results = invoke_concurrently("auth", [me_request(caller) for caller in CALLERS])

    assert [result["statusCode"] for result in results] == [200, 200]
    logged = lines(log_lines, "looking up the caller")
    assert sorted(line["caller"] for line in logged) == sorted(CALLERS)
    for line in logged:
        assert line["correlation_id"] == correlation_id_of(line["caller"])
        assert line["service"] == SERVICE_NAME  # what CDK sets, not the name the Logger was built with
        assert line["function_name"] == "auth"


def test_concurrent_authorizations_log_their_own_correlation_id(rendezvous: Rendezvous, log_lines: io.StringIO) -> None:
    results = invoke_concurrently("authorizer", [authorizer_request(caller) for caller in CALLERS])

    assert sorted(result["principalId"] for result in results) == sorted(CALLERS)
    logged = lines(log_lines, "authorizing")
    assert len(logged) == len(CALLERS)
    for line in logged:
        assert line["correlation_id"] == correlation_id_of(line["caller"])
        assert line["service"] == SERVICE_NAME
        assert line["function_name"] == "authorizer"


def test_an_invocation_leaves_no_keys_behind_for_the_next_one(rendezvous: Rendezvous, log_lines: io.StringIO) -> None:
    pool = FunctionPool()
    # A route the function does not have: nothing waits at the rendezvous.
    pool.invoke("auth", api_event("POST", "/auth/nothing", headers={"X-Correlation-Id": "first-request-id"}))
    assert logger.thread_safe_get_current_keys() == {}


def test_aws_failures_log_the_aws_service_without_replacing_the_logs_service(log_lines: io.StringIO) -> None:
    error = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "GetItem")

    dependency_failure("dynamodb", "GetItem", error)

    (line,) = lines(log_lines, "aws call failed")
    assert line["aws_service"] == "dynamodb"
    assert line["operation"] == "GetItem"
    assert line["service"] == logger.service  # Powertools' own key, still the function's service
