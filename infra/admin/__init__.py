"""Operator commands run from a workstation: first admin, signing-key rotation."""

import os

# These commands print their result on stdout; satchel's INFO request logs would interleave with it.
# Set before any command imports satchel, whose Logger reads the level once.
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "satchel-admin")
