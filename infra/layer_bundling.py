"""Build the shared Lambda layer without Docker.

The layer is `python/` with the runtime dependencies (pinned by uv.lock) and the satchel package.
Dependencies are installed as manylinux aarch64 wheels for the Lambda runtime's Python version,
whatever machine runs the synth; boto3/botocore are left out because the runtime provides them.
pip runs once per distinct requirement set: its output is cached outside the repository, so the
many synths of a test run only copy files. Docker (the runtime's build image) is the fallback when
local bundling cannot run, with the same pip command.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

from infra.runtime_requirements import BundlingError, export_requirements

ROOT = Path(__file__).resolve().parents[1]
LAYER_SOURCE = ROOT / "layers" / "shared"
PACKAGE = "satchel"
PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache")


def pip_arguments(python_version: str, target: str) -> list[str]:
    """The one pip command line, shared by the local and the Docker bundler."""
    arguments = ["install", "--quiet", "--disable-pip-version-check", "--no-deps", "--no-compile"]
    for platform in PLATFORMS:
        arguments += ["--platform", platform]
    arguments += ["--only-binary=:all:", "--implementation", "cp", "--python-version", python_version]
    arguments += ["--target", target]
    return arguments


def _tree_digest(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(directory).as_posix().encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "satchel-cdk" / "layer-dependencies"


@dataclass(frozen=True)
class SharedLayerBuild:
    """Everything that determines the layer's content, and the two ways to produce it."""

    runtime: lambda_.Runtime
    requirements: tuple[str, ...]
    cache_dir: Path

    @classmethod
    def for_runtime(cls, runtime: lambda_.Runtime, cache_dir: Path | None = None) -> SharedLayerBuild:
        return cls(runtime, tuple(export_requirements()), cache_dir or default_cache_dir())

    @property
    def python_version(self) -> str:
        return self.runtime.name.removeprefix("python")  # "python3.14" -> "3.14"

    @cached_property
    def dependencies_key(self) -> str:
        text = "\n".join([self.python_version, *PLATFORMS, *self.requirements])
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    @cached_property
    def asset_hash(self) -> str:
        """Changes when the requirements, the runtime or any satchel source file changes."""
        return hashlib.sha256(f"{self.dependencies_key}:{_tree_digest(LAYER_SOURCE)}".encode()).hexdigest()

    def code(self) -> lambda_.Code:
        docker_target = "/asset-output/python"
        pip = " ".join(["pip", *pip_arguments(self.python_version, docker_target), *self.requirements])
        copy_package = f"cp -r /asset-input/python/{PACKAGE} {docker_target}/"
        return lambda_.Code.from_asset(
            str(LAYER_SOURCE),
            asset_hash_type=AssetHashType.CUSTOM,
            asset_hash=self.asset_hash,
            bundling=BundlingOptions(
                image=self.runtime.bundling_image,
                command=["bash", "-c", f"{pip} && {copy_package}"],
                local=LocalLayerBundler(self),
            ),
        )

    def cached_dependencies(self) -> Path:
        """The installed dependency tree for this requirement set, running pip only on a cache miss."""
        ready = self.cache_dir / self.dependencies_key
        if (ready / ".complete").exists():
            return ready
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        # Install next to the final place and rename, so parallel synths never see half a tree.
        staging = Path(tempfile.mkdtemp(prefix=f"{self.dependencies_key}.", dir=self.cache_dir))
        try:
            with tempfile.NamedTemporaryFile("w", suffix=".txt", dir=staging, delete=False) as handle:
                handle.write("\n".join(self.requirements) + "\n")
            command = [sys.executable, "-m", "pip", *pip_arguments(self.python_version, str(staging / "python"))]
            result = subprocess.run(  # noqa: S603
                [*command, "-r", handle.name], capture_output=True, text=True, check=False
            )
            if result.returncode != 0:
                raise BundlingError(f"pip install failed:\n{result.stderr.strip()}")
            Path(handle.name).unlink()
            (staging / ".complete").write_text("\n".join(self.requirements) + "\n")
            try:
                staging.rename(ready)
            except OSError:
                if not (ready / ".complete").exists():  # lost a race only if the winner finished
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return ready


@jsii.implements(ILocalBundling)
class LocalLayerBundler:
    """CDK calls this before Docker; returning True means the asset is built."""

    def __init__(self, build: SharedLayerBuild):
        self._build = build

    # jsii hands the BundlingOptions struct over as keyword arguments; none of them matter here.
    def try_bundle(self, output_dir: str, *, image: DockerImage, **_options: Any) -> bool:
        try:
            dependencies = self._build.cached_dependencies()
        except BundlingError as exc:
            print(f"local layer bundling failed, falling back to Docker: {exc}", file=sys.stderr)
            return False
        target = Path(output_dir) / "python"
        shutil.copytree(dependencies / "python", target, dirs_exist_ok=True, ignore=IGNORED)
        shutil.copytree(LAYER_SOURCE / "python" / PACKAGE, target / PACKAGE, dirs_exist_ok=True, ignore=IGNORED)
        return True
