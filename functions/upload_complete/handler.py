"""S3 ObjectCreated notifications (through SQS) -> activate or reject the uploaded artifact."""

from typing import Any

import satchel  # noqa: F401 - first, so Powertools' event classes load lazily (satchel.lazy_packages)
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from satchel.observability import logger, tracer
from satchel.transfers.service import default_service

processor = BatchProcessor(event_type=EventType.SQS)


def handle_record(record: SQSRecord) -> None:
    default_service().complete_notification(record.json_body)


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)
