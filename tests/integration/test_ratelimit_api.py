"""Rate limits per principal and route class, in the shared HTTP edge of every API function."""

from __future__ import annotations

import time
from typing import Any

import pytest
from satchel.ratelimit.limiter import default_rate_limiter

from tests.integration.identity_api import IdentityApi, assert_error, configure

RATE_HEADERS = {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"}


@pytest.fixture
def identity(stack: Any, monkeypatch: pytest.MonkeyPatch) -> IdentityApi:
    api = IdentityApi.start(stack, monkeypatch)
    api.user("ada@example.com")
    return api


def test_auth_class_allows_ten_per_hour_per_address_then_429(identity: IdentityApi) -> None:
    # Given ten login attempts from one address (wrong passwords for many accounts)
    for n in range(10):
        response = identity.login(f"user{n}@example.com", "wrong password!", ip="203.0.113.5")
        assert response.status == 401
        assert response.headers["x-ratelimit-limit"] == "10"
        assert response.headers["x-ratelimit-remaining"] == str(9 - n)

    # When the eleventh arrives, even with the right credentials
    response = identity.login("ada@example.com", ip="203.0.113.5")

    # Then it is refused before any password work, with Retry-After until the window ends
    assert_error(response, 429, "RATE_LIMITED")
    assert response.headers["x-ratelimit-remaining"] == "0"
    reset = int(response.headers["x-ratelimit-reset"])
    assert int(response.headers["retry-after"]) == pytest.approx(reset - time.time(), abs=2)
    assert 0 < reset - time.time() <= 3600
    # Another address is unaffected
    assert identity.login("ada@example.com", ip="203.0.113.6").status == 200


def test_refresh_shares_the_auth_budget(identity: IdentityApi) -> None:
    for _ in range(10):
        identity.refresh("x" * 43, ip="203.0.113.5")

    assert_error(identity.refresh("x" * 43, ip="203.0.113.5"), 429, "RATE_LIMITED")


def test_every_response_of_a_limited_route_carries_the_headers(identity: IdentityApi) -> None:
    tokens = identity.tokens("ada@example.com")

    responses = [
        identity.me(tokens["access_token"]),  # 200
        identity.call("POST", "/auth/login", {"email": 1}),  # 400
        identity.refresh("x" * 43),  # 401 from the function
        identity.logout(tokens["access_token"]),  # 204
    ]

    for response in responses:
        assert set(response.headers) >= RATE_HEADERS, response


def test_authenticated_callers_are_counted_per_user_not_per_address(
    identity: IdentityApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, RATE_LIMIT_GENERAL="3")
    access = identity.tokens("ada@example.com")["access_token"]
    identity.user("bob@example.com")
    bob = identity.tokens("bob@example.com", ip="198.51.100.99")["access_token"]

    statuses = [identity.call("GET", "/auth/me", token=access, ip=f"192.0.2.{n}").status for n in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert identity.me(bob).status == 200  # same default address, another user


def test_classes_have_separate_budgets(identity: IdentityApi) -> None:
    access = identity.tokens("ada@example.com", ip="203.0.113.5")["access_token"]
    for n in range(9):
        identity.login(f"user{n}@example.com", "wrong password!", ip="203.0.113.5")
    assert identity.login("ada@example.com", ip="203.0.113.5").status == 429

    response = identity.me(access)

    assert response.status == 200
    assert response.headers["x-ratelimit-limit"] == "100"


def test_admin_class_limit(identity: IdentityApi) -> None:
    response = identity.patch_user(identity.admin_token(), "nobody", {"disabled": True})

    assert response.status == 404
    assert response.headers["x-ratelimit-limit"] == "200"


def test_a_new_window_resets_the_count(identity: IdentityApi) -> None:
    limiter = default_rate_limiter()
    start = 1_800_000_000 - 1_800_000_000 % limiter.window_seconds
    limiter.clock = lambda: start + 5
    for _ in range(10):
        identity.refresh("x" * 43, ip="203.0.113.5")
    assert identity.refresh("x" * 43, ip="203.0.113.5").status == 429

    limiter.clock = lambda: start + limiter.window_seconds

    response = identity.refresh("x" * 43, ip="203.0.113.5")
    assert response.status == 401
    assert response.headers["x-ratelimit-remaining"] == "9"


def test_counter_is_one_atomic_update_with_a_ttl(identity: IdentityApi) -> None:
    identity.refresh("x" * 43, ip="203.0.113.5")
    identity.refresh("x" * 43, ip="203.0.113.5")

    items = identity.stack.dynamodb.scan(TableName=identity.stack.names.table("rate_limits"))["Items"]
    (item,) = [i for i in items if i["counter"]["S"].startswith("rate#auth#ip:203.0.113.5#")]
    window_start = int(item["counter"]["S"].rsplit("#", 1)[1])
    assert item["hits"] == {"N": "2"}
    assert int(item["ttl"]["N"]) == window_start + 3600 + 60


def test_counter_store_failure_fails_open(identity: IdentityApi) -> None:
    # Given the counter table is gone (an outage of the limiter's store)
    identity.stack.dynamodb.delete_table(TableName=identity.stack.names.table("rate_limits"))

    # Then requests are still served, without rate headers (API Gateway throttling still applies)
    response = identity.refresh("x" * 43)

    assert_error(response, 401, "INVALID_REFRESH_TOKEN")
    assert not RATE_HEADERS & set(response.headers)
