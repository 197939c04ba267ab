"""Identity flows through the emulated API Gateway: route table, authorizer, function.

Requests go through infra.local.gateway.Gateway, so a protected route runs the real authorizer
(with its denylist and user checks) before the function, as it does deployed.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from satchel import settings
from satchel.auth.authorizer import default_authorizer
from satchel.identity.admin import default_user_administration
from satchel.identity.domain import UserView
from satchel.identity.service import IdentityService, default_identity_service
from satchel.observability import logger
from satchel.ratelimit.limiter import default_rate_limiter

from infra.local.gateway import Gateway, HttpRequest
from tests.support.events import authorizer_event

# Cheap scrypt so tests can create many users; the production cost is checked in unit tests.
TEST_PASSWORD_ENV = {"PASSWORD_SCRYPT_N": "1024", "PASSWORD_SCRYPT_R": "8", "PASSWORD_SCRYPT_P": "1"}
DEFAULT_IP = "198.51.100.10"
PASSWORD = "correct horse battery staple"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names
    body: Any

    @property
    def error(self) -> dict[str, Any]:
        return self.body["error"]

    def without_request_id(self) -> Any:
        """The body with the per-request correlation id removed, for comparing two replies."""
        if isinstance(self.body, dict) and "error" in self.body:
            return {**self.body, "error": {k: v for k, v in self.body["error"].items() if k != "requestId"}}
        return self.body


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def reset_identity_caches() -> None:
    settings.reset_cache()
    default_authorizer.cache_clear()
    default_identity_service.cache_clear()
    default_user_administration.cache_clear()
    default_rate_limiter.cache_clear()


def configure(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    """Change the functions' environment and forget everything built from it (a cold start)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    reset_identity_caches()


class IdentityApi:
    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.gateway = Gateway(stack, region="us-east-1")

    @classmethod
    def start(cls, stack: Any, monkeypatch: pytest.MonkeyPatch, **env: str) -> IdentityApi:
        configure(monkeypatch, **{**TEST_PASSWORD_ENV, **env})
        return cls(stack)

    @property
    def service(self) -> IdentityService:
        return default_identity_service()

    # -- raw requests -------------------------------------------------------------------------
    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        ip: str = DEFAULT_IP,
        headers: dict[str, str] | None = None,
        raw_body: str | None = None,
    ) -> Reply:
        sent = [("Host", "api.example.test"), ("Content-Type", "application/json"), *(headers or {}).items()]
        if token is not None:
            sent.append(("Authorization", f"Bearer {token}"))
        raw = raw_body.encode() if raw_body is not None else b"" if body is None else json.dumps(body).encode()
        response = self.gateway.handle(HttpRequest(method=method, target=path, headers=sent, body=raw, client_ip=ip))
        text = response.body.decode()
        return Reply(
            status=response.status,
            headers={name.lower(): value for name, value in response.headers},
            body=json.loads(text) if text else None,
        )

    # -- the endpoints ------------------------------------------------------------------------
    def login(self, email: str, password: str = PASSWORD, *, ip: str = DEFAULT_IP) -> Reply:
        return self.call("POST", "/auth/login", {"email": email, "password": password}, ip=ip)

    def refresh(self, refresh_token: str, *, ip: str = DEFAULT_IP) -> Reply:
        return self.call("POST", "/auth/refresh", {"refresh_token": refresh_token}, ip=ip)

    def logout(self, access_token: str) -> Reply:
        return self.call("POST", "/auth/logout", token=access_token)

    def me(self, access_token: str) -> Reply:
        return self.call("GET", "/auth/me", token=access_token)

    def create_user(self, access_token: str, body: Any) -> Reply:
        return self.call("POST", "/admin/users", body, token=access_token)

    def patch_user(self, access_token: str, user_id: str, body: Any) -> Reply:
        return self.call("PATCH", f"/admin/users/{user_id}", body, token=access_token)

    # -- composed steps -----------------------------------------------------------------------
    def user(self, email: str, *, roles: tuple[str, ...] = ("user",), password: str = PASSWORD) -> UserView:
        return self.service.create_user(email=email, password=password, roles=roles)

    def tokens(self, email: str, password: str = PASSWORD, *, ip: str = DEFAULT_IP) -> dict[str, Any]:
        response = self.login(email, password, ip=ip)
        assert response.status == 200, response
        tokens: dict[str, Any] = response.body
        return tokens

    def admin_token(self, email: str = "admin@example.com") -> str:
        self.user(email, roles=("admin", "user"))
        return str(self.tokens(email)["access_token"])

    def authorize(self, access_token: str) -> dict[str, Any]:
        """The authorizer's decision for a token; raises Exception('Unauthorized') when refused."""
        policy: dict[str, Any] = self.stack.invoke("authorizer", authorizer_event(access_token))
        return policy

    def is_accepted(self, access_token: str) -> bool:
        try:
            self.authorize(access_token)
        except Exception as exc:
            assert str(exc) == "Unauthorized", exc
            return False
        return True


class _CurrentStdout:
    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@contextmanager
def powertools_output(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Read what the functions print: Powertools JSON log lines (INFO and up) and EMF metric blobs.

    The Logger keeps the stdout it saw at import, which is not capsys's: for a while it writes to
    whatever sys.stdout is at the time of each line (capsys swaps it between test phases).
    """
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    previous_stream, previous_level = handler.stream, logger.log_level
    # Plain assignment: setStream would flush the old stream, which pytest may have closed.
    handler.stream = _CurrentStdout()
    logger.setLevel("INFO")
    try:
        yield lambda: [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    finally:
        handler.stream = previous_stream
        logger.setLevel(previous_level)


def claims_of(access_token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(access_token, options={"verify_signature": False})
    return decoded


def assert_error(response: Reply, status: int, code: str) -> None:
    assert response.status == status, response
    assert set(response.body) == {"error"}, response.body
    assert response.error["code"] == code, response.error
    assert response.error["message"]
    # The correlation id; for API Gateway's own errors that is its request id.
    assert response.error["requestId"] == response.headers["x-correlation-id"]
