"""Request validation derived from the route contracts (satchel.contract).

Each contract's schemas are compiled on first use with fastjsonschema (it turns a schema into
plain Python, so a warm request pays microseconds). Every failure is one 400 in the envelope
naming the field: MISSING_FIELD, UNKNOWN_FIELD, or INVALID_REQUEST for a wrong type, range,
length or format; a body that is not a JSON object is INVALID_JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import fastjsonschema

from satchel.contract import Contract, Parameter, Schema
from satchel.errors import InvalidRequest

Validator = Callable[[Any], Any]
_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "an array",
    "object": "an object",
    "null": "null",
}


@dataclass(frozen=True)
class ValidRequest:
    """What a route's handler reads: every declared input, validated (query integers as ints)."""

    body: dict[str, Any]
    path: dict[str, Any]
    query: dict[str, Any]
    headers: dict[str, Any]


class ContractValidator:
    """The compiled validators of one contract."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self._body = _compile(contract.body) if contract.body is not None else None
        self._params = {
            location: (params, _compile(_parameters_schema(params)))
            for location in ("path", "query", "header")
            if (params := contract.parameters_in(location))
        }

    def validate(
        self,
        *,
        body: str | None,
        path: Mapping[str, str] | None,
        query: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
    ) -> ValidRequest:
        values = {
            "path": self._parameters("path", path or {}),
            "query": self._parameters("query", query or {}),
            "header": self._parameters("header", {k.lower(): v for k, v in (headers or {}).items()}),
        }
        return ValidRequest(
            body=self._validated_body(body),
            path=values["path"],
            query=values["query"],
            headers=values["header"],
        )

    def _validated_body(self, raw: str | None) -> dict[str, Any]:
        if self._body is None:
            return {}
        document = parse_json_object(raw)
        _check_text(document, "")
        _run(self._body, document)
        return document

    def _parameters(self, location: str, supplied: Mapping[str, str]) -> dict[str, Any]:
        if location not in self._params:
            return {}
        params, validator = self._params[location]
        lookup = (lambda name: supplied.get(name.lower())) if location == "header" else supplied.get
        values: dict[str, Any] = {}
        for param in params:
            raw = lookup(param.name)
            if raw is None:
                continue
            _check_text(raw, param.name)
            values[param.name] = _coerce(param, raw)
        _run(validator, values)
        # Defaults the document promises (e.g. limit=50) are what the handler sees.
        for param in params:
            if param.name not in values and "default" in param.schema:
                values[param.name] = param.schema["default"]
        return values


def parse_json_object(raw: str | None) -> dict[str, Any]:
    try:
        document = json.loads(raw, parse_float=_json_number) if raw else None
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser's stack
        raise InvalidRequest("request body is not valid JSON", field="body", code="INVALID_JSON") from None
    if not isinstance(document, dict):
        raise InvalidRequest("request body must be a JSON object", field="body", code="INVALID_JSON")
    return document


def _json_number(literal: str) -> int | float:
    """JSON has one number type: 5.0 is the integer 5 (JSON Schema agrees, so `integer` fields
    accept it). Parse it as an int, so no float reaches code that needs an int (a Content-Length
    to presign, a count to store). Huge exponents become inf, which no integer field accepts."""
    value = float(literal)
    return int(value) if value.is_integer() else value


def _check_text(value: Any, field: str) -> None:
    """Refuse strings that are not Unicode text (a lone surrogate such as "\\ud800" is valid JSON
    but cannot be encoded, so it would fail later in a hash, a log line or a DynamoDB write)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            name = field or "body"
            raise InvalidRequest(f"{name} must be valid Unicode text", field=_top(name)) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, field or "body")
            _check_text(item, f"{field}.{key}" if field else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_text(item, f"{field}[{index}]")


def _coerce(param: Parameter, raw: str) -> Any:
    """Query, path and header values arrive as strings; integer parameters are parsed here."""
    if param.schema.get("type") == "integer":
        text = raw.strip()
        if text.lstrip("-").isdigit() and len(text) <= 20:
            return int(text)
        raise InvalidRequest(f"{param.name} must be an integer", field=param.name)
    return raw


def _parameters_schema(params: tuple[Parameter, ...]) -> Schema:
    return {
        "type": "object",
        "properties": {p.name: {k: v for k, v in p.schema.items() if k != "default"} for p in params},
        "required": [p.name for p in params if p.required],
    }


def _compile(schema: Schema) -> Validator:
    # use_default=False: the body a handler reads is the one the client sent.
    return fastjsonschema.compile(dict(schema), use_default=False)  # type: ignore[no-any-return]


def _run(validator: Validator, value: Any) -> None:
    try:
        validator(value)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise _invalid(exc) from None


def _invalid(exc: fastjsonschema.JsonSchemaValueException) -> InvalidRequest:
    path = [str(p) if isinstance(p, str) else p for p in (exc.path or [])[1:]]
    where = _dotted(path)
    definition = exc.definition or {}
    rule = exc.rule
    if rule == "required":
        present = exc.value if isinstance(exc.value, dict) else {}
        missing = next(name for name in definition.get("required", []) if name not in present)
        name = _join(where, missing)
        return InvalidRequest(f"{name} is required", field=_top(name), code="MISSING_FIELD")
    if rule == "additionalProperties":
        known = set(definition.get("properties", {}))
        extra = sorted(k for k in (exc.value or {}) if k not in known)[0]
        name = _join(where, extra)
        return InvalidRequest(f"{name} is not a known field", field=_top(name), code="UNKNOWN_FIELD")
    if not where:
        return InvalidRequest("request body must be a JSON object", field="body", code="INVALID_JSON")
    return InvalidRequest(f"{where} {_expectation(rule, definition)}", field=_top(where))


def _expectation(rule: str | None, definition: Mapping[str, Any]) -> str:
    if "x-expected" in definition and rule in ("pattern", "format", "minLength", "maxLength"):
        return f"must be {definition['x-expected']}"
    low, high = definition.get("minimum"), definition.get("maximum")
    if rule in ("minimum", "maximum"):
        if low is not None and high is not None:
            return f"must be between {low} and {high}"
        return f"must be at least {low}" if rule == "minimum" else f"must be at most {high}"
    shortest, longest = definition.get("minLength"), definition.get("maxLength")
    if rule in ("minLength", "maxLength"):
        if shortest is not None and longest is not None:
            return f"must be {shortest} to {longest} characters"
        return (
            f"must be at least {shortest} characters"
            if rule == "minLength"
            else f"must be at most {longest} characters"
        )
    if rule == "type":
        kinds = definition.get("type")
        names = [_TYPE_NAMES.get(str(k), str(k)) for k in (kinds if isinstance(kinds, list) else [kinds])]
        return "must be " + " or ".join(names)
    if rule == "enum":
        return "must be one of: " + ", ".join(str(v) for v in definition.get("enum", []))
    if rule == "const":
        return f"must be {json.dumps(definition.get('const'))}"
    if rule == "format":
        return f"must be a valid {definition.get('format')}"
    if rule == "uniqueItems":
        return "must not repeat items"
    return "is invalid"


def _dotted(path: list[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _top(name: str) -> str:
    """The top-level field a 400 names (its message names the exact place, e.g. roles[1])."""
    for index, char in enumerate(name):
        if char in ".[":
            return name[:index]
    return name
