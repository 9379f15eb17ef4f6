"""Block order, for data sets larger than memory: contiguous blocks in a random order, shuffled
a few blocks at a time; every image once per epoch, exact resume, the same on every rank."""

from __future__ import annotations

import json

import pytest
import torch

import gancli.engine.batcher as batcher
from gancli.engine.batcher import WINDOW_BLOCKS, Batcher, block_order, shuffle_order
from gancli.engine.loop import Trainer
from gancli.errors import GanError
from tests.conftest import tiny_options

N, BLOCK, BATCH = 600, 25, 32  # 24 blocks of 25 images; windows of 4 blocks = 100 images
CPU = torch.device("cpu")


class _Data:
    """N images of 1x2x2 bytes (4 bytes each); the label of an image is its index."""

    kind = "image"

    def __init__(self, n: int = N) -> None:
        self.x = (torch.arange(n) % 251).to(torch.uint8).view(n, 1, 1, 1).repeat(1, 1, 2, 2)
        self.x[:, :, :, 1] = 255  # flipping shows
        self.labels = torch.arange(n)

    def __len__(self) -> int:
        return len(self.x)


@pytest.fixture(autouse=True)
def _blocks(monkeypatch):
    monkeypatch.setattr(batcher, "BLOCK_BYTES", BLOCK * 4)
    monkeypatch.delenv(batcher.SHUFFLE_ENV, raising=False)


def _blocks_batcher(**kw) -> Batcher:
    return Batcher(
        _Data(), kw.pop("batch", BATCH), CPU, seed=kw.pop("seed", 3), order="blocks", **kw
    )


def test_every_image_once_per_epoch():
    b = _blocks_batcher()
    assert b.block == BLOCK
    for _ in range(3):  # three epochs: each a new permutation of all N
        epoch = b.epoch + 1
        drawn = []
        while b.epoch <= epoch and len(drawn) < N // BATCH:
            drawn.append(b.next()[1])
        assert b.epoch == epoch
        assert torch.equal(b.perm.sort().values, torch.arange(N))
        seen = torch.cat(drawn)
        assert len(seen) == len(seen.unique()) == (N // BATCH) * BATCH
    orders = [block_order(N, BLOCK, WINDOW_BLOCKS, torch.Generator().manual_seed(0)) for _ in "ab"]
    assert torch.equal(*orders)  # seeded


def test_batches_come_from_few_blocks():
    b = _blocks_batcher()
    blocks_per_batch = []
    for _ in range(N // BATCH):
        idx = b.next()[1]
        blocks_per_batch.append(len((idx // BLOCK).unique()))
    # a batch lies within one window of blocks, or straddles two
    assert max(blocks_per_batch) <= 2 * WINDOW_BLOCKS
    # each window of the order is WINDOW_BLOCKS whole blocks, shuffled together
    window = WINDOW_BLOCKS * BLOCK
    windows = []
    for w in range(0, N, window):
        part = b.perm[w : w + window]
        ids = (part // BLOCK).unique()
        assert len(ids) == WINDOW_BLOCKS and len(part) == window
        assert torch.equal(
            part.sort().values, torch.cat([torch.arange(i * BLOCK, (i + 1) * BLOCK) for i in ids])
        )
        assert not torch.equal(part, part.sort().values)  # shuffled within the window
        windows.append(ids.tolist())
    # the blocks themselves come in a random order, not 0-3, 4-7, ...
    assert windows != [
        list(range(i, i + WINDOW_BLOCKS)) for i in range(0, N // BLOCK, WINDOW_BLOCKS)
    ]
    # a global permutation mixes far more blocks into each batch
    g = Batcher(_Data(), BATCH, CPU, seed=3, order="global")
    global_blocks = [len((g.next()[1] // BLOCK).unique()) for _ in range(N // BATCH)]
    assert sum(global_blocks) > 2 * sum(blocks_per_batch)


def test_resume_mid_epoch_draws_the_same_batches():
    b = _blocks_batcher(flip=True)
    for _ in range(7):  # mid-epoch (18 batches per epoch)
        b.next()
    state = {k: (v.clone() if torch.is_tensor(v) else v) for k, v in b.state_dict().items()}
    assert set(state) == {"gen", "perm", "pos", "epoch"}
    ahead = [b.next() for _ in range(30)]  # across the epoch boundary
    resumed = _blocks_batcher(flip=True, seed=99)
    resumed.load_state_dict(state)
    for (x, y), (x2, y2) in zip(ahead, (resumed.next() for _ in range(30))):
        assert torch.equal(x, x2) and torch.equal(y, y2)


@pytest.mark.parametrize("batch, world", [(BATCH, 2), (33, 2), (31, 3)])
def test_rank_slices_make_up_the_one_process_batch(batch, world):
    one = _blocks_batcher(batch=batch, flip=True)
    ranks = [_blocks_batcher(batch=batch, flip=True, rank=r, world=world) for r in range(world)]
    for _ in range(2 * N // batch):  # two epochs
        x, labels = one.next()
        parts = [b.next() for b in ranks]
        got = [p[1] for p in parts]
        for i in range(world):
            for j in range(i + 1, world):
                assert not set(got[i].tolist()) & set(got[j].tolist())  # disjoint
        assert torch.equal(torch.cat(got), labels)
        assert torch.equal(torch.cat([p[0] for p in parts]), x)  # flips included
    for b in ranks:
        assert torch.equal(b.perm, one.perm) and b.pos == one.pos and b.epoch == one.epoch


def test_data_that_fits_keeps_the_global_permutation():
    b = Batcher(_Data(), BATCH, CPU, seed=5)
    assert b.order == "global"
    b.next()
    assert torch.equal(b.perm, torch.randperm(N, generator=torch.Generator().manual_seed(5)))


def test_order_choice(monkeypatch):
    x = torch.zeros(100, 3, 8, 8, dtype=torch.uint8)  # 19,200 bytes
    monkeypatch.setattr(batcher, "machine_memory", lambda: 40_000)
    assert shuffle_order(x) == "global"  # under half of memory
    monkeypatch.setattr(batcher, "machine_memory", lambda: 38_000)
    assert shuffle_order(x) == "blocks"
    monkeypatch.setattr(batcher, "machine_memory", lambda: None)
    assert shuffle_order(x) == "global"  # unknown memory: as before
    for value in ("global", "blocks"):
        monkeypatch.setenv(batcher.SHUFFLE_ENV, value)
        assert shuffle_order(x) == value
        assert Batcher(_Data(), BATCH, CPU).order == value
    monkeypatch.setenv(batcher.SHUFFLE_ENV, "sideways")
    with pytest.raises(GanError, match="GANCLI_SHUFFLE"):
        shuffle_order(x)


def test_training_in_block_order_resumes_exactly(tmp_path, monkeypatch):
    """shapes at 16x16 is 768 bytes an image: blocks of 50 images, 200 of them."""
    monkeypatch.setattr(batcher, "BLOCK_BYTES", 50 * 768)
    monkeypatch.setenv(batcher.SHUFFLE_ENV, "blocks")
    straight, split = tmp_path / "straight", tmp_path / "split"
    t = Trainer(tiny_options(straight, steps=8, flip=True), quiet=True)
    assert t.batcher.order == "blocks" and t.batcher.block == 50
    t.run()
    Trainer(tiny_options(split, steps=4, flip=True), quiet=True).run()
    Trainer(tiny_options(None, steps=8, resume=str(split)), quiet=True).run()

    def losses(run):
        lines = (run / "metrics.jsonl").read_text().splitlines()
        return [(r["d_loss"], r["g_loss"]) for r in map(json.loads, lines)]

    assert losses(straight) == losses(split) and len(losses(split)) == 8
