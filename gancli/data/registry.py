"""The built-in data sets, each an entry that carries its loader, and how a --data string is
resolved.

A built-in set is a module in `gancli/data/` with a loader decorated by `@builtin(...)`:

    @builtin("shapes", help="10,000 procedural coloured shapes, ...", kind="image")
    def load_shapes(request: Request) -> Dataset: ...

The decorator's arguments are read from the modules' text (see `gancli._registry`), so that
help texts and suggestions list the names without importing torch, numpy or PIL; the module is
imported when its set is loaded (`SOURCES.load(name)`).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gancli._registry import Registry
from gancli.errors import GanError

DEFAULT_SOURCE = "shapes"  # needs no download and no extra package
# "pairs": A|B image pairs (pix2pix); "unpaired": two domains without pairs (CycleGAN)
KINDS = ("image", "points", "pairs", "unpaired")


@dataclass(frozen=True)
class Request:
    """What `load_data` asks a built-in set's loader for."""

    name: str  # the set's registered name (one loader may serve several names)
    source: str  # what the user typed, kept in the data set and its cache entry
    image_size: int | None = None  # square side; None: the set's own
    channels: int | None = None  # 1, 3, or None: the set's own
    cache_dir: str | os.PathLike | None = None
    seed: int = 0  # for drawn sets (shapes, faces, toys); a fixed data seed, not the training's
    progress: Any = None  # progress(done, total) while a cache entry is built


@dataclass(frozen=True)
class Builtin:
    """One built-in data set: `load(request)` returns its `Dataset`."""

    name: str
    help: str  # one line for `gan data list` and help texts
    kind: str  # "image", "points", "pairs" or "unpaired"
    aliases: tuple[str, ...] = ()  # other spellings people type for it
    module: str = ""
    load: Callable[[Request], Any] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "aliases", tuple(self.aliases))
        if self.kind not in KINDS:
            raise ValueError(f"data set {self.name!r}: kind must be one of {KINDS}")
        if self.name != self.name.lower() or " " in self.name or "_" in self.name:
            raise ValueError(f"data set {self.name!r}: the name must be lower case, '-' not '_'")


SOURCES: Registry[Builtin] = Registry(
    "built-in data set", "gancli.data", "builtin", Builtin, impl="load"
)
builtin = SOURCES.register  # @builtin("name", help=..., kind=..., aliases=(...))

# name -> one line for help texts (a live view of SOURCES)
BUILTINS = SOURCES.view("help")


def builtin_names() -> list[str]:
    """Sorted names of the built-in sources, for help texts and suggestions."""
    return sorted(SOURCES)


def paired_builtins() -> list[str]:
    """The built-in sets of image pairs, for help texts and errors."""
    return sorted(n for n, s in SOURCES.items() if s.kind == "pairs")


def unpaired_builtins() -> list[str]:
    """The built-in sets of two unpaired domains, for help texts and errors."""
    return sorted(n for n, s in SOURCES.items() if s.kind == "unpaired")


def canonical_name(name: str) -> str | None:
    """The built-in name `name` means (case and '_' vs '-' ignored), or None."""
    key = name.strip().lower().replace("_", "-")
    if key not in SOURCES:
        key = next((s.name for s in SOURCES.values() if key in s.aliases), key)
    return key if key in SOURCES else None


def resolve_source(source: str) -> tuple[str, str | Path]:
    """("folder", Path) for an existing directory, else ("builtin", name); GanError otherwise.

    A directory wins over a built-in of the same name, so a user's own `./mnist/` folder
    is never silently replaced by the download.
    """
    path = Path(source).expanduser()
    if path.is_dir():
        return "folder", path
    if path.exists():
        raise GanError(
            f"data source '{source}' is a file, not a folder: give the folder that holds the "
            f"images, or one of: {', '.join(builtin_names())}"
        )
    name = canonical_name(source)
    if name is not None:
        return "builtin", name
    names = ", ".join(builtin_names())
    msg = f"unknown data source '{source}': not a folder, and not one of: {names}"
    close = difflib.get_close_matches(source.strip().lower(), builtin_names(), n=1, cutoff=0.6)
    if close:
        msg += f" (did you mean '{close[0]}'?)"
    raise GanError(msg)
