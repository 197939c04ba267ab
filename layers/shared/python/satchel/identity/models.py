"""PynamoDB models of identity: users, their emails, sessions, refresh tokens and the access denylist.

Identity owns the denylist and is its only writer (logout, and a reused refresh token ending its
session); the authorizer only reads it, in one BatchGetItem without PynamoDB
(satchel.auth.revocations mirrors the names here).
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model


class UserRecord(Model):
    """An account. Roles and the disabled flag are read by the authorizer on every uncached call."""

    class Meta:
        table_name = "users"
        billing_mode = "PAY_PER_REQUEST"

    user_id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute()  # normalized (trimmed, lower case)
    password_hash = UnicodeAttribute()  # "scrypt$n$r$p$salt$hash"
    roles = ListAttribute(of=UnicodeAttribute, default=list)
    disabled = BooleanAttribute(default=False)
    # Access tokens issued at or before this second and sessions created before it are void.
    revoked_before = NumberAttribute(default=0)
    created_at = NumberAttribute()
    updated_at = NumberAttribute()


class UserEmailRecord(Model):
    """Email -> user id; written in the same transaction as the user so emails stay unique."""

    class Meta:
        table_name = "user_emails"
        billing_mode = "PAY_PER_REQUEST"

    email = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()


class SessionRecord(Model):
    """A refresh-token family: one login and every token rotated from it."""

    class Meta:
        table_name = "sessions"
        billing_mode = "PAY_PER_REQUEST"

    session_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    created_at = NumberAttribute()
    expires_at = NumberAttribute()  # absolute end of the family, whatever the rotations
    revoked_at = NumberAttribute(null=True)
    revoked_reason = UnicodeAttribute(null=True)
    ttl = NumberAttribute()


class RefreshTokenRecord(Model):
    """One refresh token of a family. Only the SHA-256 of the token is stored."""

    class Meta:
        table_name = "refresh_tokens"
        billing_mode = "PAY_PER_REQUEST"

    token_hash = UnicodeAttribute(hash_key=True)
    session_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    session_created_at = NumberAttribute()
    issued_at = NumberAttribute()
    expires_at = NumberAttribute()  # enforced in code and in the rotation condition
    rotated_at = NumberAttribute(null=True)  # set once; a later use of this token is reuse
    ttl = NumberAttribute()


class RevocationRecord(Model):
    """The denylist: "jti:<id>" for one access token, "sid:<id>" for every token of a session."""

    class Meta:
        table_name = "revocations"
        billing_mode = "PAY_PER_REQUEST"

    entry = UnicodeAttribute(hash_key=True)
    ttl = NumberAttribute()  # when every token it denies has expired anyway
