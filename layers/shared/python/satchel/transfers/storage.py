"""S3 side of transfers: presigned PUT/GET and the object checks of the completion hook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from satchel.errors import dependency_failure

NOT_FOUND_CODES = {"404", "NoSuchKey", "NotFound"}


class ObjectStorage:
    """`client` is an S3 client, or a function that builds one on first use (`deferred`)."""

    def __init__(self, client: Any, bucket: str):
        self._client = client
        self._bucket = bucket
        self._make_client: Callable[[], Any] | None = None

    @classmethod
    def deferred(cls, make_client: Callable[[], Any], bucket: str) -> ObjectStorage:
        """Storage that builds its S3 client when a request first needs S3. Issuing a token never
        does, and S3's is the largest service model botocore loads: built at cold start it was a
        third of a transfer function's (docs/benchmarks.md)."""
        storage = cls(None, bucket)
        storage._make_client = make_client
        return storage

    @property
    def client(self) -> Any:
        if self._client is None and self._make_client is not None:
            self._client = self._make_client()
        return self._client

    def presign_put(
        self, key: str, *, size: int, content_type: str, sha256: str | None, expires_in: int
    ) -> tuple[str, dict[str, str]]:
        """A SigV4 PUT URL binding length, type, checksum and no-overwrite; plus the headers to send."""
        params: dict[str, Any] = {
            "Bucket": self._bucket,
            "Key": key,
            "ContentLength": size,
            "ContentType": content_type,
            "IfNoneMatch": "*",
        }
        headers = {"Content-Length": str(size), "Content-Type": content_type, "If-None-Match": "*"}
        if sha256 is not None:
            params["ChecksumSHA256"] = sha256
            headers["x-amz-checksum-sha256"] = sha256
        url = self.client.generate_presigned_url("put_object", Params=params, ExpiresIn=expires_in)
        return url, headers

    def presign_get(self, key: str, *, content_disposition: str, expires_in: int) -> str:
        params = {"Bucket": self._bucket, "Key": key, "ResponseContentDisposition": content_disposition}
        url: str = self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)
        return url

    def object_size(self, key: str) -> int | None:
        """Size of the stored object, or None when there is no such object."""
        try:
            response = self.client.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in NOT_FOUND_CODES:
                return None
            raise dependency_failure("s3", "head_object", exc) from exc
        except BotoCoreError as exc:
            raise dependency_failure("s3", "head_object", exc) from exc
        return int(response["ContentLength"])

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self._bucket, Key=key)
        except (ClientError, BotoCoreError) as exc:
            raise dependency_failure("s3", "delete_object", exc) from exc
