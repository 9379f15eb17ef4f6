"""Deferred imports, so that `gan --help` never pays for importing torch.

Modules that must stay light at import time (the variant registry, the CLI) refer to torch
through a proxy that imports the real module on first attribute access.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule(ModuleType):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._lazy_name = name

    def _load(self) -> ModuleType:
        return importlib.import_module(self._lazy_name)

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_lazy"):
            raise AttributeError(attr)
        return getattr(self._load(), attr)


def lazy(name: str) -> Any:
    """A stand-in for `import name` that imports on first use."""
    return LazyModule(name)
