"""Reading S3 event notifications (delivered through SQS) for the completion hook."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus


def created_object_keys(notification: dict[str, Any], *, bucket: str) -> list[str]:
    """Object keys of ObjectCreated records for `bucket`, URL-decoded as S3 encodes them.

    S3's one-off `s3:TestEvent` and records for other buckets or event types yield nothing.
    """
    keys = []
    for record in notification.get("Records") or []:
        if not str(record.get("eventName", "")).startswith("ObjectCreated:"):
            continue
        s3 = record.get("s3") or {}
        if (s3.get("bucket") or {}).get("name") != bucket:
            continue
        raw_key = (s3.get("object") or {}).get("key")
        if raw_key:
            keys.append(unquote_plus(raw_key))
    return keys
