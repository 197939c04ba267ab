"""Auth settings: verifying access tokens (signing keys, issuer, audience) and the standing check's tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from satchel.settings import AwsSettings, _int, _required, settings_loader


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


auth_settings = settings_loader(AuthSettings.from_env)
