"""Opaque tokens: 256 random bits, URL-safe, stored only as a hash."""

from __future__ import annotations

import base64
import hashlib
import re

from satchel.secrets import TOKEN_BYTES, hash_token, looks_like_token, new_token


def test_token_carries_at_least_256_bits() -> None:
    token = new_token()
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert TOKEN_BYTES * 8 >= 256
    assert len(raw) * 8 >= 256


def test_token_is_url_safe_and_unpadded() -> None:
    for _ in range(200):
        assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", new_token())


def test_tokens_do_not_repeat() -> None:
    assert len({new_token() for _ in range(1000)}) == 1000


def test_hash_is_sha256_hex_and_never_the_token() -> None:
    token = new_token()
    digest = hash_token(token)
    assert digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in digest
    assert hash_token(token) == digest  # deterministic: lookups work


def test_shape_check_accepts_tokens_and_rejects_garbage() -> None:
    assert looks_like_token(new_token())
    for garbage in ("", "short", "a" * 129, "has space" * 3, "../../etc/passwd/xxxxxxxx", "tok%2Fen" * 4):
        assert not looks_like_token(garbage)
