"""Request limits per principal and route class, in fixed windows.

A window is [start, start + size) with start a multiple of size (UTC epoch seconds), so every
function agrees on it without coordination. The counter key names the class, the principal and
the window start; one UpdateItem adds one and returns the count. Fixed windows allow a burst of
up to twice the limit across a boundary; that is the price of one write per request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from satchel.errors import DependencyFailure
from satchel.observability import logger, metrics
from satchel.ratelimit.settings import rate_limit_settings
from satchel.ratelimit.store import CounterStore

# Counters outlive their window a little so a slow request still finds its own.
TTL_SLACK_SECONDS = 60


def window_bounds(now: int, size: int) -> tuple[int, int]:
    start = now - now % size
    return start, start + size


@dataclass(frozen=True)
class RateDecision:
    limit: int
    count: int
    reset_at: int  # epoch seconds when the window ends
    now: int

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit

    @property
    def remaining(self) -> int:
        return max(self.limit - self.count, 0)

    @property
    def retry_after(self) -> int:
        return max(self.reset_at - self.now, 1)

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
        }


@dataclass
class RateLimiter:
    store: CounterStore
    limits: Mapping[str, int]
    window_seconds: int
    clock: Callable[[], float] = field(default=time.time)

    def hit(self, rate_class: str, principal: str) -> RateDecision | None:
        """Count one request. None when the counter store failed: limits fail open (the API
        Gateway stage throttle still applies), the failure is logged and counted."""
        now = int(self.clock())
        start, end = window_bounds(now, self.window_seconds)
        limit = self.limits[rate_class]
        try:
            count = self.store.increment(f"rate#{rate_class}#{principal}#{start}", expires_at=end + TTL_SLACK_SECONDS)
        except DependencyFailure:
            metrics.add_metric(name="RateLimiterErrors", unit="Count", value=1)
            return None
        decision = RateDecision(limit=limit, count=count, reset_at=end, now=now)
        if not decision.allowed:
            logger.info("rate limit exceeded", extra={"rate_class": rate_class, "limit": limit})
        return decision


@lru_cache(maxsize=1)
def default_rate_limiter() -> RateLimiter:
    settings = rate_limit_settings()
    return RateLimiter(
        store=CounterStore(settings.aws, settings.table),
        limits=settings.limits,
        window_seconds=settings.window_seconds,
    )
