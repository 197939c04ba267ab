"""Powertools' event handler without the resolvers and event classes our functions never use.

Importing any module of a package runs the package's `__init__` first, and two Powertools
`__init__`s import far more than we use: `aws_lambda_powertools.event_handler` imports every
resolver (AppSync, Bedrock agents, VPC Lattice, ...) and `aws_lambda_powertools.utilities.data_classes`
every event class (some 40 modules). Together they cost an API function ~16 ms of its cold start
(docs/benchmarks.md), for a resolver that needs a handful of them.

`defer_init(package)`, called before the package is first imported, registers the package without
running its `__init__`. A name the `__init__` imports is imported from its own module on first
access (the package is a module subclass with a `__getattr__`), so `from package import Name` gives
the very object it always did, and importing a submodule works as before. Any other attribute (`__all__`, say) runs
the whole `__init__` first. A package whose `__init__` does anything but import names and set
`__all__` is imported as usual, so a Powertools upgrade can cost time, never behaviour.

`satchel/__init__.py` defers `PACKAGES`, so anything that imports satchel before those packages
(a handler importing `satchel.http` first) gets the lean import.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any

PACKAGES = ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.data_classes")

# The packages whose deferred __init__ this thread is running: a name it has not bound yet is then
# missing, as in any partially initialised module, instead of starting the __init__ again.
_running = threading.local()


def defer_init(name: str) -> bool:
    """Register package `name` so its `__init__` runs only when a name it defines is needed.

    Returns False, changing nothing, when the package is already imported or its `__init__` is
    not imports only."""
    if name in sys.modules:
        return False
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return False
    source = spec.loader.get_source(name)  # type: ignore[attr-defined]
    tree = ast.parse(source) if source else None
    origins = _imported_names(tree, name) if tree else None
    if tree is None or origins is None:
        return False
    module = importlib.util.module_from_spec(spec)
    module.__class__ = _DeferredPackage
    module.__doc__ = ast.get_docstring(tree, clean=False)
    module.__dict__["_deferred_origins"] = origins
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return True


class _DeferredPackage(ModuleType):
    """A package whose `__init__` has not run: its names are imported one by one as they are used."""

    def __getattr__(self, attr: str) -> Any:
        origins: dict[str, tuple[str, str | None]] = self.__dict__.get("_deferred_origins", {})
        if attr in origins:
            value = _resolve(origins[attr])
        elif importlib.util.find_spec(f"{self.__name__}.{attr}") is not None:  # `from package import submodule`
            value = importlib.import_module(f"{self.__name__}.{attr}")
        else:
            _run_init(self)
            try:
                return self.__dict__[attr]
            except KeyError:
                raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r}") from None
        ModuleType.__setattr__(self, attr, value)
        return value

    def __setattr__(self, attr: str, value: Any) -> None:
        # Importing a submodule sets it as an attribute of its package. Where the __init__ binds
        # that name to something the submodule defines (data_classes' `event_source` function),
        # the __init__'s binding wins, as it does after a whole import.
        origin = self.__dict__.get("_deferred_origins", {}).get(attr)
        if origin is not None and origin[1] is not None and isinstance(value, ModuleType):
            value = _resolve(origin)
        ModuleType.__setattr__(self, attr, value)


def _resolve(origin: tuple[str, str | None]) -> Any:
    found = importlib.import_module(origin[0])
    return found if origin[1] is None else getattr(found, origin[1])


def _imported_names(tree: ast.Module, package: str) -> dict[str, tuple[str, str | None]] | None:
    """Each name the `__init__` binds -> (module it comes from, its name there; None for the module
    itself). None when the `__init__` does anything but import names and set `__all__`."""
    origins: dict[str, tuple[str, str | None]] = {}
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):  # the docstring
            continue
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__all__"]:
            continue
        if not isinstance(node, ast.ImportFrom) or any(alias.name == "*" for alias in node.names):
            return None
        source_module = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
        for alias in node.names:
            bound = alias.asname or alias.name
            if node.module is None:  # `from . import submodule`
                origins[bound] = (f"{source_module}.{alias.name}", None)
            else:
                origins[bound] = (source_module, alias.name)
    return origins


def _run_init(module: ModuleType) -> None:
    """Run the package's real `__init__` once and give the module everything it binds."""
    running: set[str] = _running.__dict__.setdefault("packages", set())
    if "_deferred_origins" not in module.__dict__ or module.__name__ in running:
        return
    seeded = ("__name__", "__package__", "__spec__", "__path__", "__file__")
    running.add(module.__name__)
    try:
        # A namespace of its own, so other threads see the module unchanged until it is complete.
        namespace = {key: module.__dict__[key] for key in seeded}
        exec(module.__spec__.loader.get_code(module.__name__), namespace)  # type: ignore[union-attr]  # noqa: S102
    finally:
        running.discard(module.__name__)
    for key, value in namespace.items():
        if key not in seeded and key != "__builtins__":
            ModuleType.__setattr__(module, key, value)
    module.__class__ = ModuleType
    module.__dict__.pop("_deferred_origins", None)
