"""The OpenAPI document: generated from the route table, committed, valid, and complete."""

from __future__ import annotations

import json
from pathlib import Path

from openapi_spec_validator import validate
from satchel import openapi
from satchel.routes import ROUTES

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def test_committed_document_is_what_the_code_generates() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == openapi.render(), "docs/openapi.json is stale: run `make openapi`"


def test_document_passes_the_openapi_31_validator() -> None:
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_route_of_the_table_and_nothing_else() -> None:
    document = openapi.document()
    documented = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item if method in METHODS
    }
    assert documented == {route.key for route in ROUTES}
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_protected_routes_name_the_bearer_scheme_and_public_ones_none() -> None:
    document = openapi.document()
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    for route in ROUTES:
        operation = document["paths"][route.path][route.method.lower()]
        assert operation["security"] == ([{"bearerAuth": []}] if route.auth else [])
        if route.auth:
            assert "401" in operation["responses"]


def test_every_answer_documents_correlation_and_errors_use_the_shared_envelope() -> None:
    document = openapi.document()
    assert set(document["components"]["headers"]) >= {
        "X-Correlation-Id",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "Retry-After",
    }
    for route in ROUTES:
        responses = document["paths"][route.path][route.method.lower()]["responses"]
        assert sorted(int(s) for s in responses) == openapi.documented_answers(route)
        for status, response in responses.items():
            assert "X-Correlation-Id" in response["headers"]
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema["allOf"][0] == {"$ref": "#/components/schemas/Error"}
                codes = schema["allOf"][1]["properties"]["error"]["properties"]["code"]["enum"]
                assert codes == list(openapi.error_codes(route)[int(status)])
            else:
                assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(response["headers"])
        assert "429" in responses and "Retry-After" in responses["429"]["headers"]


def test_request_bodies_are_the_schemas_the_resolver_validates_with() -> None:
    document = openapi.document()
    for route in ROUTES:
        operation = document["paths"][route.path][route.method.lower()]
        if route.contract.body is None:
            assert "requestBody" not in operation
        else:
            assert operation["requestBody"]["content"]["application/json"]["schema"] == dict(route.contract.body)


def test_idempotent_routes_document_the_header_and_their_409s() -> None:
    document = openapi.document()
    idempotent = [route for route in ROUTES if route.contract.idempotent]
    assert {(r.method, r.path) for r in idempotent} == {
        ("POST", "/genUploadPresignedURL"),
        ("POST", "/genDownloadPresignedURL"),
        ("POST", "/admin/users"),
    }
    for route in ROUTES:
        operation = document["paths"][route.path][route.method.lower()]
        headers = [p["name"] for p in operation["parameters"] if p.get("in") == "header"]
        assert ("Idempotency-Key" in headers) == route.contract.idempotent
        if route.contract.idempotent:
            conflict = operation["responses"]["409"]
            codes = conflict["content"]["application/json"]["schema"]["allOf"][1]["properties"]["error"]
            assert {"IDEMPOTENCY_KEY_REUSED", "IDEMPOTENCY_KEY_IN_USE"} <= set(codes["properties"]["code"]["enum"])
            assert "Retry-After" in conflict["headers"]
