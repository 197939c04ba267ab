"""Starting data of the local stack, created right after the resources are provisioned.

The demo user's id lives here and nowhere else: `make token` mints for it, and login works for
demo@example.com with the password in SATCHEL_DEMO_PASSWORD (default below).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from satchel.auth.keys import KeySet
from satchel.identity.domain import User
from satchel.identity.passwords import PasswordHasher, ScryptParams
from satchel.identity.store import IdentityStore
from satchel.settings import identity_settings

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
    settings = identity_settings()
    password_params = ScryptParams(
        n=settings.passwords.scrypt_n, r=settings.passwords.scrypt_r, p=settings.passwords.scrypt_p
    )
    password = os.environ.get("SATCHEL_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
    now = int(time.time())
    IdentityStore(settings).create_user(
        User(
            user_id=DEMO_USER_ID,
            email=DEMO_USER_EMAIL,
            password_hash=PasswordHasher(password_params).hash(password),
            roles=DEMO_USER_ROLES,
            disabled=False,
            revoked_before=0,
            created_at=now,
            updated_at=now,
        )
    )


# Each capability that needs starting data adds its seeder here.
SEEDERS: tuple[Seeder, ...] = (seed_demo_user,)


def seed(context: SeedContext, seeders: tuple[Seeder, ...] = SEEDERS) -> None:
    for seeder in seeders:
        seeder(context)
