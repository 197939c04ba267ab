"""POST /auth/login: the token pair, enumeration resistance, rehashing (lockout: test_identity_lockout.py)."""

from __future__ import annotations

import hashlib
from typing import Any

import jwt
import pytest
from satchel.identity.passwords import PasswordHasher, ScryptParams
from satchel.secrets import hash_token

from tests.integration.identity_api import PASSWORD, IdentityApi, assert_error, claims_of, configure


@pytest.fixture
def identity(stack: Any, monkeypatch: pytest.MonkeyPatch) -> IdentityApi:
    return IdentityApi.start(stack, monkeypatch)


def test_login_returns_a_bearer_pair(identity: IdentityApi) -> None:
    user = identity.user("ada@example.com")

    response = identity.login("ada@example.com")

    assert response.status == 200, response
    assert response.headers["cache-control"] == "no-store"
    body = response.body
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "HS256"
    assert header["kid"] == identity.stack.keys.active_kid
    claims = claims_of(body["access_token"])
    assert claims["sub"] == user.id
    assert claims["roles"] == ["user"]
    assert claims["iss"] == identity.stack.names.jwt_issuer
    assert claims["aud"] == identity.stack.names.jwt_audience
    assert claims["exp"] - claims["iat"] == 900
    assert claims["jti"] and claims["sid"]
    assert identity.is_accepted(body["access_token"])


def test_refresh_token_is_opaque_random_and_stored_only_as_a_hash(identity: IdentityApi) -> None:
    identity.user("ada@example.com")

    refresh = identity.tokens("ada@example.com")["refresh_token"]
    other = identity.tokens("ada@example.com")["refresh_token"]

    assert refresh != other
    assert len(refresh) >= 43  # 256 bits, base64url
    assert refresh.count(".") == 0  # not a JWT
    items = identity.stack.dynamodb.scan(TableName=identity.stack.names.table("refresh_tokens"))["Items"]
    assert {item["token_hash"]["S"] for item in items} == {hash_token(refresh), hash_token(other)}
    assert refresh not in str(items)


def test_email_is_case_insensitive(identity: IdentityApi) -> None:
    identity.user("Ada@Example.com")

    assert identity.login("  ADA@example.COM ").status == 200


def test_unknown_email_and_wrong_password_look_the_same(identity: IdentityApi) -> None:
    identity.user("ada@example.com")

    wrong_password = identity.login("ada@example.com", "not the password at all")
    unknown_email = identity.login("nobody@example.com", "not the password at all")

    assert_error(wrong_password, 401, "INVALID_CREDENTIALS")
    assert unknown_email.status == wrong_password.status
    assert unknown_email.without_request_id() == wrong_password.without_request_id()
    assert set(unknown_email.headers) == set(wrong_password.headers)


def test_unknown_email_costs_the_same_password_work_as_a_wrong_password(identity: IdentityApi) -> None:
    # Given a hasher whose scrypt calls are counted (time itself is too noisy to assert on)
    identity.user("ada@example.com")
    calls: list[dict[str, Any]] = []

    def counting_scrypt(password: bytes, **kwargs: Any) -> bytes:
        calls.append(kwargs)
        return hashlib.scrypt(password, **kwargs)

    params = identity.service.hasher.params
    identity.service.hasher = PasswordHasher(params, kdf=counting_scrypt)

    # When each kind of failure happens once
    identity.login("ada@example.com", "not the password at all")
    wrong_password_calls = list(calls)
    calls.clear()
    identity.login("nobody@example.com", "not the password at all")

    # Then both ran exactly one scrypt with the same cost
    assert len(wrong_password_calls) == len(calls) == 1
    for call in (wrong_password_calls[0], calls[0]):
        assert (call["n"], call["r"], call["p"]) == (params.n, params.r, params.p)


def test_disabled_user_cannot_log_in_and_gets_the_generic_answer(identity: IdentityApi) -> None:
    user = identity.user("ada@example.com")
    identity.service.update_user(user.id, roles=None, disabled=True)

    response = identity.login("ada@example.com")

    assert_error(response, 401, "INVALID_CREDENTIALS")


def test_outdated_hash_parameters_are_raised_on_login(identity: IdentityApi, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a user hashed with cheaper parameters than the function now uses
    identity.user("ada@example.com")
    configure(monkeypatch, PASSWORD_SCRYPT_N="2048")
    old_hash = _stored_hash(identity, "ada@example.com")
    assert old_hash.startswith("scrypt$1024$")

    # When the user logs in
    assert identity.login("ada@example.com").status == 200

    # Then the stored hash uses the new parameters and still verifies
    new_hash = _stored_hash(identity, "ada@example.com")
    assert new_hash.startswith("scrypt$2048$8$1$")
    assert PasswordHasher(ScryptParams(2048, 8, 1)).verify(PASSWORD, new_hash)
    assert identity.login("ada@example.com").status == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": PASSWORD}, "email"),
        ({"email": "ada@example.com"}, "password"),
        ({"email": 1, "password": "x"}, "email"),
    ],
)
def test_malformed_login_is_400_naming_the_field(identity: IdentityApi, body: dict[str, Any], field: str) -> None:
    response = identity.call("POST", "/auth/login", body)

    assert_error(response, 400, response.error["code"])
    assert response.error["field"] == field


def _stored_hash(identity: IdentityApi, email: str) -> str:
    items = identity.stack.dynamodb.scan(TableName=identity.stack.names.table("users"))["Items"]
    (item,) = [i for i in items if i["email"]["S"] == email]
    return str(item["password_hash"]["S"])
