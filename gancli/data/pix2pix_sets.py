"""The pix2pix paper's paired sets (Isola et al. 2017), downloaded once from the authors'
server into the data root, then read as a folder of side-by-side pairs (`data/pairs.py`).

The archives hold `NAME/train/*.jpg` (and val/, test/) with A on the left and B on the right.
Which way the paper translated: facades labels -> photo (`--direction BtoA`), maps aerial ->
map (AtoB) and map -> aerial (BtoA), edges2shoes edges -> photo (AtoB).
"""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import TYPE_CHECKING

from gancli.data.builtins import data_root, download_archive
from gancli.data.registry import Request, builtin

if TYPE_CHECKING:
    from gancli.data.dataset import Dataset

URL = "http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/{name}.tar.gz"
NAMES = {  # what A and B are in the released files
    "facades": ("photo", "labels"),
    "maps": ("aerial", "map"),
    "edges2shoes": ("edges", "shoes"),
}
DEFAULT_SIZE = 256


def _where(name: str, root: Path) -> str:
    return (
        f"put {name}.tar.gz (from {URL.format(name=name)}) or its extracted {name}/ folder in "
        f"{root}/ (or set GANCLI_DATA to a folder that holds pix2pix/{name}/)"
    )


def _extract(archive: Path, root: Path) -> None:
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):  # no absolute paths, links out of root, devices
            tar.extractall(root, filter="data")
        else:  # Python < 3.11.4
            tar.extractall(root)


def fetch(name: str) -> Path:
    """The folder of `name`'s training pairs, downloaded and unpacked first if need be."""
    root = data_root() / "pix2pix"
    where = _where(name, root)
    download_archive(
        name, root / f"{name}.tar.gz", URL.format(name=name), root / name / "train", _extract, where
    )
    return root / name


@builtin(
    "facades",
    help="pairs, pix2pix's CMP facades: 400 photo|labels, 256x256 (downloads once, 29 MB)",
    kind="pairs",
)
@builtin(
    "maps",
    help="pairs, pix2pix's maps: 1,096 aerial|map, 256x256 (downloads once, 250 MB)",
    kind="pairs",
)
@builtin(
    "edges2shoes",
    help="pairs, pix2pix's edges2shoes: 50,025 edges|shoe, 256x256 (downloads once, 2 GB)",
    kind="pairs",
)
def load_paper_pairs(request: Request) -> Dataset:
    from gancli.data.pairs import load_pair_folder

    name = request.name
    return load_pair_folder(
        fetch(name),
        image_size=request.image_size or DEFAULT_SIZE,
        channels=request.channels,
        cache_dir=request.cache_dir,
        source=request.source,
        progress=request.progress,
        names=NAMES[name],
        name=name,
    )
