"""Every way an access token can be bad is a 401 envelope on a protected route (GET /auth/me).

Runs through the emulated API Gateway: the authorizer refuses, the gateway answers 401. Last, what
the function answers when API Gateway's cached decision outlives the account it allowed.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.integration.identity_api import IdentityApi, assert_error, claims_of, powertools_output
from tests.integration.transfer_api import assert_error as assert_function_error
from tests.integration.transfer_api import reply
from tests.support.events import api_event


@pytest.fixture
def identity(stack: Any, monkeypatch: pytest.MonkeyPatch) -> IdentityApi:
    api = IdentityApi.start(stack, monkeypatch)
    api.user("ada@example.com")
    return api


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _resign(
    identity: IdentityApi, valid: str, *, key: Any = None, alg: str = "HS256", kid: str | None = None, **claims: Any
) -> str:
    """The valid token's claims, changed as asked, signed as asked."""
    payload = {**claims_of(valid), **claims}
    active = identity.stack.keys.active
    return jwt.encode(
        payload, key if key is not None else active.secret, algorithm=alg, headers={"kid": kid or active.kid}
    )


def _alg_none(identity: IdentityApi, valid: str) -> str:
    header = {"alg": "none", "typ": "JWT", "kid": identity.stack.keys.active_kid}
    return f"{_b64(header)}.{_b64(claims_of(valid))}."


def _tampered(identity: IdentityApi, valid: str) -> str:
    header, _payload, signature = valid.split(".")
    return f"{header}.{_b64({**claims_of(valid), 'roles': ['admin']})}.{signature}"


def _rs256(identity: IdentityApi, valid: str) -> str:
    return _resign(identity, valid, key=rsa.generate_private_key(public_exponent=65537, key_size=2048), alg="RS256")


def _es256(identity: IdentityApi, valid: str) -> str:
    return _resign(identity, valid, key=ec.generate_private_key(ec.SECP256R1()), alg="ES256")


def _now() -> int:
    return int(time.time())


FORGERIES: dict[str, Callable[[IdentityApi, str], str]] = {
    "alg none": _alg_none,
    "RS256 (HS/RS confusion)": _rs256,
    "ES256": _es256,
    "HS512 with the right key": lambda i, v: _resign(i, v, alg="HS512"),
    "wrong key": lambda i, v: _resign(i, v, key=b"k" * 32),
    "unknown kid": lambda i, v: _resign(i, v, kid="k-unknown"),
    "tampered payload": _tampered,
    "expired": lambda i, v: _resign(i, v, iat=_now() - 1000, nbf=_now() - 1000, exp=_now() - 60),
    "not yet valid": lambda i, v: _resign(i, v, nbf=_now() + 600),
    "wrong issuer": lambda i, v: _resign(i, v, iss="https://evil.example"),
    "wrong audience": lambda i, v: _resign(i, v, aud="another-api"),
    "unknown user": lambda i, v: _resign(i, v, sub="no-such-user"),
    "no jti": lambda i, v: _resign(i, v, jti=None),
}


def test_the_unmodified_token_is_accepted(identity: IdentityApi) -> None:
    # Guards the cases below: each differs from this accepted token in one respect.
    valid = identity.tokens("ada@example.com")["access_token"]
    assert identity.me(valid).status == 200
    assert identity.me(_resign(identity, valid)).status == 200


@pytest.mark.parametrize("name", list(FORGERIES))
def test_bad_token_is_401_on_a_protected_route(identity: IdentityApi, name: str) -> None:
    valid = identity.tokens("ada@example.com")["access_token"]

    response = identity.me(FORGERIES[name](identity, valid))

    assert_error(response, 401, "UNAUTHORIZED")


def _deny(identity: IdentityApi, entry: str) -> None:
    """Put a denylist entry straight into the revocations table, as logout would."""
    identity.stack.dynamodb.put_item(
        TableName=identity.stack.names.table("revocations"),
        Item={"entry": {"S": entry}, "ttl": {"N": str(_now() + 900)}},
    )


def test_revoked_jti_is_401(identity: IdentityApi) -> None:
    tokens = identity.tokens("ada@example.com")
    _deny(identity, f"jti:{claims_of(tokens['access_token'])['jti']}")

    assert_error(identity.me(tokens["access_token"]), 401, "UNAUTHORIZED")


def test_revoked_session_is_401(identity: IdentityApi) -> None:
    tokens = identity.tokens("ada@example.com")
    _deny(identity, f"sid:{claims_of(tokens['access_token'])['sid']}")

    assert_error(identity.me(tokens["access_token"]), 401, "UNAUTHORIZED")


def test_disabled_user_is_401(identity: IdentityApi) -> None:
    tokens = identity.tokens("ada@example.com")
    identity.stack.dynamodb.update_item(
        TableName=identity.stack.names.table("users"),
        Key={"user_id": {"S": claims_of(tokens["access_token"])["sub"]}},
        UpdateExpression="SET disabled = :true",
        ExpressionAttributeValues={":true": {"BOOL": True}},
    )

    assert_error(identity.me(tokens["access_token"]), 401, "UNAUTHORIZED")


def test_token_issued_before_the_users_revocation_cutoff_is_401(identity: IdentityApi) -> None:
    tokens = identity.tokens("ada@example.com")
    claims = claims_of(tokens["access_token"])
    identity.stack.dynamodb.update_item(
        TableName=identity.stack.names.table("users"),
        Key={"user_id": {"S": claims["sub"]}},
        UpdateExpression="SET revoked_before = :cutoff",
        ExpressionAttributeValues={":cutoff": {"N": str(claims["iat"])}},
    )

    assert_error(identity.me(tokens["access_token"]), 401, "UNAUTHORIZED")


def test_authorizer_context_carries_current_roles_and_token_ids(identity: IdentityApi) -> None:
    tokens = identity.tokens("ada@example.com")
    claims = claims_of(tokens["access_token"])
    identity.service.update_user(claims["sub"], roles=["admin", "user"], disabled=None)

    policy = identity.authorize(tokens["access_token"])

    assert policy["principalId"] == claims["sub"]
    assert policy["context"] == {
        "roles": "admin,user",
        "jti": claims["jti"],
        "sid": claims["sid"],
        "exp": claims["exp"],
    }


def test_authorizer_makes_one_dynamodb_call(identity: IdentityApi) -> None:
    # Given a warm authorizer (keys cached)
    from satchel.auth.authorizer import default_authorizer

    access = identity.tokens("ada@example.com")["access_token"]
    identity.authorize(access)
    calls: list[str] = []
    client = default_authorizer().standing._client
    client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
    secrets = default_authorizer().keys._client
    secrets.meta.events.register("before-call.secrets-manager", lambda model, **_: calls.append(model.name))

    identity.authorize(access)

    assert calls == ["BatchGetItem"]


def test_authorizer_log_lines_join_the_gateways_401(identity: IdentityApi, capsys: pytest.CaptureFixture[str]) -> None:
    with powertools_output(capsys) as emitted:
        response = identity.me("not.a.jwt")
        traced = identity.call("GET", "/auth/me", token="not.a.jwt", headers={"X-Correlation-Id": "trace-2026-11-21-1"})
        rejected = [line for line in emitted() if line.get("message") == "request rejected"]

    assert_error(response, 401, "UNAUTHORIZED")
    # The gateway's 401 names its request id; the authorizer logged under that same id...
    assert rejected[0]["correlation_id"] == response.headers["x-amzn-requestid"] == response.error["requestId"]
    # ...or under the caller's own id, when it sent a well-formed one. A gateway response cannot
    # check that header, so the 401 itself still carries the request id.
    assert_error(traced, 401, "UNAUTHORIZED")
    assert rejected[1]["correlation_id"] == "trace-2026-11-21-1"
    assert traced.headers["x-correlation-id"] == traced.headers["x-amzn-requestid"]


def test_an_account_removed_while_api_gateway_caches_the_decision_is_404_on_me(identity: IdentityApi) -> None:
    # Given the authorizer allowed Ada, and her account is removed (by an operator) while API
    # Gateway still reuses that decision (up to AUTHORIZER_CACHE_SECONDS)
    tokens = identity.tokens("ada@example.com")
    claims = claims_of(tokens["access_token"])
    allowed = identity.authorize(tokens["access_token"])
    identity.stack.dynamodb.delete_item(
        TableName=identity.stack.names.table("users"), Key={"user_id": {"S": claims["sub"]}}
    )
    event = api_event("GET", "/auth/me", principal=allowed["principalId"])
    event["requestContext"]["authorizer"].update(allowed["context"])

    # When the cached decision lets a request through to the function
    response = reply(identity.stack.invoke("auth", event))

    # Then the function finds no account: 404, not a 500
    assert_function_error(response, 404, "USER_NOT_FOUND")
