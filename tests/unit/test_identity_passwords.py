"""scrypt password hashes: format, salt, parameters, constant work, rehash detection."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pytest
from satchel.identity.passwords import PasswordHasher, ScryptParams
from satchel.identity.settings import PasswordSettings

CHEAP = ScryptParams(n=1024, r=8, p=1)


class CountingScrypt:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, password: bytes, **kwargs: Any) -> bytes:
        self.calls.append(kwargs)
        return hashlib.scrypt(password, **kwargs)


def test_hash_records_scheme_parameters_salt_and_digest() -> None:
    encoded = PasswordHasher(CHEAP).hash("correct horse battery staple")

    scheme, n, r, p, salt, digest = encoded.split("$")
    assert (scheme, n, r, p) == ("scrypt", "1024", "8", "1")
    assert len(salt) == 22 and len(digest) == 43  # 16 and 32 bytes, unpadded base64url


def test_each_hash_has_its_own_salt() -> None:
    hasher = PasswordHasher(CHEAP)

    assert hasher.hash("same password here") != hasher.hash("same password here")


def test_verify_accepts_the_password_and_nothing_else() -> None:
    hasher = PasswordHasher(CHEAP)
    encoded = hasher.hash("correct horse battery staple")

    assert hasher.verify("correct horse battery staple", encoded)
    assert not hasher.verify("correct horse battery stapler", encoded)
    assert not hasher.verify("", encoded)


def test_verify_uses_the_parameters_stored_with_the_hash() -> None:
    old = PasswordHasher(CHEAP).hash("correct horse battery staple")

    assert PasswordHasher(ScryptParams(2048, 8, 2)).verify("correct horse battery staple", old)


def test_unicode_forms_of_one_password_match() -> None:
    hasher = PasswordHasher(CHEAP)
    composed = hasher.hash("caf\u00e9 au lait, s'il vous pla\u00eet")

    assert hasher.verify("cafe\u0301 au lait, s'il vous pla\u00eet", composed)


@pytest.mark.parametrize(
    "stored",
    [
        None,
        "",
        "bcrypt$2b$...",
        "scrypt$1024$8$1$salt",
        "scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA$" + "A" * 43,  # n not a power of two
        "scrypt$1048576000$8$1$AAAAAAAAAAAAAAAAAAAAAA$" + "A" * 43,  # absurd cost
        "scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA",  # short digest
    ],
)
def test_unknown_or_malformed_hash_fails_after_exactly_one_scrypt_of_current_cost(stored: str | None) -> None:
    scrypt = CountingScrypt()
    hasher = PasswordHasher(CHEAP, kdf=scrypt)

    assert not hasher.verify("whatever it is", stored)

    assert len(scrypt.calls) == 1
    assert (scrypt.calls[0]["n"], scrypt.calls[0]["r"], scrypt.calls[0]["p"]) == (1024, 8, 1)


def test_a_real_check_is_also_exactly_one_scrypt() -> None:
    encoded = PasswordHasher(CHEAP).hash("correct horse battery staple")
    scrypt = CountingScrypt()

    PasswordHasher(CHEAP, kdf=scrypt).verify("wrong", encoded)

    assert len(scrypt.calls) == 1


def test_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # The digest comparison must go through hmac.compare_digest, never ==.
    import satchel.identity.passwords as passwords

    seen: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        seen.append((a, b))
        return a == b

    monkeypatch.setattr(passwords.hmac, "compare_digest", spy)
    hasher = PasswordHasher(CHEAP)
    encoded = hasher.hash("correct horse battery staple")

    assert hasher.verify("correct horse battery staple", encoded)
    assert len(seen) == 1


def test_needs_rehash_when_parameters_change() -> None:
    encoded = PasswordHasher(CHEAP).hash("correct horse battery staple")

    assert not PasswordHasher(CHEAP).needs_rehash(encoded)
    assert PasswordHasher(ScryptParams(2048, 8, 1)).needs_rehash(encoded)
    assert PasswordHasher(ScryptParams(1024, 8, 2)).needs_rehash(encoded)
    assert PasswordHasher(CHEAP).needs_rehash("garbage")


def test_production_parameters_are_memory_hard_and_affordable() -> None:
    # OWASP's scrypt equivalents include N=2^15, r=8, p=3: 32 MiB per hash.
    defaults = PasswordSettings.from_env({})
    params = ScryptParams(defaults.scrypt_n, defaults.scrypt_r, defaults.scrypt_p)
    assert (params.n, params.r, params.p) == (2**15, 8, 3)
    assert 128 * params.r * params.n == 32 * 1024 * 1024

    started = time.perf_counter()
    assert PasswordHasher(params).verify("x", PasswordHasher(params).hash("x"))
    assert time.perf_counter() - started < 10  # two hashes; generous bound, not a benchmark
