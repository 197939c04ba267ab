"""The Satchel CDK app: one stack per stage (`-c stage=prod`, default "dev"), checked by cdk-nag."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# The CDK CLI runs this file as a script, which puts infra/ first on sys.path; there
# infra/constructs would shadow the `constructs` library. Use the repository root and the
# layer's package directory instead, like pytest's pythonpath does.
ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT), str(ROOT / "layers" / "shared" / "python")] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "infra"
]

from typing import Any  # noqa: E402

import aws_cdk as cdk  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from infra.stack import SatchelStack, StageConfig  # noqa: E402

DEFAULT_CONTEXT: dict[str, Any] = {
    "stage": "dev",
    # SAM (`sam local invoke`) finds function code through this metadata.
    "aws:cdk:enable-asset-metadata": True,
    # Grant S3 log delivery through the bucket policy instead of a bucket ACL.
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
    "@aws-cdk/core:target-partitions": ["aws"],
}


def stage_config(app: cdk.App) -> StageConfig:
    stage = str(app.node.try_get_context("stage"))
    return StageConfig(
        name=stage,
        jwt_issuer=str(app.node.try_get_context("jwtIssuer") or f"https://satchel-{stage}"),
        alarm_email=app.node.try_get_context("alarmEmail"),
        retain_data=stage == "prod" or str(app.node.try_get_context("retainData")).lower() in {"true", "1", "yes"},
    )


def build_app(
    context: dict[str, Any] | None = None, outdir: str | None = None, **stack_options: Any
) -> tuple[cdk.App, SatchelStack]:
    app = cdk.App(context={**DEFAULT_CONTEXT, **(context or {})}, outdir=outdir)
    config = stage_config(app)
    stack = SatchelStack(app, f"Satchel-{config.name}", config=config, **stack_options)
    cdk.Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
    return app, stack


if __name__ == "__main__":
    # The CDK CLI says where to write; run directly (make synth) it is ./cdk.out, not a temp dir.
    build_app(outdir=os.environ.get("CDK_OUTDIR") or str(ROOT / "cdk.out"))[0].synth()
