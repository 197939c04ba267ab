"""moto in-process: every resource created from the same definitions the local stack uses."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.local.lambdas import invoke
from infra.local.resources import LocalNames, provision
from satchel import aws, settings
from satchel.auth import access_tokens
from satchel.auth.authorizer import default_authorizer
from satchel.auth.keys import KeySet
from satchel.transfers.service import default_service


@dataclass
class Stack:
    names: LocalNames
    keys: KeySet
    s3: Any
    dynamodb: Any
    sqs: Any
    secrets: Any
    queue_url: str

    def token_for(self, sub: str = "user-1", roles: tuple[str, ...] = ("user",), ttl: int = 900) -> str:
        return access_tokens.mint(
            self.keys,
            sub=sub,
            roles=roles,
            issuer=self.names.jwt_issuer,
            audience=self.names.jwt_audience,
            ttl=ttl,
            now=int(time.time()),
        )

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        return invoke(function, event)


def _reset_process_caches() -> None:
    settings.reset_cache()
    aws.reset_clients()
    default_service.cache_clear()
    default_authorizer.cache_clear()


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    names = LocalNames()
    for key, value in names.environment().items():
        monkeypatch.setenv(key, value)
    _reset_process_caches()
    with mock_aws():
        clients = {
            name: boto3.client(name, region_name="us-east-1")  # type: ignore[call-overload]
            for name in ("s3", "dynamodb", "sqs", "secretsmanager")
        }
        provisioned = provision(clients, names)
        yield Stack(
            names=names,
            keys=provisioned.keys,
            s3=clients["s3"],
            dynamodb=clients["dynamodb"],
            sqs=clients["sqs"],
            secrets=clients["secretsmanager"],
            queue_url=provisioned.queue_url,
        )
    _reset_process_caches()
