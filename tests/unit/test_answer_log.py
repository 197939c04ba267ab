"""The record behind the documented-answers check (tests/support/answers.py)."""

from __future__ import annotations

import json

import pytest

from tests.support.answers import AnswerLog, Seen, error_code


@pytest.mark.parametrize(
    ("method", "path", "template"),
    [
        ("GET", "/artifacts/abc", "/artifacts/{token}"),
        ("HEAD", "/artifacts/abc", "/artifacts/{token}"),
        # Methods are case-sensitive, as API Gateway's are: a lowercase one reaches no route.
        ("head", "/artifacts/abc", None),
        ("GET", "/artifacts/a%20b", "/artifacts/{token}"),
        ("POST", "/artifacts/upload/abc", "/artifacts/upload/{token}"),
        ("PATCH", "/admin/users/user-1", "/admin/users/{id}"),
        ("GET", "/openapi.json", "/openapi.json"),
        # A parameter is exactly one non-empty segment, as API Gateway matches it.
        ("GET", "/artifacts/a/b", None),
        # An encoded slash stays inside its segment (the gateway decodes each parameter once).
        ("GET", "/artifacts/a%2Fb", "/artifacts/{token}"),
        ("POST", "/artifacts/upload%2Fabc", None),
        ("GET", "/artifacts/", None),
        # Another method on a known path is not a route (API Gateway: 404 ROUTE_NOT_FOUND).
        ("DELETE", "/artifacts/abc", None),
        ("GET", "/no/such/route", None),
        ("GET", "/satchel-artifacts-local/artifacts/abc", None),
    ],
)
def test_a_path_reaches_the_route_api_gateway_would_match(method: str, path: str, template: str | None) -> None:
    assert AnswerLog().template_of(method, path) == template


def test_only_routes_of_the_table_are_recorded_with_the_first_test_that_saw_them() -> None:
    log = AnswerLog()
    log.current_test = "tests/a.py::test_one"
    log.record("POST", "/auth/login", 401, "INVALID_CREDENTIALS")
    log.record("GET", "/things", 200)
    log.record("GET", None, 404, "ROUTE_NOT_FOUND")
    log.record("DELETE", "/auth/login", 404, "ROUTE_NOT_FOUND")
    log.current_test = "tests/a.py::test_two"
    log.record("post", "/auth/login", 401, "INVALID_CREDENTIALS")

    assert log.first_seen == {Seen("POST", "/auth/login", 401, "INVALID_CREDENTIALS"): "tests/a.py::test_one"}
    assert log.pairs() == {("POST", "/auth/login", 401)}


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (400, json.dumps({"error": {"code": "UNKNOWN_FIELD", "message": "m", "requestId": "r"}}), "UNKNOWN_FIELD"),
        (500, b'{"error": {"code": "AUTHORIZER_FAILURE"}}', "AUTHORIZER_FAILURE"),
        (200, json.dumps({"error": {"code": "NOT_AN_ERROR"}}), None),
        (404, "", None),
        (404, None, None),
        (502, "Bad Gateway", None),
        (400, b"\xff\xfe", None),
        (400, json.dumps(["error"]), None),
        (400, json.dumps({"error": "text"}), None),
    ],
)
def test_the_code_is_read_from_an_error_envelope_only(status: int, body: str | bytes | None, code: str | None) -> None:
    assert error_code(status, body) == code
