"""Password hashing with scrypt from the standard library (no native dependency in the layer).

Stored form: "scrypt$<n>$<r>$<p>$<salt>$<digest>" (salt and digest unpadded base64url), so the
cost can be raised later: a successful login with outdated parameters rehashes the password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SCHEME = "scrypt"
SALT_BYTES = 16
DIGEST_BYTES = 32
# Refuse stored parameters beyond these: a tampered hash must not make one login eat the function.
MAX_N, MAX_R, MAX_P = 2**20, 32, 16

Kdf = Callable[..., bytes]


@dataclass(frozen=True)
class ScryptParams:
    n: int
    r: int
    p: int

    @property
    def maxmem(self) -> int:
        # OpenSSL needs 128*r*(n+2) bytes for V plus 128*r*p for B; leave 1 MiB of slack.
        return 128 * self.r * (self.n + 2) + 128 * self.r * self.p + 1024 * 1024

    def within_limits(self) -> bool:
        return 2 <= self.n <= MAX_N and not self.n & (self.n - 1) and 1 <= self.r <= MAX_R and 1 <= self.p <= MAX_P


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _normalize(password: str) -> bytes:
    # NFKC so the same password typed on different keyboards or platforms hashes the same.
    return unicodedata.normalize("NFKC", password).encode("utf-8")


@dataclass(frozen=True)
class _Parsed:
    params: ScryptParams
    salt: bytes
    digest: bytes


def _parse(encoded: str) -> _Parsed | None:
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return None
    try:
        params = ScryptParams(int(parts[1]), int(parts[2]), int(parts[3]))
        salt, digest = _unb64(parts[4]), _unb64(parts[5])
    except ValueError:
        return None
    if not params.within_limits() or not salt or len(digest) != DIGEST_BYTES:
        return None
    return _Parsed(params, salt, digest)


class PasswordHasher:
    """Hashes and checks passwords; `kdf` is a seam so tests can count the expensive calls."""

    def __init__(
        self,
        params: ScryptParams,
        *,
        kdf: Kdf = hashlib.scrypt,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        self.params = params
        self._kdf = kdf
        self._random_bytes = random_bytes
        # Checked when the account does not exist, so both paths cost one scrypt of today's cost.
        self._dummy = _Parsed(params, b"\0" * SALT_BYTES, b"\0" * DIGEST_BYTES)

    def _derive(self, password: str, salt: bytes, params: ScryptParams) -> bytes:
        derived: Any = self._kdf(
            _normalize(password),
            salt=salt,
            n=params.n,
            r=params.r,
            p=params.p,
            maxmem=params.maxmem,
            dklen=DIGEST_BYTES,
        )
        return bytes(derived)

    def hash(self, password: str) -> str:
        salt = self._random_bytes(SALT_BYTES)
        p = self.params
        return f"{SCHEME}${p.n}${p.r}${p.p}${_b64(salt)}${_b64(self._derive(password, salt, p))}"

    def verify(self, password: str, encoded: str | None) -> bool:
        """Constant-time check. An unknown account (None) or a malformed hash costs the same work."""
        parsed = _parse(encoded) if encoded else None
        target = parsed or self._dummy
        candidate = self._derive(password, target.salt, target.params)
        return hmac.compare_digest(candidate, target.digest) and parsed is not None

    def needs_rehash(self, encoded: str) -> bool:
        parsed = _parse(encoded)
        return parsed is None or parsed.params != self.params
