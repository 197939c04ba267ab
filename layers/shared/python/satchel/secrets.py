"""Opaque bearer secrets (upload/download/refresh tokens): generated here, stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 bits of randomness


def new_token() -> str:
    """A URL-safe token carrying 256 random bits (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The only form in which a token is stored. SHA-256 suffices: the input is 256 random bits."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(value: str) -> bool:
    """Cheap shape check so garbage never reaches DynamoDB."""
    return 20 <= len(value) <= 128 and all(c.isalnum() or c in "-_" for c in value)
