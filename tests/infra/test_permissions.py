"""Least privilege: each role holds exactly its spec's grants, and the dangerous ones nowhere else."""

from __future__ import annotations

from typing import Any

import pytest
from satchel.routes import ROUTES

from infra.functions import SPECS, FunctionSpec


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(synth, name: str) -> list[dict[str, Any]]:
    """Every Allow statement in policies attached to the function's role."""
    role_id = synth.logical_id(synth.stack.functions[name].role)
    found = []
    for policy in synth.of_type("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            found.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    assert all(s["Effect"] == "Allow" for s in found)
    return found


def actions_on(synth, name: str, resource_ref: Any) -> set[str]:
    """Actions the function may take on a resource, given a matcher over its resource entries."""
    granted: set[str] = set()
    for statement in statements(synth, name):
        if any(resource_ref(resource) for resource in _as_list(statement["Resource"])):
            granted.update(_as_list(statement["Action"]))
    return granted


def all_actions(synth, name: str) -> set[str]:
    return {action for s in statements(synth, name) for action in _as_list(s["Action"])}


def is_table(synth, logical: str):
    table_id = synth.logical_id(synth.stack.tables[logical])
    return lambda resource: resource == {"Fn::GetAtt": [table_id, "Arn"]} or table_id in str(resource)


def is_artifact_objects(synth):
    bucket_id = synth.logical_id(synth.stack.storage.bucket)
    return lambda resource: resource == {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/artifacts/*"]]}


def is_bucket_anything(synth):
    bucket_id = synth.logical_id(synth.stack.storage.bucket)
    return lambda resource: bucket_id in str(resource)


def is_signing_secret(synth):
    return lambda resource: resource == {"Ref": synth.logical_id(synth.stack.identity.signing_keys)}


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_table_grants_equal_the_spec(synth, spec: FunctionSpec):
    for logical in synth.stack.tables.by_name:
        granted = actions_on(synth, spec.name, is_table(synth, logical))
        assert granted == set(spec.table_actions.get(logical, ())), logical


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_no_action_wildcards_and_only_xray_on_every_resource(synth, spec: FunctionSpec):
    for statement in statements(synth, spec.name):
        assert not any("*" in action for action in _as_list(statement["Action"])), statement
        if statement["Resource"] == "*":
            assert set(_as_list(statement["Action"])) == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_bucket_grants_equal_the_spec_and_cover_only_artifact_objects(synth, spec: FunctionSpec):
    assert actions_on(synth, spec.name, is_bucket_anything(synth)) == set(spec.object_actions)
    assert actions_on(synth, spec.name, is_artifact_objects(synth)) == set(spec.object_actions)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_only_token_signers_and_verifiers_read_the_signing_keys(synth, spec: FunctionSpec):
    secret_actions = {a for a in all_actions(synth, spec.name) if a.startswith("secretsmanager:")}
    if spec.reads_signing_keys:
        assert actions_on(synth, spec.name, is_signing_secret(synth)) >= {"secretsmanager:GetSecretValue"}
        assert secret_actions <= {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
    else:
        assert secret_actions == set()


def test_download_redirect_cannot_write_or_delete_artifacts(synth):
    granted = actions_on(synth, "download_redirect", is_bucket_anything(synth))
    assert granted == {"s3:GetObject"}


def test_upload_complete_can_delete_objects_but_cannot_read_the_jwt_secret(synth):
    assert "s3:DeleteObject" in actions_on(synth, "upload_complete", is_artifact_objects(synth))
    assert actions_on(synth, "upload_complete", is_signing_secret(synth)) == set()


def test_authorizer_reads_users_and_denylist_in_one_batch_and_writes_nothing(synth):
    dynamodb = {a for a in all_actions(synth, "authorizer") if a.startswith("dynamodb:")}
    assert dynamodb == {"dynamodb:BatchGetItem"}
    assert actions_on(synth, "authorizer", is_table(synth, "revocations")) == {"dynamodb:BatchGetItem"}


def test_only_upload_complete_consumes_the_upload_events_queue(synth):
    queue_id = synth.logical_id(synth.stack.storage.upload_events)
    for spec in SPECS:
        granted = actions_on(synth, spec.name, lambda resource: queue_id in str(resource))
        assert bool(granted) == (spec.name == "upload_complete"), spec.name


def test_only_functions_serving_idempotent_routes_touch_the_idempotency_table(synth):
    # What the persistence layer calls: claim (conditional PutItem), read (GetItem), record the
    # answer (UpdateItem), drop the claim after a failure (DeleteItem). No Scan, no Query.
    idempotent = {route.function for route in ROUTES if route.contract.idempotent}
    assert idempotent == {"upload_token", "download_redirect", "admin_users"}
    for spec in SPECS:
        granted = actions_on(synth, spec.name, is_table(synth, "idempotency"))
        expected = (
            {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
            if spec.name in idempotent
            else set()
        )
        assert granted == expected, spec.name
