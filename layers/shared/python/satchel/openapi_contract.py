"""The contract of GET /openapi.json: the API's own description, served unauthenticated."""

from __future__ import annotations

from satchel.contract import Answer, Contract

OPENAPI_DOCUMENT = Contract(
    summary="This API's OpenAPI 3.1 document",
    answers=(Answer(200, "the document (the same one docs/openapi.json commits)", {"type": "object"}),),
    # Only the shared rate limiter touches AWS here, and it fails open.
    uses_aws=False,
)
