"""Operator commands run from a workstation: first admin, signing-key rotation."""
