"""Errors leave in one envelope: 5xx sanitized, correlation ids echoed or replaced."""

from __future__ import annotations

import json

from tests.integration.transfer_api import TransferApi, assert_error, reply
from tests.support.events import api_event

REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"  # tests/events/api_rest_proxy.json


def _leaks(text: str, *secrets: str) -> list[str]:
    markers = ["Traceback", 'File "', "arn:aws", "botocore", "pynamodb", "ResourceNotFound", *secrets]
    return [m for m in markers if m in text]


def test_store_failure_is_a_sanitized_503(api: TransferApi) -> None:
    # Given the tokens table has gone away
    table = api.stack.names.table("tokens")
    api.stack.dynamodb.delete_table(TableName=table)

    response = api.upload_token({"max_uploads": 1})

    assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert _leaks(json.dumps(response.body), table) == []
    assert response.headers["Cache-Control"] == "no-store"


def test_unexpected_error_is_a_sanitized_500(api: TransferApi) -> None:
    # Given a bug deep inside the service that raises with internal detail in its message
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("arn:aws:dynamodb:us-east-1:123456789012:table/satchel-local-tokens exploded")

    api.service().storage.presign_put = broken  # type: ignore[method-assign]
    token = api.new_upload_token()

    response = api.start_upload(token, {"filename": "a.txt", "content_type": "text/plain", "size": 1})

    assert_error(response, 500, "INTERNAL_ERROR")
    assert _leaks(json.dumps(response.body), "satchel-local-tokens", "exploded", "RuntimeError") == []


def test_well_formed_correlation_id_is_echoed(api: TransferApi) -> None:
    response = api.upload_token(raw_body="{", headers={"X-Correlation-Id": "trace-2026-11-21.abc:1"})

    assert response.headers["X-Correlation-Id"] == "trace-2026-11-21.abc:1"
    assert_error(response, 400, "INVALID_JSON")
    assert response.error["requestId"] == "trace-2026-11-21.abc:1"


def test_success_responses_carry_the_correlation_id_too(api: TransferApi) -> None:
    response = api.upload_token({"max_uploads": 1}, headers={"x-correlation-id": "lower-case-header-1"})
    assert response.status == 200
    assert response.headers["X-Correlation-Id"] == "lower-case-header-1"


def test_malformed_correlation_id_is_replaced_by_the_request_id(api: TransferApi) -> None:
    for bad in ["short", "has spaces in it", "x" * 200, "evil\r\nSet-Cookie: a=b", "-leading-dash-id"]:
        response = api.upload_token(raw_body="{", headers={"X-Correlation-Id": bad})
        assert response.headers["X-Correlation-Id"] == REQUEST_ID
        assert response.error["requestId"] == REQUEST_ID


def test_unknown_route_uses_the_envelope(api: TransferApi) -> None:
    response = reply(api.stack.invoke("upload_token", api_event("GET", "/nowhere")))
    assert_error(response, 404, "ROUTE_NOT_FOUND")
