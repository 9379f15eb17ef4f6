"""Text to image through the command line: train gancls on captioned data, sample a caption."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from gancli.cli import app

runner = CliRunner()


def gan(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(autouse=True)
def _no_zoo(monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_ZOO", str(tmp_path / "zoo"))


@pytest.fixture(scope="module")
def text_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("gancls") / "run"
    r = gan(
        "train", "gancls", "--data", "shapes", "--image-size", 16, "--width", 8,
        "--batch-size", 8, "--steps", 3, "--precision", "fp32", "--out", run, "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    return run


def test_train_help_names_the_paper_and_the_ablation_switches():
    r = runner.invoke(app, ["train", "gancls", "--help"], env={"COLUMNS": "300"})
    assert r.exit_code == 0
    assert "Reed et al. 2016" in r.output and "bag of words" in r.output
    assert "--no-cls" in r.output and "--no-int" in r.output


def test_the_vocabulary_is_in_the_checkpoint_config(text_run):
    config = json.loads((text_run / "config.json").read_text())
    assert {"red", "circle", "left"} <= set(config["data"]["text"]["vocabulary"])
    assert config["hyper"]["extra"] == {"cls": True, "int": True}


def test_sample_text_gives_one_row_per_caption(text_run, tmp_path):
    out = tmp_path / "grid.png"
    r = gan("sample", text_run, "--text", "a red square", "--text", "a big blue circle",
            "-n", 4, "-o", out, "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["n"] == 8
    w, h = Image.open(out).size
    assert w > h  # two rows of four
    a = np.load(_npy(text_run, tmp_path, "a red square"))
    b = np.load(_npy(text_run, tmp_path, "a big blue circle"))
    assert a.shape == (4, 3, 16, 16) and not np.allclose(a, b)  # the caption matters


def _npy(run, tmp_path, text):
    path = tmp_path / f"{len(text)}.npy"
    r = gan("sample", run, "--text", text, "-n", 4, "-o", path)
    assert r.exit_code == 0, r.output
    return path


def test_an_unknown_word_is_one_line_naming_it_and_some_known_ones(text_run, tmp_path):
    r = gan("sample", text_run, "--text", "a purple sqare", "-o", tmp_path / "x.png")
    assert r.exit_code == 1
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and "'purple'" in lines[0] and "square" in lines[0]
    assert "Traceback" not in r.output and not (tmp_path / "x.png").exists()


def test_a_model_without_text_refuses_text(tiny_run, tmp_path):
    r = gan("sample", tiny_run, "--text", "a red square", "-o", tmp_path / "x.png")
    assert r.exit_code == 1
    assert r.output.strip().splitlines() == [
        "error: --text needs a text-to-image checkpoint (gancls); this one is dcgan"
    ]


def test_a_captioned_folder_trains_and_an_uncaptioned_one_is_refused(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    lines = []
    for i in range(8):
        colour = ("red", "blue")[i % 2]
        rgb = (255, 0, 0) if colour == "red" else (0, 0, 255)
        Image.new("RGB", (16, 16), rgb).save(root / f"{i}.png")
        lines.append(f"{i}.png\ta {colour} picture")
    out = tmp_path / "run"
    r = gan("train", "gancls", "--data", root, "--width", 8, "--batch-size", 4, "--steps", 2,
            "--out", out, "--json")  # fmt: skip
    assert r.exit_code == 1 and "has no captions" in r.output
    (root / "captions.txt").write_text("\n".join(lines) + "\n")
    r = gan("train", "gancls", "--data", root, "--width", 8, "--batch-size", 4, "--steps", 2,
            "--out", out, "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    r = gan("sample", out, "--text", "a blue picture", "-n", 2, "-o", tmp_path / "s.png")
    assert r.exit_code == 0, r.output


def test_info_names_the_vocabulary(text_run):
    r = gan("info", text_run)
    assert r.exit_code == 0 and "36-word vocabulary" in r.output
