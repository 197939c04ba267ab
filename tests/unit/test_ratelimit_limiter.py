"""Fixed-window limiter: window arithmetic, headers, 429 decision, fail-open."""

from __future__ import annotations

from typing import Any

import pytest
from satchel.errors import DependencyFailure
from satchel.ratelimit.limiter import TTL_SLACK_SECONDS, RateLimiter, window_bounds
from satchel.routes import ROUTES, RateClass, rate_class_of


class FakeCounters:
    def __init__(self, *, broken: bool = False) -> None:
        self.counts: dict[str, int] = {}
        self.expiries: dict[str, int] = {}
        self.broken = broken

    def increment(self, counter: str, *, expires_at: int) -> int:
        if self.broken:
            raise DependencyFailure("down")
        self.counts[counter] = self.counts.get(counter, 0) + 1
        self.expiries.setdefault(counter, expires_at)
        return self.counts[counter]


def _limiter(store: Any, now: float = 7200 + 100) -> RateLimiter:
    return RateLimiter(store=store, limits={"auth": 2, "general": 100}, window_seconds=3600, clock=lambda: now)


def test_windows_are_aligned_to_their_size() -> None:
    assert window_bounds(7300, 3600) == (7200, 10800)
    assert window_bounds(7200, 3600) == (7200, 10800)
    assert window_bounds(10799, 3600) == (7200, 10800)


def test_decisions_count_down_then_refuse() -> None:
    store = FakeCounters()
    limiter = _limiter(store)

    first, second, third = (limiter.hit("auth", "ip:1.2.3.4") for _ in range(3))

    assert first and second and third
    assert (first.allowed, second.allowed, third.allowed) == (True, True, False)
    assert first.headers() == {"X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "10800"}
    assert third.headers()["X-RateLimit-Remaining"] == "0"
    assert third.retry_after == 10800 - 7300


def test_counter_names_class_principal_and_window_and_expires_after_it() -> None:
    store = FakeCounters()
    _limiter(store).hit("auth", "user:u1")

    assert store.expiries == {"rate#auth#user:u1#7200": 10800 + TTL_SLACK_SECONDS}


def test_principals_and_classes_are_counted_apart() -> None:
    store = FakeCounters()
    limiter = _limiter(store)
    for _ in range(2):
        limiter.hit("auth", "ip:1.1.1.1")

    other_ip, other_class = limiter.hit("auth", "ip:2.2.2.2"), limiter.hit("general", "ip:1.1.1.1")

    assert other_ip and other_ip.allowed
    assert other_class and other_class.allowed


def test_store_failure_fails_open() -> None:
    assert _limiter(FakeCounters(broken=True)).hit("auth", "ip:1.1.1.1") is None


def test_retry_after_is_at_least_one_second() -> None:
    store = FakeCounters()
    limiter = _limiter(store, now=10799.5)
    for _ in range(3):
        decision = limiter.hit("auth", "ip:1")
    assert decision and decision.retry_after == 1


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/auth/login", RateClass.AUTH),
        ("POST", "/auth/refresh", RateClass.AUTH),
        ("POST", "/auth/logout", RateClass.GENERAL),
        ("GET", "/auth/me", RateClass.GENERAL),
        ("POST", "/admin/users", RateClass.ADMIN),
        ("PATCH", "/admin/users/{id}", RateClass.ADMIN),
        ("GET", "/artifacts/{token}", RateClass.GENERAL),
        ("GET", "/not/in/the/table", RateClass.GENERAL),
    ],
)
def test_route_classes_come_from_the_route_table(method: str, path: str, expected: RateClass) -> None:
    assert rate_class_of(method, path) is expected


def test_every_admin_route_is_in_the_admin_class() -> None:
    assert all(r.rate_class is RateClass.ADMIN for r in ROUTES if r.path.startswith("/admin/"))
