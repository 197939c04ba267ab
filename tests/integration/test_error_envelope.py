"""Errors leave in one envelope: 5xx sanitized, correlation ids echoed or replaced."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
from satchel.observability import logger

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


def _json_lines(text: str) -> list[dict]:  # type: ignore[type-arg]
    lines = []
    for line in text.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue
    return lines


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What satchel's Logger writes during the test (its handler keeps the stream it started with)."""
    handler = logger.registered_handler
    buffer = io.StringIO()
    previous = handler.setStream(buffer)  # type: ignore[attr-defined]
    yield buffer
    handler.setStream(previous)  # type: ignore[attr-defined]


def test_a_5xx_is_logged_in_full_with_the_correlation_id_and_counted(  # type: ignore[no-untyped-def]
    api: TransferApi, capsys, log_lines: io.StringIO
) -> None:
    # Given a failure with internal detail, on a request carrying a correlation id
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("internal detail for operators only")

    api.service().storage.presign_put = broken  # type: ignore[method-assign]
    token = api.new_upload_token()
    capsys.readouterr()

    response = reply(
        api.stack.invoke(
            "upload_token",
            api_event(
                "POST",
                f"/artifacts/upload/{token}",
                resource="/artifacts/upload/{token}",
                path_parameters={"token": token},
                body={"filename": "a.txt", "content_type": "text/plain", "size": 1},
                headers={"X-Correlation-Id": "incident-4711-trace"},
            ),
        )
    )

    # Then the client sees only the envelope, while the log has the whole error under the same id
    assert_error(response, 500, "INTERNAL_ERROR")
    errors = [line for line in _json_lines(log_lines.getvalue()) if line.get("level") == "ERROR"]
    assert errors, log_lines.getvalue()
    assert errors[0]["correlation_id"] == "incident-4711-trace"
    assert "internal detail for operators only" in errors[0]["exception"]
    # And the ServerErrors metric was emitted (CloudWatch embedded metric format, on stdout)
    metrics = [line for line in _json_lines(capsys.readouterr().out) if "_aws" in line]
    assert any(line.get("ServerErrors") in ([1.0], 1.0) for line in metrics), metrics
