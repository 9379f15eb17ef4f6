"""Registries whose entries carry their implementation, and are listed without importing it.

A metric, a feature extractor or a built-in data set is one module that registers itself with
a decorator, the way a variant does, but with its description in the decorator's arguments:

    @metric("kid", help="kernel distance ...", kinds=("image", "points"), better="lower")
    def compute(inputs): ...

Listing the names and their help lines must not import torch (`gan --help` stays instant),
and the module that computes a metric does. So a registry reads those decorator calls from
the source text of its package's modules: every `@decorator(...)` at the start of a line, its
first argument the name and its keyword arguments literals (strings, numbers, booleans,
tuples). Importing the module runs the decorator itself, which attaches the implementation;
`load(name)` does that on first use. An entry registered at run time (a plugin, a test) joins
the same table.

Keyword arguments named in `runtime` (functions, such as a metric's sample-count check) are
not literals: the scan skips them and they arrive with the implementation.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Generic, TypeVar

E = TypeVar("E")
F = TypeVar("F", bound=Callable[..., Any])

# where a decorator's text ends: the next line that starts a definition or another decorator
_NEXT = re.compile(r"^(?:@|def |async def |class )", re.M)


class Registry(Mapping[str, E], Generic[E]):
    """name -> entry, sorted by name. `entry` is a dataclass with the fields `name`, `module`,
    the implementation (`impl`) and the decorator's keyword arguments."""

    def __init__(
        self,
        what: str,
        package: str,
        decorator: str,
        entry: Callable[..., E],
        impl: str,
        runtime: tuple[str, ...] = (),
    ) -> None:
        self.what = what  # "metric": for messages
        self.package = package
        self.decorator = decorator
        self._entry = entry
        self._impl = impl
        self._runtime = frozenset(runtime)
        self._pattern = re.compile(rf"^@(?:\w+\.)*{re.escape(decorator)}\(", re.M)
        self._table: dict[str, E] | None = None

    # ---- the table ---------------------------------------------------------------------

    def _entries(self) -> dict[str, E]:
        if self._table is None:
            self._table = {}  # set first: a module imported below may register into it
            self._table.update(self._scan())
        return self._table

    def _scan(self) -> dict[str, E]:
        """The entries declared in the package's modules, read from their text."""
        pkg = importlib.import_module(self.package)
        found: dict[str, E] = {}
        for info in pkgutil.iter_modules(pkg.__path__):
            if info.ispkg or info.name.startswith("_"):
                continue
            path = Path(getattr(info.module_finder, "path", "")) / f"{info.name}.py"
            try:
                text = path.read_text(encoding="utf-8")
            except OSError:
                continue
            module = f"{self.package}.{info.name}"
            for match in self._pattern.finditer(text):
                end = _NEXT.search(text, match.end())
                source = text[match.start() + 1 : end.start() if end else len(text)]
                name, fields = self._literal(source, module)
                if name in found:
                    raise ValueError(f"{self.what} {name!r} declared twice ({module})")
                found[name] = self._entry(name=name, module=module, **fields)
        return found

    def _literal(self, source: str, module: str) -> tuple[str, dict[str, Any]]:
        where = f"{module}: @{self.decorator}(...)"
        try:
            call = ast.parse(source.strip(), mode="eval").body
        except SyntaxError as e:
            raise ValueError(f"{where} could not be read ({e.msg})") from None
        if not isinstance(call, ast.Call) or len(call.args) != 1:
            raise ValueError(f"{where} takes the name, then keyword arguments")
        try:
            name = ast.literal_eval(call.args[0])
        except ValueError:
            name = None
        if not isinstance(name, str):
            raise ValueError(f"{where}: the name must be a string literal")
        fields: dict[str, Any] = {}
        for kw in call.keywords:
            if kw.arg is None:
                raise ValueError(f"{where} {name!r}: no **arguments")
            if kw.arg in self._runtime:
                continue
            try:
                fields[kw.arg] = ast.literal_eval(kw.value)
            except ValueError:
                raise ValueError(
                    f"{where} {name!r}: {kw.arg}= must be a literal (it is read from the "
                    f"source without importing the module)"
                ) from None
        return name, fields

    # ---- registering -------------------------------------------------------------------

    def register(self, name: str, **fields: Any) -> Callable[[F], F]:
        """The decorator: `@register("name", help=..., ...)` on the implementation."""

        def decorate(impl: F) -> F:
            entry = self._entry(name=name, module=impl.__module__, **{self._impl: impl}, **fields)
            table = self._entries()
            old = table.get(name)
            if old is not None and (
                old.module != impl.__module__ or getattr(old, self._impl) is not None
            ):
                raise ValueError(
                    f"{self.what} {name!r} registered twice ({old.module} and {impl.__module__})"
                )
            table[name] = entry
            return impl

        return decorate

    def unregister(self, name: str) -> None:
        """Remove an entry registered at run time (a test's throwaway one)."""
        self._entries().pop(name, None)

    def load(self, name: str) -> E:
        """The entry with its implementation, importing its module on first use."""
        entry = self[name]
        if getattr(entry, self._impl) is None:
            importlib.import_module(entry.module)
            entry = self[name]
            if getattr(entry, self._impl) is None:
                raise ValueError(
                    f"{entry.module} declares the {self.what} {name!r} but did not "
                    "register it when imported"
                )
        return entry

    def view(self, field: str) -> Mapping[str, Any]:
        """name -> one field of each entry (e.g. its help line), as a live mapping."""
        return _View(self, field)

    # ---- Mapping -----------------------------------------------------------------------

    def __getitem__(self, name: str) -> E:
        return self._entries()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._entries()))

    def __len__(self) -> int:
        return len(self._entries())

    def __contains__(self, name: object) -> bool:
        return name in self._entries()


class _View(Mapping[str, Any]):
    def __init__(self, registry: Registry[Any], field: str) -> None:
        self._registry, self._field = registry, field

    def __getitem__(self, name: str) -> Any:
        return getattr(self._registry[name], self._field)

    def __iter__(self) -> Iterator[str]:
        return iter(self._registry)

    def __len__(self) -> int:
        return len(self._registry)
