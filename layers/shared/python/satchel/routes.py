"""The route table: the single source of truth for the REST API.

The CDK stack builds API Gateway resources and methods from it, the local stack dispatches
requests with it, the resolver validates requests and enforces roles with it, the OpenAPI
document is generated from it, and the tests read it. Adding a route is one line here plus its
handler and its contract (satchel.contract) in its domain's `contract.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from satchel import openapi_contract
from satchel.contract import Contract
from satchel.identity import contract as identity
from satchel.transfers import contract as transfers


class RateClass(StrEnum):
    GENERAL = "general"
    AUTH = "auth"
    # No route uses DOWNLOAD yet: the video download jobs of a later issue will (5 per hour).
    DOWNLOAD = "download"
    ADMIN = "admin"


# Roles a route may require (satchel.identity.limits.Role holds the same names).
USER = frozenset({"user"})
ADMIN = frozenset({"admin"})
ANY_SIGNED_IN: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # API Gateway resource path, {name} for path parameters
    function: str  # folder under functions/
    contract: Contract
    auth: bool  # bearer JWT checked by the API authorizer
    # The caller needs one of these roles (checked once, by the resolver, before the body is
    # read); empty means any signed-in caller. Only meaningful with auth=True.
    roles: frozenset[str] = ANY_SIGNED_IN
    rate_class: RateClass = RateClass.GENERAL

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path

    def __hash__(self) -> int:  # contracts hold dicts; a route is identified by method and path
        return hash(self.key)


ROUTES: tuple[Route, ...] = (
    Route("POST", "/genUploadPresignedURL", "upload_token", transfers.ISSUE_UPLOAD_TOKEN, auth=True, roles=USER),
    Route("POST", "/artifacts/upload/{token}", "upload_token", transfers.START_UPLOAD, auth=False),
    Route(
        "POST", "/genDownloadPresignedURL", "download_redirect", transfers.ISSUE_DOWNLOAD_TOKEN, auth=True, roles=USER
    ),
    Route("GET", "/artifacts/{token}", "download_redirect", transfers.DOWNLOAD, auth=False),
    Route("HEAD", "/artifacts/{token}", "download_redirect", transfers.INSPECT_DOWNLOAD, auth=False),
    Route("POST", "/auth/login", "auth", identity.LOGIN, auth=False, rate_class=RateClass.AUTH),
    Route("POST", "/auth/refresh", "auth", identity.REFRESH, auth=False, rate_class=RateClass.AUTH),
    Route("POST", "/auth/logout", "auth", identity.LOGOUT, auth=True),
    Route("GET", "/auth/me", "auth", identity.ME, auth=True),
    Route(
        "POST", "/admin/users", "admin_users", identity.CREATE_USER, auth=True, roles=ADMIN, rate_class=RateClass.ADMIN
    ),
    Route(
        "PATCH",
        "/admin/users/{id}",
        "admin_users",
        identity.UPDATE_USER,
        auth=True,
        roles=ADMIN,
        rate_class=RateClass.ADMIN,
    ),
    Route("GET", "/openapi.json", "openapi", openapi_contract.OPENAPI_DOCUMENT, auth=False),
)

# Functions that are not behind a route: the API authorizer and event consumers.
AUTHORIZER_FUNCTION = "authorizer"
UPLOAD_COMPLETE_FUNCTION = "upload_complete"

_BY_KEY = {route.key: route for route in ROUTES}


def route_for(method: str, resource: str) -> Route | None:
    """The table's route for an API Gateway (method, resource template) pair."""
    return _BY_KEY.get((method.upper(), resource))


def rate_class_of(method: str, resource: str) -> RateClass:
    """The limit class of a route; anything not in the table is limited as GENERAL."""
    route = route_for(method, resource)
    return route.rate_class if route else RateClass.GENERAL


def api_functions() -> list[str]:
    """Functions that serve routes, in first-seen order."""
    return list(dict.fromkeys(route.function for route in ROUTES))
