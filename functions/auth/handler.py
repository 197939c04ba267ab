"""POST /auth/login, POST /auth/refresh, POST /auth/logout (JWT) and GET /auth/me (JWT)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from satchel.http import JSON, Response, SatchelResolver
from satchel.identity.domain import TokenPair
from satchel.identity.service import default_identity_service
from satchel.observability import logger, metrics, tracer

app = SatchelResolver()


def _tokens(pair: TokenPair) -> Response:
    # Token responses must never be cached (RFC 6749 section 5.1).
    body = {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "token_type": "Bearer",
        "expires_in": pair.expires_in,
        "refresh_expires_in": pair.refresh_expires_in,
    }
    return Response(200, JSON, body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@app.post("/auth/login")
def login() -> Response:
    # Failed logins are counted per account and the address API Gateway saw (not a header).
    source_ip = app.current_event.request_context.identity.source_ip
    return _tokens(default_identity_service().login(app.body["email"], app.body["password"], source_ip=source_ip))


@app.post("/auth/refresh")
def refresh() -> Response:
    return _tokens(default_identity_service().refresh(app.body["refresh_token"]))


@app.post("/auth/logout")
def logout() -> Response:
    caller = app.principal()
    default_identity_service().logout(
        caller.user_id,
        token_id=caller.token_id,
        session_id=caller.session_id,
        token_expires_at=caller.token_expires_at,
    )
    return Response(204, None, "", headers={"Cache-Control": "no-store"})


@app.get("/auth/me")
def me() -> dict[str, Any]:
    user = default_identity_service().me(app.principal().user_id)
    return {"id": user.id, "email": user.email, "roles": list(user.roles)}


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
