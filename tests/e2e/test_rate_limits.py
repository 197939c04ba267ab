"""Rate limits over HTTP at the local stack's default limits.

The fuzzing tier raises the limits of its own stack so that no 429 hides another answer; this
test keeps the 429 itself checked end to end (tests/integration/test_ratelimit_api.py checks the
classes in detail). It calls from loopback addresses of its own (127.0.0.2 and .3), so the
budget it uses up is no other test's: the limiter counts public routes per source address.
"""

from __future__ import annotations

import http.client
import json
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e

OWN_ADDRESS = "127.0.0.2"
OTHER_ADDRESS = "127.0.0.3"
AUTH_LIMIT = 10  # RATE_LIMIT_AUTH's default


def refresh_from(stack: RunningStack, address: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    url = urlsplit(stack.api)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10, source_address=(address, 0))
    try:
        connection.request(
            "POST",
            "/auth/refresh",
            body=json.dumps({"refresh_token": "x" * 43}),
            headers={"Content-Type": "application/json"},
        )
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, json.loads(response.read())
    finally:
        connection.close()


def test_the_auth_class_allows_ten_requests_per_address_then_answers_429(stack: RunningStack) -> None:
    for n in range(AUTH_LIMIT):
        status, headers, _ = refresh_from(stack, OWN_ADDRESS)
        assert status == 401
        assert headers["x-ratelimit-limit"] == str(AUTH_LIMIT)
        assert headers["x-ratelimit-remaining"] == str(AUTH_LIMIT - 1 - n)

    status, headers, body = refresh_from(stack, OWN_ADDRESS)

    assert status == 429
    assert body["error"]["code"] == "RATE_LIMITED"
    assert body["error"]["requestId"] == headers["x-correlation-id"]
    assert headers["cache-control"] == "no-store"
    assert headers["x-ratelimit-remaining"] == "0"
    assert 0 < int(headers["retry-after"]) <= int(headers["x-ratelimit-reset"]) - int(time.time()) + 2
    # Another address still has its own budget.
    assert refresh_from(stack, OTHER_ADDRESS)[0] == 401
