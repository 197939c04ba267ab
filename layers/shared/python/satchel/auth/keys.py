"""Signing keys for access tokens, kept as one JSON secret in Secrets Manager.

Secret shape: {"active_kid": "k2", "keys": {"k2": {"secret": "<base64url>"},
                                            "k1": {"secret": "...", "retired_at": 1767225600}}}
New tokens are signed with the active key. A retired key still verifies tokens issued before its
`retired_at` (they expire on their own within the access-token lifetime), and nothing newer.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from satchel.errors import DependencyFailure
from satchel.observability import logger

KEY_BYTES = 32  # HS256 keys of 256 bits


@dataclass(frozen=True)
class SigningKey:
    kid: str
    secret: bytes
    retired_at: int | None = None


@dataclass(frozen=True)
class KeySet:
    active_kid: str
    keys: dict[str, SigningKey]

    @property
    def active(self) -> SigningKey:
        return self.keys[self.active_kid]

    @classmethod
    def from_json(cls, raw: str) -> KeySet:
        document = json.loads(raw)
        keys = {
            kid: SigningKey(
                kid=kid,
                secret=base64.urlsafe_b64decode(entry["secret"] + "=" * (-len(entry["secret"]) % 4)),
                retired_at=entry.get("retired_at"),
            )
            for kid, entry in document["keys"].items()
        }
        if document["active_kid"] not in keys:
            raise ValueError("active_kid does not name a key")
        return cls(active_kid=document["active_kid"], keys=keys)

    def to_json(self) -> str:
        return json.dumps(
            {
                "active_kid": self.active_kid,
                "keys": {
                    k.kid: {
                        "secret": base64.urlsafe_b64encode(k.secret).decode().rstrip("="),
                        **({"retired_at": k.retired_at} if k.retired_at is not None else {}),
                    }
                    for k in self.keys.values()
                },
            }
        )


def new_key_set(kid: str = "k1") -> KeySet:
    return KeySet(active_kid=kid, keys={kid: SigningKey(kid=kid, secret=secrets.token_bytes(KEY_BYTES))})


def rotate(current: KeySet, new_kid: str, *, now: int) -> KeySet:
    """Add a fresh active key; the previous one is retired as of `now`."""
    if new_kid in current.keys:
        raise ValueError(f"kid {new_kid!r} already exists")
    keys = {
        kid: key
        if key.retired_at is not None or kid != current.active_kid
        else SigningKey(kid, key.secret, now)
        for kid, key in current.keys.items()
    }
    keys[new_kid] = SigningKey(kid=new_kid, secret=secrets.token_bytes(KEY_BYTES))
    return KeySet(active_kid=new_kid, keys=keys)


class KeySetProvider:
    """Fetches the key set from Secrets Manager and caches it for `ttl` seconds per process."""

    def __init__(self, client: Any, secret_id: str, ttl: int, clock: Callable[[], float] = time.monotonic):
        self._client, self._secret_id, self._ttl, self._clock = client, secret_id, ttl, clock
        self._cached: KeySet | None = None
        self._fetched_at = 0.0

    def get(self, *, refresh: bool = False) -> KeySet:
        if refresh or self._cached is None or self._clock() - self._fetched_at >= self._ttl:
            try:
                raw = self._client.get_secret_value(SecretId=self._secret_id)["SecretString"]
                self._cached = KeySet.from_json(raw)
            except Exception as exc:
                logger.exception("could not load signing keys")
                raise DependencyFailure("signing keys are unavailable") from exc
            self._fetched_at = self._clock()
        return self._cached
