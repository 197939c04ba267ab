"""Fixed-window counters in DynamoDB: one atomic UpdateItem per hit, TTL for cleanup."""

from __future__ import annotations

from pynamodb.exceptions import DeleteError, DoesNotExist, PynamoDBException

from satchel.errors import DependencyFailure
from satchel.models import RateCounterRecord, bind
from satchel.observability import logger
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
            raise _failure("increment", exc) from exc
        return int(record.hits)

    def peek(self, counter: str) -> int:
        try:
            return int(RateCounterRecord.get(counter, consistent_read=True).hits)
        except DoesNotExist:
            return 0
        except PynamoDBException as exc:
            raise _failure("peek", exc) from exc

    def clear(self, counter: str) -> None:
        try:
            RateCounterRecord(counter=counter).delete()
        except DeleteError as exc:
            raise _failure("clear", exc) from exc


def _failure(operation: str, exc: PynamoDBException) -> DependencyFailure:
    logger.exception("counter store call failed", extra={"operation": operation, "aws_code": exc.cause_response_code})
    return DependencyFailure("the service could not complete the request, try again")
