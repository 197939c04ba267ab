"""Route contracts: what each route takes and answers, declared once, next to its domain.

A `Contract` names a route's parameters, its JSON body schema, its success answers and the
domain errors it can answer. The route table points each route at one; from the same objects
the resolver validates every request (`satchel.schema`), `satchel.openapi` writes the OpenAPI
document, and the tests check that every documented answer is produced. Schemas are plain JSON
Schema (2020-12, the dialect of OpenAPI 3.1) so nothing is translated between the three.

This module is data only: every function imports the route table at cold start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

Schema = Mapping[str, Any]

# Conventions every list endpoint follows (docs/architecture.md, "Conventions").
PAGE_LIMIT_DEFAULT = 50
PAGE_LIMIT_MAX = 100
IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class Parameter:
    name: str
    location: Literal["path", "query", "header"]
    schema: Schema
    description: str
    required: bool = False


@dataclass(frozen=True)
class Answer:
    """A success answer. `body` None means no body (204, a redirect, a HEAD)."""

    status: int
    description: str
    body: Schema | None = None
    # Documented response headers beyond the ones every answer carries (see satchel.openapi).
    headers: Mapping[str, Schema] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Contract:
    summary: str
    answers: tuple[Answer, ...]
    body: Schema | None = None
    parameters: tuple[Parameter, ...] = ()
    # Domain errors the route's service can answer: status -> stable error codes. The errors the
    # mechanism itself produces (400 validation, 401/403 access, 413, 429, 500, 503) are added
    # by `error_codes`, so a route declares only what is its own.
    errors: Mapping[int, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    # Lists take ?limit= and ?cursor= and answer `next_cursor` (camel_case=False) or `nextCursor`.
    paginated: bool = False
    camel_case: bool = False
    # Creating POSTs accept an Idempotency-Key header (satchel.idempotency).
    idempotent: bool = False
    # False for routes that call no AWS service, so they cannot answer 503 SERVICE_UNAVAILABLE.
    uses_aws: bool = True
    description: str = ""

    def all_parameters(self) -> tuple[Parameter, ...]:
        extra: list[Parameter] = []
        if self.paginated:
            extra += [
                Parameter(
                    "limit",
                    "query",
                    {"type": "integer", "minimum": 1, "maximum": PAGE_LIMIT_MAX, "default": PAGE_LIMIT_DEFAULT},
                    f"page size, 1 to {PAGE_LIMIT_MAX} (default {PAGE_LIMIT_DEFAULT})",
                ),
                Parameter(
                    "cursor",
                    "query",
                    {"type": "string", "minLength": 1, "maxLength": 2048},
                    "the opaque cursor of the previous page's answer",
                ),
            ]
        if self.idempotent:
            extra.append(
                Parameter(
                    IDEMPOTENCY_HEADER,
                    "header",
                    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
                    "retries with the same key and body within 24 hours answer the first result without "
                    "creating twice (the same key with another body: 409 IDEMPOTENCY_KEY_REUSED); send a "
                    "random value such as a UUID",
                )
            )
        return (*self.parameters, *extra)

    def parameters_in(self, location: str) -> tuple[Parameter, ...]:
        return tuple(p for p in self.all_parameters() if p.location == location)


# -- schema helpers: short names for the shapes routes repeat ----------------------------------
def obj(
    required: Mapping[str, Schema], optional: Mapping[str, Schema] | None = None, *, closed: bool = True, **extra: Any
) -> Schema:
    """A JSON object with these properties. Request bodies are closed (an unknown property is a
    400, so a misspelt field is never silently ignored); answers are open (fields may be added)."""
    schema: dict[str, Any] = {"type": "object", "properties": {**required, **(optional or {})}, **extra}
    if closed:
        schema["additionalProperties"] = False
    if required:
        schema["required"] = list(required)
    return schema


def string(min_length: int = 0, max_length: int | None = None, **extra: Any) -> Schema:
    schema: dict[str, Any] = {"type": "string", **extra}
    if min_length:
        schema["minLength"] = min_length
    if max_length is not None:
        schema["maxLength"] = max_length
    return schema


def integer(minimum: int | None = None, maximum: int | None = None, **extra: Any) -> Schema:
    schema: dict[str, Any] = {"type": "integer", **extra}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


def page_of(item: Schema, *, camel_case: bool = False) -> Schema:
    """The answer of a paginated list: the items and the cursor of the next page (null at the end)."""
    cursor = "nextCursor" if camel_case else "next_cursor"
    return obj({"items": {"type": "array", "items": item}, cursor: {"type": ["string", "null"]}}, closed=False)
