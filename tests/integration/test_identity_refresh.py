"""POST /auth/refresh: rotation, reuse detection revoking the family, expiry, logout, races."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from satchel.errors import Unauthorized
from satchel.identity.domain import RefreshToken
from satchel.identity.store import IdentityStore
from satchel.secrets import hash_token

from tests.integration.identity_api import Clock, IdentityApi, assert_error, claims_of


@pytest.fixture
def identity(stack: Any, monkeypatch: pytest.MonkeyPatch) -> IdentityApi:
    api = IdentityApi.start(stack, monkeypatch)
    api.user("ada@example.com")
    return api


def test_refresh_rotates_the_pair(identity: IdentityApi) -> None:
    first = identity.tokens("ada@example.com")

    response = identity.refresh(first["refresh_token"])

    assert response.status == 200, response
    second = response.body
    assert second["token_type"] == "Bearer"
    assert second["refresh_token"] != first["refresh_token"]
    assert claims_of(second["access_token"])["sid"] == claims_of(first["access_token"])["sid"]
    assert claims_of(second["access_token"])["jti"] != claims_of(first["access_token"])["jti"]
    assert identity.is_accepted(second["access_token"])
    assert identity.refresh(second["refresh_token"]).status == 200


def test_a_rotated_token_stops_working(identity: IdentityApi) -> None:
    first = identity.tokens("ada@example.com")
    assert identity.refresh(first["refresh_token"]).status == 200

    assert_error(identity.refresh(first["refresh_token"]), 401, "INVALID_REFRESH_TOKEN")


def test_reuse_revokes_the_whole_family(identity: IdentityApi) -> None:
    # Given a family that was refreshed once (the thief and the user both hold a token of it)
    first = identity.tokens("ada@example.com")
    second = identity.refresh(first["refresh_token"]).body

    # When the already-rotated token is presented again
    assert_error(identity.refresh(first["refresh_token"]), 401, "INVALID_REFRESH_TOKEN")

    # Then the newest refresh token is dead too, and so are the family's access tokens
    assert_error(identity.refresh(second["refresh_token"]), 401, "INVALID_REFRESH_TOKEN")
    assert not identity.is_accepted(second["access_token"])
    assert not identity.is_accepted(first["access_token"])


def test_reuse_leaves_other_sessions_alone(identity: IdentityApi) -> None:
    laptop = identity.tokens("ada@example.com")
    phone = identity.tokens("ada@example.com")
    identity.refresh(laptop["refresh_token"])
    identity.refresh(laptop["refresh_token"])  # reuse: the laptop family dies

    assert identity.refresh(phone["refresh_token"]).status == 200
    assert identity.is_accepted(phone["access_token"])


class ReadsFromBefore:
    """The store as a caller saw it when it read the token before a concurrent caller wrote."""

    def __init__(self, store: IdentityStore, snapshot: RefreshToken) -> None:
        self._store, self._snapshot = store, snapshot

    def get_refresh_token(self, token_hash: str) -> RefreshToken | None:
        return self._snapshot

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_concurrent_refreshes_of_one_token_cannot_both_succeed(identity: IdentityApi) -> None:
    # Given two callers that both read the same unrotated refresh token
    # (interleaved by hand: moto does not make transactions atomic across threads; DynamoDB does)
    refresh = identity.tokens("ada@example.com")["refresh_token"]
    first_caller = identity.service
    snapshot = first_caller.store.get_refresh_token(hash_token(refresh))
    assert snapshot is not None and snapshot.rotated_at is None
    second_caller = dataclasses.replace(first_caller, store=ReadsFromBefore(first_caller.store, snapshot))

    # When the first rotates it and then the second tries with what it read
    winner = first_caller.refresh(refresh)
    with pytest.raises(Unauthorized):
        second_caller.refresh(refresh)

    # Then only one successor exists, and the loser's attempt ended the family as reuse
    items = identity.stack.dynamodb.scan(TableName=identity.stack.names.table("refresh_tokens"))["Items"]
    assert len(items) == 2
    assert_error(identity.refresh(winner.refresh_token), 401, "INVALID_REFRESH_TOKEN")


def test_expired_refresh_token_is_refused(identity: IdentityApi) -> None:
    refresh = identity.tokens("ada@example.com")["refresh_token"]
    clock = Clock(identity.service.clock())
    identity.service.clock = clock
    clock.now += identity.service.settings.refresh_token_ttl + 1

    assert_error(identity.refresh(refresh), 401, "INVALID_REFRESH_TOKEN")


def test_refresh_just_before_expiry_still_works(identity: IdentityApi) -> None:
    refresh = identity.tokens("ada@example.com")["refresh_token"]
    clock = Clock(identity.service.clock())
    identity.service.clock = clock
    clock.now += identity.service.settings.refresh_token_ttl - 5

    assert identity.refresh(refresh).status == 200


def test_family_cannot_outlive_its_maximum_lifetime(identity: IdentityApi) -> None:
    # Given a session refreshed every 20 days
    settings = identity.service.settings
    clock = Clock(identity.service.clock())
    identity.service.clock = clock
    refresh = identity.tokens("ada@example.com")["refresh_token"]
    started = clock.now
    while clock.now + 20 * 86400 < started + settings.session_max_lifetime:
        clock.now += 20 * 86400
        response = identity.refresh(refresh)
        assert response.status == 200, response
        refresh = response.body["refresh_token"]
        # The last token of a family expires with the family
        assert response.body["refresh_expires_in"] <= started + settings.session_max_lifetime - clock.now

    # When the family's maximum lifetime has passed
    clock.now = started + settings.session_max_lifetime

    # Then no rotation extends it
    assert_error(identity.refresh(refresh), 401, "INVALID_REFRESH_TOKEN")


def test_refresh_after_logout_is_refused(identity: IdentityApi) -> None:
    tokens = identity.tokens("ada@example.com")
    assert identity.logout(tokens["access_token"]).status == 204

    assert_error(identity.refresh(tokens["refresh_token"]), 401, "INVALID_REFRESH_TOKEN")


def test_disabled_user_cannot_refresh(identity: IdentityApi) -> None:
    tokens = identity.tokens("ada@example.com")
    user_id = claims_of(tokens["access_token"])["sub"]
    identity.service.update_user(user_id, roles=None, disabled=True)

    assert_error(identity.refresh(tokens["refresh_token"]), 401, "INVALID_REFRESH_TOKEN")


def test_re_enabling_a_user_does_not_revive_old_sessions(identity: IdentityApi) -> None:
    tokens = identity.tokens("ada@example.com")
    user_id = claims_of(tokens["access_token"])["sub"]
    clock = Clock(identity.service.clock())
    identity.service.clock = clock
    clock.now += 5
    identity.service.update_user(user_id, roles=None, disabled=True)
    clock.now += 5
    identity.service.update_user(user_id, roles=None, disabled=False)

    assert_error(identity.refresh(tokens["refresh_token"]), 401, "INVALID_REFRESH_TOKEN")
    assert not identity.is_accepted(tokens["access_token"])


def test_refreshed_access_token_carries_current_roles(identity: IdentityApi) -> None:
    tokens = identity.tokens("ada@example.com")
    user_id = claims_of(tokens["access_token"])["sub"]
    identity.service.update_user(user_id, roles=["admin", "user"], disabled=None)

    refreshed = identity.refresh(tokens["refresh_token"]).body

    assert claims_of(refreshed["access_token"])["roles"] == ["admin", "user"]


@pytest.mark.parametrize("garbage", ["", "short", "x" * 300, "not a token!", "a.b.c"])
def test_garbage_refresh_token_is_401(identity: IdentityApi, garbage: str) -> None:
    assert_error(identity.refresh(garbage), 401, "INVALID_REFRESH_TOKEN")
