"""Powertools' idempotency persistence on PynamoDB (the process's one botocore session).

Powertools' own DynamoDBPersistenceLayer builds a boto3 session and client of its own; every other
DynamoDB call here goes through satchel.dynamo's shared connection, so this layer does too. Each
method is one DynamoDB request, with the conditions Powertools' layer uses. (Importing Powertools'
idempotency package still imports boto3, which is why satchel.http imports this module only for
requests that carry an Idempotency-Key.)
"""

from __future__ import annotations

import threading
import time

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import STATUS_CONSTANTS, DataRecord
from pynamodb.exceptions import DoesNotExist, PutError

from satchel.dynamo import bind
from satchel.idempotency.model import IdempotencyRecord
from satchel.idempotency.settings import IdempotencySettings

INPROGRESS = STATUS_CONSTANTS["INPROGRESS"]

# The local stack serves requests on threads that share this module: bind the model once at a time.
_bind_lock = threading.Lock()


class PynamoPersistenceLayer(BasePersistenceLayer):
    def __init__(self, settings: IdempotencySettings) -> None:
        with _bind_lock:
            bind(
                IdempotencyRecord,
                table_name=settings.table,
                region=settings.aws.region,
                host=settings.aws.dynamodb_endpoint_url,
            )
        super().__init__()

    def _get_record(self, idempotency_key: str) -> DataRecord:
        try:
            item = IdempotencyRecord.get(idempotency_key, consistent_read=True)
        except DoesNotExist:
            raise IdempotencyItemNotFoundError from None
        return DataRecord(
            idempotency_key=item.id,
            status=item.status,
            expiry_timestamp=int(item.expiration),
            in_progress_expiry_timestamp=None
            if item.in_progress_expiration is None
            else int(item.in_progress_expiration),
            response_data=item.data or "",
            payload_hash=item.validation or "",
        )

    def _put_record(self, data_record: DataRecord) -> None:
        """Claim the key: succeeds only if no record exists, it has expired, or it is a request
        still marked in progress after its Lambda invocation must have ended."""
        now = time.time()
        record = IdempotencyRecord(
            id=data_record.idempotency_key,
            expiration=data_record.expiry_timestamp,
            status=data_record.status,
            validation=data_record.payload_hash or None,
            in_progress_expiration=data_record.in_progress_expiry_timestamp,
        )
        free = (
            IdempotencyRecord.id.does_not_exist()
            | (IdempotencyRecord.expiration < int(now))
            | (
                (IdempotencyRecord.status == INPROGRESS)
                & IdempotencyRecord.in_progress_expiration.exists()
                & (IdempotencyRecord.in_progress_expiration < int(now * 1000))
            )
        )
        try:
            record.save(condition=free)
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                # Powertools then reads the record (consistently) to replay it or answer "in progress".
                raise IdempotencyItemAlreadyExistsError from None
            raise

    def _update_record(self, data_record: DataRecord) -> None:
        if data_record.expiry_timestamp is None:  # Powertools always sets it; a record must expire
            raise ValueError("an idempotency record needs an expiry")
        IdempotencyRecord(id=data_record.idempotency_key).update(
            actions=[
                IdempotencyRecord.data.set(data_record.response_data),
                IdempotencyRecord.expiration.set(data_record.expiry_timestamp),
                IdempotencyRecord.status.set(data_record.status),
                IdempotencyRecord.validation.set(data_record.payload_hash),
            ]
        )

    def _delete_record(self, data_record: DataRecord) -> None:
        IdempotencyRecord(id=data_record.idempotency_key).delete()
