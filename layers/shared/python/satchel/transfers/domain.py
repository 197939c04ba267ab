"""Domain objects of the transfers capability. Stores return these, never PynamoDB models."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TokenKind(StrEnum):
    UPLOAD = "upload"
    DOWNLOAD = "download"


class ArtifactStatus(StrEnum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    FAILED = "FAILED"


@dataclass(frozen=True)
class Token:
    token_hash: str
    kind: TokenKind
    owner: str
    uses: int
    max_uses: int
    expires_at: int
    artifact_uuid: str | None = None
    s3_key: str | None = None
    filename: str | None = None
    content_type: str | None = None
    size: int | None = None

    @property
    def remaining(self) -> int:
        return max(self.max_uses - self.uses, 0)

    def is_expired(self, now: float) -> bool:
        return now >= self.expires_at


@dataclass(frozen=True)
class Artifact:
    uuid: str
    owner: str
    filename: str
    content_type: str
    size: int
    s3_key: str
    status: ArtifactStatus
    created_at: int
    updated_at: int
    upload_token_hash: str
    sha256: str | None = None


@dataclass(frozen=True)
class UploadTokenGrant:
    token: str
    expires_at: int
    max_uploads: int


@dataclass(frozen=True)
class UploadTicket:
    uuid: str
    presigned_url: str
    headers: dict[str, str]
    expires_at: int


@dataclass(frozen=True)
class DownloadTokenGrant:
    token: str
    expires_at: int
    max_downloads: int


@dataclass(frozen=True)
class DownloadRedirect:
    location: str | None  # None for HEAD: a Location would be an uncounted download
    remaining: int
    content_disposition: str
    content_type: str
    size: int


class CompletionOutcome(StrEnum):
    ACTIVATED = "activated"
    REJECTED = "rejected"  # size mismatch: artifact FAILED, object deleted
    IGNORED = "ignored"  # unknown key, duplicate or out-of-order event
