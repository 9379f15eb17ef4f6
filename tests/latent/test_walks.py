"""Latent walks and the truncation trick, checked with numbers."""

from __future__ import annotations

import math

import pytest
import torch

from gancli.errors import GanError
from gancli.latent.walks import apply_truncation, default_method, lerp, path, slerp, truncate


def test_slerp_ends_and_keeps_the_norm_of_equal_norm_vectors():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(2, 100, generator=g)
    b = b / b.norm() * a.norm()
    t = torch.linspace(0, 1, 7)
    frames = slerp(a, b, t)
    assert torch.allclose(frames[0], a, atol=1e-5) and torch.allclose(frames[-1], b, atol=1e-5)
    assert torch.allclose(frames.norm(dim=1), a.norm().expand(7), rtol=1e-4)
    # lerp's midpoint of two near-orthogonal vectors is ~1/sqrt(2) as long
    assert lerp(a, b, torch.tensor([0.5])).norm() < 0.8 * a.norm()


def test_slerp_sweeps_the_angle_evenly():
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    frames = slerp(a, b, torch.linspace(0, 1, 5))
    angles = torch.atan2(frames[:, 1], frames[:, 0])
    assert torch.allclose(angles, torch.linspace(0, math.pi / 2, 5), atol=1e-6)


def test_slerp_of_parallel_vectors_falls_back_to_lerp():
    a = torch.tensor([1.0, 2.0])
    frames = slerp(a, 2 * a, torch.tensor([0.0, 0.5, 1.0]))
    assert torch.allclose(frames, torch.stack([a, 1.5 * a, 2 * a]))


def test_path_frame_counts_and_ends():
    pts = torch.arange(8.0).view(4, 2)
    two = path(pts[:2], 10, "lerp")
    assert len(two) == 10 and torch.equal(two[0], pts[0]) and torch.equal(two[-1], pts[1])
    four = path(pts, 10, "lerp")
    assert len(four) == 3 * 9 + 1
    for i in range(4):  # every point of the walk is a frame
        assert torch.allclose(four[9 * i], pts[i])
    looped = path(pts, 10, "lerp", loop=True)
    assert len(looped) == 4 * 10 and torch.equal(looped[0], pts[0])
    assert not torch.equal(looped[-1], pts[0])  # the start is not repeated at the end
    assert torch.allclose(looped[-1], pts[3] + 0.9 * (pts[0] - pts[3]))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((torch.zeros(1, 2), 10, "lerp"), "two points"),
        ((torch.zeros(2, 2), 1, "lerp"), "steps"),
        ((torch.zeros(2, 2), 5, "cubic"), "method"),
    ],
)
def test_path_refuses_bad_walks(args, message):
    with pytest.raises(GanError, match=message):
        path(*args)


def test_default_method_follows_the_prior():
    assert default_method("normal") == "slerp" and default_method("uniform") == "lerp"


def test_truncation_bounds_keeps_order_and_gives_the_truncated_normal():
    z = torch.randn(200_000, generator=torch.Generator().manual_seed(1))
    t = truncate(z, 0.7)
    assert t.abs().max() <= 0.7
    order = torch.argsort(z)
    assert (t[order].diff() >= 0).all()  # monotone: each seed keeps its place
    # N(0, 1) truncated to [-a, a]: variance 1 - 2 a phi(a) / (2 Phi(a) - 1)
    a = 0.7
    phi = math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
    Phi = 0.5 * (1 + math.erf(a / math.sqrt(2)))
    assert t.var().item() == pytest.approx(1 - 2 * a * phi / (2 * Phi - 1), rel=0.01)


def test_apply_truncation_touches_only_the_noise_of_normal_priors():
    z = torch.randn(5, 12, generator=torch.Generator().manual_seed(2)) * 3
    out = apply_truncation(z, 0.5, "normal", 10)
    assert out[:, :10].abs().max() <= 0.5 and torch.equal(out[:, 10:], z[:, 10:])
    assert apply_truncation(z, None, "normal", 10) is z
    with pytest.raises(GanError, match="normal priors"):
        apply_truncation(z, 0.5, "uniform", 10)
    with pytest.raises(GanError, match="positive"):
        apply_truncation(z, -1.0, "normal", 10)


def test_renormalize_gives_the_priors_typical_norm_to_the_noise_only():
    from gancli.latent.priors import renormalize, sample_prior, typical_norm

    g = torch.Generator().manual_seed(3)
    for prior in ("normal", "uniform"):
        draws = sample_prior(prior, 4000, 100, g)
        assert draws.norm(dim=1).mean().item() == pytest.approx(typical_norm(prior, 100), rel=0.02)
        short = torch.cat([draws[:10].mean(0, keepdim=True) * 0.1, torch.ones(1, 3)], 1)
        out = renormalize(short, prior, 100)
        assert out[0, :100].norm().item() == pytest.approx(typical_norm(prior, 100), rel=1e-5)
        assert torch.equal(out[0, 100:], torch.ones(3))  # codes untouched
        assert torch.allclose(
            out[0, :100] / out[0, :100].norm(), short[0, :100] / short[0, :100].norm()
        )
