"""Access-token claims added for identity: the session id, and reading the kid safely."""

from __future__ import annotations

import time

import jwt
import pytest
from satchel.auth import access_tokens
from satchel.auth.keys import new_key_set
from satchel.errors import Unauthorized

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
