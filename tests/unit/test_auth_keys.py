"""Signing keys: rotation, pruning, withdrawal and the key-set cache's unknown-kid guard."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from satchel.auth import access_tokens
from satchel.auth.keys import (
    GENERATED_KEY_FIELD,
    GENERATED_KID,
    KeySet,
    KeySetProvider,
    new_key_set,
    prune,
    rotate,
    withdraw,
)
from satchel.errors import DependencyFailure, Unauthorized

ISS, AUD = "https://issuer.test", "api"


class FakeSecrets:
    def __init__(self, keys: KeySet) -> None:
        self.keys = keys
        self.fetches = 0

    def get_secret_value(self, SecretId: str) -> dict[str, Any]:
        self.fetches += 1
        return {"SecretString": self.keys.to_json()}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _mint(keys: KeySet, now: int, ttl: int = 900) -> str:
    return access_tokens.mint(keys, sub="u", roles=["user"], issuer=ISS, audience=AUD, ttl=ttl, now=now)


def _verify(token: str, keys: KeySet) -> access_tokens.AccessClaims:
    return access_tokens.verify(token, keys, issuer=ISS, audience=AUD)


def test_retired_key_verifies_tokens_issued_before_retirement_only() -> None:
    now = int(time.time())
    original = new_key_set("k1")
    rotated = rotate(original, "k2", now=now)

    assert _verify(_mint(original, now - 10), rotated).sub == "u"
    with pytest.raises(Unauthorized):
        _verify(_mint(original, now), rotated)  # signed with k1 at/after its retirement
    assert _verify(_mint(rotated, now), rotated).sub == "u"


def test_rotation_refuses_a_reused_kid() -> None:
    with pytest.raises(ValueError):
        rotate(new_key_set("k1"), "k1", now=0)


def test_prune_drops_only_keys_no_live_token_can_use() -> None:
    keys = rotate(rotate(new_key_set("k1"), "k2", now=1000), "k3", now=5000)

    pruned = prune(keys, now=5000, max_token_lifetime=3600)

    assert set(pruned.keys) == {"k2", "k3"}  # k1 retired at 1000: every token it signed expired by 4600
    assert pruned.active_kid == "k3"


def test_withdraw_removes_a_retired_key_but_never_the_active_one() -> None:
    keys = rotate(new_key_set("k1"), "k2", now=1000)

    assert set(withdraw(keys, "k1").keys) == {"k2"}
    with pytest.raises(ValueError):
        withdraw(keys, "k2")


def test_provider_caches_for_its_ttl() -> None:
    secrets, clock = FakeSecrets(new_key_set()), Clock()
    provider = KeySetProvider(secrets, "id", ttl=300, clock=clock)

    provider.get()
    clock.now += 299
    provider.get()
    assert secrets.fetches == 1
    clock.now += 1
    provider.get()
    assert secrets.fetches == 2


def test_unknown_kid_forces_one_refetch_per_interval() -> None:
    # Given a warm provider with a long cache
    secrets, clock = FakeSecrets(new_key_set("k1")), Clock()
    provider = KeySetProvider(secrets, "id", ttl=3600, clock=clock, min_refresh=30)
    provider.get(kid="k1")

    # When a flood of unknown kids arrives
    for n in range(50):
        clock.now += 0.1
        provider.get(kid=f"made-up-{n}")

    # Then one forced refetch happened, and the next is allowed only after the interval
    assert secrets.fetches == 2
    clock.now += 30
    provider.get(kid="another")
    assert secrets.fetches == 3


def test_unknown_kid_after_a_rotation_is_learned_at_once() -> None:
    secrets, clock = FakeSecrets(new_key_set("k1")), Clock()
    provider = KeySetProvider(secrets, "id", ttl=3600, clock=clock, min_refresh=30)
    provider.get()
    secrets.keys = rotate(secrets.keys, "k2", now=0)

    assert "k2" in provider.get(kid="k2").keys


def test_known_kid_never_refetches() -> None:
    secrets, clock = FakeSecrets(new_key_set("k1")), Clock()
    provider = KeySetProvider(secrets, "id", ttl=3600, clock=clock)
    for _ in range(10):
        provider.get(kid="k1")

    assert secrets.fetches == 1


def test_secret_failure_is_a_dependency_failure() -> None:
    class Broken:
        def get_secret_value(self, SecretId: str) -> dict[str, Any]:
            raise RuntimeError("boom")

    with pytest.raises(DependencyFailure):
        KeySetProvider(Broken(), "id", ttl=60).get()


def test_the_deploy_generated_secret_reads_as_a_one_key_set():
    generated = "A" * 64
    keys = KeySet.from_json(json.dumps({GENERATED_KEY_FIELD: generated}))
    assert keys.active_kid == GENERATED_KID
    assert keys.active.secret == generated.encode()
    # Once rotated, the full shape round-trips and the generated key keeps verifying its tokens.
    rotated = KeySet.from_json(rotate(keys, "k1", now=1_000).to_json())
    assert rotated.active_kid == "k1"
    assert rotated.keys[GENERATED_KID].secret == generated.encode()


def test_a_short_generated_secret_is_refused():
    with pytest.raises(ValueError):
        KeySet.from_json(json.dumps({GENERATED_KEY_FIELD: "short"}))


def test_a_stolen_retired_key_cannot_mint_tokens_that_outlive_its_retirement() -> None:
    # Backdating iat gets past the retirement check; the lifetime cap stops the far-future exp.
    now = int(time.time())
    original = new_key_set("k1")
    rotated = rotate(original, "k2", now=now)
    backdated = jwt.encode(
        {"sub": "u", "roles": [], "jti": "j", "iat": now - 10, "exp": 10**30, "iss": ISS, "aud": AUD},
        original.active.secret,
        algorithm="HS256",
        headers={"kid": "k1"},
    )

    with pytest.raises(Unauthorized):
        _verify(backdated, rotated)
