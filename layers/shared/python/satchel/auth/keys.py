"""Signing keys for access tokens, kept as one JSON secret in Secrets Manager.

Secret shape: {"active_kid": "k2", "keys": {"k2": {"secret": "<base64url>"},
                                            "k1": {"secret": "...", "retired_at": 1767225600}}}
New tokens are signed with the active key. A retired key still verifies tokens issued before its
`retired_at` (they expire on their own within the access-token lifetime), and nothing newer.

At first deploy CloudFormation generates the secret as {"generated_key": "<64 random characters>"}
(Secrets Manager cannot generate the nested shape); that reads as a key set with the single key
GENERATED_KID, so `cdk deploy` alone yields a working API. The first rotation writes the full shape.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from satchel.auth.settings import AuthSettings
from satchel.aws import secrets_client
from satchel.errors import DependencyFailure
from satchel.observability import logger

KEY_BYTES = 32  # HS256 keys of 256 bits
GENERATED_KEY_FIELD = "generated_key"
GENERATED_KID = "k0"
MIN_GENERATED_KEY_CHARS = 43  # 43 alphanumerics carry more than 256 bits


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
        if GENERATED_KEY_FIELD in document and not document.get("keys"):
            return cls._from_generated(str(document[GENERATED_KEY_FIELD]))
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

    @classmethod
    def _from_generated(cls, generated: str) -> KeySet:
        if len(generated) < MIN_GENERATED_KEY_CHARS:
            raise ValueError("generated key is too short")
        key = SigningKey(kid=GENERATED_KID, secret=generated.encode("utf-8"))
        return cls(active_kid=GENERATED_KID, keys={GENERATED_KID: key})

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
    """Add a fresh active key; the previous one is retired as of `now`.

    Callers pass `now` plus a grace of the minting functions' key-cache lifetime, so a function
    still signing with the old key until its cache expires does not issue tokens nobody accepts.
    """
    if new_kid in current.keys:
        raise ValueError(f"kid {new_kid!r} already exists")
    keys = {
        kid: key if key.retired_at is not None or kid != current.active_kid else SigningKey(kid, key.secret, now)
        for kid, key in current.keys.items()
    }
    keys[new_kid] = SigningKey(kid=new_kid, secret=secrets.token_bytes(KEY_BYTES))
    return KeySet(active_kid=new_kid, keys=keys)


def prune(current: KeySet, *, now: int, max_token_lifetime: int) -> KeySet:
    """Drop retired keys that can no longer verify anything: every token they signed has expired."""
    keys = {
        kid: key
        for kid, key in current.keys.items()
        if key.retired_at is None or key.retired_at + max_token_lifetime > now
    }
    return KeySet(active_kid=current.active_kid, keys=keys)


def withdraw(current: KeySet, kid: str) -> KeySet:
    """Remove a key at once (it leaked): every token it signed stops verifying."""
    if kid == current.active_kid:
        raise ValueError("rotate before withdrawing the active key")
    if kid not in current.keys:
        raise ValueError(f"no key {kid!r}")
    return KeySet(active_kid=current.active_kid, keys={k: v for k, v in current.keys.items() if k != kid})


class KeySetProvider:
    """Fetches the key set from Secrets Manager and caches it for `ttl` seconds per process.

    A token naming a kid the cached set lacks (a rotation this process has not seen yet) forces
    a refetch, but such forced refetches happen at most once per `min_refresh` seconds: a flood
    of made-up kids costs one Secrets Manager call per interval, not one per request.
    """

    def __init__(
        self,
        client: Any,
        secret_id: str,
        ttl: int,
        clock: Callable[[], float] = time.monotonic,
        *,
        min_refresh: int = 30,
    ):
        self._client, self._secret_id, self._ttl, self._clock = client, secret_id, ttl, clock
        self._min_refresh = min_refresh
        self._cached: KeySet | None = None
        self._fetched_at = 0.0
        self._forced_at: float | None = None

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> KeySetProvider:
        """The provider every token signer and verifier uses, on the process's Secrets Manager client."""
        return cls(
            secrets_client(settings.aws),
            settings.jwt_secret_id,
            settings.key_cache_seconds,
            min_refresh=settings.key_refresh_min_seconds,
        )

    def get(self, *, refresh: bool = False, kid: str | None = None) -> KeySet:
        now = self._clock()
        unknown_kid = kid is not None and self._cached is not None and kid not in self._cached.keys
        if unknown_kid and (self._forced_at is None or now - self._forced_at >= self._min_refresh):
            self._forced_at = now
            refresh = True
        if refresh or self._cached is None or now - self._fetched_at >= self._ttl:
            try:
                raw = self._client.get_secret_value(SecretId=self._secret_id)["SecretString"]
                self._cached = KeySet.from_json(raw)
            except Exception as exc:
                logger.exception("could not load signing keys")
                raise DependencyFailure("signing keys are unavailable") from exc
            self._fetched_at = self._clock()
        return self._cached
