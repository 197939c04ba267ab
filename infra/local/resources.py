"""Create the AWS resources the functions expect inside an emulator (moto server or in-process).

Tables come from the PynamoDB models (the same ones CDK builds its tables from), so the local
stack and the tests cannot drift from the deployed schema.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from satchel.auth.keys import KeySet, new_key_set
from satchel.tables import TABLES

LOCAL_REGION = "us-east-1"


@dataclass(frozen=True)
class LocalNames:
    """Physical names used by the local stack and the tests."""

    bucket: str = "satchel-artifacts-local"
    table_prefix: str = "satchel-local-"
    jwt_secret: str = "satchel/local/jwt-signing-keys"  # noqa: S105 - the secret's name, not its value
    upload_events_queue: str = "satchel-upload-events-local"
    jwt_issuer: str = "https://satchel.local"
    jwt_audience: str = "satchel-api"

    def table(self, logical: str) -> str:
        return f"{self.table_prefix}{logical}"

    def environment(self) -> dict[str, str]:
        """Environment variables every function sees locally (the union of what CDK sets per function)."""
        env = {spec.env_var: self.table(logical) for logical, spec in TABLES.items()}
        env.update(
            ARTIFACTS_BUCKET=self.bucket,
            JWT_SECRET_ID=self.jwt_secret,
            JWT_ISSUER=self.jwt_issuer,
            JWT_AUDIENCE=self.jwt_audience,
            AWS_REGION=LOCAL_REGION,
            AWS_DEFAULT_REGION=LOCAL_REGION,
        )
        return env


def create_tables(dynamodb: Any, names: LocalNames) -> None:
    for logical, spec in TABLES.items():
        schema = spec.model._get_schema()
        request: dict[str, Any] = {
            "TableName": names.table(logical),
            "AttributeDefinitions": schema["attribute_definitions"],
            "KeySchema": schema["key_schema"],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if schema["global_secondary_indexes"]:
            request["GlobalSecondaryIndexes"] = [
                {"IndexName": gsi["index_name"], "KeySchema": gsi["key_schema"], "Projection": gsi["projection"]}
                for gsi in schema["global_secondary_indexes"]
            ]
        dynamodb.create_table(**request)
        if spec.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=request["TableName"],
                TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
            )


def create_bucket(s3: Any, names: LocalNames, *, notify_queue_arn: str | None) -> None:
    s3.create_bucket(Bucket=names.bucket)
    if notify_queue_arn:
        s3.put_bucket_notification_configuration(
            Bucket=names.bucket,
            NotificationConfiguration={
                "QueueConfigurations": [
                    {
                        "QueueArn": notify_queue_arn,
                        "Events": ["s3:ObjectCreated:*"],
                        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "artifacts/"}]}},
                    }
                ]
            },
        )


def create_upload_events_queue(sqs: Any, names: LocalNames) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=names.upload_events_queue)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def create_signing_keys(secrets: Any, names: LocalNames) -> KeySet:
    keys = new_key_set()
    secrets.create_secret(Name=names.jwt_secret, SecretString=keys.to_json())
    return keys


@dataclass(frozen=True)
class Provisioned:
    keys: KeySet
    queue_url: str


def provision(clients: dict[str, Any], names: LocalNames, *, s3_notifications: bool = True) -> Provisioned:
    """Create every resource; `clients` maps service name to a boto3 client pointed at the emulator."""
    create_tables(clients["dynamodb"], names)
    queue_url, queue_arn = create_upload_events_queue(clients["sqs"], names)
    create_bucket(clients["s3"], names, notify_queue_arn=queue_arn if s3_notifications else None)
    keys = create_signing_keys(clients["secretsmanager"], names)
    return Provisioned(keys=keys, queue_url=queue_url)


def describe(provisioned: Provisioned) -> str:
    return json.dumps({"queue_url": provisioned.queue_url, "kid": provisioned.keys.active_kid})
