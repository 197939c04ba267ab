"""Correlation ids, kept free of heavy imports so the authorizer can use them too."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

CORRELATION_HEADER = "X-Correlation-Id"
_WELL_FORMED_CORRELATION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$")


def correlation_id(event: Mapping[str, Any], fallback: str = "unknown") -> str:
    """The caller's X-Correlation-Id when well formed, else the API Gateway request id."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    supplied = headers.get(CORRELATION_HEADER.lower()) or ""
    if _WELL_FORMED_CORRELATION_ID.match(supplied):
        return supplied
    return str((event.get("requestContext") or {}).get("requestId") or fallback)
