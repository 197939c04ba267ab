"""Fixed-window counters in DynamoDB: one atomic UpdateItem per hit, TTL for cleanup."""

from __future__ import annotations

from pynamodb.exceptions import DeleteError, PynamoDBException, UpdateError

from satchel.dynamo import bind
from satchel.errors import dependency_failure
from satchel.ratelimit.models import RateCounterRecord
from satchel.settings import AwsSettings


class CounterStore:
    def __init__(self, aws: AwsSettings, table: str) -> None:
        bind(RateCounterRecord, table_name=table, region=aws.region, host=aws.dynamodb_endpoint_url)

    def increment(self, counter: str, *, expires_at: int) -> int:
        """Add one and return the new value, in a single UpdateItem (ADD is atomic)."""
        record = RateCounterRecord(counter=counter)
        try:
            record.update(
                actions=[RateCounterRecord.hits.add(1), RateCounterRecord.ttl.set(RateCounterRecord.ttl | expires_at)]
            )
        except PynamoDBException as exc:
            raise dependency_failure("dynamodb", "increment", exc) from exc
        return int(record.hits)

    def increment_below(self, counter: str, *, limit: int, expires_at: int) -> int | None:
        """Add one unless the counter already holds `limit`: the new value, or None at the limit.

        One conditional UpdateItem, so concurrent callers cannot all pass a limit they each read as
        not reached yet.
        """
        record = RateCounterRecord(counter=counter)
        try:
            record.update(
                actions=[RateCounterRecord.hits.add(1), RateCounterRecord.ttl.set(RateCounterRecord.ttl | expires_at)],
                condition=RateCounterRecord.hits.does_not_exist() | (RateCounterRecord.hits < limit),
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise dependency_failure("dynamodb", "increment_below", exc) from exc
        return int(record.hits)

    def clear(self, counter: str) -> None:
        try:
            RateCounterRecord(counter=counter).delete()
        except DeleteError as exc:
            raise dependency_failure("dynamodb", "clear", exc) from exc
