"""Domain objects of the transfers capability. Stores return these, never PynamoDB models."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from satchel.errors import Gone, NotFound, SatchelError


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


# What a token that cannot be used answers, by kind. An unknown token has no known kind, so one
# answer serves both; expiry and exhaustion name the kind the caller presented.
_EXPIRED = {TokenKind.UPLOAD: "this upload token has expired", TokenKind.DOWNLOAD: "this download link has expired"}
_USED_UP = {
    TokenKind.UPLOAD: ("UPLOAD_LIMIT_REACHED", "this upload token has no uploads left"),
    TokenKind.DOWNLOAD: ("DOWNLOAD_LIMIT_REACHED", "this download link has no downloads left"),
}


def unknown_token() -> NotFound:
    return NotFound("token not found", code="TOKEN_NOT_FOUND")


def token_refusal(token: Token | None, kind: TokenKind, now: float) -> SatchelError | None:
    """Why `token` cannot be used as a `kind` token at `now`, as the error to answer; None if it can.

    The one rule for a token that cannot be used: the read before a use and the re-read after a
    conditional write that lost a race both call it, so one situation gets one code and message.
    Expiry wins over exhaustion: a used-up token that has also expired is reported as expired.
    """
    if token is None or token.kind is not kind:
        return unknown_token()
    if token.is_expired(now):
        return Gone(_EXPIRED[kind], code="TOKEN_EXPIRED")
    if token.remaining == 0:
        code, message = _USED_UP[kind]
        return Gone(message, code=code)
    return None


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
