"""Transfer settings: bucket, token and artifact tables, presign lifetimes and token limits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from satchel.settings import AwsSettings, _int, _required, settings_loader

GIB = 1024**3
MAX_PRESIGN_SECONDS = 7 * 24 * 3600  # SigV4 presigned URLs cannot outlive 7 days


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


transfer_settings = settings_loader(TransferSettings.from_env)
