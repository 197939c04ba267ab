"""Failed logins per account, counted independently of the caller's address.

A fixed window per normalized email (stored as a hash, not the address): after `max_failures`
failures in one window every attempt for that email is refused with 429 until the window ends,
even with the right password, and without running the password hash. Unknown emails are counted
exactly like known ones, so lockout behaviour does not reveal which accounts exist.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from satchel.errors import TooManyRequests
from satchel.observability import logger
from satchel.ratelimit.limiter import TTL_SLACK_SECONDS, window_bounds
from satchel.ratelimit.store import CounterStore


class AccountLocked(TooManyRequests):
    code = "LOGIN_LOCKED"


@dataclass
class LoginThrottle:
    store: CounterStore
    max_failures: int
    window_seconds: int
    clock: Callable[[], float] = field(default=time.time)

    def _counter(self, email: str) -> tuple[str, int]:
        start, end = window_bounds(int(self.clock()), self.window_seconds)
        subject = hashlib.sha256(email.encode("utf-8")).hexdigest()
        return f"login-failures#{subject}#{start}", end

    def failures_so_far(self, email: str) -> int:
        """The failures in the current window; raises 429 when the account is locked."""
        counter, end = self._counter(email)
        failures = self.store.peek(counter)
        if failures >= self.max_failures:
            logger.info("login refused: account locked")
            raise AccountLocked(
                "too many failed logins for this account, try again later",
                retry_after=max(end - int(self.clock()), 1),
            )
        return failures

    def record_failure(self, email: str) -> None:
        counter, end = self._counter(email)
        self.store.increment(counter, expires_at=end + TTL_SLACK_SECONDS)

    def clear(self, email: str) -> None:
        counter, _ = self._counter(email)
        self.store.clear(counter)
