"""Metrics: one module per metric, each registered in `gancli.metrics.registry` by its
`@metric(...)` decorator; feature extractors likewise in `gancli.metrics.extractors`.

`modes`: mode coverage, high-quality fraction and KL to uniform on 2-D Gaussian mixtures
(the VEEGAN / PacGAN protocol).

Importing this package imports neither torch nor numpy (help texts list the metrics through
it): metrics import what they need when they are used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gancli.metrics.modes import mode_coverage

__all__ = ["mode_coverage"]


def __getattr__(name: str) -> Any:
    if name == "mode_coverage":
        from gancli.metrics.modes import mode_coverage

        return mode_coverage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
