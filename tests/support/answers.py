"""Which answers the tests saw, per route of the table, for the documented-answers check.

The OpenAPI document (satchel.openapi) lists every status each route can answer. The plugin in
tests/conftest.py installs the three taps below for the whole session, so that every answer a test
observes is recorded as (method, route template, status, error code):

- a function's answer: `SatchelResolver.resolve`, which every API function runs (the event names the
  method and the route template, the answer its status);
- the in-process API Gateway emulation: `Gateway.handle`, which also answers on its own (401 and
  500 from the authorizer, ...); its request path is matched against the route table;
- HTTP to the local stack running as a subprocess (tests/e2e): `requests`' `HTTPAdapter.send`,
  for loopback hosts only, the path matched against the route table the way API Gateway matches
  it ({param} is exactly one path segment).

Anything that is not a route of the table (an unknown path, another method, S3's presigned URLs,
the routes of a test's own table) is not recorded. tests/test_documented_answers.py compares the
record with the document in both directions.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from satchel.routes import ROUTES, Route

from infra.local.gateway import PathTemplate

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
OUTSIDE_A_TEST = "(outside a test)"


@dataclass(frozen=True)
class Seen:
    """One kind of answer: a route (method and template), a status, and the envelope's code."""

    method: str
    path: str
    status: int
    code: str | None = None  # None for successes and for error bodies that are absent (HEAD)

    @property
    def pair(self) -> tuple[str, str, int]:
        return self.method, self.path, self.status

    def sort_key(self) -> tuple[str, str, int, str]:
        return self.method, self.path, self.status, self.code or ""

    def __str__(self) -> str:
        code = f" {self.code}" if self.code else ""
        return f"{self.method} {self.path} -> {self.status}{code}"


def error_code(status: int, body: bytes | str | None) -> str | None:
    """The code of an error envelope, or None (not an error, no body, not the envelope)."""
    if status < 400 or not body:
        return None
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    error = document.get("error") if isinstance(document, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else None


class AnswerLog:
    """Every (route, status, code) seen, with the first test that saw it."""

    def __init__(self, routes: Iterable[Route] = ROUTES) -> None:
        self.routes = tuple(routes)
        self._keys = {route.key for route in self.routes}
        # The gateway emulation's own matcher, so "as the gateway matches it" cannot drift.
        self._templates = [(route.method, route.path, PathTemplate.parse(route.path)) for route in self.routes]
        self.first_seen: dict[Seen, str] = {}
        self.current_test = OUTSIDE_A_TEST

    def template_of(self, method: str, path: str) -> str | None:
        """The route template a request for `path` reaches, as the gateway matches it: on the raw
        path's segments (an encoded slash stays inside its segment) and the method as sent."""
        for route_method, template, matcher in self._templates:
            if route_method == method and matcher.match(path or "/") is not None:
                return template
        return None

    def record(self, method: str, template: str | None, status: int, code: str | None = None) -> None:
        if template is None or (method.upper(), template) not in self._keys:
            return
        # setdefault is atomic under the GIL: concurrent requests (the race tests) are safe.
        self.first_seen.setdefault(Seen(method.upper(), template, status, code), self.current_test)

    def pairs(self) -> set[tuple[str, str, int]]:
        return {seen.pair for seen in self.first_seen}

    # -- the taps -----------------------------------------------------------------------------
    def install(self) -> Callable[[], None]:
        """Wrap the three places answers pass through; returns the function that unwraps them."""
        import requests.adapters
        from satchel.http import SatchelResolver

        from infra.local.gateway import Gateway

        undo = [
            _wrap(SatchelResolver, "resolve", self._after_resolve),
            _wrap(Gateway, "handle", self._after_gateway),
            _wrap(requests.adapters.HTTPAdapter, "send", self._after_http),
        ]

        def uninstall() -> None:
            for restore in reversed(undo):
                restore()

        return uninstall

    def _after_resolve(self, result: Any, _resolver: Any, event: Any, *_: Any, **__: Any) -> None:
        if not isinstance(result, dict) or not isinstance(event, dict):
            return
        status = result.get("statusCode")
        if isinstance(status, int):
            method, template = str(event.get("httpMethod") or ""), event.get("resource")
            code = None if result.get("isBase64Encoded") else error_code(status, result.get("body"))
            self.record(method, template if isinstance(template, str) else None, status, code)

    def _after_gateway(self, response: Any, _gateway: Any, request: Any, *_: Any, **__: Any) -> None:
        template = self.template_of(request.method, urlsplit(request.target).path)
        self.record(request.method, template, response.status, error_code(response.status, response.body))

    def _after_http(self, response: Any, _adapter: Any, request: Any, *args: Any, **kwargs: Any) -> None:
        url = urlsplit(request.url)
        if url.hostname not in LOOPBACK_HOSTS:
            return
        template = self.template_of(request.method or "", url.path)
        if template is None:
            return
        # A streamed body belongs to the caller: read it only when requests would read it anyway.
        stream = kwargs.get("stream", args[0] if args else False)
        code = None if stream else error_code(response.status_code, response.content)
        self.record(request.method or "", template, response.status_code, code)


def _wrap(owner: type, name: str, after: Callable[..., None]) -> Callable[[], None]:
    """Replace owner.name with a version that hands its result (and arguments) to `after`."""
    original = owner.__dict__[name]

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        after(result, *args, **kwargs)
        return result

    setattr(owner, name, wrapper)
    return lambda: setattr(owner, name, original)


# -- the pytest plugin (registered by tests/conftest.py) ----------------------------------------
TESTS_DIR = Path(__file__).resolve().parents[1]
# The checks that read the record; they run after every other test.
CHECKS_MODULE = TESTS_DIR / "test_documented_answers.py"


class AnswerRecorder:
    """Records every answer of a route of the table for the session, and whether this run is the
    whole suite (every test module collected, nothing deselected, one process)."""

    def __init__(self, config: pytest.Config) -> None:
        self.rootpath = config.rootpath
        self.log = AnswerLog()
        self.collected_modules: set[Path] = set()
        self.deselected = 0
        self.node_ids = [arg for arg in config.args if "::" in arg]
        self.xdist = bool(getattr(config.option, "numprocesses", None)) or hasattr(config, "workerinput")
        config.add_cleanup(self.log.install())

    def reasons_not_whole(self) -> list[str]:
        """Why the record may lack answers that the whole suite produces; empty when it ran whole."""
        reasons = []
        if self.xdist:
            reasons.append("the tests ran in several processes (pytest-xdist), each with its own record")
        if self.deselected:
            reasons.append(f"{self.deselected} tests were deselected (-k, -m, --deselect, --lf, ...)")
        if self.node_ids:
            reasons.append(f"only some tests of a module were selected: {', '.join(self.node_ids)}")
        missing = sorted(
            str(path.relative_to(self.rootpath))
            for path in TESTS_DIR.rglob("test_*.py")
            if path not in self.collected_modules
        )
        if missing:
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            reasons.append(f"test modules not collected: {shown}")
        return reasons

    # -- hooks --------------------------------------------------------------------------------
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        # A module that skipped itself at import was still collected; its tests simply did not run.
        if report.outcome != "failed" and "::" not in report.nodeid and report.nodeid.endswith(".py"):
            self.collected_modules.add((self.rootpath / report.nodeid).resolve())

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected += len(items)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        checks = [item for item in items if item.path == CHECKS_MODULE]
        items[:] = [item for item in items if item.path != CHECKS_MODULE] + checks

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        self.log.current_test = item.nodeid
        try:
            return (yield)
        finally:
            self.log.current_test = OUTSIDE_A_TEST
