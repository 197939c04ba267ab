"""The running stack's HTTP edge: API Gateway's answers in the envelope, and the local docs page."""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e


def raw_exchange(stack: RunningStack, request: bytes) -> tuple[int, dict[str, str], bytes]:
    address = urlsplit(stack.api)
    with socket.create_connection((address.hostname or "127.0.0.1", address.port or 80), timeout=10) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, dict(response.headers), response.read()


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (b"TRACE /auth/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, "ROUTE_NOT_FOUND"),
        (b"get /auth/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, "ROUTE_NOT_FOUND"),
        (b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n", 400, "REQUEST_REJECTED"),
    ],
    ids=["trace", "lowercase-get", "bad-content-length"],
)
def test_odd_requests_get_gateway_envelopes(stack: RunningStack, request_bytes: bytes, status: int, code: str) -> None:
    got_status, headers, body = raw_exchange(stack, request_bytes)
    assert got_status == status
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-store"
    error = json.loads(body)["error"]
    assert (error["code"], error["requestId"]) == (code, headers["X-Correlation-Id"])


def test_encoded_slash_in_an_upload_token_does_not_reach_the_upload_route(stack: RunningStack) -> None:
    response = requests.post(f"{stack.api}/artifacts/upload%2Fsome-token", json={}, timeout=10)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ROUTE_NOT_FOUND"


def test_docs_page_is_served_locally(stack: RunningStack) -> None:
    page = requests.get(f"{stack.api}/docs", timeout=10)
    assert page.status_code == 200
    assert "SwaggerUIBundle" in page.text
    assert requests.get(f"{stack.api}/docs/swagger-ui-bundle.js", timeout=10).status_code == 200
