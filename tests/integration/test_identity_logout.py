"""POST /auth/logout and GET /auth/me through the gateway: denylist, family revocation, bounds."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.integration.identity_api import IdentityApi, assert_error, claims_of


@pytest.fixture
def identity(stack: Any, monkeypatch: pytest.MonkeyPatch) -> IdentityApi:
    api = IdentityApi.start(stack, monkeypatch)
    api.user("ada@example.com")
    return api


def test_me_returns_the_callers_account(identity: IdentityApi) -> None:
    access = identity.tokens("ada@example.com")["access_token"]

    response = identity.me(access)

    assert response.status == 200, response
    assert response.body == {"id": claims_of(access)["sub"], "email": "ada@example.com", "roles": ["user"]}


def test_me_needs_a_token(identity: IdentityApi) -> None:
    assert_error(identity.call("GET", "/auth/me"), 401, "UNAUTHORIZED")


def test_logout_is_204_and_denies_the_access_token(identity: IdentityApi) -> None:
    access = identity.tokens("ada@example.com")["access_token"]

    response = identity.logout(access)

    assert response.status == 204
    assert response.body is None
    assert not identity.is_accepted(access)
    assert_error(identity.me(access), 401, "UNAUTHORIZED")


def test_logout_denylist_entry_lives_exactly_as_long_as_the_token(identity: IdentityApi) -> None:
    access = identity.tokens("ada@example.com")["access_token"]
    identity.logout(access)

    items = identity.stack.dynamodb.scan(TableName=identity.stack.names.table("revocations"))["Items"]
    entries = {item["entry"]["S"]: int(item["ttl"]["N"]) for item in items}
    claims = claims_of(access)
    # The jti entry may go once the token has expired (plus the verifier's leeway and a minute)
    assert claims["exp"] < entries[f"jti:{claims['jti']}"] <= claims["exp"] + 120
    # The session entry covers any access token the family could still have outstanding
    assert entries[f"sid:{claims['sid']}"] <= int(time.time()) + 900 + 120


def test_logout_ends_the_session_but_not_the_users_other_sessions(identity: IdentityApi) -> None:
    laptop = identity.tokens("ada@example.com")
    phone = identity.tokens("ada@example.com")
    laptop_again = identity.refresh(laptop["refresh_token"]).body  # a second access token of the family

    assert identity.logout(laptop_again["access_token"]).status == 204

    assert not identity.is_accepted(laptop["access_token"])  # same family: denied through its sid
    assert_error(identity.refresh(laptop_again["refresh_token"]), 401, "INVALID_REFRESH_TOKEN")
    assert identity.is_accepted(phone["access_token"])
    assert identity.refresh(phone["refresh_token"]).status == 200


def test_logout_of_a_token_minted_outside_login_denies_just_that_token(identity: IdentityApi) -> None:
    # Local tooling (`make token`) mints tokens without a session; logout still denies them.
    access = identity.stack.token_for(sub="tool-user")

    assert identity.logout(access).status == 204

    assert not identity.is_accepted(access)
    assert identity.is_accepted(identity.stack.token_for(sub="tool-user"))
