"""`gan translate`: a tiny pix2pix (a few steps on held-out edge maps -> faces) applied to one
file, a folder, stdin to stdout, side by side with its target, and at the input's own size."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from gancli.api.translate import pad_to_multiple
from gancli.cli import app
from gancli.data.imageops import resize_square
from gancli.data.pairs import halves
from gancli.engine.loop import Trainer
from gancli.engine.model import load_model
from tests.conftest import tiny_options

runner = CliRunner()


@pytest.fixture(scope="module")
def p2p(tmp_path_factory):
    """A pix2pix run (3 steps, 32x32, edges -> faces), 6 exported side-by-side pairs (64x64
    halves) and their edge maps alone."""
    root = tmp_path_factory.mktemp("translate")
    Trainer(tiny_options(root / "run", "pix2pix", steps=3, batch_size=4), quiet=True).run()
    r = runner.invoke(
        app, ["data", "export", "synthfaces-edges-test", str(root / "pairs"), "-n", "6"]
    )
    assert r.exit_code == 0, r.output
    edges = root / "edges"
    edges.mkdir()
    for p in sorted((root / "pairs").glob("*.png")):
        img = Image.open(p)
        img.crop((0, 0, img.width // 2, img.height)).save(edges / p.name)  # A: the edge map
    return root


def gan(*args):
    return runner.invoke(app, [str(a) for a in args])


def _px(path_or_bytes):
    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    return np.asarray(Image.open(src))


def test_one_file_is_the_models_translation_and_the_seed_fixes_its_noise(p2p, tmp_path):
    edge = p2p / "edges" / "00000.png"
    assert gan("translate", p2p / "run", edge, "-o", tmp_path / "a.png").exit_code == 0
    assert gan("translate", p2p / "run", edge, "-o", tmp_path / "b.png").exit_code == 0
    r = gan("translate", p2p / "run", edge, "-o", tmp_path / "c.png", "--seed", "1")
    assert r.exit_code == 0 and "edges -> faces" in r.output
    a = _px(tmp_path / "a.png")
    assert a.shape == (32, 32, 3)
    assert np.array_equal(a, _px(tmp_path / "b.png"))
    assert not np.array_equal(a, _px(tmp_path / "c.png"))  # dropout is the model's noise
    # the pixels are G(edge map) with the same seed
    model = load_model(p2p / "run")
    small = np.asarray(resize_square(Image.open(edge), 32))
    x = torch.from_numpy(small.astype(np.float32).transpose(2, 0, 1)).div(127.5).sub(1)
    torch.manual_seed(0)
    y = model.sample(x[None], batch=1)[0]
    want = ((y.clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()
    assert np.abs(want.astype(int) - a.astype(int)).max() <= 1


def test_a_folder_in_a_folder_out_with_progress_and_unreadable_files_skipped(p2p, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for p in (p2p / "edges").iterdir():
        (src / p.name).write_bytes(p.read_bytes())
    (src / "broken.png").write_bytes(b"not a png")
    out = tmp_path / "out"
    r = runner.invoke(
        app, ["translate", str(p2p / "run"), str(src), "--out-dir", str(out), "--batch-size", "4",
              "--json"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["n"] == 6 and doc["from"] == "edges" and doc["to"] == "faces"
    assert doc["skipped"] == [str(src / "broken.png")]
    assert sorted(p.name for p in out.iterdir()) == [f"{i:05d}.png" for i in range(6)]
    assert all(_px(p).shape == (32, 32, 3) for p in out.iterdir())
    done = [json.loads(x)["done"] for x in r.stderr.splitlines() if '"translating"' in x]
    assert done and done[-1] == 7
    faces = [_px(p) for p in sorted(out.iterdir())]
    assert not any(np.array_equal(faces[0], f) for f in faces[1:])  # each input its own


def test_stdin_to_stdout_pipes_png_bytes(p2p, tmp_path):
    edge = (p2p / "edges" / "00002.png").read_bytes()
    r = runner.invoke(app, ["translate", str(p2p / "run"), "-", "-o", "-"], input=edge)
    assert r.exit_code == 0, r.output
    assert r.stdout_bytes.startswith(b"\x89PNG")
    gan("translate", p2p / "run", p2p / "edges" / "00002.png", "-o", tmp_path / "f.png")
    assert np.array_equal(_px(r.stdout_bytes), _px(tmp_path / "f.png"))


def test_a_real_pipeline_from_gan_sample(p2p, tmp_path):
    """gan sample ... -o - | gan translate CKPT - -o - > x.png, as processes: a DCGAN's 16x16
    sample grid goes in, one 32x32 face-like PNG comes out on stdout, nothing else."""
    Trainer(tiny_options(tmp_path / "dcgan", steps=1), quiet=True).run()
    cmd = [sys.executable, "-m", "gancli"]
    grid = subprocess.run(
        [*cmd, "sample", str(tmp_path / "dcgan"), "-n", "1", "-o", "-"],
        capture_output=True,
        check=True,
    ).stdout
    out = subprocess.run(
        [*cmd, "translate", str(p2p / "run"), "-", "-o", "-"],
        input=grid,
        capture_output=True,
    )
    assert out.returncode == 0, out.stderr.decode()
    assert _px(out.stdout).shape == (32, 32, 3)


def test_side_by_side_shows_input_output_and_the_pairs_target(p2p, tmp_path):
    pair = p2p / "pairs" / "00001.png"
    r = gan("translate", p2p / "run", pair, "--pairs", "--side-by-side", "-o", tmp_path / "s.png")
    assert r.exit_code == 0, r.output
    s = _px(tmp_path / "s.png")
    assert s.shape == (36, 104, 3)  # three 32x32 tiles with the grid's 2-pixel padding
    a, b = halves(Image.open(pair))
    assert np.array_equal(s[2:34, 2:34], np.asarray(resize_square(a, 32)))  # the edge map
    assert np.array_equal(s[2:34, 70:102], np.asarray(resize_square(b, 32)))  # the true face
    r = gan("translate", p2p / "run", p2p / "edges" / "00001.png", "--side-by-side", "-o",
            tmp_path / "two.png")  # fmt: skip
    assert r.exit_code == 0 and _px(tmp_path / "two.png").shape == (36, 70, 3)  # no target


def test_any_size_and_mode_resized_as_trained_or_kept(p2p, tmp_path):
    edge = Image.open(p2p / "edges" / "00004.png").convert("L").resize((75, 50))
    edge.save(tmp_path / "wide.png")
    r = gan("translate", p2p / "run", tmp_path / "wide.png", "-o", tmp_path / "sq.png")
    assert r.exit_code == 0 and _px(tmp_path / "sq.png").shape == (32, 32, 3)
    r = gan(
        "translate", p2p / "run", tmp_path / "wide.png", "--keep-size", "-o", tmp_path / "k.png"
    )
    assert r.exit_code == 0, r.output
    assert _px(tmp_path / "k.png").shape == (50, 75, 3)  # padded to 64x96 inside, cropped back


def test_padding_mirrors_up_to_the_multiple():
    x = torch.arange(2 * 3 * 50 * 75, dtype=torch.float32).reshape(2, 3, 50, 75)
    p = pad_to_multiple(x, 32)
    assert p.shape == (2, 3, 64, 96) and torch.equal(p[..., :50, :75], x)
    assert torch.equal(p[..., 50, :75], x[..., 48, :])  # mirrored about the last row
    assert pad_to_multiple(torch.zeros(1, 1, 5, 7), 32).shape == (1, 1, 32, 32)  # too small
    assert pad_to_multiple(x[..., :32, :64], 32).shape == (2, 3, 32, 64)  # already fits


@pytest.mark.parametrize(
    "args, message",
    [
        (["EDGE", "-o", "x.gif"], "-o x.gif: use a .png"),
        (["missing.png", "-o", "x.png"], "missing.png: no such image file"),
        (["BROKEN", "-o", "x.png"], "not a readable image"),
        (["EDGES", "-o", "x.png"], "for several inputs or a folder use --out-dir"),
        (["EDGE"], "give one of -o FILE"),
        (["-", "--out-dir", "d"], "stdin holds one image"),
        (["EDGE", "-o", "x.png", "--direction", "BtoA"], "this model translates AtoB only"),
        (["EDGE", "-o", "x.png", "--pairs"], "a side-by-side pair (A|B) has an even width"),
        (["EDGE", "-o", "x.png", "--batch-size", "0"], "--batch-size must be at least 1"),
        (["EDGE", "-o", "-", "--json"], "--json and -o - both want stdout"),
    ],
)
def test_user_errors_are_one_line(p2p, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.png").write_bytes(b"not a png")
    Image.new("RGB", (33, 32)).save(tmp_path / "odd.png")
    where = {"EDGE": str(p2p / "edges" / "00000.png"), "EDGES": str(p2p / "edges"),
             "BROKEN": "broken.png"}  # fmt: skip
    if "--pairs" in args:
        where["EDGE"] = "odd.png"
    r = gan("translate", p2p / "run", *[where.get(a, a) for a in args])
    assert r.exit_code == 1, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert message in lines[0]


def test_a_model_that_draws_from_noise_is_refused(tiny_run, p2p):
    r = gan("translate", tiny_run, p2p / "edges" / "00000.png", "-o", "x.png")
    assert r.exit_code == 1
    assert "is a dcgan model, which draws images from noise" in r.stderr
    assert "gan train pix2pix" in r.stderr


def test_translate_help_says_how_sizes_are_handled():
    r = runner.invoke(app, ["translate", "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0
    assert "--keep-size" in r.output and "centre-crop" in r.output and "stdin" in r.output


@pytest.mark.parametrize(
    "args",
    [
        ["sample", "RUN", "-o", "s.png"],
        ["interpolate", "RUN", "-o", "w.png"],
        ["concept", "add", "man", "-c", "RUN", "--seeds", "1,2"],
        ["project", "RUN", "EDGE", "-o", "z.npy"],
    ],
)
def test_commands_that_draw_from_noise_refuse_a_translation_model(p2p, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    where = {"RUN": str(p2p / "run"), "EDGE": str(p2p / "edges" / "00000.png")}
    r = gan(*[where.get(a, a) for a in args])
    assert r.exit_code == 1, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "gan translate" in lines[0], r.stderr


def test_info_the_card_and_the_zoo_say_what_the_model_translates(p2p, tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_ZOO", str(tmp_path / "zoo"))
    r = gan("info", p2p / "run")
    assert r.exit_code == 0 and "edges -> faces (AtoB), trained at 32x32" in r.output
    loose = tmp_path / "loose.safetensors"  # outside its run: no sample grid to copy
    loose.write_bytes((p2p / "run" / "model.safetensors").read_bytes())
    r = gan("zoo", "add", loose, "--name", "edges2faces")
    assert r.exit_code == 0, r.output
    assert "gan translate edges2faces IMAGE -o OUT" in r.output
    card = (tmp_path / "zoo" / "edges2faces" / "README.md").read_text()
    assert "pipeline_tag: image-to-image" in card
    assert "gan translate edges2faces input.png -o output.png" in card
    assert "gan sample" not in card and "| translates | edges -> faces (AtoB)" in card
    r = gan("translate", "edges2faces", p2p / "edges" / "00000.png", "-o", tmp_path / "z.png")
    assert r.exit_code == 0, r.output  # a zoo name works wherever a checkpoint does


def test_a_cyclegan_translates_both_ways_and_says_which(tmp_path):
    """AtoB by default (G: no glasses -> glasses), --direction BtoA runs F."""
    run = tmp_path / "cyc"
    Trainer(tiny_options(run, "cyclegan", steps=2, batch_size=2), quiet=True).run()
    face = tmp_path / "face.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (32, 32, 3), np.uint8)).save(face)
    r = gan("translate", run, face, "-o", tmp_path / "ab.png")
    assert r.exit_code == 0 and "no-glasses -> glasses" in r.output, r.output
    r = gan("translate", run, face, "-o", tmp_path / "ba.png", "--direction", "BtoA")
    assert r.exit_code == 0 and "glasses -> no-glasses" in r.output, r.output
    model = load_model(run)
    x = torch.from_numpy(_px(face).astype(np.float32).transpose(2, 0, 1)).div(127.5).sub(1)[None]
    for name, net in (
        ("ab.png", model.variant.generator.ab),
        ("ba.png", model.variant.generator.ba),
    ):
        with torch.no_grad():
            y = net(x)[0]
        want = ((y.clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()
        assert np.abs(want.astype(int) - _px(tmp_path / name).astype(int)).max() <= 1
    assert not np.array_equal(_px(tmp_path / "ab.png"), _px(tmp_path / "ba.png"))
    r = gan("translate", run, face, "-o", tmp_path / "x.png", "--direction", "AtoC")
    assert r.exit_code == 1 and "translates AtoB, BtoA only" in r.stderr
