"""Request helpers for the transfer flow tests: one call per contract step, responses decoded."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from satchel import settings
from satchel.transfers.service import TransferService, default_service

from tests.support.events import api_event, s3_notification, sqs_event


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def error(self) -> dict[str, Any]:
        return self.body["error"]

    @property
    def answer(self) -> tuple[int, str, str]:
        """Status, error code and message: what two refusals of the same situation must share."""
        return self.status, self.error["code"], self.error["message"]


def reply(raw: dict[str, Any]) -> Reply:
    headers = {k: v for k, v in (raw.get("headers") or {}).items()}
    for name, values in (raw.get("multiValueHeaders") or {}).items():
        headers[name] = values[-1]
    text = raw.get("body") or ""
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = text
    return Reply(status=raw["statusCode"], headers=headers, body=body)


def assert_error(response: Reply, status: int, code: str, *, field: str | None = None) -> None:
    assert response.status == status, response
    assert set(response.body) == {"error"}
    assert response.error["code"] == code, response.error
    assert response.error["message"]
    assert response.error["requestId"] == response.headers["X-Correlation-Id"]
    if field is not None:
        assert response.error["field"] == field
        assert field in response.error["message"]


class Clock:
    """A settable clock for TransferService.clock."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class TransferApi:
    """The five contract steps plus the completion hook, through the real handlers."""

    def __init__(self, stack: Any, owner: str = "user-1") -> None:
        self.stack = stack
        self.owner = owner

    def service(self) -> TransferService:
        return default_service()

    def upload_token(
        self, body: Any = None, *, raw_body: str | None = None, owner: str | None = None, **kw: Any
    ) -> Reply:
        event = api_event(
            "POST", "/genUploadPresignedURL", body=body, raw_body=raw_body, principal=owner or self.owner, **kw
        )
        return reply(self.stack.invoke("upload_token", event))

    def start_upload(self, token: str, body: Any = None, *, raw_body: str | None = None, **kw: Any) -> Reply:
        event = api_event(
            "POST",
            f"/artifacts/upload/{token}",
            resource="/artifacts/upload/{token}",
            path_parameters={"token": token},
            body=body,
            raw_body=raw_body,
            **kw,
        )
        return reply(self.stack.invoke("upload_token", event))

    def download_token(
        self, body: Any = None, *, raw_body: str | None = None, owner: str | None = None, **kw: Any
    ) -> Reply:
        event = api_event(
            "POST", "/genDownloadPresignedURL", body=body, raw_body=raw_body, principal=owner or self.owner, **kw
        )
        return reply(self.stack.invoke("download_redirect", event))

    def download(self, token: str, method: str = "GET") -> Reply:
        event = api_event(
            method, f"/artifacts/{token}", resource="/artifacts/{token}", path_parameters={"token": token}
        )
        return reply(self.stack.invoke("download_redirect", event))

    def notify(self, *keys: str) -> dict[str, Any]:
        bodies = [s3_notification(key, bucket=self.stack.names.bucket) for key in keys]
        result: dict[str, Any] = self.stack.invoke("upload_complete", sqs_event(*bodies))
        return result

    # -- composed steps -----------------------------------------------------------------------
    def new_upload_token(self, max_uploads: int = 1, **extra: Any) -> str:
        response = self.upload_token({"max_uploads": max_uploads, **extra})
        assert response.status == 200, response
        return str(response.body["token"])

    def pending_upload(self, content: bytes = b"hello", filename: str = "hello.txt") -> str:
        token = self.new_upload_token()
        response = self.start_upload(token, {"filename": filename, "content_type": "text/plain", "size": len(content)})
        assert response.status == 200, response
        return str(response.body["uuid"])

    def put_object(self, artifact_uuid: str, content: bytes) -> str:
        key = f"artifacts/{artifact_uuid}"
        self.stack.s3.put_object(Bucket=self.stack.names.bucket, Key=key, Body=content)
        return key

    def active_artifact(self, content: bytes = b"hello", filename: str = "hello.txt") -> str:
        artifact_uuid = self.pending_upload(content, filename)
        self.notify(self.put_object(artifact_uuid, content))
        assert self.artifact_item(artifact_uuid)["status"]["S"] == "ACTIVE"
        return artifact_uuid

    def download_link(self, artifact_uuid: str, max_downloads: int = 1, **extra: Any) -> str:
        response = self.download_token({"artifact_uuid": artifact_uuid, "max_downloads": max_downloads, **extra})
        assert response.status == 200, response
        return str(response.body["token"])

    # -- table inspection ---------------------------------------------------------------------
    def scan(self, logical: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.stack.dynamodb.scan(TableName=self.stack.names.table(logical))["Items"]
        return items

    def artifact_item(self, artifact_uuid: str) -> dict[str, Any]:
        item: dict[str, Any] = self.stack.dynamodb.get_item(
            TableName=self.stack.names.table("artifacts"), Key={"uuid": {"S": artifact_uuid}}, ConsistentRead=True
        )["Item"]
        return item


def reconfigure(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    """Change the function environment and forget what was built from the old one (a new cold start)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings.reset_cache()
    default_service.cache_clear()
