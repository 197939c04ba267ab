"""`python -m infra.admin.bootstrap`: create the first admin without any public endpoint.

    make run                                   # in one terminal
    python -m infra.admin.bootstrap --local --email admin@example.com
    python -m infra.admin.bootstrap --function <auth function name> --email admin@example.com

The password is read from SATCHEL_ADMIN_PASSWORD or prompted for (never a command-line argument,
which would land in shell history and the process list). If the email already has an account,
that account is given the admin role instead. Prints the account as JSON.
Exit codes: 0 done, 1 the stack could not be reached or refused, 2 wrong usage or no password.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys

from satchel.errors import SatchelError
from satchel.identity.domain import Role, UserView
from satchel.identity.service import IdentityService
from satchel.identity.settings import identity_settings

from infra.admin import target

PASSWORD_VARIABLE = "SATCHEL_ADMIN_PASSWORD"  # noqa: S105 (the variable name, not a password)
ADMIN_ROLES = (Role.ADMIN.value, Role.USER.value)


class NoPassword(Exception):
    """No password could be had; the message says how to give one."""


def bootstrap_admin(identity: IdentityService, *, email: str, password: str) -> tuple[UserView, bool]:
    """(account, created). An existing account keeps its password and gains the admin role."""
    user, created = identity.ensure_user(email=email, password=password, roles=ADMIN_ROLES)
    if not created and Role.ADMIN.value not in user.roles:
        user = identity.grant_roles(user.id, ADMIN_ROLES)
    return user, created


def has_terminal() -> bool:
    """Whether getpass can prompt: it reads the controlling terminal, even when stdin is redirected."""
    if sys.stdin is not None and sys.stdin.isatty():
        return True
    try:
        with open("/dev/tty", "rb"):
            return True
    except OSError:
        return False


def _password() -> str:
    supplied = os.environ.get(PASSWORD_VARIABLE)
    if supplied:
        return supplied
    if not has_terminal():
        # getpass would fall back to reading stdin and end in EOFError (make in CI, cron, pipes).
        raise NoPassword(f"no password: set {PASSWORD_VARIABLE}, or run this in a terminal to be asked for one")
    try:
        first = getpass.getpass("Password for the admin account: ")
        again = getpass.getpass("Repeat it: ")
    except EOFError:
        raise NoPassword("no password was entered") from None
    if first != again:
        raise NoPassword("the passwords differ")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.admin.bootstrap", description=__doc__.splitlines()[0])
    target.add_target_arguments(parser)
    parser.add_argument("--email", required=True)
    args = parser.parse_args(argv)
    try:
        password = _password()  # first: a command that cannot run should not touch the stack
        target.select(args)
    except NoPassword as exc:
        print(f"error: {exc}", file=sys.stderr)
        return target.USAGE
    except KeyboardInterrupt:
        print("\ncancelled", file=sys.stderr)
        return 130
    except target.TargetUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return target.FAILED
    identity = IdentityService.from_settings(identity_settings())
    try:
        user, created = bootstrap_admin(identity, email=args.email, password=password)
    except SatchelError as exc:
        print(f"{exc.code}: {exc.message}", file=sys.stderr)
        return target.FAILED
    print(json.dumps({"id": user.id, "email": user.email, "roles": list(user.roles), "created": created}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
