"""Strict S3 (rclone serve s3): the presigned PUT's signature, expiry and signed headers bind.

moto accepts any of these; rclone checks SigV4 as S3 does, so each test here would pass a broken
presigner on moto and fails it here. Every rejection is also checked to have stored nothing.
"""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests
from satchel.transfers.service import artifact_key
from satchel.transfers.storage import ObjectStorage

from tests.e2e.conftest import (
    RunningStack,
    issue_upload_token,
    put_object,
    start_upload,
    wait_until_active,
)

pytestmark = pytest.mark.e2e

DATA = b"strict mode payload\n"


@pytest.fixture
def ticket(strict_stack: RunningStack) -> dict[str, Any]:
    return start_upload(issue_upload_token(strict_stack)["upload_url"], DATA, content_type="text/plain")


def stored_keys(stack: RunningStack) -> list[str]:
    listed = stack.client("s3").list_objects_v2(Bucket=stack.state.names.bucket, Prefix="artifacts/")
    return [entry["Key"] for entry in listed.get("Contents", [])]


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def assert_rejected(stack: RunningStack, response: requests.Response, artifact_uuid: str) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert artifact_key(artifact_uuid) not in stored_keys(stack)


def test_correct_put_is_accepted_and_completes_the_upload(strict_stack: RunningStack, ticket: dict[str, Any]) -> None:
    # When the client PUTs exactly what it declared
    assert put_object(ticket, DATA).status_code == 200

    # Then the bucket watcher feeds the completion hook and the file downloads intact
    link = wait_until_active(strict_stack, ticket["uuid"])
    redirect = requests.get(link["presigned_url"], allow_redirects=False, timeout=10)
    assert redirect.status_code == 302
    assert redirect.headers["Location"].startswith(strict_stack.state.s3_endpoint)
    assert requests.get(redirect.headers["Location"], timeout=10).content == DATA


def test_tampered_signature_is_rejected(strict_stack: RunningStack, ticket: dict[str, Any]) -> None:
    signature = dict(parse_qsl(urlsplit(ticket["presigned_url"]).query))["X-Amz-Signature"]
    forged = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    tampered = with_query(ticket["presigned_url"], **{"X-Amz-Signature": forged})
    response = requests.put(tampered, data=DATA, headers=ticket["headers"], timeout=10)
    assert_rejected(strict_stack, response, ticket["uuid"])


def test_tampered_key_is_rejected(strict_stack: RunningStack, ticket: dict[str, Any]) -> None:
    # The signature binds the path: the URL cannot be pointed at another key
    parts = urlsplit(ticket["presigned_url"])
    elsewhere = urlunsplit(parts._replace(path=parts.path + "-other"))
    response = requests.put(elsewhere, data=DATA, headers=ticket["headers"], timeout=10)
    assert 400 <= response.status_code < 500, response.text
    assert artifact_key(ticket["uuid"]) + "-other" not in stored_keys(strict_stack)


def test_more_bytes_than_declared_are_rejected(strict_stack: RunningStack, ticket: dict[str, Any]) -> None:
    headers = {k: v for k, v in ticket["headers"].items() if k != "Content-Length"}
    response = requests.put(ticket["presigned_url"], data=DATA + b"extra", headers=headers, timeout=10)
    assert_rejected(strict_stack, response, ticket["uuid"])


def test_fewer_bytes_than_declared_are_rejected(strict_stack: RunningStack, ticket: dict[str, Any]) -> None:
    headers = {k: v for k, v in ticket["headers"].items() if k != "Content-Length"}
    response = requests.put(ticket["presigned_url"], data=DATA[:-1], headers=headers, timeout=10)
    assert_rejected(strict_stack, response, ticket["uuid"])


def test_other_content_type_is_rejected(strict_stack: RunningStack, ticket: dict[str, Any]) -> None:
    headers = {**ticket["headers"], "Content-Type": "text/html"}
    response = requests.put(ticket["presigned_url"], data=DATA, headers=headers, timeout=10)
    assert_rejected(strict_stack, response, ticket["uuid"])


def test_expired_url_is_rejected(strict_stack: RunningStack) -> None:
    # Given a URL from the service's own presigner with a 1-second life (the API's minimum is
    # 60 s, too long to wait for in a test)
    key = artifact_key("00000000-0000-4000-8000-" + secrets.token_hex(6))
    storage = ObjectStorage(strict_stack.client("s3"), strict_stack.state.names.bucket)
    url, headers = storage.presign_put(key, size=len(DATA), content_type="text/plain", sha256=None, expires_in=1)
    time.sleep(2)  # expiry is wall-clock time; nothing to poll

    # When the client uses it after it expired, S3 refuses (rclone says 400 where S3 says 403)
    response = requests.put(url, data=DATA, headers=headers, timeout=10)
    assert 400 <= response.status_code < 500, response.text
    assert key not in stored_keys(strict_stack)
