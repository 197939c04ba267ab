"""IdentityStore against moto: each conditional write refuses for the right, named reason."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest
from satchel.errors import Conflict, NotFound
from satchel.identity.domain import RefreshToken, Session
from satchel.identity.store import IdentityStore, RefreshRefused, RefusalReason

from tests.integration.identity_api import IdentityApi

NOW = int(time.time())


@pytest.fixture
def identity(stack: Any, monkeypatch: pytest.MonkeyPatch) -> IdentityApi:
    return IdentityApi.start(stack, monkeypatch)


@pytest.fixture
def store(identity: IdentityApi) -> IdentityStore:
    return identity.service.store


def _session(store: IdentityStore, user_id: str) -> RefreshToken:
    session = Session(session_id="s-1", user_id=user_id, created_at=NOW, expires_at=NOW + 86400)
    token = RefreshToken("h-1", "s-1", user_id, NOW, NOW, NOW + 3600, None)
    store.start_session(session, token, ttl=NOW + 2 * 86400)
    return token


def _successor(token: RefreshToken, suffix: str = "2") -> RefreshToken:
    return dataclasses.replace(token, token_hash=f"h-{suffix}", issued_at=NOW + 1)


def test_rotation_of_an_already_rotated_token_is_refused_as_such(identity: IdentityApi, store: IdentityStore) -> None:
    token = _session(store, identity.user("ada@example.com").id)
    store.rotate_refresh_token(token, _successor(token), now=NOW + 1, ttl=NOW + 86400)

    with pytest.raises(RefreshRefused) as refused:
        store.rotate_refresh_token(token, _successor(token, "3"), now=NOW + 2, ttl=NOW + 86400)

    assert refused.value.reason is RefusalReason.ALREADY_ROTATED


def test_rotation_in_a_revoked_session_is_refused_as_such(identity: IdentityApi, store: IdentityStore) -> None:
    token = _session(store, identity.user("ada@example.com").id)
    store.revoke_session("s-1", now=NOW, reason="logout", denials=[])

    with pytest.raises(RefreshRefused) as refused:
        store.rotate_refresh_token(token, _successor(token), now=NOW + 1, ttl=NOW + 86400)

    assert refused.value.reason is RefusalReason.SESSION_REVOKED


def test_rotation_for_a_disabled_user_is_refused_as_such(identity: IdentityApi, store: IdentityStore) -> None:
    user = identity.user("ada@example.com")
    token = _session(store, user.id)
    store.update_user(user.id, now=NOW + 1, disabled=True)

    with pytest.raises(RefreshRefused) as refused:
        store.rotate_refresh_token(token, _successor(token), now=NOW + 1, ttl=NOW + 86400)

    assert refused.value.reason is RefusalReason.USER_INACTIVE


def test_rotation_of_an_expired_token_fails_its_condition(identity: IdentityApi, store: IdentityStore) -> None:
    token = _session(store, identity.user("ada@example.com").id)

    with pytest.raises(RefreshRefused):
        store.rotate_refresh_token(token, _successor(token), now=token.expires_at, ttl=NOW + 86400)


def test_duplicate_email_and_duplicate_id_are_distinct_conflicts(identity: IdentityApi) -> None:
    identity.service.create_user(email="ada@example.com", password="x" * 12, roles=["user"], user_id="ada")

    with pytest.raises(Conflict) as email_taken:
        identity.service.create_user(email="ADA@example.com", password="x" * 12, roles=["user"])
    with pytest.raises(Conflict) as id_taken:
        identity.service.create_user(email="other@example.com", password="x" * 12, roles=["user"], user_id="ada")

    assert email_taken.value.code == "EMAIL_TAKEN"
    assert id_taken.value.code == "USER_EXISTS"


def test_a_session_can_only_be_ended_by_its_owner(identity: IdentityApi, store: IdentityStore) -> None:
    _session(store, identity.user("ada@example.com").id)

    with pytest.raises(NotFound):
        store.revoke_session("s-1", now=NOW, reason="logout", denials=[], owner="someone-else")


def test_revoking_twice_keeps_the_first_time_and_reason(identity: IdentityApi, store: IdentityStore) -> None:
    _session(store, identity.user("ada@example.com").id)
    store.revoke_session("s-1", now=NOW, reason="refresh_token_reuse", denials=[])
    store.revoke_session("s-1", now=NOW + 50, reason="logout", denials=[])

    item = identity.stack.dynamodb.get_item(
        TableName=identity.stack.names.table("sessions"), Key={"session_id": {"S": "s-1"}}
    )["Item"]
    assert item["revoked_at"] == {"N": str(NOW)}
    assert item["revoked_reason"] == {"S": "refresh_token_reuse"}
