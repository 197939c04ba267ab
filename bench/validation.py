"""Validation cost: what checking a request against its route's contract costs, cold and warm.

Measured in one run, in-process against moto: the validation of an upload-token request body
alone, and a whole warm POST /genUploadPresignedURL through the real handler (rate-limit counter
and token write included), so the share is a ratio of two figures of the same run. The one-off
costs a cold start pays on its first request are measured in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from bench import LAYER
from bench.report import Section

BODY = json.dumps({"max_uploads": 5, "expires_in": 3600})
VALIDATIONS = 20_000
REQUESTS = 300

_ONE_OFF = """
import sys, time
sys.path.insert(0, {layer!r})
# Loaded by every API function before its first validation: botocore and satchel's Powertools.
import botocore.session, botocore.client
import satchel.observability
start = time.perf_counter()
import fastjsonschema
imported = time.perf_counter()
from satchel.routes import route_for
from satchel.schema import ContractValidator
ready = time.perf_counter()
ContractValidator(route_for("POST", "/genUploadPresignedURL").contract)
compiled = time.perf_counter()
print(imported - start, ready - imported, compiled - ready)
"""


def _one_off() -> tuple[float, float, float]:
    runs = []
    for _ in range(7):
        out = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", _ONE_OFF.format(layer=str(LAYER))], capture_output=True, text=True, check=True
        ).stdout.split()
        runs.append(tuple(float(v) for v in out))
    return tuple(statistics.median(r[i] for r in runs) for i in range(3))  # type: ignore[return-value]


def _validation_seconds() -> float:
    from satchel.routes import route_for
    from satchel.schema import ContractValidator

    validator = ContractValidator(route_for("POST", "/genUploadPresignedURL").contract)  # type: ignore[union-attr]
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(VALIDATIONS):
            validator.validate(body=BODY, path=None, query=None, headers={"Content-Type": "application/json"})
        samples.append((time.perf_counter() - started) / VALIDATIONS)
    return statistics.median(samples)


def _forget_earlier_sections() -> None:
    """Earlier sections built clients and limits from their own environment: a new cold start."""
    from satchel import aws, settings
    from satchel.ratelimit.limiter import default_rate_limiter
    from satchel.transfers.service import default_service

    settings.reset_cache()
    aws.reset_clients()
    default_rate_limiter.cache_clear()
    default_service.cache_clear()


def _warm_request_seconds() -> float:
    import boto3
    from moto import mock_aws

    from bench.environment import lambda_environment
    from infra.local.lambdas import invoke
    from infra.local.resources import LocalNames, provision
    from tests.support.events import api_event

    saved = dict(os.environ)
    os.environ.update(lambda_environment("bench"))
    os.environ.pop("LAMBDA_TASK_ROOT", None)
    os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"
    # Many requests from one principal: keep the limiter counting without refusing.
    os.environ["RATE_LIMIT_GENERAL"] = "1000000"
    try:
        with mock_aws():
            clients: dict[str, Any] = {
                n: boto3.client(n, region_name="us-east-1") for n in ("s3", "dynamodb", "sqs", "secretsmanager")
            }
            provision(clients, LocalNames())
            _forget_earlier_sections()

            def request() -> None:
                event = api_event("POST", "/genUploadPresignedURL", raw_body=BODY, principal="bench-user")
                assert invoke("upload_token", event)["statusCode"] == 200

            request()  # cold: clients, connections and the contract's validator get built
            samples = []
            for _ in range(REQUESTS):
                started = time.perf_counter()
                request()
                samples.append(time.perf_counter() - started)
            return statistics.median(samples)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run() -> Section:
    imported, loaded, compiled = _one_off()
    validation = _validation_seconds()
    request = _warm_request_seconds()
    section = Section(title="Request validation (upload-token route)", columns=["measurement", "value", "how"])
    section.rows += [
        [
            "validate one request body (parse + text check + schema)",
            f"{validation * 1e6:.1f} µs",
            f"median of 5 x {VALIDATIONS}",
        ],
        ["warm POST /genUploadPresignedURL, whole request (moto)", f"{request * 1e3:.2f} ms", f"median of {REQUESTS}"],
        ["validation's share of that request", f"{validation / request:.2%}", "ratio of the two rows above"],
        [
            "cold: import fastjsonschema (botocore, Powertools loaded)",
            f"{imported * 1e3:.1f} ms",
            "median of 7 fresh interpreters",
        ],
        ["cold: import the route table and satchel.schema", f"{loaded * 1e3:.1f} ms", "same runs"],
        ["cold: compile the route's validators (first request)", f"{compiled * 1e3:.1f} ms", "same runs"],
    ]
    section.notes.append(
        "A function compiles only the contracts of the routes it serves, on their first request; "
        "the cold-start table measures import and init, so this first-request compile is listed here."
    )
    return section


if __name__ == "__main__":
    print(run().markdown())
