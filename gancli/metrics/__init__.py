"""Metrics: one module per metric, re-exported here.

`modes`: mode coverage, high-quality fraction and KL to uniform on 2-D Gaussian mixtures
(the VEEGAN / PacGAN protocol).

Importing this package does not import torch: metrics that need it import it when called.
"""

from __future__ import annotations

from gancli.metrics.modes import mode_coverage

__all__ = ["mode_coverage"]
