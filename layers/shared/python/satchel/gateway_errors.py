"""Errors that API Gateway itself answers, before or instead of a function.

One definition for both places that produce them: the CDK stack turns each entry into gateway
responses (response templates and headers), and the local stack answers with the same status,
headers and body. The body is the usual envelope; its requestId is API Gateway's request id, and so
is the X-Correlation-Id header: a gateway response cannot check the caller's X-Correlation-Id
(mapping it would echo it unvalidated, or send nothing without one), so it is not used there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from satchel.http import envelope

# API Gateway substitutes the request id for this in gateway response templates...
REQUEST_ID_VARIABLE = "$context.requestId"
# ...and for this in gateway response header mappings, whose other values are quoted literals.
REQUEST_ID_PARAMETER = "context.requestId"
RESPONSE_HEADERS = {"X-Correlation-Id": REQUEST_ID_PARAMETER, "Cache-Control": "'no-store'"}


def response_headers(request_id: str) -> dict[str, str]:
    """The headers of a gateway response as the client receives them."""
    return {
        name: request_id if value == REQUEST_ID_PARAMETER else value.strip("'")
        for name, value in RESPONSE_HEADERS.items()
    }


@dataclass(frozen=True)
class GatewayError:
    status: int
    code: str
    message: str
    # API Gateway gateway response types answered with this error. The catch-all types
    # DEFAULT_4XX/DEFAULT_5XX keep API Gateway's own status; every other type gets `status`.
    response_types: tuple[str, ...]

    def body(self, request_id: str) -> dict[str, Any]:
        return envelope(self.code, self.message, request_id)

    def response_template(self) -> str:
        """The application/json template for the CDK gateway responses."""
        return json.dumps(self.body(REQUEST_ID_VARIABLE), separators=(",", ":"))


UNAUTHORIZED = GatewayError(401, "UNAUTHORIZED", "a valid bearer token is required", ("UNAUTHORIZED",))
FORBIDDEN = GatewayError(403, "FORBIDDEN", "access to this resource is denied", ("ACCESS_DENIED",))
AUTHORIZER_FAILURE = GatewayError(
    500,
    "AUTHORIZER_FAILURE",
    "the request could not be authorized, try again",
    ("AUTHORIZER_FAILURE", "AUTHORIZER_CONFIGURATION_ERROR"),
)
# API Gateway answers unknown paths with 403 "Missing Authentication Token"; we say what it is.
ROUTE_NOT_FOUND = GatewayError(404, "ROUTE_NOT_FOUND", "no such route", ("MISSING_AUTHENTICATION_TOKEN",))
# A known path with a method it does not have is the same MISSING_AUTHENTICATION_TOKEN: no 405.
THROTTLED = GatewayError(429, "RATE_LIMITED", "too many requests, slow down", ("THROTTLED",))
REQUEST_TOO_LARGE = GatewayError(413, "PAYLOAD_TOO_LARGE", "the request is too large", ("REQUEST_TOO_LARGE",))
# A function that crashed or answered malformed output (API Gateway: 502 under DEFAULT_5XX).
INTEGRATION_FAILURE = GatewayError(502, "INTERNAL_ERROR", "the service hit an unexpected error", ("DEFAULT_5XX",))
# Every other 4xx API Gateway produces itself (400 bad parameters, 403 WAF, 415, ...) keeps its status,
# so the code must not claim a particular one. Locally: a request that is not valid HTTP/1.1.
REQUEST_REJECTED = GatewayError(400, "REQUEST_REJECTED", "the request was rejected", ("DEFAULT_4XX",))
# Two of those with statuses of their own, answered by the local edge: both reach a client of the
# deployed API through DEFAULT_4XX (REQUEST_REJECTED's body), so they add no gateway response.
URI_TOO_LONG = replace(REQUEST_REJECTED, status=414, response_types=())
HEADERS_TOO_LARGE = replace(REQUEST_REJECTED, status=431, response_types=())

GATEWAY_ERRORS: tuple[GatewayError, ...] = (
    UNAUTHORIZED,
    FORBIDDEN,
    AUTHORIZER_FAILURE,
    ROUTE_NOT_FOUND,
    THROTTLED,
    REQUEST_TOO_LARGE,
    INTEGRATION_FAILURE,
    REQUEST_REJECTED,
)
