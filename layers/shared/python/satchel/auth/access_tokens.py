"""JWT access tokens: HS256 only, with kid, issuer, audience, expiry and a unique jti."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jwt

from satchel.auth.keys import KeySet
from satchel.errors import Unauthorized

ALGORITHM = "HS256"  # pinned: the header's alg is never trusted
REQUIRED_CLAIMS = ["sub", "exp", "iat", "iss", "aud", "jti"]
LEEWAY_SECONDS = 5
# ACCESS_TOKEN_TTL's maximum. Verifiers refuse longer-lived tokens, so every token of a retired key,
# even a leaked key's with a backdated iat, stops verifying within this long of the retirement.
MAX_TTL_SECONDS = 3600
# How long after its iat a verifier may still accept a token: the lifetime cap plus the exp leeway.
# Retired keys are kept this long (keys.prune), no longer.
LONGEST_ACCEPTANCE_SECONDS = MAX_TTL_SECONDS + 2 * LEEWAY_SECONDS


@dataclass(frozen=True)
class AccessClaims:
    sub: str
    roles: tuple[str, ...]
    jti: str
    iat: int
    exp: int
    sid: str | None = None  # the refresh family (session) the token was issued for


def mint(
    keys: KeySet,
    *,
    sub: str,
    roles: Iterable[str],
    issuer: str,
    audience: str,
    ttl: int,
    now: int,
    session_id: str | None = None,
) -> str:
    if not 0 < ttl <= MAX_TTL_SECONDS:
        raise ValueError(f"access-token ttl must be 1 to {MAX_TTL_SECONDS} seconds, got {ttl}")
    key = keys.active
    payload: dict[str, Any] = {
        "sub": sub,
        "roles": sorted(set(roles)),
        "jti": uuid.uuid4().hex,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "iss": issuer,
        "aud": audience,
    }
    if session_id is not None:
        payload["sid"] = session_id
    return jwt.encode(payload, key.secret, algorithm=ALGORITHM, headers={"kid": key.kid})


def unverified_kid(token: str) -> str | None:
    """The header's kid, only to pick a key set; nothing is trusted until `verify` passes."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError:
        return None
    return kid if isinstance(kid, str) else None


def verify(token: str, keys: KeySet, *, issuer: str, audience: str, max_ttl: int = MAX_TTL_SECONDS) -> AccessClaims:
    """Verify signature, kid, algorithm and registered claims; any failure is 401.

    `exp - iat` may not exceed `max_ttl` (plus leeway): a token signed with a real key but with a
    far-future `exp` is refused, not trusted for as long as it claims.
    """
    rejected = Unauthorized("invalid or expired access token", code="INVALID_TOKEN")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise rejected from None
    key = keys.keys.get(str(header.get("kid", "")))
    if key is None or header.get("alg") != ALGORITHM:
        raise rejected
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key.secret,
            algorithms=[ALGORITHM],
            issuer=issuer,
            audience=audience,
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError:
        raise rejected from None
    # PyJWT has checked that iat and exp are integers, iat is not in the future and exp has not passed.
    issued_at, expires_at = int(claims["iat"]), int(claims["exp"])
    if not issued_at < expires_at <= issued_at + max_ttl + LEEWAY_SECONDS:
        raise rejected  # a lifetime no issuer of ours grants
    if key.retired_at is not None and issued_at >= key.retired_at:
        raise rejected  # minted with a key after it was rotated out
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise rejected
    sid = claims.get("sid")
    if sid is not None and not isinstance(sid, str):
        raise rejected
    return AccessClaims(
        sub=str(claims["sub"]),
        roles=tuple(roles),
        jti=str(claims["jti"]),
        iat=issued_at,
        exp=expires_at,
        sid=sid,
    )
