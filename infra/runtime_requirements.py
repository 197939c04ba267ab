"""The Lambda layer's pinned runtime requirements, read from uv.lock (no CDK import, so the bench can use it)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Provided by the Lambda Python runtime; bundling them would only grow the layer and pin old SDKs.
RUNTIME_PROVIDED = ("boto3", "botocore")


class BundlingError(RuntimeError):
    """The layer could not be built."""


def export_requirements(root: Path = ROOT) -> list[str]:
    """Pinned runtime requirements (`name==version`) from uv.lock, minus what the runtime provides."""
    command = ["uv", "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project"]
    command += ["--no-header", "--no-annotate"]
    for package in RUNTIME_PROVIDED:
        command += ["--prune", package]
    try:
        result = subprocess.run(command, cwd=root, check=True, capture_output=True, text=True)  # noqa: S603
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        raise BundlingError(f"uv export failed: {detail}") from exc
    lines = [line.split(";")[0].strip() for line in result.stdout.splitlines()]
    requirements = sorted(line for line in lines if line and not line.startswith(("#", "-")))
    if not requirements:
        raise BundlingError("uv export returned no runtime requirements")
    return requirements
