"""Starting and stopping the local stack: Ctrl-C and SIGTERM stop everything it started."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from infra.local.state import STATE_FILE_NAME
from tests.e2e.conftest import REPO_ROOT, stack_environment, start_stack

pytestmark = pytest.mark.e2e


def unreachable(url: str) -> bool:
    try:
        requests.get(url, timeout=2)
    except requests.ConnectionError:
        return True
    return False


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_signal_stops_server_and_emulators_cleanly(tmp_path: Path, signum: int) -> None:
    # Given a running strict stack (moto and rclone both started)
    stack = start_stack(tmp_path, strict=True)
    endpoints = [stack.api, stack.state.aws_endpoint, stack.state.s3_endpoint]
    assert requests.get(f"{stack.api}/no/such/route", timeout=5).status_code == 404

    # When it receives the signal
    exit_code = stack.stop(signum)

    # Then it exits 0 without a traceback, and nothing it started still listens
    log = stack.log()
    assert exit_code == 0, log
    assert "Traceback" not in log
    assert all(unreachable(url) for url in endpoints)
    assert not (tmp_path / STATE_FILE_NAME).exists()


def test_invalid_settings_stop_the_stack_before_it_starts(tmp_path: Path) -> None:
    # Given a value every login would refuse at its cold start
    env = {**stack_environment(tmp_path, strict=False), "RATE_LIMIT_AUTH": "0"}

    # When the stack starts
    result = subprocess.run(
        [sys.executable, "-m", "infra.local.server"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    # Then it refuses, naming the variable and its range, before any banner or emulator
    assert result.returncode == 2, result.stdout + result.stderr
    assert "RATE_LIMIT_AUTH must be between 1 and 1000000, got 0" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "Satchel API" not in result.stdout
    assert not (tmp_path / STATE_FILE_NAME).exists()
    assert not list(tmp_path.glob("*.log"))  # no emulator was started
