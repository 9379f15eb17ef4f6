"""Fréchet distance: zero on identical sets, the closed form for known Gaussians, an
independent scipy sqrtm computation on random features, and the bootstrap's symmetric form."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg

from gancli.metrics.frechet import (
    frechet_bootstrap,
    frechet_distance,
    frechet_features,
    frechet_to_root,
    gaussian_stats,
    sqrt_psd,
)


def scipy_frechet(mu1, s1, mu2, s2) -> float:
    """The pytorch-fid formulation, written independently: scipy's sqrtm of the product."""
    covmean = linalg.sqrtm(s1 @ s2)
    covmean = np.real(covmean)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def test_fid_of_a_set_with_itself_is_zero():
    x = np.random.default_rng(0).standard_normal((2000, 64)) @ np.diag(np.linspace(0.1, 3, 64))
    assert abs(frechet_features(x, x)) < 1e-8 * np.trace(np.cov(x, rowvar=False))


def test_closed_form_for_two_known_gaussians():
    # Diagonal covariances commute: Tr (S1 S2)^1/2 = sum sqrt(a_i b_i), so
    # d^2 = |mu1 - mu2|^2 + sum (sqrt(a_i) - sqrt(b_i))^2.
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.5])
    a, b = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    expected = ((mu1 - mu2) ** 2).sum() + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-10)
    # A rotation of both Gaussians changes nothing.
    q, _ = np.linalg.qr(np.random.default_rng(1).standard_normal((3, 3)))
    d = frechet_distance(q @ mu1, q @ np.diag(a) @ q.T, q @ mu2, q @ np.diag(b) @ q.T)
    assert d == pytest.approx(expected, rel=1e-8)


def test_one_dimensional_case():
    # d^2 = (m1 - m2)^2 + (s1 - s2)^2 for N(m, s^2).
    assert frechet_distance([2.0], [[9.0]], [-1.0], [[4.0]]) == pytest.approx(9 + 1)


def test_agrees_with_scipy_sqrtm_on_random_features():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((3000, 32)) @ rng.standard_normal((32, 32)) * 0.3
    b = rng.standard_normal((2500, 32)) @ rng.standard_normal((32, 32)) * 0.3 + 0.2
    mu1, s1 = gaussian_stats(a)
    mu2, s2 = gaussian_stats(b)
    ours = frechet_distance(mu1, s1, mu2, s2)
    assert ours == pytest.approx(scipy_frechet(mu1, s1, mu2, s2), abs=1e-4)
    # np.cov's unbiased covariance, as FID's reference code uses
    np.testing.assert_allclose(s1, np.cov(a, rowvar=False))
    # and the symmetric form the bootstrap uses
    sym = frechet_to_root(mu1, s1, mu2, sqrt_psd(s2), float(np.trace(s2)))
    assert sym == pytest.approx(ours, abs=1e-4)


def test_bootstrap_spread_shrinks_with_n_and_is_seeded():
    rng = np.random.default_rng(3)
    ref = rng.standard_normal((4000, 8))
    mu, s = gaussian_stats(ref)
    small = frechet_bootstrap(rng.standard_normal((200, 8)), mu, s, 30, seed=0)
    large = frechet_bootstrap(rng.standard_normal((4000, 8)), mu, s, 30, seed=0)
    assert small.std() > 2 * large.std() > 0
    again = frechet_bootstrap(rng.standard_normal((10, 8)), mu, s, 3, seed=5)
    assert again.shape == (3,)
    x = rng.standard_normal((300, 8))
    np.testing.assert_array_equal(
        frechet_bootstrap(x, mu, s, 4, seed=1), frechet_bootstrap(x, mu, s, 4, seed=1)
    )
