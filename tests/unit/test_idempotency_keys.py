"""Idempotency keys: what a record's id is bound to, keyed fingerprints, sealed answers."""

from __future__ import annotations

import base64
import json

import pytest
from satchel.idempotency.keys import KeyScope, SealError, canonical_json, fingerprint, seal, unseal

SCOPE = KeyScope(route="POST /genUploadPresignedURL", caller="user-1", key="3b9c1f0e-key")


def test_record_key_names_route_caller_and_key() -> None:
    assert SCOPE.record_key() == {"route": "POST /genUploadPresignedURL", "caller": "user-1", "key": "3b9c1f0e-key"}


@pytest.mark.parametrize(
    "other",
    [
        KeyScope(route="POST /genDownloadPresignedURL", caller="user-1", key="3b9c1f0e-key"),
        KeyScope(route="POST /genUploadPresignedURL", caller="user-2", key="3b9c1f0e-key"),
        KeyScope(route="POST /genUploadPresignedURL", caller="user-1", key="3b9c1f0e-kez"),
    ],
)
def test_the_secret_differs_with_each_part_of_the_scope(other: KeyScope) -> None:
    assert other.secret() != SCOPE.secret()


def test_fingerprint_ignores_spelling_but_not_content() -> None:
    secret = SCOPE.secret()
    a = fingerprint(secret, {"body": json.loads('{"b": 1, "a": [1, 2]}'), "path": {}})
    b = fingerprint(secret, {"path": {}, "body": json.loads('{ "a":[1,2],"b":1 }')})
    assert a == b
    assert fingerprint(secret, {"body": {"a": [2, 1], "b": 1}, "path": {}}) != a
    # Keyed: the same request under another key fingerprints differently
    other = KeyScope(route=SCOPE.route, caller=SCOPE.caller, key="another").secret()
    assert fingerprint(other, {"body": {"b": 1, "a": [1, 2]}, "path": {}}) != a


def test_canonical_json_keeps_unicode_and_sorts_keys() -> None:
    assert canonical_json({"b": "é", "a": 1}) == '{"a":1,"b":"é"}'.encode()


@pytest.mark.parametrize("plaintext", [b"", b"x", b'{"token": "secret-token-value"}' * 40])
def test_seal_round_trips_and_hides_the_plaintext(plaintext: bytes) -> None:
    secret = SCOPE.secret()
    sealed = seal(secret, plaintext)
    assert unseal(secret, sealed) == plaintext
    # Only a plaintext long enough that random bytes cannot contain it by chance (a 1-byte one
    # would be found in ~18% of 50-byte ciphertexts) says anything about hiding it.
    if len(plaintext) >= 16:
        assert plaintext not in base64.b64decode(sealed)


def test_each_seal_uses_a_fresh_nonce() -> None:
    secret = SCOPE.secret()
    assert seal(secret, b"same answer") != seal(secret, b"same answer")


def test_another_key_cannot_open_a_sealed_answer() -> None:
    sealed = seal(SCOPE.secret(), b"the first answer")
    other = KeyScope(route=SCOPE.route, caller=SCOPE.caller, key="guess").secret()
    with pytest.raises(SealError):
        unseal(other, sealed)


@pytest.mark.parametrize("position", [0, 20, -1])
def test_an_altered_answer_is_refused(position: int) -> None:
    secret = SCOPE.secret()
    raw = bytearray(base64.b64decode(seal(secret, b"the first answer")))
    raw[position] ^= 1
    with pytest.raises(SealError):
        unseal(secret, base64.b64encode(bytes(raw)).decode())


@pytest.mark.parametrize("garbage", ["", "not base64!", base64.b64encode(b"short").decode()])
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(SealError):
        unseal(SCOPE.secret(), garbage)
