"""REST API Lambda authorizer (TOKEN type): verifies the bearer JWT."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from satchel.auth.authorizer import default_authorizer
from satchel.errors import Unauthorized
from satchel.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        return default_authorizer().authorize(event)
    except Unauthorized as exc:
        logger.info("request rejected", extra={"code": exc.code})
        # API Gateway's contract: this exact message yields 401 (our UNAUTHORIZED gateway response).
        raise Exception("Unauthorized") from None
