"""Idempotency-Key on the creating POSTs: one creation per key, the first answer replayed.

Through the real handlers on moto. Concurrent requests go through a FunctionPool, so each runs in
its own execution environment as on Lambda, while the satchel package is shared like a layer.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from moto.dynamodb.responses import DynamoHandler
from satchel.idempotency.keys import canonical_json
from satchel.transfers.service import default_service

from infra.local.lambdas import FunctionPool
from infra.local.resources import LocalNames
from tests.integration.identity_api import PASSWORD, IdentityApi
from tests.integration.identity_api import assert_error as assert_gateway_error
from tests.integration.transfer_api import Reply, TransferApi, assert_error, reconfigure, reply
from tests.support.events import api_event

KEY = "Idempotency-Key"
DAY = 24 * 3600


# -- helpers ------------------------------------------------------------------------------------
def upload_event(key: str | None, body: Any = None, *, owner: str = "user-1") -> dict[str, Any]:
    return api_event(
        "POST",
        "/genUploadPresignedURL",
        body=body if body is not None else {"max_uploads": 1},
        headers={KEY: key} if key is not None else None,
        principal=owner,
    )


def upload(api: TransferApi, key: str | None, body: Any = None, *, owner: str = "user-1") -> Reply:
    return reply(api.stack.invoke("upload_token", upload_event(key, body, owner=owner)))


def upload_tokens(api: TransferApi) -> list[dict[str, Any]]:
    return [item for item in api.scan("tokens") if item["kind"]["S"] == "upload"]


def records(api: TransferApi) -> list[dict[str, Any]]:
    return api.scan("idempotency")


def set_record(api: TransferApi, record: dict[str, Any], expression: str, values: dict[str, Any]) -> None:
    api.stack.dynamodb.update_item(
        TableName=api.stack.names.table("idempotency"),
        Key={"id": record["id"]},
        UpdateExpression=expression,
        ExpressionAttributeNames={"#status": "status"} if "#status" in expression else {},
        ExpressionAttributeValues=values,
    )


@pytest.fixture
def atomic_dynamodb(monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB applies each request, condition and write, atomically; moto in-process runs one in
    several Python steps that threads can interleave. Serialize moto's DynamoDB requests so a race
    between threads is a race between whole requests, as against DynamoDB."""
    lock = threading.Lock()
    original = DynamoHandler.call_action

    def call_action(self: DynamoHandler) -> Any:
        with lock:
            return original(self)

    monkeypatch.setattr(DynamoHandler, "call_action", call_action)


class HeldWrites:
    """Token writes wait until released, so a request can be caught in the middle of creating."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self._release = threading.Event()

    def release(self) -> None:
        self._release.set()

    def wrap(self, write: Callable[..., Any]) -> Callable[..., Any]:
        def held(*args: Any, **kwargs: Any) -> Any:
            self.entered.set()
            assert self._release.wait(10), "token write never released"
            return write(*args, **kwargs)

        return held


@pytest.fixture
def held_token_writes(api: TransferApi, monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldWrites]:
    store = default_service().store
    held = HeldWrites()
    monkeypatch.setattr(store, "put_token", held.wrap(store.put_token))
    yield held
    held.release()


# -- one creation per key -----------------------------------------------------------------------
def test_same_key_and_body_answers_the_first_result_and_creates_once(api: TransferApi) -> None:
    first = upload(api, "order-7f3a", {"max_uploads": 2})
    # The same request again, spelled differently (spacing), as a client library might retry it
    event = upload_event("order-7f3a")
    event["body"] = '{ "max_uploads" : 2 }'
    again = reply(api.stack.invoke("upload_token", event))

    assert first.status == 200, first
    assert (again.status, again.body) == (first.status, first.body)
    assert again.headers["Content-Type"] == first.headers["Content-Type"] == "application/json"
    # Per-request headers are the retry's own, not copies of the first answer's
    assert again.headers["X-Correlation-Id"]
    assert int(again.headers["X-RateLimit-Remaining"]) == int(first.headers["X-RateLimit-Remaining"]) - 1
    assert len(upload_tokens(api)) == 1
    [record] = records(api)
    assert record["status"]["S"] == "COMPLETED"


def test_download_token_is_replayed_too(api: TransferApi) -> None:
    artifact = api.active_artifact()
    body = {"artifact_uuid": artifact, "max_downloads": 3}

    first = api.download_token(body, headers={KEY: "dl-1"})
    again = api.download_token(body, headers={KEY: "dl-1"})

    assert first.status == 200, first
    assert (again.status, again.body) == (200, first.body)
    assert len([i for i in api.scan("tokens") if i["kind"]["S"] == "download"]) == 1


def test_admin_user_creation_replays_the_201_with_its_own_headers(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    identity = IdentityApi.start(stack, monkeypatch)
    admin = identity.admin_token()
    body = {"email": "ada@example.com", "password": PASSWORD, "roles": ["user"]}

    first = identity.call("POST", "/admin/users", body, token=admin, headers={KEY: "new-ada"})
    again = identity.call("POST", "/admin/users", body, token=admin, headers={KEY: "new-ada"})

    assert first.status == 201, first
    assert (again.status, again.body) == (201, first.body)
    assert again.headers["cache-control"] == "no-store"
    assert again.headers["x-correlation-id"] != first.headers["x-correlation-id"]
    users = stack.dynamodb.scan(TableName=stack.names.table("users"))["Items"]
    assert [u["email"]["S"] for u in users].count("ada@example.com") == 1


def test_without_the_header_every_request_creates(api: TransferApi) -> None:
    first, second = upload(api, None), upload(api, None)

    assert first.status == second.status == 200
    assert first.body["token"] != second.body["token"]
    assert len(upload_tokens(api)) == 2
    assert records(api) == []


# -- what the key is bound to -------------------------------------------------------------------
def test_same_key_with_another_body_is_409_reused_and_creates_nothing(api: TransferApi) -> None:
    assert upload(api, "k-1", {"max_uploads": 1}).status == 200

    response = upload(api, "k-1", {"max_uploads": 5})

    assert_error(response, 409, "IDEMPOTENCY_KEY_REUSED")
    assert response.headers["Cache-Control"] == "no-store"
    assert len(upload_tokens(api)) == 1


def test_same_key_from_another_caller_creates_its_own(api: TransferApi, stack: Any) -> None:
    stack.add_user("user-2")
    mine = upload(api, "shared-key")

    theirs = upload(api, "shared-key", owner="user-2")

    assert theirs.status == 200, theirs
    assert theirs.body["token"] != mine.body["token"]
    owners = sorted(item["owner"]["S"] for item in upload_tokens(api))
    assert owners == ["user-1", "user-2"]


def test_same_key_on_another_route_is_another_key(api: TransferApi) -> None:
    artifact = api.active_artifact()
    before = len(upload_tokens(api))

    uploaded = upload(api, "one-key")
    downloaded = api.download_token({"artifact_uuid": artifact}, headers={KEY: "one-key"})

    assert uploaded.status == downloaded.status == 200
    assert "upload_url" in uploaded.body and "presigned_url" in downloaded.body
    assert len(upload_tokens(api)) == before + 1


def test_a_malformed_key_is_a_400_naming_the_header(api: TransferApi) -> None:
    response = upload(api, "has spaces")

    assert_error(response, 400, "INVALID_REQUEST", field=KEY)
    assert upload_tokens(api) == []


# -- failures are not stored --------------------------------------------------------------------
def test_a_failed_first_request_is_not_replayed(api: TransferApi) -> None:
    # Given an artifact whose upload has not completed yet: a download link is refused (404)
    artifact = api.pending_upload()
    body = {"artifact_uuid": artifact}
    assert_error(api.download_token(body, headers={KEY: "dl-early"}), 404, "ARTIFACT_NOT_FOUND")
    assert records(api) == []

    # When the upload completes and the client retries with the same key and body
    api.notify(api.put_object(artifact, b"hello"))
    retry = api.download_token(body, headers={KEY: "dl-early"})

    # Then the route ran again, and that success is what the key answers from now on
    assert retry.status == 200, retry
    assert api.download_token(body, headers={KEY: "dl-early"}).body == retry.body


def test_a_domain_400_is_not_replayed(api: TransferApi, monkeypatch: pytest.MonkeyPatch) -> None:
    # The contract allows up to 100000 uses; the service refuses more than MAX_UPLOADS_LIMIT (1000)
    refused = upload(api, "big", {"max_uploads": 5000})
    assert_error(refused, 400, "INVALID_REQUEST", field="max_uploads")
    assert records(api) == []

    reconfigure(monkeypatch, MAX_UPLOADS_LIMIT="10000")

    assert upload(api, "big", {"max_uploads": 5000}).status == 200


def test_when_the_idempotency_table_fails_nothing_is_created(api: TransferApi, stack: Any) -> None:
    stack.dynamodb.delete_table(TableName=stack.names.table("idempotency"))

    response = upload(api, "k-503")

    assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert upload_tokens(api) == []


def test_when_only_recording_the_answer_fails_the_caller_still_gets_it(
    api: TransferApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pynamodb.exceptions import UpdateError
    from satchel.idempotency.persistence import PynamoPersistenceLayer

    def failing_update(self: Any, data_record: Any) -> None:
        raise UpdateError("throttled")

    monkeypatch.setattr(PynamoPersistenceLayer, "_update_record", failing_update)

    response = upload(api, "k-unrecorded")

    # The token was created and is answered; the claim stays in progress until the invocation's end
    assert response.status == 200, response
    [token] = upload_tokens(api)
    assert hashlib.sha256(response.body["token"].encode()).hexdigest() == token["token_hash"]["S"]
    [record] = records(api)
    assert record["status"]["S"] == "INPROGRESS"


# -- in progress, and concurrency ---------------------------------------------------------------
def test_a_retry_while_the_first_request_runs_is_409_in_use(api: TransferApi, held_token_writes: HeldWrites) -> None:
    pool = FunctionPool()
    event = upload_event("slow-key")
    with ThreadPoolExecutor(max_workers=1) as executor:
        # Given a first request that holds the key and is still creating its token
        first = executor.submit(lambda: reply(pool.invoke("upload_token", copy.deepcopy(event))))
        assert held_token_writes.entered.wait(10)

        # (its claim lapses when its invocation must have ended: the context's remaining time, 30 s)
        [claim] = records(api)
        assert claim["status"]["S"] == "INPROGRESS"
        assert 0 < int(claim["in_progress_expiration"]["N"]) - time.time() * 1000 <= 30_000

        # When the client retries (another execution environment takes it)
        retry = reply(pool.invoke("upload_token", copy.deepcopy(event)))
        held_token_writes.release()
        completed = first.result(timeout=10)

    # Then the retry is told to come back, and coming back later gets the first result
    assert_error(retry, 409, "IDEMPOTENCY_KEY_IN_USE")
    assert retry.headers["Retry-After"] == "1"
    assert completed.status == 200, completed
    later = reply(pool.invoke("upload_token", copy.deepcopy(event)))
    assert (later.status, later.body) == (200, completed.body)
    assert len(upload_tokens(api)) == 1


def test_twenty_concurrent_retries_create_once(
    api: TransferApi, atomic_dynamodb: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a creation that lasts until half the burst has been answered, so the race is real
    store = default_service().store
    original = store.put_token
    answered: list[Reply] = []
    half_answered = threading.Event()

    def slow_put(*args: Any, **kwargs: Any) -> Any:
        half_answered.wait(10)
        return original(*args, **kwargs)

    monkeypatch.setattr(store, "put_token", slow_put)
    pool = FunctionPool()
    event = upload_event("burst-key")
    start = threading.Barrier(20)

    def send(_: int) -> Reply:
        start.wait()
        response = reply(pool.invoke("upload_token", copy.deepcopy(event)))
        answered.append(response)
        if len(answered) >= 10:
            half_answered.set()
        return response

    # When 20 requests with one key race
    with ThreadPoolExecutor(max_workers=20) as executor:
        replies = list(executor.map(send, range(20)))

    # Then exactly one token exists, and every answer is that first result or "in use"
    [token] = upload_tokens(api)
    successes = [r for r in replies if r.status == 200]
    assert successes, replies
    assert all(r.body == successes[0].body for r in successes)
    assert hashlib.sha256(successes[0].body["token"].encode()).hexdigest() == token["token_hash"]["S"]
    in_use = [r for r in replies if r.status != 200]
    assert len(in_use) >= 10
    for response in in_use:
        assert_error(response, 409, "IDEMPOTENCY_KEY_IN_USE")
        assert response.headers["Retry-After"] == "1"


# -- the 24 hour window, and a request that died -------------------------------------------------
def test_the_key_answers_for_24_hours_then_runs_again(api: TransferApi) -> None:
    first = upload(api, "day-key")
    [record] = records(api)
    assert abs(int(record["expiration"]["N"]) - (time.time() + DAY)) < 60

    # When the window has passed (DynamoDB's TTL deletes late: the record may still be there)
    set_record(api, record, "SET expiration = :past", {":past": {"N": str(int(time.time()) - 1)}})
    again = upload(api, "day-key")

    assert again.status == 200, again
    assert again.body["token"] != first.body["token"]
    assert len(upload_tokens(api)) == 2


def test_a_request_that_died_in_progress_holds_its_key_only_until_its_invocation_ended(api: TransferApi) -> None:
    # Given a record left in progress by an invocation that never finished
    upload(api, "crash-key")
    [record] = records(api)
    now_ms = int(time.time() * 1000)
    left_behind = "SET #status = :inprogress, in_progress_expiration = :until REMOVE #data"
    record_then = {":inprogress": {"S": "INPROGRESS"}}

    # While that invocation could still be running, the key is in use
    api.stack.dynamodb.update_item(
        TableName=api.stack.names.table("idempotency"),
        Key={"id": record["id"]},
        UpdateExpression=left_behind,
        ExpressionAttributeNames={"#status": "status", "#data": "data"},
        ExpressionAttributeValues={**record_then, ":until": {"N": str(now_ms + 60_000)}},
    )
    assert_error(upload(api, "crash-key"), 409, "IDEMPOTENCY_KEY_IN_USE")

    # Once it must have ended (its Lambda timeout passed), a retry runs the route
    api.stack.dynamodb.update_item(
        TableName=api.stack.names.table("idempotency"),
        Key={"id": record["id"]},
        UpdateExpression="SET in_progress_expiration = :until",
        ExpressionAttributeValues={":until": {"N": str(now_ms - 1)}},
    )
    retry = upload(api, "crash-key")

    assert retry.status == 200, retry
    assert len(upload_tokens(api)) == 2


# -- what the record keeps ----------------------------------------------------------------------
def test_the_record_keeps_neither_the_token_nor_the_key(api: TransferApi) -> None:
    response = upload(api, "a-fairly-random-key-3b9c1f0e")

    [record] = records(api)
    stored = json.dumps(record)
    assert response.body["token"] not in stored
    assert "a-fairly-random-key-3b9c1f0e" not in stored
    assert "upload_url" not in stored


def test_the_record_of_a_new_user_holds_no_password(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    identity = IdentityApi.start(stack, monkeypatch)
    admin = identity.admin_token()
    body = {"email": "bob@example.com", "password": "guessable-password-1"}

    assert identity.call("POST", "/admin/users", body, token=admin, headers={KEY: "new-bob"}).status == 201

    [record] = stack.dynamodb.scan(TableName=stack.names.table("idempotency"))["Items"]
    assert "guessable-password-1" not in json.dumps(record)
    unkeyed = {"body": body, "path": {}, "query": {}}
    plain_digests = {
        hashlib.sha256(json.dumps(unkeyed, sort_keys=True).encode()).hexdigest(),
        hashlib.sha256(canonical_json(unkeyed)).hexdigest(),
        hashlib.md5(json.dumps(unkeyed, sort_keys=True).encode()).hexdigest(),  # Powertools' default hash
    }
    assert record["validation"]["S"] not in plain_digests


def test_the_request_digest_is_keyed_so_guesses_cannot_be_checked_offline(api: TransferApi) -> None:
    # The same request under two keys: were the digest a plain hash of the request, it would be
    # one value, and anyone reading the table could test guessed bodies (passwords) against it.
    upload(api, "first-key", {"max_uploads": 3})
    upload(api, "second-key", {"max_uploads": 3})

    digests = {record["validation"]["S"] for record in records(api)}

    assert len(digests) == 2


def test_gateway_answers_409_in_the_envelope(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    identity = IdentityApi.start(stack, monkeypatch)
    admin = identity.admin_token()
    headers = {KEY: "reuse-me"}
    identity.call(
        "POST", "/admin/users", {"email": "c@example.com", "password": PASSWORD}, token=admin, headers=headers
    )

    response = identity.call(
        "POST", "/admin/users", {"email": "d@example.com", "password": PASSWORD}, token=admin, headers=headers
    )

    assert_gateway_error(response, 409, "IDEMPOTENCY_KEY_REUSED")
    emails = [u["email"]["S"] for u in stack.dynamodb.scan(TableName=stack.names.table("users"))["Items"]]
    assert "d@example.com" not in emails


# -- cost: only requests that carry the header load the idempotency utility ---------------------
_LOAD_PROBE = """
import json, sys
import boto3
from moto import mock_aws
from infra.local.lambdas import invoke
from infra.local.resources import LocalNames, provision
from tests.support.events import api_event

UTILITY = "aws_lambda_powertools.utilities.idempotency"
with mock_aws():
    clients = {n: boto3.client(n, region_name="us-east-1") for n in ("s3", "dynamodb", "sqs", "secretsmanager")}
    provision(clients, LocalNames())
    seen = []
    for headers in (None, {"Idempotency-Key": "probe"}):
        event = api_event("POST", "/genUploadPresignedURL", body={"max_uploads": 1}, headers=headers, principal="u")
        seen.append([invoke("upload_token", event)["statusCode"], UTILITY in sys.modules])
print(json.dumps(seen))
"""


def test_only_requests_with_the_header_load_the_idempotency_utility() -> None:
    # A fresh interpreter: this one has long imported everything. (boto3 cannot be checked the
    # same way here, moto imports it; bench/cold_start measures the functions without it.)
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        **LocalNames().environment(),
        "PYTHONPATH": os.pathsep.join([str(root), str(root / "layers" / "shared" / "python")]),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
    }
    result = subprocess.run(
        [sys.executable, "-c", _LOAD_PROBE], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    without_header, with_header = json.loads(result.stdout.strip().splitlines()[-1])
    assert without_header == [200, False]
    assert with_header == [200, True]
