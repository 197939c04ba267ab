"""What API Gateway (REST API, Lambda proxy integration) does with a request, emulated locally.

Enforce the REST API quotas, match the request against satchel.routes.ROUTES, build the v1 proxy
event, run the REQUEST authorizer for protected routes (401 / 403 / 500 exactly as API Gateway
decides them), invoke the route's function and turn its proxy response back into HTTP.
Gateway-level errors come from satchel.gateway_errors, the same definitions (status, body,
headers) the CDK gateway responses use.
"""

from __future__ import annotations

import base64
import copy
import json
import logging
import re
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

from satchel import gateway_errors
from satchel.gateway_errors import GatewayError
from satchel.routes import AUTHORIZER_FUNCTION, ROUTES, Route

log = logging.getLogger("satchel.local.gateway")

ACCOUNT_ID = "000000000000"
API_ID = "local"
STAGE = "local"
# API Gateway's contract with Lambda authorizers: this exact error message means 401.
UNAUTHORIZED_MESSAGE = "Unauthorized"
INVOKE_ACTIONS = {"execute-api:Invoke", "execute-api:*", "*"}
# The methods a REST API resource can have; ANY stands for all of them. Anything else (TRACE,
# PROPFIND, a lowercase get) is an unsupported method: MISSING_AUTHENTICATION_TOKEN, our 404.
REST_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
ANY_METHOD = "ANY"
# REST API quotas (see docs/decisions.md): payload, URL of a regional API, all header values
# together, and the method ARN of an authorized route (longer is "414 Request URI too long").
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
MAX_URL_LENGTH = 10240
MAX_HEADER_VALUES_BYTES = 10240
MAX_METHOD_ARN_BYTES = 1600


class Functions(Protocol):
    def invoke(self, name: str, event: dict[str, Any]) -> Any: ...


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str  # path and query string as received
    headers: list[tuple[str, str]]
    body: bytes
    client_ip: str


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


@dataclass(frozen=True)
class PathParameter:
    name: str
    greedy: bool  # {name+}: one or more segments, the rest of the path


@dataclass(frozen=True)
class PathTemplate:
    """A resource path such as /artifacts/{token}, matched segment by segment."""

    segments: tuple[str | PathParameter, ...]

    @classmethod
    def parse(cls, path: str) -> PathTemplate:
        segments: list[str | PathParameter] = []
        for segment in path.split("/")[1:]:
            parameter = re.fullmatch(r"\{(\w+)(\+?)\}", segment)
            segments.append(PathParameter(parameter[1], bool(parameter[2])) if parameter else segment)
        return cls(tuple(segments))

    def match(self, raw_path: str) -> dict[str, str] | None:
        """Path parameters (each decoded once), or None. Matching splits the path as received,
        so an encoded slash stays inside its segment: /a%2Fb is one segment, "a/b"."""
        raw = raw_path.split("/")[1:]
        parameters: dict[str, str] = {}
        for index, expected in enumerate(self.segments):
            if isinstance(expected, PathParameter) and expected.greedy:
                rest = "/".join(raw[index:])
                if not rest:
                    return None
                parameters[expected.name] = unquote(rest)
                return parameters
            if index >= len(raw):
                return None
            if isinstance(expected, PathParameter):
                if not raw[index]:
                    return None
                parameters[expected.name] = unquote(raw[index])
            elif unquote(raw[index]) != expected:
                return None
        return parameters if len(raw) == len(self.segments) else None


@dataclass(frozen=True)
class CompiledRoute:
    route: Route
    template: PathTemplate

    @classmethod
    def of(cls, route: Route) -> CompiledRoute:
        return cls(route=route, template=PathTemplate.parse(route.path))


class Gateway:
    def __init__(self, functions: Functions, *, region: str, routes: Iterable[Route] = ROUTES):
        self._functions = functions
        self._region = region
        self._routes = [CompiledRoute.of(route) for route in routes]

    # -- the request pipeline -----------------------------------------------------------------
    def handle(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        template = "(rejected)"
        rejected = quota_exceeded(request)
        if rejected is not None:
            response = error_response(rejected, request_id)
        else:
            matched = self._match(request.method, urlsplit(request.target).path or "/")
            if matched is None:
                template = "(no route)"
                response = error_response(gateway_errors.ROUTE_NOT_FOUND, request_id)
            else:
                route, parameters = matched
                template = route.path
                response = self._dispatch(route, parameters, request, request_id)
        # Log the route template, never the path: tokens in paths are credentials.
        log_request(request.method, template, response.status, started)
        if request.method == "HEAD":
            response.body = b""
        return response

    def _match(self, method: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
        """The route, or None: API Gateway answers an unknown path and a known path with another
        method alike (MISSING_AUTHENTICATION_TOKEN, our 404 ROUTE_NOT_FOUND), so no 405 here."""
        if method not in REST_METHODS:
            return None
        for compiled in self._routes:
            if compiled.route.method not in (method, ANY_METHOD):
                continue
            parameters = compiled.template.match(raw_path)
            if parameters is not None:
                return compiled.route, parameters
        return None

    def _dispatch(
        self, route: Route, parameters: dict[str, str], request: HttpRequest, request_id: str
    ) -> HttpResponse:
        event = self.proxy_event(route, parameters, request, request_id)
        if route.auth:
            if len(self.method_arn(request.method, event["path"]).encode()) > MAX_METHOD_ARN_BYTES:
                return error_response(gateway_errors.URI_TOO_LONG, request_id)
            decision = self._authorize(event, request_id)
            if isinstance(decision, GatewayError):
                return error_response(decision, request_id)
            event["requestContext"]["authorizer"] = decision
        try:
            result = self._functions.invoke(route.function, event)
            response = proxy_response(result)
        except Exception:
            # API Gateway answers a crashed function or a malformed proxy response with 502.
            log.exception("function %s failed", route.function)
            return error_response(gateway_errors.INTEGRATION_FAILURE, request_id)
        response.headers.append(("x-amzn-RequestId", request_id))
        return response

    # -- the event ----------------------------------------------------------------------------
    def method_arn(self, method: str, path: str) -> str:
        return f"arn:aws:execute-api:{self._region}:{ACCOUNT_ID}:{API_ID}/{STAGE}/{method}{path}"

    def proxy_event(
        self, route: Route, parameters: dict[str, str], request: HttpRequest, request_id: str
    ) -> dict[str, Any]:
        """The Lambda proxy event; `parameters` are the path parameters, already decoded."""
        split = urlsplit(request.target)
        path = unquote(split.path)  # decoded once, as API Gateway passes it on
        headers = _headers_as_api_gateway_sends_them(request)
        single = {name: values[-1] for name, values in headers.items()}
        host = single.get("Host", "")
        query: dict[str, list[str]] = {}
        for name, value in parse_qsl(split.query, keep_blank_values=True):
            query.setdefault(name, []).append(value)
        body, is_base64 = _event_body(request.body)
        now = datetime.now(UTC)
        return {
            "resource": route.path,
            "path": path,
            "httpMethod": request.method,
            "headers": single,
            "multiValueHeaders": headers,
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": query or None,
            "pathParameters": dict(parameters) or None,
            "stageVariables": None,
            "requestContext": {
                "resourceId": route.path,
                "resourcePath": route.path,
                "httpMethod": request.method,
                "extendedRequestId": request_id,
                "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                # No stage prefix: the local API is served at the root, like a custom domain.
                "path": path,
                "accountId": ACCOUNT_ID,
                "protocol": "HTTP/1.1",
                "stage": STAGE,
                "domainPrefix": host.split(".")[0].split(":")[0],
                "requestTimeEpoch": int(now.timestamp() * 1000),
                "requestId": request_id,
                "identity": {"sourceIp": request.client_ip, "userAgent": single.get("User-Agent")},
                "domainName": host,
                "apiId": API_ID,
            },
            "body": body,
            "isBase64Encoded": is_base64,
        }

    # -- the REQUEST authorizer ---------------------------------------------------------------
    def authorizer_event(self, proxy_event: dict[str, Any]) -> dict[str, Any]:
        """What API Gateway sends a REQUEST authorizer: the request without its body, plus the ARN."""
        request = {k: v for k, v in proxy_event.items() if k not in {"body", "isBase64Encoded"}}
        return {
            "type": "REQUEST",
            "methodArn": self.method_arn(proxy_event["httpMethod"], proxy_event["path"]),
            **copy.deepcopy(request),
        }

    def _authorize(self, event: dict[str, Any], request_id: str) -> dict[str, Any] | GatewayError:
        token = next((v for k, v in event["headers"].items() if k.lower() == "authorization"), "")
        if not token:
            # The identity source is missing: API Gateway answers 401 without calling the authorizer.
            return gateway_errors.UNAUTHORIZED
        authorizer_event = self.authorizer_event(event)
        try:
            result = self._functions.invoke(AUTHORIZER_FUNCTION, authorizer_event)
        except Exception as exc:
            if str(exc) == UNAUTHORIZED_MESSAGE:
                return gateway_errors.UNAUTHORIZED
            log.exception("authorizer failed (request %s)", request_id)
            return gateway_errors.AUTHORIZER_FAILURE
        try:
            allowed = policy_allows(result["policyDocument"], authorizer_event["methodArn"])
            context = _authorizer_context(result.get("context"))
            principal = result["principalId"]
            if not isinstance(principal, str) or not principal:
                raise ValueError("principalId must be a non-empty string")
        except (KeyError, TypeError, ValueError):
            log.exception("authorizer returned an invalid result (request %s)", request_id)
            return gateway_errors.AUTHORIZER_FAILURE
        if not allowed:
            return gateway_errors.FORBIDDEN
        return {"principalId": principal, "integrationLatency": 0, **context}


def policy_allows(policy: dict[str, Any], method_arn: str) -> bool:
    """IAM evaluation for execute-api: an explicit Deny wins, otherwise an Allow must match."""
    statements = policy["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    allowed = False
    for statement in statements:
        actions = _as_list(statement.get("Action"))
        resources = _as_list(statement["Resource"])
        if not INVOKE_ACTIONS.intersection(actions):
            continue
        if not any(_arn_matches(pattern, method_arn) for pattern in resources):
            continue
        effect = statement["Effect"]
        if effect == "Deny":
            return False
        allowed = allowed or effect == "Allow"
    return allowed


def _arn_matches(pattern: str, arn: str) -> bool:
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    # DOTALL: IAM's * matches any characters, a newline decoded from a path (%0A) too.
    return re.fullmatch(regex, arn, re.DOTALL) is not None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _authorizer_context(context: Any) -> dict[str, str]:
    """API Gateway accepts only flat string/number/boolean values and hands them on as strings."""
    if context is None:
        return {}
    if not isinstance(context, dict):
        raise TypeError("authorizer context must be an object")
    flattened = {}
    for key, value in context.items():
        if isinstance(value, bool):
            flattened[key] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            flattened[key] = str(value)
        else:
            raise TypeError(f"authorizer context value {key!r} must be a string, number or boolean")
    return flattened


# -- conversions ------------------------------------------------------------------------------
def _headers_as_api_gateway_sends_them(request: HttpRequest) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        headers.setdefault(name, []).append(value)
    # API Gateway sets these itself; the local endpoint is plain HTTP.
    for name in [n for n in headers if n.lower().startswith("x-forwarded-")]:
        del headers[name]
    headers["X-Forwarded-For"] = [request.client_ip]
    headers["X-Forwarded-Proto"] = ["http"]
    return headers


def _event_body(raw: bytes) -> tuple[str | None, bool]:
    if not raw:
        return None, False
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii"), True


def proxy_response(result: Any) -> HttpResponse:
    """A Lambda proxy response as HTTP. Anything malformed raises (API Gateway: 502)."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        raise TypeError("malformed Lambda proxy response: statusCode must be an integer")
    multi: dict[str, list[Any]] = result.get("multiValueHeaders") or {}
    single: dict[str, Any] = result.get("headers") or {}
    # API Gateway merges both maps; for a name present in both, multiValueHeaders wins.
    multi_names = {name.lower() for name in multi}
    headers = [(name, str(value)) for name, values in multi.items() for value in values]
    headers += [(name, str(value)) for name, value in single.items() if name.lower() not in multi_names]
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    body = result.get("body") or ""
    if not isinstance(body, str):
        raise TypeError("malformed Lambda proxy response: body must be a string")
    payload = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    return HttpResponse(status=result["statusCode"], headers=headers, body=payload)


def quota_exceeded(request: HttpRequest) -> GatewayError | None:
    """The error API Gateway answers for a request over one of its REST API quotas, if any."""
    if len(request.target) > MAX_URL_LENGTH:
        return gateway_errors.URI_TOO_LONG
    # Header values arrive as latin-1 text: one character per byte.
    if sum(len(value) for _, value in request.headers) > MAX_HEADER_VALUES_BYTES:
        return gateway_errors.HEADERS_TOO_LARGE
    if len(request.body) > MAX_PAYLOAD_BYTES:
        return gateway_errors.REQUEST_TOO_LARGE
    return None


def error_response(error: GatewayError, request_id: str | None = None) -> HttpResponse:
    """A gateway response: the status, body and headers the CDK stack configures for it."""
    request_id = request_id or str(uuid.uuid4())
    body = json.dumps(error.body(request_id), separators=(",", ":")).encode("utf-8")
    headers = [
        ("Content-Type", "application/json"),
        *gateway_errors.response_headers(request_id).items(),
        ("x-amzn-RequestId", request_id),
    ]
    return HttpResponse(status=error.status, headers=headers, body=body)


def log_request(method: str, template: str, status: int, started: float) -> None:
    """One line per request: route template, never the raw path (tokens in paths are credentials)."""
    shown = method if method in REST_METHODS else f"{method[:16]!r}"  # odd methods quoted, clipped
    elapsed_ms = (time.perf_counter() - started) * 1000
    log.info("%s %s -> %d (%.0f ms)", shown, template, status, elapsed_ms)
