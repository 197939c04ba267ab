"""`python -m infra.openapi [--check]`: write docs/openapi.json from the route table (make openapi)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from satchel.openapi import render

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.openapi", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file differs")
    args = parser.parse_args(argv)
    generated = render()
    if args.check:
        if not DOCUMENT.is_file() or DOCUMENT.read_text(encoding="utf-8") != generated:
            print(f"{DOCUMENT.name} is out of date: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    DOCUMENT.write_text(generated, encoding="utf-8")
    print(f"wrote {DOCUMENT.relative_to(Path.cwd()) if DOCUMENT.is_relative_to(Path.cwd()) else DOCUMENT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
