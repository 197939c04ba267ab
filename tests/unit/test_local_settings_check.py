"""The local stack checks every function's settings before it starts, as each cold start would."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.functions import SPECS, SettingsGroup, settings_loaders
from infra.local.stack import LocalStack


def test_every_settings_group_has_a_loader() -> None:
    assert set(settings_loaders()) == set(SettingsGroup)


def test_default_settings_have_no_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RATE_LIMIT_AUTH", raising=False)
    assert LocalStack(work_dir=tmp_path).settings_problems() == []


def test_an_out_of_range_value_names_the_variable_its_range_and_every_function_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RATE_LIMIT_AUTH", "0")

    (problem,) = LocalStack(work_dir=tmp_path).settings_problems()

    assert "RATE_LIMIT_AUTH must be between 1 and 1000000, got 0" in problem
    readers = [spec.name for spec in SPECS if SettingsGroup.RATE_LIMITS in spec.settings]
    assert problem.endswith(f"(read by {', '.join(readers)})")


def test_a_bad_variable_in_each_settings_class_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMIT_AUTH", "0")
    monkeypatch.setenv("DOWNLOAD_URL_TTL", "soon")

    problems = LocalStack(work_dir=tmp_path).settings_problems()

    assert len(problems) == 2
    assert any("DOWNLOAD_URL_TTL must be an integer" in problem for problem in problems)
