"""PynamoDB models of transfers: upload/download tokens and artifacts (listed in satchel.tables)."""

from __future__ import annotations

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
