"""Synthesize the real app once per test session; every infra test reads that one result."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from infra.app import build_app
from infra.stack import SatchelStack


@dataclass
class Synth:
    stack: SatchelStack
    template: Template
    outdir: Path

    @property
    def resources(self) -> dict[str, Any]:
        return self.template.to_json()["Resources"]

    def logical_id(self, construct: Any) -> str:
        """Logical id of a construct (or of its default CloudFormation child)."""
        element = getattr(construct.node, "default_child", None) or construct
        return Stack.of(construct).get_logical_id(element)

    def resource(self, construct: Any) -> dict[str, Any]:
        return self.resources[self.logical_id(construct)]

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == resource_type}


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synth]:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app, stack = build_app(outdir=str(outdir))
    app.synth()
    yield Synth(stack=stack, template=Template.from_stack(stack), outdir=outdir)
