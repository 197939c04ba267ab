"""User administration behind the admin role: the only way to create or change accounts over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from satchel.errors import Conflict, InvalidRequest
from satchel.identity.domain import Role, UserView
from satchel.identity.service import DEFAULT_ROLES, IdentityService, default_identity_service


@dataclass(frozen=True)
class Actor:
    """The admin making the change. The route table requires the admin role (satchel.routes)."""

    user_id: str
    roles: frozenset[str]


@dataclass
class UserAdministration:
    identity: IdentityService

    def create_user(self, actor: Actor, body: dict[str, Any]) -> UserView:
        """`body` is validated against identity.contract.CREATE_USER."""
        return self.identity.create_user(
            email=body["email"], password=body["password"], roles=body.get("roles", DEFAULT_ROLES)
        )

    def update_user(self, actor: Actor, user_id: str, body: dict[str, Any]) -> UserView:
        """`body` is validated against identity.contract.UPDATE_USER."""
        roles, disabled = body.get("roles"), body.get("disabled")
        if roles is None and disabled is None:
            raise InvalidRequest("give roles or disabled to change", field="roles")
        # An admin cannot lock themselves out; another admin has to do it.
        if user_id == actor.user_id and (disabled is True or (roles is not None and Role.ADMIN.value not in roles)):
            raise Conflict("admins cannot disable or demote themselves", code="SELF_LOCKOUT")
        return self.identity.update_user(user_id, roles=roles, disabled=disabled)


@lru_cache(maxsize=1)
def default_user_administration() -> UserAdministration:
    return UserAdministration(default_identity_service())
