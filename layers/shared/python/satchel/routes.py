"""The route table: the single source of truth for the REST API.

The CDK stack builds API Gateway resources and methods from it, the local stack dispatches
requests with it, and the tests read it. Adding a route is one line here plus its handler.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RateClass(StrEnum):
    GENERAL = "general"
    AUTH = "auth"
    DOWNLOAD = "download"
    ADMIN = "admin"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # API Gateway resource path, {name} for path parameters
    function: str  # folder under functions/
    auth: bool  # bearer JWT checked by the API authorizer
    rate_class: RateClass = RateClass.GENERAL


ROUTES: tuple[Route, ...] = (
    Route("POST", "/genUploadPresignedURL", "upload_token", auth=True),
    Route("POST", "/artifacts/upload/{token}", "upload_token", auth=False),
    Route("POST", "/genDownloadPresignedURL", "download_redirect", auth=True),
    Route("GET", "/artifacts/{token}", "download_redirect", auth=False),
    Route("HEAD", "/artifacts/{token}", "download_redirect", auth=False),
    Route("POST", "/auth/login", "auth", auth=False, rate_class=RateClass.AUTH),
    Route("POST", "/auth/refresh", "auth", auth=False, rate_class=RateClass.AUTH),
    Route("POST", "/auth/logout", "auth", auth=True),
    Route("GET", "/auth/me", "auth", auth=True),
    Route("POST", "/admin/users", "admin_users", auth=True, rate_class=RateClass.ADMIN),
    Route("PATCH", "/admin/users/{id}", "admin_users", auth=True, rate_class=RateClass.ADMIN),
)

# Functions that are not behind a route: the API authorizer and event consumers.
AUTHORIZER_FUNCTION = "authorizer"
UPLOAD_COMPLETE_FUNCTION = "upload_complete"


def rate_class_of(method: str, resource: str) -> RateClass:
    """The limit class of a route; anything not in the table is limited as GENERAL."""
    for route in ROUTES:
        if route.method == method.upper() and route.path == resource:
            return route.rate_class
    return RateClass.GENERAL


def api_functions() -> list[str]:
    """Functions that serve routes, in first-seen order."""
    return list(dict.fromkeys(route.function for route in ROUTES))
