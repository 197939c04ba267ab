"""Shared settings machinery: environment parsing, AWS settings and the cached loaders' reset.

Each domain has its settings class and loader in its own package (`satchel.transfers.settings`,
`satchel.auth.settings`, `satchel.identity.settings`, `satchel.ratelimit.settings`), so a function
imports only the settings it reads. Nothing outside this module reads os.environ: a loader made
by `settings_loader` parses and validates the environment on first call and caches the result, so
a missing or malformed variable fails the cold start loudly instead of surfacing later as a
confusing AWS error. `satchel.settings_registry` lists every loader.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

S = TypeVar("S")


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


def _power_of_two(env: Mapping[str, str], name: str, default: int, *, minimum: int, maximum: int) -> int:
    value = _int(env, name, default, minimum=minimum, maximum=maximum)
    if value & (value - 1):
        raise ConfigurationError(f"{name} must be a power of two, got {value}")
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


# The cache_clear of every loader created so far. A loader exists once its domain's settings module
# is imported, and only a loader that exists can hold a cached value, so clearing these resets all.
_cache_clears: list[Callable[[], None]] = []


def settings_loader(from_env: Callable[[Mapping[str, str]], S]) -> Callable[[], S]:
    """A loader that builds settings from os.environ on first call and caches them until reset_cache()."""

    @lru_cache(maxsize=1)
    def load() -> S:
        return from_env(os.environ)

    _cache_clears.append(load.cache_clear)
    return load


def reset_cache() -> None:
    """Forget every cached settings object (the local stack and tests change the environment between runs)."""
    for cache_clear in _cache_clears:
        cache_clear()
