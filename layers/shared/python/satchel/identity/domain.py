"""Domain objects of identity. Stores return these, never PynamoDB models."""

from __future__ import annotations

import re
from dataclasses import dataclass

from satchel.errors import InvalidRequest
from satchel.identity.limits import KNOWN_ROLES, MAX_EMAIL_CHARS, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, Role

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def valid_email(email: str) -> str:
    normalized = normalize_email(email)
    if len(normalized) > MAX_EMAIL_CHARS or not _EMAIL.match(normalized):
        raise InvalidRequest("email must be an email address", field="email")
    return normalized


def valid_new_password(password: str) -> str:
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise InvalidRequest(
            f"password must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters", field="password"
        )
    return password


def valid_roles(roles: object) -> tuple[str, ...]:
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise InvalidRequest("roles must be a list of strings", field="roles")
    unknown = sorted(set(roles) - KNOWN_ROLES)
    if unknown:
        raise InvalidRequest(f"roles has unknown role(s): {', '.join(unknown)}", field="roles")
    return tuple(sorted(set(roles)))


@dataclass(frozen=True)
class User:
    user_id: str
    email: str
    password_hash: str
    roles: tuple[str, ...]
    disabled: bool
    revoked_before: int
    created_at: int
    updated_at: int

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN.value in self.roles


@dataclass(frozen=True)
class RefreshToken:
    token_hash: str
    session_id: str
    user_id: str
    session_created_at: int
    issued_at: int
    expires_at: int
    rotated_at: int | None

    def is_expired(self, now: int) -> bool:
        return now >= self.expires_at


@dataclass(frozen=True)
class Session:
    session_id: str
    user_id: str
    created_at: int
    expires_at: int


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int


@dataclass(frozen=True)
class UserView:
    """What the API shows about an account: never the password hash."""

    id: str
    email: str
    roles: tuple[str, ...]
    disabled: bool

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls(id=user.user_id, email=user.email, roles=user.roles, disabled=user.disabled)
