"""Shared PynamoDB machinery: binding a model to its physical table, one connection, consistent reads.

Each domain defines its models in its own `models.py`; `satchel.tables` lists every table for the
local stack, the CDK stack and the tests. Physical table names are bound at cold start from
settings via `bind`, never at import.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TypeVar

import botocore.session
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PynamoDBException
from pynamodb.models import Model

from satchel.aws import botocore_session, client_creation_lock
from satchel.errors import dependency_failure

M = TypeVar("M", bound=Model)


def bind(model: type[Model], *, table_name: str, region: str, host: str | None) -> None:
    """Point a model at its physical table. Resets PynamoDB's cached connection so it takes effect."""
    meta = model.Meta
    if (meta.table_name, getattr(meta, "region", None), getattr(meta, "host", None)) == (
        table_name,
        region,
        host,
    ):
        return
    meta.table_name = table_name
    meta.region = region
    meta.host = host
    model._connection = None
    # Route the model through the process-wide connection instead of one of its own.
    table = model._get_connection()
    shared = shared_connection(region, host)
    if table_name not in shared._tables:
        shared.add_meta_table(table.connection.get_meta_table(table_name))
    table.connection = shared


class _SharedSessionConnection(Connection):
    """A PynamoDB connection whose botocore client comes from satchel's one botocore session."""

    @property
    def session(self) -> botocore.session.Session:
        return botocore_session()

    @property
    def client(self):  # type: ignore[no-untyped-def]
        with client_creation_lock:
            return Connection.client.fget(self)  # type: ignore[attr-defined]


@lru_cache(maxsize=8)
def shared_connection(region: str, host: str | None) -> Connection:
    """One PynamoDB connection per endpoint for every model and transaction, on the same botocore
    session as satchel's other clients. PynamoDB would otherwise build a session and a client per
    model, which costs each function's first request ~50 ms per table it touches."""
    return _SharedSessionConnection(region=region, host=host)


def get_or_none(model: type[M], hash_key: str) -> M | None:
    """Strongly consistent read of one item: None when absent, DependencyFailure when DynamoDB fails."""
    try:
        return model.get(hash_key, consistent_read=True)
    except DoesNotExist:
        return None
    except PynamoDBException as exc:
        raise dependency_failure("dynamodb", f"get {model.__name__}", exc) from exc
