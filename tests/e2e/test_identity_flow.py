"""The README walkthrough's identity half over real HTTP: log in, use, refresh, log out."""

from __future__ import annotations

import secrets

import pytest
import requests

from infra.local.seed import DEFAULT_DEMO_PASSWORD, DEMO_USER_EMAIL, DEMO_USER_ID
from tests.e2e.conftest import RunningStack, assert_envelope, put_object, start_upload, wait_for

pytestmark = pytest.mark.e2e


def login(stack: RunningStack) -> dict[str, str]:
    response = requests.post(
        f"{stack.api}/auth/login", json={"email": DEMO_USER_EMAIL, "password": DEFAULT_DEMO_PASSWORD}, timeout=10
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def bearer(pair: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {pair['access_token']}"}


def test_a_logged_in_demo_user_uploads_and_downloads(stack: RunningStack) -> None:
    # Given the seeded demo user logs in with the documented password
    pair = login(stack)
    assert pair["token_type"] == "Bearer"
    me = requests.get(f"{stack.api}/auth/me", headers=bearer(pair), timeout=10)
    assert me.json()["id"] == DEMO_USER_ID

    # When that access token drives the whole transfer flow
    grant = requests.post(
        f"{stack.api}/genUploadPresignedURL", json={"max_uploads": 1}, headers=bearer(pair), timeout=10
    )
    assert grant.status_code == 200, grant.text
    assert grant.headers["X-RateLimit-Limit"] == "100"
    data = secrets.token_bytes(1024)
    ticket = start_upload(grant.json()["upload_url"], data)
    assert put_object(ticket, data).status_code == 200

    def issued() -> dict[str, str] | None:
        response = requests.post(
            f"{stack.api}/genDownloadPresignedURL",
            json={"artifact_uuid": ticket["uuid"]},
            headers=bearer(pair),
            timeout=10,
        )
        return dict(response.json()) if response.status_code == 200 else None

    link = wait_for(issued, what="artifact to become ACTIVE")

    # Then the counted link redirects to the same bytes
    redirect = requests.get(link["presigned_url"], allow_redirects=False, timeout=10)
    assert redirect.status_code == 302
    assert requests.get(redirect.headers["Location"], timeout=10).content == data


def test_refresh_rotates_and_logout_ends_the_session(stack: RunningStack) -> None:
    # Given a session that has been refreshed once
    first = login(stack)
    refreshed = requests.post(f"{stack.api}/auth/refresh", json={"refresh_token": first["refresh_token"]}, timeout=10)
    assert refreshed.status_code == 200, refreshed.text
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]

    # When the user logs out with the new access token
    logout = requests.post(f"{stack.api}/auth/logout", headers=bearer(second), timeout=10)
    assert logout.status_code == 204

    # Then neither that access token nor the session's refresh token works any more
    assert_envelope(requests.get(f"{stack.api}/auth/me", headers=bearer(second), timeout=10), 401, "UNAUTHORIZED")
    again = requests.post(f"{stack.api}/auth/refresh", json={"refresh_token": second["refresh_token"]}, timeout=10)
    assert again.status_code == 401
    assert again.json()["error"]["requestId"]
