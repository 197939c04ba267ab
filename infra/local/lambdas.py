"""Load function handlers in-process, the way the Lambda runtime would, and a matching context."""

from __future__ import annotations

import importlib.util
import itertools
import logging
import sys
import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from aws_lambda_powertools.logging.lambda_context import build_lambda_context_model
from satchel.observability import logger

from infra.functions import service_name

FUNCTIONS_DIR = Path(__file__).resolve().parents[2] / "functions"
log = logging.getLogger("satchel.local.lambdas")


def load_function(name: str) -> ModuleType:
    """Import functions/<name>/handler.py under a unique module name (every handler is 'handler')."""
    module_name = f"satchel_function_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    return _import_handler(name, module_name)


def _import_handler(name: str, module_name: str, functions_dir: Path = FUNCTIONS_DIR) -> ModuleType:
    path = functions_dir / name / "handler.py"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"no handler at {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def invoke(name: str, event: dict[str, Any]) -> Any:
    return load_function(name).lambda_handler(event, LocalContext(function_name=name))


class FunctionPool:
    """Execution environments per function, as Lambda keeps them: each serves one request at a time.

    An environment is its own import of the handler module, because handler modules hold
    per-request state (the Powertools resolver keeps the current event on the module's `app`).
    Concurrent requests get separate environments; a finished one is reused (a warm start).
    The shared satchel package is imported once, like a layer in a long-lived process.

    So is its one Logger, whose keys (correlation id, function name...) are process-wide: each
    invocation gets its own thread-safe keys instead, with the service name and Lambda context
    its function would log deployed, and the correlation id the resolver sets.
    """

    def __init__(self, functions_dir: Path = FUNCTIONS_DIR) -> None:
        self._functions_dir = functions_dir
        self._idle: defaultdict[str, list[ModuleType]] = defaultdict(list)
        self._lock = threading.Lock()
        self._serial = itertools.count(1)

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        environment, cold = self._acquire(name)
        context = LocalContext(function_name=name)
        logger.thread_safe_clear_keys()  # this thread served another request before
        logger.thread_safe_append_keys(
            service=service_name(name), cold_start=cold, **build_lambda_context_model(context).__dict__
        )
        try:
            return environment.lambda_handler(event, context)
        finally:
            logger.thread_safe_clear_keys()
            with self._lock:
                self._idle[name].append(environment)

    def _acquire(self, name: str) -> tuple[ModuleType, bool]:
        """An execution environment of the function, and whether it is new (a cold start)."""
        with self._lock:
            if self._idle[name]:
                return self._idle[name].pop(), False
            serial = next(self._serial)
        log.info("%s: cold start (execution environment %d)", name, serial)
        return _import_handler(name, f"satchel_function_{name}_env{serial}", self._functions_dir), True


@dataclass
class LocalContext:
    """The attributes Powertools reads from a Lambda context."""

    function_name: str
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000
