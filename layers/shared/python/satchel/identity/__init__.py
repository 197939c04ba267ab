"""Accounts and sessions: users, password hashes, refresh-token families and the access denylist."""
