"""Write a data set out as a folder of PNGs with its labels and attributes beside them.

The folder is what `--data DIR` reads back: `00000.png`, `00001.png`, ... (a paired set's
pairs side by side, A|B, as the released pix2pix sets are; two unpaired domains as
`trainA/` and `trainB/`, as the released CycleGAN sets are) and `attributes.csv`
(one row per file, one column per attribute, values by name, as CelebA's attribute list is one
row per file), so a user can see what a faces folder looks like, train on it, or judge a model
with their own tools.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
from PIL import Image

from gancli.data.dataset import Dataset
from gancli.data.parallel import Progress, thread_map
from gancli.errors import GanError

ATTRIBUTES_FILE = "attributes.csv"
FILE_COLUMN = "file"
LABEL_COLUMN = "label"


def export_folder(
    ds: Dataset,
    folder: str | os.PathLike,
    count: int | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the first `count` images of `ds` (all by default) into `folder`; returns how many.

    A folder that already holds images is refused, so nothing a user made is overwritten."""
    if ds.kind != "image":
        raise GanError(f"{ds.name} is a set of 2-D points, not images: nothing to export")
    out = Path(folder).expanduser()
    n = len(ds) if count is None else min(int(count), len(ds))
    if n < 1:
        raise GanError("-n must be at least 1")
    if out.exists() and not out.is_dir():
        raise GanError(f"'{out}' is a file; give a folder to write the images into")
    if out.is_dir() and any(out.iterdir()):
        raise GanError(f"'{out}' is not empty; give a new or empty folder")
    out.mkdir(parents=True, exist_ok=True)
    width = max(5, len(str(n - 1)))
    names = [f"{i:0{width}d}.png" for i in range(n)]
    unpaired = ds.pair_names is not None and not ds.aligned
    if unpaired:
        for sub in ("trainA", "trainB"):
            (out / sub).mkdir()

    def write(i: int) -> None:
        a = np.asarray(ds.x[i])
        if unpaired:  # each domain in its folder, the layout --data reads back
            c = a.shape[0] // 2
            for sub, half in (("trainA", a[:c]), ("trainB", a[c:])):
                img = Image.fromarray(half[0] if c == 1 else half.transpose(1, 2, 0))
                img.save(out / sub / names[i])
            return
        if ds.pair_names is not None:  # A|B side by side, the layout --data reads back
            c = a.shape[0] // 2
            a = np.concatenate([a[:c], a[c:]], axis=2)
        img = Image.fromarray(a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0))
        img.save(out / names[i])

    for _ in thread_map(write, range(n), n, progress):
        pass
    columns = list(ds.attribute_names)
    with_label = ds.labels is not None and ds.class_names and not columns
    if columns or with_label:
        tmp = out / (ATTRIBUTES_FILE + ".part")
        with open(tmp, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow([FILE_COLUMN, *(columns or [LABEL_COLUMN])])
            for i in range(n):
                if columns:
                    row = [ds.attribute_names[k][int(ds.attributes[k][i])] for k in columns]
                else:
                    row = [ds.class_names[int(ds.labels[i])]]
                w.writerow([names[i], *row])
        os.replace(tmp, out / ATTRIBUTES_FILE)
    return n


def read_attributes(folder: Path, files: list[str]) -> tuple[dict, dict]:
    """The attributes table of an image folder, for the files kept (in their order): per
    column, integer codes and the value names (sorted). Files missing from the table, or a
    table that cannot be read, give no attributes: the images are still the data."""
    path = folder / ATTRIBUTES_FILE
    try:
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}, {}
    if len(rows) < 2 or not rows[0] or rows[0][0] != FILE_COLUMN:
        return {}, {}
    header = rows[0][1:]
    table = {r[0]: r[1:] for r in rows[1:] if len(r) == len(header) + 1}
    if not header or any(f not in table for f in files):
        return {}, {}
    codes, names = {}, {}
    for j, column in enumerate(header):
        values = [table[f][j] for f in files]
        names[column] = sorted(set(values))
        index = {v: k for k, v in enumerate(names[column])}
        codes[column] = np.array([index[v] for v in values], dtype=np.int64)
    return codes, names
