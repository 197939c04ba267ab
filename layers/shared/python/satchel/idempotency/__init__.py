"""Idempotency-Key for creating POSTs: a retry with the same key and body answers the first result.

The resolver (satchel.http) imports `satchel.idempotency.guard` only for a request that carries
the header on a route whose contract is idempotent, so no other request pays for Powertools'
idempotency utility. This package's `__init__` stays empty: satchel.tables imports the table's
model from here at every cold start.
"""
