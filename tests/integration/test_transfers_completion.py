"""The completion hook: S3 ObjectCreated (through SQS) activates or rejects the PENDING artifact."""

from __future__ import annotations

import json

from tests.integration.transfer_api import TransferApi
from tests.support.events import s3_notification, sqs_event


def _status(api: TransferApi, artifact_uuid: str) -> str:
    return str(api.artifact_item(artifact_uuid)["status"]["S"])


def _object_exists(api: TransferApi, key: str) -> bool:
    listing = api.stack.s3.list_objects_v2(Bucket=api.stack.names.bucket, Prefix=key)
    return any(entry["Key"] == key for entry in listing.get("Contents", []))


def test_matching_size_activates(api: TransferApi) -> None:
    artifact_uuid = api.pending_upload(b"hello")
    key = api.put_object(artifact_uuid, b"hello")

    result = api.notify(key)

    assert result == {"batchItemFailures": []}
    assert _status(api, artifact_uuid) == "ACTIVE"
    assert _object_exists(api, key)


def test_size_mismatch_fails_the_artifact_and_deletes_the_object(api: TransferApi) -> None:
    artifact_uuid = api.pending_upload(b"hello")
    key = api.put_object(artifact_uuid, b"hello, but longer")

    api.notify(key)

    assert _status(api, artifact_uuid) == "FAILED"
    assert not _object_exists(api, key)


def test_the_real_s3_notification_reaches_the_hook(api: TransferApi) -> None:
    # moto delivers the bucket notification to SQS with the key URL-encoded, as S3 does.
    artifact_uuid = api.pending_upload(b"hello")
    api.put_object(artifact_uuid, b"hello")
    messages = api.stack.sqs.receive_message(QueueUrl=api.stack.queue_url, MaxNumberOfMessages=10)["Messages"]

    result = api.stack.invoke("upload_complete", sqs_event(*(m["Body"] for m in messages)))

    assert result == {"batchItemFailures": []}
    assert _status(api, artifact_uuid) == "ACTIVE"


def test_url_encoded_keys_are_decoded(api: TransferApi) -> None:
    artifact_uuid = api.pending_upload(b"hello")
    api.put_object(artifact_uuid, b"hello")

    api.notify(f"artifacts%2F{artifact_uuid}")

    assert _status(api, artifact_uuid) == "ACTIVE"


def test_duplicate_events_change_nothing(api: TransferApi) -> None:
    artifact_uuid = api.pending_upload(b"hello")
    key = api.put_object(artifact_uuid, b"hello")
    api.notify(key)
    before = api.artifact_item(artifact_uuid)

    api.notify(key)
    api.notify(key, key)

    assert api.artifact_item(artifact_uuid) == before


def test_event_for_a_deleted_object_changes_nothing(api: TransferApi) -> None:
    # Given an event that arrives after its object is gone
    artifact_uuid = api.pending_upload(b"hello")
    key = api.put_object(artifact_uuid, b"hello")
    api.stack.s3.delete_object(Bucket=api.stack.names.bucket, Key=key)
    before = api.artifact_item(artifact_uuid)

    result = api.notify(key)

    assert result == {"batchItemFailures": []}
    assert api.artifact_item(artifact_uuid) == before


def test_late_event_for_an_active_artifact_changes_nothing(api: TransferApi) -> None:
    # Given an ACTIVE artifact, and then an older (or forged) event while a different-size object sits at the key
    artifact_uuid = api.active_artifact(b"hello")
    key = f"artifacts/{artifact_uuid}"
    before = api.artifact_item(artifact_uuid)
    api.put_object(artifact_uuid, b"something else entirely")

    api.notify(key)

    # Then the artifact stays ACTIVE and its object is not deleted
    assert api.artifact_item(artifact_uuid) == before
    assert _object_exists(api, key)


def test_failed_artifact_is_never_activated_and_a_reappearing_object_is_deleted(api: TransferApi) -> None:
    artifact_uuid = api.pending_upload(b"hello")
    key = api.put_object(artifact_uuid, b"too long!!")
    api.notify(key)
    api.put_object(artifact_uuid, b"hello")  # now the right size, but too late

    api.notify(key)

    assert _status(api, artifact_uuid) == "FAILED"
    assert not _object_exists(api, key)


def test_unknown_keys_and_other_buckets_are_ignored(api: TransferApi) -> None:
    artifact_uuid = api.pending_upload(b"hello")
    key = api.put_object(artifact_uuid, b"hello")
    foreign = s3_notification(key, bucket="someone-elses-bucket")
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": api.stack.names.bucket}
    unknown = s3_notification("artifacts/5b0a6a8e-3f4e-4c9e-9c1e-0f5d2a7b8c9d", bucket=api.stack.names.bucket)
    outside = s3_notification("elsewhere/file.txt", bucket=api.stack.names.bucket)

    result = api.stack.invoke("upload_complete", sqs_event(foreign, test_event, unknown, outside))

    assert result == {"batchItemFailures": []}
    assert _status(api, artifact_uuid) == "PENDING"


def test_a_failing_record_is_reported_and_the_others_still_succeed(api: TransferApi) -> None:
    # Given a batch with a poison message between two good ones
    first = api.pending_upload(b"one")
    second = api.pending_upload(b"two")
    good_1 = s3_notification(api.put_object(first, b"one"), bucket=api.stack.names.bucket)
    good_2 = s3_notification(api.put_object(second, b"two"), bucket=api.stack.names.bucket)

    result = api.stack.invoke("upload_complete", sqs_event(good_1, "{not json", good_2))

    # Then only the poison message is retried
    assert result == {"batchItemFailures": [{"itemIdentifier": "msg-1"}]}
    assert _status(api, first) == "ACTIVE"
    assert _status(api, second) == "ACTIVE"


def test_a_record_whose_processing_raises_is_reported(api: TransferApi) -> None:
    # Given S3 failing for one artifact (its object check raises), the batch still completes the rest
    ok = api.pending_upload(b"ok")
    broken = api.pending_upload(b"broken")
    ok_key, broken_key = api.put_object(ok, b"ok"), api.put_object(broken, b"broken")
    storage = api.service().storage
    real_size = storage.object_size

    def flaky_size(key: str) -> int | None:
        if key == broken_key:
            raise RuntimeError("simulated S3 outage")
        return real_size(key)

    storage.object_size = flaky_size  # type: ignore[method-assign]
    bodies = [json.dumps(s3_notification(k, bucket=api.stack.names.bucket)) for k in (broken_key, ok_key)]

    result = api.stack.invoke("upload_complete", sqs_event(*bodies))

    assert result == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    assert _status(api, ok) == "ACTIVE"
    assert _status(api, broken) == "PENDING"
