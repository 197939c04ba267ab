"""Content-Disposition for downloads (RFC 6266 with an RFC 8187 UTF-8 filename)."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

_FALLBACK = "download"


def _ascii_fallback(filename: str) -> str:
    # Strip accents, drop everything outside printable ASCII (CR/LF included), then escape for a
    # quoted-string so quotes and backslashes cannot end the parameter early.
    decomposed = unicodedata.normalize("NFKD", filename)
    printable = "".join(c for c in decomposed if 0x20 <= ord(c) < 0x7F)
    cleaned = printable.replace("\\", "\\\\").replace('"', '\\"').strip()
    return cleaned or _FALLBACK


def attachment(filename: str) -> str:
    """`attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded>`."""
    without_controls = "".join(c for c in filename if unicodedata.category(c)[0] != "C")
    encoded = quote(without_controls or _FALLBACK, safe="")
    return f"attachment; filename=\"{_ascii_fallback(without_controls)}\"; filename*=UTF-8''{encoded}"
