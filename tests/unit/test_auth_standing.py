"""The authorizer's standing check: one BatchGetItem, and names that match the table models."""

from __future__ import annotations

from typing import Any

import pytest
from satchel.auth.access_tokens import AccessClaims
from satchel.auth.revocations import REVOCATION_KEY, USER_FIELDS, USER_KEY, StandingCheck, jti_entry, sid_entry
from satchel.errors import DependencyFailure, Unauthorized
from satchel.identity.models import RevocationRecord, UserRecord

CLAIMS = AccessClaims(sub="u1", roles=("user",), jti="j1", iat=1000, exp=1900, sid="s1")


class FakeDynamo:
    """Answers BatchGetItem from in-memory tables; can leave keys unprocessed a number of times."""

    def __init__(self, tables: dict[str, dict[str, dict[str, Any]]], *, unprocessed_rounds: int = 0) -> None:
        self.tables = tables
        self.requests: list[dict[str, Any]] = []
        self.unprocessed_rounds = unprocessed_rounds

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(RequestItems)
        if self.unprocessed_rounds:
            self.unprocessed_rounds -= 1
            return {"Responses": {}, "UnprocessedKeys": RequestItems}
        responses: dict[str, list[dict[str, Any]]] = {}
        for table, spec in RequestItems.items():
            for key in spec["Keys"]:
                (value,) = key.values()
                item = self.tables.get(table, {}).get(value["S"])
                if item is not None:
                    responses.setdefault(table, []).append(item)
        return {"Responses": responses, "UnprocessedKeys": {}}


def _user(**overrides: Any) -> dict[str, Any]:
    return {
        "disabled": {"BOOL": False},
        "revoked_before": {"N": "0"},
        "roles": {"L": [{"S": "admin"}, {"S": "user"}]},
        **overrides,
    }


def _check(client: FakeDynamo) -> StandingCheck:
    return StandingCheck(client, users_table="users", revocations_table="revocations")


def test_names_mirror_the_table_models() -> None:
    assert RevocationRecord._hash_key_attribute().attr_name == REVOCATION_KEY
    assert UserRecord._hash_key_attribute().attr_name == USER_KEY
    assert set(USER_FIELDS) <= set(UserRecord.get_attributes())


def test_live_user_gets_current_roles_in_one_consistent_call() -> None:
    client = FakeDynamo({"users": {"u1": _user()}})

    assert _check(client).current_roles(CLAIMS) == ("admin", "user")

    (request,) = client.requests
    assert request["revocations"]["Keys"] == [{"entry": {"S": "jti:j1"}}, {"entry": {"S": "sid:s1"}}]
    assert request["users"]["Keys"] == [{"user_id": {"S": "u1"}}]
    assert request["revocations"]["ConsistentRead"] and request["users"]["ConsistentRead"]


@pytest.mark.parametrize(
    "tables",
    [
        {"users": {"u1": _user()}, "revocations": {jti_entry("j1"): {"entry": {"S": "jti:j1"}}}},
        {"users": {"u1": _user()}, "revocations": {sid_entry("s1"): {"entry": {"S": "sid:s1"}}}},
        {"users": {"u1": _user(disabled={"BOOL": True})}},
        {"users": {"u1": _user(revoked_before={"N": "1000"})}},  # iat == cutoff: void
        {"users": {}},
    ],
    ids=["jti denied", "session denied", "disabled", "issued before cutoff", "unknown user"],
)
def test_refusals(tables: dict[str, Any]) -> None:
    with pytest.raises(Unauthorized):
        _check(FakeDynamo(tables)).current_roles(CLAIMS)


def test_token_issued_after_the_cutoff_passes() -> None:
    client = FakeDynamo({"users": {"u1": _user(revoked_before={"N": "999"})}})

    assert _check(client).current_roles(CLAIMS)


def test_unprocessed_keys_are_retried_once_then_fail_closed() -> None:
    assert _check(FakeDynamo({"users": {"u1": _user()}}, unprocessed_rounds=1)).current_roles(CLAIMS)
    with pytest.raises(DependencyFailure):
        _check(FakeDynamo({"users": {"u1": _user()}}, unprocessed_rounds=2)).current_roles(CLAIMS)


def test_dynamodb_errors_fail_closed() -> None:
    class Broken:
        def batch_get_item(self, **_: Any) -> dict[str, Any]:
            raise RuntimeError("throttled")

    with pytest.raises(DependencyFailure):
        StandingCheck(Broken(), users_table="u", revocations_table="r").current_roles(CLAIMS)
