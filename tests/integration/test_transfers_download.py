"""Steps 4 and 5 through the real handlers against moto: ownership, counting, expiry, redirect."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.integration.transfer_api import TransferApi, assert_error


def test_step4_issues_a_counted_link(api: TransferApi, clock) -> None:  # type: ignore[no-untyped-def]
    artifact_uuid = api.active_artifact()

    response = api.download_token({"artifact_uuid": artifact_uuid, "max_downloads": 2, "expires_in": 3600})

    assert response.status == 200
    body = response.body
    assert body["presigned_url"] == f"https://abc123.execute-api.us-east-1.amazonaws.com/prod/artifacts/{body['token']}"
    assert body["expires_at"] == int(clock.now) + 3600


def test_step4_is_404_for_anything_but_the_callers_active_artifact(api: TransferApi) -> None:
    active = api.active_artifact()
    pending = api.pending_upload()
    failed = api.pending_upload(b"hello")
    api.notify(api.put_object(failed, b"wrong size"))

    cases = [
        api.download_token({"artifact_uuid": active}, owner="someone-else"),
        api.download_token({"artifact_uuid": pending}),
        api.download_token({"artifact_uuid": failed}),
        api.download_token({"artifact_uuid": "3d1c1b7e-2a3f-4f5e-8d9c-0a1b2c3d4e5f"}),
        api.download_token({"artifact_uuid": "not-a-uuid"}),
        api.download_token({"artifact_uuid": active.upper()}),
    ]

    bodies = set()
    for response in cases:
        assert_error(response, 404, "ARTIFACT_NOT_FOUND")
        bodies.add((response.error["code"], response.error["message"]))
    assert len(bodies) == 1  # nothing distinguishes "not yours" from "does not exist"
    assert api.download_token({"artifact_uuid": active}).status == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "artifact_uuid"),
        ({"artifact_uuid": 5}, "artifact_uuid"),
        ({"artifact_uuid": "x", "max_downloads": 0}, "max_downloads"),
        ({"artifact_uuid": "x", "max_downloads": "2"}, "max_downloads"),
        ({"artifact_uuid": "x", "expires_in": 8 * 24 * 3600}, "expires_in"),
        ({"artifact_uuid": "x", "expires_in": True}, "expires_in"),
    ],
)
def test_step4_rejects_bad_fields_naming_them(api: TransferApi, body: dict, field: str) -> None:
    response = api.download_token(body)
    assert_error(response, 400, response.error["code"], field=field)


def test_step5_redirects_to_a_short_lived_attachment(api: TransferApi) -> None:
    artifact_uuid = api.active_artifact(b"hello", filename='weird "name"\\ é.txt')
    token = api.download_link(artifact_uuid, max_downloads=3)

    response = api.download(token)

    assert response.status == 302
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Remaining-Downloads"] == "2"
    location = urlsplit(response.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert location.path.endswith(f"/artifacts/{artifact_uuid}")
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Expires"] == "60"
    disposition = query["response-content-disposition"]
    assert disposition.startswith('attachment; filename="weird \\"name\\"\\\\ e.txt"; filename*=UTF-8\'\'')
    assert disposition == response.headers["Content-Disposition"]


def test_the_redirect_target_serves_the_uploaded_bytes(api: TransferApi) -> None:
    # moto in-process intercepts the HTTP call, so following the Location proves it names the object.
    artifact_uuid = api.active_artifact(b"byte-identical")
    location = api.download(api.download_link(artifact_uuid)).headers["Location"]
    assert requests.get(location, timeout=5).content == b"byte-identical"


def test_downloads_count_down_then_410(api: TransferApi) -> None:
    token = api.download_link(api.active_artifact(), max_downloads=3)

    remaining = [api.download(token).headers["X-Remaining-Downloads"] for _ in range(3)]

    assert remaining == ["2", "1", "0"]
    assert_error(api.download(token), 410, "DOWNLOAD_LIMIT_REACHED")


def test_head_answers_without_consuming(api: TransferApi) -> None:
    token = api.download_link(api.active_artifact(), max_downloads=1)

    heads = [api.download(token, method="HEAD") for _ in range(3)]

    for head in heads:
        assert head.status == 200
        assert "Location" not in head.headers
        assert head.headers["X-Remaining-Downloads"] == "1"
        assert head.headers["Cache-Control"] == "no-store"
    assert api.download(token).status == 302
    assert api.download(token, method="HEAD").status == 410


def test_expired_link_is_410_while_the_item_still_exists(api: TransferApi, clock) -> None:  # type: ignore[no-untyped-def]
    token = api.download_link(api.active_artifact(), max_downloads=5, expires_in=60)
    clock.now += 60

    assert_error(api.download(token), 410, "TOKEN_EXPIRED")
    assert_error(api.download(token, method="HEAD"), 410, "TOKEN_EXPIRED")
    assert len([i for i in api.scan("tokens") if i["kind"]["S"] == "download"]) == 1


def test_unknown_and_malformed_links_are_404(api: TransferApi) -> None:
    assert_error(api.download("B" * 43), 404, "TOKEN_NOT_FOUND")
    assert_error(api.download("..%2F..%2Fetc"), 404, "TOKEN_NOT_FOUND")
    assert_error(api.download("C" * 43, method="HEAD"), 404, "TOKEN_NOT_FOUND")
    # Not ROUTE_NOT_FOUND for characters outside the URL-safe set (found by fuzzing).
    assert_error(api.download("P\u00ab\u00b4\x1e"), 404, "TOKEN_NOT_FOUND")
    assert_error(api.download("\U000efbdd\x9a", method="HEAD"), 404, "TOKEN_NOT_FOUND")


def test_an_upload_token_is_not_a_download_link(api: TransferApi) -> None:
    assert_error(api.download(api.new_upload_token()), 404, "TOKEN_NOT_FOUND")


@pytest.mark.usefixtures("atomic_requests")
def test_concurrent_downloads_are_counted_exactly(api: TransferApi) -> None:
    # Given a link good for 3 downloads and 20 simultaneous GETs
    token = api.download_link(api.active_artifact(), max_downloads=3)

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda _: api.download(token).status, range(20)))

    # Then exactly 3 redirect and the rest are refused
    assert sorted(statuses) == [302] * 3 + [410] * 17
    (item,) = [i for i in api.scan("tokens") if i["kind"]["S"] == "download"]
    assert item["uses"] == {"N": "3"}


def test_a_used_up_link_gets_one_answer_from_head_and_get(api: TransferApi) -> None:
    # HEAD decides on a read; GET on its conditional update and the re-read after it fails.
    token = api.download_link(api.active_artifact(), max_downloads=1)
    assert api.download(token).status == 302

    head, get = api.download(token, method="HEAD"), api.download(token)

    assert_error(get, 410, "DOWNLOAD_LIMIT_REACHED")
    assert head.answer == get.answer


def test_an_expired_link_gets_one_answer_from_head_and_get(api: TransferApi, clock) -> None:  # type: ignore[no-untyped-def]
    token = api.download_link(api.active_artifact(), max_downloads=5, expires_in=60)
    clock.now += 60

    head, get = api.download(token, method="HEAD"), api.download(token)

    assert_error(get, 410, "TOKEN_EXPIRED")
    assert head.answer == get.answer


def test_an_unknown_link_gets_one_answer_however_it_is_asked_for(api: TransferApi) -> None:
    unknown = "D" * 43
    answers = {
        api.download(unknown).answer,
        api.download(unknown, method="HEAD").answer,
        api.download("..%2F..%2Fetc").answer,
        api.download(api.new_upload_token()).answer,
    }

    assert answers == {(404, "TOKEN_NOT_FOUND", "token not found")}
