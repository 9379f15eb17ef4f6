"""Network families, built from the plain dict of constructor arguments a checkpoint stores."""

from __future__ import annotations

import importlib
from typing import Any

from gancli.errors import GanError

# family name -> "module:Class"; modules are imported only when a net is built.
FAMILIES = {
    "mlp.generator": "gancli.nets.mlp:MLPGenerator",
    "mlp.maxout_discriminator": "gancli.nets.mlp:MaxoutDiscriminator",
    "toy.generator": "gancli.nets.toy:ToyGenerator",
    "toy.discriminator": "gancli.nets.toy:ToyDiscriminator",
    "dcgan.generator": "gancli.nets.dcgan:Generator",
    "dcgan.discriminator": "gancli.nets.dcgan:Discriminator",
}


def build(config: dict[str, Any]) -> Any:
    """Instantiate a net from {"family": name, **kwargs}."""
    config = dict(config)
    family = config.pop("family", None)
    if family not in FAMILIES:
        raise GanError(f"unknown network family {family!r}; known: {', '.join(sorted(FAMILIES))}")
    module, cls = FAMILIES[family].split(":")
    try:
        return getattr(importlib.import_module(module), cls)(**config)
    except TypeError as e:
        raise GanError(f"bad arguments for network {family!r}: {e}") from e
