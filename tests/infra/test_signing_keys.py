"""The bootstrap command writes a key set into the deployed placeholder secret, once."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws
from satchel.auth.keys import KeySet

from infra.constructs.identity import PLACEHOLDER_KEY
from infra.signing_keys import AlreadyInitialized, initialize


@pytest.fixture
def secrets():
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        # What CloudFormation stores from the stack's generateSecretString template.
        placeholder = json.dumps({"active_kid": None, "keys": {}, PLACEHOLDER_KEY: "x" * 43})
        arn = client.create_secret(Name="satchel/dev/keys", SecretString=placeholder)["ARN"]
        yield client, arn


def test_initialize_replaces_the_placeholder_with_a_key_set(secrets):
    client, arn = secrets
    kid = initialize(client, arn)
    keys = KeySet.from_json(client.get_secret_value(SecretId=arn)["SecretString"])
    assert keys.active_kid == kid
    assert len(keys.active.secret) == 32


def test_initialize_refuses_to_overwrite_a_key_set(secrets):
    client, arn = secrets
    initialize(client, arn)
    first = client.get_secret_value(SecretId=arn)["SecretString"]
    with pytest.raises(AlreadyInitialized):
        initialize(client, arn)
    assert client.get_secret_value(SecretId=arn)["SecretString"] == first
