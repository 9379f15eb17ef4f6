"""`gan upscale`: a tiny SRResNet (x4, a few steps on 16x16 shapes) applied to one file, a
folder, stdin to stdout and side by side with bicubic; any input size; one-line refusals."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from gancli.cli import app
from gancli.engine.loop import Trainer
from gancli.engine.model import load_model
from gancli.variants._superres import bicubic_up
from tests.conftest import tiny_options

runner = CliRunner()


@pytest.fixture(scope="module")
def sr(tmp_path_factory):
    """An SRResNet run (3 steps, x4, 16x16 shapes) and four small images of different sizes."""
    root = tmp_path_factory.mktemp("upscale")
    opts = tiny_options(root / "run", "srresnet", steps=3, extra={"blocks": 2})
    Trainer(opts, quiet=True).run()
    rng = np.random.default_rng(0)
    imgs = root / "imgs"
    imgs.mkdir()
    for i, (w, h) in enumerate([(4, 4), (9, 5), (16, 12), (3, 7)]):
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(imgs / f"{i}.png")
    return root


def gan(*args, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


def _px(src):
    return np.asarray(Image.open(io.BytesIO(src) if isinstance(src, bytes) else src))


def _model_output(run, path):
    model = load_model(run)
    x = torch.from_numpy(np.asarray(Image.open(path)).astype(np.float32).transpose(2, 0, 1))
    y = model.sample(x.div(127.5).sub(1)[None], batch=1)[0]
    return ((y.clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()


def test_one_file_is_upscaled_whole_by_the_models_factor(sr, tmp_path):
    src = sr / "imgs" / "1.png"  # 9x5: any size, not the training size
    r = gan("upscale", sr / "run", src, "-o", tmp_path / "a.png")
    assert r.exit_code == 0, r.output
    assert "upscaled 1 image(s) x4" in r.output
    a = _px(tmp_path / "a.png")
    assert a.shape == (20, 36, 3)
    assert np.abs(a.astype(int) - _model_output(sr / "run", src).astype(int)).max() <= 1


def test_a_folder_in_a_folder_out_with_progress_and_unreadable_files_skipped(sr, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for p in (sr / "imgs").iterdir():
        (src / p.name).write_bytes(p.read_bytes())
    (src / "broken.png").write_bytes(b"not a png")
    out = tmp_path / "out"
    r = gan("upscale", sr / "run", src, "--out-dir", out, "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["n"] == 4 and doc["scale"] == 4 and doc["skipped"] == [str(src / "broken.png")]
    assert doc["sizes"] == [[16, 16], [36, 20], [64, 48], [12, 28]]
    assert sorted(p.name for p in out.iterdir()) == ["0.png", "1.png", "2.png", "3.png"]
    assert _px(out / "2.png").shape == (48, 64, 3)
    done = [json.loads(x)["done"] for x in r.stderr.splitlines() if '"upscaling"' in x]
    assert done and done[-1] == 5


def test_stdin_to_stdout_pipes_png_bytes(sr, tmp_path):
    src = sr / "imgs" / "2.png"
    r = gan("upscale", sr / "run", "-", "-o", "-", input=src.read_bytes())
    assert r.exit_code == 0, r.output
    assert r.stdout_bytes.startswith(b"\x89PNG")
    gan("upscale", sr / "run", src, "-o", tmp_path / "f.png")
    assert np.array_equal(_px(r.stdout_bytes), _px(tmp_path / "f.png"))


def test_side_by_side_is_bicubic_then_the_model(sr, tmp_path):
    src = sr / "imgs" / "0.png"
    r = gan("upscale", sr / "run", src, "--side-by-side", "-o", tmp_path / "s.png")
    assert r.exit_code == 0, r.output
    s = _px(tmp_path / "s.png")
    assert s.shape == (20, 38, 3)  # two 16x16 tiles with the grid's 2-pixel padding
    x = torch.from_numpy(_px(src).astype(np.float32).transpose(2, 0, 1)).div(127.5).sub(1)
    bic = ((bicubic_up(x[None], 4)[0] + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()
    assert np.abs(s[2:18, 2:18].astype(int) - bic.astype(int)).max() <= 1
    assert np.abs(s[2:18, 20:36].astype(int) - _model_output(sr / "run", src)).max() <= 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["IMG", "-o", "x.gif"], "-o x.gif: use a .png"),
        (["missing.png", "-o", "x.png"], "missing.png: no such image file"),
        (["BROKEN", "-o", "x.png"], "not a readable image"),
        (["IMGS", "-o", "x.png"], "for several inputs or a folder use --out-dir"),
        (["IMG"], "give one of -o FILE"),
        (["-", "--out-dir", "d"], "stdin holds one image"),
        (["-", "-o", "x.png"], "stdin is empty"),
        (["IMG", "-o", "-", "--json"], "--json and -o - both want stdout"),
    ],
)
def test_user_errors_are_one_line(sr, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.png").write_bytes(b"not a png")
    where = {"IMG": str(sr / "imgs" / "0.png"), "IMGS": str(sr / "imgs"), "BROKEN": "broken.png"}
    r = gan("upscale", sr / "run", *[where.get(a, a) for a in args])
    assert r.exit_code == 1, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert message in lines[0]


def test_a_model_that_does_not_upscale_is_refused(tiny_run, sr):
    r = gan("upscale", tiny_run, sr / "imgs" / "0.png", "-o", "x.png")
    assert r.exit_code == 1
    line = r.stderr.strip()
    assert "is a dcgan model, which draws images from noise and does not upscale" in line
    assert "gan train srresnet or srgan" in line and len(line.splitlines()) == 1


@pytest.mark.parametrize("name", ["srresnet", "srgan"])
def test_train_help_names_the_paper(name):
    r = runner.invoke(app, ["train", name, "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0 and "Ledig et al. 2017" in r.stdout
    assert "--scale" in r.stdout and "--blocks" in r.stdout
    if name == "srgan":
        assert "--vgg-weights" in r.stdout and "--init" in r.stdout


def test_commands_that_draw_from_noise_point_at_gan_upscale(sr, tmp_path):
    r = gan("sample", sr / "run", "-n", "4", "-o", tmp_path / "g.png")
    assert r.exit_code == 1 and "use gan upscale CKPT IMAGE -o OUT" in r.stderr
    r = gan("project", sr / "run", sr / "imgs" / "0.png", "-o", tmp_path / "z.safetensors")
    assert r.exit_code == 1 and "gan upscale CKPT IMAGE -o OUT applies it" in r.stderr


def test_evaluate_refuses_it_before_making_any_features(sr, tmp_path, monkeypatch):
    # the classifier features of a data set take minutes to train: the refusal comes first
    monkeypatch.setenv("GANCLI_CACHE", str(tmp_path / "cache"))
    r = gan("evaluate", sr / "run", "--data", "shapes", "-n", "10", "--features", "classifier")
    assert r.exit_code == 1 and "use gan upscale CKPT IMAGE -o OUT" in r.stderr
    assert "Traceback" not in r.output
    assert not list((tmp_path / "cache").rglob("*.safetensors"))


def test_the_zoo_and_the_card_say_to_upscale_with_it(sr, tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_ZOO", str(tmp_path / "zoo"))
    r = gan("info", sr / "run")
    assert r.exit_code == 0 and "4x4 low-res -> 16x16 high-res" in r.output
    r = gan("zoo", "add", sr / "run", "--name", "tiny-sr")
    assert r.exit_code == 0, r.output
    assert "upscale with it: gan upscale tiny-sr IMAGE -o OUT" in r.output
    card = (tmp_path / "zoo" / "tiny-sr" / "README.md").read_text()
    assert "gan upscale tiny-sr input.png -o output.png" in card and "gan translate" not in card
    r = gan("upscale", "tiny-sr", sr / "imgs" / "0.png", "-o", tmp_path / "z.png")
    assert r.exit_code == 0, r.output  # a zoo name works wherever a checkpoint does
