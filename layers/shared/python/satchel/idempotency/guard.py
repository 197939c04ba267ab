"""Run a route once per Idempotency-Key, through Powertools' idempotency handler.

Called by satchel.http's idempotency middleware (after the contract middleware validated the
request) when the route's contract is idempotent and the request carries the header:

- the record's id is hashed from route, caller and key (keys.KeyScope), so keys never collide
  across callers or routes;
- the payload Powertools validates is the keyed fingerprint of the validated body, path and query
  parameters: the same key with a different request answers 409 IDEMPOTENCY_KEY_REUSED;
- a request whose key is held by a request still running answers 409 IDEMPOTENCY_KEY_IN_USE with
  Retry-After: 1;
- what is stored is the route's full answer (status, headers, body), sealed; the per-request
  headers (rate limits, correlation id) are added afterwards by the resolver, so a replay carries
  its own;
- only successes are stored. Domain errors propagate through Powertools, which deletes the record,
  so a retry after a failure runs again; an error answer returned rather than raised is treated
  the same way.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
from aws_lambda_powertools.utilities.idempotency.base import IdempotencyHandler
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyInconsistentStateError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)

from satchel.errors import Conflict, dependency_failure
from satchel.idempotency.keys import KeyScope, fingerprint, seal, unseal
from satchel.idempotency.persistence import PynamoPersistenceLayer
from satchel.idempotency.settings import WINDOW_SECONDS, idempotency_settings
from satchel.observability import logger, metrics

if TYPE_CHECKING:
    from satchel.http import SatchelResolver
    from satchel.routes import Route

KEY_PREFIX = "idempotency"
IN_USE_RETRY_AFTER = "1"


class _NotStored(Exception):
    """Carries an error answer the route returned (not raised) past Powertools, which then drops the record."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _config(app: SatchelResolver) -> IdempotencyConfig:
    config = IdempotencyConfig(
        event_key_jmespath="scope",
        payload_validation_jmespath="request",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=WINDOW_SECONDS,
        hash_function="sha256",
    )
    # The in-progress mark lapses when this invocation must have ended, so a crashed first
    # request does not hold its key for the whole window.
    config.register_lambda_context(app.lambda_context)
    return config


def answer_of(response: Response, serialize: Callable[[Any], str]) -> dict[str, Any]:
    """The parts of a route's answer that a replay repeats."""
    answer: dict[str, Any] = {"status": response.status_code, "headers": dict(response.headers)}
    body = response.body
    if isinstance(body, bytes):
        answer["body_base64"] = base64.b64encode(body).decode("ascii")
    elif isinstance(body, str):
        answer["body"] = body
    elif body is not None:
        answer["body"] = serialize(body)
    return answer


def response_of(answer: dict[str, Any]) -> Response:
    body: str | bytes | None = answer.get("body")
    if "body_base64" in answer:
        body = base64.b64decode(answer["body_base64"])
    return Response(status_code=answer["status"], body=body, headers=answer["headers"])


def run_once(
    app: SatchelResolver, route: Route, key: str, call: Callable[[], Response], serialize: Callable[[Any], str]
) -> Response:
    inputs = app.inputs
    scope = KeyScope(route=f"{route.method} {route.path}", caller=app.principal().user_id, key=key)
    secret = scope.secret()
    payload = {
        "scope": scope.record_key(),
        "request": fingerprint(secret, {"body": inputs.body, "path": inputs.path, "query": inputs.query}),
    }
    produced: list[Response] = []

    def first_run() -> dict[str, str]:
        response = call()
        if response.status_code >= 400:
            raise _NotStored(response)
        produced.append(response)
        return {"sealed": seal(secret, json.dumps(answer_of(response, serialize)).encode())}

    handler = IdempotencyHandler(
        function=first_run,
        function_payload=payload,
        config=_config(app),
        persistence_store=PynamoPersistenceLayer(idempotency_settings()),
        key_prefix=KEY_PREFIX,
        function_args=(),
        function_kwargs={},
    )
    try:
        stored = handler.handle()
    except _NotStored as failed:
        return failed.response
    except IdempotencyValidationError:
        raise Conflict(
            "this Idempotency-Key was used with a different request", code="IDEMPOTENCY_KEY_REUSED"
        ) from None
    except (IdempotencyAlreadyInProgressError, IdempotencyInconsistentStateError):
        raise Conflict(
            "a request with this Idempotency-Key is still in progress, retry shortly",
            code="IDEMPOTENCY_KEY_IN_USE",
            headers={"Retry-After": IN_USE_RETRY_AFTER},
        ) from None
    except IdempotencyPersistenceLayerError as exc:
        if produced:
            # The route ran and its answer is good; only recording it failed. Answer it: the
            # in-progress mark lapses with this invocation, and a client that has its answer
            # does not retry.
            logger.exception("idempotency record not completed")
            metrics.add_metric(name="IdempotencyStoreErrors", unit="Count", value=1)
            return produced[0]
        raise dependency_failure("dynamodb", "idempotency", exc) from exc
    if not produced:
        logger.info("idempotent replay", extra={"route": scope.route})
    return response_of(json.loads(unseal(secret, stored["sealed"])))
