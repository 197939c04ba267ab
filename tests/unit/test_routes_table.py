"""The route table is the single source of truth; every entry must be servable."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from satchel.routes import AUTHORIZER_FUNCTION, ROUTES, UPLOAD_COMPLETE_FUNCTION, api_functions

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
_DECORATOR = {"get", "post", "put", "patch", "delete", "head", "route"}


def _handler_routes(function: str) -> set[tuple[str, str]]:
    """(METHOD, path) pairs a handler registers on its resolver, read from the source (no import)."""
    tree = ast.parse((FUNCTIONS / function / "handler.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if (
                isinstance(decorator, ast.Call)
                and isinstance(decorator.func, ast.Attribute)
                and decorator.func.attr in _DECORATOR
                and decorator.args
                and isinstance(decorator.args[0], ast.Constant)
            ):
                path = re.sub(r"<(\w+)>", r"{\1}", decorator.args[0].value)
                found.add((decorator.func.attr.upper(), path))
    return found


def test_every_function_folder_exists() -> None:
    for function in {*api_functions(), AUTHORIZER_FUNCTION, UPLOAD_COMPLETE_FUNCTION}:
        assert (FUNCTIONS / function / "handler.py").is_file(), function


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_each_route_maps_to_a_handler_route(route) -> None:  # type: ignore[no-untyped-def]
    assert (route.method, route.path) in _handler_routes(route.function)


def test_routes_are_unique() -> None:
    keys = [(r.method, r.path) for r in ROUTES]
    assert len(keys) == len(set(keys))


def test_public_contract_paths_and_auth() -> None:
    table = {(r.method, r.path): r.auth for r in ROUTES}
    assert table[("POST", "/genUploadPresignedURL")] is True
    assert table[("POST", "/artifacts/upload/{token}")] is False
    assert table[("POST", "/genDownloadPresignedURL")] is True
    assert table[("GET", "/artifacts/{token}")] is False
    assert table[("HEAD", "/artifacts/{token}")] is False


def test_handlers_register_no_route_missing_from_the_table() -> None:
    table = {(r.method, r.path) for r in ROUTES}
    for function in api_functions():
        assert _handler_routes(function) <= table, function


def test_idempotent_routes_are_authenticated() -> None:
    # An Idempotency-Key is scoped to the verified caller; a public route would have none.
    idempotent = [route for route in ROUTES if route.contract.idempotent]
    assert idempotent
    assert all(route.auth for route in idempotent)
