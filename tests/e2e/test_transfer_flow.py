"""Token-based upload and download through the local stack (moto S3), over real HTTP."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from satchel.auth import access_tokens
from satchel.auth.keys import KeySet, new_key_set

from infra.local.resources import LocalNames
from tests.e2e.conftest import (
    REPO_ROOT,
    RunningStack,
    artifact_status,
    assert_envelope,
    download_grant,
    issue_upload_token,
    put_object,
    stack_environment,
    start_upload,
    wait_for,
    wait_until_active,
)

pytestmark = pytest.mark.e2e


def test_upload_then_download_byte_identical_through_the_redirect(stack: RunningStack) -> None:
    # Given a file uploaded through the token flow
    data = secrets.token_bytes(4096)
    grant = issue_upload_token(stack)
    assert grant["upload_url"] == f"{stack.api}/artifacts/upload/{grant['token']}"
    ticket = start_upload(grant["upload_url"], data, filename='résumé "final".pdf', content_type="application/pdf")
    assert ticket["presigned_url"].startswith(stack.state.s3_endpoint)
    assert put_object(ticket, data).status_code == 200

    # When the completion hook has activated it and a download link is issued
    link = wait_until_active(stack, ticket["uuid"], max_downloads=2)
    assert link["presigned_url"] == f"{stack.api}/artifacts/{link['token']}"

    # Then HEAD answers the headers without consuming a download
    head = requests.head(link["presigned_url"], timeout=10)
    assert head.status_code == 200
    assert head.headers["X-Remaining-Downloads"] == "2"
    assert "Location" not in head.headers
    assert head.content == b""

    # And GET redirects (no-store, remaining count) to S3, which serves the same bytes
    redirect = requests.get(link["presigned_url"], allow_redirects=False, timeout=10)
    assert redirect.status_code == 302
    assert redirect.headers["Cache-Control"] == "no-store"
    assert redirect.headers["X-Remaining-Downloads"] == "1"
    downloaded = requests.get(redirect.headers["Location"], timeout=10)
    assert downloaded.status_code == 200
    assert downloaded.content == data
    assert downloaded.headers["Content-Disposition"].startswith("attachment; filename=")
    assert requests.head(link["presigned_url"], timeout=10).headers["X-Remaining-Downloads"] == "1"

    # And once the downloads are used up the link is gone
    assert requests.get(link["presigned_url"], allow_redirects=False, timeout=10).status_code == 302
    assert_envelope(
        requests.get(link["presigned_url"], allow_redirects=False, timeout=10), 410, "DOWNLOAD_LIMIT_REACHED"
    )


def test_unknown_download_token_is_404_in_the_envelope(stack: RunningStack) -> None:
    response = requests.get(f"{stack.api}/artifacts/{secrets.token_urlsafe(32)}", allow_redirects=False, timeout=10)
    assert_envelope(response, 404, "TOKEN_NOT_FOUND")


def test_pending_artifact_gets_no_download_token(stack: RunningStack) -> None:
    ticket = start_upload(issue_upload_token(stack)["upload_url"], b"never uploaded")
    assert_envelope(download_grant(stack, ticket["uuid"]), 404, "ARTIFACT_NOT_FOUND")


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer not-a-jwt",
        "Basic ZGVtbzpkZW1v",
        "Bearer "
        + access_tokens.mint(
            new_key_set(),  # the right claims, signed with a key the stack does not have
            sub="demo-user",
            roles=["user"],
            issuer=LocalNames().jwt_issuer,
            audience=LocalNames().jwt_audience,
            ttl=900,
            now=int(time.time()),
        ),
    ],
    ids=["missing", "garbage", "wrong-scheme", "wrong-key"],
)
def test_protected_route_without_a_valid_jwt_is_401_in_the_envelope(
    stack: RunningStack, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = requests.post(f"{stack.api}/genUploadPresignedURL", json={"max_uploads": 1}, headers=headers, timeout=10)
    error = assert_envelope(response, 401, "UNAUTHORIZED")
    # The gateway's own request id, as API Gateway's $context.requestId, in the body and header
    assert error["requestId"] == response.headers["x-amzn-RequestId"] == response.headers["X-Correlation-Id"]
    assert response.headers["Cache-Control"] == "no-store"


def test_expired_jwt_is_401(stack: RunningStack) -> None:
    keys_json = stack.client("secretsmanager").get_secret_value(SecretId=stack.state.names.jwt_secret)["SecretString"]
    expired = access_tokens.mint(
        KeySet.from_json(keys_json),
        sub="demo-user",
        roles=["user"],
        issuer=stack.state.names.jwt_issuer,
        audience=stack.state.names.jwt_audience,
        ttl=60,
        now=1_700_000_000,
    )
    response = requests.post(
        f"{stack.api}/genUploadPresignedURL", json={"max_uploads": 1}, headers=stack.auth(expired), timeout=10
    )
    assert_envelope(response, 401, "UNAUTHORIZED")


def test_gateway_errors_use_the_envelope_and_headers_of_the_deployed_api(stack: RunningStack) -> None:
    unknown = requests.get(f"{stack.api}/no/such/route", timeout=10)
    # API Gateway cannot tell a wrong method from an unknown path: both are 404, never 405.
    wrong_method = requests.delete(f"{stack.api}/genUploadPresignedURL", timeout=10)
    # Methods beyond the usual ones too (once http.server's own HTML 501 page; found by fuzzing).
    other_methods = [requests.request(method, f"{stack.api}/auth/me", timeout=10) for method in ("TRACE", "QUERY")]
    for response in (unknown, wrong_method, *other_methods):
        error = assert_envelope(response, 404, "ROUTE_NOT_FOUND")
        assert response.headers["X-Correlation-Id"] == response.headers["x-amzn-RequestId"] == error["requestId"]
        assert response.headers["Cache-Control"] == "no-store"
        assert "Allow" not in response.headers


def test_malformed_body_is_400_naming_the_problem(stack: RunningStack) -> None:
    response = requests.post(f"{stack.api}/genUploadPresignedURL", data=b"{not json", headers=stack.auth(), timeout=10)
    assert_envelope(response, 400, "INVALID_JSON")


def test_fifty_concurrent_uploads_on_a_five_use_token_let_exactly_five_through(stack: RunningStack) -> None:
    # Given a token for 5 uploads and 50 clients released at the same instant
    upload_url = issue_upload_token(stack, max_uploads=5)["upload_url"]
    start = threading.Barrier(50)
    body: dict[str, Any] = {"filename": "race.txt", "content_type": "text/plain", "size": 4}

    def attempt(_: int) -> requests.Response:
        start.wait()
        return requests.post(upload_url, json=body, timeout=30)

    # When they all try to start an upload
    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(attempt, range(50)))

    # Then exactly 5 succeed, with 5 distinct artifacts, and the rest are told why they failed
    succeeded = [r for r in responses if r.status_code == 200]
    assert len(succeeded) == 5, sorted(r.status_code for r in responses)
    assert len({r.json()["uuid"] for r in succeeded}) == 5
    refused = [r for r in responses if r.status_code != 200]
    for response in refused:
        assert_envelope(response, 410, "UPLOAD_LIMIT_REACHED")
    assert len(refused) == 45


def test_object_of_the_wrong_size_fails_the_artifact_and_is_deleted(stack: RunningStack) -> None:
    # Given an upload declared as 10 bytes; moto does not enforce the signed Content-Length,
    # so a client can store 20 (real S3 would refuse the PUT)
    ticket = start_upload(issue_upload_token(stack)["upload_url"], b"0123456789", content_type="text/plain")
    headers = {k: v for k, v in ticket["headers"].items() if k != "Content-Length"}
    assert (
        requests.put(ticket["presigned_url"], data=b"01234567890123456789", headers=headers, timeout=10).status_code
        == 200
    )

    # When the completion hook has seen the object
    status = wait_for(
        lambda: artifact_status(stack, ticket["uuid"]) != "PENDING" and artifact_status(stack, ticket["uuid"]),
        what="the hook",
    )

    # Then the artifact FAILED, its object is gone and no download can be issued
    assert status == "FAILED"
    listed = stack.client("s3").list_objects_v2(Bucket=stack.state.names.bucket, Prefix=f"artifacts/{ticket['uuid']}")
    assert listed.get("KeyCount") == 0
    assert_envelope(download_grant(stack, ticket["uuid"]), 404, "ARTIFACT_NOT_FOUND")


def test_make_token_prints_only_a_working_jwt(stack: RunningStack) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "infra.local.token"],
        cwd=REPO_ROOT,
        env=stack_environment(stack.work_dir, strict=False),
        capture_output=True,
        check=True,
        timeout=30,
    )
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 1
    response = requests.post(
        f"{stack.api}/genUploadPresignedURL", json={"max_uploads": 1}, headers=stack.auth(lines[0]), timeout=10
    )
    assert response.status_code == 200, response.text


def test_make_token_without_a_running_stack_says_so_on_stderr(tmp_path: os.PathLike[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "infra.local.token"],
        cwd=REPO_ROOT,
        env=stack_environment(tmp_path, strict=False),  # type: ignore[arg-type]
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stdout == b""
    assert b"make run" in result.stderr
