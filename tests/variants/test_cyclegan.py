"""CycleGAN (Zhu et al. 2017): the ResNet generator of the paper, the history pool, the learning
rate held then decayed linearly, the cycle and identity terms, a checkpoint that translates both
ways, an exact resume, and the refusals of data it cannot train on."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

from gancli.cli import app
from gancli.engine.loop import Trainer
from gancli.engine.model import load_model
from gancli.errors import GanError
from gancli.nets.cycle import CycleDiscriminators, CycleGenerators
from gancli.nets.resnet_gen import ResidualBlock, ResnetGenerator, default_blocks
from gancli.variants.cyclegan import ImagePool, linear_decay
from tests.conftest import tiny_options

runner = CliRunner()


def _log(run):
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def test_resnet_generator_is_the_papers():
    """c7s1-64, d128, d256, R256 x 6 (9), u128, u64, c7s1-3 with reflection padding, instance
    norm and tanh; fully convolutional at multiples of 4."""
    g = ResnetGenerator(3, 3, width=4, blocks=6)
    convs = [m for m in g.body if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))]
    assert [(c.kernel_size[0], c.stride[0], c.out_channels) for c in convs] == [
        (7, 1, 4), (3, 2, 8), (3, 2, 16), (3, 2, 8), (3, 2, 4), (7, 1, 3),
    ]  # fmt: skip
    assert isinstance(convs[3], torch.nn.ConvTranspose2d)
    assert sum(isinstance(m, ResidualBlock) for m in g.body) == 6
    assert sum(isinstance(m, torch.nn.ReflectionPad2d) for m in g.modules()) == 2 + 2 * 6
    assert sum(isinstance(m, torch.nn.InstanceNorm2d) for m in g.modules()) == 5 + 2 * 6
    assert isinstance(g.body[-1], torch.nn.Tanh)
    assert sum(isinstance(m, ResidualBlock) for m in ResnetGenerator(width=1).body) == 9
    assert default_blocks(32) == default_blocks(128) == 6 and default_blocks(256) == 9
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    y = g(x)
    assert y.shape == x.shape and y.abs().max() <= 1
    assert g(torch.rand(1, 3, 20, 44)).shape == (1, 3, 20, 44)
    # a residual block adds to its input: zero weights leave the image as it is
    block = ResidualBlock(4, "instance")
    for p in block.parameters():
        torch.nn.init.zeros_(p)
    h = torch.rand(1, 4, 8, 8)
    assert torch.equal(block(h), h)


def test_two_generators_and_two_discriminators_in_one_slot_each():
    g = CycleGenerators(3, width=4, blocks=1)
    x = torch.rand(1, 3, 16, 16)
    assert torch.equal(g(x), g.ab(x)) and torch.equal(g(x, "BtoA"), g.ba(x))
    assert not torch.equal(g.ab(x), g.ba(x))  # two nets, initialised apart
    d = CycleDiscriminators(3, 32, width=4)
    y = torch.rand(1, 3, 32, 32)
    assert torch.equal(d(y, "A"), d.a(y)) and torch.equal(d(y), d.b(y))
    with pytest.raises(GanError, match="direction must be one of"):
        g(x, "sideways")


def test_the_pool_keeps_50_and_then_answers_half_with_history():
    torch.manual_seed(0)
    pool = ImagePool(50)
    first = torch.arange(50.0).reshape(50, 1, 1, 1)
    assert torch.equal(pool.query(first), first)  # filling: every image answers itself
    new = 100 + torch.arange(1000.0).reshape(1000, 1, 1, 1)
    out = torch.cat([pool.query(new[i : i + 10]) for i in range(0, 1000, 10)]).flatten()
    from_history = (out != new.flatten()).float().mean()
    assert 0.45 < from_history < 0.55
    assert len(pool.images) == 50
    # what comes from history was a fake shown earlier, never an image of the future
    for i in (out != new.flatten()).nonzero().flatten().tolist():
        assert out[i] < 100 or out[i] < new[i, 0, 0, 0]
    assert torch.equal(ImagePool(0).query(new[:5]), new[:5])


def test_linear_decay_holds_for_the_first_half_then_falls_to_zero():
    lrs = [linear_decay(s, 200, 0.5) for s in range(200)]
    assert lrs[:99] == [1.0] * 99
    steps = [lrs[i] - lrs[i + 1] for i in range(99, 199)]
    assert all(d == pytest.approx(1 / 101) for d in steps)  # a straight line ...
    assert lrs[-1] == pytest.approx(1 / 101) and lrs[-1] - 1 / 101 < 0.02  # ... down to ~0
    assert [linear_decay(s, 10, 1.0) for s in range(10)] == [1.0] * 10


def test_the_run_logs_cycle_identity_and_the_decaying_lr(tmp_path):
    Trainer(tiny_options(tmp_path / "r", "cyclegan", steps=8, batch_size=1), quiet=True).run()
    log = _log(tmp_path / "r")
    for k in ("d_a", "d_b", "g_ab", "g_ba", "cycle_a", "cycle_b", "idt_a", "idt_b"):
        assert all(k in row and row[k] > 0 for row in log), k
    lrs = [row["lr"] for row in log]
    assert lrs[:4] == pytest.approx([2e-4] * 4)
    assert lrs[4:] == pytest.approx([2e-4 * (1 - k / 5) for k in range(1, 5)])
    row = log[-1]  # G's loss is the adversarial terms + 10 x cycle + 0.5 x 10 x identity
    total = row["g_ab"] + row["g_ba"] + 10 * (row["cycle_a"] + row["cycle_b"])
    assert row["g_loss"] == pytest.approx(total + 5 * (row["idt_a"] + row["idt_b"]), rel=1e-5)
    Trainer(
        tiny_options(tmp_path / "n", "cyclegan", steps=1, extra={"identity": 0.0}), quiet=True
    ).run()
    (row,) = _log(tmp_path / "n")
    assert "idt_a" not in row
    assert row["g_loss"] == pytest.approx(
        row["g_ab"] + row["g_ba"] + 10 * (row["cycle_a"] + row["cycle_b"]), rel=1e-5
    )


def test_checkpoint_translates_both_ways(tmp_path):
    path = Trainer(tiny_options(tmp_path / "r", "cyclegan", steps=1), quiet=True).run()
    model = load_model(path)
    cfg = model.config
    assert cfg["translation"] == {
        "directions": {"AtoB": ["no-glasses", "glasses"], "BtoA": ["glasses", "no-glasses"]},
        "default": "AtoB",
        "image_size": 32,
        "channels": 3,
    }
    assert cfg["train"]["ema_decay"] == 0.0
    assert cfg["nets"]["generator"]["blocks"] == 6  # at 32x32, the paper's choice for <= 128
    assert cfg["nets"]["discriminator"]["layers"] == 3  # 70x70
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    assert torch.equal(model.sample(x), model.variant.generator.ab(x).float())
    model.variant.direction = "BtoA"
    assert torch.equal(model.sample(x), model.variant.generator.ba(x).float())


def test_resume_continues_exactly(tmp_path):
    """4 steps straight and 2 + 2 with --resume end the same. Two things a resume does not
    carry: the history pools (in memory only) start empty again, which at batch 2 changes
    nothing within 4 steps; and the decay follows the --steps in force, so a run first told 2
    steps would have decayed already: the decay is off here."""
    straight, split = tmp_path / "straight", tmp_path / "split"
    flat = {"decay_start": 1.0}
    Trainer(tiny_options(straight, "cyclegan", steps=4, batch_size=2, extra=flat), quiet=True).run()
    Trainer(tiny_options(split, "cyclegan", steps=2, batch_size=2, extra=flat), quiet=True).run()
    Trainer(tiny_options(None, "cyclegan", steps=4, resume=str(split)), quiet=True).run()
    a = [{k: v for k, v in r.items() if k not in ("img_per_s", "time")} for r in _log(straight)]
    b = [{k: v for k, v in r.items() if k not in ("img_per_s", "time")} for r in _log(split)]
    assert a == b
    ta, tb = load_model(straight).tensors(), load_model(split).tensors()
    assert all(torch.equal(ta[k], tb[k]) for k in ta)


@pytest.mark.parametrize(
    "args, message",
    [
        (["cyclegan", "--data", "shapes"], "'shapes' holds single images, not two domains"),
        (["cyclegan", "--data-a", "shapes"], "give both --data-a A and --data-b B"),
        (
            ["cyclegan", "--data", "shapes", "--data-a", "shapes", "--data-b", "shapes"],
            "and no --data",
        ),
        (["cyclegan", "--data-a", "shapes", "--data-b", "ring8"], "--data-b ring8: holds 2-D"),
        (["pix2pix", "--data", "synthfaces-glasses-test"], "holds two unpaired domains"),
        (["pix2pix", "--data-a", "shapes", "--data-b", "shapes"], "pix2pix trains on --data"),
        (["dcgan", "--data", "synthfaces-glasses-test"], "(gan train cyclegan); dcgan trains"),
        (["cyclegan", "--data", "horse2zebra"], "GANCLI_OFFLINE=1 forbids downloading it"),
    ],
)
def test_misuse_is_refused_in_one_line(tmp_path, monkeypatch, args, message):
    monkeypatch.setenv("GANCLI_OFFLINE", "1")
    monkeypatch.setenv("GANCLI_DATA", str(tmp_path / "data"))
    r = runner.invoke(
        app, ["train", *args, "--image-size", "32", "--steps", "1", "-o", str(tmp_path / "r")]
    )
    assert r.exit_code == 1, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert message in lines[0]


def test_help_names_the_paper_and_the_two_domains():
    r = runner.invoke(app, ["train", "cyclegan", "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0
    text = " ".join(r.output.split())
    assert "Zhu, Park, Isola & Efros 2017" in text
    for flag in ("--data-a", "--data-b", "--cycle-lambda", "--identity", "--pool-size", "--blocks"):
        assert flag in text


def test_two_folders_train_through_the_command_line(tmp_path):
    """gan train cyclegan --data-a A/ --data-b B/: the run names both domains and translates
    from one to the other."""
    from PIL import Image

    for name, colour in (("horses", (140, 90, 40)), ("zebras", (240, 240, 240))):
        (tmp_path / name).mkdir()
        for i in range(4):
            Image.new("RGB", (20, 20), tuple(c - 10 * i for c in colour)).save(
                tmp_path / name / f"{i}.png"
            )
    out = tmp_path / "run"
    r = runner.invoke(
        app,
        ["train", "cyclegan", "--data-a", str(tmp_path / "horses"), "--data-b",
         str(tmp_path / "zebras"), "--image-size", "16", "--patch", "16", "--width", "4", "--steps", "2",
         "--precision", "fp32", "--device", "cpu", "-o", str(out), "--quiet"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    cfg = load_model(out).config
    assert cfg["data"]["name"] == "horses2zebras"
    assert cfg["translation"]["directions"] == {
        "AtoB": ["horses", "zebras"],
        "BtoA": ["zebras", "horses"],
    }
    assert cfg["train"]["data_a"] == str(tmp_path / "horses")
