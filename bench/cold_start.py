"""Cold start: import + init of each function in a fresh interpreter, against the boto3 floor.

"Init" is what a function builds before serving its first request: importing handler.py, then
calling every `default_*` factory the handler imported (settings, services, clients), then
creating the DynamoDB client PynamoDB makes on first use and, for an API function, the rate
limiter every request consults. No AWS call is made. Interpreter start-up is excluded from every
figure alike.

What only some requests need is built by the first request that needs it (FIRST_USE): such a
function gets a row for those requests, init plus that work timed in the same fresh process, and
one for the others, init alone.

The interpreter sees what Lambda's does, not the development environment: the standard library,
the function's folder, the satchel package, the layer's pinned dependencies and the SDK the
runtime provides (boto3/botocore at the locked versions), installed once for this machine into
.local/bench-runtime/. The floor runs on the same site. (The development environment also holds
test-only packages, such as cryptography, that PyJWT would import.)
"""

from __future__ import annotations

import hashlib
import os
import statistics
import subprocess
import sys
from functools import cache
from importlib import metadata
from pathlib import Path

from bench import LAYER, ROOT
from bench.environment import lambda_environment
from bench.report import Section
from infra.runtime_requirements import RUNTIME_PROVIDED, export_requirements

FUNCTIONS = ROOT / "functions"
RUNS = 11
GOAL = 1.2

_TIMED = """
import sys, time
sys.path[:0] = {paths!r}
start = time.perf_counter()
{body}
print(time.perf_counter() - start)
"""

FLOOR_BODY = 'import boto3\nboto3.client("s3")\nboto3.client("dynamodb")'

FUNCTION_BODY = """
import importlib.util
spec = importlib.util.spec_from_file_location("handler", {path!r})
module = importlib.util.module_from_spec(spec)
sys.modules["handler"] = module
spec.loader.exec_module(module)
for name in sorted(vars(module)):
    if name.startswith("default_") and callable(getattr(module, name)):
        getattr(module, name)()
# Every API request is counted by the rate limiter, which the resolver builds on the first one.
if "satchel.http" in sys.modules:
    from satchel.ratelimit.limiter import default_rate_limiter
    default_rate_limiter()
# PynamoDB builds its DynamoDB client on the first call; count it as init for every table the
# function bound (bind() gives the model its connection). Only the domains' models modules the
# handler itself imported are looked at: importing satchel.tables would add every domain's.
for name, models in list(sys.modules.items()):
    if name.startswith("satchel.") and name.endswith(".models"):
        for model in vars(models).values():
            if getattr(model, "__module__", None) == name and getattr(model, "_connection", None) is not None:
                model._get_connection().connection.client
{first_use}
"""

_S3 = "module.default_service().storage.client"

# What a function builds on the first request that needs it rather than at init, and which
# requests those are. `every`: every request does, so init alone is the cold start of none.
FIRST_USE: dict[str, tuple[str, str, bool]] = {
    "download_redirect": ("GET /artifacts/{token} (+ S3 client, presigns)", _S3, False),
    "openapi": ("GET /openapi.json (+ rendering the document)", "module._document()", True),
    "upload_complete": ("a notification (+ S3 client, HeadObject)", _S3, True),
    "upload_token": ("POST /artifacts/upload/{token} (+ S3 client, presigns)", _S3, False),
}

# A measured target: None for the floor, else (function, whether the first-use client is built too).
Target = tuple[str, bool] | None


def discover() -> list[str]:
    return sorted(p.parent.name for p in FUNCTIONS.glob("*/handler.py"))


@cache
def lambda_site() -> Path:
    """The layer's dependencies plus the runtime's SDK, installed for this machine (cached by content)."""
    requirements = [*export_requirements(), *(f"{name}=={metadata.version(name)}" for name in RUNTIME_PROVIDED)]
    key = hashlib.sha256("\n".join(sorted(requirements)).encode()).hexdigest()[:16]
    site = ROOT / ".local" / "bench-runtime" / key
    if not (site / ".complete").exists():
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*command, "--target", str(site), *requirements], check=True)  # noqa: S603
        (site / ".complete").touch()
    return site


def targets(functions: list[str]) -> list[Target]:
    """The floor, then a row per function and kind of first request (see FIRST_USE)."""
    rows: list[Target] = [None]
    for function in functions:
        first_use = FIRST_USE.get(function)
        if first_use is None or not first_use[2]:
            rows.append((function, False))
        if first_use is not None:
            rows.append((function, True))
    return rows


def label(target: Target) -> str:
    if target is None:
        return "floor: boto3 + s3 + dynamodb clients"
    function, first_use = target
    if function not in FIRST_USE:
        return function
    what = FIRST_USE[function][0]
    return f"{function}: {what}" if first_use else f"{function}: other requests"


def _script(target: Target) -> str:
    if target is None:
        return _TIMED.format(paths=[str(lambda_site())], body=FLOOR_BODY)
    function, first_use = target
    handler = FUNCTIONS / function / "handler.py"
    body = FUNCTION_BODY.format(path=str(handler), first_use=FIRST_USE[function][1] if first_use else "")
    return _TIMED.format(paths=[str(handler.parent), str(LAYER), str(lambda_site())], body=body)


def _environment(function: str) -> dict[str, str]:
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(lambda_environment(function))
    return env


def measure_once(target: Target) -> float:
    result = subprocess.run(  # noqa: S603 - our own interpreter running our own script
        # -I -S: no site-packages, no PYTHON* variables; only the paths the script puts first.
        [sys.executable, "-I", "-S", "-c", _script(target)],
        env=_environment(target[0] if target else "floor"),
        cwd=Path("/"),  # nothing of the repository on sys.path but what the script adds
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"cold start of {label(target)} failed:\n{result.stderr}")
    return float(result.stdout.strip().splitlines()[-1])


def measure(functions: list[str], runs: int = RUNS) -> dict[Target, list[float]]:
    measured = targets(functions)
    for target in measured:  # compile bytecode once so no run pays for it
        measure_once(target)
    samples: dict[Target, list[float]] = {t: [] for t in measured}
    for _ in range(runs):  # interleaved, so drift in machine load hits every target alike
        for target in measured:
            samples[target].append(measure_once(target))
    return samples


def run() -> Section:
    functions = discover()
    samples = measure(functions)
    floor = statistics.median(samples[None])
    section = Section(
        title=f"Cold start: import + init in a fresh process (median of {RUNS})",
        columns=["function", "median ms", "min ms", "ratio to floor (medians)", "ratio (minimums)", f"goal <= {GOAL}x"],
    )
    for target, times in samples.items():
        median = statistics.median(times)
        ratio = median / floor
        section.rows.append(
            [
                label(target),
                f"{median * 1000:.0f}",
                f"{min(times) * 1000:.0f}",
                f"{ratio:.2f}x",
                f"{min(times) / min(samples[None]):.2f}x",
                "" if target is None else "met" if ratio <= GOAL else "NOT MET",
            ]
        )
    section.notes.append(
        "Each figure runs `python -I -S -c` on a Lambda-like site (standard library, the function's folder, "
        "the satchel package, the layer's pinned dependencies and the runtime's boto3/botocore, nothing else) "
        "with the Lambda environment (region, table names, Powertools variables, AWS_LAMBDA_FUNCTION_NAME so "
        "the Tracer is active), timed from the first import to the end of init; interpreter start-up is "
        "excluded alike for the floor. A row naming requests adds what they build on first use (a `+` "
        "in the name), so it is the cold start of such a request; `other requests` is the rest's."
    )
    return section


if __name__ == "__main__":
    print(run().markdown())
