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
            dynamodb_endpoint_url=_optional(env, "AWS_ENDPOINT_URL_DYNAMODB")
            or _optional(env, "AWS_ENDPOINT_URL"),
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
            upload_token_ttl_default=_int(
                env, "UPLOAD_TOKEN_TTL", 3600, minimum=60, maximum=MAX_PRESIGN_SECONDS
            ),
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

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AuthSettings:
        return cls(
            aws=AwsSettings.from_env(env),
            jwt_secret_id=_required(env, "JWT_SECRET_ID"),
            jwt_issuer=_required(env, "JWT_ISSUER"),
            jwt_audience=_required(env, "JWT_AUDIENCE"),
            key_cache_seconds=_int(env, "JWT_KEY_CACHE_SECONDS", 300, minimum=0, maximum=3600),
        )


@lru_cache(maxsize=1)
def transfer_settings() -> TransferSettings:
    return TransferSettings.from_env(os.environ)


@lru_cache(maxsize=1)
def auth_settings() -> AuthSettings:
    return AuthSettings.from_env(os.environ)


def reset_cache() -> None:
    """Forget cached settings (the local stack and tests change the environment between runs)."""
    transfer_settings.cache_clear()
    auth_settings.cache_clear()
