"""The environment a deployed function sees, with local names and fake credentials (nothing leaves the machine)."""

from __future__ import annotations

from bench import ROOT
from infra.local.resources import LocalNames


def lambda_environment(function: str) -> dict[str, str]:
    env = LocalNames().environment()
    env.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - fake, never used against AWS
        AWS_SESSION_TOKEN="bench",  # noqa: S106
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_LAMBDA_FUNCTION_NAME=f"satchel-{function}",
        AWS_EXECUTION_ENV="AWS_Lambda_python3.13",
        # The X-Ray SDK detects Lambda by this variable (it then samples locally, without clients).
        LAMBDA_TASK_ROOT=str(ROOT / "functions" / function),
        POWERTOOLS_SERVICE_NAME=f"satchel-{function}",
        POWERTOOLS_METRICS_NAMESPACE="Satchel",
        POWERTOOLS_LOG_LEVEL="INFO",
        # No X-Ray daemon here; the SDK is still imported and patched as in Lambda.
        AWS_XRAY_CONTEXT_MISSING="IGNORE_ERROR",
    )
    return env
