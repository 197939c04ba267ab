"""TransferService rules, driven through the in-memory store and an offline botocore S3 client."""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from satchel import aws
from satchel.errors import Gone, InvalidRequest, NotFound, PayloadTooLarge
from satchel.schema import ContractValidator
from satchel.secrets import hash_token
from satchel.transfers.contract import START_UPLOAD
from satchel.transfers.domain import ArtifactStatus, Token, TokenKind, token_refusal
from satchel.transfers.service import TransferService, artifact_key, uuid_from_key
from satchel.transfers.settings import TransferSettings
from satchel.transfers.storage import ObjectStorage

from tests.support.transfer_fakes import InMemoryTransferStore

ENV = {
    "AWS_REGION": "us-east-1",
    "ARTIFACTS_BUCKET": "satchel-artifacts-test",
    "TOKENS_TABLE": "tokens",
    "ARTIFACTS_TABLE": "artifacts",
    "MAX_UPLOAD_BYTES": "1000",
}
SHA256 = base64.b64encode(hashlib.sha256(b"hello").digest()).decode()


class Clock:
    def __init__(self, now: float = 1_800_000_000) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store() -> InMemoryTransferStore:
    return InMemoryTransferStore()


@pytest.fixture
def service(store: InMemoryTransferStore, clock: Clock) -> TransferService:
    settings = TransferSettings.from_env(ENV)
    aws.reset_clients()
    storage = ObjectStorage(aws.s3_client(settings.aws), settings.bucket)
    return TransferService(settings=settings, store=store, storage=storage, clock=clock)  # type: ignore[arg-type]


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _upload_token(service: TransferService, max_uploads: int = 3) -> str:
    return service.issue_upload_token("user-1", max_uploads=max_uploads, expires_in=None).token


def _start(service: TransferService, token: str, **overrides: object):  # type: ignore[no-untyped-def]
    """Step 2 as the API runs it: the route's contract checks the fields' shapes, then the service."""
    fields: dict = {"filename": "a.txt", "content_type": "text/plain", "size": 5, "sha256": None, **overrides}
    body = {name: value for name, value in fields.items() if value is not None}
    ContractValidator(START_UPLOAD).validate(body=json.dumps(body), path={"token": token}, query=None, headers=None)
    return service.start_upload(token, **fields)


@pytest.mark.parametrize(
    "content_type",
    ["text", "text/", "/plain", "text/plain\r\nX-Evil: 1", "tëxt/plain", "text/plain; charset=\x00", "a/" + "b" * 300],
)
def test_content_type_must_be_a_header_safe_mime_type(service: TransferService, content_type: str) -> None:
    token = _upload_token(service)
    with pytest.raises(InvalidRequest) as caught:
        _start(service, token, content_type=content_type)
    assert caught.value.field == "content_type"


@pytest.mark.parametrize("content_type", ["text/plain", "application/vnd.api+json", "text/plain; charset=utf-8"])
def test_ordinary_content_types_are_accepted(service: TransferService, content_type: str) -> None:
    ticket = _start(service, _upload_token(service), content_type=content_type)
    assert ticket.headers["Content-Type"] == content_type


@pytest.mark.parametrize("filename", ["", "x" * 256, "a\nb.txt", "a\rb.txt", "a\x00b", "del\x7f"])
def test_filename_must_be_short_and_free_of_control_characters(service: TransferService, filename: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        _start(service, _upload_token(service), filename=filename)
    assert caught.value.field == "filename"


@pytest.mark.parametrize(
    "sha256",
    ["not base64!", base64.b64encode(b"short").decode(), hashlib.sha256(b"x").hexdigest(), SHA256[:-4]],
)
def test_sha256_must_be_base64_of_32_bytes(service: TransferService, sha256: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        _start(service, _upload_token(service), sha256=sha256)
    assert caught.value.field == "sha256"


def test_sha256_is_bound_into_the_signed_headers(service: TransferService) -> None:
    ticket = _start(service, _upload_token(service), sha256=SHA256)
    assert "x-amz-checksum-sha256" in _query(ticket.presigned_url)["X-Amz-SignedHeaders"].split(";")
    assert ticket.headers["x-amz-checksum-sha256"] == SHA256


def test_size_bounds(service: TransferService) -> None:
    token = _upload_token(service)
    with pytest.raises(InvalidRequest) as negative:
        _start(service, token, size=-1)
    assert negative.value.field == "size"
    with pytest.raises(PayloadTooLarge):
        _start(service, token, size=1001)
    assert _start(service, token, size=1000).headers["Content-Length"] == "1000"


def test_rejected_requests_do_not_use_up_the_token(service: TransferService, store: InMemoryTransferStore) -> None:
    token = _upload_token(service, max_uploads=1)
    with pytest.raises(PayloadTooLarge):
        _start(service, token, size=10_000)
    assert store.tokens[hash_token(token)].uses == 0


def test_upload_url_lives_fifteen_minutes_by_default(service: TransferService, clock: Clock) -> None:
    ticket = _start(service, _upload_token(service))
    assert _query(ticket.presigned_url)["X-Amz-Expires"] == "900"
    assert ticket.expires_at == int(clock.now) + 900


def test_artifact_key_is_server_generated(service: TransferService, store: InMemoryTransferStore) -> None:
    ticket = _start(service, _upload_token(service), filename="../../etc/passwd")
    artifact = store.artifacts[ticket.uuid]
    assert artifact.s3_key == artifact_key(ticket.uuid) == f"artifacts/{ticket.uuid}"
    assert "passwd" not in ticket.presigned_url
    assert artifact.status is ArtifactStatus.PENDING
    assert uuid_from_key(artifact.s3_key) == ticket.uuid


def test_uuid_from_key_rejects_foreign_keys() -> None:
    assert uuid_from_key("other/0b7d3c3e-8a53-4a57-9a0c-8f1f3c9f3a11") is None
    assert uuid_from_key("artifacts/not-a-uuid") is None


def test_expired_upload_token_is_gone_even_though_it_is_still_stored(
    service: TransferService, store: InMemoryTransferStore, clock: Clock
) -> None:
    token = service.issue_upload_token("user-1", max_uploads=1, expires_in=60).token
    clock.now += 60
    with pytest.raises(Gone) as caught:
        _start(service, token)
    assert caught.value.code == "TOKEN_EXPIRED"
    assert hash_token(token) in store.tokens


def test_exactly_max_uploads_succeed(service: TransferService) -> None:
    token = _upload_token(service, max_uploads=2)
    _start(service, token)
    _start(service, token)
    with pytest.raises(Gone) as caught:
        _start(service, token)
    assert caught.value.code == "UPLOAD_LIMIT_REACHED"


def test_unknown_and_malformed_tokens_are_not_found(service: TransferService) -> None:
    for token in ("x" * 43, "../../..", ""):
        with pytest.raises(NotFound):
            _start(service, token)


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("max_uploads", {"max_uploads": 0, "expires_in": None}),
        ("max_uploads", {"max_uploads": 1001, "expires_in": None}),
        ("expires_in", {"max_uploads": 1, "expires_in": 59}),
        ("expires_in", {"max_uploads": 1, "expires_in": 7 * 24 * 3600 + 1}),
    ],
)
def test_upload_token_numbers_are_bounded(service: TransferService, field: str, kwargs: dict) -> None:
    with pytest.raises(InvalidRequest) as caught:
        service.issue_upload_token("user-1", **kwargs)
    assert caught.value.field == field


def _active_artifact(service: TransferService, store: InMemoryTransferStore, filename: str = "a.txt") -> str:
    ticket = _start(service, _upload_token(service), filename=filename)
    assert store.transition_artifact(ticket.uuid, expected=ArtifactStatus.PENDING, new=ArtifactStatus.ACTIVE, now=0)
    return ticket.uuid


def test_download_redirect_is_a_one_minute_attachment(service: TransferService, store: InMemoryTransferStore) -> None:
    artifact_uuid = _active_artifact(service, store, filename='r"é\\x.txt')
    grant = service.issue_download_token("user-1", artifact_uuid=artifact_uuid, max_downloads=2, expires_in=None)
    redirect = service.redeem_download(grant.token)
    query = _query(redirect.location or "")
    assert query["X-Amz-Expires"] == "60"
    assert query["response-content-disposition"] == redirect.content_disposition
    assert redirect.content_disposition.startswith('attachment; filename="r\\"e')
    assert "\r" not in redirect.content_disposition and "\n" not in redirect.content_disposition
    assert redirect.remaining == 1


def test_head_does_not_consume(service: TransferService, store: InMemoryTransferStore) -> None:
    artifact_uuid = _active_artifact(service, store)
    grant = service.issue_download_token("user-1", artifact_uuid=artifact_uuid, max_downloads=1, expires_in=None)
    for _ in range(3):
        assert service.inspect_download(grant.token).location is None
    assert service.redeem_download(grant.token).remaining == 0
    with pytest.raises(Gone):
        service.redeem_download(grant.token)


def test_download_tokens_only_for_owned_active_artifacts(
    service: TransferService, store: InMemoryTransferStore
) -> None:
    pending = _start(service, _upload_token(service)).uuid
    active = _active_artifact(service, store)
    for owner, artifact_uuid in [("user-1", pending), ("user-2", active), ("user-1", "not-a-uuid")]:
        with pytest.raises(NotFound) as caught:
            service.issue_download_token(owner, artifact_uuid=artifact_uuid, max_downloads=None, expires_in=None)
        assert caught.value.code == "ARTIFACT_NOT_FOUND"


def test_expired_download_token_is_gone(service: TransferService, store: InMemoryTransferStore, clock: Clock) -> None:
    artifact_uuid = _active_artifact(service, store)
    grant = service.issue_download_token("user-1", artifact_uuid=artifact_uuid, max_downloads=5, expires_in=60)
    clock.now += 61
    with pytest.raises(Gone) as caught:
        service.redeem_download(grant.token)
    assert caught.value.code == "TOKEN_EXPIRED"
    with pytest.raises(Gone):
        service.inspect_download(grant.token)


def test_refusal_rule_names_the_situation_for_the_kind_presented() -> None:
    def token(kind: TokenKind = TokenKind.UPLOAD, *, uses: int = 0, expires_at: int = 2000) -> Token:
        return Token(token_hash="h", kind=kind, owner="u", uses=uses, max_uses=1, expires_at=expires_at)

    def answer(found: Token | None, kind: TokenKind = TokenKind.UPLOAD) -> tuple[str, str] | None:
        refusal = token_refusal(found, kind, now=1000)
        return None if refusal is None else (refusal.code, refusal.message)

    assert answer(token()) is None
    assert answer(None) == answer(token(TokenKind.DOWNLOAD)) == ("TOKEN_NOT_FOUND", "token not found")
    assert answer(token(uses=1)) == ("UPLOAD_LIMIT_REACHED", "this upload token has no uploads left")
    assert answer(token(TokenKind.DOWNLOAD, uses=1), TokenKind.DOWNLOAD) == (
        "DOWNLOAD_LIMIT_REACHED",
        "this download link has no downloads left",
    )
    # Expired wins over used up: the token could not be used any more whatever its count
    assert answer(token(uses=1, expires_at=1000)) == ("TOKEN_EXPIRED", "this upload token has expired")
