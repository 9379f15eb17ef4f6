"""Fréchet distance between Gaussians fitted to two feature sets: FID when the features are
Inception pool3 (Heusel et al. 2017), the same formula on any other extractor.

    d² = ||μ1 - μ2||² + Tr(Σ1 + Σ2 - 2 (Σ1 Σ2)^½)

The value is torch-fidelity's own computation (`fid_statistics_to_metric`, from the TTUR
reference code), so a number from here and one from torch-fidelity on the same features agree.
The bootstrap replicates use the equivalent symmetric form Tr (Σr^½ Σ Σr^½)^½ with the
reference's square root computed once, which makes each replicate two matrix products and one
symmetric eigenvalue problem instead of a general one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gancli.errors import GanError
from gancli.metrics.registry import metric

if TYPE_CHECKING:
    from gancli.metrics.evaluation import Inputs
    from gancli.metrics.protocol import Protocol


def _array(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().double().numpy()
    return np.asarray(x, dtype=np.float64)


def gaussian_stats(features: Any) -> tuple[np.ndarray, np.ndarray]:
    """Mean and unbiased covariance (float64) of (N, d) features, rows are samples."""
    f = _array(features)
    if f.ndim != 2 or len(f) < 2:
        raise ValueError(f"need (N >= 2, d) features, got {f.shape}")
    return f.mean(0), np.atleast_2d(np.cov(f, rowvar=False))


def frechet_distance(mu1: Any, sigma1: Any, mu2: Any, sigma2: Any) -> float:
    """The Fréchet distance of N(mu1, sigma1) and N(mu2, sigma2), by torch-fidelity."""
    from torch_fidelity.metric_fid import KEY_METRIC_FID, fid_statistics_to_metric

    a = {"mu": _array(mu1), "sigma": np.atleast_2d(_array(sigma1))}
    b = {"mu": _array(mu2), "sigma": np.atleast_2d(_array(sigma2))}
    if a["mu"].shape != b["mu"].shape or a["sigma"].shape != b["sigma"].shape:
        raise ValueError(f"feature sizes differ: {a['mu'].shape} and {b['mu'].shape}")
    return float(fid_statistics_to_metric(a, b, verbose=False)[KEY_METRIC_FID])


def frechet_features(a: Any, b: Any) -> float:
    """The Fréchet distance of Gaussians fitted to two (N, d) feature sets."""
    return frechet_distance(*gaussian_stats(a), *gaussian_stats(b))


def sqrt_psd(m: np.ndarray) -> np.ndarray:
    """The symmetric square root of a symmetric positive semi-definite matrix."""
    w, v = np.linalg.eigh((m + m.T) / 2)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def frechet_to_root(
    mu: np.ndarray, sigma: np.ndarray, mu_ref: np.ndarray, root_ref: np.ndarray, tr_ref: float
) -> float:
    """The same distance by the symmetric form, with the reference's square root given."""
    inner = root_ref @ sigma @ root_ref
    tr_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((inner + inner.T) / 2), 0.0, None)).sum()
    return float(((mu - mu_ref) ** 2).sum() + np.trace(sigma) + tr_ref - 2.0 * tr_sqrt)


def frechet_bootstrap(
    features: Any, mu_ref: Any, sigma_ref: Any, reps: int, seed: int = 0
) -> np.ndarray:
    """Fréchet distances of `reps` resamples (with replacement) of `features` to a fixed
    reference Gaussian: the spread that comes from the finite generated set."""
    f = _array(features)
    mu_r, sig_r = _array(mu_ref), np.atleast_2d(_array(sigma_ref))
    root = sqrt_psd(sig_r)
    tr_r = float(np.trace(sig_r))
    rng = np.random.default_rng(seed)
    n = len(f)
    out = np.empty(reps)
    for i in range(reps):
        # A resample's statistics from multinomial counts: no copy of the (N, d) features.
        w = rng.multinomial(n, np.full(n, 1.0 / n)).astype(np.float64)
        mu = w @ f / n
        c = f - mu
        sigma = (c * w[:, None]).T @ c / (n - 1)
        out[i] = frechet_to_root(mu, sigma, mu_r, root, tr_r)
    return out


# ---- the metric ----------------------------------------------------------------------------


def _check(n_fake: int, n_ref: int, proto: Protocol) -> None:
    if min(n_fake, n_ref) < 2:
        raise GanError(
            f"FID fits a covariance to each set, so it needs at least 2 generated and 2 "
            f"reference samples; got {n_fake} and {n_ref} (the convention is 10,000 or more)"
        )


@metric(
    "fid",
    help="Fréchet distance of Gaussians fitted to the features (FID on Inception pool3)",
    kinds=("image", "points"),
    better="lower",
    features=True,
    torch_fidelity=True,
    check=_check,
)
def compute(inputs: Inputs) -> None:
    """The distance, and with --bootstrap N its bootstrap standard error and 95% interval."""
    proto, ref = inputs.proto, inputs.ref_features
    fake = inputs.fake_features.features
    mu, sigma = gaussian_stats(fake)
    value = frechet_distance(mu, sigma, ref.mu, ref.sigma)
    extra: dict[str, Any] = {"details": {"dim": int(fake.shape[1])}}
    if proto.bootstrap >= 2:
        reps = frechet_bootstrap(fake, ref.mu, ref.sigma, proto.bootstrap, proto.seed)
        se = float(np.std(reps, ddof=1))
        extra.update(
            spread=se,
            spread_kind=f"bootstrap SE ({proto.bootstrap} resamples of the samples)",
            ci95=[value - 1.96 * se, value + 1.96 * se],
        )
        extra["details"]["bootstrap_mean"] = float(np.mean(reps))
    inputs.add("fid", value, {**inputs.features_receipt, "protocol": {"fid": 1}}, **extra)
