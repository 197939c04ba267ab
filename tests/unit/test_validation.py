"""Request field readers: every failure is a 400 that names the field."""

from __future__ import annotations

import pytest
from satchel import validation
from satchel.errors import InvalidRequest


@pytest.mark.parametrize("value", [True, False])
def test_booleans_are_not_integers(value: bool) -> None:
    with pytest.raises(InvalidRequest) as caught:
        validation.integer({"max_uploads": value}, "max_uploads")
    assert caught.value.field == "max_uploads"


@pytest.mark.parametrize("value", ["3", 3.0, 2.5, [3], {"n": 3}])
def test_non_integers_are_rejected(value: object) -> None:
    with pytest.raises(InvalidRequest) as caught:
        validation.integer({"size": value}, "size")
    assert caught.value.field == "size"
    assert caught.value.status == 400


def test_missing_required_field_names_the_field() -> None:
    with pytest.raises(InvalidRequest) as caught:
        validation.required_integer({}, "max_uploads")
    assert caught.value.field == "max_uploads"
    assert caught.value.code == "MISSING_FIELD"
    assert "max_uploads" in caught.value.message


def test_null_counts_as_missing() -> None:
    with pytest.raises(InvalidRequest) as caught:
        validation.required_string({"filename": None}, "filename")
    assert caught.value.field == "filename"


def test_optional_fields_may_be_absent() -> None:
    assert validation.integer({}, "expires_in", required=False) is None
    assert validation.string({}, "sha256", required=False) is None


def test_strings_must_be_strings() -> None:
    with pytest.raises(InvalidRequest) as caught:
        validation.required_string({"content_type": 7}, "content_type")
    assert caught.value.field == "content_type"


def test_valid_values_pass_through() -> None:
    assert validation.required_integer({"size": 0}, "size") == 0
    assert validation.required_string({"filename": "a.txt"}, "filename") == "a.txt"
