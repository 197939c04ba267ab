"""DynamoDB tables, built from the PynamoDB models in satchel.tables.TABLES.

Keys, attribute types and global secondary indexes come from each model's own schema, so the
deployed tables cannot drift from what the stores expect (tests/infra compares them again).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct
from satchel.tables import TABLES

_ATTRIBUTE_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}
_PROJECTIONS = {
    "ALL": dynamodb.ProjectionType.ALL,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
    "INCLUDE": dynamodb.ProjectionType.INCLUDE,
}


def _keys(
    key_schema: Sequence[Mapping[str, Any]], types: Mapping[str, str]
) -> tuple[dynamodb.Attribute, dynamodb.Attribute | None]:
    """(partition key, sort key or None) from a DynamoDB KeySchema list."""
    keys = {
        key["KeyType"]: dynamodb.Attribute(
            name=key["AttributeName"], type=_ATTRIBUTE_TYPES[types[key["AttributeName"]]]
        )
        for key in key_schema
    }
    return keys["HASH"], keys.get("RANGE")


class Tables(Construct):
    """One on-demand table per registered model: PITR, TTL where the model has one, AWS-managed keys."""

    def __init__(self, scope: Construct, construct_id: str, *, removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        self.by_name: dict[str, dynamodb.Table] = {}
        for logical, spec in TABLES.items():
            schema = spec.model._get_schema()
            if schema["local_secondary_indexes"]:
                raise ValueError(f"{spec.model.__name__}: local secondary indexes are not supported here")
            types = {d["AttributeName"]: d["AttributeType"] for d in schema["attribute_definitions"]}
            partition_key, sort_key = _keys(schema["key_schema"], types)
            table = dynamodb.Table(
                self,
                logical.title().replace("_", ""),
                partition_key=partition_key,
                sort_key=sort_key,
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                encryption=dynamodb.TableEncryption.AWS_MANAGED,
                time_to_live_attribute=spec.ttl_attribute,
                removal_policy=removal_policy,
            )
            for index in schema["global_secondary_indexes"]:
                projection = index["projection"]
                index_partition, index_sort = _keys(index["key_schema"], types)
                table.add_global_secondary_index(
                    index_name=index["index_name"],
                    partition_key=index_partition,
                    sort_key=index_sort,
                    projection_type=_PROJECTIONS[projection["ProjectionType"]],
                    non_key_attributes=projection.get("NonKeyAttributes"),
                )
            self.by_name[logical] = table

    def __getitem__(self, logical: str) -> dynamodb.Table:
        return self.by_name[logical]
