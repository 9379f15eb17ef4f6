"""BEGAN (Berthelot et al. 2017): the L1 auto-encoder loss, the equilibrium control k_t, the
convergence measure, the paper's nets, and k_t carried through a resumed run."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

from gancli.cli import app
from gancli.engine.loop import Trainer
from gancli.engine.model import load_model
from gancli.errors import GanError
from gancli.nets.began import AutoEncoder, Decoder, Encoder
from gancli.variants.began import l1_loss, next_k
from tests.conftest import tiny_options


def _log(run):
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def test_the_loss_is_the_mean_absolute_reconstruction_error():
    x = torch.zeros(2, 1, 2, 2)
    recon = torch.tensor([[[[1.0, -1.0], [0.0, 0.0]]], [[[0.5, 0.5], [0.5, 0.5]]]])
    assert l1_loss(x, recon).tolist() == [0.5, 0.5]


def test_k_moves_towards_the_equilibrium_and_stays_in_0_1():
    k = torch.tensor(0.5)
    # G's samples reconstructed better than gamma times the real ones: D must push them more
    assert float(next_k(k, torch.tensor(1.0), torch.tensor(0.2), 0.5, 0.1)) == pytest.approx(0.53)
    assert float(next_k(k, torch.tensor(1.0), torch.tensor(0.9), 0.5, 0.1)) == pytest.approx(0.46)
    assert float(next_k(k, torch.tensor(1.0), torch.tensor(0.5), 0.5, 0.1)) == 0.5  # balanced
    assert float(next_k(torch.tensor(0.0), torch.tensor(0.0), torch.tensor(9.0), 0.5, 1.0)) == 0.0
    assert float(next_k(torch.tensor(1.0), torch.tensor(9.0), torch.tensor(0.0), 0.5, 1.0)) == 1.0


def test_train_help_names_the_paper_and_its_options():
    r = CliRunner().invoke(app, ["train", "began", "--help"], env={"COLUMNS": "300"})
    assert r.exit_code == 0
    assert "Berthelot, Schumm & Metz 2017" in r.output and "--gamma" in r.output


def test_the_papers_nets():
    for size in (8, 16, 64):
        g = Decoder(z_dim=64, channels=3, image_size=size, width=8)
        assert g(torch.rand(2, 64)).shape == (2, 3, size, size)
    # the encoder's filters grow linearly with each down-sampling: n, 2n, 3n, 4n at 64x64
    enc = Encoder(channels=3, image_size=64, width=8, code_dim=16)
    widths = [m.out_channels for m in enc.body if isinstance(m, torch.nn.Conv2d)]
    assert sorted(set(widths)) == [8, 16, 24, 32]
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in AutoEncoder(3, 16, 8).modules())
    with pytest.raises(GanError, match="image sizes 8, 16"):
        Decoder(64, 3, 48)


def test_a_fresh_generator_draws_different_images_for_different_z():
    # Glorot's start keeps z in the picture; PyTorch's default one (each layer's own
    # reset_parameters) left the output almost the same for every z, which is why it changed.
    torch.manual_seed(0)
    g = Decoder(64, 3, 32, 32)
    z = torch.rand(64, 64) * 2 - 1
    with torch.no_grad():
        assert g(z).std(0).mean() > 0.05  # 0.12
        for m in g.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
                m.reset_parameters()
        assert g(z).std(0).mean() < 0.01  # 0.004
    enc = Encoder(3, 32, 32, 64)
    with torch.no_grad():
        h = enc(torch.rand(64, 3, 32, 32) * 2 - 1)
    assert h.std(0).mean() > 0.05  # the embedding tells images apart too


def test_training_logs_k_and_the_convergence_measure(tmp_path):
    Trainer(tiny_options(tmp_path / "r", "began", steps=6), quiet=True).run()
    rows = _log(tmp_path / "r")
    assert all({"k", "m_global", "loss_real", "loss_fake"} <= set(r) for r in rows)
    for r in rows:
        assert 0.0 <= r["k"] <= 1.0
        # M_global = L(x) + |gamma L(x) - L(G(z))| is at least L(x)
        assert r["m_global"] >= r["loss_real"] - 1e-6
    assert rows[-1]["k"] > 0.0  # k_0 = 0 and G's samples start far from the equilibrium


def test_k_is_part_of_the_run_and_resumes(tmp_path):
    straight, split = tmp_path / "straight", tmp_path / "split"
    Trainer(tiny_options(straight, "began", steps=8), quiet=True).run()
    Trainer(tiny_options(split, "began", steps=4), quiet=True).run()
    k4 = float(load_model(split).variant.discriminator.k_t)
    assert k4 > 0.0
    Trainer(tiny_options(None, "began", steps=8, resume=str(split)), quiet=True).run()
    a, b = _log(straight), _log(split)
    assert [r["k"] for r in a] == [r["k"] for r in b]
    assert float(load_model(split).variant.discriminator.k_t) == float(
        load_model(straight).variant.discriminator.k_t
    )
