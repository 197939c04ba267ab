"""The answers the shared mechanism gives every route, produced for each route of the table.

The OpenAPI document adds these to every route it applies to (satchel.openapi.error_codes): a 400
from contract validation, the authorizer's 401 and AUTHORIZER_FAILURE, the role check's 403, the
rate limiter's 429, 500 INTERNAL_ERROR for an unexpected exception, 503 when DynamoDB fails. Each
test here makes one route give one of them, and checks the status, the envelope and the code; the
check in tests/test_documented_answers.py then knows every route can. Routes get a sample request
each (SAMPLES); the domain answers (404 TOKEN_NOT_FOUND, 409 EMAIL_TAKEN, ...) have their own tests.
The 413 of the API's 10 MB payload cap is produced over HTTP in tests/e2e.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from satchel import aws
from satchel.identity.domain import KNOWN_ROLES
from satchel.openapi import documented_answers, error_codes
from satchel.routes import ADMIN, ROUTES, USER, Route
from satchel.schema import ContractValidator
from satchel.transfers.service import default_service

from infra.local.gateway import Gateway, HttpRequest
from infra.local.lambdas import load_function
from tests.integration.identity_api import DEFAULT_IP, IdentityApi, Reply, assert_error, configure

# The cached factory each API function builds its service with: raising there is a bug anywhere
# below the handler, which the resolver must answer with a 500 that says nothing more.
SERVICE_FACTORIES = {
    "upload_token": "default_service",
    "download_redirect": "default_service",
    "auth": "default_identity_service",
    "admin_users": "default_user_administration",
    "openapi": "_document",
}


@dataclass(frozen=True)
class Sample:
    """A request the route accepts: its path parameters and body (before any domain check)."""

    path: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None

    def target(self, route: Route) -> str:
        target = route.path
        for name, value in self.path.items():
            target = target.replace(f"{{{name}}}", value)
        return target


# Adding a route: add its sample here (test_every_route_has_a_valid_sample says so).
SAMPLES: dict[tuple[str, str], Sample] = {
    ("POST", "/genUploadPresignedURL"): Sample(body={"max_uploads": 1}),
    ("POST", "/artifacts/upload/{token}"): Sample(
        path={"token": "an-unknown-upload-token"},
        body={"filename": "notes.txt", "content_type": "text/plain", "size": 5},
    ),
    ("POST", "/genDownloadPresignedURL"): Sample(body={"artifact_uuid": str(uuid.UUID(int=1))}),
    ("GET", "/artifacts/{token}"): Sample(path={"token": "an-unknown-download-token"}),
    ("HEAD", "/artifacts/{token}"): Sample(path={"token": "an-unknown-download-token"}),
    ("POST", "/auth/login"): Sample(body={"email": "nobody@example.com", "password": "not the password"}),
    ("POST", "/auth/refresh"): Sample(body={"refresh_token": "x" * 43}),
    ("POST", "/auth/logout"): Sample(),
    ("GET", "/auth/me"): Sample(),
    ("POST", "/admin/users"): Sample(
        body={"email": "newcomer@example.com", "password": "a long enough password", "roles": ["user"]}
    ),
    ("PATCH", "/admin/users/{id}"): Sample(path={"id": "user-1"}, body={"disabled": False}),
    ("GET", "/openapi.json"): Sample(),
}


def routes_answering(status: int, code: str | None = None) -> list[Any]:
    """The routes whose documented answers include `status` (and `code` under it), as params."""
    return [
        pytest.param(route, id=f"{route.method} {route.path}")
        for route in ROUTES
        if status in documented_answers(route) and (code is None or code in error_codes(route).get(status, ()))
    ]


def roles_for(route: Route) -> tuple[str, ...]:
    """The roles of a caller the route accepts."""
    return ("admin", "user") if route.roles == ADMIN else ("user",)


@pytest.fixture
def identity(stack: Any, monkeypatch: pytest.MonkeyPatch) -> IdentityApi:
    return IdentityApi.start(stack, monkeypatch)


def send(identity: IdentityApi, route: Route, *, token: str | None = None, body: dict[str, Any] | None = None) -> Reply:
    """The route's sample request through the emulated API Gateway (its authorizer included)."""
    sample = SAMPLES[route.key]
    return identity.call(route.method, sample.target(route), sample.body if body is None else body, token=token)


def caller(identity: IdentityApi, route: Route, roles: tuple[str, ...] | None = None) -> str | None:
    """A valid access token for a protected route (an enabled user with these roles), else None."""
    if not route.auth:
        return None
    granted = roles_for(route) if roles is None else roles
    return identity.stack.token_for(f"caller-{uuid.uuid4().hex[:8]}", roles=granted)


def invoke_function(identity: IdentityApi, route: Route, *, path: dict[str, str] | None = None) -> Reply:
    """The route's function alone, with the event API Gateway sends once its authorizer allowed the
    caller: for answers the authorizer would otherwise preempt, or events no HTTP request makes."""
    sample = SAMPLES[route.key]
    parameters = sample.path if path is None else path
    request = HttpRequest(
        method=route.method,
        target=Sample(path=parameters).target(route),
        headers=[("Host", "api.example.test"), ("Content-Type", "application/json")],
        body=b"" if sample.body is None else json.dumps(sample.body).encode(),
        client_ip=DEFAULT_IP,
    )
    event = Gateway(identity.stack, region="us-east-1").proxy_event(route, parameters, request, str(uuid.uuid4()))
    if route.auth:
        user_id = f"caller-{uuid.uuid4().hex[:8]}"
        identity.stack.add_user(user_id, roles_for(route))
        event["requestContext"]["authorizer"] = {
            "principalId": user_id,
            "roles": ",".join(roles_for(route)),
            "jti": uuid.uuid4().hex,
            "exp": str(int(time.time()) + 900),
        }
    raw = identity.stack.invoke(route.function, event)
    headers = {name.lower(): value for name, value in (raw.get("headers") or {}).items()}
    headers.update({name.lower(): values[-1] for name, values in (raw.get("multiValueHeaders") or {}).items()})
    text = raw.get("body") or ""
    return Reply(status=raw["statusCode"], headers=headers, body=json.loads(text) if text else None)


def assert_documented_error(response: Reply, route: Route, status: int, code: str) -> None:
    assert code in error_codes(route)[status], f"{code} is not documented under {status} for {route.key}"
    assert response.headers["cache-control"] == "no-store"
    if route.method == "HEAD" and response.body is None:
        # API Gateway sends no body with a HEAD answer: the status and headers are all a client sees.
        assert response.status == status, response
        assert response.headers["x-correlation-id"]
        return
    assert_error(response, status, code)


# -- the samples ------------------------------------------------------------------------------
def test_every_route_has_a_valid_sample() -> None:
    assert set(SAMPLES) == {route.key for route in ROUTES}, "add a Sample for each new route to SAMPLES"
    assert set(SERVICE_FACTORIES) == {route.function for route in ROUTES}, "name each new function's factory"
    for route in ROUTES:
        sample = SAMPLES[route.key]
        body = None if sample.body is None else json.dumps(sample.body)
        ContractValidator(route.contract).validate(body=body, path=sample.path, query=None, headers=None)


# -- 400: contract validation -----------------------------------------------------------------
@pytest.mark.parametrize("route", routes_answering(400))
def test_a_request_the_contract_refuses_is_400(identity: IdentityApi, route: Route) -> None:
    if route.contract.body is not None:
        # A misspelt field is refused, never ignored (request bodies are closed).
        body = {**(SAMPLES[route.key].body or {}), "not_a_field": True}
        response = send(identity, route, token=caller(identity, route), body=body)
        assert_documented_error(response, route, 400, "UNKNOWN_FIELD")
        assert response.error["field"] == "not_a_field"
    else:
        # Only path parameters to check: a value that is not Unicode text (a lone surrogate in the
        # event's JSON) is the one that fails even an unconstrained string.
        in_path = route.contract.parameters_in("path")
        if not in_path:
            pytest.fail(f"{route.key} has neither a body nor a path parameter: write its bad request here")
        name = in_path[0].name
        response = invoke_function(identity, route, path={name: "\ud800"})
        assert_documented_error(response, route, 400, "INVALID_REQUEST")
        assert response.error["field"] == name


# -- 401 and 403: the authorizer and the route's roles ----------------------------------------
@pytest.mark.parametrize("route", routes_answering(401, "UNAUTHORIZED"))
def test_a_protected_route_without_a_token_is_401(identity: IdentityApi, route: Route) -> None:
    assert route.auth
    response = send(identity, route)
    assert_documented_error(response, route, 401, "UNAUTHORIZED")


@pytest.mark.parametrize("route", routes_answering(403))
def test_a_caller_without_the_routes_role_is_403(identity: IdentityApi, route: Route) -> None:
    # Every role but the ones the route accepts, through the real authorizer.
    token = caller(identity, route, roles=tuple(sorted(KNOWN_ROLES - route.roles)))
    response = send(identity, route, token=token)
    expected = "ADMIN_REQUIRED" if route.roles == ADMIN else "ROLE_REQUIRED"
    assert route.roles in (ADMIN, USER)
    assert_documented_error(response, route, 403, expected)


# -- 429: the rate limiter ----------------------------------------------------------------------
@pytest.mark.parametrize("route", routes_answering(429, "RATE_LIMITED"))
def test_a_caller_over_the_routes_rate_limit_is_429(
    identity: IdentityApi, route: Route, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, RATE_LIMIT_GENERAL="1", RATE_LIMIT_AUTH="1", RATE_LIMIT_ADMIN="1")
    # Two tokens of one caller (the limit counts the user): logging out denies the first token.
    user_id = f"caller-{uuid.uuid4().hex[:8]}"
    first, second = (identity.stack.token_for(user_id, roles=roles_for(route)) for _ in range(2))
    answered = send(identity, route, token=first if route.auth else None)
    assert answered.status != 429, answered

    response = send(identity, route, token=second if route.auth else None)

    assert_documented_error(response, route, 429, "RATE_LIMITED")
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["x-ratelimit-remaining"] == "0"


# -- 500: a bug, and an authorizer that fails -------------------------------------------------
@pytest.mark.parametrize("route", routes_answering(500, "INTERNAL_ERROR"))
def test_an_unexpected_exception_in_the_service_is_a_bare_500(
    identity: IdentityApi, route: Route, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> Any:
        raise RuntimeError("an internal detail the caller must not see")

    monkeypatch.setattr(load_function(route.function), SERVICE_FACTORIES[route.function], broken)

    response = send(identity, route, token=caller(identity, route))

    assert_documented_error(response, route, 500, "INTERNAL_ERROR")
    assert "internal detail" not in json.dumps(response.body)


@pytest.fixture
def dynamodb_unreachable(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB's endpoint is a loopback port nothing listens on (connections are refused); every
    function starts cold with it. The stack fixture forgets it all afterwards."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    configure(monkeypatch, AWS_ENDPOINT_URL_DYNAMODB=f"http://127.0.0.1:{port}")
    default_service.cache_clear()
    aws.reset_clients()


@pytest.mark.parametrize("route", routes_answering(500, "AUTHORIZER_FAILURE"))
def test_an_authorizer_that_cannot_check_the_caller_is_500(
    identity: IdentityApi, route: Route, dynamodb_unreachable: None
) -> None:
    # The token verifies, but the caller's standing (one DynamoDB read) cannot be checked.
    response = send(identity, route, token=caller(identity, route))

    assert_documented_error(response, route, 500, "AUTHORIZER_FAILURE")


# -- 503: DynamoDB unreachable ----------------------------------------------------------------
@pytest.mark.parametrize("route", routes_answering(503, "SERVICE_UNAVAILABLE"))
def test_a_route_whose_database_is_unreachable_is_503(
    identity: IdentityApi, route: Route, dynamodb_unreachable: None
) -> None:
    # The function alone: through the gateway, the authorizer's own read would fail first (500).
    response = invoke_function(identity, route)

    assert_documented_error(response, route, 503, "SERVICE_UNAVAILABLE")
