"""Role names and the length limits of identity's inputs: plain constants, nothing else.

The route table, which every function imports at cold start, states these in the identity
contracts; keeping them here spares the functions of other domains identity's domain objects.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


KNOWN_ROLES = frozenset(r.value for r in Role)
MAX_EMAIL_CHARS = 254  # RFC 5321 path limit
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256  # bounded so a huge body cannot make hashing expensive
