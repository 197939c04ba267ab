"""Settings of the idempotency mechanism: the table (required by every function serving an
idempotent route) and the fixed replay window."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from satchel.settings import AwsSettings, _required

# How long a key answers with its first result; DynamoDB TTL removes the record some time later.
WINDOW_SECONDS = 24 * 3600


@dataclass(frozen=True)
class IdempotencySettings:
    aws: AwsSettings
    table: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> IdempotencySettings:
        return cls(aws=AwsSettings.from_env(env), table=_required(env, "IDEMPOTENCY_TABLE"))


@lru_cache(maxsize=1)
def idempotency_settings() -> IdempotencySettings:
    return IdempotencySettings.from_env(os.environ)
