"""Key rotation: tokens of the previous kid stay valid until they expire, and no longer."""

from __future__ import annotations

import time
from typing import Any

import pytest
from satchel.auth import access_tokens
from satchel.auth.authorizer import default_authorizer
from satchel.auth.keys import KeySet

from infra.admin.rotate_keys import rotate_signing_keys, withdraw_signing_key
from tests.integration.identity_api import IdentityApi, configure


@pytest.fixture
def identity(stack: Any, monkeypatch: pytest.MonkeyPatch) -> IdentityApi:
    # Key sets are cached per process for 300 s by default; 0 makes every call read the secret,
    # so these tests see a rotation at once (the unknown-kid path is tested separately below).
    api = IdentityApi.start(stack, monkeypatch, JWT_KEY_CACHE_SECONDS="0")
    api.user("ada@example.com")
    return api


def _keys(identity: IdentityApi) -> KeySet:
    raw = identity.stack.secrets.get_secret_value(SecretId=identity.stack.names.jwt_secret)["SecretString"]
    return KeySet.from_json(raw)


def _mint(keys: KeySet, identity: IdentityApi, *, now: int, ttl: int = 900) -> str:
    """A token for ada signed by `keys`, as a function holding that key set would mint it."""
    sub = identity.service.store.user_id_for_email("ada@example.com")
    assert sub is not None
    names = identity.stack.names
    return access_tokens.mint(
        keys, sub=sub, roles=["user"], issuer=names.jwt_issuer, audience=names.jwt_audience, ttl=ttl, now=now
    )


def test_rotation_switches_signing_and_keeps_old_tokens_valid(identity: IdentityApi) -> None:
    # Given a token signed with the original key a little earlier
    old_kid = identity.stack.keys.active_kid
    before = _mint(identity.stack.keys, identity, now=int(time.time()) - 10)

    # When the keys are rotated (no grace: the old key is retired right now)
    rotated = rotate_signing_keys(
        identity.stack.secrets, identity.stack.names.jwt_secret, now=int(time.time()), grace=0
    )

    # Then new logins use the new kid, and both old and new tokens are accepted
    after = identity.tokens("ada@example.com")["access_token"]
    assert rotated.active_kid != old_kid
    assert access_tokens.unverified_kid(after) == rotated.active_kid
    assert access_tokens.unverified_kid(before) == old_kid
    assert identity.is_accepted(before)
    assert identity.is_accepted(after)


def test_old_kid_token_is_refused_once_expired(identity: IdentityApi) -> None:
    now = int(time.time())
    short_lived = _mint(identity.stack.keys, identity, now=now - 100, ttl=90)  # expired 10 s ago
    rotate_signing_keys(identity.stack.secrets, identity.stack.names.jwt_secret, now=now, grace=0)

    assert not identity.is_accepted(short_lived)


def test_old_key_cannot_sign_after_its_retirement(identity: IdentityApi) -> None:
    # A stolen retired key is no good for minting new tokens.
    now = int(time.time())
    rotate_signing_keys(identity.stack.secrets, identity.stack.names.jwt_secret, now=now - 60, grace=0)
    old_key_only = KeySet(active_kid=identity.stack.keys.active_kid, keys=identity.stack.keys.keys)

    assert not identity.is_accepted(_mint(old_key_only, identity, now=now))
    assert identity.is_accepted(_mint(old_key_only, identity, now=now - 61))


def test_grace_lets_a_stale_minter_keep_signing_with_the_old_key(identity: IdentityApi) -> None:
    now = int(time.time())
    rotate_signing_keys(identity.stack.secrets, identity.stack.names.jwt_secret, now=now, grace=300)

    # A function whose cached key set predates the rotation still signs with the old key
    assert identity.is_accepted(_mint(identity.stack.keys, identity, now=now + 1))


def test_two_rotations_within_one_second_both_take_effect(identity: IdentityApi) -> None:
    now = int(time.time())
    secret = identity.stack.names.jwt_secret

    first = rotate_signing_keys(identity.stack.secrets, secret, now=now, grace=0)
    second = rotate_signing_keys(identity.stack.secrets, secret, now=now, grace=0)

    assert first.active_kid != second.active_kid
    assert second.keys[first.active_kid].retired_at == now  # the first new key is retired, not lost
    assert access_tokens.unverified_kid(identity.tokens("ada@example.com")["access_token"]) == second.active_kid


def test_keys_retired_longer_than_any_token_lives_are_dropped(identity: IdentityApi) -> None:
    now = int(time.time())
    first = rotate_signing_keys(identity.stack.secrets, identity.stack.names.jwt_secret, now=now - 7200, grace=0)
    second = rotate_signing_keys(identity.stack.secrets, identity.stack.names.jwt_secret, now=now, grace=0)

    assert identity.stack.keys.active_kid not in second.keys  # retired two hours ago
    assert first.active_kid in second.keys  # retired just now: its tokens may still be live


def test_withdrawn_key_invalidates_its_tokens_at_once(identity: IdentityApi) -> None:
    before = _mint(identity.stack.keys, identity, now=int(time.time()) - 10)
    assert identity.is_accepted(before)
    rotate_signing_keys(identity.stack.secrets, identity.stack.names.jwt_secret, now=int(time.time()), grace=0)

    withdraw_signing_key(identity.stack.secrets, identity.stack.names.jwt_secret, identity.stack.keys.active_kid)

    assert not identity.is_accepted(before)
    assert identity.is_accepted(identity.tokens("ada@example.com")["access_token"])


def test_warm_authorizer_learns_a_new_kid_without_waiting_for_its_cache(
    identity: IdentityApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an authorizer that caches keys for an hour and has already loaded them
    configure(monkeypatch, JWT_KEY_CACHE_SECONDS="3600")
    assert identity.is_accepted(identity.tokens("ada@example.com")["access_token"])

    # When the keys rotate and a token with the new kid arrives
    rotated = rotate_signing_keys(
        identity.stack.secrets, identity.stack.names.jwt_secret, now=int(time.time()), grace=0
    )
    fresh = _mint(rotated, identity, now=int(time.time()))

    # Then the unknown kid makes it refetch once, and the token is accepted
    assert access_tokens.unverified_kid(fresh) == _keys(identity).active_kid
    assert identity.is_accepted(fresh)


def test_made_up_kids_cannot_make_the_authorizer_hammer_secrets_manager(
    identity: IdentityApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a warm authorizer with long key caching
    configure(monkeypatch, JWT_KEY_CACHE_SECONDS="3600")
    valid = identity.tokens("ada@example.com")["access_token"]
    assert identity.is_accepted(valid)
    fetches: list[str] = []
    default_authorizer().keys._client.meta.events.register(
        "before-call.secrets-manager.GetSecretValue", lambda **_: fetches.append("fetch")
    )

    # When 20 tokens with unknown kids arrive within the refresh interval
    for n in range(20):
        header_kid_token = _mint(_keys(identity), identity, now=int(time.time()))
        forged = header_kid_token.replace(header_kid_token.split(".")[0], _header_with_kid(f"made-up-{n}"))
        assert not identity.is_accepted(forged)

    # Then the secret was fetched at most once
    assert len(fetches) <= 1


def _header_with_kid(kid: str) -> str:
    import base64
    import json

    raw = json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
