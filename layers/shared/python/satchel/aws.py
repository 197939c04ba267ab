"""Lazily created, per-process AWS clients, all from one botocore session.

Creating a botocore session loads endpoint and service data from disk (tens of milliseconds), so
every client, PynamoDB's included, comes from the same session, built once per process on first
use and never at import (tests and the local stack set endpoints before the first call).
botocore is used directly: boto3 adds only resource and transfer helpers we do not use, at a
cold-start cost of ~30 ms.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import botocore.session
from botocore.config import Config

from satchel.settings import AwsSettings

# Client creation on a shared session is not thread-safe (the local stack serves requests on threads).
client_creation_lock = threading.RLock()


@lru_cache(maxsize=1)
def botocore_session() -> botocore.session.Session:
    with client_creation_lock:
        return botocore.session.get_session()


def new_client(service: str, region: str, *, endpoint_url: str | None = None, config: Config | None = None) -> Any:
    with client_creation_lock:
        return botocore_session().create_client(service, region_name=region, endpoint_url=endpoint_url, config=config)


@lru_cache(maxsize=8)
def s3_client(aws: AwsSettings) -> Any:
    # SigV4 always: botocore would otherwise presign with SigV2 in some regions. Path-style only
    # for local endpoints (AWS wants virtual-host addressing).
    config = Config(signature_version="s3v4", s3={"addressing_style": "path" if aws.s3_endpoint_url else "virtual"})
    return new_client("s3", aws.region, endpoint_url=aws.s3_endpoint_url, config=config)


@lru_cache(maxsize=8)
def secrets_client(aws: AwsSettings) -> Any:
    return new_client("secretsmanager", aws.region)


@lru_cache(maxsize=8)
def dynamodb_client(aws: AwsSettings) -> Any:
    """Low-level client for calls PynamoDB cannot make in one request (the authorizer's BatchGetItem)."""
    return new_client("dynamodb", aws.region, endpoint_url=aws.dynamodb_endpoint_url)


def reset_clients() -> None:
    s3_client.cache_clear()
    secrets_client.cache_clear()
    dynamodb_client.cache_clear()
    botocore_session.cache_clear()
