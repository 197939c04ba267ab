"""GET /openapi.json: the API's OpenAPI document, generated from the route table (no AWS calls)."""

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from satchel.http import JSON, Response, SatchelResolver
from satchel.observability import logger, metrics, tracer

app = SatchelResolver()


@lru_cache(maxsize=1)
def _document() -> str:
    # Built on first request, not at import: the generator walks every contract.
    from satchel.openapi import render

    return render()


@app.get("/openapi.json")
def openapi_document() -> Response:
    return Response(200, JSON, _document(), headers={"Cache-Control": "public, max-age=300"})


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
