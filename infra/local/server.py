"""`python -m infra.local.server [--strict-s3]`: the whole API on http://127.0.0.1:$PORT.

HTTP in (infra.local.http_edge, on uvicorn), API Gateway emulation (infra.local.gateway), the real
handlers in-process, AWS emulated by moto (and rclone for strict S3). Invalid function settings
stop it before anything starts (exit 2). Ctrl-C or SIGTERM stops everything and exits 0.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import warnings
from types import FrameType

from infra.local.aws_emulators import LOOPBACK, EmulatorError
from infra.local.gateway import Gateway
from infra.local.http_edge import HttpEdge
from infra.local.resources import LOCAL_REGION
from infra.local.stack import LocalStack
from infra.local.state import StackState, local_dir

DEFAULT_PORT = 3000
EXIT_INVALID_SETTINGS = 2

log = logging.getLogger("satchel.local")


class Shutdown(BaseException):
    """Raised in the main thread by SIGINT/SIGTERM; BaseException so no handler swallows it."""


def banner(state: StackState) -> str:
    mode = "rclone serve s3 (strict: signatures, expiry, signed headers checked)" if state.strict_s3 else "moto"
    return "\n".join(
        [
            "",
            f"  Satchel API     {state.api_url}",
            f"  S3 endpoint     {state.s3_endpoint}  ({mode})",
            f"  AWS emulator    {state.aws_endpoint}  (moto: DynamoDB, SQS, Secrets Manager)",
            f"  Swagger UI      {state.api_url}/docs",
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
    # uvicorn's own lines (startup, "Invalid HTTP request") repeat what the edge logs.
    logging.getLogger("uvicorn.error").setLevel(logging.ERROR)
    # Metrics are off locally (see configure_environment); Powertools still warns on every request.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    stack = LocalStack(work_dir=local_dir(), strict_s3=args.strict_s3)
    # Deployed, a bad value fails each cold start; locally it fails here, before anything starts.
    problems = stack.settings_problems()
    if problems:
        print("local stack not started: invalid settings", *problems, sep="\n  ", file=sys.stderr)
        return EXIT_INVALID_SETTINGS
    signal.signal(signal.SIGINT, _raise_shutdown)
    signal.signal(signal.SIGTERM, _raise_shutdown)
    edge: HttpEdge | None = None
    exit_code = 0
    try:
        # Bind first: a busy port should fail before any emulator starts.
        edge = HttpEdge(Gateway(stack.functions, region=LOCAL_REGION), host=LOOPBACK, port=args.port)
        state = stack.start(api_url="http://{}:{}".format(*edge.address))
        edge.start()
        print(banner(state), flush=True)
        edge.wait()
        log.error("the HTTP server stopped unexpectedly")
        exit_code = 1
    except Shutdown:
        pass
    except (OSError, EmulatorError) as exc:
        print(f"local stack failed to start: {exc}", file=sys.stderr)
        exit_code = 1
    finally:
        # A second Ctrl-C must not interrupt the cleanup.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if edge is not None:
            edge.stop()
        stack.stop()
        log.info("local stack stopped")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
