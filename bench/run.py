"""`python -m bench.run [section ...]`: print every bench section as Markdown.

Add a section by writing a module with `run() -> bench.report.Section` and listing it here.
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
import time
import warnings

import bench  # noqa: F401 - puts the shared layer on sys.path, as the Lambda runtime does

# Measurements go to stdout; request logs of in-process sections would interleave with them.
# Set before any section imports satchel, whose Logger reads the level once.
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

# Powertools warns when a request emits no metric; irrelevant to a measurement.
warnings.filterwarnings("ignore", message="No application metrics to publish")

SECTIONS = {
    "cold_start": "bench.cold_start",
    "aws_calls": "bench.aws_calls",
    "identity": "bench.identity",
    "validation": "bench.validation",
}


def machine() -> str:
    return f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}"


def main(argv: list[str]) -> int:
    chosen = argv or list(SECTIONS)
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}; choose from {', '.join(SECTIONS)}", file=sys.stderr)
        return 2
    print(f"# Satchel bench ({machine()})\n")
    for name in chosen:
        started = time.perf_counter()
        section = importlib.import_module(SECTIONS[name]).run()
        print(section.markdown())
        print(f"\n_{name} took {time.perf_counter() - started:.0f} s_\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
