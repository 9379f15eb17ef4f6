"""The command line, called as a user calls it (Typer's CliRunner) or as a process."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from gancli.cli import app

runner = CliRunner()
TINY = [
    "--data",
    "shapes",
    "--image-size",
    "16",
    "--width",
    "8",
    "--batch-size",
    "8",
    "--precision",
    "fp32",
    "--sample-every",
    "2",
    "--log-every",
    "1",
]


def gan(*args: str):
    return runner.invoke(app, list(args))


@pytest.mark.parametrize("args", [["--help"], ["train", "--help"], ["train", "dcgan", "--help"]])
def test_help_does_not_import_torch(args):
    """Help stays instant: no torch, and not pydantic either (a third of the time otherwise)."""
    code = (
        "import sys; from gancli.cli import app; from typer.testing import CliRunner; "
        f"r = CliRunner().invoke(app, {args!r}); assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in ('torch', 'torchvision', 'numpy', 'pydantic') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_train_help_lists_variants_and_papers():
    r = gan("train", "--help")
    assert r.exit_code == 0
    assert "dcgan" in r.output and "gan" in r.output
    r = gan("train", "dcgan", "--help")
    assert r.exit_code == 0 and "Radford" in r.output
    r = gan("train", "gan", "--help")
    assert "Goodfellow" in r.output


def test_unknown_variant_is_a_usage_error():
    r = gan("train", "dcgna")
    assert r.exit_code == 2
    assert "dcgan" in r.output


def test_train_then_sample_everything(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = gan("train", "dcgan", *TINY, "--steps", "4", "--json")
    assert r.exit_code == 0, r.output
    events = [json.loads(line) for line in r.stdout.splitlines()]
    assert events[0]["event"] == "start" and events[-1]["event"] == "done"
    assert [e["step"] for e in events if e["event"] == "step"] == [1, 2, 3, 4]
    run = tmp_path / "runs" / "shapes-dcgan"
    assert sorted(p.name for p in (run / "samples").iterdir()) == [
        "step_000002.png",
        "step_000004.png",
    ]
    assert (run / "config.json").exists() and (run / "state.safetensors").exists()

    # grid PNG to a file, same seed -> same picture, other seed -> another
    assert gan("sample", str(run), "-n", "9", "-o", "a.png", "--seed", "7").exit_code == 0
    assert gan("sample", str(run), "-n", "9", "-o", "b.png", "--seed", "7").exit_code == 0
    assert gan("sample", str(run), "-n", "9", "-o", "c.png", "--seed", "8").exit_code == 0
    a, b, c = (np.asarray(Image.open(tmp_path / f)) for f in ("a.png", "b.png", "c.png"))
    assert a.shape == (3 * 18 + 2, 3 * 18 + 2, 3)
    assert np.array_equal(a, b) and not np.array_equal(a, c)

    # PNG on stdout
    r = gan("sample", str(run), "-n", "4", "-o", "-")
    assert r.exit_code == 0
    assert Image.open(io.BytesIO(r.stdout_bytes)).size == (2 * 18 + 2, 2 * 18 + 2)

    # one PNG per sample, named by seed
    assert gan("sample", str(run), "-n", "5", "--out-dir", "each", "--seed", "3").exit_code == 0
    assert sorted(p.name for p in (tmp_path / "each").iterdir()) == [
        f"{s:06d}.png" for s in range(3, 8)
    ]
    assert Image.open(tmp_path / "each" / "000003.png").size == (16, 16)

    # raw array + latents round trip: --latents reproduces the same samples exactly
    r = gan(
        "sample",
        str(run),
        "-n",
        "6",
        "-o",
        "x.npy",
        "--save-latents",
        "z.safetensors",
        "--seed",
        "1",
    )
    assert r.exit_code == 0, r.output
    r = gan("sample", str(run), "--latents", "z.safetensors", "-o", "y.npy")
    assert r.exit_code == 0, r.output
    x, y = np.load(tmp_path / "x.npy"), np.load(tmp_path / "y.npy")
    assert x.shape == (6, 3, 16, 16) and x.dtype == np.float32 and np.array_equal(x, y)
    assert (
        gan(
            "sample", str(run), "-n", "6", "--save-latents", "z.npy", "-o", "n.npy", "--seed", "1"
        ).exit_code
        == 0
    )
    assert np.load(tmp_path / "z.npy").shape == (6, 100)

    # the checkpoint file itself is a CKPT too
    assert gan("sample", str(run / "model.safetensors"), "-n", "2", "-o", "f.png").exit_code == 0


def test_toy_checkpoints_plot_a_scatter(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = gan(
        "train", "gan", "--data", "ring8", "--steps", "3", "--width", "16", "-q", "--out", "toy"
    )
    assert r.exit_code == 0, r.output
    assert gan("sample", "toy", "-n", "200", "-o", "s.png").exit_code == 0
    assert Image.open(tmp_path / "s.png").size == (512, 512)
    assert gan("sample", "toy", "-n", "200", "-o", "p.npy").exit_code == 0
    assert np.load(tmp_path / "p.npy").shape == (200, 2)
    r = gan("sample", "toy", "--out-dir", "d")
    assert r.exit_code == 1 and "2-D points" in r.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["sample", "no/such/run"], "no checkpoint"),
        (["train", "dcgan", "--data", "no_such_folder_or_set"], "unknown data source"),
        (["train", "dcgan", "--data", "cifar10", "--steps", "1"], "cifar"),
        (["train", "dcgan", "--image-size", "48", "--steps", "1"], "image size"),
        (["train", "dcgan", "--betas", "0.5", "--steps", "1"], "--betas"),
        (["train", "dcgan", "--precision", "fp16", "--device", "cpu"], "fp16"),
        (["train", "dcgan", "--device", "cuda:0"], "CUDA is not available"),
        (["train", "dcgan", "--compile-mode", "fast", "--steps", "1"], "reduce-overhead"),
    ],
)
def test_user_errors_are_one_line(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    r = gan(*args)
    assert r.exit_code == 1, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert message.lower() in lines[0].lower()


@pytest.mark.parametrize(
    "args, message",
    [
        (["dcgan", "--steps", "-3"], "--steps must be at least 1; got -3"),
        (["dcgan", "--width", "0"], "--width must be at least 1"),
        (["dcgan", "--sample-every", "0"], "--sample-every must be at least 1"),
        (["dcgan", "--lr-g", "-1"], "--lr-g (or --lr) must be a number above 0"),
        (["dcgan", "--lr", "nan"], "above 0; got nan"),
        (["dcgan", "--epochs", "0"], "--epochs must be a number above 0"),
        (["dcgan", "--betas", "0.5,1.0"], "--betas must each be in [0, 1)"),
        (["dcgan", "--ema-decay", "1"], "--ema-decay must be in [0, 1)"),
        (["wgan", "--clip", "-0.01"], "--clip must be above 0"),
        (["wgan-gp", "--gp-lambda", "-10"], "--gp-lambda must be 0 or more"),
        (["ebgan", "--margin", "-1"], "--margin must be 0 or more"),
        (["unrolled", "--unroll", "-1", "--data", "ring8"], "--unroll must be 0 or more"),
        (["infogan", "--info-weight", "inf", "--data", "ring8"], "must be a finite number"),
    ],
)
def test_out_of_range_training_options_are_refused_before_training(
    tmp_path, monkeypatch, args, message
):
    # Before: a negative --steps "trained" nothing, --width 0 built an empty net and saved it,
    # a negative learning rate ended in torch's traceback.
    monkeypatch.chdir(tmp_path)
    r = gan("train", *args, "--out", "run")
    assert r.exit_code == 1, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert message in lines[0]
    assert not (tmp_path / "run").exists()  # refused before anything was written


def test_debug_shows_the_traceback(tmp_path):
    env_code = (
        "import os, sys; os.environ['GANCLI_DEBUG']='1'; from gancli.cli import main; "
        "sys.argv=['gan','sample','nope']; main()"
    )
    r = subprocess.run(
        [sys.executable, "-c", env_code], capture_output=True, text=True, cwd=tmp_path
    )
    assert r.returncode != 0 and "Traceback" in r.stderr and "GanError" in r.stderr
    r = subprocess.run(
        [sys.executable, "-m", "gancli", "sample", "nope"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert r.returncode == 1 and "Traceback" not in r.stderr


def test_sample_resume_and_version(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert gan("train", "dcgan", *TINY, "--steps", "2", "-q", "--out", "r").exit_code == 0
    r = gan("train", "dcgan", *TINY, "--steps", "2", "-q", "--out", "r")
    assert r.exit_code == 1 and "--resume" in r.stderr
    r = gan("train", "dcgan", "--steps", "3", "-q", "--resume", "r")
    assert r.exit_code == 0, r.output
    r = gan("train", "gan", "--steps", "4", "--resume", "r")
    assert r.exit_code == 1 and "gan train dcgan --resume" in r.stderr
    r = gan("train", "--resume", "r", "--steps", "4", "-q")  # the variant read from the run
    assert r.exit_code == 0, r.output
    from gancli.store.checkpoint import read_checkpoint

    assert read_checkpoint(tmp_path / "r").step == 4
    r = gan("train", "--resume", "nowhere")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1 and "nowhere" in r.stderr
    assert gan("--version").stdout.startswith("gancli ")


@pytest.mark.parametrize(
    "args",
    [["sample"], ["sample", "x", "--bogus"], ["train", "dcgan", "--steps", "x"], ["bogus"]],
)
def test_usage_errors_are_one_line_with_exit_2(args):
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--help" in lines[0]


def test_help_is_reflowed_and_ckpt_help_names_every_form():
    r = CliRunner().invoke(app, ["sample", "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0
    # the docstring's second sentence is one line at 200 columns, not broken where it was typed
    assert "for a conditional checkpoint without --class, class (SEED+i) mod K;" in r.output
    for form in ("a zoo name", "curated:NAME", "hf://owner/repo"):
        assert form in r.output
