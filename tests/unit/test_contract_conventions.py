"""The conventions the contract mechanism enforces for every route, present and future."""

from __future__ import annotations

import json

import pytest
from satchel.contract import PAGE_LIMIT_DEFAULT, Answer, Contract, obj, page_of, string
from satchel.errors import InvalidRequest
from satchel.routes import ROUTES
from satchel.schema import ContractValidator
from satchel.transfers.contract import ISSUE_UPLOAD_TOKEN

LISTING = Contract(
    summary="a list",
    answers=(Answer(200, "a page", page_of(obj({"id": string(1)}, closed=False))),),
    paginated=True,
)


def _query(**params: str) -> dict[str, object]:
    return ContractValidator(LISTING).validate(body=None, path=None, query=params, headers=None).query


def test_lists_default_to_fifty_and_accept_one_to_a_hundred() -> None:
    assert _query() == {"limit": PAGE_LIMIT_DEFAULT}
    assert _query(limit="1")["limit"] == 1
    assert _query(limit="100", cursor="opaque")["cursor"] == "opaque"


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten", "1.5", ""])
def test_a_limit_out_of_range_or_not_an_integer_is_400_naming_it(limit: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        _query(limit=limit)
    assert caught.value.field == "limit"
    assert caught.value.status == 400


def test_a_page_answers_next_cursor_or_its_camel_case_twin() -> None:
    assert set(page_of({"type": "object"})["properties"]) == {"items", "next_cursor"}
    assert set(page_of({"type": "object"}, camel_case=True)["properties"]) == {"items", "nextCursor"}
    assert page_of({"type": "object"})["properties"]["next_cursor"]["type"] == ["string", "null"]


def test_every_route_that_answers_a_list_paginates() -> None:
    for route in ROUTES:
        for answer in route.contract.answers:
            properties = (answer.body or {}).get("properties", {})
            if any(p.get("type") == "array" for p in properties.values()) and "items" in properties:
                assert route.contract.paginated, route.key


def test_idempotent_contracts_take_the_header_and_only_creating_posts_are_idempotent() -> None:
    for route in ROUTES:
        names = {p.name for p in route.contract.parameters_in("header")}
        assert ("Idempotency-Key" in names) == route.contract.idempotent
        if route.contract.idempotent:
            assert route.method == "POST", route.key
    idempotent = {route.key for route in ROUTES if route.contract.idempotent}
    assert idempotent == {
        ("POST", "/genUploadPresignedURL"),
        ("POST", "/genDownloadPresignedURL"),
        ("POST", "/admin/users"),
    }


def test_request_bodies_are_closed_objects() -> None:
    for route in ROUTES:
        if route.contract.body is not None:
            assert route.contract.body["type"] == "object"
            assert route.contract.body["additionalProperties"] is False, route.key


def test_a_header_parameter_is_found_whatever_its_case() -> None:
    contract = ISSUE_UPLOAD_TOKEN
    valid = ContractValidator(contract).validate(
        body=json.dumps({"max_uploads": 1}), path=None, query=None, headers={"idempotency-KEY": "retry-1"}
    )
    assert valid.headers == {"Idempotency-Key": "retry-1"}
