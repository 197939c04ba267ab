"""PynamoDB model of rate limiting: fixed-window counters (listed in satchel.tables)."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model


class RateCounterRecord(Model):
    """A fixed-window counter: rate limits per principal and class, failed logins per account."""

    class Meta:
        table_name = "rate_limits"
        billing_mode = "PAY_PER_REQUEST"

    counter = UnicodeAttribute(hash_key=True)  # "<scope>#<subject>#<window start>"
    hits = NumberAttribute(default=0)
    ttl = NumberAttribute()
