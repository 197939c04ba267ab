"""The transfer routes' contracts: upload tokens, declaring an upload, download links."""

from __future__ import annotations

from satchel.contract import Answer, Contract, Parameter, integer, obj, string

MAX_FILENAME_CHARS = 255
# The configured limits (MAX_UPLOADS_LIMIT, ..., settings) may only be lower than these caps;
# the service refuses what exceeds the configured value with the same 400.
MAX_USES_CAP = 100_000
MAX_TOKEN_LIFETIME = 7 * 24 * 3600  # SigV4 presigned URLs cannot outlive 7 days
MIN_TOKEN_LIFETIME = 60

TOKEN_IN_PATH = Parameter(
    "token",
    "path",
    string(),
    "the token from the earlier answer; an unknown or malformed one answers 404 TOKEN_NOT_FOUND",
    required=True,
)
EXPIRES_IN = integer(MIN_TOKEN_LIFETIME, MAX_TOKEN_LIFETIME, description="lifetime of the token in seconds")
EPOCH_SECONDS = integer(description="epoch seconds")
URL = string(1, description="absolute URL")

ISSUE_UPLOAD_TOKEN = Contract(
    summary="Issue an upload token good for a number of uploads",
    body=obj(
        {"max_uploads": integer(1, MAX_USES_CAP, description="uploads the token allows")},
        {"expires_in": EXPIRES_IN},
    ),
    answers=(
        Answer(
            200,
            "the token (shown once) and the URL that declares an upload with it",
            obj(
                {"token": string(1), "upload_url": URL, "expires_at": EPOCH_SECONDS, "max_uploads": integer(1)},
                closed=False,
            ),
        ),
    ),
    idempotent=True,
)

START_UPLOAD = Contract(
    summary="Declare a file and get a presigned PUT for its bytes",
    description="The token in the path is the credential. Counts one use of it.",
    parameters=(TOKEN_IN_PATH,),
    body=obj(
        {
            "filename": string(
                1,
                MAX_FILENAME_CHARS,
                pattern="^[^\\x00-\\x1f\\x7f]*$",
                **{"x-expected": f"1 to {MAX_FILENAME_CHARS} characters without control characters"},
            ),
            # type/subtype with optional parameters, printable ASCII only: it becomes a signed header.
            "content_type": string(
                1,
                255,
                pattern="^[A-Za-z0-9][A-Za-z0-9!#\\$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#\\$&^_.+-]{0,126}(;[ -~]*)?$",
                **{"x-expected": "a MIME type such as text/plain"},
            ),
            "size": integer(0, description="exact size in bytes; above MAX_UPLOAD_BYTES answers 413"),
        },
        {
            "sha256": string(
                44,
                44,
                pattern="^[A-Za-z0-9+/]{43}=$",
                **{"x-expected": "the base64 of a 32-byte SHA-256 digest"},
            ),
        },
    ),
    answers=(
        Answer(
            200,
            "the presigned PUT, the artifact's id and the headers the PUT must carry",
            obj(
                {
                    "presigned_url": URL,
                    "uuid": string(36, 36),
                    "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                    "expires_at": EPOCH_SECONDS,
                },
                closed=False,
            ),
        ),
    ),
    errors={
        404: ("TOKEN_NOT_FOUND",),
        410: ("TOKEN_EXPIRED", "UPLOAD_LIMIT_REACHED"),
        413: ("FILE_TOO_LARGE",),
    },
)

ISSUE_DOWNLOAD_TOKEN = Contract(
    summary="Issue a counted download link for one of the caller's active artifacts",
    body=obj(
        {"artifact_uuid": string(1, 64, description="the artifact's id (the `uuid` of the upload)")},
        {
            "max_downloads": integer(1, MAX_USES_CAP, description="downloads the link allows (default 1)"),
            "expires_in": EXPIRES_IN,
        },
    ),
    answers=(
        Answer(
            200,
            "the link (its token is shown once)",
            obj(
                {
                    "token": string(1),
                    "presigned_url": URL,
                    "expires_at": EPOCH_SECONDS,
                    "max_downloads": integer(1),
                },
                closed=False,
            ),
        ),
    ),
    errors={404: ("ARTIFACT_NOT_FOUND",)},
    idempotent=True,
)

_DOWNLOAD_HEADERS = {
    "X-Remaining-Downloads": integer(0, description="downloads the link has left"),
    "Content-Disposition": string(description="attachment with the artifact's filename"),
}

DOWNLOAD = Contract(
    summary="Use one download of a link: a redirect to a short-lived presigned S3 GET",
    parameters=(TOKEN_IN_PATH,),
    answers=(
        Answer(
            302,
            "counted; follow Location within DOWNLOAD_URL_TTL seconds",
            headers={**_DOWNLOAD_HEADERS, "Location": URL},
        ),
    ),
    errors={404: ("TOKEN_NOT_FOUND",), 410: ("TOKEN_EXPIRED", "DOWNLOAD_LIMIT_REACHED")},
)

INSPECT_DOWNLOAD = Contract(
    summary="The link's headers without using a download",
    parameters=(TOKEN_IN_PATH,),
    answers=(Answer(200, "the link is usable", headers=_DOWNLOAD_HEADERS),),
    errors={404: ("TOKEN_NOT_FOUND",), 410: ("TOKEN_EXPIRED", "DOWNLOAD_LIMIT_REACHED")},
)
