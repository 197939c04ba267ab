"""Satchel shared package: domain services, stores, settings, observability and HTTP helpers."""

from satchel.lazy_packages import PACKAGES, defer_init

# Before anything below satchel imports Powertools: its event handler without every resolver and
# event class it would otherwise import (see satchel.lazy_packages).
for _package in PACKAGES:
    defer_init(_package)
