"""Every function: runtime, architecture, tracing, JSON logs, its own log group and role, settings."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match
from satchel import settings
from satchel.idempotency.settings import IdempotencySettings
from satchel.models import TABLES

from infra.constructs.compute import RUNTIME
from infra.functions import SETTINGS_NEEDS, SPECS, SettingsGroup, StackValue, deployed_functions

SETTINGS_CLASSES = {
    SettingsGroup.TRANSFERS: settings.TransferSettings,
    SettingsGroup.AUTH: settings.AuthSettings,
    SettingsGroup.IDENTITY: settings.IdentitySettings,
    SettingsGroup.RATE_LIMITS: settings.RateLimitSettings,
    SettingsGroup.IDEMPOTENCY: IdempotencySettings,
}


def test_every_deployed_function_is_built(synth):
    assert sorted(synth.stack.functions) == sorted(deployed_functions())
    synth.template.resource_count_is("AWS::Lambda::Function", len(deployed_functions()) + 1)  # + CDK's S3 notifier


def test_runtime_is_the_newest_python_that_aws_cdk_lib_offers():
    versions = [
        tuple(int(part) for part in name.removeprefix("PYTHON_").split("_"))
        for name in dir(lambda_.Runtime)
        if re.fullmatch(r"PYTHON_\d+_\d+", name)
    ]
    newest = "python{}.{}".format(*max(versions))
    assert RUNTIME.name == newest


@pytest.mark.parametrize("name", deployed_functions())
def test_function_shape(synth, name):
    built = synth.stack.functions[name]
    synth.template.has_resource_properties(
        "AWS::Lambda::Function",
        Match.object_like(
            {
                "Runtime": RUNTIME.name,
                "Architectures": ["arm64"],
                "Handler": "handler.lambda_handler",
                "TracingConfig": {"Mode": "Active"},
                "LoggingConfig": Match.object_like(
                    {"LogFormat": "JSON", "LogGroup": {"Ref": synth.logical_id(built.log_group)}}
                ),
                "Role": {"Fn::GetAtt": [synth.logical_id(built.role), "Arn"]},
                "Layers": [{"Ref": synth.logical_id(synth.stack.node.find_child("Shared").layer)}],
                "Environment": {"Variables": Match.object_like({"POWERTOOLS_SERVICE_NAME": "satchel"})},
            }
        ),
    )
    log_group = synth.resource(built.log_group)
    assert log_group["Properties"]["RetentionInDays"] == 30


def test_each_function_has_its_own_role_without_managed_policies(synth):
    functions = [synth.resource(f.function) for f in synth.stack.functions.values()]
    roles = [f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions]
    assert len(set(roles)) == len(roles)
    for role in roles:
        properties = synth.resources[role]["Properties"]
        assert "ManagedPolicyArns" not in properties
        principal = properties["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        assert principal == {"Service": "lambda.amazonaws.com"}


def test_function_code_carries_asset_metadata_for_sam(synth):
    # SAM resolves local code through these keys (CDK writes them when asset metadata is enabled).
    for built in synth.stack.functions.values():
        metadata = synth.resource(built.function)["Metadata"]
        assert metadata["aws:asset:property"] == "Code"
        assert (synth.outdir / metadata["aws:asset:path"] / "handler.py").is_file()


def _environment(synth, name: str) -> dict[str, str]:
    variables = synth.resource(synth.stack.functions[name].function)["Properties"]["Environment"]["Variables"]
    # Values that are CloudFormation references become placeholder strings, as Lambda would see names.
    return {key: value if isinstance(value, str) else f"resolved-{key.lower()}" for key, value in variables.items()}


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_environment_satisfies_every_settings_class_the_function_uses(synth, spec):
    env = {**_environment(synth, spec.name), "AWS_REGION": "eu-west-1"}
    for group in spec.settings:
        SETTINGS_CLASSES[group].from_env(env)  # raises ConfigurationError on a missing variable


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_environment_holds_only_what_the_spec_needs(synth, spec):
    env = _environment(synth, spec.name)
    needed_tables = set(spec.table_actions).union(*(SETTINGS_NEEDS[g].tables for g in spec.settings))
    table_vars = {TABLES[name].env_var for name in needed_tables}
    values = {v.value for g in spec.settings for v in SETTINGS_NEEDS[g].values}
    assert {k for k in env if not k.startswith("POWERTOOLS_")} == table_vars | values
    if StackValue.JWT_SECRET_ID.value in env:
        secret_ref: Any = synth.resource(synth.stack.functions[spec.name].function)["Properties"]["Environment"][
            "Variables"
        ]["JWT_SECRET_ID"]
        assert secret_ref == {"Ref": synth.logical_id(synth.stack.identity.signing_keys)}


def test_table_names_use_the_models_env_vars(synth):
    variables = synth.resource(synth.stack.functions["upload_token"].function)["Properties"]["Environment"]["Variables"]
    assert variables[TABLES["tokens"].env_var] == {"Ref": synth.logical_id(synth.stack.tables["tokens"])}
    assert variables["ARTIFACTS_BUCKET"] == {"Ref": synth.logical_id(synth.stack.storage.bucket)}
