"""Identity and rate-limit settings: documented defaults, validated overrides."""

from __future__ import annotations

import pytest
from satchel.auth.settings import AuthSettings
from satchel.identity.settings import IdentitySettings
from satchel.ratelimit.settings import RateLimitSettings
from satchel.settings import ConfigurationError

BASE = {
    "AWS_REGION": "eu-west-1",
    "JWT_SECRET_ID": "keys",
    "JWT_ISSUER": "https://issuer.test",
    "JWT_AUDIENCE": "api",
    "USERS_TABLE": "users",
    "REVOCATIONS_TABLE": "revocations",
    "USER_EMAILS_TABLE": "emails",
    "SESSIONS_TABLE": "sessions",
    "REFRESH_TOKENS_TABLE": "refresh",
    "RATE_LIMITS_TABLE": "rates",
}


def test_identity_defaults() -> None:
    s = IdentitySettings.from_env(BASE)
    assert s.access_token_ttl == 900
    assert s.refresh_token_ttl == 30 * 86400
    assert s.session_max_lifetime == 90 * 86400
    assert (s.login_max_failures, s.login_failure_window) == (5, 900)
    assert (s.passwords.scrypt_n, s.passwords.scrypt_r, s.passwords.scrypt_p) == (2**15, 8, 3)
    assert s.auth.key_refresh_min_seconds == 30


def test_rate_limit_defaults_and_overrides() -> None:
    defaults = RateLimitSettings.from_env(BASE)
    assert defaults.limits == {"general": 100, "auth": 10, "download": 5, "admin": 200}
    assert defaults.window_seconds == 3600

    custom = RateLimitSettings.from_env({**BASE, "RATE_LIMIT_AUTH": "3", "RATE_LIMIT_WINDOW_SECONDS": "60"})
    assert custom.limits["auth"] == 3 and custom.window_seconds == 60


@pytest.mark.parametrize("missing", ["USERS_TABLE", "REVOCATIONS_TABLE"])
def test_authorizer_needs_its_tables(missing: str) -> None:
    with pytest.raises(ConfigurationError, match=missing):
        AuthSettings.from_env({k: v for k, v in BASE.items() if k != missing})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PASSWORD_SCRYPT_N", "30000"),  # not a power of two
        ("PASSWORD_SCRYPT_N", "512"),  # too cheap
        ("ACCESS_TOKEN_TTL", "7200"),  # longer than an hour
        ("REFRESH_TOKEN_TTL", "60"),
        ("LOGIN_MAX_FAILURES", "0"),
    ],
)
def test_invalid_identity_values_are_rejected(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        IdentitySettings.from_env({**BASE, name: value})


def test_invalid_rate_limit_is_rejected() -> None:
    with pytest.raises(ConfigurationError, match="RATE_LIMIT_GENERAL"):
        RateLimitSettings.from_env({**BASE, "RATE_LIMIT_GENERAL": "0"})
