"""`python -m infra.local.token`: a bearer JWT for the local demo user, on its own line.

Reads the running stack's state file, fetches the signing keys from its Secrets Manager (moto)
and mints with the same code the deployed system verifies with.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable

from satchel.auth import access_tokens
from satchel.auth.keys import KeySet

from infra.local.seed import DEMO_USER_ID, DEMO_USER_ROLES
from infra.local.state import STATE_FILE_NAME, StackNotRunning, StackState, local_dir

# The access-token lifetime the API issues too; run `make token` again for a fresh one.
TOKEN_TTL_SECONDS = 900


def mint_token(
    state: StackState, *, sub: str = DEMO_USER_ID, roles: Iterable[str] = DEMO_USER_ROLES, ttl: int = TOKEN_TTL_SECONDS
) -> str:
    secret = state.client("secretsmanager").get_secret_value(SecretId=state.names.jwt_secret)
    return access_tokens.mint(
        KeySet.from_json(secret["SecretString"]),
        sub=sub,
        roles=roles,
        issuer=state.names.jwt_issuer,
        audience=state.names.jwt_audience,
        ttl=ttl,
        now=int(time.time()),
    )


def main() -> int:
    try:
        state = StackState.read(local_dir() / STATE_FILE_NAME)
    except StackNotRunning as exc:
        print(exc, file=sys.stderr)
        return 1
    print(mint_token(state))
    return 0


if __name__ == "__main__":
    sys.exit(main())
