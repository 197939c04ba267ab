"""The OpenAPI document says what the code does: every documented answer is produced by some test,
and every answer a test saw is documented.

The record comes from the taps in tests/support/answers.py, installed for the session by
tests/conftest.py; these checks run after every other test. A documented (route, status) that no
test produced means a missing test, or a document that promises an answer the code cannot give.
"""

from __future__ import annotations

import pytest
from satchel.openapi import documented_answers as documented_statuses
from satchel.openapi import error_codes
from satchel.routes import ROUTES, Route

from tests.support.answers import AnswerRecorder

ROUTE_BY_KEY = {route.key: route for route in ROUTES}


def documented_pairs() -> set[tuple[str, str, int]]:
    return {(route.method, route.path, status) for route in ROUTES for status in documented_statuses(route)}


def is_documented(route: Route, status: int, code: str | None) -> bool:
    if status not in documented_statuses(route):
        return False
    # An error's code must be one the document lists under its status (None: no body to read).
    return status < 400 or code is None or code in error_codes(route).get(status, ())


def test_every_documented_answer_is_produced_by_a_test(documented_answers: AnswerRecorder) -> None:
    if reasons := documented_answers.reasons_not_whole():
        pytest.skip("needs the whole suite in one run: " + "; ".join(reasons))
    missing = sorted(documented_pairs() - documented_answers.log.pairs())
    listing = "\n".join(f"  {method} {path} -> {status}" for method, path, status in missing)
    assert not missing, (
        f"{len(missing)} documented answers were produced by no test (add a test that makes the route "
        f"answer each, or stop documenting what the code cannot answer):\n{listing}"
    )


def test_every_answer_seen_is_documented(documented_answers: AnswerRecorder) -> None:
    undocumented = [
        f"  {seen}  (first seen in {test})"
        for seen, test in sorted(documented_answers.log.first_seen.items(), key=lambda item: item[0].sort_key())
        if not is_documented(ROUTE_BY_KEY[seen.method, seen.path], seen.status, seen.code)
    ]
    listing = "\n".join(undocumented)
    assert not undocumented, (
        f"{len(undocumented)} answers that tests produced are not in the OpenAPI document "
        f"(document them in the route's contract, or fix the code):\n{listing}"
    )
