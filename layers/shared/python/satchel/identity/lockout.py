"""Failed logins, counted per account and source address, with a higher ceiling per account.

Password guessing is stopped without handing anyone a way to lock a known email out:

- Per (account, source): after `max_failures` failed attempts in a fixed window, that source is
  refused for that account until the window ends. The owner on another address is unaffected.
- Per account: a ceiling of `max_failures * ACCOUNT_CEILING_SOURCES` attempts per window from all
  sources together bounds guessing spread over many addresses. Reaching it refuses everyone, so
  locking the owner out takes failures from that many addresses in one window.

Both counts live in ONE item per account and window (`hits` for the account, one attribute per
source), so each attempt reserves its slot in both with a single conditional UpdateItem BEFORE the
password is checked: concurrent guesses cannot all read "not locked yet" and each get a password
check, and a refused attempt counts against neither limit. A failed attempt keeps its slots. A
success clears its source's count but not the account's, which measures guessing volume: an owner
logging in mid-attack must not hand the attackers a fresh ceiling. Refusals answer 429 without
running the password hash. Unknown emails are counted exactly like known ones, so lockout reveals
nothing about which accounts exist.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.operand import Path

from satchel.dynamo import bind
from satchel.errors import TooManyRequests, dependency_failure
from satchel.observability import logger
from satchel.ratelimit.limiter import TTL_SLACK_SECONDS, window_bounds
from satchel.ratelimit.models import RateCounterRecord
from satchel.settings import AwsSettings

# The account ceiling, in sources' worth of failures: 10 x 5 = 50 attempts per 15-minute window by
# default. The per-IP auth rate limit (10/hour) means reaching it takes at least 10 addresses.
ACCOUNT_CEILING_SOURCES = 10
UNKNOWN_SOURCE = "unknown"
_CONDITION_FAILED = "ConditionalCheckFailedException"


class AccountLocked(TooManyRequests):
    code = "LOGIN_LOCKED"


def source_of(ip: str | None) -> str:
    """The source an attempt is counted under: an IPv4 address, or an IPv6 /64.

    One IPv6 subscriber usually holds a whole /64, so counting single IPv6 addresses would give one
    attacker billions of sources. Without an address (a caller that passes none) every attempt
    shares one source, which is per-account counting again: never looser than that.
    """
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return UNKNOWN_SOURCE
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass(frozen=True)
class Reservation:
    """One attempt's slots: the account's window item and the attribute counting its source."""

    counter: str
    source_attribute: str


class LoginAttemptStore:
    """The `rate_limits` items behind lockout, one per account and window (see the module doc)."""

    def __init__(self, aws: AwsSettings, table: str) -> None:
        bind(RateCounterRecord, table_name=table, region=aws.region, host=aws.dynamodb_endpoint_url)

    def reserve(self, slot: Reservation, *, per_source: int, per_account: int, expires_at: int) -> bool:
        """Take one slot of both limits in a single conditional UpdateItem; False if either is full."""
        source = Path([slot.source_attribute])
        hits = RateCounterRecord.hits
        try:
            RateCounterRecord(counter=slot.counter).update(
                actions=[hits.add(1), source.add(1), RateCounterRecord.ttl.set(RateCounterRecord.ttl | expires_at)],
                condition=(hits.does_not_exist() | (hits < per_account))
                & (source.does_not_exist() | (source < per_source)),
            )
        except UpdateError as exc:
            if exc.cause_response_code == _CONDITION_FAILED:
                return False
            raise dependency_failure("dynamodb", "reserve login attempt", exc) from exc
        return True

    def clear_source(self, slot: Reservation) -> None:
        """Forget the source's failures; the item must exist, so no key-only item without TTL is left."""
        try:
            RateCounterRecord(counter=slot.counter).update(
                actions=[Path([slot.source_attribute]).remove()], condition=RateCounterRecord.counter.exists()
            )
        except UpdateError as exc:
            if exc.cause_response_code == _CONDITION_FAILED:
                return  # already gone (the window's item expired): nothing to clear
            raise dependency_failure("dynamodb", "clear login failures", exc) from exc


@dataclass
class LoginThrottle:
    store: LoginAttemptStore
    max_failures: int  # per account and source, per window
    window_seconds: int
    account_ceiling: int | None = None  # attempts per account and window; default max_failures x 10
    clock: Callable[[], float] = field(default=time.time)

    @property
    def ceiling(self) -> int:
        return self.account_ceiling or self.max_failures * ACCOUNT_CEILING_SOURCES

    def _slot(self, email: str, source: str, window_start: int) -> Reservation:
        account = hashlib.sha256(email.encode("utf-8")).hexdigest()
        # Per account, so one address's attribute name differs between accounts; not the address itself.
        pair = hashlib.sha256(f"{email}\n{source}".encode()).hexdigest()[:32]
        return Reservation(counter=f"login-failures#{account}#{window_start}", source_attribute=f"src_{pair}")

    def reserve_attempt(self, email: str, source_ip: str | None = None) -> Reservation:
        """Count this attempt as a failure until it succeeds; 429 when its source or the account is locked."""
        now = int(self.clock())
        start, end = window_bounds(now, self.window_seconds)
        slot = self._slot(email, source_of(source_ip), start)
        allowed = self.store.reserve(
            slot, per_source=self.max_failures, per_account=self.ceiling, expires_at=end + TTL_SLACK_SECONDS
        )
        if not allowed:
            logger.info("login refused: locked for this source or account")
            raise AccountLocked(
                "too many failed logins for this account, try again later",
                retry_after=max(end - now, 1),
            )
        return slot

    def clear(self, reservation: Reservation) -> None:
        """A successful login: forget its source's failures in the window it was reserved in."""
        self.store.clear_source(reservation)
