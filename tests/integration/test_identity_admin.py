"""POST /admin/users and PATCH /admin/users/{id}: admin only; disabling takes effect everywhere."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.identity_api import PASSWORD, IdentityApi, assert_error, claims_of


@pytest.fixture
def identity(stack: Any, monkeypatch: pytest.MonkeyPatch) -> IdentityApi:
    return IdentityApi.start(stack, monkeypatch)


def test_admin_creates_a_user_who_can_log_in(identity: IdentityApi) -> None:
    admin = identity.admin_token()

    response = identity.create_user(admin, {"email": "Bob@Example.com", "password": PASSWORD, "roles": ["user"]})

    assert response.status == 201, response
    assert response.body["email"] == "bob@example.com"
    assert response.body["roles"] == ["user"]
    assert response.body["disabled"] is False
    assert "password" not in str(response.body)
    assert identity.login("bob@example.com").status == 200


def test_roles_default_to_user(identity: IdentityApi) -> None:
    response = identity.create_user(identity.admin_token(), {"email": "bob@example.com", "password": PASSWORD})

    assert response.body["roles"] == ["user"]


def test_non_admin_gets_403_on_every_admin_route(identity: IdentityApi) -> None:
    identity.user("eve@example.com")
    eve = identity.tokens("eve@example.com")["access_token"]
    victim = identity.user("ada@example.com")

    created = identity.create_user(eve, {"email": "mallory@example.com", "password": PASSWORD, "roles": ["admin"]})
    patched = identity.patch_user(eve, victim.id, {"disabled": True})
    promoted = identity.patch_user(eve, claims_of(eve)["sub"], {"roles": ["admin", "user"]})

    for response in (created, patched, promoted):
        assert_error(response, 403, "ADMIN_REQUIRED")
    assert identity.login("mallory@example.com").status == 401
    assert identity.login("ada@example.com").status == 200


def test_a_non_admin_is_refused_before_the_body_is_read(identity: IdentityApi) -> None:
    identity.user("eve@example.com")
    eve = identity.tokens("eve@example.com")["access_token"]

    response = identity.call("POST", "/admin/users", "not an object", token=eve)

    assert_error(response, 403, "ADMIN_REQUIRED")


def test_admin_routes_need_a_token(identity: IdentityApi) -> None:
    assert_error(identity.call("POST", "/admin/users", {"email": "x@example.com"}), 401, "UNAUTHORIZED")


def test_a_demoted_admin_loses_access_with_the_same_token(identity: IdentityApi) -> None:
    # Roles come from the user record at authorization time, not from the token's claim.
    admin = identity.admin_token("first@example.com")
    second = identity.user("second@example.com", roles=("admin", "user"))
    second_token = identity.tokens("second@example.com")["access_token"]
    assert identity.patch_user(admin, second.id, {"roles": ["user"]}).status == 200

    response = identity.create_user(second_token, {"email": "x@example.com", "password": PASSWORD})

    assert_error(response, 403, "ADMIN_REQUIRED")


def test_disabling_a_user_blocks_login_refresh_and_existing_tokens(identity: IdentityApi) -> None:
    admin = identity.admin_token()
    user = identity.user("ada@example.com")
    tokens = identity.tokens("ada@example.com")

    response = identity.patch_user(admin, user.id, {"disabled": True})

    assert response.status == 200, response
    assert response.body["disabled"] is True
    assert_error(identity.login("ada@example.com"), 401, "INVALID_CREDENTIALS")
    assert_error(identity.refresh(tokens["refresh_token"]), 401, "INVALID_REFRESH_TOKEN")
    assert_error(identity.me(tokens["access_token"]), 401, "UNAUTHORIZED")


def test_enabling_again_allows_a_fresh_login(identity: IdentityApi) -> None:
    admin = identity.admin_token()
    user = identity.user("ada@example.com")
    identity.patch_user(admin, user.id, {"disabled": True})

    assert identity.patch_user(admin, user.id, {"disabled": False}).body["disabled"] is False

    assert identity.login("ada@example.com").status == 200


def test_admin_cannot_lock_themselves_out(identity: IdentityApi) -> None:
    admin = identity.admin_token()
    own_id = claims_of(admin)["sub"]

    assert_error(identity.patch_user(admin, own_id, {"disabled": True}), 409, "SELF_LOCKOUT")
    assert_error(identity.patch_user(admin, own_id, {"roles": ["user"]}), 409, "SELF_LOCKOUT")


def test_unknown_user_is_404(identity: IdentityApi) -> None:
    assert_error(identity.patch_user(identity.admin_token(), "no-such-user", {"disabled": True}), 404, "USER_NOT_FOUND")


def test_duplicate_email_is_409(identity: IdentityApi) -> None:
    admin = identity.admin_token()
    identity.user("ada@example.com")

    response = identity.create_user(admin, {"email": "ADA@example.com", "password": PASSWORD})

    assert_error(response, 409, "EMAIL_TAKEN")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "bob@example.com", "password": "short"}, "password"),
        ({"email": "bob@example.com", "password": PASSWORD, "roles": ["root"]}, "roles"),
        ({"email": "bob@example.com", "password": PASSWORD, "roles": "admin"}, "roles"),
        ({"password": PASSWORD}, "email"),
    ],
)
def test_invalid_new_user_is_400_naming_the_field(identity: IdentityApi, body: dict[str, Any], field: str) -> None:
    response = identity.create_user(identity.admin_token(), body)

    assert response.status == 400, response
    assert response.error["field"] == field


@pytest.mark.parametrize(("body", "field"), [({}, "roles"), ({"disabled": "yes"}, "disabled")])
def test_invalid_patch_is_400(identity: IdentityApi, body: dict[str, Any], field: str) -> None:
    user = identity.user("ada@example.com")

    response = identity.patch_user(identity.admin_token(), user.id, body)

    assert response.status == 400, response
    assert response.error["field"] == field
