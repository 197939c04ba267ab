"""Settings of the idempotency mechanism: the table (required by every function serving an
idempotent route) and the fixed replay window."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from satchel.settings import AwsSettings, _required, settings_loader

# How long a key answers with its first result; DynamoDB TTL removes the record some time later.
WINDOW_SECONDS = 24 * 3600


@dataclass(frozen=True)
class IdempotencySettings:
    aws: AwsSettings
    table: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> IdempotencySettings:
        return cls(aws=AwsSettings.from_env(env), table=_required(env, "IDEMPOTENCY_TABLE"))


idempotency_settings = settings_loader(IdempotencySettings.from_env)
