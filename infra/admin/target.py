"""Which stack an operator command acts on: the running local stack, or a deployed function's.

A deployed stack is named by one of its functions (the auth function's name or ARN, printed by
`cdk deploy` as an output): its environment says which tables and secret to use, so the
command cannot drift from what CDK configured. The caller's own AWS credentials do the work.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from satchel import aws, settings

from infra.local.state import STATE_FILE_NAME, StackNotRunning, StackState, local_dir

# Exit codes of the operator commands: 1 the operation could not be done, 2 it was asked for wrongly
# (argparse's convention for usage errors).
FAILED = 1
USAGE = 2


class TargetUnavailable(Exception):
    """The stack to administer cannot be reached; the message says why and what to do."""


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--local", action="store_true", help="the stack started by `make run`")
    where.add_argument("--function", help="name or ARN of the deployed auth function")
    parser.add_argument("--region", help="AWS region of the deployed stack (default: your AWS config)")


def local_environment() -> dict[str, str]:
    state = StackState.read(local_dir() / STATE_FILE_NAME)
    return {
        **state.names.environment(),
        "AWS_ENDPOINT_URL": state.aws_endpoint,
        "AWS_ACCESS_KEY_ID": state.access_key_id,
        "AWS_SECRET_ACCESS_KEY": state.secret_access_key,
    }


def deployed_environment(function: str, region: str | None) -> dict[str, str]:
    lambda_client = boto3.client("lambda", region_name=region)
    configuration = lambda_client.get_function_configuration(FunctionName=function)
    variables: dict[str, str] = dict(configuration.get("Environment", {}).get("Variables", {}))
    variables["AWS_REGION"] = region or lambda_client.meta.region_name
    return variables


def apply(environment: Mapping[str, str]) -> None:
    """Make this process look like the function it administers (settings and clients re-read)."""
    os.environ.update(environment)
    settings.reset_cache()
    aws.reset_clients()


def select(args: argparse.Namespace) -> None:
    """Act on the chosen stack from now on; TargetUnavailable (nothing changed) if it cannot be read."""
    try:
        environment = local_environment() if args.local else deployed_environment(args.function, args.region)
    except StackNotRunning as exc:
        raise TargetUnavailable(str(exc)) from None
    except (BotoCoreError, ClientError) as exc:
        raise TargetUnavailable(f"cannot read the configuration of function {args.function!r}: {exc}") from None
    apply(environment)
