"""Network families, built from the plain dict of constructor arguments a checkpoint stores.

A family is named "<module>.<key>": the module `gancli.nets.<module>` lists its nets in a
`NETS` dict. Adding a family is adding a module (or a key); nothing here changes. Modules are
imported only when a net is built.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from gancli.errors import GanError

_FAMILY = re.compile(r"^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)$")


def resolve(family: Any) -> Any:
    """The class a family name stands for. Names come from checkpoints, so they are checked
    before anything is imported: only modules inside gancli.nets can be reached."""
    m = _FAMILY.match(family) if isinstance(family, str) else None
    if m is None:
        raise GanError(f"unknown network family {family!r}")
    try:
        module = importlib.import_module(f"gancli.nets.{m.group(1)}")
    except ModuleNotFoundError as e:
        raise GanError(f"unknown network family {family!r}") from e
    nets = getattr(module, "NETS", {})
    if m.group(2) not in nets:
        raise GanError(
            f"unknown network family {family!r}; {m.group(1)} has: {', '.join(sorted(nets))}"
        )
    return nets[m.group(2)]


def build(config: dict[str, Any]) -> Any:
    """Instantiate a net from {"family": name, **kwargs}."""
    config = dict(config)
    cls = resolve(config.pop("family", None))
    try:
        return cls(**config)
    except TypeError as e:
        raise GanError(f"bad arguments for network {cls.__name__}: {e}") from e
