"""InfoGAN: the mutual-information terms, the code layout, the paper's nets and defaults, Q
learning the codes back from G, and the codes through `gan sample`."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from gancli import variants
from gancli.cli import app
from gancli.engine.loop import Trainer, new_config
from gancli.engine.model import build_model, load_model
from gancli.engine.options import TrainOptions
from gancli.errors import GanError
from gancli.latent.codes import code_slices
from gancli.variants.infogan import InfoGAN, info_terms, make_codes, split_q
from tests.conftest import tiny_options

PAPER_CODES = [
    {"name": "c1", "kind": "categorical", "size": 10},
    {"name": "c2", "kind": "uniform"},
    {"name": "c3", "kind": "uniform"},
]
MNIST_SPEC = {"name": "mnist", "kind": "image", "shape": [1, 28, 28], "num_classes": 0}


@pytest.fixture
def one_thread():
    """Training tests on a CPU shared with other jobs: two OpenMP threads fighting for two
    busy cores run several times slower than one."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def paper_variant(**extra) -> InfoGAN:
    hyper = InfoGAN.with_options(InfoGAN.defaults, extra)
    config = {
        "variant": "infogan",
        "hyper": hyper.to_dict(),
        "nets": InfoGAN.net_config(MNIST_SPEC, hyper, None),
        "codes": InfoGAN.codes(MNIST_SPEC, hyper),
        "data": MNIST_SPEC,
    }
    return InfoGAN(config)


# ---- the mutual-information lower bound ------------------------------------------------------


def test_categorical_bound_is_zero_at_uniform_logits_and_ln_k_at_certainty():
    codes = make_codes(10, 0)
    z = torch.cat([torch.zeros(4, 62), torch.eye(10)[[0, 3, 7, 9]]], 1)
    loss, mi = info_terms(torch.zeros(4, 10), z, 62, codes)
    # uniform logits: cross-entropy ln 10 exactly, so the bound H(c) - CE is 0
    assert loss.item() == pytest.approx(math.log(10), abs=1e-6)
    assert mi["mi_c1"].item() == pytest.approx(0.0, abs=1e-6)
    # Q certain and right: CE -> 0 and the bound reaches its ceiling ln 10
    loss, mi = info_terms(50 * z[:, 62:], z, 62, codes)
    assert loss.item() == pytest.approx(0.0, abs=1e-6)
    assert mi["mi_c1"].item() == pytest.approx(math.log(10), abs=1e-6)
    # certain and wrong: far below zero
    _, mi = info_terms(50 * z[:, 62:].roll(1, 1), z, 62, codes)
    assert mi["mi_c1"].item() < -40


def test_continuous_term_is_half_the_squared_error_under_a_unit_gaussian():
    codes = make_codes(0, 2)  # no categorical code: the continuous ones are c1, c2
    c = torch.tensor([[0.5, -1.0], [1.0, 0.0]])
    z = torch.cat([torch.zeros(2, 3), c], 1)
    mean = torch.tensor([[0.0, -1.0], [0.0, 0.0]])
    loss, mi = info_terms(mean, z, 3, codes)
    # errors: c1 (0.5, 1.0), c2 (0, 0): 0.5 * mean(se) = 0.3125 for c1, 0 for c2
    assert loss.item() == pytest.approx(0.3125)
    const = math.log(2) - 0.5 * math.log(2 * math.pi)  # H(U(-1,1)) + log N(0; 0, 1)
    assert mi["mi_c1"].item() == pytest.approx(const - 0.3125)
    assert mi["mi_c2"].item() == pytest.approx(const)
    # the continuous weight scales the loss only, not the estimate of the bound
    loss, mi2 = info_terms(mean, z, 3, codes, continuous_weight=0.1)
    assert loss.item() == pytest.approx(0.03125) and mi2["mi_c1"].item() == mi["mi_c1"].item()


# ---- codes, options, defaults ------------------------------------------------------------------


def test_paper_defaults_and_codes():
    d = InfoGAN.defaults
    assert (d.z_dim, d.prior, d.optimizer, d.batch_size) == (62, "uniform", "adam", 128)
    assert (d.lr_d, d.lr_g, d.betas[0]) == (2e-4, 1e-3, 0.5)
    assert d.extra == {
        "categories": 10,
        "continuous": 2,
        "info_weight": 1.0,
        "continuous_weight": 1.0,
    }
    assert InfoGAN.codes(MNIST_SPEC, d) == PAPER_CODES
    assert variants.get("infogan") is InfoGAN


def test_codes_follow_the_options():
    hyper = InfoGAN.with_options(InfoGAN.defaults, {"categories": 4, "continuous": 1})
    assert InfoGAN.codes(MNIST_SPEC, hyper) == [
        {"name": "c1", "kind": "categorical", "size": 4},
        {"name": "c2", "kind": "uniform"},
    ]
    v = paper_variant(categories=4, continuous=1)
    assert v.latent_size == 62 + 4 + 1
    assert v.generator.fc[0].in_features == 67 and v.discriminator.q_head[-1].out_features == 5
    assert make_codes(0, 3) == [{"name": f"c{i}", "kind": "uniform"} for i in (1, 2, 3)]
    for bad in ((1, 2), (-1, 2), (10, -1), (0, 0)):
        with pytest.raises(GanError):
            make_codes(*bad)


def test_latent_layout_matches_code_slices():
    v = paper_variant()
    assert v.latent_size == 74
    z = v.sample_z(500, torch.Generator().manual_seed(0))
    slices = code_slices(62, v.latent_codes)
    assert [(s.start, s.stop) for s, _ in slices.values()] == [(62, 72), (72, 73), (73, 74)]
    noise, c1, c2, c3 = z[:, :62], z[:, 62:72], z[:, 72], z[:, 73]
    assert noise.min() >= -1 and noise.max() <= 1 and noise.std() > 0.5
    assert torch.equal(c1.sum(1), torch.ones(500)) and set(c1.unique().tolist()) == {0.0, 1.0}
    assert len(c1.argmax(1).unique()) == 10  # every category drawn
    for c in (c2, c3):
        assert c.min() >= -1 and c.max() <= 1 and c.std() > 0.5
    # Q's output is laid out like the codes in the latent, without the noise
    q = torch.arange(12.0).expand(3, 12)
    parts = split_q(q, v.latent_codes)
    assert parts["c1"].shape == (3, 10) and parts["c1"][0, 0] == 0 and parts["c1"][0, 9] == 9
    assert parts["c2"][0].item() == 10 and parts["c3"][0].item() == 11


# ---- nets ---------------------------------------------------------------------------------------


def test_paper_architecture_at_28():
    """Appendix C.1: G FC 1024 -> FC 7x7x128 -> up-conv 64 -> up-conv 1; D conv 64 -> conv 128 ->
    FC 1024 -> D head FC 1, Q head FC 128 -> 10 logits + 2 means."""
    v = paper_variant()
    G, D = v.generator, v.discriminator
    linear = [m.weight.shape for m in G.modules() if isinstance(m, torch.nn.Linear)]
    assert linear == [(1024, 74), (7 * 7 * 128, 1024)]
    deconv = [m.weight.shape for m in G.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    assert deconv == [(128, 64, 4, 4), (64, 1, 4, 4)]
    conv = [m.weight.shape for m in D.trunk if isinstance(m, torch.nn.Conv2d)]
    assert conv == [(64, 1, 4, 4), (128, 64, 4, 4)]
    assert D.trunk[6].weight.shape == (1024, 7 * 7 * 128)
    assert D.d_head.weight.shape == (1, 1024)
    assert [m.weight.shape for m in D.q_head if isinstance(m, torch.nn.Linear)] == [
        (128, 1024),
        (12, 128),
    ]
    v.nets.eval()
    x = v.generator(v.sample_z(5))
    assert x.shape == (5, 1, 28, 28) and x.min() >= -1 and x.max() <= 1
    logit, q = D.logit_and_q(x)
    assert logit.shape == (5,) and q.shape == (5, 12)
    assert torch.equal(D(x), logit)  # forward is the plain real/fake logit generic code expects


def test_parameters_follow_the_papers_code():
    """L_I joins both objectives; D's optimiser owns trunk + D head + Q head, G's owns G."""
    v = paper_variant()
    g = {id(p) for p in v.g_parameters()}
    d = {id(p) for p in v.d_parameters()}
    assert g == {id(p) for p in v.generator.parameters()}
    assert {id(p) for p in v.discriminator.q_head.parameters()} <= d
    assert {id(p) for p in v.discriminator.d_head.parameters()} <= d
    assert not g & d


def test_image_sizes():
    for size in (16, 28, 32):
        spec = {**MNIST_SPEC, "shape": [3, size, size]}
        InfoGAN.check_data(spec)
        cfg = InfoGAN.net_config(spec, InfoGAN.defaults, 8)
        model = build_model(
            {
                "variant": "infogan",
                "hyper": InfoGAN.defaults.to_dict(),
                "nets": cfg,
                "codes": PAPER_CODES,
                "data": spec,
            }
        )
        assert model.sample(torch.zeros(2, 74)).shape == (2, 3, size, size)
    with pytest.raises(GanError, match="--image-size 28"):
        InfoGAN.check_data({**MNIST_SPEC, "shape": [1, 30, 30]})


# ---- training -------------------------------------------------------------------------------------


def test_q_learns_the_categorical_code(tmp_path, one_thread):
    """Over a short run L_I(c1) rises from ~0 toward ln 10, and Q tells G's categories apart
    far above chance (10%)."""
    opts = tiny_options(
        tmp_path / "run", "infogan", width=16, batch_size=32, steps=150, log_every=10
    )
    trainer = Trainer(opts, quiet=True)
    trainer.run()
    logs = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").open()]
    mi = [r["mi_c1"] for r in logs]
    assert all(m <= math.log(10) for m in mi)
    assert mi[0] < 0.15 and mi[-1] > 0.35 and mi[-1] > mi[0] + 0.25
    v = trainer.variant
    v.nets.eval()
    z = v.sample_z(1000, torch.Generator().manual_seed(1))
    with torch.no_grad():
        guess = v.infer_codes(v.generator(z))["c1"].argmax(1)
    accuracy = (guess == z[:, 62:72].argmax(1)).float().mean().item()
    assert accuracy > 0.5, accuracy

    # Q is saved with D: the reloaded model reads the codes exactly as the trained one
    loaded = load_model(tmp_path / "run")
    loaded.variant.nets.eval()
    x = trainer.data.x[:8].float().div(127.5).sub(1)
    with torch.no_grad():
        a = loaded.variant.infer_codes(x)["c1"]
        b = v.infer_codes(x)["c1"]
    assert torch.equal(a, b)


def test_config_records_codes_and_options(tmp_path):
    from gancli.data import load_data

    opts = tiny_options(tmp_path / "run", "infogan", extra={"categories": 3, "info_weight": 2.0})
    config = new_config(opts, load_data("shapes", image_size=16))
    assert config["codes"] == [
        {"name": "c1", "kind": "categorical", "size": 3},
        {"name": "c2", "kind": "uniform"},
        {"name": "c3", "kind": "uniform"},
    ]
    assert config["hyper"]["extra"] == {
        "categories": 3,
        "continuous": 2,
        "info_weight": 2.0,
        "continuous_weight": 1.0,
    }
    assert config["nets"]["discriminator"]["q_dim"] == 5


# ---- the command line -------------------------------------------------------------------------


@pytest.fixture
def infogan_run(tmp_path, one_thread):
    out = tmp_path / "run"
    Trainer(tiny_options(out, "infogan"), quiet=True).run()
    return out


def test_sample_codes_and_sweeps_through_the_cli(infogan_run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def gan(*args: str) -> None:
        r = runner.invoke(app, list(args))
        assert r.exit_code == 0, r.output

    run = str(infogan_run)
    gan("sample", run, "--code", "c1=3", "--code", "c2=0.5", "-n", "4", "-o", "x.npy")
    gan("sample", run, "--code", "c1=3", "--code", "c2=0.5", "-n", "4", "--save-latents", "z.npy")
    assert np.load("x.npy").shape == (4, 3, 16, 16)
    z = np.load("z.npy")
    assert z.shape == (4, 74)
    assert (z[:, 62:72] == np.eye(10)[3]).all() and (z[:, 72] == 0.5).all()

    # a categorical sweep: one row per category, -n columns of the same noise
    gan("sample", run, "--sweep", "c1", "-n", "3", "-o", "c1.png", "--save-latents", "s.npy")
    assert Image.open("c1.png").size == (3 * 18 + 2, 10 * 18 + 2)
    s = np.load("s.npy").reshape(10, 3, 74)
    assert (s[:, :, 62:72].argmax(2) == np.arange(10)[:, None]).all()
    assert (s[:, :, :62] == s[0, :, :62]).all()  # same noise down each column

    # a continuous sweep: --sweep-steps rows from -1 to 1
    gan("sample", run, "--sweep", "c2", "--sweep-steps", "5", "-n", "2", "--save-latents", "t.npy")
    t = np.load("t.npy").reshape(5, 2, 74)
    assert np.allclose(t[:, :, 72], np.linspace(-1, 1, 5)[:, None])

    r = runner.invoke(app, ["sample", run, "--sweep", "c9"])
    assert r.exit_code == 1 and "c1, c2, c3" in r.output
    r = runner.invoke(app, ["sample", run, "--code", "c1=10"])
    assert r.exit_code == 1 and "0 to 9" in r.output


def test_train_help_shows_the_paper_and_options():
    r = CliRunner().invoke(app, ["train", "infogan", "--help"], env={"COLUMNS": "300"})
    assert r.exit_code == 0
    assert "Chen et al. 2016" in r.output
    for flag in ("--categories", "--continuous", "--info-weight"):
        assert flag in r.output


def test_toy_points_get_a_q_head(tmp_path, one_thread):
    opts = tiny_options(tmp_path / "toy", "infogan", data="ring8", width=16)
    trainer = Trainer(opts, quiet=True)
    assert trainer.variant.hyper.z_dim == 2  # PacGAN's toy noise, with the same codes
    trainer.run()
    codes = trainer.variant.infer_codes(torch.zeros(5, 2))
    assert codes["c1"].shape == (5, 10) and codes["c2"].shape == (5, 1)


def test_train_options_reach_the_variant(tmp_path):
    opts = TrainOptions(
        **{**vars(tiny_options(tmp_path / "r", "infogan")), "extra": {"continuous": 0}}
    )
    trainer = Trainer(opts, quiet=True)
    assert [c["name"] for c in trainer.variant.latent_codes] == ["c1"]
    assert trainer.variant.latent_size == 72
