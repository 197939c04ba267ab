"""HTTP edge shared by every API function: the resolver, the error envelope, request parsing.

This is the one place where domain errors become HTTP responses:
`{"error": {"code": ..., "message": ..., "requestId": ...}}`.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import ServiceError

from satchel.errors import InvalidRequest, SatchelError, Unauthorized
from satchel.observability import logger, metrics

JSON = "application/json"
CORRELATION_HEADER = "X-Correlation-Id"
_WELL_FORMED_CORRELATION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$")


def envelope(code: str, message: str, request_id: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "requestId": request_id, **extra}}


def correlation_id(event: dict[str, Any]) -> str:
    """The caller's X-Correlation-Id when well formed, else the API Gateway request id."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    supplied = headers.get(CORRELATION_HEADER.lower()) or ""
    if _WELL_FORMED_CORRELATION_ID.match(supplied):
        return supplied
    return str((event.get("requestContext") or {}).get("requestId") or "unknown")


def public_base_url(event: dict[str, Any]) -> str:
    """Absolute base URL the caller used, including any stage or base-path prefix."""
    context = event.get("requestContext") or {}
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    host = context.get("domainName") or headers.get("host", "")
    scheme = headers.get("x-forwarded-proto", "https")
    full_path, route_path = context.get("path") or "", event.get("path") or ""
    prefix = full_path[: -len(route_path)] if route_path and full_path.endswith(route_path) else ""
    return f"{scheme}://{host}{prefix}"


@dataclass(frozen=True)
class Principal:
    user_id: str
    roles: frozenset[str]


class SatchelResolver(APIGatewayRestResolver):
    """APIGatewayRestResolver with Satchel's correlation ids and error envelope."""

    def __init__(self) -> None:
        super().__init__(serializer=lambda body: json.dumps(body, separators=(",", ":")))
        self._correlation_id = "unknown"
        self.exception_handler(SatchelError)(self._domain_error)
        self.exception_handler(ServiceError)(self._powertools_error)
        self.exception_handler(Exception)(self._unexpected_error)
        self.not_found()(self._route_not_found)

    def resolve(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self._correlation_id = correlation_id(event)
        logger.set_correlation_id(self._correlation_id)
        response = super().resolve(event, context)
        key = "multiValueHeaders" if "multiValueHeaders" in response else "headers"
        headers = response.setdefault(key, {}) or {}
        headers[CORRELATION_HEADER] = (
            [self._correlation_id] if key == "multiValueHeaders" else self._correlation_id
        )
        response[key] = headers
        return response

    # -- request helpers ----------------------------------------------------------------------
    def json_body(self) -> dict[str, Any]:
        event = self.current_event
        raw = event.body or ""
        if event.is_base64_encoded:
            raw = base64.b64decode(raw).decode("utf-8", errors="replace")
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            raise InvalidRequest("request body is not valid JSON", code="INVALID_JSON") from None
        if not isinstance(body, dict):
            raise InvalidRequest("request body must be a JSON object", code="INVALID_JSON")
        return body

    def principal(self) -> Principal:
        """The caller the API authorizer verified. Absent context means the route was misconfigured."""
        authorizer = self.current_event.request_context.authorizer
        user_id = authorizer.principal_id if authorizer else None
        if not user_id:
            raise Unauthorized("authentication required")
        roles = (authorizer.get_context() or {}).get("roles") or ""
        return Principal(user_id=user_id, roles=frozenset(r for r in str(roles).split(",") if r))

    def base_url(self) -> str:
        return public_base_url(self.current_event.raw_event)

    # -- error mapping ------------------------------------------------------------------------
    def error_response(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
    ) -> Response:
        return Response(
            status_code=status,
            content_type=JSON,
            body=envelope(code, message, self._correlation_id, **extra),
            headers={"Cache-Control": "no-store", **(headers or {})},
        )

    def _domain_error(self, error: SatchelError) -> Response:
        extra = {"field": error.field} if isinstance(error, InvalidRequest) and error.field else {}
        if error.status >= 500:
            logger.error("request failed", extra={"code": error.code})
            metrics.add_metric(name="ServerErrors", unit="Count", value=1)
        return self.error_response(error.status, error.code, error.message, error.headers, **extra)

    def _powertools_error(self, error: ServiceError) -> Response:
        status = HTTPStatus(error.status_code)
        return self.error_response(status.value, status.name, status.phrase)

    def _unexpected_error(self, error: Exception) -> Response:
        logger.exception("unhandled error")
        metrics.add_metric(name="ServerErrors", unit="Count", value=1)
        return self.error_response(500, "INTERNAL_ERROR", "the service hit an unexpected error")

    def _route_not_found(self, _error: Exception) -> Response:
        return self.error_response(404, "ROUTE_NOT_FOUND", "no such route")
