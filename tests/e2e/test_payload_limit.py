"""API Gateway's 10 MB payload cap at the local stack's HTTP edge: 413 PAYLOAD_TOO_LARGE.

API Gateway refuses a larger request itself (REQUEST_TOO_LARGE) before any authorizer or function
runs, so the route's function never sees it. The OpenAPI document lists this 413 for every route
that takes a body (satchel.openapi.error_codes).
"""

from __future__ import annotations

import pytest
import requests
from satchel.openapi import MAX_REQUEST_BYTES, error_codes
from satchel.routes import ROUTES, Route

from tests.e2e.conftest import RunningStack, assert_envelope

pytestmark = pytest.mark.e2e

ROUTES_WITH_A_BODY = [
    pytest.param(route, id=f"{route.method} {route.path}")
    for route in ROUTES
    if "PAYLOAD_TOO_LARGE" in error_codes(route).get(413, ())
]
# Concrete values for the path parameters; the request never gets as far as using them.
PATH_VALUES = {"token": "an-unknown-token", "id": "demo-user"}


def oversized_json() -> bytes:
    """A JSON object one byte over the cap."""
    head, tail = b'{"padding": "', b'"}'
    return head + b"a" * (MAX_REQUEST_BYTES + 1 - len(head) - len(tail)) + tail


def target(route: Route) -> str:
    path = route.path
    for name, value in PATH_VALUES.items():
        path = path.replace(f"{{{name}}}", value)
    return path


def test_every_route_that_takes_a_body_is_covered() -> None:
    covered = [param.values[0].key for param in ROUTES_WITH_A_BODY]  # type: ignore[union-attr]
    assert covered == [route.key for route in ROUTES if route.contract.body is not None]


@pytest.mark.parametrize("route", ROUTES_WITH_A_BODY)
def test_a_request_over_ten_megabytes_is_413(stack: RunningStack, route: Route) -> None:
    body = oversized_json()
    assert len(body) == MAX_REQUEST_BYTES + 1
    headers = {"Content-Type": "application/json", **(stack.auth() if route.auth else {})}

    response = requests.request(route.method, f"{stack.api}{target(route)}", data=body, headers=headers, timeout=60)

    error = assert_envelope(response, 413, "PAYLOAD_TOO_LARGE")
    # A gateway response: API Gateway's request id in the body and both headers, never cached.
    assert response.headers["X-Correlation-Id"] == response.headers["x-amzn-RequestId"] == error["requestId"]
    assert response.headers["Cache-Control"] == "no-store"
