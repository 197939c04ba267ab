"""Routes only the local stack serves: pages for developers, not API routes.

They are not in satchel.routes, so they never reach CDK or the OpenAPI document. The HTTP edge
tries them before the API Gateway emulation; a request none of them answers goes on to the API.
Today: Swagger UI at /docs, its files served from the swagger-ui-py package (no CDN), reading the
API description from /openapi.json on the same origin.
"""

from __future__ import annotations

import importlib.resources
import mimetypes
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources.abc import Traversable
from urllib.parse import urlsplit

from infra.local.gateway import HttpRequest, HttpResponse, PathTemplate, log_request

OPENAPI_URL = "/openapi.json"
DOCS_PATH = "/docs"
READ_METHODS = ("GET", "HEAD")

Handler = Callable[[dict[str, str]], HttpResponse | None]


@dataclass(frozen=True)
class LocalRoute:
    methods: tuple[str, ...]
    path: str  # a template as in the route table: {name} is one path segment
    handler: Handler  # path parameters -> the response, or None to leave the request to the API


@cache
def swagger_ui_files() -> dict[str, Traversable]:
    """The files of the Swagger UI distribution, by name: the only names /docs/{asset} serves."""
    static = importlib.resources.files("swagger_ui") / "static"
    return {entry.name: entry for entry in static.iterdir() if entry.is_file()}


def docs_page(_: dict[str, str]) -> HttpResponse:
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Satchel API (local)</title>
  <link rel="stylesheet" href="{DOCS_PATH}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{DOCS_PATH}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{DOCS_PATH}/swagger-ui-bundle.js"></script>
  <script src="{DOCS_PATH}/swagger-ui-standalone-preset.js"></script>
  <script>
    window.onload = () => {{
      window.ui = SwaggerUIBundle({{
        url: "{OPENAPI_URL}",
        dom_id: "#swagger-ui",
        presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
        layout: "StandaloneLayout",
      }});
    }};
  </script>
</body>
</html>
"""
    return _ok("text/html; charset=utf-8", page.encode("utf-8"))


def docs_asset(parameters: dict[str, str]) -> HttpResponse | None:
    # A name from the distribution's listing, never a path built from the request: no traversal.
    file = swagger_ui_files().get(parameters["asset"])
    if file is None:
        return None
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return _ok(content_type, file.read_bytes())


def _ok(content_type: str, body: bytes) -> HttpResponse:
    return HttpResponse(200, [("Content-Type", content_type), ("Cache-Control", "no-cache")], body)


LOCAL_ROUTES: tuple[LocalRoute, ...] = (
    LocalRoute(READ_METHODS, DOCS_PATH, docs_page),
    LocalRoute(READ_METHODS, f"{DOCS_PATH}/{{asset}}", docs_asset),
)


class LocalRoutes:
    def __init__(self, routes: Iterable[LocalRoute] = LOCAL_ROUTES):
        self._routes = [(route, PathTemplate.parse(route.path)) for route in routes]

    def handle(self, request: HttpRequest) -> HttpResponse | None:
        """The answer of the local route that takes this request, or None for the API to answer."""
        started = time.perf_counter()
        raw_path = urlsplit(request.target).path
        for route, template in self._routes:
            if request.method not in route.methods:
                continue
            parameters = template.match(raw_path)
            response = route.handler(parameters) if parameters is not None else None
            if response is None:
                continue
            log_request(request.method, route.path, response.status, started)
            if request.method == "HEAD":
                response.body = b""
            return response
        return None
