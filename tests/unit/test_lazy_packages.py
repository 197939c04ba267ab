"""satchel.lazy_packages: a deferred package __init__ gives the same names, and only what is used."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from satchel.lazy_packages import PACKAGES, defer_init

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "shared" / "python"
FUNCTIONS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/handler.py"))


def _fresh_python(code: str, *paths: Path) -> str:
    """Run code in a new interpreter (nothing imported yet) with these paths first; its stdout."""
    prelude = f"import sys\nsys.path[:0] = {[str(p) for p in (*paths, LAYER)]!r}\n"
    result = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _package(root: Path, name: str, init: str, **modules: str) -> None:
    (root / name).mkdir()
    (root / name / "__init__.py").write_text(textwrap.dedent(init))
    for module, body in modules.items():
        (root / name / f"{module}.py").write_text(textwrap.dedent(body))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_function_imports_neither_unused_resolvers_nor_unused_event_classes(function: str) -> None:
    out = _fresh_python(
        """
        import json
        import handler
        print(json.dumps(sorted(sys.modules)))
        """,
        ROOT / "functions" / function,
    )
    loaded = set(json.loads(out))
    assert not {m for m in loaded if "appsync" in m or "bedrock_agent_function" in m}
    unused_events = ("code_pipeline_job_event", "connect_contact_flow_event", "s3_batch_operation_event")
    assert not {f"aws_lambda_powertools.utilities.data_classes.{m}" for m in unused_events} & loaded


def test_deferred_names_are_the_objects_the_whole_init_binds() -> None:
    # Names taken one by one first, then the whole __init__ (forced by __all__): nothing differs.
    out = _fresh_python(
        f"""
        import importlib, json
        import satchel
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
        from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
        taken = {{"APIGatewayRestResolver": APIGatewayRestResolver, "Response": Response,
                  "APIGatewayProxyEvent": APIGatewayProxyEvent}}
        report = {{}}
        for name in {list(PACKAGES)!r}:
            package = importlib.import_module(name)
            spec = package.__spec__
            whole = {{"__name__": name, "__package__": name, "__spec__": spec, "__path__": package.__path__}}
            exec(spec.loader.get_code(name), whole)
            exported = package.__all__  # runs the whole __init__ on the package itself
            report[name] = {{
                "exported": len(exported),
                "same": all(getattr(package, n) is whole[n] for n in exported),
                "taken": all(taken[n] is whole[n] for n in taken if n in whole),
                "lazy_left": type(package).__name__ != "module",
            }}
        print(json.dumps(report))
        """
    )
    for name, found in json.loads(out).items():
        assert found == {"exported": found["exported"], "same": True, "taken": True, "lazy_left": False}, name
        assert found["exported"] > 5


def test_a_name_is_imported_from_its_module_and_the_rest_waits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    _package(
        tmp_path,
        "lazypkg_names",
        '''
        """docstring"""
        from lazypkg_names.light import Light
        from .heavy import Heavy as Renamed
        from . import extra
        __all__ = ["Light", "Renamed", "extra"]
        ''',
        light="class Light: ...\n",
        heavy="class Heavy: ...\n",
        extra="VALUE = 1\n",
        other="OTHER = 2\n",
    )
    try:
        assert defer_init("lazypkg_names")
        from lazypkg_names import Light  # type: ignore[import-not-found]

        assert Light.__module__ == "lazypkg_names.light"
        assert "lazypkg_names.heavy" not in sys.modules
        from lazypkg_names import other  # type: ignore[import-not-found]  # a submodule the __init__ never named

        assert other.OTHER == 2
        assert "lazypkg_names.heavy" not in sys.modules
        import lazypkg_names  # type: ignore[import-not-found]

        assert lazypkg_names.extra.VALUE == 1
        assert lazypkg_names.__all__ == ["Light", "Renamed", "extra"]  # the whole __init__ ran
        assert lazypkg_names.Renamed.__module__ == "lazypkg_names.heavy"
        with pytest.raises(AttributeError):
            lazypkg_names.missing
        assert defer_init("lazypkg_names") is False  # already imported
    finally:
        for name in [m for m in sys.modules if m.startswith("lazypkg_names")]:
            del sys.modules[name]


def test_a_package_whose_init_does_more_than_import_is_imported_as_usual(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    _package(tmp_path, "lazypkg_effects", "from .a import A\nSTARTED = True\n", a="class A: ...\n")
    assert defer_init("lazypkg_effects") is False
    assert "lazypkg_effects" not in sys.modules
