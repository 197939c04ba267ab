"""REST API Lambda authorizer: verifies the bearer JWT and the caller's standing (one DynamoDB read)."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from satchel.auth.authorizer import default_authorizer
from satchel.correlation import correlation_id
from satchel.errors import Unauthorized
from satchel.observability import logger, metrics, tracer

# Rejected tokens also count as Lambda errors (the 401 contract below), so the alarm watches this.
FAILURE_METRIC = "AuthorizerFailures"


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The REQUEST event carries the API request id and the caller's X-Correlation-Id.
    # Per thread, as in SatchelResolver.resolve: the local stack runs concurrent requests in one process.
    logger.thread_safe_append_keys(correlation_id=correlation_id(event, fallback=context.aws_request_id))
    try:
        return default_authorizer().authorize(event)
    except Unauthorized as exc:
        logger.info("request rejected", extra={"code": exc.code})
        # API Gateway's contract: this exact message yields 401 (our UNAUTHORIZED gateway response).
        raise Exception("Unauthorized") from None
    except Exception:
        # API Gateway answers 500 AUTHORIZER_FAILURE; someone should look.
        logger.exception("authorizer failed")
        metrics.add_metric(name=FAILURE_METRIC, unit=MetricUnit.Count, value=1)
        raise
