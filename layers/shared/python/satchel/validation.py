"""Field readers for JSON request bodies: each failure is a 400 naming the field."""

from __future__ import annotations

from typing import Any

from satchel.errors import InvalidRequest


def _missing(name: str) -> InvalidRequest:
    return InvalidRequest(f"{name} is required", field=name, code="MISSING_FIELD")


def integer(body: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    value = body.get(name)
    if value is None:
        if required:
            raise _missing(name)
        return None
    # bool is an int subclass in Python; JSON true is not a number.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(f"{name} must be an integer", field=name)
    return value


def required_integer(body: dict[str, Any], name: str) -> int:
    value = integer(body, name, required=True)
    assert value is not None
    return value


def string(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise _missing(name)
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"{name} must be a string", field=name)
    return value


def required_string(body: dict[str, Any], name: str) -> str:
    value = string(body, name, required=True)
    assert value is not None
    return value
