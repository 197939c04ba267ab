"""PynamoDB models: the one definition of every DynamoDB table.

The stores use these models, the local stack creates its tables from them, and the CDK stack
builds its tables from them too (an infra test checks the synthesized keys, indexes and TTL).
Physical table names are bound at cold start from settings via `bind`, never at import.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

import botocore.session
from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PynamoDBException
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from satchel.aws import botocore_session, client_creation_lock
from satchel.errors import dependency_failure
from satchel.idempotency.model import IdempotencyRecord

M = TypeVar("M", bound=Model)


class TokenRecord(Model):
    """An upload or download token. Only the SHA-256 of the token is stored."""

    class Meta:
        table_name = "tokens"
        billing_mode = "PAY_PER_REQUEST"

    token_hash = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()  # "upload" | "download"
    owner = UnicodeAttribute()
    uses = NumberAttribute(default=0)
    max_uses = NumberAttribute()
    expires_at = NumberAttribute()  # epoch seconds; enforced in code
    ttl = NumberAttribute()  # epoch seconds; DynamoDB TTL cleanup only
    created_at = NumberAttribute()
    # Download tokens carry what the redirect needs, so a download is one conditional update.
    artifact_uuid = UnicodeAttribute(null=True)
    s3_key = UnicodeAttribute(null=True)
    filename = UnicodeAttribute(null=True)
    content_type = UnicodeAttribute(null=True)
    size = NumberAttribute(null=True)


class ArtifactsByOwner(GlobalSecondaryIndex["ArtifactRecord"]):
    class Meta:
        index_name = "by-owner"
        projection = AllProjection()

    owner = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class ArtifactRecord(Model):
    """A stored file: metadata here, bytes in S3 under a server-generated key."""

    class Meta:
        table_name = "artifacts"
        billing_mode = "PAY_PER_REQUEST"

    uuid = UnicodeAttribute(hash_key=True)
    owner = UnicodeAttribute()
    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    sha256 = UnicodeAttribute(null=True)
    s3_key = UnicodeAttribute()
    status = UnicodeAttribute()  # PENDING -> ACTIVE | FAILED
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    upload_token_hash = UnicodeAttribute()
    by_owner = ArtifactsByOwner()


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


class RateCounterRecord(Model):
    """A fixed-window counter: rate limits per principal and class, failed logins per account."""

    class Meta:
        table_name = "rate_limits"
        billing_mode = "PAY_PER_REQUEST"

    counter = UnicodeAttribute(hash_key=True)  # "<scope>#<subject>#<window start>"
    hits = NumberAttribute(default=0)
    ttl = NumberAttribute()


@dataclass(frozen=True)
class TableSpec:
    """How a model is wired: the environment variable that names its table, and its TTL attribute."""

    model: type[Model]
    env_var: str
    ttl_attribute: str | None = None


TABLES: dict[str, TableSpec] = {
    "tokens": TableSpec(TokenRecord, "TOKENS_TABLE", ttl_attribute="ttl"),
    "artifacts": TableSpec(ArtifactRecord, "ARTIFACTS_TABLE"),
    "users": TableSpec(UserRecord, "USERS_TABLE"),
    "user_emails": TableSpec(UserEmailRecord, "USER_EMAILS_TABLE"),
    "sessions": TableSpec(SessionRecord, "SESSIONS_TABLE", ttl_attribute="ttl"),
    "refresh_tokens": TableSpec(RefreshTokenRecord, "REFRESH_TOKENS_TABLE", ttl_attribute="ttl"),
    "revocations": TableSpec(RevocationRecord, "REVOCATIONS_TABLE", ttl_attribute="ttl"),
    "rate_limits": TableSpec(RateCounterRecord, "RATE_LIMITS_TABLE", ttl_attribute="ttl"),
    "idempotency": TableSpec(IdempotencyRecord, "IDEMPOTENCY_TABLE", ttl_attribute="expiration"),
}


def bind(model: type[Model], *, table_name: str, region: str, host: str | None) -> None:
    """Point a model at its physical table. Resets PynamoDB's cached connection so it takes effect."""
    meta = model.Meta
    if (meta.table_name, getattr(meta, "region", None), getattr(meta, "host", None)) == (
        table_name,
        region,
        host,
    ):
        return
    meta.table_name = table_name
    meta.region = region
    meta.host = host
    model._connection = None
    # Route the model through the process-wide connection instead of one of its own.
    table = model._get_connection()
    shared = shared_connection(region, host)
    if table_name not in shared._tables:
        shared.add_meta_table(table.connection.get_meta_table(table_name))
    table.connection = shared


class _SharedSessionConnection(Connection):
    """A PynamoDB connection whose botocore client comes from satchel's one botocore session."""

    @property
    def session(self) -> botocore.session.Session:
        return botocore_session()

    @property
    def client(self):  # type: ignore[no-untyped-def]
        with client_creation_lock:
            return Connection.client.fget(self)  # type: ignore[attr-defined]


@lru_cache(maxsize=8)
def shared_connection(region: str, host: str | None) -> Connection:
    """One PynamoDB connection per endpoint for every model and transaction, on the same botocore
    session as satchel's other clients. PynamoDB would otherwise build a session and a client per
    model, which costs each function's first request ~50 ms per table it touches."""
    return _SharedSessionConnection(region=region, host=host)


def get_or_none(model: type[M], hash_key: str) -> M | None:
    """Strongly consistent read of one item: None when absent, DependencyFailure when DynamoDB fails."""
    try:
        return model.get(hash_key, consistent_read=True)
    except DoesNotExist:
        return None
    except PynamoDBException as exc:
        raise dependency_failure("dynamodb", f"get {model.__name__}", exc) from exc
