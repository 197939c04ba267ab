"""What each Lambda function may touch: written once per function, read by the stack.

The stack gives every function its own role and grants exactly what its spec lists, so a
function's permissions are reviewed here in one screen. Actions are the API calls the
function's service and store really make (PynamoDB builds requests from the model schema,
so it never needs DescribeTable; HeadObject is authorized by s3:GetObject).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from satchel.routes import AUTHORIZER_FUNCTION, ROUTES, UPLOAD_COMPLETE_FUNCTION, Route
from satchel.settings_registry import settings_parsers

FUNCTIONS_DIR = Path(__file__).resolve().parents[1] / "functions"
# POWERTOOLS_SERVICE_NAME of every function; the alarms select the ServerErrors metric by it.
SERVICE_NAME = "satchel"

GET_ITEM = "dynamodb:GetItem"
PUT_ITEM = "dynamodb:PutItem"
UPDATE_ITEM = "dynamodb:UpdateItem"
DELETE_ITEM = "dynamodb:DeleteItem"
QUERY = "dynamodb:Query"
BATCH_GET_ITEM = "dynamodb:BatchGetItem"
CONDITION_CHECK = "dynamodb:ConditionCheckItem"

GET_OBJECT = "s3:GetObject"  # also HeadObject, and what a presigned GET is signed for
PUT_OBJECT = "s3:PutObject"  # what a presigned PUT is signed for
DELETE_OBJECT = "s3:DeleteObject"


class SettingsGroup(StrEnum):
    """A settings class (satchel.<domain>.settings); decides which environment variables a function gets."""

    TRANSFERS = "transfers"  # TransferSettings
    AUTH = "auth"  # AuthSettings: verifying access tokens
    IDENTITY = "identity"  # IdentitySettings: login, refresh, logout, users (includes AuthSettings)
    RATE_LIMITS = "rate_limits"  # RateLimitSettings: every function behind SatchelResolver
    IDEMPOTENCY = "idempotency"  # satchel.idempotency.settings.IdempotencySettings: idempotent routes


class StackValue(StrEnum):
    """Non-table values the stack supplies as environment variables."""

    ARTIFACTS_BUCKET = "ARTIFACTS_BUCKET"
    JWT_SECRET_ID = "JWT_SECRET_ID"  # noqa: S105 (a variable name; its value is the secret ARN)
    JWT_ISSUER = "JWT_ISSUER"
    JWT_AUDIENCE = "JWT_AUDIENCE"


@dataclass(frozen=True)
class SettingsNeeds:
    tables: tuple[str, ...]  # logical names in satchel.tables.TABLES; the env var comes from there
    values: tuple[StackValue, ...] = ()


def settings_loaders() -> dict[SettingsGroup, Callable[[Mapping[str, str]], object]]:
    """How each group's settings class reads an environment (satchel.settings_registry). Each
    raises satchel.settings.ConfigurationError naming a bad variable."""
    return {SettingsGroup(name): parse for name, parse in settings_parsers().items()}


def service_name(function: str) -> str:
    """The Powertools service name CDK gives a function: one for all (function_name tells them apart)."""
    return SERVICE_NAME


_JWT = (StackValue.JWT_SECRET_ID, StackValue.JWT_ISSUER, StackValue.JWT_AUDIENCE)
# What each settings class requires (tests/infra builds each class from the synthesized env).
SETTINGS_NEEDS: dict[SettingsGroup, SettingsNeeds] = {
    SettingsGroup.TRANSFERS: SettingsNeeds(("tokens", "artifacts"), (StackValue.ARTIFACTS_BUCKET,)),
    SettingsGroup.AUTH: SettingsNeeds(("users", "revocations"), _JWT),
    SettingsGroup.IDENTITY: SettingsNeeds(
        ("users", "revocations", "user_emails", "sessions", "refresh_tokens", "rate_limits"), _JWT
    ),
    SettingsGroup.RATE_LIMITS: SettingsNeeds(("rate_limits",)),
    SettingsGroup.IDEMPOTENCY: SettingsNeeds(("idempotency",)),
}


@dataclass(frozen=True)
class FunctionSpec:
    name: str  # folder under functions/
    description: str
    settings: frozenset[SettingsGroup]
    # logical table name (satchel.tables.TABLES) -> DynamoDB actions on it and its indexes
    table_actions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # S3 actions on the artifact objects (artifacts/*), never on the bucket itself
    object_actions: tuple[str, ...] = ()
    reads_signing_keys: bool = False
    memory_mb: int = 256
    timeout_seconds: int = 10


# Every function behind SatchelResolver counts its request first (one UpdateItem).
_RATE_LIMITED = {"rate_limits": (UPDATE_ITEM,)}
# Functions serving an idempotent route (Idempotency-Key): claim the key (conditional put), read it
# to replay or refuse, store the answer, and drop the claim when the route failed.
_IDEMPOTENT = {"idempotency": (GET_ITEM, PUT_ITEM, UPDATE_ITEM, DELETE_ITEM)}

SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "upload_token",
        "Issues upload tokens and presigned PUTs",
        frozenset({SettingsGroup.TRANSFERS, SettingsGroup.RATE_LIMITS, SettingsGroup.IDEMPOTENCY}),
        table_actions={
            "tokens": (GET_ITEM, PUT_ITEM, UPDATE_ITEM),
            "artifacts": (PUT_ITEM,),
            **_RATE_LIMITED,
            **_IDEMPOTENT,
        },
        object_actions=(PUT_OBJECT,),
    ),
    FunctionSpec(
        "download_redirect",
        "Issues download tokens and redirects counted downloads",
        frozenset({SettingsGroup.TRANSFERS, SettingsGroup.RATE_LIMITS, SettingsGroup.IDEMPOTENCY}),
        table_actions={
            "tokens": (GET_ITEM, PUT_ITEM, UPDATE_ITEM),
            "artifacts": (GET_ITEM,),
            **_RATE_LIMITED,
            **_IDEMPOTENT,
        },
        object_actions=(GET_OBJECT,),
    ),
    FunctionSpec(
        "auth",
        "Login, refresh, logout and the caller's identity",
        frozenset({SettingsGroup.IDENTITY, SettingsGroup.RATE_LIMITS}),
        table_actions={
            # refresh rotation checks the user and the session inside its transaction
            "users": (GET_ITEM, UPDATE_ITEM, CONDITION_CHECK),
            "user_emails": (GET_ITEM,),
            "sessions": (PUT_ITEM, UPDATE_ITEM, CONDITION_CHECK),
            "refresh_tokens": (GET_ITEM, PUT_ITEM, UPDATE_ITEM),
            "revocations": (PUT_ITEM,),
            # the request counter, plus login attempts per account and address: reserve (conditional),
            # clear the address's failures on success (an update too)
            "rate_limits": (UPDATE_ITEM,),
        },
        reads_signing_keys=True,  # signs access tokens
        # scrypt (N=2^15, r=8) needs 32 MiB and CPU; at 1769 MB Lambda gives one full vCPU, so a
        # password check costs what `make bench` measures (~0.25 s) instead of ~1.7x that at 1024 MB.
        memory_mb=1769,
    ),
    FunctionSpec(
        "admin_users",
        "Creates, disables and re-roles users (admin role)",
        frozenset({SettingsGroup.IDENTITY, SettingsGroup.RATE_LIMITS, SettingsGroup.IDEMPOTENCY}),
        table_actions={
            "users": (PUT_ITEM, UPDATE_ITEM),  # updates are conditional on existence, no read first
            "user_emails": (PUT_ITEM,),  # claims the email in the same transaction as the user
            **_RATE_LIMITED,
            **_IDEMPOTENT,
        },
        memory_mb=1024,  # hashes the new user's password
    ),
    FunctionSpec(
        "openapi",
        "Serves the OpenAPI document generated from the route table",
        frozenset({SettingsGroup.RATE_LIMITS}),
        table_actions=_RATE_LIMITED,
    ),
    FunctionSpec(
        UPLOAD_COMPLETE_FUNCTION,
        "Activates or rejects uploaded artifacts from S3 events",
        frozenset({SettingsGroup.TRANSFERS}),
        table_actions={"artifacts": (GET_ITEM, UPDATE_ITEM)},
        object_actions=(GET_OBJECT, DELETE_OBJECT),
        timeout_seconds=30,
    ),
    FunctionSpec(
        AUTHORIZER_FUNCTION,
        "Verifies bearer JWTs for API Gateway",
        frozenset({SettingsGroup.AUTH}),
        # one BatchGetItem: the token's denylist entry and the user's status and roles
        table_actions={"users": (BATCH_GET_ITEM,), "revocations": (BATCH_GET_ITEM,)},
        reads_signing_keys=True,
    ),
)


class SpecError(ValueError):
    """The function specs do not match the route table, the functions folder or the tables."""


def deployed_functions(routes: Iterable[Route] = ROUTES) -> list[str]:
    """Every function the stack deploys: those behind routes, then the authorizer and event consumers."""
    routed = [route.function for route in routes]
    return list(dict.fromkeys([*routed, AUTHORIZER_FUNCTION, UPLOAD_COMPLETE_FUNCTION]))


def specs_by_name(
    specs: Iterable[FunctionSpec] = SPECS, *, routes: Iterable[Route] = ROUTES, tables: Iterable[str] = ()
) -> dict[str, FunctionSpec]:
    """The spec of every deployed function; fails the synth on a missing spec, handler or table."""
    by_name = {spec.name: spec for spec in specs}
    known_tables = set(tables)
    routes_list = list(routes)
    wanted = deployed_functions(routes_list)
    missing = [name for name in wanted if name not in by_name]
    if missing:
        raise SpecError(f"no FunctionSpec for {', '.join(missing)}: add one to infra/functions.py")
    for name in wanted:
        spec = by_name[name]
        if not (FUNCTIONS_DIR / name / "handler.py").is_file():
            raise SpecError(f"functions/{name}/handler.py does not exist")
        needed = set(spec.table_actions).union(*(SETTINGS_NEEDS[group].tables for group in spec.settings))
        unknown = sorted(needed - known_tables)
        if unknown:
            raise SpecError(f"{name} names tables that satchel.tables.TABLES does not define: {unknown}")
        # The idempotency middleware needs the table's name and exactly these grants on it.
        idempotent = sorted(f"{r.method} {r.path}" for r in routes_list if r.function == name and r.contract.idempotent)
        has_idempotency = SettingsGroup.IDEMPOTENCY in spec.settings and set(
            spec.table_actions.get("idempotency", ())
        ) == set(_IDEMPOTENT["idempotency"])
        if idempotent and not has_idempotency:
            raise SpecError(
                f"{name} serves idempotent routes {idempotent}: add SettingsGroup.IDEMPOTENCY and _IDEMPOTENT"
            )
    return {name: by_name[name] for name in wanted}
