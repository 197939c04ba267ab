"""The OpenAPI 3.1 document, generated from the route table and its contracts.

`make openapi` writes it to docs/openapi.json (a test keeps that file equal to this output), the
`openapi` function serves it at GET /openapi.json, and the fuzzing tier tests the API against it.
Every answer is listed: each route's own, and the ones the shared mechanism gives every route
(validation 400s, the authorizer's 401, role 403s, the gateway's 413, rate-limit 429s, 500, 503).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from satchel.contract import Parameter, Schema
from satchel.routes import ADMIN, ROUTES, Route

TITLE = "Satchel API"
VERSION = "0.2.0"
ERROR_SCHEMA_REF = "#/components/schemas/Error"
CORRELATION_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$"

# API Gateway's payload quota (REQUEST_TOO_LARGE answers 413 above it).
MAX_REQUEST_BYTES = 10 * 1024 * 1024

ERROR_SCHEMA: Schema = {
    "type": "object",
    "description": "The one error envelope of every 4xx and 5xx, from a function or from API Gateway itself.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "requestId"],
            "properties": {
                "code": {"type": "string", "description": "stable, for programs"},
                "message": {"type": "string", "description": "for people"},
                "requestId": {"type": "string", "description": "the correlation id, also in X-Correlation-Id"},
                "field": {"type": "string", "description": "the request field a 400 is about"},
            },
        }
    },
}

HEADERS: Mapping[str, Schema] = {
    "X-Correlation-Id": {
        "description": "the caller's X-Correlation-Id when well formed, else the API Gateway request id",
        "schema": {"type": "string"},
    },
    "X-RateLimit-Limit": {
        "description": "requests allowed per window for this route's rate class",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Remaining": {"description": "requests left in the current window", "schema": {"type": "integer"}},
    "X-RateLimit-Reset": {"description": "end of the current window, epoch seconds", "schema": {"type": "integer"}},
    "Retry-After": {"description": "seconds to wait before trying again", "schema": {"type": "integer"}},
    "Cache-Control": {"description": "errors and credentials are never cached", "schema": {"type": "string"}},
}
RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def error_codes(route: Route) -> dict[int, tuple[str, ...]]:
    """Every error status a route can answer and the codes under it: its own and the shared ones."""
    contract = route.contract
    codes: dict[int, list[str]] = {}

    def add(status: int, *names: str) -> None:
        for name in names:
            if name not in codes.setdefault(status, []):
                codes[status].append(name)

    if contract.body is not None:
        add(400, "INVALID_JSON", "MISSING_FIELD", "UNKNOWN_FIELD", "INVALID_REQUEST")
        add(413, "PAYLOAD_TOO_LARGE")
    elif any(_can_refuse(p) for p in contract.all_parameters()):
        add(400, "INVALID_REQUEST")
    if route.auth:
        add(401, "UNAUTHORIZED")
        if route.roles:
            add(403, "ADMIN_REQUIRED" if route.roles == ADMIN else "ROLE_REQUIRED")
    if contract.idempotent:
        add(409, "IDEMPOTENCY_KEY_REUSED", "IDEMPOTENCY_KEY_IN_USE")
    for status, names in contract.errors.items():
        add(status, *names)
    add(429, "RATE_LIMITED")
    add(500, "INTERNAL_ERROR")
    if route.auth:
        add(500, "AUTHORIZER_FAILURE")
    if contract.uses_aws:
        add(503, "SERVICE_UNAVAILABLE")
    return {status: tuple(names) for status, names in sorted(codes.items())}


def _can_refuse(parameter: Parameter) -> bool:
    """Whether validation can refuse a parameter a client sends through API Gateway. A path segment
    declared only as a string cannot fail: the gateway matched it and decoded it to text."""
    return parameter.location != "path" or bool(set(parameter.schema) - {"type", "description"})


def documented_answers(route: Route) -> list[int]:
    """Every status the document declares for a route."""
    return sorted({*(a.status for a in route.contract.answers), *error_codes(route)})


def operation_id(route: Route) -> str:
    words = re.findall(r"[A-Za-z0-9]+", route.path.replace("{", "by_").replace("}", ""))
    return "_".join([route.method.lower(), *words])


def document(routes: Iterable[Route] = ROUTES) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": (
                "Files in and out of S3 through short-lived tokens and presigned URLs, with password "
                "login and JWT access tokens. Every error is the envelope in components.schemas.Error. "
                f"Request bodies are JSON objects of at most {MAX_REQUEST_BYTES} bytes; "
                "unknown body fields are refused."
            ),
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "an access token from /auth/login or /auth/refresh, verified by the API's "
                    "Lambda authorizer",
                }
            },
            "schemas": {"Error": ERROR_SCHEMA},
            "headers": dict(HEADERS),
            "parameters": {
                "CorrelationId": {
                    "name": "X-Correlation-Id",
                    "in": "header",
                    "required": False,
                    "description": "your id for this request: 8 to 128 of A-Z a-z 0-9 . _ : - (else ignored)",
                    "schema": {"type": "string"},
                }
            },
        },
    }


def _operation(route: Route) -> dict[str, Any]:
    contract = route.contract
    description = contract.description
    if route.auth:
        needs = f"one of the roles {', '.join(sorted(route.roles))}" if route.roles else "any signed-in caller"
        description = f"{description} Requires a bearer access token: {needs}.".strip()
    operation: dict[str, Any] = {
        "operationId": operation_id(route),
        "summary": contract.summary,
        "tags": [route.function],
        "security": [{"bearerAuth": []}] if route.auth else [],
        "parameters": [
            {"$ref": "#/components/parameters/CorrelationId"},
            *(
                {
                    "name": p.name,
                    "in": p.location,
                    "required": p.required or p.location == "path",
                    "description": p.description,
                    "schema": dict(p.schema),
                }
                for p in contract.all_parameters()
            ),
        ],
        "responses": _responses(route),
        "x-rate-class": route.rate_class.value,
    }
    if description:
        operation["description"] = description
    if route.auth:
        operation["x-required-roles"] = sorted(route.roles)
    if contract.body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": dict(contract.body)}}}
    return operation


def _header_refs(names: Iterable[str]) -> dict[str, Any]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _responses(route: Route) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for answer in route.contract.answers:
        headers = {**_header_refs(("X-Correlation-Id", *RATE_LIMIT_HEADERS)), **_inline_headers(answer.headers)}
        entry: dict[str, Any] = {"description": answer.description, "headers": headers}
        if answer.body is not None:
            entry["content"] = {"application/json": {"schema": dict(answer.body)}}
        responses[str(answer.status)] = entry
    for status, codes in error_codes(route).items():
        # 429s, and the 409 IDEMPOTENCY_KEY_IN_USE of idempotent routes, say when to try again.
        retry = status == 429 or (status == 409 and route.contract.idempotent)
        names = ["X-Correlation-Id", "Cache-Control"] + (["Retry-After"] if retry else [])
        responses[str(status)] = {
            "description": f"error codes: {', '.join(codes)}",
            "headers": _header_refs(names),
            "content": {
                "application/json": {
                    "schema": {
                        "allOf": [
                            {"$ref": ERROR_SCHEMA_REF},
                            {"properties": {"error": {"properties": {"code": {"enum": list(codes)}}}}},
                        ]
                    }
                }
            },
        }
    return dict(sorted(responses.items()))


def _inline_headers(headers: Mapping[str, Schema]) -> dict[str, Any]:
    return {
        name: {
            "description": schema.get("description", name),
            "schema": {k: v for k, v in schema.items() if k != "description"},
        }
        for name, schema in headers.items()
    }


def render(routes: Iterable[Route] = ROUTES) -> str:
    """The committed form: stable key order, two-space indent, trailing newline."""
    return json.dumps(document(routes), indent=2, ensure_ascii=False) + "\n"
