"""DynamoDB access for users, sessions (refresh families), refresh tokens and the denylist.

Every state change that must not race is one conditional write or one transaction; failures
become satchel.errors or the typed refusals below, never AWS exception types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from satchel.auth.revocations import sid_entry
from satchel.dynamo import bind, get_or_none, shared_connection
from satchel.errors import Conflict, NotFound, Unauthorized, dependency_failure
from satchel.identity.domain import RefreshToken, Session, User
from satchel.identity.models import RefreshTokenRecord, RevocationRecord, SessionRecord, UserEmailRecord, UserRecord
from satchel.identity.settings import IdentitySettings

CONDITION_FAILED = "ConditionalCheckFailedException"
TRANSACTION_CONDITION_FAILED = "ConditionalCheckFailed"


class RefusalReason(StrEnum):
    ALREADY_ROTATED = "already_rotated"  # reuse, or the loser of two concurrent refreshes
    EXPIRED = "expired"
    SESSION_REVOKED = "session_revoked"
    USER_INACTIVE = "user_inactive"


class RefreshRefused(Unauthorized):
    """A refresh token that cannot be exchanged. Clients only ever see the generic 401."""

    def __init__(self, reason: RefusalReason) -> None:
        super().__init__("invalid or expired refresh token", code="INVALID_REFRESH_TOKEN")
        self.reason = reason


@dataclass(frozen=True)
class Denial:
    """A denylist entry and when it may disappear (every token it denies has expired by then)."""

    entry: str
    until: int


def _to_user(record: UserRecord) -> User:
    return User(
        user_id=record.user_id,
        email=record.email,
        password_hash=record.password_hash,
        roles=tuple(str(role) for role in record.roles or ()),
        disabled=bool(record.disabled),
        revoked_before=int(record.revoked_before or 0),
        created_at=int(record.created_at),
        updated_at=int(record.updated_at),
    )


def _to_refresh(record: RefreshTokenRecord) -> RefreshToken:
    return RefreshToken(
        token_hash=record.token_hash,
        session_id=record.session_id,
        user_id=record.user_id,
        session_created_at=int(record.session_created_at),
        issued_at=int(record.issued_at),
        expires_at=int(record.expires_at),
        rotated_at=None if record.rotated_at is None else int(record.rotated_at),
    )


def _refresh_record(token: RefreshToken, *, ttl: int) -> RefreshTokenRecord:
    return RefreshTokenRecord(
        token_hash=token.token_hash,
        session_id=token.session_id,
        user_id=token.user_id,
        session_created_at=token.session_created_at,
        issued_at=token.issued_at,
        expires_at=token.expires_at,
        ttl=ttl,
    )


def _failed_items(exc: TransactWriteError) -> list[bool]:
    """Which items failed their condition. PynamoDB sends a transaction's items grouped as
    condition checks, deletes, puts, then updates (call order within each group), and
    cancellation reasons follow that request order."""
    return [
        reason is not None and reason.code == TRANSACTION_CONDITION_FAILED for reason in exc.cancellation_reasons or []
    ]


class IdentityStore:
    def __init__(self, settings: IdentitySettings) -> None:
        region, host = settings.aws.region, settings.aws.dynamodb_endpoint_url
        bind(UserRecord, table_name=settings.auth.users_table, region=region, host=host)
        bind(UserEmailRecord, table_name=settings.user_emails_table, region=region, host=host)
        bind(SessionRecord, table_name=settings.sessions_table, region=region, host=host)
        bind(RefreshTokenRecord, table_name=settings.refresh_tokens_table, region=region, host=host)
        bind(RevocationRecord, table_name=settings.auth.revocations_table, region=region, host=host)
        self._region, self._host = region, host

    @property
    def _connection(self) -> Connection:
        return shared_connection(self._region, self._host)

    # -- users --------------------------------------------------------------------------------
    def create_user(self, user: User) -> None:
        """Claim the email and write the user in one transaction, so emails stay unique."""
        try:
            with TransactWrite(connection=self._connection) as transaction:
                transaction.save(
                    UserEmailRecord(email=user.email, user_id=user.user_id),
                    condition=UserEmailRecord.email.does_not_exist(),
                )
                transaction.save(
                    UserRecord(
                        user_id=user.user_id,
                        email=user.email,
                        password_hash=user.password_hash,
                        roles=list(user.roles),
                        disabled=user.disabled,
                        revoked_before=user.revoked_before,
                        created_at=user.created_at,
                        updated_at=user.updated_at,
                    ),
                    condition=UserRecord.user_id.does_not_exist(),
                )
        except TransactWriteError as exc:
            failed = _failed_items(exc) + [False] * 2  # request order: email claim, then user
            if failed[0]:
                raise Conflict("a user with this email already exists", code="EMAIL_TAKEN") from exc
            if failed[1]:
                raise Conflict("a user with this id already exists", code="USER_EXISTS") from exc
            raise dependency_failure("dynamodb", "create_user", exc) from exc

    def get_user(self, user_id: str) -> User | None:
        record = get_or_none(UserRecord, user_id)
        return None if record is None else _to_user(record)

    def user_id_for_email(self, email: str) -> str | None:
        record = get_or_none(UserEmailRecord, email)
        return None if record is None else str(record.user_id)

    def update_user(
        self,
        user_id: str,
        *,
        now: int,
        roles: Sequence[str] | None = None,
        disabled: bool | None = None,
        revoke_tokens: bool = False,
    ) -> User:
        record = UserRecord(user_id=user_id)
        actions: list[Action] = [UserRecord.updated_at.set(now)]
        if roles is not None:
            actions.append(UserRecord.roles.set(cast(Any, list(roles))))  # stored as a list of strings
        if disabled is not None:
            actions.append(UserRecord.disabled.set(disabled))
        if revoke_tokens:
            actions.append(UserRecord.revoked_before.set(now))
        try:
            record.update(actions=actions, condition=UserRecord.user_id.exists())
        except UpdateError as exc:
            if exc.cause_response_code == CONDITION_FAILED:
                raise NotFound("user not found", code="USER_NOT_FOUND") from exc
            raise dependency_failure("dynamodb", "update_user", exc) from exc
        return _to_user(record)

    def replace_password_hash(self, user_id: str, *, expected: str, new: str, now: int) -> bool:
        """Swap the hash only if nobody changed it since we read it (rehash on login)."""
        try:
            UserRecord(user_id=user_id).update(
                actions=[UserRecord.password_hash.set(new), UserRecord.updated_at.set(now)],
                condition=UserRecord.password_hash == expected,
            )
        except UpdateError as exc:
            if exc.cause_response_code == CONDITION_FAILED:
                return False
            raise dependency_failure("dynamodb", "replace_password_hash", exc) from exc
        return True

    # -- sessions and refresh tokens ----------------------------------------------------------
    def start_session(self, session: Session, first: RefreshToken, *, ttl: int) -> None:
        try:
            with TransactWrite(connection=self._connection) as transaction:
                transaction.save(
                    SessionRecord(
                        session_id=session.session_id,
                        user_id=session.user_id,
                        created_at=session.created_at,
                        expires_at=session.expires_at,
                        ttl=ttl,
                    ),
                    condition=SessionRecord.session_id.does_not_exist(),
                )
                transaction.save(
                    _refresh_record(first, ttl=ttl), condition=RefreshTokenRecord.token_hash.does_not_exist()
                )
        except TransactWriteError as exc:
            raise dependency_failure("dynamodb", "start_session", exc) from exc

    def get_refresh_token(self, token_hash: str) -> RefreshToken | None:
        record = get_or_none(RefreshTokenRecord, token_hash)
        return None if record is None else _to_refresh(record)

    def rotate_refresh_token(self, old: RefreshToken, new: RefreshToken, *, now: int, ttl: int) -> None:
        """Exchange `old` for `new` in ONE transaction whose conditions decide the race.

        Of two concurrent exchanges of the same token exactly one can mark it rotated; the other
        fails its condition and is refused as ALREADY_ROTATED (the service treats it as reuse).
        The session must still be live and the user enabled and not revoked since login.
        """
        try:
            with TransactWrite(connection=self._connection) as transaction:
                transaction.update(
                    RefreshTokenRecord(token_hash=old.token_hash),
                    actions=[RefreshTokenRecord.rotated_at.set(now)],
                    condition=RefreshTokenRecord.token_hash.exists()
                    & RefreshTokenRecord.rotated_at.does_not_exist()
                    & (RefreshTokenRecord.expires_at > now),
                )
                transaction.save(
                    _refresh_record(new, ttl=ttl), condition=RefreshTokenRecord.token_hash.does_not_exist()
                )
                transaction.condition_check(
                    SessionRecord,
                    old.session_id,
                    condition=SessionRecord.revoked_at.does_not_exist() & (SessionRecord.expires_at > now),
                )
                transaction.condition_check(
                    UserRecord,
                    old.user_id,
                    condition=(UserRecord.disabled == False)  # noqa: E712 (a DynamoDB condition, not a Python test)
                    & (UserRecord.revoked_before < old.session_created_at),
                )
        except TransactWriteError as exc:
            # Request order: session check, user check, put successor, update old token.
            failed = _failed_items(exc) + [False] * 4
            if failed[3]:
                raise RefreshRefused(RefusalReason.ALREADY_ROTATED) from exc
            if failed[0]:
                raise RefreshRefused(RefusalReason.SESSION_REVOKED) from exc
            if failed[1]:
                raise RefreshRefused(RefusalReason.USER_INACTIVE) from exc
            raise dependency_failure("dynamodb", "rotate_refresh_token", exc) from exc

    def revoke_session(
        self, session_id: str, *, now: int, reason: str, denials: Sequence[Denial], owner: str | None = None
    ) -> None:
        """Mark the session revoked and write the denylist entries, atomically.

        Idempotent: an already-revoked session keeps its first revocation time and reason.
        `owner` guards logout: a session can only be ended by the user it belongs to.
        """
        condition = SessionRecord.session_id.exists()
        if owner is not None:
            condition &= SessionRecord.user_id == owner
        try:
            with TransactWrite(connection=self._connection) as transaction:
                transaction.update(
                    SessionRecord(session_id=session_id),
                    actions=[
                        SessionRecord.revoked_at.set(SessionRecord.revoked_at | now),
                        SessionRecord.revoked_reason.set(SessionRecord.revoked_reason | reason),
                    ],
                    condition=condition,
                )
                for denial in denials:
                    transaction.save(RevocationRecord(entry=denial.entry, ttl=denial.until))
        except TransactWriteError as exc:
            # Request order: the denylist puts, then the session update.
            if (_failed_items(exc) + [False] * (len(denials) + 1))[len(denials)]:
                raise NotFound("session not found", code="SESSION_NOT_FOUND") from exc
            raise dependency_failure("dynamodb", "revoke_session", exc) from exc

    def deny(self, denials: Sequence[Denial]) -> None:
        """Denylist entries without a session (a token minted outside login has no sid)."""
        try:
            with TransactWrite(connection=self._connection) as transaction:
                for denial in denials:
                    transaction.save(RevocationRecord(entry=denial.entry, ttl=denial.until))
        except TransactWriteError as exc:
            raise dependency_failure("dynamodb", "deny", exc) from exc

    @staticmethod
    def session_denial(session_id: str, *, until: int) -> Denial:
        return Denial(entry=sid_entry(session_id), until=until)
