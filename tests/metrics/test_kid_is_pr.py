"""KID, Inception Score and precision/recall on hand-made features, through torch-fidelity."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gancli.errors import GanError
from gancli.metrics.inception_score import inception_score
from gancli.metrics.kid import kernel_inception_distance
from gancli.metrics.pr import precision_recall


def unbiased_mmd2(x: np.ndarray, y: np.ndarray) -> float:
    """Bińkowski et al.'s estimator, written out: kernel (x.y/d + 1)^3, diagonals dropped."""
    d = x.shape[1]
    k = lambda a, b: (a @ b.T / d + 1) ** 3  # noqa: E731
    m = len(x)
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    return float(
        (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
        + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
        - 2 * kxy.mean()
    )


def test_kid_of_two_disjoint_real_halves_is_about_zero():
    x = torch.from_numpy(np.random.default_rng(0).standard_normal((4000, 16)))
    mean, std = kernel_inception_distance(x[:2000], x[2000:], subsets=20, subset_size=1000)
    assert abs(mean) < 3 * std + 1e-3
    shifted, _ = kernel_inception_distance(x[:2000] + 0.5, x[2000:], subsets=20, subset_size=1000)
    assert shifted > 50 * max(abs(mean), std)


def test_kid_matches_the_written_out_estimator_on_one_full_subset():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((300, 5)), rng.standard_normal((300, 5)) * 1.3
    mean, std = kernel_inception_distance(a, b, subsets=1, subset_size=300)
    assert mean == pytest.approx(unbiased_mmd2(a, b), rel=1e-9)
    assert std == 0


def test_kid_names_the_minimum():
    x = torch.zeros(50, 4)
    with pytest.raises(GanError, match="at least 100 generated and 100 reference"):
        kernel_inception_distance(x, torch.zeros(500, 4), subset_size=100)


def test_inception_score_bounds():
    k = 10
    # Every sample certain of its class, classes equally common: IS = K (each split of the
    # shuffled samples holds the classes nearly equally often).
    n = 20_000
    confident = torch.full((n, k), -30.0)
    confident[torch.arange(n), torch.arange(n) % k] = 30.0
    assert inception_score(confident)[0] == pytest.approx(k, rel=5e-3)
    assert inception_score(torch.zeros(200, k))[0] == pytest.approx(1.0)
    one_class = torch.full((200, k), -30.0)
    one_class[:, 3] = 30.0
    assert inception_score(one_class)[0] == pytest.approx(1.0)
    with pytest.raises(GanError, match="at least 10 samples"):
        inception_score(torch.zeros(5, k))


def test_precision_and_recall_of_a_set_against_itself_are_one():
    x = torch.randn(500, 8, generator=torch.Generator().manual_seed(0))
    assert precision_recall(x, x) == (1.0, 1.0)


def test_precision_and_recall_separate_quality_from_coverage():
    g = torch.Generator().manual_seed(1)
    real = torch.randn(1000, 2, generator=g)
    # samples on one part of the real distribution: precise, but they miss most of it
    collapsed = torch.randn(1000, 2, generator=g) * 0.1 + torch.tensor([0.5, 0.0])
    p, r = precision_recall(collapsed, real)
    assert p > 0.9 and r < 0.3
    far = real + 100
    assert precision_recall(far, real) == (0.0, 0.0)
    with pytest.raises(GanError, match="at least 4 generated and 4 reference"):
        precision_recall(real[:3], real)
