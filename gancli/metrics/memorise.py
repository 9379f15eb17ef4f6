"""Does the generator copy its training images? Nearest neighbours in pixel space.

For every generated sample, the distance (L2 over all pixels in [0, 1]) to its nearest
training image. On its own that number means little; beside it stands the same distance for
real images the search set does not hold (held-out real to train). A generator that makes new
images of the data's kind gives distances like the held-out ones; one that copies gives a pile
of distances near 0, far below the held-out images' lowest. The picture shows the samples
closest to the training set, each followed by its 3 nearest training images.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from gancli.errors import GanError
from gancli.metrics.registry import metric
from gancli.store.files import MEMORISATION_FILE

if TYPE_CHECKING:
    from gancli.metrics.evaluation import Inputs
    from gancli.metrics.protocol import Protocol

BLOCK = 1024
K = 3
GRID_ROWS = 8
HELD_OUT = 1000  # real images held out of the search set (at most a tenth of the reference)


def _flat01(x: Any) -> torch.Tensor:
    """uint8 images -> float32 (N, D) in [0, 1]; float input is taken as already in [0, 1]."""
    t = torch.as_tensor(x).detach().cpu()
    t = t.reshape(len(t), -1)
    return t.float() / 255.0 if t.dtype == torch.uint8 else t.float()


@torch.no_grad()
def nearest_neighbours(
    queries: Any, train: Any, k: int = K, block: int = BLOCK
) -> tuple[np.ndarray, np.ndarray]:
    """(distances, indices), each (len(queries), k): the k nearest rows of `train`, nearest
    first, by Euclidean distance in pixel space ([0, 1] values)."""
    q, t = _flat01(queries), _flat01(train)
    k = min(k, len(t))
    centre = t.mean(0)
    t = t - centre
    t2 = (t * t).sum(1)
    dist = np.empty((len(q), k), dtype=np.float64)
    idx = np.empty((len(q), k), dtype=np.int64)
    for i in range(0, len(q), block):
        qb = q[i : i + block] - centre
        d2 = ((qb * qb).sum(1, keepdim=True) + t2 - 2.0 * (qb @ t.T)).clamp_min_(0)
        v, j = torch.topk(d2, k, dim=1, largest=False)
        dist[i : i + block] = v.double().sqrt().numpy()
        idx[i : i + block] = j.numpy()
    return dist, idx


def memorisation_stats(fake_nn: np.ndarray, held_nn: np.ndarray) -> dict[str, Any]:
    """Compare nearest-training-image distances of samples (`fake_nn`) and of held-out real
    images (`held_nn`), both 1-D."""
    fake_nn, held_nn = np.asarray(fake_nn, np.float64), np.asarray(held_nn, np.float64)
    p1 = float(np.percentile(held_nn, 1))
    med_f, med_h = float(np.median(fake_nn)), float(np.median(held_nn))
    return {
        "median_ratio": med_f / med_h if med_h > 0 else math.inf,
        "fake_median": med_f,
        "fake_p1": float(np.percentile(fake_nn, 1)),
        "fake_min": float(fake_nn.min()),
        "heldout_median": med_h,
        "heldout_p1": p1,
        "heldout_min": float(held_nn.min()),
        # about 1% for samples as new as held-out images; copies push it towards 100%
        "below_heldout_p1": float((fake_nn < p1).mean()),
        "n_fake": len(fake_nn),
        "n_heldout": len(held_nn),
    }


def neighbour_grid(
    fake: Any, train: Any, idx: np.ndarray, rows: np.ndarray, min_side: int = 48
) -> Any:
    """A PIL image: one row per index in `rows`: the sample, then its nearest training images.

    `fake` and `train` are uint8 (N, C, H, W); small images are enlarged (nearest neighbour) so
    that the grid stays readable."""
    from gancli.render import grid

    f = torch.as_tensor(fake)[torch.as_tensor(rows)]
    tiles = []
    for r, sample in zip(rows, f):
        tiles.append(sample)
        tiles.extend(torch.as_tensor(train)[torch.as_tensor(idx[r])])
    x = torch.stack(tiles).permute(0, 2, 3, 1).numpy()
    scale = max(1, math.ceil(min_side / max(x.shape[1:3])))
    if scale > 1:
        x = x.repeat(scale, axis=1).repeat(scale, axis=2)
    return grid(np.ascontiguousarray(x), nrow=1 + idx.shape[1])


# ---- the metric ----------------------------------------------------------------------------


def _check(n_fake: int, n_ref: int, proto: Protocol) -> None:
    if n_ref < 2:
        raise GanError(
            f"memorisation holds out part of the reference, so it needs at least 2 reference "
            f"images; got {n_ref}"
        )


@metric(
    "memorisation",
    help="nearest training images of the samples (pixel L2) against held-out real images",
    kinds=("image",),
    better="higher",
    aliases=("memorization", "memorise", "nn"),
    check=_check,
)
def compute(inputs: Inputs) -> None:
    """The reference split into held-out images and the search set (a fixed split, seed
    SPLIT_SEED); memorisation.png with the closest samples goes to --out-dir when given."""
    from gancli.metrics.evaluation import SPLIT_SEED, split_reference

    fake, reference, proto = inputs.fake, inputs.reference, inputs.proto
    n = len(reference)
    n_held = min(HELD_OUT, max(1, n // 10))
    held_idx, train_idx = split_reference(n, n_held)
    train = reference.x[train_idx]
    fake_d, fake_i = nearest_neighbours(fake, train, K)
    held_d, _ = nearest_neighbours(reference.x[held_idx], train, 1)
    stats = memorisation_stats(fake_d[:, 0], held_d[:, 0])
    rows = np.argsort(fake_d[:, 0], kind="stable")[:GRID_ROWS]
    closest = []
    for r in rows:
        entry: dict[str, Any] = {"sample": int(r), "distance": float(fake_d[r, 0])}
        if inputs.seeded:  # samples drawn from a checkpoint: sample i is seed + i
            entry["seed"] = int(proto.seed + r)
        if reference.files:
            entry["nearest"] = [reference.files[int(train_idx[j])] for j in fake_i[r]]
        else:
            entry["nearest"] = [int(train_idx[j]) for j in fake_i[r]]
        closest.append(entry)
    out = None
    if proto.out_dir is not None:
        path = Path(proto.out_dir) / MEMORISATION_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        neighbour_grid(fake, train, fake_i, rows).save(path)
        out = str(path)
        inputs.outputs.append(out)
    protocol = {
        "memorisation": 1,
        "distance": "L2 over pixels in [0, 1]",
        "held_out": n_held,
        "split": f"reference permuted with seed {SPLIT_SEED}",
    }
    inputs.add(
        "memorisation",
        stats["median_ratio"],
        {**inputs.pixels_receipt, "n_ref": len(train_idx), "protocol": protocol},
        details={**stats, "closest": closest, "grid": out},
    )
