"""The local stack over real HTTP: started exactly as `make run` starts it, on a free port.

Each stack runs `python -m infra.local.server` in a subprocess with its own working directory
(state file, emulator logs), so tests never touch a developer's `make run` on port 3000.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests

from infra.local.seed import DEMO_USER_ID, DEMO_USER_ROLES
from infra.local.state import STATE_FILE_NAME, StackNotRunning, StackState
from infra.local.token import mint_token

REPO_ROOT = Path(__file__).resolve().parents[2]
LAYER = REPO_ROOT / "layers" / "shared" / "python"
STARTUP_TIMEOUT = 60.0
T = TypeVar("T")


def wait_for(probe: Callable[[], T | None], *, timeout: float = 10.0, interval: float = 0.1, what: str = "") -> T:
    """Poll until `probe` returns something other than None (or False)."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result is not None and result is not False:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or probe}")
        time.sleep(interval)


def stack_environment(work_dir: Path, *, strict: bool, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """What `make run` passes, plus a private working directory and PORT=0 (a free port), and
    `extra` settings (as `RATE_LIMIT_AUTH=100 make run` would pass them)."""
    env = {**os.environ, **(extra or {}), "PORT": "0", "SATCHEL_LOCAL_DIR": str(work_dir)}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(LAYER), env.get("PYTHONPATH", "")) if p)
    env.pop("STRICT_S3", None)
    if strict:
        env["STRICT_S3"] = "1"
    return env


@dataclass
class RunningStack:
    process: subprocess.Popen[bytes]
    work_dir: Path
    log_path: Path
    state: StackState

    @property
    def api(self) -> str:
        return self.state.api_url

    def token(self, sub: str = DEMO_USER_ID, roles: tuple[str, ...] = DEMO_USER_ROLES) -> str:
        return mint_token(self.state, sub=sub, roles=roles)

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token()}"}

    def client(self, service: str) -> Any:
        return self.state.client(service)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, signum: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_stack(work_dir: Path, *, strict: bool = False, env: Mapping[str, str] | None = None) -> RunningStack:
    work_dir.mkdir(parents=True, exist_ok=True)
    log_path = work_dir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.local.server"],
            cwd=REPO_ROOT,
            env=stack_environment(work_dir, strict=strict, extra=env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def ready() -> StackState | None:
        if process.poll() is not None:
            raise AssertionError(f"local stack exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            return StackState.read(work_dir / STATE_FILE_NAME)
        except (StackNotRunning, ValueError):
            return None

    try:
        state = wait_for(ready, timeout=STARTUP_TIMEOUT, what="the local stack to start")
    except BaseException:
        process.kill()
        process.wait()
        raise
    return RunningStack(process=process, work_dir=work_dir, log_path=log_path, state=state)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The local stack with moto's S3 (what `make run` serves)."""
    running = start_stack(tmp_path_factory.mktemp("stack"))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def strict_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The local stack with rclone's S3, which checks presigned signatures (`make run-strict`)."""
    running = start_stack(tmp_path_factory.mktemp("strict-stack"), strict=True)
    yield running
    running.stop()


# -- the transfer flow over HTTP --------------------------------------------------------------
def issue_upload_token(stack: RunningStack, max_uploads: int = 1) -> dict[str, Any]:
    response = requests.post(
        f"{stack.api}/genUploadPresignedURL", json={"max_uploads": max_uploads}, headers=stack.auth(), timeout=10
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def start_upload(
    upload_url: str, data: bytes, *, filename: str = "report.bin", content_type: str = "application/octet-stream"
) -> dict[str, Any]:
    body: dict[str, Any] = {"filename": filename, "content_type": content_type, "size": len(data)}
    response = requests.post(upload_url, json=body, timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def put_object(ticket: dict[str, Any], data: bytes) -> requests.Response:
    """PUT exactly as a client following the ticket does."""
    return requests.put(ticket["presigned_url"], data=data, headers=ticket["headers"], timeout=10)


def download_grant(stack: RunningStack, artifact_uuid: str, **extra: Any) -> requests.Response:
    return requests.post(
        f"{stack.api}/genDownloadPresignedURL",
        json={"artifact_uuid": artifact_uuid, **extra},
        headers=stack.auth(),
        timeout=10,
    )


def wait_until_active(stack: RunningStack, artifact_uuid: str, **extra: Any) -> dict[str, Any]:
    """A download token is only issued for an ACTIVE artifact: poll until one is."""

    def issued() -> dict[str, Any] | None:
        response = download_grant(stack, artifact_uuid, **extra)
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        return dict(response.json())

    return wait_for(issued, timeout=10, what=f"artifact {artifact_uuid} to become ACTIVE")


def artifact_status(stack: RunningStack, artifact_uuid: str) -> str | None:
    item = stack.client("dynamodb").get_item(
        TableName=stack.state.names.table("artifacts"), Key={"uuid": {"S": artifact_uuid}}, ConsistentRead=True
    )
    return item.get("Item", {}).get("status", {}).get("S")


def assert_envelope(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"]
    assert error["requestId"]
    return dict(error)
