"""The API authorizer: a valid bearer JWT allows the whole API for its subject; anything else is 401.

Its log lines carry the request's correlation id, and only unexpected failures count as
AuthorizerFailures (the alarm's metric): a rejected token is traffic, not an incident.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.integration.identity_api import powertools_output
from tests.support.events import authorizer_event

REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"  # requestContext.requestId of the event
Emitted = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def emitted(capsys: pytest.CaptureFixture[str]) -> Iterator[Emitted]:
    with powertools_output(capsys) as read:
        yield read


def _failure_metrics(output: list[dict[str, Any]]) -> list[float]:
    """The AuthorizerFailures count of each EMF blob printed by log_metrics that has one."""
    counts = []
    for blob in output:
        names = [m["Name"] for d in blob.get("_aws", {}).get("CloudWatchMetrics", []) for m in d["Metrics"]]
        if "AuthorizerFailures" in names:
            value = blob["AuthorizerFailures"]
            counts.append(sum(value) if isinstance(value, list) else value)
    return counts


def _claims(stack, **overrides):  # type: ignore[no-untyped-def]
    """The claims of a real access token issued now, with any of them overridden."""
    now = int(time.time())
    return {
        "sub": "user-1",
        "roles": ["user"],
        "jti": "j-1",
        "iat": now,
        "nbf": now,
        "exp": now + 900,
        "iss": stack.names.jwt_issuer,
        "aud": stack.names.jwt_audience,
        **overrides,
    }


def _forge(stack, *, key: bytes | None = None, kid: str | None = None, alg: str = "HS256", **claims) -> str:  # type: ignore[no-untyped-def]
    """An HS256 token like the real ones, with any claim, key or header overridden."""
    payload = _claims(stack, **claims)
    active = stack.keys.active
    return jwt.encode(payload, key or active.secret, algorithm=alg, headers={"kid": kid or active.kid})


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _rejected(stack, header_token: str | None, *, scheme: str = "Bearer") -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        stack.invoke("authorizer", authorizer_event(header_token, scheme=scheme))


def test_valid_token_allows_the_whole_api_for_its_subject(stack) -> None:  # type: ignore[no-untyped-def]
    token = stack.token_for(sub="user-42", roles=("user", "admin"))

    policy = stack.invoke("authorizer", authorizer_event(token))

    assert policy["principalId"] == "user-42"
    (statement,) = policy["policyDocument"]["Statement"]
    assert statement == {
        "Action": "execute-api:Invoke",
        "Effect": "Allow",
        "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*/*",
    }
    assert set(policy["context"]["roles"].split(",")) == {"user", "admin"}


def test_forge_helper_makes_tokens_the_authorizer_accepts(stack) -> None:  # type: ignore[no-untyped-def]
    # Guards the negative cases below: each differs from an accepted token in one respect only.
    assert stack.invoke("authorizer", authorizer_event(_forge(stack)))["principalId"] == "user-1"


def test_missing_header_is_rejected(stack) -> None:  # type: ignore[no-untyped-def]
    _rejected(stack, None)


@pytest.mark.parametrize("scheme", ["Basic", "Token", ""])
def test_wrong_scheme_is_rejected(stack, scheme: str) -> None:  # type: ignore[no-untyped-def]
    _rejected(stack, stack.token_for(), scheme=scheme)


def test_alg_none_is_rejected(stack) -> None:  # type: ignore[no-untyped-def]
    valid = _forge(stack)
    header = {"alg": "none", "typ": "JWT", "kid": stack.keys.active.kid}
    payload = jwt.decode(valid, options={"verify_signature": False})
    _rejected(stack, f"{_b64(header)}.{_b64(payload)}.")


def test_rs256_token_is_rejected(stack) -> None:  # type: ignore[no-untyped-def]
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _rejected(stack, _forge(stack, key=private, alg="RS256"))  # type: ignore[arg-type]


def test_hs512_with_the_right_key_is_rejected(stack) -> None:  # type: ignore[no-untyped-def]
    _rejected(stack, _forge(stack, alg="HS512"))


def test_wrong_key_is_rejected(stack) -> None:  # type: ignore[no-untyped-def]
    _rejected(stack, _forge(stack, key=b"k" * 32))


def test_unknown_kid_is_rejected(stack) -> None:  # type: ignore[no-untyped-def]
    _rejected(stack, _forge(stack, kid="no-such-key"))


def test_tampered_payload_is_rejected(stack) -> None:  # type: ignore[no-untyped-def]
    header, _payload, signature = _forge(stack).split(".")
    forged = _claims(stack, sub="admin", roles=["admin"])
    _rejected(stack, f"{header}.{_b64(forged)}.{signature}")


def test_expired_token_is_rejected(stack) -> None:  # type: ignore[no-untyped-def]
    now = int(time.time())
    _rejected(stack, _forge(stack, iat=now - 1000, nbf=now - 1000, exp=now - 60))


def test_far_future_expiry_is_rejected_though_signed_with_the_real_key(stack) -> None:  # type: ignore[no-untyped-def]
    _rejected(stack, _forge(stack, exp=10**30))


def test_lifetime_longer_than_any_issuer_grants_is_rejected(stack) -> None:  # type: ignore[no-untyped-def]
    now = int(time.time())
    assert stack.invoke("authorizer", authorizer_event(_forge(stack, iat=now, exp=now + 3600)))
    _rejected(stack, _forge(stack, iat=now, exp=now + 3600 + 6))  # the cap is 1 h plus 5 s of leeway


def test_token_without_iat_is_rejected(stack) -> None:  # type: ignore[no-untyped-def]
    token = jwt.encode(
        {k: v for k, v in _claims(stack).items() if k != "iat"},
        stack.keys.active.secret,
        headers={"kid": stack.keys.active.kid},
    )
    _rejected(stack, token)


def test_not_yet_valid_token_is_rejected(stack) -> None:  # type: ignore[no-untyped-def]
    _rejected(stack, _forge(stack, nbf=int(time.time()) + 600))


def test_wrong_issuer_is_rejected(stack) -> None:  # type: ignore[no-untyped-def]
    _rejected(stack, _forge(stack, iss="https://evil.example"))


def test_wrong_audience_is_rejected(stack) -> None:  # type: ignore[no-untyped-def]
    _rejected(stack, _forge(stack, aud="another-api"))


def test_garbage_is_rejected(stack) -> None:  # type: ignore[no-untyped-def]
    _rejected(stack, "not.a.jwt")


def test_log_lines_carry_the_api_request_id(stack, emitted: Emitted) -> None:  # type: ignore[no-untyped-def]
    _rejected(stack, "not.a.jwt")

    lines = [line for line in emitted() if "message" in line]
    assert [line["message"] for line in lines] == ["request rejected"]
    assert lines[0]["correlation_id"] == REQUEST_ID
    assert lines[0]["code"] == "INVALID_TOKEN"


def test_log_lines_carry_the_callers_well_formed_correlation_id(stack, emitted: Emitted) -> None:  # type: ignore[no-untyped-def]
    event = authorizer_event("not.a.jwt", headers={"X-Correlation-Id": "trace-2026-11-21.abc:1"})
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        stack.invoke("authorizer", event)
    malformed = authorizer_event("not.a.jwt", headers={"X-Correlation-Id": "bad id"}, request_id="req-2")
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        stack.invoke("authorizer", malformed)

    ids = [line["correlation_id"] for line in emitted() if line.get("message") == "request rejected"]
    assert ids == ["trace-2026-11-21.abc:1", "req-2"]


def test_rejected_token_is_not_an_authorizer_failure(stack, emitted: Emitted) -> None:  # type: ignore[no-untyped-def]
    _rejected(stack, _forge(stack, key=b"k" * 32))
    _rejected(stack, None)

    assert _failure_metrics(emitted()) == []


def test_unexpected_failure_emits_the_authorizer_failures_metric(stack, emitted: Emitted) -> None:  # type: ignore[no-untyped-def]
    token = stack.token_for()
    stack.secrets.delete_secret(SecretId=stack.names.jwt_secret, ForceDeleteWithoutRecovery=True)

    # Not "Unauthorized": API Gateway answers 500 AUTHORIZER_FAILURE, not 401.
    with pytest.raises(Exception) as raised:
        stack.invoke("authorizer", authorizer_event(token, request_id="req-broken"))
    assert str(raised.value) != "Unauthorized"

    output = emitted()
    assert _failure_metrics(output) == [1.0]
    (blob,) = [b for b in output if "_aws" in b]
    assert blob["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Satchel"
    assert blob["service"]  # the dimension the alarm selects on
    failed = [line for line in output if line.get("message") == "authorizer failed"]
    assert [line["correlation_id"] for line in failed] == ["req-broken"]
