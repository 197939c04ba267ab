"""The fuzzing tier: every operation of the served OpenAPI document, fuzzed over HTTP (bounded).

A stack of its own with raised rate limits (tests/e2e/fuzzing.py says why and what is checked);
`make fuzz` runs the same code with 5,000+ cases. Seeded (FUZZ_SEED, default fixed), so a failure
here reproduces with the same seed; its message has a curl command for each distinct finding.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from satchel.routes import ROUTES

from tests.e2e import fuzzing
from tests.e2e.conftest import REPO_ROOT, RunningStack, start_stack

pytestmark = pytest.mark.e2e

# Generated cases per operation (the coverage cases come on top): with the stack's start and the
# fuzzer's set-up, one to two minutes on a 2-core machine (docs/benchmarks.md records it).
CASES_PER_OPERATION = 60
SEED = int(os.environ.get("FUZZ_SEED") or fuzzing.DEFAULT_SEED)
LABELS = [f"{route.method} {route.path}" for route in ROUTES]


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    running = start_stack(tmp_path_factory.mktemp("fuzz-stack"), env=fuzzing.RAISED_LIMITS)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def target(fuzz_stack: RunningStack) -> tuple[fuzzing.World, dict[str, Any]]:
    world = fuzzing.prepare(fuzz_stack)
    schema = fuzzing.load_schema(fuzz_stack.api)
    return world, {operation.label: operation for operation in fuzzing.operations(schema)}


def test_the_fuzzed_document_is_the_committed_one_and_covers_the_route_table(
    fuzz_stack: RunningStack, target: tuple[fuzzing.World, dict[str, Any]]
) -> None:
    served = requests.get(f"{fuzz_stack.api}/openapi.json", timeout=10)

    assert served.status_code == 200
    assert served.content.decode() == (REPO_ROOT / "docs" / "openapi.json").read_text()
    assert sorted(target[1]) == sorted(LABELS)


def test_the_fuzzed_stack_runs_with_raised_limits(fuzz_stack: RunningStack) -> None:
    response = requests.get(f"{fuzz_stack.api}/openapi.json", timeout=10)

    assert response.headers["X-RateLimit-Limit"] == fuzzing.RAISED_LIMITS["RATE_LIMIT_GENERAL"]


@pytest.mark.parametrize("label", LABELS)
def test_operation_answers_as_documented(label: str, target: tuple[fuzzing.World, dict[str, Any]]) -> None:
    world, operations = target

    try:
        report = fuzzing.fuzz_operation(operations[label], world, seed=SEED, cases=CASES_PER_OPERATION)
    except requests.ConnectionError:
        exited = world.stack.process.poll()
        raise AssertionError(f"the fuzzed stack is unreachable (exit status {exited}):\n{world.stack.log()[-3000:]}")

    generated = report.cases["positive"] + report.cases["negative"]
    assert generated >= CASES_PER_OPERATION * 0.9, f"only {generated} generated cases ran: {report.cases}"
    assert report.cases["coverage"] > 0
    assert not report.findings, "\n".join(
        f"[{finding.check}] x{finding.count}: {finding.example}" for finding in report.findings.values()
    )
    assert all(status < 500 for status in report.statuses), report.statuses
