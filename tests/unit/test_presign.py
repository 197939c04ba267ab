"""Presigned URLs built offline with botocore and fake credentials: what is signed, and for how long."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from satchel import aws
from satchel.settings import AwsSettings
from satchel.transfers.storage import ObjectStorage

BUCKET = "satchel-artifacts-test"
SHA256 = base64.b64encode(hashlib.sha256(b"hello").digest()).decode()


@pytest.fixture
def storage() -> ObjectStorage:
    aws.reset_clients()
    # us-east-1 is where botocore would otherwise fall back to SigV2 for presigning.
    return ObjectStorage(aws.s3_client(AwsSettings("us-east-1", None, None)), BUCKET)


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _signed_headers(url: str) -> set[str]:
    return set(_query(url)["X-Amz-SignedHeaders"].split(";"))


def test_s3_client_is_configured_for_sigv4() -> None:
    aws.reset_clients()
    client = aws.s3_client(AwsSettings("us-east-1", None, None))
    assert client.meta.config.signature_version == "s3v4"


def test_put_url_is_sigv4_and_binds_length_type_and_no_overwrite(storage: ObjectStorage) -> None:
    url, headers = storage.presign_put("artifacts/x", size=5, content_type="text/plain", sha256=None, expires_in=900)
    query = _query(url)
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert "Signature" not in query  # the SigV2 parameter
    assert {"content-length", "content-type", "if-none-match", "host"} <= _signed_headers(url)
    assert "x-amz-checksum-sha256" not in _signed_headers(url)
    assert headers == {"Content-Length": "5", "Content-Type": "text/plain", "If-None-Match": "*"}


def test_checksum_is_a_signed_header_not_a_query_parameter(storage: ObjectStorage) -> None:
    url, headers = storage.presign_put("artifacts/x", size=5, content_type="text/plain", sha256=SHA256, expires_in=900)
    assert "x-amz-checksum-sha256" in _signed_headers(url)
    assert "x-amz-checksum-sha256" not in {k.lower() for k in _query(url)}
    assert headers["x-amz-checksum-sha256"] == SHA256


@pytest.mark.parametrize("sha256", [None, SHA256])
def test_returned_headers_are_exactly_what_was_signed(storage: ObjectStorage, sha256: str | None) -> None:
    url, headers = storage.presign_put("artifacts/x", size=42, content_type="image/png", sha256=sha256, expires_in=900)
    assert {name.lower() for name in headers} == _signed_headers(url) - {"host"}


def test_put_url_uses_virtual_host_addressing_on_aws(storage: ObjectStorage) -> None:
    url, _ = storage.presign_put("artifacts/x", size=1, content_type="text/plain", sha256=None, expires_in=900)
    parts = urlsplit(url)
    assert parts.hostname == f"{BUCKET}.s3.amazonaws.com"
    assert parts.path == "/artifacts/x"


def test_local_endpoint_uses_path_style() -> None:
    aws.reset_clients()
    client = aws.s3_client(AwsSettings("us-east-1", "http://127.0.0.1:5000", None))
    url, _ = ObjectStorage(client, BUCKET).presign_put(
        "artifacts/x", size=1, content_type="text/plain", sha256=None, expires_in=900
    )
    assert url.startswith(f"http://127.0.0.1:5000/{BUCKET}/artifacts/x?")


def test_get_url_forces_attachment_and_lives_a_minute(storage: ObjectStorage) -> None:
    url = storage.presign_get("artifacts/x", content_disposition='attachment; filename="a.txt"', expires_in=60)
    query = _query(url)
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Expires"] == "60"
    assert query["response-content-disposition"] == 'attachment; filename="a.txt"'


def test_a_deferred_storage_builds_its_client_on_first_use_once() -> None:
    aws.reset_clients()
    built: list[object] = []

    def make_client() -> object:
        built.append(aws.s3_client(AwsSettings("us-east-1", None, None)))
        return built[-1]

    storage = ObjectStorage.deferred(make_client, BUCKET)
    assert built == []  # issuing a token never needs S3
    first = storage.presign_get("artifacts/x", content_disposition="attachment", expires_in=60)
    storage.presign_put("artifacts/x", size=1, content_type="text/plain", sha256=None, expires_in=60)
    assert len(built) == 1
    assert storage.client is built[0]
    assert first.startswith(f"https://{BUCKET}.s3.amazonaws.com/artifacts/x?")
