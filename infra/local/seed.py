"""Starting data of the local stack, created right after the resources are provisioned.

The demo user's id lives here and nowhere else: `make token` mints for it, and login works for
demo@example.com with the password in SATCHEL_DEMO_PASSWORD (default below).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from satchel.auth.keys import KeySet
from satchel.identity.service import default_identity_service

from infra.local.resources import LocalNames

DEMO_USER_ID = "demo-user"
DEMO_USER_EMAIL = "demo@example.com"
DEMO_USER_ROLES: tuple[str, ...] = ("user",)
DEFAULT_DEMO_PASSWORD = "satchel-demo-password"  # noqa: S105 - local demo account, documented


@dataclass(frozen=True)
class SeedContext:
    names: LocalNames
    clients: dict[str, Any]  # boto3 clients pointed at the emulators, by service name
    keys: KeySet


Seeder = Callable[[SeedContext], None]


def seed_demo_user(context: SeedContext) -> None:
    """The account a newcomer uses: through `make token`, or by logging in with its password."""
    password = os.environ.get("SATCHEL_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
    default_identity_service().ensure_user(
        email=DEMO_USER_EMAIL, password=password, roles=DEMO_USER_ROLES, user_id=DEMO_USER_ID
    )


# Each capability that needs starting data adds its seeder here.
SEEDERS: tuple[Seeder, ...] = (seed_demo_user,)


def seed(context: SeedContext, seeders: tuple[Seeder, ...] = SEEDERS) -> None:
    for seeder in seeders:
        seeder(context)
