"""Access-token claims: the session id, reading the kid safely, and the lifetime cap."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from satchel.auth import access_tokens
from satchel.auth.keys import KeySet, new_key_set
from satchel.errors import Unauthorized
from satchel.identity.settings import IdentitySettings
from satchel.settings import ConfigurationError

ISS, AUD = "https://issuer.test", "api"


def test_session_id_round_trips_as_sid() -> None:
    keys = new_key_set()
    token = access_tokens.mint(
        keys, sub="u", roles=["user"], issuer=ISS, audience=AUD, ttl=900, now=int(time.time()), session_id="s-1"
    )

    claims = access_tokens.verify(token, keys, issuer=ISS, audience=AUD)

    assert claims.sid == "s-1"
    assert jwt.decode(token, options={"verify_signature": False})["sid"] == "s-1"


def test_token_without_session_has_no_sid() -> None:
    keys = new_key_set()
    token = access_tokens.mint(keys, sub="u", roles=[], issuer=ISS, audience=AUD, ttl=900, now=int(time.time()))

    assert access_tokens.verify(token, keys, issuer=ISS, audience=AUD).sid is None


def test_non_string_sid_is_rejected() -> None:
    keys = new_key_set()
    now = int(time.time())
    payload = {"sub": "u", "roles": [], "jti": "j", "iat": now, "exp": now + 60, "iss": ISS, "aud": AUD, "sid": 5}
    token = jwt.encode(payload, keys.active.secret, algorithm="HS256", headers={"kid": keys.active_kid})

    with pytest.raises(Unauthorized):
        access_tokens.verify(token, keys, issuer=ISS, audience=AUD)


@pytest.mark.parametrize("token", ["garbage", "", "a.b.c"])
def test_unverified_kid_of_garbage_is_none(token: str) -> None:
    assert access_tokens.unverified_kid(token) is None


def test_unverified_kid_reads_the_header() -> None:
    keys = new_key_set("k7")
    token = access_tokens.mint(keys, sub="u", roles=[], issuer=ISS, audience=AUD, ttl=60, now=int(time.time()))

    assert access_tokens.unverified_kid(token) == "k7"


def _signed(keys: KeySet, **claims: Any) -> str:
    """A token signed with the real key, with the given claims (no issuer-side checks)."""
    payload = {"sub": "u", "roles": [], "jti": "j", "iss": ISS, "aud": AUD, **claims}
    return jwt.encode(payload, keys.active.secret, algorithm="HS256", headers={"kid": keys.active_kid})


def test_far_future_expiry_is_refused_even_with_the_real_key() -> None:
    keys, now = new_key_set(), int(time.time())

    with pytest.raises(Unauthorized):
        access_tokens.verify(_signed(keys, iat=now, exp=10**30), keys, issuer=ISS, audience=AUD)


def test_lifetime_cap_is_the_ttl_maximum_plus_leeway() -> None:
    keys, now = new_key_set(), int(time.time())
    cap = access_tokens.MAX_TTL_SECONDS + access_tokens.LEEWAY_SECONDS

    assert access_tokens.verify(_signed(keys, iat=now, exp=now + cap), keys, issuer=ISS, audience=AUD).sub == "u"
    with pytest.raises(Unauthorized):
        access_tokens.verify(_signed(keys, iat=now, exp=now + cap + 1), keys, issuer=ISS, audience=AUD)


def test_a_verifier_that_knows_the_ttl_caps_at_it() -> None:
    keys, now = new_key_set(), int(time.time())

    assert access_tokens.verify(_signed(keys, iat=now, exp=now + 905), keys, issuer=ISS, audience=AUD, max_ttl=900)
    with pytest.raises(Unauthorized):
        access_tokens.verify(_signed(keys, iat=now, exp=now + 906), keys, issuer=ISS, audience=AUD, max_ttl=900)


@pytest.mark.parametrize(
    ("iat", "exp"),
    [
        (None, 60),  # no iat at all
        ("yesterday", 60),  # not a number
        (-(10**30), 60),  # "issued" aeons ago: a lifetime nobody grants
        (60, 120),  # issued in the future
        (0, 0),  # no lifetime at all
    ],
)
def test_iat_must_be_present_and_sane(iat: Any, exp: int) -> None:
    keys, now = new_key_set(), int(time.time())
    times = {"exp": now + exp, **({} if iat is None else {"iat": now + iat if isinstance(iat, int) else iat})}

    with pytest.raises(Unauthorized):
        access_tokens.verify(_signed(keys, **times), keys, issuer=ISS, audience=AUD)


def test_mint_refuses_a_lifetime_verifiers_would_refuse() -> None:
    with pytest.raises(ValueError, match="ttl"):
        access_tokens.mint(new_key_set(), sub="u", roles=[], issuer=ISS, audience=AUD, ttl=3601, now=int(time.time()))


def test_the_cap_is_the_settings_maximum() -> None:
    # The authorizer caps at MAX_TTL_SECONDS because it cannot read ACCESS_TOKEN_TTL; this keeps the
    # two equal, so the auth function can never be configured to issue tokens the authorizer refuses.
    env = {
        "AWS_REGION": "eu-west-1",
        **{name: "x" for name in ("JWT_SECRET_ID", "JWT_ISSUER", "JWT_AUDIENCE", "USERS_TABLE", "REVOCATIONS_TABLE")},
        **{name: "x" for name in ("USER_EMAILS_TABLE", "SESSIONS_TABLE", "REFRESH_TOKENS_TABLE", "RATE_LIMITS_TABLE")},
    }
    maximum = str(access_tokens.MAX_TTL_SECONDS)
    assert IdentitySettings.from_env({**env, "ACCESS_TOKEN_TTL": maximum}).access_token_ttl == int(maximum)
    with pytest.raises(ConfigurationError):
        IdentitySettings.from_env({**env, "ACCESS_TOKEN_TTL": str(access_tokens.MAX_TTL_SECONDS + 1)})
