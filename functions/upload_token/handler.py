"""POST /genUploadPresignedURL (JWT) and POST /artifacts/upload/{token} (the token is the credential)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from satchel.http import SatchelResolver
from satchel.observability import logger, metrics, tracer
from satchel.transfers.service import default_service

app = SatchelResolver()


@app.post("/genUploadPresignedURL")
def generate_upload_token() -> dict[str, Any]:
    body = app.body
    grant = default_service().issue_upload_token(
        app.principal().user_id, max_uploads=body["max_uploads"], expires_in=body.get("expires_in")
    )
    return {
        "token": grant.token,
        "upload_url": f"{app.base_url()}/artifacts/upload/{grant.token}",
        "expires_at": grant.expires_at,
        "max_uploads": grant.max_uploads,
    }


@app.post("/artifacts/upload/<token>")
def start_upload(token: str) -> dict[str, Any]:
    body = app.body
    ticket = default_service().start_upload(
        token,
        filename=body["filename"],
        content_type=body["content_type"],
        size=body["size"],
        sha256=body.get("sha256"),
    )
    return {
        "presigned_url": ticket.presigned_url,
        "uuid": ticket.uuid,
        "headers": ticket.headers,
        "expires_at": ticket.expires_at,
    }


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
