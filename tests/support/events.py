"""Factories over the JSON events in tests/events: vary only what a test cares about."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parent.parent / "events"


@cache
def _load(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def api_event(
    method: str,
    path: str,
    *,
    resource: str | None = None,
    body: Any = None,
    raw_body: str | None = None,
    headers: dict[str, str] | None = None,
    path_parameters: dict[str, str] | None = None,
    principal: str | None = None,
    roles: str = "user",  # what the authorizer passes on for an ordinary account
) -> dict[str, Any]:
    event = copy.deepcopy(_load("api_rest_proxy.json"))
    event["httpMethod"] = method
    event["path"] = path
    event["resource"] = resource or path
    event["requestContext"]["httpMethod"] = method
    event["requestContext"]["resourcePath"] = resource or path
    event["requestContext"]["path"] = f"/{event['requestContext']['stage']}{path}"
    event["headers"].update(headers or {})
    event["pathParameters"] = path_parameters
    if raw_body is not None:
        event["body"] = raw_body
    elif body is not None:
        event["body"] = json.dumps(body)
    if principal is not None:
        event["requestContext"]["authorizer"] = {"principalId": principal, "roles": roles}
    return event


def authorizer_event(
    token: str | None,
    *,
    scheme: str = "Bearer",
    headers: dict[str, str] | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """The REQUEST authorizer event the API sends; token None leaves out the Authorization header."""
    event = copy.deepcopy(_load("authorizer_request.json"))
    sent = {k: v for k, v in event["headers"].items() if k != "Authorization"}
    if token is not None:
        sent["Authorization"] = f"{scheme} {token}"
    sent.update(headers or {})
    event["headers"] = sent
    event["multiValueHeaders"] = {name: [value] for name, value in sent.items()}
    if request_id is not None:
        event["requestContext"]["requestId"] = request_id
    return event


def s3_notification(key: str, *, bucket: str, event_name: str = "ObjectCreated:Put", size: int = 0) -> dict[str, Any]:
    notification = copy.deepcopy(_load("s3_object_created.json"))
    record = notification["Records"][0]
    record["eventName"] = event_name
    record["s3"]["bucket"]["name"] = bucket
    record["s3"]["bucket"]["arn"] = f"arn:aws:s3:::{bucket}"
    record["s3"]["object"]["key"] = key
    record["s3"]["object"]["size"] = size
    return notification


def sqs_event(*bodies: dict[str, Any] | str) -> dict[str, Any]:
    template = _load("sqs_s3_object_created.json")["Records"][0]
    records = []
    for index, body in enumerate(bodies):
        record = copy.deepcopy(template)
        record["messageId"] = f"msg-{index}"
        record["body"] = body if isinstance(body, str) else json.dumps(body)
        records.append(record)
    return {"Records": records}
