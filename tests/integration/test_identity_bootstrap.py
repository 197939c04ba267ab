"""The first admin without a public endpoint, and the local stack's demo user."""

from __future__ import annotations

from typing import Any

import pytest

from infra.admin.bootstrap import bootstrap_admin
from tests.integration.identity_api import PASSWORD, IdentityApi


@pytest.fixture
def identity(stack: Any, monkeypatch: pytest.MonkeyPatch) -> IdentityApi:
    return IdentityApi.start(stack, monkeypatch)


def test_bootstrap_creates_an_admin_who_can_administer(identity: IdentityApi) -> None:
    user, created = bootstrap_admin(identity.service, email="root@example.com", password=PASSWORD)

    assert created
    assert set(user.roles) == {"admin", "user"}
    admin = identity.tokens("root@example.com")["access_token"]
    assert identity.create_user(admin, {"email": "bob@example.com", "password": PASSWORD}).status == 201


def test_bootstrap_promotes_an_existing_account_and_keeps_its_password(identity: IdentityApi) -> None:
    identity.user("ada@example.com")

    user, created = bootstrap_admin(identity.service, email="ada@example.com", password="some other password")

    assert not created
    assert set(user.roles) == {"admin", "user"}
    assert identity.login("ada@example.com", PASSWORD).status == 200


def test_bootstrap_twice_is_harmless(identity: IdentityApi) -> None:
    bootstrap_admin(identity.service, email="root@example.com", password=PASSWORD)

    user, created = bootstrap_admin(identity.service, email="root@example.com", password=PASSWORD)

    assert not created and "admin" in user.roles


def test_ensure_user_with_a_fixed_id_is_idempotent(identity: IdentityApi) -> None:
    # What the local stack's seeding relies on: the demo user's id is stable for `make token`.
    first, created = identity.service.ensure_user(
        email="demo@example.com", password="satchel-demo-password", roles=["user"], user_id="demo-user"
    )
    again, created_again = identity.service.ensure_user(
        email="demo@example.com", password="satchel-demo-password", roles=["user"], user_id="demo-user"
    )

    assert (first.id, created, again.id, created_again) == ("demo-user", True, "demo-user", False)
    tokens = identity.tokens("demo@example.com", "satchel-demo-password")
    assert identity.me(tokens["access_token"]).body["id"] == "demo-user"
