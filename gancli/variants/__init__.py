"""The variant registry: name -> Variant class. Importing it does not import torch."""

from __future__ import annotations

import difflib

from gancli.errors import GanError
from gancli.variants.base import Hyper, Option, Variant

__all__ = ["Hyper", "Option", "Variant", "get", "is_valid", "names", "register"]

_REGISTRY: dict[str, type[Variant]] = {}


def register(cls: type[Variant]) -> type[Variant]:
    """Class decorator: adds a variant, checking that it says what the engine needs."""
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name or name != name.lower() or " " in name:
        raise ValueError(f"{cls.__name__}: variant name must be a lower-case word, got {name!r}")
    if name in _REGISTRY:
        raise ValueError(f"variant {name!r} registered twice ({_REGISTRY[name].__name__})")
    for attr in ("paper", "summary"):
        if not isinstance(getattr(cls, attr, None), str):
            raise ValueError(f"{cls.__name__}: missing {attr}")
    if not isinstance(getattr(cls, "defaults", None), Hyper):
        raise ValueError(f"{cls.__name__}: defaults must be a Hyper")
    # The train command offers each option with its default (cli/train.py): a variant states
    # both, and tests/variants/test_options_are_read.py checks that its losses read them.
    offered = [o.name for o in cls.options]
    if len(set(offered)) != len(offered):
        raise ValueError(f"{cls.__name__}: an option is listed twice in {offered}")
    missing = [n for n in offered if n not in cls.defaults.extra]
    if missing:
        raise ValueError(f"{cls.__name__}: options {missing} have no default in defaults.extra")
    _REGISTRY[name] = cls
    return cls


def names() -> list[str]:
    return sorted(_REGISTRY)


def is_valid(name: str) -> bool:
    return name in _REGISTRY


def get(name: str) -> type[Variant]:
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, names(), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise GanError(f"unknown variant '{name}'{hint}; valid: {', '.join(names())}")
    return _REGISTRY[name]


def _import_all() -> None:
    """Every module in this package is a variant that registers itself on import."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if info.name != "base" and not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


_import_all()


def _hyper_text(h: Hyper, adversarial: bool = True) -> str:
    same = h.lr_g == h.lr_d or not adversarial
    lr = f"lr {h.lr_g:g}" if same else f"lr G {h.lr_g:g} / D {h.lr_d:g}"
    z = f"z {h.z_dim}-d {h.prior}" if h.z_dim else "no latent z (G reads an image)"
    return (
        f"{z}, batch {h.batch_size}, {h.optimizer} {lr}"
        + (f", betas {h.betas[0]:g},{h.betas[1]:g}" if h.optimizer == "adam" else "")
        + (f", momentum {h.momentum:g}" if h.optimizer == "sgd" else "")
        + (f", n_critic {h.n_critic}." if adversarial else "; no discriminator.")
    )


def defaults_text(cls: type[Variant]) -> str:
    """A variant's paper defaults in words, for its help."""
    lines = [f"Defaults from {cls.paper}:", _hyper_text(cls.defaults, cls.adversarial)]
    if cls.toy_defaults is not None:
        lines.append(f"On 2-D toys: {_hyper_text(cls.toy_defaults, cls.adversarial)}")
    return "\n\n".join(lines)


def option_owners(flag: str) -> list[str]:
    """The variants that offer a flag (--name or --no-name) among their own options."""
    return [
        n
        for n in names()
        for o in get(n).options
        if flag in (f"--{o.name.replace('_', '-')}", f"--no-{o.name.replace('_', '-')}")
    ]
