"""Login, refresh rotation with reuse detection, logout and the caller's own account.

Handlers call exactly one method per request. Every refusal a client could use to probe
accounts (unknown email, wrong password, disabled user) is the same 401 after the same work.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from satchel.auth import access_tokens
from satchel.auth.keys import KeySetProvider
from satchel.auth.revocations import jti_entry
from satchel.errors import InvalidRequest, NotFound, Unauthorized
from satchel.identity.domain import (
    MAX_EMAIL_CHARS,
    MAX_PASSWORD_CHARS,
    RefreshToken,
    Role,
    Session,
    TokenPair,
    User,
    UserView,
    normalize_email,
    valid_email,
    valid_new_password,
    valid_roles,
)
from satchel.identity.lockout import LoginAttemptStore, LoginThrottle
from satchel.identity.passwords import PasswordHasher, ScryptParams
from satchel.identity.settings import IdentitySettings, identity_settings
from satchel.identity.store import Denial, IdentityStore, RefreshRefused, RefusalReason
from satchel.observability import logger, metrics
from satchel.secrets import hash_token, looks_like_token, new_token

# Denylist entries outlive the tokens they deny by the verifier's clock leeway.
DENY_SLACK_SECONDS = access_tokens.LEEWAY_SECONDS + 60
# Records of a family stay until a day after it could last be used, for reuse detection.
FAMILY_RETENTION_SECONDS = 24 * 3600
_USER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
NO_SUCH_USER_ID = "~"  # outside _USER_ID's alphabet, so no account can have it


def _invalid_credentials() -> Unauthorized:
    return Unauthorized("email or password is incorrect", code="INVALID_CREDENTIALS")


def _invalid_refresh() -> Unauthorized:
    return Unauthorized("invalid or expired refresh token", code="INVALID_REFRESH_TOKEN")


@dataclass
class IdentityService:
    settings: IdentitySettings
    store: IdentityStore
    keys: KeySetProvider
    hasher: PasswordHasher
    throttle: LoginThrottle
    clock: Callable[[], float] = field(default=time.time)

    @classmethod
    def from_settings(cls, settings: IdentitySettings) -> IdentityService:
        auth, pw = settings.auth, settings.passwords
        return cls(
            settings=settings,
            store=IdentityStore(settings),
            keys=KeySetProvider.from_settings(auth),
            hasher=PasswordHasher(ScryptParams(pw.scrypt_n, pw.scrypt_r, pw.scrypt_p)),
            throttle=LoginThrottle(
                LoginAttemptStore(settings.aws, settings.rate_limits_table),
                max_failures=settings.login_max_failures,
                window_seconds=settings.login_failure_window,
            ),
        )

    def _now(self) -> int:
        return int(self.clock())

    # -- login --------------------------------------------------------------------------------
    def login(self, email: str, password: str, *, source_ip: str | None = None) -> TokenPair:
        """`source_ip`: the caller's address as API Gateway saw it (requestContext.identity.sourceIp).
        Failures are counted per account and address; without one, per account alone."""
        normalized = normalize_email(email)
        # Length bounds answer 400 whether or not the account exists, so they reveal nothing.
        if len(normalized) > MAX_EMAIL_CHARS:
            raise InvalidRequest("email is too long", field="email")
        if len(password) > MAX_PASSWORD_CHARS:
            raise InvalidRequest("password is too long", field="password")
        attempt = self.throttle.reserve_attempt(normalized, source_ip)
        user_id = self.store.user_id_for_email(normalized) if normalized else None
        # An unknown email still reads a user record (one that cannot exist), so both paths make
        # the same DynamoDB calls as well as the same password work.
        user = self.store.get_user(user_id or NO_SUCH_USER_ID)
        # Exactly one scrypt on every path: against the stored hash, or a dummy of the same cost.
        matches = self.hasher.verify(password, user.password_hash if user else None)
        if user is None or not matches or user.disabled:
            logger.info("login failed")  # the reserved attempt stays counted as a failure
            raise _invalid_credentials()
        self.throttle.clear(attempt)
        now = self._now()
        if self.hasher.needs_rehash(user.password_hash):
            self.store.replace_password_hash(
                user.user_id, expected=user.password_hash, new=self.hasher.hash(password), now=now
            )
        return self._start_session(user, now)

    def _start_session(self, user: User, now: int) -> TokenPair:
        s = self.settings
        session = Session(
            session_id=uuid.uuid4().hex,
            user_id=user.user_id,
            created_at=now,
            expires_at=now + s.session_max_lifetime,
        )
        raw_refresh = new_token()
        first = RefreshToken(
            token_hash=hash_token(raw_refresh),
            session_id=session.session_id,
            user_id=user.user_id,
            session_created_at=now,
            issued_at=now,
            expires_at=min(now + s.refresh_token_ttl, session.expires_at),
            rotated_at=None,
        )
        self.store.start_session(session, first, ttl=session.expires_at + FAMILY_RETENTION_SECONDS)
        return self._pair(user, session.session_id, raw_refresh, first.expires_at, now)

    def _pair(self, user: User, session_id: str, raw_refresh: str, refresh_expires_at: int, now: int) -> TokenPair:
        s = self.settings
        access = access_tokens.mint(
            self.keys.get(),
            sub=user.user_id,
            roles=user.roles,
            issuer=s.auth.jwt_issuer,
            audience=s.auth.jwt_audience,
            ttl=s.access_token_ttl,
            now=now,
            session_id=session_id,
        )
        return TokenPair(
            access_token=access,
            refresh_token=raw_refresh,
            expires_in=s.access_token_ttl,
            refresh_expires_in=refresh_expires_at - now,
        )

    # -- refresh ------------------------------------------------------------------------------
    def refresh(self, refresh_token: str) -> TokenPair:
        if not looks_like_token(refresh_token):
            raise _invalid_refresh()
        now = self._now()
        current = self.store.get_refresh_token(hash_token(refresh_token))
        if current is None:
            raise _invalid_refresh()
        if current.rotated_at is not None:
            self._reuse_detected(current, now)
            raise _invalid_refresh()
        if current.is_expired(now):
            raise _invalid_refresh()
        user = self.store.get_user(current.user_id)
        if user is None or user.disabled or user.revoked_before >= current.session_created_at:
            raise _invalid_refresh()
        raw_next = new_token()
        session_end = current.session_created_at + self.settings.session_max_lifetime
        successor = RefreshToken(
            token_hash=hash_token(raw_next),
            session_id=current.session_id,
            user_id=current.user_id,
            session_created_at=current.session_created_at,
            issued_at=now,
            expires_at=min(now + self.settings.refresh_token_ttl, session_end),
            rotated_at=None,
        )
        try:
            self.store.rotate_refresh_token(current, successor, now=now, ttl=session_end + FAMILY_RETENTION_SECONDS)
        except RefreshRefused as refused:
            if refused.reason is RefusalReason.ALREADY_ROTATED:
                self._reuse_detected(current, now)
            logger.info("refresh refused", extra={"reason": refused.reason.value})
            raise _invalid_refresh() from None
        return self._pair(user, current.session_id, raw_next, successor.expires_at, now)

    def _reuse_detected(self, token: RefreshToken, now: int) -> None:
        """A rotated token came back: whoever holds the family now may be an attacker. End it,
        including every access token issued for it (the sid denylist entry)."""
        logger.warning("refresh token reuse: revoking its session", extra={"session_id": token.session_id})
        metrics.add_metric(name="RefreshTokenReuse", unit="Count", value=1)
        try:
            self.store.revoke_session(
                token.session_id,
                now=now,
                reason="refresh_token_reuse",
                denials=[self.store.session_denial(token.session_id, until=self._last_access_expiry(now))],
            )
        except NotFound:
            logger.warning("reused token's session is gone")

    def _last_access_expiry(self, now: int) -> int:
        return now + self.settings.access_token_ttl + DENY_SLACK_SECONDS

    # -- logout -------------------------------------------------------------------------------
    def logout(
        self, user_id: str, *, token_id: str | None, session_id: str | None, token_expires_at: int | None
    ) -> None:
        """Deny this access token until it expires and end its session (refresh family)."""
        if not token_id:
            raise Unauthorized("the access token has no id to revoke", code="INVALID_TOKEN")
        now = self._now()
        expires = token_expires_at if token_expires_at is not None else now + self.settings.access_token_ttl
        denials = [Denial(entry=jti_entry(token_id), until=expires + DENY_SLACK_SECONDS)]
        if session_id is None:
            self.store.deny(denials)  # a token minted outside login (local tooling) has no session
            return
        denials.append(self.store.session_denial(session_id, until=self._last_access_expiry(now)))
        self.store.revoke_session(session_id, now=now, reason="logout", denials=denials, owner=user_id)

    # -- the caller's account -----------------------------------------------------------------
    def me(self, user_id: str) -> UserView:
        user = self.store.get_user(user_id)
        if user is None:
            raise NotFound("user not found", code="USER_NOT_FOUND")
        return UserView.of(user)

    # -- provisioning (admin API, bootstrap command, local seeding) ---------------------------
    def create_user(self, *, email: str, password: str, roles: Iterable[str], user_id: str | None = None) -> UserView:
        if user_id is not None and not _USER_ID.match(user_id):
            raise InvalidRequest("id must be 1 to 64 letters, digits, '-' or '_'", field="id")
        now = self._now()
        user = User(
            user_id=user_id or str(uuid.uuid4()),
            email=valid_email(email),
            password_hash=self.hasher.hash(valid_new_password(password)),
            roles=valid_roles(list(roles)),
            disabled=False,
            revoked_before=0,
            created_at=now,
            updated_at=now,
        )
        self.store.create_user(user)
        logger.info("user created", extra={"user_id": user.user_id, "roles": list(user.roles)})
        return UserView.of(user)

    def ensure_user(
        self, *, email: str, password: str, roles: Iterable[str], user_id: str | None = None
    ) -> tuple[UserView, bool]:
        """Create the user unless the email is taken; (view, created). Existing users are left
        untouched (their password may have been changed on purpose)."""
        existing_id = self.store.user_id_for_email(normalize_email(email))
        existing = self.store.get_user(existing_id) if existing_id else None
        if existing is not None:
            return UserView.of(existing), False
        return self.create_user(email=email, password=password, roles=roles, user_id=user_id), True

    def grant_roles(self, user_id: str, roles: Iterable[str]) -> UserView:
        user = self.store.get_user(user_id)
        if user is None:
            raise NotFound("user not found", code="USER_NOT_FOUND")
        merged = valid_roles(sorted({*user.roles, *roles}))
        return UserView.of(self.store.update_user(user_id, now=self._now(), roles=merged))

    def update_user(self, user_id: str, *, roles: Iterable[str] | None, disabled: bool | None) -> UserView:
        """Disabling also voids every access token and session issued so far (revoked_before),
        so re-enabling a user does not bring old tokens back."""
        updated = self.store.update_user(
            user_id,
            now=self._now(),
            roles=None if roles is None else valid_roles(list(roles)),
            disabled=disabled,
            revoke_tokens=disabled is True,
        )
        logger.info("user updated", extra={"user_id": user_id, "disabled": disabled, "roles": roles})
        return UserView.of(updated)


DEFAULT_ROLES = (Role.USER.value,)


@lru_cache(maxsize=1)
def default_identity_service() -> IdentityService:
    return IdentityService.from_settings(identity_settings())
