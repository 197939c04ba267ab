"""Requests are validated against their route's contract before any handler or AWS call runs."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.integration import identity_api
from tests.integration.identity_api import IdentityApi
from tests.integration.transfer_api import Reply, TransferApi, assert_error, reply
from tests.support.events import api_event

LONE_SURROGATE = '"\\ud800"'  # valid JSON text, but not Unicode: it cannot be encoded as UTF-8


@pytest.fixture
def identity(stack: Any, monkeypatch: pytest.MonkeyPatch) -> IdentityApi:
    return IdentityApi.start(stack, monkeypatch)


def _raw(template: str) -> str:
    return template.replace("SURROGATE", LONE_SURROGATE)


@pytest.mark.parametrize(
    ("raw_body", "field"),
    [
        (_raw('{"email": SURROGATE, "password": "x"}'), "email"),
        (_raw('{"email": "nobody@example.com", "password": SURROGATE}'), "password"),
        (_raw('{"email": "a@example.com", "password": "p", SURROGATE: 1}'), "body"),
    ],
)
def test_lone_surrogate_in_login_is_400_naming_the_field(identity: IdentityApi, raw_body: str, field: str) -> None:
    response = identity.call("POST", "/auth/login", raw_body=raw_body)
    identity_api.assert_error(response, 400, "INVALID_REQUEST")
    assert response.error["field"] == field


@pytest.mark.parametrize(
    ("raw_body", "field"),
    [
        (_raw('{"email": SURROGATE, "password": "a-long-enough-password"}'), "email"),
        ('{"email": "bob@example.com", "password": "a-long-enough-\\ud800"}', "password"),
        (_raw('{"email": "bob@example.com", "password": "a-long-enough-password", "roles": [SURROGATE]}'), "roles"),
    ],
)
def test_lone_surrogate_in_admin_create_is_400_and_creates_nothing(
    identity: IdentityApi, raw_body: str, field: str
) -> None:
    admin = identity.admin_token()
    before = identity.stack.dynamodb.scan(TableName=identity.stack.names.table("users"))["Count"]
    response = identity.call("POST", "/admin/users", raw_body=raw_body, token=admin)
    identity_api.assert_error(response, 400, "INVALID_REQUEST")
    assert response.error["field"] == field
    assert identity.stack.dynamodb.scan(TableName=identity.stack.names.table("users"))["Count"] == before


def test_lone_surrogate_in_upload_filename_is_400_and_records_nothing(api: TransferApi) -> None:
    token = api.new_upload_token()
    raw = '{"filename": "a-\\ud800.txt", "content_type": "text/plain", "size": 5}'
    response = api.start_upload(token, raw_body=raw)
    assert_error(response, 400, "INVALID_REQUEST", field="filename")
    assert api.scan("artifacts") == []


def test_unknown_body_field_is_400_naming_it(api: TransferApi) -> None:
    response = api.upload_token({"max_uploads": 1, "max_upload": 2})
    assert_error(response, 400, "UNKNOWN_FIELD", field="max_upload")
    assert api.scan("tokens") == []


def test_missing_field_keeps_its_code(api: TransferApi) -> None:
    assert_error(api.upload_token({}), 400, "MISSING_FIELD", field="max_uploads")


def test_base64_bodies_are_decoded_and_non_utf8_is_invalid_json(api: TransferApi) -> None:
    def send(encoded: str) -> Reply:
        event = api_event("POST", "/genUploadPresignedURL", raw_body=encoded, principal=api.owner)
        event["isBase64Encoded"] = True
        return reply(api.stack.invoke("upload_token", event))

    assert send(base64.b64encode(b'{"max_uploads": 1}').decode()).status == 200
    assert_error(send(base64.b64encode(b"\xff").decode()), 400, "INVALID_JSON", field="body")


def test_a_user_without_the_user_role_cannot_mint_upload_tokens(identity: IdentityApi) -> None:
    identity.user("norole@example.com", roles=())
    token = identity.tokens("norole@example.com")["access_token"]
    response = identity.call("POST", "/genUploadPresignedURL", {"max_uploads": 1}, token=token)
    identity_api.assert_error(response, 403, "ROLE_REQUIRED")
    # Refused before the body is read: a malformed body answers the same 403.
    malformed = identity.call("POST", "/genUploadPresignedURL", {"nope": 1}, token=token)
    identity_api.assert_error(malformed, 403, "ROLE_REQUIRED")
    # Any signed-in caller may still see and end their own session.
    assert identity.me(token).status == 200


def test_the_user_role_can_mint_upload_tokens(identity: IdentityApi) -> None:
    identity.user("ada@example.com", roles=("user",))
    token = identity.tokens("ada@example.com")["access_token"]
    assert identity.call("POST", "/genUploadPresignedURL", {"max_uploads": 1}, token=token).status == 200
