"""Reading S3 notifications: keys are URL-decoded; test events and other buckets are ignored."""

from __future__ import annotations

import pytest
from satchel.transfers.events import created_object_keys

from tests.support.events import s3_notification

BUCKET = "satchel-artifacts-local"


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [
        ("artifacts%2Fabc", "artifacts/abc"),
        ("artifacts/my+file+name.txt", "artifacts/my file name.txt"),
        ("artifacts/a%2Bb", "artifacts/a+b"),
        ("artifacts/r%C3%A9sum%C3%A9", "artifacts/résumé"),
    ],
)
def test_keys_are_url_decoded(encoded: str, decoded: str) -> None:
    assert created_object_keys(s3_notification(encoded, bucket=BUCKET), bucket=BUCKET) == [decoded]


def test_s3_test_event_yields_nothing() -> None:
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": BUCKET}
    assert created_object_keys(test_event, bucket=BUCKET) == []


def test_other_bucket_is_ignored() -> None:
    assert created_object_keys(s3_notification("artifacts/x", bucket="someone-else"), bucket=BUCKET) == []


def test_other_event_types_are_ignored() -> None:
    removed = s3_notification("artifacts/x", bucket=BUCKET, event_name="ObjectRemoved:Delete")
    assert created_object_keys(removed, bucket=BUCKET) == []


def test_multipart_completion_counts_as_created() -> None:
    done = s3_notification("artifacts/x", bucket=BUCKET, event_name="ObjectCreated:CompleteMultipartUpload")
    assert created_object_keys(done, bucket=BUCKET) == ["artifacts/x"]


def test_every_record_of_a_notification_is_read() -> None:
    first = s3_notification("artifacts/a", bucket=BUCKET)
    second = s3_notification("artifacts/b", bucket=BUCKET)
    first["Records"] += second["Records"]
    assert created_object_keys(first, bucket=BUCKET) == ["artifacts/a", "artifacts/b"]
