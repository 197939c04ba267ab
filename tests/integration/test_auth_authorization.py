"""Authorization beyond authentication: ownership of artifacts, and the admin role."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from satchel.auth import access_tokens

from tests.integration.identity_api import PASSWORD, IdentityApi, assert_error
from tests.support.events import s3_notification, sqs_event


@pytest.fixture
def identity(stack: Any, monkeypatch: pytest.MonkeyPatch) -> IdentityApi:
    api = IdentityApi.start(stack, monkeypatch)
    api.user("ada@example.com")
    api.user("eve@example.com")
    return api


def _active_artifact(identity: IdentityApi, owner_token: str, content: bytes = b"ada's file") -> str:
    """Upload a file the way a client does (steps 1-3) and let the completion hook activate it."""
    grant = identity.call("POST", "/genUploadPresignedURL", {"max_uploads": 1}, token=owner_token)
    assert grant.status == 200, grant
    token = grant.body["token"]
    ticket = identity.call(
        "POST",
        f"/artifacts/upload/{token}",
        {"filename": "notes.txt", "content_type": "text/plain", "size": len(content)},
    )
    assert ticket.status == 200, ticket
    artifact_uuid = str(ticket.body["uuid"])
    key = f"artifacts/{artifact_uuid}"
    identity.stack.s3.put_object(Bucket=identity.stack.names.bucket, Key=key, Body=content)
    identity.stack.invoke("upload_complete", sqs_event(s3_notification(key, bucket=identity.stack.names.bucket)))
    return artifact_uuid


def test_owner_can_mint_a_download_token(identity: IdentityApi) -> None:
    ada = identity.tokens("ada@example.com")["access_token"]
    artifact = _active_artifact(identity, ada)

    response = identity.call("POST", "/genDownloadPresignedURL", {"artifact_uuid": artifact}, token=ada)

    assert response.status == 200, response


def test_another_user_cannot_mint_tokens_for_an_artifact_and_cannot_tell_it_exists(identity: IdentityApi) -> None:
    ada = identity.tokens("ada@example.com")["access_token"]
    eve = identity.tokens("eve@example.com")["access_token"]
    artifact = _active_artifact(identity, ada)

    foreign = identity.call("POST", "/genDownloadPresignedURL", {"artifact_uuid": artifact}, token=eve)
    missing = identity.call("POST", "/genDownloadPresignedURL", {"artifact_uuid": str(uuid.uuid4())}, token=eve)

    assert_error(foreign, 404, "ARTIFACT_NOT_FOUND")
    assert foreign.without_request_id() == missing.without_request_id()


def test_user_cannot_use_admin_routes(identity: IdentityApi) -> None:
    eve = identity.tokens("eve@example.com")["access_token"]

    response = identity.create_user(eve, {"email": "x@example.com", "password": PASSWORD, "roles": ["admin"]})

    assert_error(response, 403, "ADMIN_REQUIRED")


def test_an_admin_roles_claim_grants_nothing_the_user_record_does_not(identity: IdentityApi) -> None:
    # A correctly signed token whose roles claim says admin, for a user who is not one: the
    # authorizer passes on the stored roles, so stale or wrongly minted claims cannot escalate.
    eve_id = identity.service.store.user_id_for_email("eve@example.com")
    assert eve_id is not None
    names = identity.stack.names
    admin_claim = access_tokens.mint(
        identity.stack.keys,
        sub=eve_id,
        roles=["admin", "user"],
        issuer=names.jwt_issuer,
        audience=names.jwt_audience,
        ttl=900,
        now=int(time.time()),
    )

    response = identity.create_user(admin_claim, {"email": "x@example.com", "password": PASSWORD})

    assert_error(response, 403, "ADMIN_REQUIRED")
