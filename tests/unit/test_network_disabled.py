"""The unit tier really is offline: the autouse fixture blocks sockets, including botocore's."""

from __future__ import annotations

import socket

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import HTTPClientError
from pytest_socket import SocketBlockedError


def test_opening_a_socket_is_blocked() -> None:
    with pytest.raises(SocketBlockedError):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)


def test_an_aws_call_cannot_leave_the_machine() -> None:
    client = boto3.client("s3", region_name="us-east-1", config=Config(retries={"max_attempts": 1}))
    with pytest.raises(HTTPClientError, match="A test tried to use socket"):
        client.list_buckets()
