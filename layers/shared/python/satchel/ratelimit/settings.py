"""Rate-limit settings: the counter table, the window and the limit of each rate class."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from satchel.settings import AwsSettings, _int, _required, settings_loader


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


rate_limit_settings = settings_loader(RateLimitSettings.from_env)
