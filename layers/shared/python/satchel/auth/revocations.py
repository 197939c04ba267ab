"""The authorizer's per-request standing check: one BatchGetItem, no PynamoDB import.

It reads the denylist entries for the token's jti and session, and the user's status and roles,
in a single consistent BatchGetItem. Attribute names mirror satchel.identity.models (a unit test keeps
them equal); PynamoDB is not imported because the authorizer's cold start pays for every module.
"""

from __future__ import annotations

from typing import Any

from satchel.auth.access_tokens import AccessClaims
from satchel.errors import DependencyFailure, Unauthorized
from satchel.observability import logger

REVOCATION_KEY = "entry"  # RevocationRecord.entry
USER_KEY = "user_id"  # UserRecord.user_id
USER_FIELDS = ("disabled", "revoked_before", "roles")


def jti_entry(jti: str) -> str:
    return f"jti:{jti}"


def sid_entry(session_id: str) -> str:
    return f"sid:{session_id}"


def _rejected(reason: str) -> Unauthorized:
    logger.info("access token refused", extra={"reason": reason})
    return Unauthorized("invalid or expired access token", code="INVALID_TOKEN")


class StandingCheck:
    def __init__(self, client: Any, *, users_table: str, revocations_table: str) -> None:
        self._client = client
        self._users_table = users_table
        self._revocations_table = revocations_table

    def current_roles(self, claims: AccessClaims) -> tuple[str, ...]:
        """The user's roles now; Unauthorized if the token is denied or the user cannot act."""
        entries = [jti_entry(claims.jti)] + ([sid_entry(claims.sid)] if claims.sid else [])
        names = {f"#{i}": name for i, name in enumerate(USER_FIELDS)}
        request: dict[str, Any] = {
            self._revocations_table: {
                "Keys": [{REVOCATION_KEY: {"S": entry}} for entry in entries],
                "ConsistentRead": True,
                "ProjectionExpression": "#k",
                "ExpressionAttributeNames": {"#k": REVOCATION_KEY},
            },
            self._users_table: {
                "Keys": [{USER_KEY: {"S": claims.sub}}],
                "ConsistentRead": True,
                "ProjectionExpression": ", ".join(names),
                "ExpressionAttributeNames": names,
            },
        }
        found = self._batch_get(request)
        if found.get(self._revocations_table):
            raise _rejected("denylisted")
        users = found.get(self._users_table) or []
        if not users:
            raise _rejected("unknown user")
        user = users[0]
        if user.get("disabled", {}).get("BOOL", False):
            raise _rejected("user disabled")
        if claims.iat <= int(user.get("revoked_before", {}).get("N", "0")):
            raise _rejected("issued before the user's tokens were revoked")
        return tuple(str(role.get("S", "")) for role in user.get("roles", {}).get("L", []))

    def _batch_get(self, request: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        # DynamoDB may leave keys unprocessed under throttling; one retry, then fail closed.
        for _attempt in range(2):
            try:
                response = self._client.batch_get_item(RequestItems=request)
            except Exception as exc:
                logger.exception("standing check failed")
                raise DependencyFailure("authorization is unavailable") from exc
            for table, items in response.get("Responses", {}).items():
                found.setdefault(table, []).extend(items)
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return found
        logger.error("standing check left keys unprocessed")
        raise DependencyFailure("authorization is unavailable")
