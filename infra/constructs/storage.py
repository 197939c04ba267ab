"""Artifact storage: the bucket, its access logs, and the upload-completion event queue.

S3 ObjectCreated events under artifacts/ go to an SQS queue (not straight to Lambda) so a
failing completion is retried per message and lands in a dead-letter queue instead of being
dropped; the local stack wires the bucket to a queue the same way.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from satchel.transfers.service import ARTIFACT_PREFIX

ACCESS_LOG_PREFIX = "artifacts-bucket/"
# Longest completion run the queue allows before redelivering a message; keep >= 6x the
# function timeout as Lambda's SQS guidance says.
UPLOAD_EVENTS_VISIBILITY = Duration.minutes(3)
MAX_RECEIVES = 5


class ArtifactStorage(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,  # log delivery only supports SSE-S3
            enforce_ssl=True,
            # Log delivery is granted by bucket policy (feature flag in infra/app.py), so no ACLs.
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(id="expire-access-logs", expiration=Duration.days(90))],
            removal_policy=removal_policy,
        )
        self.bucket = s3.Bucket(
            self,
            "Artifacts",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=ACCESS_LOG_PREFIX,
            # Browsers PUT/GET straight to S3 with presigned URLs. The URL is the credential and no
            # cookies are involved, so any origin may use one; ETag must be readable or a browser
            # cannot complete a multipart upload.
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.PUT, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
                    allowed_origins=["*"],
                    allowed_headers=["*"],
                    exposed_headers=["ETag"],
                    max_age=3000,
                )
            ],
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="abort-incomplete-multipart-uploads",
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            removal_policy=removal_policy,
        )

        self.upload_events_dlq = sqs.Queue(
            self,
            "UploadEventsDlq",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        # SSE-SQS, not KMS: S3 can only deliver to a KMS-encrypted queue through a customer key.
        self.upload_events = sqs.Queue(
            self,
            "UploadEvents",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=UPLOAD_EVENTS_VISIBILITY,
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.upload_events_dlq, max_receive_count=MAX_RECEIVES),
        )
        self.bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.SqsDestination(self.upload_events),
            s3.NotificationKeyFilter(prefix=ARTIFACT_PREFIX),
        )
