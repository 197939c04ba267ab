"""HTTP edge shared by every API function: the resolver, the error envelope, request parsing.

This is the one place where domain errors become HTTP responses:
`{"error": {"code": ..., "message": ..., "requestId": ...}}`.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder
from aws_lambda_powertools.event_handler.exceptions import ServiceError

from satchel.contract import IDEMPOTENCY_HEADER
from satchel.correlation import CORRELATION_HEADER, correlation_id
from satchel.errors import Forbidden, InvalidRequest, SatchelError, TooManyRequests, Unauthorized
from satchel.observability import logger, metrics
from satchel.routes import ADMIN, Route, rate_class_of, route_for

if TYPE_CHECKING:
    from satchel.ratelimit.limiter import RateDecision, RateLimiter
    from satchel.schema import ContractValidator, ValidRequest

JSON = "application/json"


def to_json(body: Any) -> str:
    """The one JSON form of every body the functions answer (compact)."""
    return json.dumps(body, separators=(",", ":"))


def envelope(code: str, message: str, request_id: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "requestId": request_id, **extra}}


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
    # The verified access token behind the request (logout denies it); None for dev-minted tokens.
    token_id: str | None = None
    session_id: str | None = None
    token_expires_at: int | None = None


def _default_rate_limiter() -> RateLimiter:
    # Imported on first request, not at import: the limiter's store pulls in PynamoDB.
    from satchel.ratelimit.limiter import default_rate_limiter

    return default_rate_limiter()


class SatchelResolver(APIGatewayRestResolver):
    """APIGatewayRestResolver with Satchel's correlation ids and error envelope."""

    def __init__(self, rate_limiter: Callable[[], RateLimiter] = _default_rate_limiter) -> None:
        super().__init__(serializer=to_json)
        self._correlation_id = "unknown"
        self._rate_limiter = rate_limiter
        self.exception_handler(SatchelError)(self._domain_error)
        self.exception_handler(ServiceError)(self._powertools_error)
        self.exception_handler(Exception)(self._unexpected_error)
        self.not_found()(self._route_not_found)
        self.use([_enforce_contract, _apply_idempotency])

    @staticmethod
    def _compile_regex(rule: str, base_regex: str = "^{}/*$") -> re.Pattern[str]:
        """A route's path pattern. API Gateway has already matched the resource, so a path
        parameter is any non-empty segment it matched: Powertools' own pattern admits only
        URL-safe characters and would answer a token holding any other character (a decoded
        control character, most non-ASCII) with 404 ROUTE_NOT_FOUND instead of the route's
        own answer (TOKEN_NOT_FOUND)."""
        return re.compile(base_regex.format(re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", rule)))

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        self._correlation_id = correlation_id(event)
        # Per thread: the local stack serves concurrent requests from one process and one Logger.
        logger.thread_safe_append_keys(correlation_id=self._correlation_id)
        decision = self._count_request(event)
        if decision is not None and not decision.allowed:
            response = self._too_many_requests(event, decision)
        else:
            response = super().resolve(event, context)
        key = "multiValueHeaders" if "multiValueHeaders" in response else "headers"
        headers = response.setdefault(key, {}) or {}
        extra = {**(decision.headers() if decision else {}), CORRELATION_HEADER: self._correlation_id}
        for name, value in extra.items():
            headers[name] = [value] if key == "multiValueHeaders" else value
        response[key] = headers
        return response

    # -- request helpers ----------------------------------------------------------------------
    @property
    def inputs(self) -> ValidRequest:
        """The request's declared inputs, validated against the route's contract."""
        return self.context["request"]  # type: ignore[no-any-return]

    @property
    def body(self) -> dict[str, Any]:
        return self.inputs.body

    def principal(self) -> Principal:
        """The caller the API authorizer verified. Absent context means the route was misconfigured."""
        authorizer = self.current_event.request_context.authorizer
        user_id = authorizer.principal_id if authorizer else None
        if not user_id:
            raise Unauthorized("authentication required")
        context = authorizer.get_context() or {}
        roles = context.get("roles") or ""
        expires = str(context.get("exp") or "")
        return Principal(
            user_id=user_id,
            roles=frozenset(r for r in str(roles).split(",") if r),
            token_id=str(context["jti"]) if context.get("jti") else None,
            session_id=str(context["sid"]) if context.get("sid") else None,
            token_expires_at=int(expires) if expires.isdigit() else None,
        )

    # -- rate limiting ------------------------------------------------------------------------
    def _count_request(self, event: Mapping[str, Any]) -> RateDecision | None:
        """Count this request against its principal and route class, before any route runs.

        Principal: the authorizer's user id, else the source IP API Gateway saw (not a header the
        caller controls). Done here rather than in a middleware so the counter's network call
        happens before Powertools stores per-request state on the resolver.
        """
        context = event.get("requestContext") or {}
        user_id = (context.get("authorizer") or {}).get("principalId")
        source_ip = (context.get("identity") or {}).get("sourceIp") or "unknown"
        principal = f"user:{user_id}" if user_id else f"ip:{source_ip}"
        rate_class = rate_class_of(str(event.get("httpMethod") or ""), str(event.get("resource") or ""))
        return self._rate_limiter().hit(rate_class.value, principal)

    def _too_many_requests(self, event: Mapping[str, Any], decision: RateDecision) -> dict[str, Any]:
        error = TooManyRequests("too many requests, try again later", retry_after=decision.retry_after)
        builder: ResponseBuilder[Any] = ResponseBuilder(self._domain_error(error), serializer=self._serializer)
        return builder.build(self._to_proxy_event(dict(event)), self._cors)

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


_validators: dict[tuple[str, str], ContractValidator] = {}


def _validator(route: Route) -> ContractValidator:
    # Compiled on first use: a cold start pays only for the route it serves.
    found = _validators.get(route.key)
    if found is None:
        from satchel.schema import ContractValidator

        found = _validators[route.key] = ContractValidator(route.contract)
    return found


def _enforce_contract(app: SatchelResolver, next_middleware: Callable[..., Any]) -> Any:
    """Before any handler runs: the route's roles, then every declared input against its contract."""
    event = app.current_event
    route = route_for(event.http_method, event.resource)
    if route is None:
        # Powertools' not-found answer passes through middlewares too; tests/unit/test_routes_table
        # keeps every handler route in the table.
        return next_middleware(app)
    # Checked before the body is read, so a caller without the role learns nothing of the input.
    if route.auth and route.roles and not route.roles & app.principal().roles:
        if route.roles == ADMIN:
            raise Forbidden("this action requires the admin role", code="ADMIN_REQUIRED")
        raise Forbidden(f"this action requires the role {' or '.join(sorted(route.roles))}", code="ROLE_REQUIRED")
    raw = event.body
    if raw and event.is_base64_encoded:
        raw = _decoded_text(base64.b64decode(raw))
    app.append_context(
        route=route,
        request=_validator(route).validate(
            body=raw,
            path=event.path_parameters,
            query=event.query_string_parameters,
            headers=event.headers,
        ),
    )
    return next_middleware(app)


def _decoded_text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest("request body is not UTF-8 text", field="body", code="INVALID_JSON") from None


def _apply_idempotency(app: SatchelResolver, next_middleware: Callable[..., Any]) -> Any:
    """After the contract middleware: a creating POST that carries an Idempotency-Key runs at
    most once per key (satchel.idempotency.guard); everything else passes straight through."""
    route: Route | None = app.context.get("route")  # set by _enforce_contract for routes of the table
    if route is None or not route.contract.idempotent:
        return next_middleware(app)
    key = app.inputs.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return next_middleware(app)
    # Imported here, not at the top: Powertools' idempotency package imports boto3, and only
    # requests that carry the header should pay for that.
    from satchel.idempotency.guard import run_once

    return run_once(app, route, key, lambda: next_middleware(app), to_json)
