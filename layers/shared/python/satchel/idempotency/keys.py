"""What an Idempotency-Key is bound to, and how its stored answer is kept unreadable without it.

A key is scoped to the route (method and path template), the caller (the authorizer's principal)
and the header value: `KeyScope.record_key` is what the record's id is hashed from, so the same
header value sent by another caller or to another route is a different key.

The record must not become a second copy of what the creating routes hand out once: upload and
download tokens (the tokens table keeps only their SHA-256) and, through the request fingerprint,
a new user's password. So everything stored about a request is keyed by a secret derived from the
header value, which is never stored:

- the request fingerprint is an HMAC of the validated inputs (so equal bodies compare equal, and
  a password cannot be checked offline against it without the key);
- the answer is sealed: a SHAKE-256 keystream (key and a random nonce in, as many bytes as the
  answer out) XORed with it, then HMAC-SHA256 over nonce and ciphertext (encrypt-then-MAC).

Standard library only: no cipher package in the layer for a few hundred bytes per request. The
protection is as strong as the key is unguessable; clients should send a random one (a UUID).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

_NONCE_BYTES = 16
_TAG_BYTES = 32


class SealError(ValueError):
    """A stored answer that does not open with this key (altered or corrupt)."""


@dataclass(frozen=True)
class KeyScope:
    route: str  # "POST /admin/users": method and path template
    caller: str  # the principal the authorizer verified
    key: str  # the Idempotency-Key header, as validated by the route's contract

    def record_key(self) -> dict[str, str]:
        """What the record's id is hashed from (Powertools hashes it with SHA-256)."""
        return {"route": self.route, "caller": self.caller, "key": self.key}

    def secret(self) -> bytes:
        return hmac.new(
            self.key.encode(), f"satchel-idempotency\n{self.route}\n{self.caller}".encode(), "sha256"
        ).digest()


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return hmac.new(secret, purpose, "sha256").digest()


def canonical_json(value: Any) -> bytes:
    """One byte string per JSON value, whatever the spacing and key order the client sent."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def fingerprint(secret: bytes, request: Any) -> str:
    """The keyed fingerprint of a request's validated inputs."""
    return hmac.new(_derive(secret, b"fingerprint"), canonical_json(request), "sha256").hexdigest()


def _keystream(secret: bytes, nonce: bytes, length: int) -> bytes:
    return hashlib.shake_256(_derive(secret, b"seal-stream") + nonce).digest(length)


def _xor(data: bytes, stream: bytes) -> bytes:
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(data), "big")


def _tag(secret: bytes, nonce: bytes, ciphertext: bytes) -> bytes:
    return hmac.new(_derive(secret, b"seal-mac"), nonce + ciphertext, "sha256").digest()


def seal(secret: bytes, plaintext: bytes) -> str:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    ciphertext = _xor(plaintext, _keystream(secret, nonce, len(plaintext)))
    return base64.b64encode(nonce + ciphertext + _tag(secret, nonce, ciphertext)).decode("ascii")


def unseal(secret: bytes, sealed: str) -> bytes:
    try:
        raw = base64.b64decode(sealed.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise SealError("stored answer is not base64") from None
    if len(raw) < _NONCE_BYTES + _TAG_BYTES:
        raise SealError("stored answer is too short")
    nonce, ciphertext, tag = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:-_TAG_BYTES], raw[-_TAG_BYTES:]
    if not hmac.compare_digest(tag, _tag(secret, nonce, ciphertext)):
        raise SealError("stored answer does not match its key")
    return _xor(ciphertext, _keystream(secret, nonce, len(ciphertext)))
