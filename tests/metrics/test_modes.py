"""Mode coverage on 2-D mixtures (VEEGAN / PacGAN definitions): exact values on hand-made
samples, the expected values on the true mixtures, and one short training run end to end."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gancli.data import load_data
from gancli.metrics import mode_coverage

HQ_TRUE = 1 - math.exp(-4.5)  # P(|x - mu| <= 3 sigma) for a 2-D isotropic Gaussian: 98.89%


def test_toy_modes_are_distinct_points():
    """The linspace pitfall: linspace(0, 2pi, 8) would put the 8th mean on the 1st."""
    ring = load_data("ring8")
    modes = ring.modes.double()
    assert modes.shape == (8, 2) and ring.mode_std == pytest.approx(0.01)
    d = torch.cdist(modes, modes) + torch.eye(8) * 10
    assert float(d.min()) == pytest.approx(2 * math.sin(math.pi / 8), rel=1e-6)  # neighbours
    torch.testing.assert_close(modes.norm(dim=1), torch.ones(8, dtype=torch.float64))
    grid = load_data("grid25")
    assert grid.modes.shape == (25, 2) and grid.mode_std == pytest.approx(0.05)
    assert len({tuple(p) for p in grid.modes.tolist()}) == 25


@pytest.mark.parametrize("name,k", [("ring8", 8), ("grid25", 25)])
def test_the_true_mixture_scores_all_modes(name, k):
    data = load_data(name)  # 100,000 points drawn from the mixture
    r = mode_coverage(data.x, data.modes, data.mode_std)
    assert r["modes"] == r["total"] == k
    assert abs(r["high_quality"] - HQ_TRUE) < 0.003
    assert 0 <= r["kl"] < 1e-3


def test_hand_counted_example():
    modes = np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0]])
    samples = np.array(
        [
            [0.05, 0.0],  # mode 0
            [0.2999, 0.0],  # mode 0, just inside 3 std
            [0.3001, 0.0],  # just outside: not high quality
            [1.0, 0.2],  # mode 1
            [0.5, 5.0],  # nowhere
        ]
    )
    r = mode_coverage(samples, modes, 0.1)
    # histogram [2, 1, 0] over 3 modes: KL = sum p ln(3p)
    kl = 2 / 3 * math.log(2) + 1 / 3 * math.log(1)
    assert r == {"modes": 2, "total": 3, "high_quality": 0.6, "kl": pytest.approx(kl, abs=1e-12)}
    assert mode_coverage(torch.tensor(samples), torch.tensor(modes), 0.1)["modes"] == 2


def test_collapse_to_one_mode_gives_ln8():
    modes = load_data("ring8").modes
    samples = modes[3] + 0.01 * torch.randn(2500, 2, generator=torch.Generator().manual_seed(0))
    r = mode_coverage(samples, modes, 0.01)
    assert r["modes"] == 1
    assert r["kl"] == pytest.approx(math.log(8), abs=1e-12)
    assert abs(r["high_quality"] - HQ_TRUE) < 0.01


def test_half_the_modes_equally_gives_ln2():
    modes = load_data("grid25").modes.numpy()
    samples = np.repeat(modes[[0, 6, 12, 18]], 100, axis=0)  # 4 of 25 modes, 100 each
    r = mode_coverage(samples, modes, 0.05)
    assert (r["modes"], r["high_quality"]) == (4, 1.0)
    assert r["kl"] == pytest.approx(math.log(25 / 4), abs=1e-12)


def test_samples_far_from_every_mode():
    modes = load_data("ring8").modes
    r = mode_coverage(torch.full((2500, 2), 3.0), modes, 0.01)
    assert (r["modes"], r["total"], r["high_quality"]) == (0, 8, 0.0)
    assert math.isnan(r["kl"])  # no high-quality samples: the histogram is empty


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="must be"):
        mode_coverage(np.zeros((3, 3)), np.zeros((2, 2)), 0.1)
    with pytest.raises(ValueError, match="positive std"):
        mode_coverage(np.zeros((3, 2)), np.zeros((2, 2)), 0.0)


def test_a_short_gan_run_end_to_end(tmp_path):
    """Train -> checkpoint -> load -> seeded samples -> metric, as the benchmark does; the
    numbers must agree with a plain recount and show that training moved G onto the ring."""
    from gancli.engine.loop import Trainer
    from gancli.engine.model import load_model
    from gancli.latent.priors import seeded_latents
    from tests.conftest import tiny_options

    opts = tiny_options(
        tmp_path / "run", "gan", data="ring8", width=32, batch_size=64, steps=200, log_every=50
    )
    opts.lr_g = opts.lr_d = 1e-3
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny nets: extra threads only wait for each other
    try:
        trainer = Trainer(opts, quiet=True)
        z = seeded_latents(trainer.variant, list(range(2500)))
        before = trainer.model.sample(z, ema=False)
        model = load_model(trainer.run())
    finally:
        torch.set_num_threads(threads)
    spec = model.spec
    modes = torch.tensor(spec["modes"], dtype=torch.float64)
    torch.testing.assert_close(modes, load_data("ring8").modes.double())  # carried by the ckpt
    samples = model.sample(z, ema=False).double()
    assert samples.shape == (2500, 2) and torch.isfinite(samples).all()

    r = mode_coverage(samples, modes, spec["mode_std"])
    # A plain recount, one sample at a time.
    dist = torch.cdist(samples, modes)
    near, good = dist.argmin(1), dist.min(1).values <= 3 * spec["mode_std"]
    hist = torch.bincount(near[good], minlength=8).double()
    p = hist[hist > 0] / hist.sum()
    assert r["modes"] == int((hist > 0).sum()) >= 1
    assert r["high_quality"] == pytest.approx(float(good.double().mean()))
    assert r["kl"] == pytest.approx(float((p * (p * 8).log()).sum()), abs=1e-9)
    # Training pulled the samples towards the unit ring (an untrained G puts them near 0).
    off_ring = lambda x: float((x.norm(dim=1) - 1).abs().median())  # noqa: E731
    assert off_ring(samples) < 0.3 and off_ring(before.double()) > 0.6
