"""Every settings loader, so the local stack can validate every function's settings at start.

It imports every domain's settings, so it is for infra, the local stack and tests; runtime code
imports its own domain's loader directly (satchel.settings.reset_cache() resets them all).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from satchel.auth.settings import auth_settings
from satchel.identity.settings import identity_settings
from satchel.ratelimit.settings import rate_limit_settings
from satchel.transfers.settings import transfer_settings


def all_settings_loaders() -> Mapping[str, Callable[[], object]]:
    """Settings group name (as in infra.functions.SettingsGroup) -> its cached loader."""
    return {
        "transfers": transfer_settings,
        "auth": auth_settings,
        "identity": identity_settings,
        "rate_limits": rate_limit_settings,
    }
