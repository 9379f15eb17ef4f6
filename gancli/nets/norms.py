"""The normalisation layers of the image-to-image nets (pix2pix's U-Net and PatchGAN; CycleGAN's
ResNet G), chosen by name and stored in the checkpoint's net config.

Both kinds normalise with the statistics of the batch in hand, in training and at test time,
as pix2pix does ("we apply batch normalization using the statistics of the test batch"): with
a batch of 1 that is instance normalisation. Neither keeps running statistics, so a net has no
buffers and the same input gives the same output in train and eval mode.
"""

from __future__ import annotations

from torch import nn

from gancli.errors import GanError

NORMS = ("instance", "batch")


def norm2d(kind: str, channels: int) -> nn.Module:
    """Instance norm (no affine, Isola et al.'s released code) or batch norm with an affine."""
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)
    if kind == "batch":
        return nn.BatchNorm2d(channels, track_running_stats=False)
    raise GanError(f"unknown normalisation {kind!r}; one of: {', '.join(NORMS)}")


def conv_bias(kind: str) -> bool:
    """A conv before batch norm needs no bias (the norm's shift replaces it); before instance
    norm without an affine it keeps one, as the released code does."""
    return kind != "batch"
