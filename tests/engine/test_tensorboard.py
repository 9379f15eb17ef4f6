"""gan train --log tensorboard: curves, grids and the run's options in RUN/tensorboard, going on
across --resume; without TensorBoard, one line before anything is trained."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gancli.cli import app
from gancli.engine import tblog

runner = CliRunner()
TOY = ["gan", "--data", "ring8", "--width", "16", "--batch-size", "32", "--precision", "fp32",
       "--log-every", "5", "--sample-every", "10", "--log", "tensorboard"]  # fmt: skip


def test_without_tensorboard_it_is_one_line_before_training(tmp_path, monkeypatch):
    monkeypatch.setattr(tblog, "installed", lambda: False)
    r = runner.invoke(app, ["train", *TOY, "--steps", "5", "--out", str(tmp_path / "run")])
    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert lines == [
        "error: --log tensorboard needs the tensorboard package: pip install 'gancli[tensorboard]'"
    ]
    assert not (tmp_path / "run").exists()


def test_an_unknown_logger_is_refused():
    r = runner.invoke(app, ["train", *TOY[:-1], "wandb", "--steps", "1"])
    assert r.exit_code == 1
    assert "--log must be one of: tensorboard; got 'wandb'" in r.stderr


def test_curves_grids_and_options_go_on_across_resume(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run = tmp_path / "run"
    r = runner.invoke(app, ["train", *TOY, "--steps", "20", "--out", str(run)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["train", "gan", "--resume", str(run), "--steps", "30",
                            "--log", "tensorboard"])  # fmt: skip
    assert r.exit_code == 0, r.output
    events = EventAccumulator(str(run / "tensorboard"), size_guidance={"images": 0}).Reload()
    tags = events.Tags()
    assert {"loss/d_loss", "loss/g_loss", "train/img_per_s", "lr/g", "lr/d"} <= set(tags["scalars"])
    assert {"health/diversity", "health/acc_real", "health/modes"} <= set(tags["scalars"])
    steps = [e.step for e in events.Scalars("loss/g_loss")]
    assert steps == [5, 10, 15, 20, 25, 30]  # one curve, on from the resumed step
    assert [e.step for e in events.Images("samples")] == [10, 20, 30]
    assert "config" in tags["tensors"] or "config/text_summary" in tags["tensors"]
