"""The identity routes' contracts: login, refresh, logout, me, and user administration."""

from __future__ import annotations

from satchel.contract import Answer, Contract, Parameter, integer, obj, string
from satchel.identity.limits import KNOWN_ROLES, MAX_EMAIL_CHARS, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS

MAX_REFRESH_TOKEN_CHARS = 512

TOKEN_PAIR = obj(
    {
        "access_token": string(1, description="a JWT for the Authorization header"),
        "refresh_token": string(1, description="single use; exchange it at /auth/refresh"),
        "token_type": {"const": "Bearer"},
        "expires_in": integer(1, description="access token lifetime in seconds"),
        "refresh_expires_in": integer(1, description="refresh token lifetime in seconds"),
    },
    closed=False,
)
ROLES = {"type": "array", "items": {"enum": sorted(KNOWN_ROLES)}, "uniqueItems": True}
USER = obj({"id": string(1), "email": string(1), "roles": ROLES, "disabled": {"type": "boolean"}}, closed=False)

LOGIN = Contract(
    summary="Log in with email and password: a new session and its token pair",
    body=obj(
        {
            "email": string(max_length=MAX_EMAIL_CHARS),
            "password": string(max_length=MAX_PASSWORD_CHARS),
        }
    ),
    answers=(Answer(200, "the token pair of a new session", TOKEN_PAIR),),
    errors={401: ("INVALID_CREDENTIALS",), 429: ("LOGIN_LOCKED",)},
)

REFRESH = Contract(
    summary="Exchange a refresh token for a new pair (the old one is spent; reuse revokes the session)",
    # No minimum: an empty token is as invalid as any other (401), not a malformed request.
    body=obj({"refresh_token": string(max_length=MAX_REFRESH_TOKEN_CHARS)}),
    answers=(Answer(200, "the next token pair of the same session", TOKEN_PAIR),),
    errors={401: ("INVALID_REFRESH_TOKEN",)},
)

LOGOUT = Contract(
    summary="End the session of the access token in the Authorization header",
    answers=(Answer(204, "the session is over and the access token is denied"),),
)

ME = Contract(
    summary="The caller's account",
    answers=(Answer(200, "the account", obj({"id": string(1), "email": string(1), "roles": ROLES}, closed=False)),),
    errors={404: ("USER_NOT_FOUND",)},
)

CREATE_USER = Contract(
    summary="Create an account (admin)",
    body=obj(
        {
            "email": string(1, MAX_EMAIL_CHARS, format="email"),
            "password": string(MIN_PASSWORD_CHARS, MAX_PASSWORD_CHARS),
        },
        {"roles": ROLES},
    ),
    answers=(Answer(201, "the new account", USER),),
    errors={409: ("EMAIL_TAKEN",)},
    idempotent=True,
)

UPDATE_USER = Contract(
    summary="Change an account's roles or disable it (admin); give at least one of the two",
    parameters=(
        Parameter(
            "id",
            "path",
            string(1, 64, pattern="^[A-Za-z0-9_-]+$", **{"x-expected": "1 to 64 letters, digits, '-' or '_'"}),
            "the account's id",
            required=True,
        ),
    ),
    body=obj({}, {"roles": ROLES, "disabled": {"type": "boolean"}}),
    answers=(Answer(200, "the account as changed", USER),),
    errors={404: ("USER_NOT_FOUND",), 409: ("SELF_LOCKOUT",)},
)
