"""Typed settings, read from the environment and validated once per cold start.

Nothing else in satchel reads os.environ: handlers call `transfer_settings()` / `auth_settings()`,
which parse, validate and cache. A missing or malformed variable fails the cold start loudly
instead of surfacing later as a confusing AWS error.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

GIB = 1024**3
MAX_PRESIGN_SECONDS = 7 * 24 * 3600  # SigV4 presigned URLs cannot outlive 7 days


class ConfigurationError(RuntimeError):
    """The function's environment is incomplete or invalid."""


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is required")
    return value


def _optional(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ConfigurationError(f"{name} must be between {minimum} and {maximum}, got {value}")
    return value


@dataclass(frozen=True)
class AwsSettings:
    region: str
    # Only set for local emulators; S3 then needs path-style addressing.
    s3_endpoint_url: str | None
    dynamodb_endpoint_url: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AwsSettings:
        return cls(
            region=_required(env, "AWS_REGION"),
            s3_endpoint_url=_optional(env, "AWS_ENDPOINT_URL_S3") or _optional(env, "AWS_ENDPOINT_URL"),
            dynamodb_endpoint_url=_optional(env, "AWS_ENDPOINT_URL_DYNAMODB") or _optional(env, "AWS_ENDPOINT_URL"),
        )


@dataclass(frozen=True)
class TransferSettings:
    aws: AwsSettings
    bucket: str
    tokens_table: str
    artifacts_table: str
    upload_url_ttl: int
    max_upload_bytes: int
    download_url_ttl: int
    upload_token_ttl_default: int
    upload_token_ttl_max: int
    download_token_ttl_default: int
    download_token_ttl_max: int
    max_uploads_limit: int
    max_downloads_limit: int

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TransferSettings:
        return cls(
            aws=AwsSettings.from_env(env),
            bucket=_required(env, "ARTIFACTS_BUCKET"),
            tokens_table=_required(env, "TOKENS_TABLE"),
            artifacts_table=_required(env, "ARTIFACTS_TABLE"),
            upload_url_ttl=_int(env, "UPLOAD_URL_TTL", 900, minimum=60, maximum=3600),
            max_upload_bytes=_int(env, "MAX_UPLOAD_BYTES", 5 * GIB, minimum=1, maximum=5 * GIB),
            download_url_ttl=_int(env, "DOWNLOAD_URL_TTL", 60, minimum=10, maximum=900),
            upload_token_ttl_default=_int(env, "UPLOAD_TOKEN_TTL", 3600, minimum=60, maximum=MAX_PRESIGN_SECONDS),
            upload_token_ttl_max=_int(
                env, "UPLOAD_TOKEN_TTL_MAX", 7 * 24 * 3600, minimum=60, maximum=MAX_PRESIGN_SECONDS
            ),
            download_token_ttl_default=_int(
                env, "DOWNLOAD_TOKEN_TTL", 24 * 3600, minimum=60, maximum=MAX_PRESIGN_SECONDS
            ),
            download_token_ttl_max=_int(
                env, "DOWNLOAD_TOKEN_TTL_MAX", 7 * 24 * 3600, minimum=60, maximum=MAX_PRESIGN_SECONDS
            ),
            max_uploads_limit=_int(env, "MAX_UPLOADS_LIMIT", 1000, minimum=1, maximum=100_000),
            max_downloads_limit=_int(env, "MAX_DOWNLOADS_LIMIT", 1000, minimum=1, maximum=100_000),
        )


@dataclass(frozen=True)
class AuthSettings:
    aws: AwsSettings
    jwt_secret_id: str
    jwt_issuer: str
    jwt_audience: str
    # How long a fetched signing-key set is trusted before Secrets Manager is asked again.
    key_cache_seconds: int
    # A token with an unknown kid may force a key refetch, but at most this often (DoS guard).
    key_refresh_min_seconds: int
    # The authorizer's per-request lookup: denylist entries and the user's status and roles.
    users_table: str
    revocations_table: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AuthSettings:
        return cls(
            aws=AwsSettings.from_env(env),
            jwt_secret_id=_required(env, "JWT_SECRET_ID"),
            jwt_issuer=_required(env, "JWT_ISSUER"),
            jwt_audience=_required(env, "JWT_AUDIENCE"),
            key_cache_seconds=_int(env, "JWT_KEY_CACHE_SECONDS", 300, minimum=0, maximum=3600),
            key_refresh_min_seconds=_int(env, "JWT_KEY_REFRESH_MIN_SECONDS", 30, minimum=1, maximum=3600),
            users_table=_required(env, "USERS_TABLE"),
            revocations_table=_required(env, "REVOCATIONS_TABLE"),
        )


def _power_of_two(env: Mapping[str, str], name: str, default: int, *, minimum: int, maximum: int) -> int:
    value = _int(env, name, default, minimum=minimum, maximum=maximum)
    if value & (value - 1):
        raise ConfigurationError(f"{name} must be a power of two, got {value}")
    return value


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


@dataclass(frozen=True)
class RateLimitSettings:
    """Requests allowed per principal, per route class, per fixed window."""

    aws: AwsSettings
    table: str
    window_seconds: int
    limits: Mapping[str, int]  # rate class value -> requests per window

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RateLimitSettings:
        defaults = {"general": 100, "auth": 10, "download": 5, "admin": 200}
        return cls(
            aws=AwsSettings.from_env(env),
            table=_required(env, "RATE_LIMITS_TABLE"),
            window_seconds=_int(env, "RATE_LIMIT_WINDOW_SECONDS", 3600, minimum=1, maximum=24 * 3600),
            limits={
                name: _int(env, f"RATE_LIMIT_{name.upper()}", default, minimum=1, maximum=1_000_000)
                for name, default in defaults.items()
            },
        )


@lru_cache(maxsize=1)
def transfer_settings() -> TransferSettings:
    return TransferSettings.from_env(os.environ)


@lru_cache(maxsize=1)
def auth_settings() -> AuthSettings:
    return AuthSettings.from_env(os.environ)


@lru_cache(maxsize=1)
def identity_settings() -> IdentitySettings:
    return IdentitySettings.from_env(os.environ)


@lru_cache(maxsize=1)
def rate_limit_settings() -> RateLimitSettings:
    return RateLimitSettings.from_env(os.environ)


def reset_cache() -> None:
    """Forget cached settings (the local stack and tests change the environment between runs)."""
    transfer_settings.cache_clear()
    auth_settings.cache_clear()
    identity_settings.cache_clear()
    rate_limit_settings.cache_clear()
    # Domain settings modules import this one, so they are reached late.
    from satchel.idempotency.settings import idempotency_settings

    idempotency_settings.cache_clear()
