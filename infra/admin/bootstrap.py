"""`python -m infra.admin.bootstrap`: create the first admin without any public endpoint.

    make run                                   # in one terminal
    python -m infra.admin.bootstrap --local --email admin@example.com
    python -m infra.admin.bootstrap --function <auth function name> --email admin@example.com

The password is read from SATCHEL_ADMIN_PASSWORD or prompted for (never a command-line argument,
which would land in shell history and the process list). If the email already has an account,
that account is given the admin role instead. Prints the account as JSON.
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


def bootstrap_admin(identity: IdentityService, *, email: str, password: str) -> tuple[UserView, bool]:
    """(account, created). An existing account keeps its password and gains the admin role."""
    user, created = identity.ensure_user(email=email, password=password, roles=ADMIN_ROLES)
    if not created and Role.ADMIN.value not in user.roles:
        user = identity.grant_roles(user.id, ADMIN_ROLES)
    return user, created


def _password() -> str:
    supplied = os.environ.get(PASSWORD_VARIABLE)
    if supplied:
        return supplied
    first = getpass.getpass("Password for the admin account: ")
    if first != getpass.getpass("Repeat it: "):
        raise SystemExit("the passwords differ")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    target.add_target_arguments(parser)
    parser.add_argument("--email", required=True)
    args = parser.parse_args(argv)
    target.select(args)
    identity = IdentityService.from_settings(identity_settings())
    try:
        user, created = bootstrap_admin(identity, email=args.email, password=_password())
    except SatchelError as exc:
        print(f"{exc.code}: {exc.message}", file=sys.stderr)
        return 1
    print(json.dumps({"id": user.id, "email": user.email, "roles": list(user.roles), "created": created}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
