"""Lazily created, per-process AWS clients.

Creating a botocore client costs tens of milliseconds, so each is built once per process on
first use, never at import (tests and the local stack set endpoints before the first call).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

from satchel.settings import AwsSettings


@lru_cache(maxsize=8)
def s3_client(aws: AwsSettings) -> Any:
    # SigV4 always: botocore would otherwise presign with SigV2 in some regions. Path-style only
    # for local endpoints (AWS wants virtual-host addressing).
    config = Config(signature_version="s3v4", s3={"addressing_style": "path" if aws.s3_endpoint_url else "virtual"})
    return boto3.client("s3", region_name=aws.region, endpoint_url=aws.s3_endpoint_url, config=config)


@lru_cache(maxsize=8)
def secrets_client(aws: AwsSettings) -> Any:
    return boto3.client("secretsmanager", region_name=aws.region)


@lru_cache(maxsize=8)
def dynamodb_client(aws: AwsSettings) -> Any:
    """Low-level client for calls PynamoDB cannot make in one request (the authorizer's BatchGetItem)."""
    return boto3.client("dynamodb", region_name=aws.region, endpoint_url=aws.dynamodb_endpoint_url)


def reset_clients() -> None:
    s3_client.cache_clear()
    secrets_client.cache_clear()
    dynamodb_client.cache_clear()
