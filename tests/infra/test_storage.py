"""Bucket protections, and upload completion: S3 -> SQS (with DLQ) -> upload_complete."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match
from satchel.auth.keys import KeySet
from satchel.transfers.service import ARTIFACT_PREFIX

from infra.functions import SPECS


def test_artifacts_bucket_is_private_encrypted_logged_and_cleans_up_multipart(synth):
    properties = synth.resource(synth.stack.storage.bucket)["Properties"]
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    encryption = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert properties["LoggingConfiguration"]["DestinationBucketName"] == {
        "Ref": synth.logical_id(synth.stack.storage.access_logs)
    }
    rules = properties["LifecycleConfiguration"]["Rules"]
    assert {
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        "Id": "abort-incomplete-multipart-uploads",
        "Status": "Enabled",
    } in rules


def test_cors_lets_browsers_put_and_read_etag(synth):
    (rule,) = synth.resource(synth.stack.storage.bucket)["Properties"]["CorsConfiguration"]["CorsRules"]
    assert {"PUT", "GET"} <= set(rule["AllowedMethods"])
    assert rule["ExposedHeaders"] == ["ETag"]


def test_both_buckets_refuse_plain_http(synth):
    for bucket in (synth.stack.storage.bucket, synth.stack.storage.access_logs):
        synth.template.has_resource_properties(
            "AWS::S3::BucketPolicy",
            {
                "Bucket": {"Ref": synth.logical_id(bucket)},
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "Effect": "Deny",
                                    "Action": "s3:*",
                                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                                }
                            )
                        ]
                    )
                },
            },
        )


def test_object_created_under_artifacts_prefix_goes_to_the_queue(synth):
    queue = synth.logical_id(synth.stack.storage.upload_events)
    synth.template.has_resource_properties(
        "Custom::S3BucketNotifications",
        {
            "BucketName": {"Ref": synth.logical_id(synth.stack.storage.bucket)},
            "NotificationConfiguration": {
                "QueueConfigurations": [
                    {
                        "Events": ["s3:ObjectCreated:*"],
                        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": ARTIFACT_PREFIX}]}},
                        "QueueArn": {"Fn::GetAtt": [queue, "Arn"]},
                    }
                ]
            },
        },
    )


def test_queue_has_a_dlq_encryption_and_enough_visibility(synth):
    storage = synth.stack.storage
    properties = synth.resource(storage.upload_events)["Properties"]
    assert properties["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": [synth.logical_id(storage.upload_events_dlq), "Arn"]
    }
    assert properties["RedrivePolicy"]["maxReceiveCount"] >= 1
    assert properties["SqsManagedSseEnabled"] is True
    timeout = next(spec.timeout_seconds for spec in SPECS if spec.name == "upload_complete")
    assert properties["VisibilityTimeout"] >= 6 * timeout
    for queue in (storage.upload_events, storage.upload_events_dlq):
        synth.template.has_resource_properties(
            "AWS::SQS::QueuePolicy",
            {
                "Queues": [{"Ref": synth.logical_id(queue)}],
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                    )
                },
            },
        )


def test_upload_complete_reads_the_queue_reporting_partial_batch_failures(synth):
    synth.template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "EventSourceArn": {"Fn::GetAtt": [synth.logical_id(synth.stack.storage.upload_events), "Arn"]},
            "FunctionName": {"Ref": synth.logical_id(synth.stack.functions["upload_complete"].function)},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
    )


def test_s3_may_send_to_the_queue_only_from_this_bucket(synth):
    synth.template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "s3.amazonaws.com"},
                                "Condition": {
                                    "ArnLike": {
                                        "aws:SourceArn": {
                                            "Fn::GetAtt": [synth.logical_id(synth.stack.storage.bucket), "Arn"]
                                        }
                                    }
                                },
                            }
                        )
                    ]
                )
            }
        },
    )


def test_signing_key_secret_is_generated_not_written_in_the_template(synth):
    properties = synth.resource(synth.stack.identity.signing_keys)["Properties"]
    assert "SecretString" not in properties
    generator = properties["GenerateSecretString"]
    # What CloudFormation will store must read as a usable key set, so `cdk deploy` alone works.
    generated = json.loads(generator["SecretStringTemplate"])
    generated[generator["GenerateStringKey"]] = "x" * generator["PasswordLength"]
    keys = KeySet.from_json(json.dumps(generated))
    assert len(keys.active.secret) * 8 >= 256
