"""Steps 1 and 2 through the real handlers against moto: contract, validation, limits, storage."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from satchel.secrets import hash_token
from satchel.transfers import service as transfer_service
from satchel.transfers.domain import Token

from tests.integration.transfer_api import TransferApi, assert_error, reconfigure

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
FILE = {"filename": "report.pdf", "content_type": "application/pdf", "size": 1234}


def test_step1_issues_an_upload_token(api: TransferApi, clock) -> None:  # type: ignore[no-untyped-def]
    response = api.upload_token({"max_uploads": 3, "expires_in": 600})

    assert response.status == 200
    body = response.body
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", body["token"])
    assert body["upload_url"] == (
        f"https://abc123.execute-api.us-east-1.amazonaws.com/prod/artifacts/upload/{body['token']}"
    )
    assert body["expires_at"] == int(clock.now) + 600
    assert body["max_uploads"] == 3


def test_step2_returns_a_presigned_put_and_the_headers_to_send(api: TransferApi, clock) -> None:  # type: ignore[no-untyped-def]
    token = api.new_upload_token()

    response = api.start_upload(token, {**FILE, "sha256": "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="})

    assert response.status == 200
    body = response.body
    assert re.fullmatch(UUID, body["uuid"])
    assert body["headers"] == {
        "Content-Length": "1234",
        "Content-Type": "application/pdf",
        "If-None-Match": "*",
        "x-amz-checksum-sha256": "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=",
    }
    url = urlsplit(body["presigned_url"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.path.endswith(f"/artifacts/{body['uuid']}")
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Expires"] == "900"
    assert set(query["X-Amz-SignedHeaders"].split(";")) == {
        "host",
        "content-length",
        "content-type",
        "if-none-match",
        "x-amz-checksum-sha256",
    }
    assert body["expires_at"] == int(clock.now) + 900


def test_artifact_record_is_pending_with_a_server_generated_key(api: TransferApi) -> None:
    token = api.new_upload_token()

    body = api.start_upload(token, {**FILE, "filename": "../../etc/passwd"}).body

    item = api.artifact_item(body["uuid"])
    assert item["owner"] == {"S": "user-1"}
    assert item["filename"] == {"S": "../../etc/passwd"}
    assert item["size"] == {"N": "1234"}
    assert item["content_type"] == {"S": "application/pdf"}
    assert item["status"] == {"S": "PENDING"}
    assert re.fullmatch(f"artifacts/{UUID}", item["s3_key"]["S"])
    assert item["s3_key"]["S"] == f"artifacts/{body['uuid']}"
    assert "passwd" not in item["s3_key"]["S"]
    assert item["upload_token_hash"] == {"S": hash_token(token)}


def test_tokens_are_stored_only_as_hashes_with_a_ttl(api: TransferApi) -> None:
    upload = api.new_upload_token()
    artifact_uuid = api.active_artifact()
    download = api.download_link(artifact_uuid)

    items = api.scan("tokens")
    dumped = repr(items) + repr(api.scan("artifacts"))
    assert upload not in dumped
    assert download not in dumped
    stored = {item["token_hash"]["S"] for item in items}
    assert {hash_token(upload), hash_token(download)} <= stored
    for item in items:
        assert int(item["ttl"]["N"]) > int(item["expires_at"]["N"])


@pytest.mark.parametrize(
    ("raw_body", "code"),
    [
        ('{"max_uploads": ', "INVALID_JSON"),
        ("[1, 2]", "INVALID_JSON"),
        ('"text"', "INVALID_JSON"),
        ("", "INVALID_JSON"),
        # nested deeper than the JSON parser's recursion limit: still the client's fault, not a 500
        ("[" * 100_000 + "]" * 100_000, "INVALID_JSON"),
    ],
)
def test_step1_rejects_bodies_that_are_not_json_objects(api: TransferApi, raw_body: str, code: str) -> None:
    assert_error(api.upload_token(raw_body=raw_body), 400, code, field="body")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "max_uploads"),
        ({"max_uploads": "3"}, "max_uploads"),
        ({"max_uploads": True}, "max_uploads"),
        ({"max_uploads": 1.5}, "max_uploads"),
        ({"max_uploads": 0}, "max_uploads"),
        ({"max_uploads": -1}, "max_uploads"),
        ({"max_uploads": 1, "expires_in": 8 * 24 * 3600}, "expires_in"),
        ({"max_uploads": 1, "expires_in": 10}, "expires_in"),
        ({"max_uploads": 1, "expires_in": "soon"}, "expires_in"),
    ],
)
def test_step1_rejects_bad_fields_naming_them(api: TransferApi, body: dict, field: str) -> None:
    response = api.upload_token(body)
    assert response.status == 400
    assert_error(response, 400, response.error["code"], field=field)
    assert api.scan("tokens") == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({k: v for k, v in FILE.items() if k != "filename"}, "filename"),
        ({k: v for k, v in FILE.items() if k != "content_type"}, "content_type"),
        ({k: v for k, v in FILE.items() if k != "size"}, "size"),
        ({**FILE, "size": -1}, "size"),
        ({**FILE, "size": "12"}, "size"),
        ({**FILE, "size": False}, "size"),
        ({**FILE, "filename": 7}, "filename"),
        ({**FILE, "filename": "a\r\nb"}, "filename"),
        ({**FILE, "content_type": "not a type"}, "content_type"),
        ({**FILE, "sha256": "abc"}, "sha256"),
        ({**FILE, "sha256": 5}, "sha256"),
    ],
)
def test_step2_rejects_bad_fields_naming_them(api: TransferApi, body: dict, field: str) -> None:
    token = api.new_upload_token()
    response = api.start_upload(token, body)
    assert_error(response, 400, response.error["code"], field=field)
    assert api.scan("artifacts") == []


def test_step2_rejects_malformed_json(api: TransferApi) -> None:
    token = api.new_upload_token()
    assert_error(api.start_upload(token, raw_body="{nope"), 400, "INVALID_JSON")
    assert_error(api.start_upload(token, raw_body="[]"), 400, "INVALID_JSON")


def test_declared_size_above_the_maximum_is_413(api: TransferApi, monkeypatch: pytest.MonkeyPatch) -> None:
    reconfigure(monkeypatch, MAX_UPLOAD_BYTES="1000")
    token = api.new_upload_token()

    assert_error(api.start_upload(token, {**FILE, "size": 1001}), 413, "FILE_TOO_LARGE")
    assert api.start_upload(token, {**FILE, "size": 1000}).status == 200


def test_unknown_or_malformed_upload_token_is_404(api: TransferApi) -> None:
    assert_error(api.start_upload("A" * 43, FILE), 404, "TOKEN_NOT_FOUND")
    assert_error(api.start_upload("not%20a%20token", FILE), 404, "TOKEN_NOT_FOUND")
    # Characters outside the URL-safe set (decoded by API Gateway) once fell through the
    # function's own router to 404 ROUTE_NOT_FOUND, a code the route does not document (fuzzing).
    assert_error(api.start_upload("a\u15ca\x1est", FILE), 404, "TOKEN_NOT_FOUND")
    assert_error(api.start_upload('\u00a9\x9a"#?', FILE), 404, "TOKEN_NOT_FOUND")


def test_a_size_written_as_4_0_is_the_integer_4(api: TransferApi) -> None:
    # JSON Schema's integer includes 4.0; it once reached the presigner as a float: 500 (fuzzing).
    token = api.new_upload_token()

    response = api.start_upload(token, raw_body='{"filename": "a.txt", "content_type": "text/plain", "size": 4.0}')

    assert response.status == 200, response
    assert response.body["headers"]["Content-Length"] == "4"


def test_a_download_token_cannot_start_an_upload(api: TransferApi) -> None:
    download = api.download_link(api.active_artifact())
    assert_error(api.start_upload(download, FILE), 404, "TOKEN_NOT_FOUND")


def test_expiry_is_enforced_in_code_while_the_item_still_exists(api: TransferApi, clock) -> None:  # type: ignore[no-untyped-def]
    # Given a token that expired a second ago (DynamoDB TTL has not removed it)
    token = api.new_upload_token(max_uploads=5, expires_in=60)
    clock.now += 61

    # When it is used
    response = api.start_upload(token, FILE)

    # Then it is refused and nothing is recorded, though the item is still there
    assert_error(response, 410, "TOKEN_EXPIRED")
    assert [item["token_hash"]["S"] for item in api.scan("tokens")] == [hash_token(token)]
    assert api.scan("artifacts") == []


def test_exactly_max_uploads_succeed_and_the_next_records_nothing(api: TransferApi) -> None:
    token = api.new_upload_token(max_uploads=3)

    statuses = [api.start_upload(token, FILE).status for _ in range(3)]
    refused = api.start_upload(token, FILE)

    assert statuses == [200, 200, 200]
    assert_error(refused, 410, "UPLOAD_LIMIT_REACHED")
    assert len(api.scan("artifacts")) == 3
    (token_item,) = api.scan("tokens")
    assert token_item["uses"] == {"N": "3"}


def test_token_expiring_between_read_and_write_is_410_token_expired(api: TransferApi, clock) -> None:  # type: ignore[no-untyped-def]
    # Given a token that is still valid when step 2 reads it
    token = api.new_upload_token(max_uploads=5, expires_in=60)
    service = api.service()
    read_token = service.store.get_token

    def read_then_let_it_expire(token_hash: str):  # type: ignore[no-untyped-def]
        found = read_token(token_hash)
        clock.now += 61  # the transaction runs after the token's expiry
        return found

    service.store.get_token = read_then_let_it_expire  # type: ignore[method-assign]

    # When the conditional transaction refuses it
    refused = api.start_upload(token, FILE)

    # Then the answer names the real cause, and nothing was written
    assert_error(refused, 410, "TOKEN_EXPIRED")
    assert api.scan("artifacts") == []


def _stale_once(api: TransferApi, stale: Token | None) -> None:
    """Step 2's read sees `stale`; later reads (the store's re-read on a lost race) see the table."""
    store = api.service().store
    real, reads = store.get_token, [stale]
    store.get_token = lambda token_hash: reads.pop() if reads else real(token_hash)  # type: ignore[method-assign]


def test_limit_is_checked_in_the_transaction_not_only_on_read(api: TransferApi) -> None:
    # Given a token whose read says one use is left, but which another request used meanwhile
    token = api.new_upload_token(max_uploads=1)
    stale = api.service().store.get_token(hash_token(token))
    api.start_upload(token, FILE)
    _stale_once(api, stale)

    # When the stale read lets the request through to the write
    refused = api.start_upload(token, FILE)

    # Then the conditional transaction refuses it and writes no artifact
    assert_error(refused, 410, "UPLOAD_LIMIT_REACHED")
    assert len(api.scan("artifacts")) == 1


def test_a_used_up_token_gets_one_answer_whether_read_or_lost_in_a_race(api: TransferApi) -> None:
    # Given two one-upload tokens, each used once
    read_first, raced = api.new_upload_token(max_uploads=1), api.new_upload_token(max_uploads=1)
    stale = api.service().store.get_token(hash_token(raced))
    assert api.start_upload(read_first, FILE).status == api.start_upload(raced, FILE).status == 200

    # When one is refused by step 2's read and the other, read stale, by the transaction
    on_read = api.start_upload(read_first, FILE)
    _stale_once(api, stale)
    on_write = api.start_upload(raced, FILE)

    # Then both answers are the same
    assert_error(on_read, 410, "UPLOAD_LIMIT_REACHED")
    assert on_write.answer == on_read.answer


def test_an_expired_token_gets_one_answer_whether_read_or_lost_in_a_race(api: TransferApi, clock) -> None:  # type: ignore[no-untyped-def]
    read_first, raced = (api.new_upload_token(max_uploads=5, expires_in=60) for _ in range(2))
    stale = api.service().store.get_token(hash_token(raced))
    clock.now += 60

    on_read = api.start_upload(read_first, FILE)
    _stale_once(api, stale)
    on_write = api.start_upload(raced, FILE)

    assert_error(on_read, 410, "TOKEN_EXPIRED")
    assert on_write.answer == on_read.answer


def test_a_failed_write_with_a_usable_token_is_not_blamed_on_the_token(
    api: TransferApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an artifact id that is already taken (the other condition of step 2's transaction)
    taken = transfer_service.uuidlib.uuid4()
    monkeypatch.setattr(transfer_service.uuidlib, "uuid4", lambda: taken)
    assert api.start_upload(api.new_upload_token(), FILE).status == 200
    token = api.new_upload_token(max_uploads=5)

    # When the transaction is cancelled although the token is fine
    response = api.start_upload(token, FILE)

    # Then it is a server-side failure, not "no uploads left", and the token was not used
    assert_error(response, 503, "SERVICE_UNAVAILABLE")
    (item,) = [i for i in api.scan("tokens") if i["token_hash"]["S"] == hash_token(token)]
    assert item["uses"] == {"N": "0"}
