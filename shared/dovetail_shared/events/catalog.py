"""Imports every payload module of ``dovetail_shared.events`` so the registry is complete (schema export,
contract tests, consumers). Discovered, not listed: a new service's ``events/<name>.py`` is found by itself."""

import importlib
import pkgutil
from types import ModuleType

from dovetail_shared import events

# The package's machinery, not payloads.
_NOT_PAYLOADS = frozenset({"base", "catalog", "schemas"})

MODULES: tuple[ModuleType, ...] = tuple(
    importlib.import_module(f"{events.__name__}.{m.name}")
    for m in sorted(pkgutil.iter_modules(events.__path__), key=lambda m: m.name)
    if m.name not in _NOT_PAYLOADS
)
