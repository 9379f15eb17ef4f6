"""Parzen-window log-likelihood against a direct scipy computation, and the σ search."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from gancli.metrics.parzen import SIGMAS, parzen_evaluate, parzen_log_likelihood


def test_the_sigma_grid_is_goodfellows():
    np.testing.assert_allclose(SIGMAS, np.logspace(-1, 0, 10))


def test_agrees_with_a_direct_scipy_computation():
    rng = np.random.default_rng(0)
    samples = rng.random((300, 6))
    x = rng.random((40, 6))
    for sigma in (0.1, 0.3, 1.0):
        # p(x) = mean_i N(x; s_i, sigma^2 I), each term by scipy
        terms = np.stack([multivariate_normal(s, sigma**2 * np.eye(6)).logpdf(x) for s in samples])
        direct = logsumexp(terms, axis=0) - math.log(len(samples))
        ours = parzen_log_likelihood(x, samples, [sigma], block=16)[0]
        np.testing.assert_allclose(ours, direct, rtol=1e-5, atol=1e-4)


def test_blocks_and_centring_change_nothing():
    rng = np.random.default_rng(1)
    samples = rng.random((500, 20)) + 30  # far from the origin: centring keeps the digits
    x = rng.random((100, 20)) + 30
    a = parzen_log_likelihood(x, samples, SIGMAS, block=7)
    b = parzen_log_likelihood(x, samples, SIGMAS, block=1000)
    np.testing.assert_allclose(a, b, rtol=1e-6)


def test_sigma_is_chosen_on_validation_and_se_reported():
    rng = np.random.default_rng(2)
    centres = rng.random((4, 10))

    def draw(n: int) -> np.ndarray:
        return centres[rng.integers(0, 4, n)] + 0.2 * rng.standard_normal((n, 10))

    r = parzen_evaluate(draw(2000), draw(300), draw(500))
    assert r["sigma"] in SIGMAS and 0.1 < r["sigma"] < 0.5
    assert r["n_validation"] == 300 and r["n_test"] == 500
    best = max(r["validation_ll"].values())
    assert r["validation_ll"][f"{r['sigma']:.4g}"] == best
    assert 0 < r["se"] < abs(r["mean"])
    # the true density scores higher than a Parzen window of worse samples
    worse = parzen_evaluate(draw(2000) + 0.5, draw(300), draw(500))
    assert worse["mean"] < r["mean"]


def test_ten_thousand_by_ten_thousand_at_784_d_is_not_needed_here_but_blocks_bound_memory():
    # The shape logic on a small case with a block much smaller than the set.
    rng = np.random.default_rng(3)
    out = parzen_log_likelihood(rng.random((33, 784)), rng.random((50, 784)), SIGMAS, block=8)
    assert out.shape == (10, 33) and np.isfinite(out).all()
