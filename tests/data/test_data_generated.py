"""Generated sets: procedural shapes and the 2-D Gaussian mixtures."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from gancli.data import load_data
from gancli.data.shapes import ATTRIBUTE_NAMES, COLOURS, make_shapes

# --- shapes ------------------------------------------------------------------------------------


def test_shapes_default_source(tmp_path):
    ds = load_data(cache_dir=tmp_path)
    assert ds.name == "shapes" and ds.source == "shapes"
    assert tuple(ds.x.shape) == (10_000, 3, 32, 32) and ds.x.dtype == torch.uint8
    assert ds.class_names == ["circle", "square", "triangle"]
    assert torch.equal(ds.labels, ds.attributes["shape"])
    assert ds.attribute_names == ATTRIBUTE_NAMES
    for name, values in ATTRIBUTE_NAMES.items():
        counts = torch.bincount(ds.attributes[name], minlength=len(values)).numpy()
        expected = 10_000 / len(values)
        assert (abs(counts - expected) < 0.12 * expected).all(), (name, counts)
    spec = json.loads(json.dumps(ds.spec()))
    assert spec["shape"] == [3, 32, 32] and spec["num_classes"] == 3
    assert spec["attribute_names"]["position"][4] == "centre"


def test_shapes_deterministic_for_a_seed():
    a, b, c = make_shapes(200, 32, 1), make_shapes(200, 32, 1), make_shapes(200, 32, 2)
    assert np.array_equal(a.x, b.x) and np.array_equal(
        a.attributes["colour"], b.attributes["colour"]
    )
    assert not np.array_equal(a.x, c.x)


@pytest.mark.parametrize("size", [16, 32, 64])
def test_shapes_attributes_are_visible(size):
    a = make_shapes(300, size, 0)
    x = a.x.astype(np.float64)
    assert a.x.shape == (300, 3, size, size)
    border = np.concatenate([x[:, :, 0, :], x[:, :, -1, :], x[:, :, :, 0], x[:, :, :, -1]], -1)
    assert border.max() < 64  # every shape lies inside the image
    lit = x.max(axis=1) > 128  # (N, H, W)
    area = lit.sum(axis=(1, 2))
    assert (area > 0).all()
    for k in range(3):  # for each shape, every large one covers more than any small one
        sel = a.attributes["shape"] == k
        large = a.attributes["size"] == 1
        assert area[sel & large].min() > area[sel & ~large].max() * 1.3
    expected = {
        "red": (1, 0, 0),
        "green": (0, 1, 0),
        "blue": (0, 0, 1),
        "yellow": (1, 1, 0),
        "magenta": (1, 0, 1),
        "cyan": (0, 1, 1),
    }
    for k, name in enumerate(COLOURS):
        sel = a.attributes["colour"] == k
        mean = np.array([x[sel, c][lit[sel]].mean() for c in range(3)])
        on = np.array(expected[name], dtype=bool)
        assert (mean[on] > 200).all() and (mean[~on] < 40).all(), (name, mean)
    ys, xs = np.mgrid[0:size, 0:size]
    for i in range(len(area)):
        row, col = divmod(int(a.attributes["position"][i]), 3)
        cy = (ys * lit[i]).sum() / area[i]
        cx = (xs * lit[i]).sum() / area[i]
        # the centroid lies in the cell's third of the free range: order along each axis holds
        assert {0: cx < size * 0.45, 1: abs(cx - size / 2) < size * 0.1, 2: cx > size * 0.55}[col]
        assert {0: cy < size * 0.45, 1: abs(cy - size / 2) < size * 0.1, 2: cy > size * 0.55}[row]


def test_shapes_at_one_position_keep_the_other_attributes():
    full, centred = make_shapes(200, 32, 3), make_shapes(200, 32, 3, position="centre")
    assert (centred.attributes["position"] == 4).all()
    for name in ("shape", "colour", "size"):
        assert np.array_equal(full.attributes[name], centred.attributes[name])
    at_centre = full.attributes["position"] == 4
    assert at_centre.any() and np.array_equal(full.x[at_centre], centred.x[at_centre])
    lit = centred.x.max(axis=1) > 128
    ys, xs = np.mgrid[0:32, 0:32]
    area = lit.sum(axis=(1, 2))
    cy, cx = (ys * lit).sum((1, 2)) / area, (xs * lit).sum((1, 2)) / area
    assert (abs(cx - 15.5) < 3.2).all() and (abs(cy - 15.5) < 3.2).all()
    with pytest.raises(ValueError, match="not one of"):
        make_shapes(10, 32, 0, position="middle")


def test_shapes_size_option_and_cache(tmp_path):
    ds = load_data("shapes", image_size=16, channels=1, cache_dir=tmp_path)
    assert tuple(ds.x.shape) == (10_000, 1, 16, 16)


# --- 2-D toys ---------------------------------------------------------------------------------


def test_ring8_protocol():
    ds = load_data("ring8", seed=0)
    assert ds.kind == "points" and ds.x.dtype == torch.float32 and tuple(ds.x.shape) == (100_000, 2)
    m = ds.modes.double()
    assert m.shape == (8, 2)
    assert torch.allclose(m.norm(dim=1), torch.ones(8, dtype=torch.float64), atol=1e-6)
    assert torch.cdist(m, m).add(torch.eye(8) * 9).min() > 0.7  # 8 distinct means (no linspace bug)
    angles = sorted(math.atan2(y, x) % (2 * math.pi) for x, y in m.tolist())
    assert np.allclose(angles, [2 * math.pi * i / 8 for i in range(8)], atol=1e-6)
    resid = ds.x - ds.modes[ds.labels]
    assert abs(resid.std().item() - 0.01) < 0.0005
    assert ds.mode_std == 0.01 and ds.class_names == [str(i) for i in range(8)]
    spec = json.loads(json.dumps(ds.spec()))
    assert spec["value_range"] == [-1.5, 1.5] and spec["shape"] == [2]
    assert len(spec["modes"]) == 8 and spec["mode_std"] == 0.01 and spec["num_classes"] == 8


def test_grid25_protocol():
    ds = load_data("grid25", seed=3)
    grid = {(float(x), float(y)) for x, y in ds.modes.tolist()}
    assert grid == {(float(x), float(y)) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)}
    resid = ds.x - ds.modes[ds.labels]
    assert abs(resid.std().item() - 0.05) < 0.002
    assert torch.bincount(ds.labels).min() > 3500  # every mode drawn about 4,000 times
    assert ds.spec()["value_range"] == [-4.5, 4.5]


def test_toys_seeded_and_ignore_image_options():
    a, b = load_data("ring8", seed=1), load_data("ring8", seed=1, image_size=64, channels=3)
    assert torch.equal(a.x, b.x)
    assert not torch.equal(a.x, load_data("ring8", seed=2).x)
