"""Which source a login attempt is counted under (the lockout itself: tests/integration)."""

from __future__ import annotations

import pytest
from satchel.identity.lockout import source_of


@pytest.mark.parametrize(
    ("ip", "source"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),  # an IPv4 client seen through IPv6
        (None, "unknown"),
        ("", "unknown"),
        ("not an address", "unknown"),
    ],
)
def test_source_of(ip: str | None, source: str) -> None:
    assert source_of(ip) == source
