"""POST /genDownloadPresignedURL (JWT) and GET/HEAD /artifacts/{token} (the counted link)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from satchel.http import Response, SatchelResolver
from satchel.observability import logger, metrics, tracer
from satchel.transfers.domain import DownloadRedirect
from satchel.transfers.service import default_service

app = SatchelResolver()


@app.post("/genDownloadPresignedURL")
def generate_download_token() -> dict[str, Any]:
    body = app.body
    grant = default_service().issue_download_token(
        app.principal().user_id,
        artifact_uuid=body["artifact_uuid"],
        max_downloads=body.get("max_downloads"),
        expires_in=body.get("expires_in"),
    )
    return {
        "token": grant.token,
        "presigned_url": f"{app.base_url()}/artifacts/{grant.token}",
        "expires_at": grant.expires_at,
        "max_downloads": grant.max_downloads,
    }


def _response(redirect: DownloadRedirect) -> Response:
    headers = {
        "Cache-Control": "no-store",
        "X-Remaining-Downloads": str(redirect.remaining),
        "Content-Disposition": redirect.content_disposition,
    }
    if redirect.location is None:
        return Response(status_code=200, headers=headers, body="")
    return Response(status_code=302, headers={**headers, "Location": redirect.location}, body="")


@app.get("/artifacts/<token>")
def download(token: str) -> Response:
    return _response(default_service().redeem_download(token))


@app.head("/artifacts/<token>")
def inspect(token: str) -> Response:
    return _response(default_service().inspect_download(token))


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
