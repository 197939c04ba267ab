"""PynamoDB models: the one definition of every DynamoDB table.

The stores use these models, the local stack creates its tables from them, and the CDK stack
builds its tables from them too (an infra test checks the synthesized keys, indexes and TTL).
Physical table names are bound at cold start from settings via `bind`, never at import.
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model


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


@dataclass(frozen=True)
class TableSpec:
    """How a model is wired: the environment variable that names its table, and its TTL attribute."""

    model: type[Model]
    env_var: str
    ttl_attribute: str | None = None


TABLES: dict[str, TableSpec] = {
    "tokens": TableSpec(TokenRecord, "TOKENS_TABLE", ttl_attribute="ttl"),
    "artifacts": TableSpec(ArtifactRecord, "ARTIFACTS_TABLE"),
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
