"""Business rules of token-based transfers. Handlers call exactly one method per request."""

from __future__ import annotations

import time
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

from satchel.aws import s3_client
from satchel.errors import InvalidRequest, NotFound, PayloadTooLarge
from satchel.observability import logger
from satchel.secrets import hash_token, looks_like_token, new_token
from satchel.transfers.disposition import attachment
from satchel.transfers.domain import (
    Artifact,
    ArtifactStatus,
    CompletionOutcome,
    DownloadRedirect,
    DownloadTokenGrant,
    Token,
    TokenKind,
    UploadTicket,
    UploadTokenGrant,
    token_refusal,
    unknown_token,
)
from satchel.transfers.events import created_object_keys
from satchel.transfers.settings import TransferSettings, transfer_settings
from satchel.transfers.storage import ObjectStorage
from satchel.transfers.store import TransferStore

ARTIFACT_PREFIX = "artifacts/"
TTL_GRACE_SECONDS = 24 * 3600  # keep spent tokens a day past expiry so a late use still answers 410


def artifact_key(artifact_uuid: str) -> str:
    """Server-generated object key; the user's filename never reaches the key."""
    return f"{ARTIFACT_PREFIX}{artifact_uuid}"


def uuid_from_key(key: str) -> str | None:
    candidate = key.removeprefix(ARTIFACT_PREFIX)
    return candidate if key.startswith(ARTIFACT_PREFIX) and _is_uuid(candidate) else None


def _bounded(value: int, *, name: str, minimum: int, maximum: int) -> int:
    if not minimum <= value <= maximum:
        raise InvalidRequest(f"{name} must be between {minimum} and {maximum}", field=name)
    return value


@dataclass
class TransferService:
    settings: TransferSettings
    store: TransferStore
    storage: ObjectStorage
    clock: Callable[[], float] = field(default=time.time)

    @classmethod
    def from_settings(cls, settings: TransferSettings) -> TransferService:
        return cls(
            settings=settings,
            store=TransferStore(settings),
            storage=ObjectStorage.deferred(partial(s3_client, settings.aws), settings.bucket),
        )

    def _now(self) -> int:
        return int(self.clock())

    # -- step 1 -------------------------------------------------------------------------------
    def issue_upload_token(self, owner: str, *, max_uploads: int, expires_in: int | None) -> UploadTokenGrant:
        s = self.settings
        _bounded(max_uploads, name="max_uploads", minimum=1, maximum=s.max_uploads_limit)
        lifetime = _bounded(
            s.upload_token_ttl_default if expires_in is None else expires_in,
            name="expires_in",
            minimum=60,
            maximum=s.upload_token_ttl_max,
        )
        now = self._now()
        token = new_token()
        record = Token(
            token_hash=hash_token(token),
            kind=TokenKind.UPLOAD,
            owner=owner,
            uses=0,
            max_uses=max_uploads,
            expires_at=now + lifetime,
        )
        self.store.put_token(record, created_at=now, ttl=record.expires_at + TTL_GRACE_SECONDS)
        return UploadTokenGrant(token=token, expires_at=record.expires_at, max_uploads=max_uploads)

    # -- step 2 -------------------------------------------------------------------------------
    def start_upload(
        self, token: str, *, filename: str, content_type: str, size: int, sha256: str | None
    ) -> UploadTicket:
        # The fields' shapes (filename, content type, sha256, size >= 0) are the route's contract,
        # checked before this runs; the configured size limit is a rule of this service.
        if size > self.settings.max_upload_bytes:
            raise PayloadTooLarge(
                f"size exceeds the maximum of {self.settings.max_upload_bytes} bytes", code="FILE_TOO_LARGE"
            )
        upload = self._usable_token(token, TokenKind.UPLOAD)
        now = self._now()
        artifact_uuid = str(uuidlib.uuid4())
        artifact = Artifact(
            uuid=artifact_uuid,
            owner=upload.owner,
            filename=filename,
            content_type=content_type,
            size=size,
            s3_key=artifact_key(artifact_uuid),
            status=ArtifactStatus.PENDING,
            created_at=now,
            updated_at=now,
            upload_token_hash=upload.token_hash,
            sha256=sha256,
        )
        self.store.start_upload(upload.token_hash, artifact, now=now)
        ttl = self.settings.upload_url_ttl
        url, headers = self.storage.presign_put(
            artifact.s3_key, size=size, content_type=content_type, sha256=sha256, expires_in=ttl
        )
        return UploadTicket(uuid=artifact_uuid, presigned_url=url, headers=headers, expires_at=now + ttl)

    # -- step 4 -------------------------------------------------------------------------------
    def issue_download_token(
        self, owner: str, *, artifact_uuid: str, max_downloads: int | None, expires_in: int | None
    ) -> DownloadTokenGrant:
        s = self.settings
        downloads = _bounded(
            1 if max_downloads is None else max_downloads,
            name="max_downloads",
            minimum=1,
            maximum=s.max_downloads_limit,
        )
        lifetime = _bounded(
            s.download_token_ttl_default if expires_in is None else expires_in,
            name="expires_in",
            minimum=60,
            maximum=s.download_token_ttl_max,
        )
        artifact = self._owned_active_artifact(owner, artifact_uuid)
        now = self._now()
        token = new_token()
        record = Token(
            token_hash=hash_token(token),
            kind=TokenKind.DOWNLOAD,
            owner=owner,
            uses=0,
            max_uses=downloads,
            expires_at=now + lifetime,
            artifact_uuid=artifact.uuid,
            s3_key=artifact.s3_key,
            filename=artifact.filename,
            content_type=artifact.content_type,
            size=artifact.size,
        )
        self.store.put_token(record, created_at=now, ttl=record.expires_at + TTL_GRACE_SECONDS)
        return DownloadTokenGrant(token=token, expires_at=record.expires_at, max_downloads=downloads)

    # -- step 5 -------------------------------------------------------------------------------
    def redeem_download(self, token: str) -> DownloadRedirect:
        """GET: count one download, then hand out a short-lived presigned GET."""
        if not looks_like_token(token):
            raise unknown_token()
        spent = self.store.consume_download(hash_token(token), now=self._now())
        disposition = attachment(spent.filename or "download")
        location = self.storage.presign_get(
            spent.s3_key or "", content_disposition=disposition, expires_in=self.settings.download_url_ttl
        )
        return self._redirect(spent, disposition, location)

    def inspect_download(self, token: str) -> DownloadRedirect:
        """HEAD: the same headers as GET, no download counted and no usable Location."""
        current = self._usable_token(token, TokenKind.DOWNLOAD)
        return self._redirect(current, attachment(current.filename or "download"), None)

    @staticmethod
    def _redirect(token: Token, disposition: str, location: str | None) -> DownloadRedirect:
        return DownloadRedirect(
            location=location,
            remaining=token.remaining,
            content_disposition=disposition,
            content_type=token.content_type or "application/octet-stream",
            size=token.size or 0,
        )

    # -- completion hook ----------------------------------------------------------------------
    def complete_upload(self, key: str) -> CompletionOutcome:
        """Activate a PENDING artifact whose object has the declared size; reject it otherwise.

        Safe to repeat and to receive out of order: only PENDING artifacts change, and a FAILED
        artifact's object is deleted again if it somehow reappears.
        """
        artifact_uuid = uuid_from_key(key)
        artifact = self.store.get_artifact(artifact_uuid) if artifact_uuid else None
        if artifact is None or artifact.s3_key != key:
            logger.warning("object is not a known artifact", extra={"key": key})
            return CompletionOutcome.IGNORED
        if artifact.status is ArtifactStatus.ACTIVE:
            return CompletionOutcome.IGNORED
        stored_size = self.storage.object_size(key)
        if stored_size is None:
            return CompletionOutcome.IGNORED
        now = self._now()
        if artifact.status is ArtifactStatus.PENDING and stored_size == artifact.size:
            if self.store.transition_artifact(
                artifact.uuid, expected=ArtifactStatus.PENDING, new=ArtifactStatus.ACTIVE, now=now
            ):
                return CompletionOutcome.ACTIVATED
            return CompletionOutcome.IGNORED
        # Mark FAILED before deleting: if the delete fails, the retry finds FAILED and deletes again.
        self.store.transition_artifact(
            artifact.uuid, expected=ArtifactStatus.PENDING, new=ArtifactStatus.FAILED, now=now
        )
        logger.warning(
            "uploaded object does not match its declaration",
            extra={"uuid": artifact.uuid, "declared": artifact.size, "stored": stored_size},
        )
        self.storage.delete(key)
        return CompletionOutcome.REJECTED

    def complete_notification(self, notification: dict[str, Any]) -> list[CompletionOutcome]:
        """Apply one S3 event notification (possibly several records) for this bucket."""
        return [self.complete_upload(key) for key in created_object_keys(notification, bucket=self.settings.bucket)]

    # -- shared checks ------------------------------------------------------------------------
    def _usable_token(self, token: str, kind: TokenKind) -> Token:
        if not looks_like_token(token):
            raise unknown_token()
        found = self.store.get_token(hash_token(token))
        refusal = token_refusal(found, kind, self._now())
        if refusal is not None:
            raise refusal
        assert found is not None  # token_refusal refuses a missing token
        return found

    def _owned_active_artifact(self, owner: str, artifact_uuid: str) -> Artifact:
        # 404 for missing, foreign and inactive alike, so ids cannot be probed.
        artifact = self.store.get_artifact(artifact_uuid) if _is_uuid(artifact_uuid) else None
        if artifact is None or artifact.owner != owner or artifact.status is not ArtifactStatus.ACTIVE:
            raise NotFound("artifact not found", code="ARTIFACT_NOT_FOUND")
        return artifact


def _is_uuid(value: str) -> bool:
    try:
        return str(uuidlib.UUID(value)) == value
    except ValueError:
        return False


@lru_cache(maxsize=1)
def default_service() -> TransferService:
    """The process-wide service, built on first use from validated settings."""
    return TransferService.from_settings(transfer_settings())
