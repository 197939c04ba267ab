"""Operator commands refuse bad invocations with a clear message and exit code, never a traceback.

Everything here fails before any stack is contacted, so no AWS (or emulator) is needed. The
subprocess runs start a new session: without a controlling terminal getpass cannot prompt, as in
CI or cron, even when pytest itself runs in a terminal.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from satchel.auth.settings import AuthSettings
from satchel.settings import ConfigurationError

from infra.admin import bootstrap, rotate_keys

REPO_ROOT = Path(__file__).resolve().parents[2]
AUTH_ENV = {
    "AWS_REGION": "eu-west-1",
    "JWT_SECRET_ID": "keys",
    "JWT_ISSUER": "https://issuer.test",
    "JWT_AUDIENCE": "api",
    "USERS_TABLE": "users",
    "REVOCATIONS_TABLE": "revocations",
}


@pytest.fixture(autouse=True)
def _no_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`--local` finds no stack (never a developer's `make run`), and whatever environment a command
    applies is put back."""
    monkeypatch.setenv("SATCHEL_LOCAL_DIR", str(tmp_path / "no-stack"))
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def _command(module: str, *args: str, work_dir: Path, password: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m <module> ...` as `make` runs it: layer on the path, no terminal, no stack running."""
    env = {k: v for k, v in os.environ.items() if k != bootstrap.PASSWORD_VARIABLE}
    if password is not None:
        env[bootstrap.PASSWORD_VARIABLE] = password
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT / "layers/shared/python"), env.get("PYTHONPATH")]))
    env["SATCHEL_LOCAL_DIR"] = str(work_dir)  # an empty directory: no local stack there
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
    )


# -- bootstrap: where the password comes from ----------------------------------------------


def test_bootstrap_without_a_terminal_or_password_variable_says_how_to_give_one(tmp_path: Path) -> None:
    result = _command("infra.admin.bootstrap", "--local", "--email", "admin@example.com", work_dir=tmp_path)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "error: no password: set SATCHEL_ADMIN_PASSWORD, or run this in a terminal to be asked for one"
    )
    assert result.stdout == ""


def test_bootstrap_checks_the_password_before_touching_the_stack(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # No stack runs here: reaching it first would answer "make run" instead of the real problem.
    monkeypatch.delenv(bootstrap.PASSWORD_VARIABLE, raising=False)
    monkeypatch.setattr(bootstrap, "has_terminal", lambda: False)

    assert bootstrap.main(["--local", "--email", "admin@example.com"]) == 2
    assert "SATCHEL_ADMIN_PASSWORD" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ([EOFError()], "error: no password was entered"),  # Ctrl-D at the prompt
        (["first password!", "second password"], "error: the passwords differ"),
    ],
)
def test_bootstrap_prompt_problems_are_usage_errors(
    answers: list[object], message: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(bootstrap.PASSWORD_VARIABLE, raising=False)
    monkeypatch.setattr(bootstrap, "has_terminal", lambda: True)
    replies = iter(answers)

    def getpass(prompt: str) -> str:
        reply = next(replies)
        if isinstance(reply, BaseException):
            raise reply
        return str(reply)

    monkeypatch.setattr(bootstrap.getpass, "getpass", getpass)

    assert bootstrap.main(["--local", "--email", "admin@example.com"]) == 2
    assert capsys.readouterr().err.strip() == message


def test_bootstrap_without_a_running_stack_says_so(tmp_path: Path) -> None:
    result = _command(
        "infra.admin.bootstrap", "--local", "--email", "admin@example.com", work_dir=tmp_path, password="long password!"
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "no local stack is running" in result.stderr and "make run" in result.stderr


# -- rotate_keys: arguments ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("grace", "complaint"),
    [
        ("-5", "must be 0 to 3600 seconds (the longest key-cache lifetime), got -5"),
        ("3601", "must be 0 to 3600 seconds (the longest key-cache lifetime), got 3601"),
        ("86400000", "must be 0 to 3600 seconds (the longest key-cache lifetime), got 86400000"),
        ("soon", "must be a whole number of seconds, got 'soon'"),
        ("1.5", "must be a whole number of seconds, got '1.5'"),
    ],
)
def test_rotate_keys_rejects_a_negative_or_absurd_grace(
    grace: str, complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        rotate_keys.main(["--local", "--grace", grace])

    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"python -m infra.admin.rotate_keys: error: argument --grace: {complaint}"
    )


def test_rotate_keys_rejects_a_negative_grace_as_a_command(tmp_path: Path) -> None:
    result = _command("infra.admin.rotate_keys", "--local", "--grace", "-5", work_dir=tmp_path)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "argument --grace: must be 0 to 3600 seconds" in result.stderr


@pytest.mark.parametrize("grace", ["0", "300", "3600"])
def test_rotate_keys_accepts_a_grace_within_bounds(grace: str) -> None:
    assert rotate_keys.grace_seconds(grace) == int(grace)


def test_grace_and_withdraw_do_not_go_together(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        rotate_keys.main(["--local", "--grace", "60", "--withdraw", "k1"])

    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_grace_bound_is_the_longest_key_cache_lifetime() -> None:
    bound = str(rotate_keys.MAX_GRACE_SECONDS)
    assert AuthSettings.from_env({**AUTH_ENV, "JWT_KEY_CACHE_SECONDS": bound}).key_cache_seconds == int(bound)
    with pytest.raises(ConfigurationError):
        AuthSettings.from_env({**AUTH_ENV, "JWT_KEY_CACHE_SECONDS": str(rotate_keys.MAX_GRACE_SECONDS + 1)})


def test_rotate_keys_without_a_running_stack_says_so(tmp_path: Path) -> None:
    result = _command("infra.admin.rotate_keys", "--local", work_dir=tmp_path)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "make run" in result.stderr


# -- rotate_keys: key ids ------------------------------------------------------------------


def test_rotations_within_one_second_get_distinct_kids() -> None:
    now = 1_800_000_000  # 2027-01-15T08:00:00Z
    first = rotate_keys.new_kid(now)
    second = rotate_keys.new_kid(now, {"k0", first})
    third = rotate_keys.new_kid(now, {"k0", first, second})

    assert (first, second, third) == ("k20270115T080000Z", "k20270115T080000Z-2", "k20270115T080000Z-3")
