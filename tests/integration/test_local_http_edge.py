"""The local stack's HTTP edge over real HTTP on loopback: every answer is API Gateway's, in the envelope.

The edge runs in-process on a free port, in front of the gateway emulation with recorded fake
functions, so these tests need no emulator. Raw sockets send what a well-behaved client would not.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from satchel.contract import Answer, Contract
from satchel.routes import Route

from infra.local.gateway import Gateway
from infra.local.http_edge import MAX_REQUEST_HEAD_BYTES, HttpEdge
from infra.local.local_routes import swagger_ui_files

THINGS = Contract(summary="things", answers=(Answer(200, "a thing"),))
ROUTES = (
    Route("POST", "/things/upload/{id}", "things", THINGS, auth=False),
    Route("GET", "/things/{id}", "things", THINGS, auth=False),
    Route("POST", "/things", "things", THINGS, auth=False),
    Route("GET", "/slow", "slow", THINGS, auth=False),
)
MB = 1024 * 1024
CONCURRENT = 20


class Functions:
    """Echo functions: `things` answers with what it received; `slow` waits for CONCURRENT callers."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.barrier = threading.Barrier(CONCURRENT, timeout=10)

    def invoke(self, name: str, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        if name == "slow":
            self.barrier.wait()
        body = {"path": event["pathParameters"], "size": len(event["body"] or "")}
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


@dataclass
class Edge:
    functions: Functions
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def edge() -> Iterator[Edge]:
    functions = Functions()
    server = HttpEdge(Gateway(functions, region="us-east-1", routes=ROUTES), host="127.0.0.1", port=0)
    server.start()
    try:
        yield Edge(functions, server.address[1])
    finally:
        server.stop()


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    closed: bool  # the server ended the connection after answering


def send_raw(edge: Edge, *parts: bytes) -> Answer:
    """Write the bytes as they are (in several writes), then read one HTTP response."""
    with socket.create_connection(("127.0.0.1", edge.port), timeout=10) as sock:
        for part in parts:
            sock.sendall(part)
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read()
        return Answer(response.status, response.headers, body, closed=response.will_close)


def assert_gateway_error(answer: Answer | requests.Response, status: int, code: str) -> None:
    """The envelope and headers of a gateway response, never an HTML page."""
    status_code = answer.status if isinstance(answer, Answer) else answer.status_code
    body = answer.body if isinstance(answer, Answer) else answer.content
    assert status_code == status, body
    assert answer.headers["Content-Type"] == "application/json"
    error = json.loads(body)["error"]
    assert error["code"] == code
    assert error["message"]
    assert error["requestId"] == answer.headers["X-Correlation-Id"] == answer.headers["x-amzn-RequestId"]
    assert answer.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("method", [b"TRACE", b"PROPFIND", b"get", b"BREW"])
def test_methods_a_rest_api_cannot_have_get_the_unknown_route_envelope(edge: Edge, method: bytes) -> None:
    answer = send_raw(edge, method + b" /things/7 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert_gateway_error(answer, 404, "ROUTE_NOT_FOUND")
    assert edge.functions.events == []


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"POST /things HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
        b"POST /things HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"POST /things HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        b"GET /things/\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /things/7 HTTP/1.1\r\n\r\n",  # HTTP/1.1 requires Host
        b"NOT HTTP AT ALL\r\n\r\n",
    ],
    ids=["content-length-text", "content-length-negative", "chunk-size", "non-ascii-target", "no-host", "garbage"],
)
def test_malformed_requests_get_a_400_envelope_and_a_closed_connection(edge: Edge, request_bytes: bytes) -> None:
    answer = send_raw(edge, request_bytes)
    assert_gateway_error(answer, 400, "REQUEST_REJECTED")
    assert answer.closed


def test_long_request_lines_and_header_blocks_are_414_and_431(edge: Edge) -> None:
    # Within what the parser buffers: the gateway's own quotas (URL and header values, 10240 bytes).
    long_target = b"/things/" + b"a" * 20_000
    answer = send_raw(edge, b"GET " + long_target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert_gateway_error(answer, 414, "REQUEST_REJECTED")
    answer = send_raw(edge, b"GET /things/7 HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n")
    assert_gateway_error(answer, 431, "REQUEST_REJECTED")
    assert edge.functions.events == []


def test_request_heads_past_what_the_parser_buffers_are_414_and_431(edge: Edge) -> None:
    # One byte more than MAX_REQUEST_HEAD_BYTES without the end of the head: the parser gives up.
    # (Nothing is sent after that byte, so the answer cannot be lost to a reset connection.)
    def flood(start: bytes) -> tuple[bytes, bytes]:
        return start, b"a" * (MAX_REQUEST_HEAD_BYTES + 1 - len(start))

    assert_gateway_error(send_raw(edge, *flood(b"GET /things/")), 414, "REQUEST_REJECTED")
    assert_gateway_error(
        send_raw(edge, *flood(b"GET /things/7 HTTP/1.1\r\nHost: x\r\nX-Big: ")), 431, "REQUEST_REJECTED"
    )


def test_payload_over_10_mb_is_413_declared_or_streamed(edge: Edge) -> None:
    too_big = b"x" * (10 * MB + 1)
    declared = requests.post(f"{edge.url}/things", data=too_big, timeout=30)
    assert_gateway_error(declared, 413, "PAYLOAD_TOO_LARGE")
    streamed = requests.post(f"{edge.url}/things", data=iter([too_big[:MB]] * 11), timeout=30)  # chunked
    assert_gateway_error(streamed, 413, "PAYLOAD_TOO_LARGE")
    assert edge.functions.events == []


def test_payload_of_exactly_10_mb_reaches_the_function(edge: Edge) -> None:
    response = requests.post(f"{edge.url}/things", data=b"x" * (10 * MB), timeout=30)
    assert response.status_code == 200
    assert response.json()["size"] == 10 * MB


def test_an_encoded_slash_does_not_reach_another_route(edge: Edge) -> None:
    assert_gateway_error(requests.post(f"{edge.url}/things/upload%2Fabc", timeout=5), 404, "ROUTE_NOT_FOUND")
    response = requests.get(f"{edge.url}/things/upload%2Fa%2520b", timeout=5)
    assert response.json()["path"] == {"id": "upload/a%20b"}


def test_header_names_reach_the_function_as_the_client_wrote_them(edge: Edge) -> None:
    requests.get(f"{edge.url}/things/7", headers={"X-Custom-Header": "v", "authorization": "Bearer t"}, timeout=5)
    (event,) = edge.functions.events
    assert event["headers"]["X-Custom-Header"] == "v"
    assert event["headers"]["authorization"] == "Bearer t"
    assert event["requestContext"]["domainName"] == f"127.0.0.1:{edge.port}"


def test_keep_alive_serves_several_requests_on_one_connection(edge: Edge) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", edge.port, timeout=5)
    try:
        connection.request("GET", "/things/1")
        first = connection.getresponse()
        first.read()
        sock = connection.sock
        connection.request("POST", "/nothing", body=b"{}")
        second = connection.getresponse()
        second.read()
        assert (first.status, second.status) == (200, 404)
        assert sock is not None and connection.sock is sock  # no reconnect in between
    finally:
        connection.close()


def test_requests_are_served_concurrently(edge: Edge) -> None:
    # The function returns only once CONCURRENT invocations wait together: a serial server times out.
    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        statuses = list(pool.map(lambda _: requests.get(f"{edge.url}/slow", timeout=15).status_code, range(CONCURRENT)))
    assert statuses == [200] * CONCURRENT


def test_request_log_names_the_route_template_never_the_path(edge: Edge, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="satchel.local")
    requests.get(f"{edge.url}/things/secret-token-value", timeout=5)
    requests.get(f"{edge.url}/no/secret-token-value", timeout=5)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "GET /things/{id} -> 200" in logged
    assert "GET (no route) -> 404" in logged
    assert "secret-token-value" not in logged


# -- the local-only route table: Swagger UI ------------------------------------------------------
def test_docs_page_and_every_script_and_stylesheet_it_references(edge: Edge) -> None:
    page = requests.get(f"{edge.url}/docs", timeout=5)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert '"/openapi.json"' in page.text  # the API description, from the same origin
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    assert scripts and stylesheets
    assert all(ref.startswith("/docs/") for ref in scripts + stylesheets)  # served here, no CDN
    for ref, kind in [*((s, "javascript") for s in scripts), *((s, "css") for s in stylesheets)]:
        asset = requests.get(f"{edge.url}{ref}", timeout=10)
        assert asset.status_code == 200, ref
        assert kind in asset.headers["Content-Type"], ref
        assert asset.content == swagger_ui_files()[ref.removeprefix("/docs/")].read_bytes()
    assert edge.functions.events == []


def test_head_docs_has_no_body(edge: Edge) -> None:
    response = requests.head(f"{edge.url}/docs", timeout=5)
    assert (response.status_code, response.content) == (200, b"")


@pytest.mark.parametrize(
    "target",
    [
        b"/docs/../local_routes.py",
        b"/docs/..%2F..%2Fcore.py",
        b"/docs/%2E%2E%2F__init__.py",
        b"/docs/static%2Fswagger-ui.css",
        b"/docs/%2Fetc%2Fpasswd",
        b"/docs/",
        b"/docs/no-such-file.js",
        b"/docs/swagger-ui.css/x",
    ],
)
def test_docs_serve_only_files_of_the_distribution(edge: Edge, target: bytes) -> None:
    answer = send_raw(edge, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert_gateway_error(answer, 404, "ROUTE_NOT_FOUND")


def test_docs_are_only_read(edge: Edge) -> None:
    assert_gateway_error(requests.post(f"{edge.url}/docs", timeout=5), 404, "ROUTE_NOT_FOUND")
