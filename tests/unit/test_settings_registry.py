"""Every settings loader is listed once, validates the environment, caches, and resets with one call."""

from __future__ import annotations

import pytest
from satchel import settings
from satchel.auth.settings import AuthSettings
from satchel.idempotency.settings import IdempotencySettings
from satchel.identity.settings import IdentitySettings
from satchel.ratelimit.settings import RateLimitSettings
from satchel.settings import ConfigurationError
from satchel.settings_registry import all_settings_loaders
from satchel.transfers.settings import TransferSettings

from infra.functions import SettingsGroup
from infra.local.resources import LocalNames

CLASSES = {
    "transfers": TransferSettings,
    "auth": AuthSettings,
    "identity": IdentitySettings,
    "rate_limits": RateLimitSettings,
    "idempotency": IdempotencySettings,
}


@pytest.fixture
def local_environment(monkeypatch: pytest.MonkeyPatch):
    for name, value in LocalNames().environment().items():
        monkeypatch.setenv(name, value)
    settings.reset_cache()
    yield
    settings.reset_cache()


def test_one_loader_per_settings_group() -> None:
    assert set(all_settings_loaders()) == {group.value for group in SettingsGroup}


def test_every_loader_created_is_listed() -> None:
    # settings_loader() registers each loader's cache for reset_cache(); the registry must name them all.
    assert len(settings._cache_clears) == len(all_settings_loaders())
    listed = [loader.cache_clear for loader in all_settings_loaders().values()]  # type: ignore[attr-defined]
    assert all(clear in listed for clear in settings._cache_clears)


def test_every_loader_builds_its_settings_from_the_local_environment(local_environment: None) -> None:
    for name, loader in all_settings_loaders().items():
        assert isinstance(loader(), CLASSES[name])


def test_loaders_cache_until_one_reset_clears_them_all(local_environment: None) -> None:
    loaders = all_settings_loaders()
    first = {name: loader() for name, loader in loaders.items()}
    assert all(loader() is first[name] for name, loader in loaders.items())
    settings.reset_cache()
    assert all(loader() is not first[name] for name, loader in loaders.items())


@pytest.mark.parametrize("name", list(CLASSES))
def test_a_missing_variable_fails_the_loader(
    local_environment: None, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.delenv("AWS_REGION")
    settings.reset_cache()
    with pytest.raises(ConfigurationError, match="AWS_REGION"):
        all_settings_loaders()[name]()
