"""Errors that API Gateway itself answers, before or instead of a function.

One definition for both places that produce them: the CDK stack turns each entry into gateway
responses (response templates), and the local stack answers with the same status and body.
The body is the usual envelope; its requestId is API Gateway's request id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from satchel.http import envelope

# API Gateway substitutes this in gateway response templates.
REQUEST_ID_VARIABLE = "$context.requestId"


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
# Only the local stack can tell a wrong method from an unknown path; API Gateway answers both as
# MISSING_AUTHENTICATION_TOKEN (404 above).
METHOD_NOT_ALLOWED = GatewayError(405, "METHOD_NOT_ALLOWED", "this route does not accept that method", ())
THROTTLED = GatewayError(429, "RATE_LIMITED", "too many requests, slow down", ("THROTTLED",))
REQUEST_TOO_LARGE = GatewayError(413, "PAYLOAD_TOO_LARGE", "the request is too large", ("REQUEST_TOO_LARGE",))
# A function that crashed or answered malformed output (API Gateway: 502 under DEFAULT_5XX).
INTEGRATION_FAILURE = GatewayError(502, "INTERNAL_ERROR", "the service hit an unexpected error", ("DEFAULT_5XX",))
BAD_REQUEST = GatewayError(400, "BAD_REQUEST", "the request was rejected", ("DEFAULT_4XX",))

GATEWAY_ERRORS: tuple[GatewayError, ...] = (
    UNAUTHORIZED,
    FORBIDDEN,
    AUTHORIZER_FAILURE,
    ROUTE_NOT_FOUND,
    METHOD_NOT_ALLOWED,
    THROTTLED,
    REQUEST_TOO_LARGE,
    INTEGRATION_FAILURE,
    BAD_REQUEST,
)
