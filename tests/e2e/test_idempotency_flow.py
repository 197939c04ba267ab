"""Idempotency-Key over real HTTP: the local stack, its gateway and concurrent execution environments."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.e2e.conftest import RunningStack, assert_envelope

pytestmark = pytest.mark.e2e


def _own_user(stack: RunningStack) -> tuple[str, dict[str, str]]:
    """A user of its own, so this test's requests count against their own rate limit."""
    user_id = f"idem-{uuid.uuid4().hex[:12]}"
    now = str(int(time.time()))
    stack.client("dynamodb").put_item(
        TableName=stack.state.names.table("users"),
        Item={
            "user_id": {"S": user_id},
            "email": {"S": f"{user_id}@example.test"},
            "password_hash": {"S": "!"},
            "roles": {"L": [{"S": "user"}]},
            "disabled": {"BOOL": False},
            "revoked_before": {"N": "0"},
            "created_at": {"N": now},
            "updated_at": {"N": now},
        },
    )
    return user_id, stack.auth(stack.token(sub=user_id, roles=("user",)))


def _upload_tokens_of(stack: RunningStack, owner: str) -> list[dict[str, Any]]:
    items = stack.client("dynamodb").scan(TableName=stack.state.names.table("tokens"))["Items"]
    return [item for item in items if item["owner"]["S"] == owner and item["kind"]["S"] == "upload"]


def test_a_retried_upload_token_request_creates_once(stack: RunningStack) -> None:
    owner, auth = _own_user(stack)
    url = f"{stack.api}/genUploadPresignedURL"
    key = {"Idempotency-Key": str(uuid.uuid4())}

    def post(body: dict[str, Any]) -> requests.Response:
        return requests.post(url, json=body, headers={**auth, **key}, timeout=10)

    # When ten copies of one request race, then one more comes later
    with ThreadPoolExecutor(max_workers=10) as pool:
        burst = list(pool.map(lambda _: post({"max_uploads": 2}), range(10)))
    later = post({"max_uploads": 2})

    # Then one token was created, and every answer was it or "in use, retry"
    assert later.status_code == 200, later.text
    for response in burst:
        if response.status_code == 200:
            assert response.json() == later.json()
        else:
            assert_envelope(response, 409, "IDEMPOTENCY_KEY_IN_USE")
            assert response.headers["Retry-After"] == "1"
    assert len(_upload_tokens_of(stack, owner)) == 1

    # And the same key with another body is refused without creating
    assert_envelope(post({"max_uploads": 3}), 409, "IDEMPOTENCY_KEY_REUSED")
    assert len(_upload_tokens_of(stack, owner)) == 1
