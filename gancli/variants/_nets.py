"""Net configurations that several variants state their nets with, and the 2-D toy protocol
they share. Each function returns constructor arguments (`gancli.nets.build`), which the
checkpoint stores as they are: changing what one returns changes the nets of old runs too.
"""

from __future__ import annotations

from typing import Any

from gancli.variants.base import Hyper

# PacGAN (Lin et al. 2018) 2-D mixture protocol: z 2-d N(0, I), Adam 1e-4, beta1 0.8, batch 100.
PACGAN_TOY = Hyper(
    z_dim=2,
    prior="normal",
    batch_size=100,
    optimizer="adam",
    lr_g=1e-4,
    lr_d=1e-4,
    betas=(0.8, 0.999),
)


def toy_generator(z_dim: int, out_dim: int, width: int | None) -> dict[str, Any]:
    """PacGAN's 2-D generator: 4 fully-connected layers of `width` (400) with BN + ReLU."""
    return {
        "family": "toy.generator",
        "z_dim": z_dim,
        "out_dim": out_dim,
        "hidden": width or 400,
        "layers": 4,
    }


def toy_nets(spec: dict[str, Any], hyper: Hyper, width: int | None) -> dict[str, dict[str, Any]]:
    """PacGAN's 2-D nets: G 4x400 BN+ReLU, D 3 maxout layers x200 (5 pieces)."""
    return {
        "generator": toy_generator(hyper.z_dim, 2, width),
        "discriminator": {
            "family": "toy.discriminator",
            "in_dim": 2,
            "hidden": (width or 400) // 2,
            "layers": 3,
            "pieces": 5,
        },
    }


def dcgan_generator(spec: dict[str, Any], z_dim: int, width: int) -> dict[str, Any]:
    """DCGAN's fractional-strided generator for the spec's images, `width` channels at its
    finest layer."""
    channels, size, _ = spec["shape"]
    return {
        "family": "dcgan.generator",
        "z_dim": z_dim,
        "channels": channels,
        "image_size": size,
        "width": width,
    }


def dcgan_nets(
    spec: dict[str, Any], hyper: Hyper, width: int | None, **d_options: Any
) -> dict[str, dict[str, Any]]:
    """DCGAN's all-convolutional nets on images (width 128 unless given), `d_options` added to
    D's arguments (e.g. norm="layer"); on 2-D points PacGAN's nets, whose maxout D takes none
    of those options."""
    if spec["kind"] == "points":
        return toy_nets(spec, hyper, width)
    channels, size, _ = spec["shape"]
    return {
        "generator": dcgan_generator(spec, hyper.z_dim, width or 128),
        "discriminator": {
            "family": "dcgan.discriminator",
            "channels": channels,
            "image_size": size,
            "width": width or 128,
            **d_options,
        },
    }


def toy_autoencoder_nets(hyper: Hyper, width: int | None) -> dict[str, dict[str, Any]]:
    """On 2-D points: the PacGAN protocol's generator and an MLP auto-encoder as D (EBGAN's
    and BEGAN's toy setting)."""
    return {
        "generator": toy_generator(hyper.z_dim, 2, width),
        "discriminator": {
            "family": "autoencoder.points",
            "in_dim": 2,
            "hidden": width or 128,
            "code_dim": 16,
            "layers": 2,
        },
    }
