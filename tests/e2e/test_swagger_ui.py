"""Swagger UI at /docs, in a real headless Chromium: it renders the served document from local assets
and makes the README's request (log in as the demo user) against the local stack."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Without these, Chromium reaches for Google's services at start (the machine may be offline).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_LOGIN = {"email": "demo@example.com", "password": "satchel-demo-password"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.fail("Chromium is not installed: .ci/run installs the Debian package `chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_swagger_ui_renders_from_local_assets_and_logs_in(stack: RunningStack, browser: Any) -> None:
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{stack.api}/docs")
    page.wait_for_selector("#operations-auth-post_auth_login", timeout=30_000)

    # Every asset came from the local stack; nothing went to a CDN.
    assert requested and all(url.startswith(stack.api) for url in requested), requested
    assert f"{stack.api}/openapi.json" in requested
    assert page.locator(".opblock").count() == len(json.loads(_served_paths(stack)))

    login = page.locator("#operations-auth-post_auth_login")
    login.locator(".opblock-summary").click()
    login.locator("button.try-out__btn").click()
    login.locator("textarea.body-param__text").fill(json.dumps(DEMO_LOGIN))
    with page.expect_response(lambda response: response.url == f"{stack.api}/auth/login") as answered:
        login.locator("button.execute").click()
    response = answered.value
    assert response.status == 200
    assert response.json()["token_type"] == "Bearer"
    # Swagger UI shows the answer it received.
    status = login.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip().startswith("200")

    # Authorize with the access token, as the README says, and ask who we are.
    page.locator("button.authorize").first.click()
    page.locator(".modal-ux input").fill(response.json()["access_token"])
    page.locator(".modal-ux .auth-btn-wrapper button.authorize").click()
    page.locator(".modal-ux button.btn-done").click()
    me = page.locator("#operations-auth-get_auth_me")
    me.locator(".opblock-summary").click()
    me.locator("button.try-out__btn").click()
    with page.expect_response(lambda answer: answer.url == f"{stack.api}/auth/me") as answered_me:
        me.locator("button.execute").click()
    assert answered_me.value.status == 200
    assert answered_me.value.json()["email"] == DEMO_LOGIN["email"]


def _served_paths(stack: RunningStack) -> str:
    import requests

    document = requests.get(f"{stack.api}/openapi.json", timeout=10).json()
    operations = [m for item in document["paths"].values() for m in item if m in {"get", "post", "patch", "head"}]
    return json.dumps(operations)
