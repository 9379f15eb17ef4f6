"""What the two super-resolution variants share (`srresnet`, `srgan`; Ledig et al. 2017): the
low-resolution input made from each high-resolution batch, the generator's configuration, the
data they accept and the checkpoint's `translation` entry (with its `scale`, for `gan upscale`).

The data is any image set (a built-in such as synthfaces or shapes, or a --data folder): its
images are the high-resolution targets. The input is made on the device as each batch is
drawn, as the paper made its LR images with MATLAB's bicubic `imresize`: antialiased bicubic
down-sampling by `scale` (Keys' cubic, a = -0.5, the kernel stretched by the factor, which is
what MATLAB's antialiasing does and what `torch.nn.functional.interpolate(..., antialias=True)`
computes, as PIL's BICUBIC does), then rounded to 8-bit levels, as a saved LR image would be.
"""

from __future__ import annotations

from typing import Any, ClassVar

from gancli._lazy import lazy
from gancli.errors import GanError
from gancli.variants.base import Hyper, Option

torch = lazy("torch")
F = lazy("torch.nn.functional")

SCALE = "4"  # a choice, as the CLI gives it; int(scale) where it is used
SCALES = ("2", "4", "8")
BLOCKS = 16

SCALE_OPTION = Option(
    "scale",
    str,
    "Upscaling factor (4: the paper's); one x2 sub-pixel block per factor 2.",
    choices=SCALES,
)
BLOCKS_OPTION = Option("blocks", int, "Residual blocks in G (the paper's 16).", low=1)


def quantise(x: Any) -> Any:
    """Float images in [-1, 1] rounded to the 256 levels of an 8-bit image."""
    return torch.round((x.clamp(-1, 1) + 1) * 127.5) / 127.5 - 1


def downsample(hr: Any, scale: int) -> Any:
    """High-resolution batch (N, C, H, W) in [-1, 1] -> its LR input (N, C, H/s, W/s):
    antialiased bicubic down-sampling (MATLAB's imresize, PIL's BICUBIC), 8-bit levels."""
    lr = F.interpolate(
        hr.float(), scale_factor=1.0 / scale, mode="bicubic", antialias=True, align_corners=False
    )
    return quantise(lr).to(hr.dtype)


def bicubic_up(lr: Any, scale: int) -> Any:
    """The bicubic baseline: LR (N, C, h, w) -> (N, C, h*s, w*s), clamped to [-1, 1]."""
    up = F.interpolate(lr.float(), scale_factor=scale, mode="bicubic", align_corners=False)
    return up.clamp(-1, 1)


class SuperResolution:
    """Listed before `Variant`: G upscales an LR image made from each batch by `scale`."""

    translates: ClassVar[bool] = True
    augmentable: ClassVar[bool] = False
    ema_decay: ClassVar[float] = 0.0  # the paper evaluates G itself

    @classmethod
    def scale_of(cls, hyper: Hyper) -> int:
        return int(hyper.extra.get("scale", SCALE))

    @classmethod
    def check_data(cls, spec: dict[str, Any]) -> None:
        if spec.get("kind") != "image" or spec.get("pair"):
            raise GanError(
                f"{cls.name} trains on single high-resolution images (a built-in such as "  # type: ignore[attr-defined]
                "synthfaces or shapes, or an image folder); its low-resolution inputs are made "
                "from them by bicubic down-sampling"
            )

    @classmethod
    def generator_config(cls, spec: dict[str, Any], hyper: Hyper, width: int | None) -> dict:
        from gancli.nets.srresnet import upscale_blocks

        channels, size, _ = spec["shape"]
        scale = cls.scale_of(hyper)
        upscale_blocks(scale)
        if size % scale:
            raise GanError(
                f"the images are {size}x{size}, not a multiple of --scale {scale}: choose an "
                f"--image-size that --scale divides (e.g. {size - size % scale or scale})"
            )
        return {
            "family": "srresnet.generator",
            "channels": channels,
            "scale": scale,
            "width": width or 64,
            "blocks": int(hyper.extra.get("blocks", BLOCKS)),
        }

    @classmethod
    def translation(cls, spec: dict[str, Any], hyper: Hyper) -> dict[str, Any]:
        """`gan upscale` reads `scale`; `gan translate` the rest (it scales an input to the LR
        training size, as for any translation model)."""
        channels, size, _ = spec["shape"]
        scale = cls.scale_of(hyper)
        lr = size // scale
        return {
            "directions": {"up": [f"{lr}x{lr} low-res", f"{size}x{size} high-res"]},
            "default": "up",
            "image_size": lr,
            "channels": int(channels),
            "scale": scale,
        }

    def generate(self, z: Any, labels: Any = None, net: Any = None) -> Any:
        """G(x): `z` is a batch of low-resolution images."""
        return (net if net is not None else self.generator)(z)  # type: ignore[attr-defined]

    def split_pairs(self, hr: Any) -> tuple[Any, Any]:
        """A batch of HR images -> (LR input, HR target), as training makes them."""
        return downsample(hr, self.scale_of(self.hyper)), hr  # type: ignore[attr-defined]
