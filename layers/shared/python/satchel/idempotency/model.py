"""The idempotency table. Attribute names are the ones Powertools' DynamoDB persistence layer uses."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model


class IdempotencyRecord(Model):
    """One Idempotency-Key of one caller on one route: in progress, or the answer it produced."""

    class Meta:
        table_name = "idempotency"
        billing_mode = "PAY_PER_REQUEST"

    id = UnicodeAttribute(hash_key=True)  # "idempotency#" + SHA-256 of (route, caller, key)
    expiration = NumberAttribute()  # epoch seconds: the end of the 24 h window; DynamoDB TTL
    status = UnicodeAttribute()  # INPROGRESS | COMPLETED
    data = UnicodeAttribute(null=True)  # the sealed answer, once COMPLETED
    validation = UnicodeAttribute(null=True)  # digest of the keyed request fingerprint
    in_progress_expiration = NumberAttribute(null=True)  # epoch ms: a crashed first request frees the key
