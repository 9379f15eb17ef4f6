"""Typer flags generated from an options dataclass (`gancli.optionspec.option` fields).

    @with_options(SampleOptions)
    def sample(ckpt: CkptArg, opts: SampleOptions) -> None: ...

The command's own parameters (arguments such as CKPT) come first, then one flag per field in
the dataclass's order, with its default, flags and help; the function is called with the filled
dataclass as `opts`.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from typing import Annotated, Any

import typer


def _flag(field: dataclasses.Field, hint: Any) -> tuple[Any, Any]:
    meta = field.metadata
    flags = meta.get("flags") or ()
    info = typer.Option(*flags, help=meta.get("help"), **meta.get("typer", {}))
    if field.default is not dataclasses.MISSING:
        default = field.default
    elif field.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        default = field.default_factory()  # type: ignore[misc]
    else:
        default = inspect.Parameter.empty
    return Annotated[hint, info], default


def with_options(cls: type, name: str = "opts", **fixed: Any) -> Any:
    """Make the decorated command take `cls`'s fields as flags and receive them as `name`,
    built with `fixed` values besides. A `**kwargs` of the command (more flags, added to the
    signature later) is left out of the signature and passed on."""
    hints = typing.get_type_hints(cls, include_extras=True)
    fields = [f for f in dataclasses.fields(cls) if "help" in f.metadata]

    def wrap(fn: Any) -> Any:
        own = inspect.signature(fn, eval_str=True)
        own_hints = typing.get_type_hints(fn, include_extras=True)
        # the command's arguments, then the fields' flags, then its own flags (--json, ...)
        own_params = [
            p
            for p in own.parameters.values()
            if p.name != name and p.kind is not inspect.Parameter.VAR_KEYWORD
        ]
        annotations = {p.name: own_hints.get(p.name, p.annotation) for p in own_params}
        params = [p for p in own_params if p.default is inspect.Parameter.empty]
        for f in fields:
            hint, default = _flag(f, hints[f.name])
            params.append(
                inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=default)
            )
            annotations[f.name] = hint
        params += [
            p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
            for p in own_params
            if p.default is not inspect.Parameter.empty
        ]
        params = [p.replace(annotation=annotations[p.name]) for p in params]

        @functools.wraps(fn)
        def command(**kwargs: Any) -> Any:
            values = {f.name: kwargs.pop(f.name) for f in fields if f.name in kwargs}
            return fn(**kwargs, **{name: cls(**values, **fixed)})

        del command.__wrapped__  # Typer reads the signature set here, not fn's
        command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        command.__annotations__ = annotations
        return command

    return wrap
