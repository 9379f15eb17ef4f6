"""Options objects: one dataclass per command family holds every default, its help and its
validation; the CLI's flags are generated from it (`gancli.cli._flags`), and a Python caller
fills in the same object.

    @dataclass
    class SampleOptions:
        n: int | None = option(None, "-n", "--num", help="How many samples.")

Torch-free: help texts cost nothing to import.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from gancli.errors import GanError


def option(default: Any, *flags: str, help: str, **typer_kw: Any) -> Any:
    """A dataclass field that is also a command-line option: its flags (default
    --field-name), its help, and any other `typer.Option` setting (e.g. show_default=False)."""
    meta = {"flags": flags, "help": help, "typer": typer_kw}
    if isinstance(default, (list, dict, set)):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


SEED_HELP = "Random seed: the same seed gives the same result."
DEVICE_HELP = "auto (cuda > mps > cpu), cpu, cuda, cuda:N, mps."
EMA_HELP = "Use the EMA generator."
PICTURE_HELP = "PNG (or .jpg, .webp), or '-' for PNG on stdout."
TRUNCATION_HELP = (
    "Truncation trick for normal priors: latents drawn from N(0, 1) cut to [-T, T] (e.g. 0.7): "
    "less variety, cleaner samples."
)


def seed_option(default: int = 0) -> Any:
    return option(default, "--seed", help=SEED_HELP)


def device_option() -> Any:
    return option("auto", "--device", help=DEVICE_HELP)


def ema_option() -> Any:
    return option(True, "--ema/--no-ema", help=EMA_HELP)


def truncation_option() -> Any:
    return option(None, help=TRUNCATION_HELP)


def image_output_option(verb: str) -> Any:
    """-o/--output of an image-to-image command (translate, upscale): one file or stdout."""
    return option(
        None,
        "--output",
        "-o",
        help=f"The {verb} image (.png, .jpg, .webp), or '-' for PNG on stdout. One input only.",
    )


def out_dir_option() -> Any:
    """--out-dir of an image-to-image command: one PNG per input, named as the input."""
    return option(
        None, help="Write one PNG per input here, named as the input (a folder in, a folder out)."
    )


def at_least(value: int | float | None, low: int | float, flag: str) -> None:
    """Refuse a number under `low` in one line naming the flag."""
    if value is not None and value < low:
        raise GanError(f"{flag} must be at least {low}; got {value}")


def parse_range(text: str, flag: str) -> tuple[float, float]:
    """'LO,HI' -> (LO, HI)."""
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError as e:
        raise GanError(f"{flag} takes LO,HI like -1,1; got {text!r}") from e
    return lo, hi
