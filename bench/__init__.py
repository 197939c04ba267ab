"""`make bench`: measurements, not tests. Each section is a module with `run() -> Section`."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "layers" / "shared" / "python"

# The Lambda runtime puts the shared layer on sys.path (/opt/python); the bench does the same.
if str(LAYER) not in sys.path:
    sys.path.insert(0, str(LAYER))
