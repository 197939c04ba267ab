"""Every DynamoDB table: logical name -> its PynamoDB model, the variable naming it, its TTL attribute.

The local stack creates its tables from this registry, the CDK stack builds its tables from it too
(an infra test checks the synthesized keys, indexes and TTL), and function environments take
their table variables from it. It imports every domain's models, so it is for infra, the local
stack and tests: runtime code imports its own domain's models directly, keeping cold starts lean.
To add a table: define the model in its domain's `models.py` and add one line below.
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.models import Model

from satchel.idempotency.model import IdempotencyRecord
from satchel.identity.models import RefreshTokenRecord, RevocationRecord, SessionRecord, UserEmailRecord, UserRecord
from satchel.ratelimit.models import RateCounterRecord
from satchel.transfers.models import ArtifactRecord, TokenRecord


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
