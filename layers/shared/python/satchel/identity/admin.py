"""User administration behind the admin role: the only way to create or change accounts over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from satchel import validation
from satchel.errors import Conflict, Forbidden, InvalidRequest
from satchel.identity.domain import Role, UserView
from satchel.identity.service import DEFAULT_ROLES, IdentityService, default_identity_service


@dataclass(frozen=True)
class Actor:
    user_id: str
    roles: frozenset[str]


def _require_admin(actor: Actor) -> None:
    if Role.ADMIN.value not in actor.roles:
        raise Forbidden("this action requires the admin role", code="ADMIN_REQUIRED")


def admin_actor(user_id: str, roles: frozenset[str]) -> Actor:
    """The caller as an Actor, refused unless an admin. Handlers call this before reading the
    body, so a non-admin learns nothing about the endpoint's input (not even a 400)."""
    actor = Actor(user_id=user_id, roles=roles)
    _require_admin(actor)
    return actor


def _optional_roles(body: dict[str, Any]) -> list[str] | None:
    roles = body.get("roles")
    if roles is None:
        return None
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise InvalidRequest("roles must be a list of strings", field="roles")
    return roles


def _optional_bool(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise InvalidRequest(f"{name} must be true or false", field=name)
    return value


@dataclass
class UserAdministration:
    identity: IdentityService

    def create_user(self, actor: Actor, body: dict[str, Any]) -> UserView:
        _require_admin(actor)
        roles = _optional_roles(body)
        return self.identity.create_user(
            email=validation.required_string(body, "email"),
            password=validation.required_string(body, "password"),
            roles=DEFAULT_ROLES if roles is None else roles,
        )

    def update_user(self, actor: Actor, user_id: str, body: dict[str, Any]) -> UserView:
        _require_admin(actor)
        roles, disabled = _optional_roles(body), _optional_bool(body, "disabled")
        if roles is None and disabled is None:
            raise InvalidRequest("give roles or disabled to change", field="roles")
        # An admin cannot lock themselves out; another admin has to do it.
        if user_id == actor.user_id and (disabled is True or (roles is not None and Role.ADMIN.value not in roles)):
            raise Conflict("admins cannot disable or demote themselves", code="SELF_LOCKOUT")
        return self.identity.update_user(user_id, roles=roles, disabled=disabled)


@lru_cache(maxsize=1)
def default_user_administration() -> UserAdministration:
    return UserAdministration(default_identity_service())
