"""Where a running local stack says what it is: `.local/stack.json`.

The server writes it once everything is ready and removes it on exit; `make token` and the e2e
tests read it to reach that stack's emulators.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from infra.local.resources import LocalNames

REPO_ROOT = Path(__file__).resolve().parents[2]
STATE_FILE_NAME = "stack.json"


def local_dir() -> Path:
    """Working directory of the local stack (state, emulator logs, strict-mode S3 data); gitignored."""
    return Path(os.environ.get("SATCHEL_LOCAL_DIR") or REPO_ROOT / ".local")


class StackNotRunning(RuntimeError):
    pass


@dataclass(frozen=True)
class StackState:
    api_url: str
    aws_endpoint: str  # moto: DynamoDB, SQS, Secrets Manager
    s3_endpoint: str  # moto, or rclone in strict S3 mode
    region: str
    access_key_id: str
    secret_access_key: str
    strict_s3: bool
    pid: int
    names: LocalNames

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps(asdict(self), indent=2))
        partial.replace(path)  # readers never see half a file

    @classmethod
    def read(cls, path: Path) -> StackState:
        try:
            document = json.loads(path.read_text())
        except FileNotFoundError:
            raise StackNotRunning(f"no local stack is running (no {path}); start one with `make run`") from None
        state = cls(**{**document, "names": LocalNames(**document["names"])})
        if not _process_alive(state.pid):
            raise StackNotRunning(f"the local stack that wrote {path} is gone; start one with `make run`")
        return state

    def client(self, service: str) -> Any:
        """A boto3 client for one of this stack's emulators."""
        endpoint = self.s3_endpoint if service == "s3" else self.aws_endpoint
        return boto3.client(  # type: ignore[call-overload]
            service,
            region_name=self.region,
            endpoint_url=endpoint,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
