"""Nearest training images: exact neighbours, and copies stand out against held-out images."""

from __future__ import annotations

import numpy as np
import torch

from gancli.metrics.memorise import memorisation_stats, nearest_neighbours, neighbour_grid


def test_nearest_neighbours_match_brute_force():
    g = torch.Generator().manual_seed(0)
    train = torch.randint(0, 256, (200, 1, 6, 6), generator=g, dtype=torch.uint8)
    q = torch.randint(0, 256, (37, 1, 6, 6), generator=g, dtype=torch.uint8)
    d, i = nearest_neighbours(q, train, k=3, block=8)
    full = torch.cdist(q.reshape(37, -1).double() / 255, train.reshape(200, -1).double() / 255)
    v, j = full.topk(3, largest=False)
    np.testing.assert_array_equal(i, j.numpy())
    np.testing.assert_allclose(d, v.numpy(), rtol=1e-5, atol=1e-5)


def test_copies_stand_out_and_new_images_do_not():
    g = torch.Generator().manual_seed(1)
    data = torch.randint(0, 256, (600, 1, 8, 8), generator=g, dtype=torch.uint8)
    train, held = data[:500], data[500:]
    new = torch.randint(0, 256, (100, 1, 8, 8), generator=g, dtype=torch.uint8)
    held_d = nearest_neighbours(held, train, 1)[0][:, 0]
    fresh = memorisation_stats(nearest_neighbours(new, train, 1)[0][:, 0], held_d)
    assert 0.9 < fresh["median_ratio"] < 1.1 and fresh["below_heldout_p1"] < 0.1
    copies = memorisation_stats(nearest_neighbours(train[:100], train, 1)[0][:, 0], held_d)
    assert copies["median_ratio"] < 0.01 and copies["below_heldout_p1"] == 1.0


def test_grid_has_the_sample_then_its_neighbours():
    train = torch.arange(10, dtype=torch.uint8).mul(20).reshape(10, 1, 1, 1).expand(10, 1, 4, 4)
    fake = train[[2, 7]].clone()
    _, idx = nearest_neighbours(fake, train, 3)
    img = np.asarray(neighbour_grid(fake, train, idx, np.array([1, 0]), min_side=4))
    # one row per sample, 1 + 3 tiles each of 4x4 with 2 px padding
    assert img.shape == (2 + 2 * 6, 2 + 4 * 6)
    assert img[2, 2] == 140 and img[2, 8] == 140  # the sample, then its copy
    assert img[8, 2] == 40
