"""Request bodies as the resolver reads them (satchel.schema): JSON numbers and integer fields."""

from __future__ import annotations

import json

import pytest
from satchel.errors import InvalidRequest
from satchel.schema import ContractValidator, parse_json_object
from satchel.transfers.contract import START_UPLOAD

FILE = {"filename": "a.txt", "content_type": "text/plain"}


def _validate(raw_body: str) -> dict:
    return ContractValidator(START_UPLOAD).validate(body=raw_body, path={"token": "t"}, query=None, headers=None).body


def test_an_integral_json_number_is_an_int() -> None:
    # JSON has one number type and JSON Schema counts 4.0 as an integer: the handler must get 4,
    # not the float that once reached botocore's ContentLength and answered 500 (found by fuzzing).
    body = parse_json_object('{"a": 4.0, "b": 1e3, "c": -0.0, "d": 2.5}')

    assert body == {"a": 4, "b": 1000, "c": 0, "d": 2.5}
    assert [type(body[name]) for name in "abcd"] == [int, int, int, float]


def test_an_integer_field_given_4_0_reads_as_the_int_4() -> None:
    size = _validate(json.dumps({**FILE, "size": 4.0}))["size"]

    assert size == 4
    assert type(size) is int


@pytest.mark.parametrize("size", ["4.5", "1e400", "-1e400", "NaN"])
def test_fractions_and_overflowing_numbers_are_not_integers(size: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        _validate(f'{{"filename": "a.txt", "content_type": "text/plain", "size": {size}}}')

    assert caught.value.field == "size"
