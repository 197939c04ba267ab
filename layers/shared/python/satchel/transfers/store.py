"""DynamoDB access for tokens and artifacts. Every limit is one conditional write.

Translates PynamoDB/botocore failures into satchel.errors so nothing above this layer sees
AWS exception types.
"""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from satchel.dynamo import bind, get_or_none, shared_connection
from satchel.errors import SatchelError, dependency_failure
from satchel.transfers.domain import Artifact, ArtifactStatus, Token, TokenKind, token_refusal
from satchel.transfers.models import ArtifactRecord, TokenRecord
from satchel.transfers.settings import TransferSettings

CONDITION_FAILED = "ConditionalCheckFailedException"


def _to_token(record: TokenRecord) -> Token:
    return Token(
        token_hash=record.token_hash,
        kind=TokenKind(record.kind),
        owner=record.owner,
        uses=int(record.uses),
        max_uses=int(record.max_uses),
        expires_at=int(record.expires_at),
        artifact_uuid=record.artifact_uuid,
        s3_key=record.s3_key,
        filename=record.filename,
        content_type=record.content_type,
        size=None if record.size is None else int(record.size),
    )


def _to_artifact(record: ArtifactRecord) -> Artifact:
    return Artifact(
        uuid=record.uuid,
        owner=record.owner,
        filename=record.filename,
        content_type=record.content_type,
        size=int(record.size),
        s3_key=record.s3_key,
        status=ArtifactStatus(record.status),
        created_at=int(record.created_at),
        updated_at=int(record.updated_at),
        upload_token_hash=record.upload_token_hash,
        sha256=record.sha256,
    )


def _token_record(token: Token, *, created_at: int, ttl: int) -> TokenRecord:
    return TokenRecord(
        token_hash=token.token_hash,
        kind=token.kind.value,
        owner=token.owner,
        uses=token.uses,
        max_uses=token.max_uses,
        expires_at=token.expires_at,
        ttl=ttl,
        created_at=created_at,
        artifact_uuid=token.artifact_uuid,
        s3_key=token.s3_key,
        filename=token.filename,
        content_type=token.content_type,
        size=token.size,
    )


def _artifact_record(artifact: Artifact) -> ArtifactRecord:
    return ArtifactRecord(
        uuid=artifact.uuid,
        owner=artifact.owner,
        filename=artifact.filename,
        content_type=artifact.content_type,
        size=artifact.size,
        sha256=artifact.sha256,
        s3_key=artifact.s3_key,
        status=artifact.status.value,
        created_at=artifact.created_at,
        updated_at=artifact.updated_at,
        upload_token_hash=artifact.upload_token_hash,
    )


def _usable(kind: TokenKind, now: int):  # type: ignore[no-untyped-def]
    """The condition every token use must meet at write time: right kind, not expired, not used up."""
    return (TokenRecord.kind == kind.value) & (TokenRecord.expires_at > now) & (TokenRecord.uses < TokenRecord.max_uses)


class TransferStore:
    def __init__(self, settings: TransferSettings):
        region, host = settings.aws.region, settings.aws.dynamodb_endpoint_url
        bind(TokenRecord, table_name=settings.tokens_table, region=region, host=host)
        bind(ArtifactRecord, table_name=settings.artifacts_table, region=region, host=host)
        self._region, self._host = region, host

    @property
    def _connection(self) -> Connection:
        return shared_connection(self._region, self._host)

    # -- tokens -------------------------------------------------------------------------------
    def put_token(self, token: Token, *, created_at: int, ttl: int) -> None:
        record = _token_record(token, created_at=created_at, ttl=ttl)
        try:
            record.save(condition=TokenRecord.token_hash.does_not_exist())
        except PutError as exc:
            raise dependency_failure("dynamodb", "put_token", exc) from exc

    def get_token(self, token_hash: str) -> Token | None:
        record = get_or_none(TokenRecord, token_hash)
        return None if record is None else _to_token(record)

    def start_upload(self, token_hash: str, artifact: Artifact, *, now: int) -> None:
        """Count one use of an upload token and record its PENDING artifact, atomically."""
        try:
            with TransactWrite(connection=self._connection) as transaction:
                transaction.update(
                    TokenRecord(token_hash=token_hash),
                    actions=[TokenRecord.uses.add(1)],
                    condition=_usable(TokenKind.UPLOAD, now),
                )
                transaction.save(_artifact_record(artifact), condition=ArtifactRecord.uuid.does_not_exist())
        except TransactWriteError as exc:
            # PynamoDB sends puts before updates, so the token's reason is not first; the artifact's
            # own condition (a fresh uuid4 must not exist) cannot realistically fail.
            reasons = exc.cancellation_reasons or []
            if any(reason is not None and reason.code == "ConditionalCheckFailed" for reason in reasons):
                # The token was valid when read: it expired since, or another request took the last
                # upload first. Only this failure path pays for the second read that tells which.
                raise self._lost_race(token_hash, TokenKind.UPLOAD, now, "start_upload", exc) from exc
            raise dependency_failure("dynamodb", "start_upload", exc) from exc

    def consume_download(self, token_hash: str, *, now: int) -> Token:
        """Count one download in a single conditional update; 404 unknown, 410 expired or used up."""
        record = TokenRecord(token_hash=token_hash)
        try:
            record.update(actions=[TokenRecord.uses.add(1)], condition=_usable(TokenKind.DOWNLOAD, now))
        except UpdateError as exc:
            if exc.cause_response_code != CONDITION_FAILED:
                raise dependency_failure("dynamodb", "consume_download", exc) from exc
            raise self._lost_race(token_hash, TokenKind.DOWNLOAD, now, "consume_download", exc) from exc
        return _to_token(record)

    def _lost_race(self, token_hash: str, kind: TokenKind, now: int, operation: str, exc: Exception) -> SatchelError:
        """A use's condition failed: re-read the token and answer as a read would have."""
        refusal = token_refusal(self.get_token(token_hash), kind, now)
        # Uses only grow and expiry is fixed, so a token the write refused never reads usable again;
        # if it does, a condition other than the token's failed, which is not the caller's doing.
        return refusal if refusal is not None else dependency_failure("dynamodb", operation, exc)

    # -- artifacts ----------------------------------------------------------------------------
    def get_artifact(self, uuid: str) -> Artifact | None:
        record = get_or_none(ArtifactRecord, uuid)
        return None if record is None else _to_artifact(record)

    def transition_artifact(self, uuid: str, *, expected: ArtifactStatus, new: ArtifactStatus, now: int) -> bool:
        """Move an artifact between states only from `expected`; False if it was not in that state."""
        try:
            ArtifactRecord(uuid=uuid).update(
                actions=[ArtifactRecord.status.set(new.value), ArtifactRecord.updated_at.set(now)],
                condition=ArtifactRecord.uuid.exists() & (ArtifactRecord.status == expected.value),
            )
        except UpdateError as exc:
            if exc.cause_response_code == CONDITION_FAILED:
                return False
            raise dependency_failure("dynamodb", "transition_artifact", exc) from exc
        return True
