"""`python -m infra.admin.rotate_keys`: start signing access tokens with a new key.

    python -m infra.admin.rotate_keys --local
    python -m infra.admin.rotate_keys --function <auth function name> [--grace 300]
    python -m infra.admin.rotate_keys --function <auth function name> --withdraw k1   # a leaked key

Routine rotation adds a new active key and retires the previous one `--grace` seconds from now
(default: the functions' key-cache lifetime, so a warm function still signing with the old key
does not mint tokens nobody accepts). Tokens signed with the retired key before that moment stay
valid until they expire, and no longer. Keys retired longer ago than any token can live are
dropped. `--withdraw` removes a key at once: every token it signed stops verifying.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from typing import Any

from satchel.auth.access_tokens import LONGEST_ACCEPTANCE_SECONDS
from satchel.auth.keys import KeySet, prune, rotate, withdraw
from satchel.aws import secrets_client
from satchel.settings import AuthSettings, auth_settings

from infra.admin import target


def new_kid(now: int) -> str:
    return "k" + datetime.fromtimestamp(now, UTC).strftime("%Y%m%dT%H%M%SZ")


def rotate_signing_keys(client: Any, secret_id: str, *, now: int, grace: int) -> KeySet:
    current = KeySet.from_json(client.get_secret_value(SecretId=secret_id)["SecretString"])
    rotated = prune(
        rotate(current, new_kid(now), now=now + grace), now=now, max_token_lifetime=LONGEST_ACCEPTANCE_SECONDS
    )
    client.put_secret_value(SecretId=secret_id, SecretString=rotated.to_json())
    return rotated


def withdraw_signing_key(client: Any, secret_id: str, kid: str) -> KeySet:
    current = KeySet.from_json(client.get_secret_value(SecretId=secret_id)["SecretString"])
    remaining = withdraw(current, kid)
    client.put_secret_value(SecretId=secret_id, SecretString=remaining.to_json())
    return remaining


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    target.add_target_arguments(parser)
    parser.add_argument("--grace", type=int, help="seconds the old key may still sign (default: key cache)")
    parser.add_argument("--withdraw", metavar="KID", help="remove this retired key immediately")
    args = parser.parse_args(argv)
    target.select(args)
    settings: AuthSettings = auth_settings()
    client = secrets_client(settings.aws)
    if args.withdraw:
        keys = withdraw_signing_key(client, settings.jwt_secret_id, args.withdraw)
    else:
        grace = settings.key_cache_seconds if args.grace is None else args.grace
        keys = rotate_signing_keys(client, settings.jwt_secret_id, now=int(time.time()), grace=grace)
    retired = {kid: key.retired_at for kid, key in keys.keys.items() if key.retired_at is not None}
    print(f"active key: {keys.active_kid}; retired keys (kid: retired_at): {retired or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
