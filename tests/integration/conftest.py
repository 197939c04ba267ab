"""moto in-process: every resource created from the same definitions the local stack uses."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.client
import pytest
from moto import mock_aws
from satchel import aws, settings
from satchel.auth import access_tokens
from satchel.auth.authorizer import default_authorizer
from satchel.auth.keys import KeySet
from satchel.identity.admin import default_user_administration
from satchel.identity.service import default_identity_service
from satchel.ratelimit.limiter import default_rate_limiter
from satchel.transfers.service import default_service

from infra.local.lambdas import invoke
from infra.local.resources import LocalNames, provision


@dataclass
class Stack:
    names: LocalNames
    keys: KeySet
    s3: Any
    dynamodb: Any
    sqs: Any
    secrets: Any
    queue_url: str

    def add_user(self, user_id: str = "user-1", roles: tuple[str, ...] = ("user",)) -> None:
        """An enabled account the authorizer accepts (no usable password: log-in tests create their own)."""
        now = int(time.time())
        self.dynamodb.put_item(
            TableName=self.names.table("users"),
            Item={
                "user_id": {"S": user_id},
                "email": {"S": f"{user_id}@example.test"},
                "password_hash": {"S": "!"},
                "roles": {"L": [{"S": role} for role in roles]},
                "disabled": {"BOOL": False},
                "revoked_before": {"N": "0"},
                "created_at": {"N": str(now)},
                "updated_at": {"N": str(now)},
            },
        )

    def token_for(self, sub: str = "user-1", roles: tuple[str, ...] = ("user",), ttl: int = 900) -> str:
        # The authorizer also checks that the subject is a live user, with its current roles.
        self.add_user(sub, roles)
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
    default_identity_service.cache_clear()
    default_user_administration.cache_clear()
    default_rate_limiter.cache_clear()


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
        stack = Stack(
            names=names,
            keys=provisioned.keys,
            s3=clients["s3"],
            dynamodb=clients["dynamodb"],
            sqs=clients["sqs"],
            secrets=clients["secretsmanager"],
            queue_url=provisioned.queue_url,
        )
        stack.add_user()  # the default subject of hand-made tokens
        yield stack
    _reset_process_caches()


# -- transfers --------------------------------------------------------------------------------
@pytest.fixture
def api(stack: Stack) -> Any:
    """The transfer contract steps through the real handlers (tests/integration/transfer_api.py)."""
    from tests.integration.transfer_api import TransferApi

    return TransferApi(stack)


@pytest.fixture
def clock(stack: Stack) -> Any:
    """Freeze the transfer service's clock at the real time; tests advance `clock.now`."""
    from tests.integration.transfer_api import Clock

    frozen = Clock(time.time())
    default_service().clock = frozen
    return frozen


@pytest.fixture
def atomic_requests(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make each AWS request atomic, as one DynamoDB request is. moto in-process is not: two
    threads' conditional updates of one item can both pass their condition, and races would then
    pass or fail by luck. Only single requests are serialized, so a read-then-write sequence
    still races here exactly as it would against DynamoDB."""
    lock = threading.Lock()
    send = botocore.client.BaseClient._make_api_call

    def one_at_a_time(self: Any, operation: str, params: dict[str, Any]) -> Any:
        with lock:
            return send(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", one_at_a_time)
    yield
