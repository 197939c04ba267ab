"""The shared layer: built without Docker, arm64 wheels for the runtime, boto3 left to the runtime."""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path

from infra.constructs.compute import RUNTIME
from infra.layer_bundling import SharedLayerBuild, pip_arguments
from infra.runtime_requirements import RUNTIME_PROVIDED, export_requirements


def _layer_dir(synth) -> Path:
    layer = synth.stack.node.find_child("Shared").layer
    return synth.outdir / synth.resource(layer)["Metadata"]["aws:asset:path"]


def test_layer_is_for_the_runtime_and_arm64(synth):
    properties = synth.resource(synth.stack.node.find_child("Shared").layer)["Properties"]
    assert properties["CompatibleRuntimes"] == [RUNTIME.name]
    assert properties["CompatibleArchitectures"] == ["arm64"]


def test_layer_holds_satchel_and_its_runtime_dependencies_but_not_boto3(synth):
    python = _layer_dir(synth) / "python"
    assert (python / "satchel" / "__init__.py").is_file()
    assert (python / "satchel" / "routes.py").read_bytes() == Path(
        "layers/shared/python/satchel/routes.py"
    ).read_bytes()
    for package in ("aws_lambda_powertools", "aws_xray_sdk", "jwt", "pynamodb"):
        assert (python / package).is_dir(), package
    for package in ("boto3", "botocore"):
        assert not (python / package).exists(), package
    assert not list(python.rglob("__pycache__"))


def test_compiled_dependencies_are_aarch64_builds_for_the_runtime(synth):
    python = _layer_dir(synth) / "python"
    extensions = list(python.rglob("*.so"))
    version = RUNTIME.name.removeprefix("python").replace(".", "")
    assert extensions, "expected at least one compiled wheel (wrapt) to check"
    for extension in extensions:
        assert f"cpython-{version}-aarch64-linux-gnu" in extension.name, extension.name


def test_requirements_come_from_the_lock_without_runtime_provided_sdks():
    requirements = dict(line.split("==") for line in export_requirements())
    assert not set(requirements) & set(RUNTIME_PROVIDED)
    for name in ("aws-lambda-powertools", "aws-xray-sdk", "pyjwt", "pynamodb"):
        # the developer environment is synced from the same uv.lock
        assert requirements[name] == metadata.version(name), name


def test_pip_installs_manylinux_aarch64_binaries_for_the_runtime_version():
    arguments = pip_arguments("3.14", "/out/python")
    assert "--only-binary=:all:" in arguments
    assert arguments[arguments.index("--platform") + 1] == "manylinux2014_aarch64"
    assert arguments[arguments.index("--python-version") + 1] == "3.14"
    assert arguments[arguments.index("--implementation") + 1] == "cp"
    assert arguments[arguments.index("--target") + 1] == "/out/python"


def test_cached_dependencies_do_not_run_pip_again(tmp_path, monkeypatch):
    build = SharedLayerBuild(RUNTIME, ("pyjwt==2.10.0",), tmp_path)
    ready = tmp_path / build.dependencies_key
    (ready / "python").mkdir(parents=True)
    (ready / ".complete").write_text("pyjwt==2.10.0\n")

    def no_pip(*args, **kwargs):
        raise AssertionError("pip ran on a cache hit")

    monkeypatch.setattr(subprocess, "run", no_pip)
    assert build.cached_dependencies() == ready


def test_cache_key_and_asset_hash_follow_the_requirements():
    one = SharedLayerBuild(RUNTIME, ("pyjwt==2.10.0",), Path("/unused"))
    other = SharedLayerBuild(RUNTIME, ("pyjwt==2.10.1",), Path("/unused"))
    assert one.dependencies_key != other.dependencies_key
    assert one.asset_hash != other.asset_hash


def test_asset_hash_follows_the_satchel_sources(tmp_path, monkeypatch):
    import infra.layer_bundling as bundling

    module = tmp_path / "shared" / "python" / "satchel" / "routes.py"
    module.parent.mkdir(parents=True)
    module.write_text("A = 1\n")
    monkeypatch.setattr(bundling, "LAYER_SOURCE", tmp_path / "shared")
    before = SharedLayerBuild(RUNTIME, ("pyjwt==2.10.0",), tmp_path).asset_hash
    module.write_text("A = 2\n")
    assert SharedLayerBuild(RUNTIME, ("pyjwt==2.10.0",), tmp_path).asset_hash != before
