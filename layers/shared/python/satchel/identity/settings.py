"""Identity settings: password hashing cost, sessions, refresh tokens and login lockout."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from satchel.auth.settings import AuthSettings
from satchel.settings import AwsSettings, _int, _power_of_two, _required, settings_loader


@dataclass(frozen=True)
class PasswordSettings:
    """scrypt cost. Raising any of these makes the next successful login rehash the password."""

    scrypt_n: int
    scrypt_r: int
    scrypt_p: int

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PasswordSettings:
        return cls(
            scrypt_n=_power_of_two(env, "PASSWORD_SCRYPT_N", 2**15, minimum=2**10, maximum=2**20),
            scrypt_r=_int(env, "PASSWORD_SCRYPT_R", 8, minimum=1, maximum=32),
            scrypt_p=_int(env, "PASSWORD_SCRYPT_P", 3, minimum=1, maximum=16),
        )


@dataclass(frozen=True)
class IdentitySettings:
    """Login, refresh, logout and user administration."""

    auth: AuthSettings
    passwords: PasswordSettings
    user_emails_table: str
    sessions_table: str
    refresh_tokens_table: str
    rate_limits_table: str
    access_token_ttl: int
    refresh_token_ttl: int
    # A session (refresh family) ends this long after login, however often it is refreshed.
    session_max_lifetime: int
    login_max_failures: int
    login_failure_window: int

    @property
    def aws(self) -> AwsSettings:
        return self.auth.aws

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> IdentitySettings:
        day = 24 * 3600
        return cls(
            auth=AuthSettings.from_env(env),
            passwords=PasswordSettings.from_env(env),
            user_emails_table=_required(env, "USER_EMAILS_TABLE"),
            sessions_table=_required(env, "SESSIONS_TABLE"),
            refresh_tokens_table=_required(env, "REFRESH_TOKENS_TABLE"),
            rate_limits_table=_required(env, "RATE_LIMITS_TABLE"),
            access_token_ttl=_int(env, "ACCESS_TOKEN_TTL", 900, minimum=60, maximum=3600),
            refresh_token_ttl=_int(env, "REFRESH_TOKEN_TTL", 30 * day, minimum=3600, maximum=90 * day),
            session_max_lifetime=_int(env, "SESSION_MAX_LIFETIME", 90 * day, minimum=3600, maximum=365 * day),
            login_max_failures=_int(env, "LOGIN_MAX_FAILURES", 5, minimum=1, maximum=100),
            login_failure_window=_int(env, "LOGIN_FAILURE_WINDOW", 900, minimum=60, maximum=day),
        )


identity_settings = settings_loader(IdentitySettings.from_env)
