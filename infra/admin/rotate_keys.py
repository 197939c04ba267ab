"""`python -m infra.admin.rotate_keys`: start signing access tokens with a new key.

    python -m infra.admin.rotate_keys --local [--grace 300]
    python -m infra.admin.rotate_keys --function <auth function name> [--grace 300]
    python -m infra.admin.rotate_keys --function <auth function name> --withdraw k1   # a leaked key

Routine rotation adds a new active key and retires the previous one `--grace` seconds from now
(default: the functions' key-cache lifetime, so a warm function still signing with the old key
does not mint tokens nobody accepts). Tokens signed with the retired key before that moment stay
valid until they expire, and no longer. Keys retired longer ago than any token can live are
dropped. `--withdraw` removes a key at once: every token it signed stops verifying.
Exit codes: 0 done, 1 the stack could not be reached or the change was refused, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from satchel.auth.access_tokens import LONGEST_ACCEPTANCE_SECONDS
from satchel.auth.keys import KeySet, prune, rotate, withdraw
from satchel.auth.settings import AuthSettings, auth_settings
from satchel.aws import secrets_client

from infra.admin import target

# JWT_KEY_CACHE_SECONDS's maximum: no function trusts a cached key set longer, so a longer grace
# would only let a superseded key keep signing.
MAX_GRACE_SECONDS = 3600


def grace_seconds(raw: str) -> int:
    """--grace: whole seconds from 0 (retire the old key now) to the longest key-cache lifetime."""
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of seconds, got {raw!r}") from None
    if not 0 <= value <= MAX_GRACE_SECONDS:
        raise argparse.ArgumentTypeError(
            f"must be 0 to {MAX_GRACE_SECONDS} seconds (the longest key-cache lifetime), got {value}"
        )
    return value


def new_kid(now: int, taken: Collection[str] = ()) -> str:
    """k<UTC timestamp>; rotations within one second get -2, -3, ... so every kid is unique."""
    base = "k" + datetime.fromtimestamp(now, UTC).strftime("%Y%m%dT%H%M%SZ")
    kid, n = base, 1
    while kid in taken:
        n += 1
        kid = f"{base}-{n}"
    return kid


def rotate_signing_keys(client: Any, secret_id: str, *, now: int, grace: int) -> KeySet:
    current = KeySet.from_json(client.get_secret_value(SecretId=secret_id)["SecretString"])
    rotated = prune(
        rotate(current, new_kid(now, current.keys), now=now + grace),
        now=now,
        max_token_lifetime=LONGEST_ACCEPTANCE_SECONDS,
    )
    client.put_secret_value(SecretId=secret_id, SecretString=rotated.to_json())
    return rotated


def withdraw_signing_key(client: Any, secret_id: str, kid: str) -> KeySet:
    current = KeySet.from_json(client.get_secret_value(SecretId=secret_id)["SecretString"])
    remaining = withdraw(current, kid)
    client.put_secret_value(SecretId=secret_id, SecretString=remaining.to_json())
    return remaining


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.admin.rotate_keys", description=__doc__.splitlines()[0])
    target.add_target_arguments(parser)
    change = parser.add_mutually_exclusive_group()
    change.add_argument(
        "--grace",
        type=grace_seconds,
        metavar="SECONDS",
        help=f"seconds the old key may still sign, 0-{MAX_GRACE_SECONDS} (default: the key-cache lifetime)",
    )
    change.add_argument("--withdraw", metavar="KID", help="remove this retired key immediately")
    args = parser.parse_args(argv)
    try:
        target.select(args)
    except target.TargetUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return target.FAILED
    settings: AuthSettings = auth_settings()
    client = secrets_client(settings.aws)
    try:
        if args.withdraw:
            keys = withdraw_signing_key(client, settings.jwt_secret_id, args.withdraw)
        else:
            grace = settings.key_cache_seconds if args.grace is None else args.grace
            keys = rotate_signing_keys(client, settings.jwt_secret_id, now=int(time.time()), grace=grace)
    except ValueError as exc:  # withdrawing the active or an unknown key; a malformed key set
        print(f"error: {exc}", file=sys.stderr)
        return target.FAILED
    except (BotoCoreError, ClientError) as exc:
        print(f"error: cannot update the signing keys: {exc}", file=sys.stderr)
        return target.FAILED
    retired = {kid: key.retired_at for kid, key in keys.keys.items() if key.retired_at is not None}
    print(f"active key: {keys.active_kid}; retired keys (kid: retired_at): {retired or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
