"""Every settings loader, so the local stack can validate every function's settings at start.

It imports every domain's settings, so it is for infra, the local stack and tests; runtime code
imports its own domain's loader directly (satchel.settings.reset_cache() resets them all).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from satchel.auth.settings import AuthSettings, auth_settings
from satchel.idempotency.settings import IdempotencySettings, idempotency_settings
from satchel.identity.settings import IdentitySettings, identity_settings
from satchel.ratelimit.settings import RateLimitSettings, rate_limit_settings
from satchel.transfers.settings import TransferSettings, transfer_settings


def all_settings_loaders() -> Mapping[str, Callable[[], object]]:
    """Settings group name (as in infra.functions.SettingsGroup) -> its cached loader."""
    return {
        "transfers": transfer_settings,
        "auth": auth_settings,
        "identity": identity_settings,
        "rate_limits": rate_limit_settings,
        "idempotency": idempotency_settings,
    }


def settings_parsers() -> Mapping[str, Callable[[Mapping[str, str]], object]]:
    """Settings group name -> how its class reads a given environment (no caching): what the local
    stack checks at start and the infra tests build from the synthesized environment."""
    return {
        "transfers": TransferSettings.from_env,
        "auth": AuthSettings.from_env,
        "identity": IdentitySettings.from_env,
        "rate_limits": RateLimitSettings.from_env,
        "idempotency": IdempotencySettings.from_env,
    }
