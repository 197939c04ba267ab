"""`python -m infra.local.server [--strict-s3]`: the whole API on http://127.0.0.1:$PORT.

HTTP in, API Gateway emulation (infra.local.gateway), the real handlers in-process, AWS emulated
by moto (and rclone for strict S3). Ctrl-C or SIGTERM stops everything and exits 0.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any

from infra.local.aws_emulators import LOOPBACK, EmulatorError
from infra.local.gateway import Gateway, HttpRequest
from infra.local.resources import LOCAL_REGION
from infra.local.stack import LocalStack
from infra.local.state import StackState, local_dir

DEFAULT_PORT = 3000
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

log = logging.getLogger("satchel.local")


class Shutdown(BaseException):
    """Raised in the main thread by SIGINT/SIGTERM; BaseException so no handler swallows it."""


class ApiServer(ThreadingHTTPServer):
    daemon_threads = True
    # Bursts of concurrent clients (the race test sends 50 at once) must not overflow the backlog.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], gateway: Gateway):
        super().__init__(address, ApiRequestHandler)
        self.gateway = gateway


class ApiRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like API Gateway
    server: ApiServer

    def _serve(self) -> None:
        request = HttpRequest(
            method=self.command,
            target=self.path,
            headers=list(self.headers.items()),
            body=self._read_body(),
            client_ip=self.client_address[0],
        )
        response = self.server.gateway.handle(request)
        self.send_response_only(response.status)
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        # HEAD answers carry no body; Content-Length then describes nothing, so send 0.
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Date", self.date_time_string())
        self.end_headers()
        if response.body:
            self.wfile.write(response.body)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():  # trailers
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def log_message(self, format: str, *args: object) -> None:
        pass  # the gateway logs each request with its route template instead of the raw path

    def __getattr__(self, name: str) -> Any:
        # http.server answers a method without a do_<METHOD> with its own HTML 501 page. Any other
        # method (TRACE, QUERY, ...) goes to the gateway too, which answers a method the path does
        # not have as API Gateway does: 404 ROUTE_NOT_FOUND in the envelope.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)


for _method in METHODS:
    setattr(ApiRequestHandler, f"do_{_method}", ApiRequestHandler._serve)


def banner(state: StackState) -> str:
    mode = "rclone serve s3 (strict: signatures, expiry, signed headers checked)" if state.strict_s3 else "moto"
    return "\n".join(
        [
            "",
            f"  Satchel API     {state.api_url}",
            f"  S3 endpoint     {state.s3_endpoint}  ({mode})",
            f"  AWS emulator    {state.aws_endpoint}  (moto: DynamoDB, SQS, Secrets Manager)",
            "  Bearer token    make token   (in another terminal)",
            "  Stop            Ctrl-C",
            "",
        ]
    )


def _raise_shutdown(signum: int, frame: FrameType | None) -> None:
    raise Shutdown


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m infra.local.server", description=__doc__)
    parser.add_argument(
        "--strict-s3",
        action="store_true",
        default=os.environ.get("STRICT_S3", "") not in ("", "0", "false"),
        help="serve S3 with rclone, which checks presigned signatures like S3 (env STRICT_S3=1)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT") or DEFAULT_PORT),
        help="0 picks a free port (the state file says which)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("botocore").setLevel(logging.WARNING)  # "Found credentials..." per client
    # Metrics are off locally (see configure_environment); Powertools still warns on every request.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    signal.signal(signal.SIGINT, _raise_shutdown)
    signal.signal(signal.SIGTERM, _raise_shutdown)
    stack = LocalStack(work_dir=local_dir(), strict_s3=args.strict_s3)
    server: ApiServer | None = None
    try:
        # Bind first: a busy port should fail before any emulator starts.
        server = ApiServer((LOOPBACK, args.port), Gateway(stack.functions, region=LOCAL_REGION))
        state = stack.start(api_url=f"http://{LOOPBACK}:{server.server_address[1]}")
        print(banner(state), flush=True)
        server.serve_forever(poll_interval=0.2)
    except Shutdown:
        pass
    except (OSError, EmulatorError) as exc:
        print(f"local stack failed to start: {exc}", file=sys.stderr)
        return 1
    finally:
        # A second Ctrl-C must not interrupt the cleanup.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if server is not None:
            server.server_close()
        stack.stop()
        log.info("local stack stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
