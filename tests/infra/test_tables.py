"""Tables are what the PynamoDB models say: keys, attribute types, indexes, TTL."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from pynamodb.indexes import GlobalSecondaryIndex
from satchel.tables import TABLES


def _keys(attributes: dict[str, Any]) -> tuple[list[dict[str, str]], dict[str, str]]:
    """KeySchema and attribute types, read from the model's attribute objects (not from _get_schema)."""
    key_schema, types = [], {}
    for attribute in attributes.values():
        if attribute.is_hash_key or attribute.is_range_key:
            key_schema.append(
                {"AttributeName": attribute.attr_name, "KeyType": "HASH" if attribute.is_hash_key else "RANGE"}
            )
            types[attribute.attr_name] = attribute.attr_type
    return sorted(key_schema, key=lambda k: k["KeyType"]), types


def _indexes(model: type) -> list[GlobalSecondaryIndex]:
    return [value for _, value in inspect.getmembers(model) if isinstance(value, GlobalSecondaryIndex)]


def test_one_table_per_model(synth):
    synth.template.resource_count_is("AWS::DynamoDB::Table", len(TABLES))


@pytest.mark.parametrize("logical", list(TABLES))
def test_table_matches_its_model(synth, logical):
    spec = TABLES[logical]
    properties = synth.resource(synth.stack.tables[logical])["Properties"]

    key_schema, types = _keys(spec.model.get_attributes())
    assert sorted(properties["KeySchema"], key=lambda k: k["KeyType"]) == key_schema

    expected_indexes = {}
    for index in _indexes(spec.model):
        index_keys, index_types = _keys(index.Meta.attributes)
        types.update(index_types)
        expected_indexes[index.Meta.index_name] = (index_keys, index.Meta.projection.projection_type)
    synthesized_indexes = {
        gsi["IndexName"]: (sorted(gsi["KeySchema"], key=lambda k: k["KeyType"]), gsi["Projection"]["ProjectionType"])
        for gsi in properties.get("GlobalSecondaryIndexes", [])
    }
    assert synthesized_indexes == expected_indexes
    assert {d["AttributeName"]: d["AttributeType"] for d in properties["AttributeDefinitions"]} == types

    if spec.ttl_attribute:
        assert spec.ttl_attribute in spec.model.get_attributes()
        assert properties["TimeToLiveSpecification"] == {"AttributeName": spec.ttl_attribute, "Enabled": True}
    else:
        assert "TimeToLiveSpecification" not in properties


@pytest.mark.parametrize("logical", list(TABLES))
def test_table_is_on_demand_recoverable_and_encrypted(synth, logical):
    properties = synth.resource(synth.stack.tables[logical])["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    # AWS-managed KMS key (not the default AWS-owned key).
    assert properties["SSESpecification"] == {"SSEEnabled": True}


def test_at_least_one_model_has_an_index_and_a_ttl():
    # Guards the two checks above against passing vacuously.
    assert any(_indexes(spec.model) for spec in TABLES.values())
    assert any(spec.ttl_attribute for spec in TABLES.values())
