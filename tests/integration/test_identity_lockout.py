"""Failed-login lockout: per account and source address, with a ceiling per account.

Most tests call IdentityService.login with the source address API Gateway reports, against the
real `rate_limits` table (moto). One goes through the emulated API Gateway to check that the
address reaches the service.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from satchel.errors import SatchelError
from satchel.identity.lockout import AccountLocked
from satchel.identity.passwords import PasswordHasher

from tests.integration.identity_api import PASSWORD, IdentityApi, assert_error

ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"
WRONG = "not the password at all"


@pytest.fixture
def identity(stack: Any, monkeypatch: pytest.MonkeyPatch) -> IdentityApi:
    api = IdentityApi.start(stack, monkeypatch)
    api.user("ada@example.com")
    return api


def _login(
    identity: IdentityApi, source_ip: str | None, password: str = PASSWORD, email: str = "ada@example.com"
) -> int:
    """The status a login answers: 200, or the refusal's status."""
    try:
        identity.service.login(email, password, source_ip=source_ip)
    except SatchelError as exc:
        return exc.status
    return 200


def _fail(identity: IdentityApi, source_ip: str | None, times: int, email: str = "ada@example.com") -> None:
    assert [_login(identity, source_ip, WRONG, email) for _ in range(times)] == [401] * times


@pytest.fixture
def counted_checks(identity: IdentityApi) -> list[int]:
    """One entry per password check (scrypt run) the service makes from now on."""
    checks: list[int] = []

    def counting_scrypt(password: bytes, **kwargs: Any) -> bytes:
        checks.append(1)
        return hashlib.scrypt(password, **kwargs)

    identity.service.hasher = PasswordHasher(identity.service.hasher.params, kdf=counting_scrypt)
    return checks


def _race(guesses: int, guess: Callable[[int], int]) -> list[int]:
    with ThreadPoolExecutor(max_workers=guesses) as pool:
        return sorted(pool.map(guess, range(guesses)))


# -- the owner is not locked out by someone else's failures --------------------------------


def test_the_owner_logs_in_from_another_address_while_the_attackers_is_locked(identity: IdentityApi) -> None:
    # Given five wrong passwords from an attacker's address
    _fail(identity, ATTACKER, 5)

    # Then that address is locked, even with the right password, and the owner elsewhere is not
    assert _login(identity, ATTACKER) == 429
    assert _login(identity, OWNER) == 200
    # And the owner's success does not unlock the attacker
    assert _login(identity, ATTACKER) == 429
    assert _login(identity, ATTACKER, WRONG) == 429


def test_a_locked_address_is_told_when_to_come_back(identity: IdentityApi) -> None:
    _fail(identity, ATTACKER, 5)

    with pytest.raises(AccountLocked) as locked:
        identity.service.login("ada@example.com", PASSWORD, source_ip=ATTACKER)

    assert locked.value.code == "LOGIN_LOCKED"
    assert 1 <= locked.value.retry_after <= identity.service.throttle.window_seconds


def test_an_address_locked_for_one_account_may_still_log_in_to_another(identity: IdentityApi) -> None:
    identity.user("bob@example.com")
    _fail(identity, ATTACKER, 5)

    assert _login(identity, ATTACKER, email="bob@example.com") == 200


def test_guessing_spread_over_many_addresses_stops_at_the_account_ceiling(
    identity: IdentityApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given one failure allowed per address, so the account ceiling is 10 attempts per window
    throttle = identity.service.throttle
    monkeypatch.setattr(throttle, "max_failures", 1)
    assert throttle.ceiling == 10

    # When ten addresses each fail once
    for n in range(10):
        _fail(identity, f"203.0.113.{n}", 1)

    # Then the account refuses every address for the rest of the window, the owner's included
    assert _login(identity, "192.0.2.200", WRONG) == 429
    assert _login(identity, OWNER) == 429


def test_unknown_emails_lock_exactly_like_real_ones(identity: IdentityApi) -> None:
    _fail(identity, ATTACKER, 5, email="nobody@example.com")

    assert _login(identity, ATTACKER, email="nobody@example.com") == 429
    assert _login(identity, OWNER, WRONG, email="nobody@example.com") == 401


def test_success_clears_the_failures_of_its_address(identity: IdentityApi) -> None:
    _fail(identity, OWNER, 4)
    assert _login(identity, OWNER) == 200

    _fail(identity, OWNER, 4)  # 4 + 1 + 4 would pass the limit had the success not cleared it

    assert _login(identity, OWNER) == 200


def test_lockout_ends_with_its_window(identity: IdentityApi) -> None:
    throttle = identity.service.throttle
    start = 1_800_000_000 - 1_800_000_000 % throttle.window_seconds
    throttle.clock = lambda: start + 10
    _fail(identity, ATTACKER, 5)
    assert _login(identity, ATTACKER) == 429

    throttle.clock = lambda: start + throttle.window_seconds

    assert _login(identity, ATTACKER) == 200


def test_addresses_in_one_ipv6_64_are_one_source(identity: IdentityApi) -> None:
    for n in range(1, 6):
        assert _login(identity, f"2001:db8:0:1::{n}", WRONG) == 401

    assert _login(identity, "2001:db8:0:1:ffff::9") == 429  # same /64, another address
    assert _login(identity, "2001:db8:0:2::1") == 200  # the next /64


def test_without_a_source_address_failures_count_per_account(identity: IdentityApi) -> None:
    # A caller that passes no address gets the old, stricter behaviour, never a looser one.
    _fail(identity, None, 5)

    assert _login(identity, None) == 429


# -- concurrency: the attempt is reserved before the password is checked -------------------


@pytest.mark.usefixtures("atomic_requests")
def test_concurrent_guesses_from_one_address_get_no_more_checks_than_the_limit(
    identity: IdentityApi, counted_checks: list[int]
) -> None:
    limit = identity.service.throttle.max_failures

    statuses = _race(20, lambda n: _login(identity, ATTACKER, f"{WRONG} {n}"))

    assert len(counted_checks) == limit
    assert statuses == [401] * limit + [429] * (20 - limit)


@pytest.mark.usefixtures("atomic_requests")
def test_concurrent_guesses_from_many_addresses_get_no_more_checks_than_the_ceiling(
    identity: IdentityApi, counted_checks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(identity.service.throttle, "max_failures", 1)  # ceiling 10

    statuses = _race(30, lambda n: _login(identity, f"203.0.113.{n}", f"{WRONG} {n}"))

    assert len(counted_checks) == 10
    assert statuses == [401] * 10 + [429] * 20


# -- through API Gateway ---------------------------------------------------------------------


def test_through_the_gateway_lockout_answers_429_with_retry_after(identity: IdentityApi) -> None:
    for _ in range(5):
        assert identity.login("ada@example.com", WRONG, ip=ATTACKER).status == 401

    response = identity.login("ada@example.com", ip=ATTACKER)

    assert_error(response, 429, "LOGIN_LOCKED")
    assert 1 <= int(response.headers["retry-after"]) <= 900


def test_through_the_gateway_the_owner_is_not_locked_out_by_another_address(identity: IdentityApi) -> None:
    for _ in range(5):
        identity.login("ada@example.com", WRONG, ip=ATTACKER)

    assert identity.login("ada@example.com", ip=OWNER).status == 200
