"""Satchel shared package: domain services, stores, settings, observability and HTTP helpers."""
