"""`--g-loss`: the non-saturating generator loss (the default) and the minimax value function of
Goodfellow et al. 2014, on gan, dcgan and unrolled."""

from __future__ import annotations

import json
import math

import pytest
import torch
from typer.testing import CliRunner

from gancli.engine.loop import Trainer
from gancli.engine.model import load_model
from gancli.variants.gan import GAN, MINIMAX, NONSATURATING, generator_loss
from gancli.variants.unrolled import Unrolled
from tests.conftest import tiny_options
from tests.variants.test_unrolled import SPEC


def _flat(text: str) -> str:
    return " ".join(text.replace("│", " ").split())


def test_the_two_losses_are_the_papers_formulas():
    logit = torch.tensor([-3.0, -0.5, 0.0, 2.0])
    d = torch.sigmoid(logit)
    assert torch.allclose(generator_loss(logit, NONSATURATING), (-torch.log(d)).mean())
    assert torch.allclose(generator_loss(logit, MINIMAX), torch.log(1 - d).mean())


def test_minimax_saturates_where_the_non_saturating_loss_does_not():
    """Section 3 of the paper: early in training D rejects G's samples with confidence, and
    log(1 - D(G(z))) then gives G almost no gradient; -log D(G(z)) still does."""
    grads = {}
    for kind in (NONSATURATING, MINIMAX):
        logit = torch.tensor([-8.0], requires_grad=True)  # D(G(z)) = 0.0003
        generator_loss(logit, kind).backward()
        grads[kind] = abs(float(logit.grad))
    assert grads[NONSATURATING] > 0.99
    assert grads[MINIMAX] < 1e-3
    # Where D is fooled, the roles turn: the minimax gradient is the strong one.
    for kind in (NONSATURATING, MINIMAX):
        logit = torch.tensor([8.0], requires_grad=True)
        generator_loss(logit, kind).backward()
        grads[kind] = abs(float(logit.grad))
    assert grads[MINIMAX] > 0.99 and grads[NONSATURATING] < 1e-3


@pytest.mark.parametrize("kind", [NONSATURATING, MINIMAX])
def test_unrolled_k0_matches_gan_with_either_loss(kind):
    spec = SPEC
    h = Unrolled.with_options(Unrolled.toy_defaults.replace(z_dim=2), {"unroll": 0, "g_loss": kind})
    v = Unrolled(
        {
            "variant": "unrolled",
            "hyper": h.to_dict(),
            "nets": Unrolled.net_config(spec, h, 16),
            "data": spec,
        }
    )
    real = torch.randn(64, 2)
    grads = []
    for loss_fn in (Unrolled.g_loss, GAN.g_loss):
        torch.manual_seed(3)  # the same z for both
        for p in v.g_parameters():
            p.grad = None
        loss_fn(v, real, None)[0].backward()
        grads.append([p.grad.clone() for p in v.g_parameters()])
    for a, b in zip(*grads):
        assert torch.equal(a, b)
    # and the two kinds really differ
    other = MINIMAX if kind == NONSATURATING else NONSATURATING
    torch.manual_seed(3)
    fake_logit = v.discriminator(v.generator(v.sample_z(64))).float()
    assert not torch.allclose(generator_loss(fake_logit, kind), generator_loss(fake_logit, other))


@pytest.mark.parametrize("kind", [NONSATURATING, MINIMAX])
def test_a_run_trains_with_it_and_records_it(tmp_path, kind):
    opts = tiny_options(tmp_path / "run", "gan", data="ring8", steps=3, extra={"g_loss": kind})
    path = Trainer(opts, quiet=True).run()
    assert load_model(path).config["hyper"]["extra"]["g_loss"] == kind
    logged = [
        json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
    ]
    g = [r["g_loss"] for r in logged if "g_loss" in r]
    assert len(g) == 3 and all(math.isfinite(x) for x in g)
    # -log D >= 0, log(1 - D) <= 0: the logged loss says which one trained
    assert all(x > 0 for x in g) if kind == NONSATURATING else all(x < 0 for x in g)


def test_command_line(tmp_path):
    from gancli.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["train", "gan", "--help"], env={"COLUMNS": "300"})
    assert (
        r.exit_code == 0 and "--g-loss" in r.output and "default: nonsaturating" in _flat(r.output)
    )
    r = runner.invoke(app, ["train", "dcgan", "--g-loss", "saturating", "--data", "ring8"])
    assert r.exit_code != 0
    assert "--g-loss must be one of: nonsaturating, minimax; got 'saturating'" in _flat(r.output)
    assert "Traceback" not in r.output
    r = runner.invoke(app, ["train", "wgan", "--g-loss", "minimax"])
    assert r.exit_code == 2
    assert "--g-loss is an option of dcgan, gan, unrolled, not of wgan" in _flat(r.output)
    for name in ("cgan", "hinge", "lsgan"):
        r = runner.invoke(app, ["train", name, "--help"], env={"COLUMNS": "300"})
        assert r.exit_code == 0 and "--g-loss" not in r.output, name
