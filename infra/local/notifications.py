"""How S3 events reach the completion hook locally.

Deployed: S3 -> SQS queue -> Lambda event source mapping -> upload_complete (partial batch responses).
Locally the same chain: moto's S3 sends ObjectCreated notifications to the moto SQS queue, and
`QueuePoller` plays the event source mapping. rclone (strict S3 mode) sends no notifications, so
`BucketWatcher` lists the bucket and puts an S3-shaped notification on the same queue for every
new object; from there the path is identical.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from satchel.routes import UPLOAD_COMPLETE_FUNCTION

from infra.local.gateway import Functions

log = logging.getLogger("satchel.local.notifications")

BATCH_SIZE = 10
# Short long-polls keep shutdown quick; an empty receive costs nothing locally.
WAIT_SECONDS = 1
RETRY_PAUSE_SECONDS = 1.0
WATCH_INTERVAL_SECONDS = 0.5


class QueuePoller(threading.Thread):
    """The SQS event source mapping: receive a batch, invoke the function, delete what succeeded.

    Messages the function reports in batchItemFailures (or every message, if it crashes) stay on
    the queue and come back after the visibility timeout, as with Lambda.
    """

    def __init__(self, sqs: Any, queue_url: str, queue_arn: str, functions: Functions, *, region: str):
        super().__init__(name="sqs-poller", daemon=True)
        self._sqs, self._queue_url, self._queue_arn = sqs, queue_url, queue_arn
        self._functions, self._region = functions, region
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=WAIT_SECONDS + 5)

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll_once()
            except Exception:
                if self._stopping.is_set():
                    return
                log.exception("polling the upload events queue failed; retrying")
                self._stopping.wait(RETRY_PAUSE_SECONDS)

    def poll_once(self) -> None:
        received = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=BATCH_SIZE,
            WaitTimeSeconds=WAIT_SECONDS,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = received.get("Messages") or []
        if not messages:
            return
        try:
            result = self._functions.invoke(UPLOAD_COMPLETE_FUNCTION, self.sqs_event(messages))
            failed = {item["itemIdentifier"] for item in (result or {}).get("batchItemFailures") or []}
        except Exception:
            log.exception("%s failed; its messages will be retried", UPLOAD_COMPLETE_FUNCTION)
            return
        done = [m for m in messages if m["MessageId"] not in failed]
        if failed:
            log.warning("%d upload event(s) failed and will be retried", len(failed))
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )

    def sqs_event(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """The event Lambda's SQS event source mapping delivers for these messages."""
        return {
            "Records": [
                {
                    "messageId": message["MessageId"],
                    "receiptHandle": message["ReceiptHandle"],
                    "body": message["Body"],
                    "attributes": message.get("Attributes") or {},
                    "messageAttributes": message.get("MessageAttributes") or {},
                    "md5OfBody": message["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self._queue_arn,
                    "awsRegion": self._region,
                }
                for message in messages
            ]
        }


class BucketWatcher(threading.Thread):
    """Strict S3 mode: turn every new (key, ETag) under `prefix` into an ObjectCreated notification.

    rclone writes an upload to a temporary name and renames it when complete, so a listed object
    is always whole. A key that disappears is forgotten, so re-creating it notifies again.
    """

    def __init__(self, s3: Any, sqs: Any, *, bucket: str, prefix: str, queue_url: str, region: str):
        super().__init__(name="bucket-watcher", daemon=True)
        self._s3, self._sqs = s3, sqs
        self._bucket, self._prefix, self._queue_url, self._region = bucket, prefix, queue_url, region
        self._seen: dict[str, str] = {}
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=WATCH_INTERVAL_SECONDS + 5)

    def run(self) -> None:
        while not self._stopping.wait(WATCH_INTERVAL_SECONDS):
            try:
                self.scan_once()
            except Exception:
                if not self._stopping.is_set():
                    log.exception("watching the bucket failed; retrying")

    def scan_once(self) -> None:
        current: dict[str, dict[str, Any]] = {}
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=self._prefix):
            for entry in page.get("Contents") or []:
                current[entry["Key"]] = entry
        for key in set(self._seen) - set(current):
            del self._seen[key]
        for key, entry in current.items():
            if self._seen.get(key) == entry["ETag"]:
                continue
            self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps(self.notification(entry)))
            self._seen[key] = entry["ETag"]

    def notification(self, entry: dict[str, Any]) -> dict[str, Any]:
        """An S3 ObjectCreated:Put event as S3 would send it (keys URL-encoded, '+' for spaces)."""
        now = datetime.now(UTC)
        return {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "awsRegion": self._region,
                    "eventTime": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
                    "eventName": "ObjectCreated:Put",
                    "userIdentity": {"principalId": "local"},
                    "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                    "responseElements": {},
                    "s3": {
                        "s3SchemaVersion": "1.0",
                        "configurationId": "local-bucket-watcher",
                        "bucket": {
                            "name": self._bucket,
                            "ownerIdentity": {"principalId": "local"},
                            "arn": f"arn:aws:s3:::{self._bucket}",
                        },
                        "object": {
                            "key": quote_plus(entry["Key"], safe="/"),
                            "size": entry["Size"],
                            "eTag": entry["ETag"].strip('"'),
                            # S3 sequencers only grow for a key; nanoseconds do too.
                            "sequencer": f"{time.time_ns():018X}",
                        },
                    },
                }
            ]
        }
