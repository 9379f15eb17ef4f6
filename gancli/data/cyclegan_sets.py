"""The CycleGAN paper's unpaired sets (Zhu et al. 2017), downloaded once from the authors'
server into the data root, then read as two domain folders (`data/unpaired.py`).

The archives hold `NAME/trainA/`, `NAME/trainB/` (and testA/, testB/) of 256x256 JPEGs.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from gancli.data.builtins import data_root, download_archive
from gancli.data.registry import Request, builtin
from gancli.errors import GanError

if TYPE_CHECKING:
    from gancli.data.dataset import Dataset

URL = "http://efrosgans.eecs.berkeley.edu/cyclegan/datasets/{name}.zip"
NAMES = {  # what A and B are
    "horse2zebra": ("horse", "zebra"),
    "apple2orange": ("apple", "orange"),
    "monet2photo": ("monet", "photo"),
}
DEFAULT_SIZE = 256


def _where(name: str, root: Path) -> str:
    return (
        f"put {name}.zip (from {URL.format(name=name)}) or its extracted {name}/ folder in "
        f"{root}/ (or set GANCLI_DATA to a folder that holds cyclegan/{name}/)"
    )


def _extract(archive: Path, root: Path) -> None:
    """Unzip, refusing members that would land outside `root`."""
    top = root.resolve()
    with zipfile.ZipFile(archive) as z:
        for member in z.namelist():
            dest = (top / member).resolve()
            if top != dest and top not in dest.parents:
                raise GanError(f"{archive}: member {member!r} would be written outside {root}")
        z.extractall(top)


def fetch(name: str) -> Path:
    """The folder of `name`'s domains (trainA/, trainB/), downloaded and unpacked if need be."""
    root = data_root() / "cyclegan"
    where = _where(name, root)
    download_archive(
        name, root / f"{name}.zip", URL.format(name=name), root / name / "trainA", _extract, where
    )
    return root / name


@builtin(
    "horse2zebra",
    help="unpaired, CycleGAN's horses (1,067) and zebras (1,334), 256x256 (downloads once, 111 MB)",
    kind="unpaired",
)
@builtin(
    "apple2orange",
    help="unpaired, CycleGAN's apples (995) and oranges (1,019), 256x256 (downloads once, 75 MB)",
    kind="unpaired",
)
@builtin(
    "monet2photo",
    help="unpaired, CycleGAN's Monet paintings (1,072) and photos (6,287), 256x256 (downloads "
    "once, 291 MB)",
    kind="unpaired",
)
def load_paper_domains(request: Request) -> Dataset:
    from gancli.data.unpaired import load_unpaired_folder

    name = request.name
    return load_unpaired_folder(
        fetch(name),
        image_size=request.image_size or DEFAULT_SIZE,
        channels=request.channels,
        cache_dir=request.cache_dir,
        progress=request.progress,
        names=NAMES[name],
        name=name,
    )
