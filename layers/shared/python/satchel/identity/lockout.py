"""Failed logins per account, counted independently of the caller's address.

A fixed window per normalized email (stored as a hash, not the address). Each attempt reserves
one slot BEFORE the password is checked, in one conditional write, so concurrent guesses cannot
all read "not locked yet" and each get a password check. A failed attempt keeps its slot; a
successful one clears the window. Once `max_failures` slots are taken, every attempt for that
email is refused with 429 until the window ends, even with the right password, and without
running the password hash. Unknown emails are counted exactly like known ones, so lockout
behaviour does not reveal which accounts exist.
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

    def reserve_attempt(self, email: str) -> None:
        """Count this attempt as a failure until it succeeds; 429 when the account is locked."""
        counter, end = self._counter(email)
        if self.store.increment_below(counter, limit=self.max_failures, expires_at=end + TTL_SLACK_SECONDS) is None:
            logger.info("login refused: account locked")
            raise AccountLocked(
                "too many failed logins for this account, try again later",
                retry_after=max(end - int(self.clock()), 1),
            )

    def clear(self, email: str) -> None:
        """A successful login: forget the window's failures (and this attempt's reservation)."""
        counter, _ = self._counter(email)
        self.store.clear(counter)
