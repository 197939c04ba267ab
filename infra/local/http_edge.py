"""The local stack's HTTP server: uvicorn (its h11 protocol) in front of the API Gateway emulation.

uvicorn parses HTTP/1.1 and keeps connections alive; `EdgeApp`, a plain ASGI app, turns each
request into an `HttpRequest`, tries the local-only routes, then the gateway, in a thread pool
(handlers block). Every answer the edge gives itself is a gateway error in the JSON envelope:
413 above API Gateway's payload quota, and 400 / 414 / 431 from `GatewayH11Protocol` for requests
that are not valid HTTP or whose head is too long to parse.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import h11
import uvicorn
from satchel import gateway_errors
from satchel.gateway_errors import GatewayError
from uvicorn.protocols.http.h11_impl import STATUS_PHRASES, H11Protocol

from infra.local.gateway import (
    MAX_PAYLOAD_BYTES,
    Gateway,
    HttpRequest,
    HttpResponse,
    error_response,
    log_request,
)
from infra.local.local_routes import LocalRoutes

log = logging.getLogger("satchel.local.http")

# h11 buffers a request line and headers up to this size, then gives up (414 or 431 below). Well
# above the gateway's own 10240-byte quotas, so those are answered on a parsed request.
MAX_REQUEST_HEAD_BYTES = 64 * 1024
# Handlers block on AWS calls and scrypt; the e2e race test sends 50 requests at once.
HANDLER_THREADS = 64
LISTEN_BACKLOG = 128
KEEP_ALIVE_SECONDS = 30
SHUTDOWN_GRACE_SECONDS = 5
# Framing is the server's business; a function's answer cannot set it.
HOP_BY_HOP = {"content-length", "connection", "transfer-encoding", "keep-alive"}
# Where GatewayH11Protocol leaves the header names as the client wrote them (uvicorn lowercases).
RAW_HEADER_NAMES = "satchel.raw_header_names"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class ClientGone(Exception):
    """The client disconnected before its request body arrived."""


class EdgeApp:
    """ASGI app: HTTP request -> local route or API Gateway emulation -> HTTP response."""

    def __init__(self, gateway: Gateway, local_routes: LocalRoutes, executor: ThreadPoolExecutor):
        self._gateway = gateway
        self._local_routes = local_routes
        self._executor = executor

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # no lifespan, no websockets
        started = time.perf_counter()
        try:
            response = await self._respond(scope, receive, started)
            start, body = _encoded(response)
        except ClientGone:
            return
        except Exception:
            log.exception("the local HTTP edge failed")
            start, body = _encoded(error_response(gateway_errors.INTEGRATION_FAILURE))
        await send(start)
        await send(body)

    async def _respond(self, scope: Scope, receive: Receive, started: float) -> HttpResponse:
        method: str = scope["method"]
        headers = _headers(scope)
        declared = next((int(v) for n, v in headers if n.lower() == "content-length"), 0)
        body = await _read_body(receive, MAX_PAYLOAD_BYTES) if declared <= MAX_PAYLOAD_BYTES else None
        if body is None:
            # Answered without reading (the rest of) the body; uvicorn discards what still arrives.
            log_request(method, "(rejected)", gateway_errors.REQUEST_TOO_LARGE.status, started)
            return error_response(gateway_errors.REQUEST_TOO_LARGE)
        query = scope["query_string"]
        target = scope["raw_path"].decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")
        client = scope.get("client") or ("127.0.0.1", 0)
        request = HttpRequest(method=method, target=target, headers=headers, body=body, client_ip=client[0])
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._handle, request)

    def _handle(self, request: HttpRequest) -> HttpResponse:
        return self._local_routes.handle(request) or self._gateway.handle(request)


def _headers(scope: Scope) -> list[tuple[str, str]]:
    """The request headers, with names as the client wrote them, as API Gateway passes them on."""
    pairs = scope["headers"]
    names = scope.get("state", {}).get(RAW_HEADER_NAMES)
    if names is None or len(names) != len(pairs):
        names = [name for name, _ in pairs]
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, (_, value) in zip(names, pairs, strict=True)]


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it grows past `limit` (chunked bodies declare no size)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _encoded(response: HttpResponse) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two ASGI messages of a response. A header that is not latin-1 raises (a 502)."""
    headers = [
        (name.encode("latin-1"), value.encode("latin-1"))
        for name, value in response.headers
        if name.lower() not in HOP_BY_HOP
    ]
    # HEAD answers carry no body; Content-Length then describes nothing, so it is 0.
    headers.append((b"content-length", str(len(response.body)).encode("ascii")))
    start = {"type": "http.response.start", "status": response.status, "headers": headers}
    return start, {"type": "http.response.body", "body": response.body, "more_body": False}


class _RecordingConnection(h11.Connection):
    """h11's connection, keeping what uvicorn drops: header names as sent, and why a request failed."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.raw_header_names: list[bytes] = []
        self.head_too_long = False

    def next_event(self) -> Any:
        reading_head = self.their_state is h11.IDLE
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as exc:
            # h11 hints 431 when it buffered more than its limit without finding the end of the head.
            self.head_too_long = reading_head and exc.error_status_hint == 431
            raise
        if isinstance(event, h11.Request):
            self.raw_header_names = [name for name, _ in event.headers.raw_items()]
        return event


class GatewayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, answering requests it cannot parse as API Gateway would: in the
    envelope (DEFAULT_4XX: REQUEST_REJECTED's body with the status), not with a plain-text 400."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        limit = self.config.h11_max_incomplete_event_size or MAX_REQUEST_HEAD_BYTES
        self.conn = self._recording = _RecordingConnection(h11.SERVER, max_incomplete_event_size=limit)

    def handle_events(self) -> None:
        scope = self.scope
        super().handle_events()
        if self.scope is not scope:
            # A new request; its ASGI task starts only after this callback returns.
            self.scope.setdefault("state", {})[RAW_HEADER_NAMES] = self._recording.raw_header_names

    def send_400_response(self, msg: str) -> None:
        error = self._framing_error()
        log.info("(malformed request) -> %d", error.status)
        if self.conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            # A response is already on its way: nothing valid can follow it on this connection.
            self.transport.close()
            return
        response = error_response(error)
        headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in response.headers]
        headers += [(b"content-length", str(len(response.body)).encode("ascii")), (b"connection", b"close")]
        for event in (
            h11.Response(status_code=error.status, headers=headers, reason=STATUS_PHRASES[error.status]),
            h11.Data(data=response.body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event))
        self.transport.close()

    def _framing_error(self) -> GatewayError:
        if not self._recording.head_too_long:
            return gateway_errors.REQUEST_REJECTED
        # Was h11 still reading the request line (414) or already the headers (431)?
        buffered, _ = self.conn.trailing_data
        return gateway_errors.HEADERS_TOO_LARGE if b"\n" in buffered else gateway_errors.URI_TOO_LONG


class HttpEdge:
    """uvicorn serving EdgeApp from a thread of its own, on a socket bound up front (port 0 works)."""

    def __init__(self, gateway: Gateway, *, host: str, port: int, local_routes: LocalRoutes | None = None):
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._socket.bind((host, port))
            self._socket.listen(LISTEN_BACKLOG)
        except OSError:
            self._socket.close()
            raise
        self._executor = ThreadPoolExecutor(max_workers=HANDLER_THREADS, thread_name_prefix="handler")
        app = EdgeApp(gateway, local_routes or LocalRoutes(), self._executor)
        config = uvicorn.Config(
            app,
            http=GatewayH11Protocol,
            ws="none",
            lifespan="off",
            log_config=None,
            access_log=False,  # its lines show raw paths; the gateway logs route templates instead
            server_header=False,
            backlog=LISTEN_BACKLOG,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
            h11_max_incomplete_event_size=MAX_REQUEST_HEAD_BYTES,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, name="http-edge", daemon=True)
        # Waited on instead of Thread.join: a signal handler raising inside join() can leave the
        # Thread marked as finished while it still runs.
        self._finished = threading.Event()

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._socket.getsockname()[:2]
        return host, port

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if self._finished.is_set() or time.monotonic() > deadline:
                raise OSError("the HTTP server did not start")
            time.sleep(0.01)

    def wait(self) -> None:
        """Block until the server stops (or a signal handler raises)."""
        while not self._finished.wait(0.5):
            pass

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.ident is not None:
            self._finished.wait(SHUTDOWN_GRACE_SECONDS + 5)
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._socket.close()

    def _serve(self) -> None:
        # Off the main thread uvicorn installs no signal handlers: the caller owns Ctrl-C and SIGTERM.
        try:
            asyncio.run(self._server.serve(sockets=[self._socket]))
        finally:
            self._finished.set()
