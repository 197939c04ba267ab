"""Operator commands against a deployed stack, named by its auth function (`--function`).

A second, "deployed" set of resources lives next to the local one in moto, under other names, and
a Lambda function's environment names it, as CDK configures the real one. The process environment
keeps naming the local resources, so a command that ignored the function would act on those.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from satchel.auth.keys import KeySet

from infra.admin import bootstrap, rotate_keys, target
from infra.local.resources import LocalNames, provision
from tests.integration.identity_api import PASSWORD, configure

DEPLOYED = LocalNames(
    bucket="satchel-artifacts-prod",
    table_prefix="satchel-prod-",
    jwt_secret="satchel/prod/jwt-signing-keys",
    upload_events_queue="satchel-upload-events-prod",
    jwt_issuer="https://satchel.example",
)
FUNCTION_NAME = "satchel-prod-AuthFunction"


@dataclass
class DeployedStack:
    function_arn: str
    variables: dict[str, str]
    keys: KeySet


def _handler_zip() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("handler.py", "def lambda_handler(event, context):\n    return None\n")
    return archive.getvalue()


@pytest.fixture
def deployed(stack: Any, monkeypatch: pytest.MonkeyPatch) -> DeployedStack:
    clients = {name: boto3.client(name, region_name="us-east-1") for name in ("s3", "dynamodb", "sqs")}
    provisioned = provision({**clients, "secretsmanager": stack.secrets}, DEPLOYED)
    # Lambda reserves the AWS_* variables; the function's region comes from where it runs.
    variables = {name: value for name, value in DEPLOYED.environment().items() if not name.startswith("AWS_")}
    role = boto3.client("iam", region_name="us-east-1").create_role(
        RoleName="satchel-prod-auth-role",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    function = boto3.client("lambda", region_name="us-east-1").create_function(
        FunctionName=FUNCTION_NAME,
        Runtime="python3.12",
        Role=role,
        Handler="handler.lambda_handler",
        Code={"ZipFile": _handler_zip()},
        Environment={"Variables": variables},
    )
    # The commands rewrite os.environ (target.apply); register every name so the test restores it.
    for name in [*variables, "AWS_REGION"]:
        monkeypatch.setenv(name, os.environ.get(name, ""))
    configure(monkeypatch, SATCHEL_ADMIN_PASSWORD=PASSWORD, PASSWORD_SCRYPT_N="1024")
    return DeployedStack(function_arn=function["FunctionArn"], variables=variables, keys=provisioned.keys)


def _secret(stack: Any, names: LocalNames) -> KeySet:
    return KeySet.from_json(stack.secrets.get_secret_value(SecretId=names.jwt_secret)["SecretString"])


def _user_emails(stack: Any, names: LocalNames) -> set[str]:
    items = stack.dynamodb.scan(TableName=names.table("users"))["Items"]
    return {item["email"]["S"] for item in items}


def test_deployed_environment_is_the_functions_environment_in_its_region(deployed: DeployedStack) -> None:
    by_name = target.deployed_environment(FUNCTION_NAME, "us-east-1")
    by_arn = target.deployed_environment(deployed.function_arn, None)  # region from the AWS config

    assert by_name == by_arn == {**deployed.variables, "AWS_REGION": "us-east-1"}
    assert by_name["USERS_TABLE"] == "satchel-prod-users"


def test_unknown_function_fails_before_anything_changes(
    deployed: DeployedStack, capsys: pytest.CaptureFixture[str]
) -> None:
    before = dict(os.environ)

    code = bootstrap.main(["--function", "satchel-prod-NoSuchFunction", "--region", "us-east-1", "--email", "x@y.z"])

    assert code == 1
    error = capsys.readouterr().err
    assert error.startswith("error: cannot read the configuration of function 'satchel-prod-NoSuchFunction'")
    assert "ResourceNotFoundException" in error
    assert dict(os.environ) == before


def test_withdrawing_a_key_that_cannot_be_withdrawn_is_refused_plainly(
    stack: Any, deployed: DeployedStack, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _secret(stack, DEPLOYED).to_json()

    unknown = rotate_keys.main(["--function", deployed.function_arn, "--withdraw", "k-none"])
    active = rotate_keys.main(["--function", deployed.function_arn, "--withdraw", deployed.keys.active_kid])

    assert (unknown, active) == (1, 1)
    assert capsys.readouterr().err.splitlines() == [
        "error: no key 'k-none'",
        "error: rotate before withdrawing the active key",
    ]
    assert _secret(stack, DEPLOYED).to_json() == before


def test_bootstrap_creates_the_admin_in_the_deployed_tables(
    stack: Any, deployed: DeployedStack, capsys: pytest.CaptureFixture[str]
) -> None:
    code = bootstrap.main(["--function", FUNCTION_NAME, "--region", "us-east-1", "--email", "root@example.com"])

    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["email"], set(printed["roles"]), printed["created"]) == (
        "root@example.com",
        {"admin", "user"},
        True,
    )
    assert _user_emails(stack, DEPLOYED) == {"root@example.com"}
    assert "root@example.com" not in _user_emails(stack, stack.names)


def test_rotate_keys_rotates_the_deployed_secret_only(
    stack: Any, deployed: DeployedStack, capsys: pytest.CaptureFixture[str]
) -> None:
    local_before = _secret(stack, stack.names)
    old_kid = deployed.keys.active_kid

    assert rotate_keys.main(["--function", deployed.function_arn, "--grace", "60"]) == 0

    rotated = _secret(stack, DEPLOYED)
    assert rotated.active_kid != old_kid
    assert rotated.keys[old_kid].retired_at is not None  # still verifies tokens it signed
    assert f"active key: {rotated.active_kid}" in capsys.readouterr().out
    assert _secret(stack, stack.names).to_json() == local_before.to_json()

    assert rotate_keys.main(["--function", deployed.function_arn, "--withdraw", old_kid]) == 0

    assert set(_secret(stack, DEPLOYED).keys) == {rotated.active_kid}
