"""train --keep-every keeps step checkpoints that RUN@STEP names."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image
from typer.testing import CliRunner

from gancli.cli import app
from gancli.engine.loop import Trainer
from tests.conftest import tiny_options

runner = CliRunner()


def test_keep_every_keeps_snapshots_that_run_at_step_names(tmp_path, capsys):
    run = tmp_path / "run"
    Trainer(tiny_options(run, steps=4, keep_every=2), json_lines=True).run()
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["step"] for e in events if e["event"] == "snapshot"] == [2, 4]
    kept = sorted(p.name for p in (run / "snapshots").iterdir())
    assert kept == ["step_000002.safetensors", "step_000004.safetensors"]
    assert (run / "snapshots" / kept[-1]).read_bytes() == (run / "model.safetensors").read_bytes()
    # the snapshot of step 2 is an earlier model: its samples differ from the final one's
    for name in ("run@2", "run@4", "run"):
        r = runner.invoke(
            app, ["sample", str(tmp_path / name), "-n", "4", "-o", str(tmp_path / f"{name}.png")]
        )
        assert r.exit_code == 0, r.output
    grids = {n: np.asarray(Image.open(tmp_path / f"{n}.png")) for n in ("run@2", "run@4", "run")}
    assert np.array_equal(grids["run@4"], grids["run"])
    assert not np.array_equal(grids["run@2"], grids["run"])
    r = runner.invoke(app, ["info", str(run) + "@2", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["steps"] == 2
    r = runner.invoke(app, ["sample", str(run) + "@3", "-o", str(tmp_path / "x.png")])
    assert r.exit_code == 1 and "snapshots: 2, 4" in r.output


def test_resume_with_the_steps_already_done_ends_the_run_there(tmp_path):
    """A 4-step run's checkpoint at step 2, resumed with --steps 2, becomes the checkpoint of
    a 2-step run: the same weights as a run trained for 2 steps, saying so in its config."""
    import shutil

    from gancli.errors import GanError
    from gancli.store.checkpoint import read_checkpoint

    long, short = tmp_path / "long", tmp_path / "short"
    Trainer(tiny_options(long, steps=4, keep_every=2), quiet=True).run()
    Trainer(tiny_options(short, steps=2), quiet=True).run()
    cut = tmp_path / "cut"
    cut.mkdir()
    shutil.copy(long / "snapshots" / "step_000002.safetensors", cut / "model.safetensors")
    # the state of step 2 is not kept by --keep-every: take it from a run stopped there
    shutil.copy(short / "state.safetensors", cut / "state.safetensors")
    Trainer(tiny_options(cut, steps=2, resume=str(cut)), quiet=True).run()
    a = read_checkpoint(cut)
    assert a.step == 2 and a.config["train"]["steps"] == 2
    import pytest
    from safetensors.torch import load_file

    wa, wb = load_file(cut / "model.safetensors"), load_file(short / "model.safetensors")
    assert all(wa[k].equal(wb[k]) for k in wb)
    with pytest.raises(GanError, match="already at step 4"):
        Trainer(tiny_options(long, steps=3, resume=str(long)), quiet=True)


def test_the_start_line_and_the_projected_time(tmp_path, capsys):
    from gancli.engine.loop import plan
    from gancli.engine.options import TrainOptions
    from gancli.engine.progress import _shown

    Trainer(tiny_options(tmp_path / "run", steps=12), json_lines=True).run()
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    start = next(e for e in events if e["event"] == "start")
    assert start["shape"] == [3, 16, 16] and start["batch"] == 8
    assert start["widths"] == {"generator": 8, "discriminator": 8}
    assert start["params"]["generator"] > 0 and start["params"]["discriminator"] > 0
    line = _shown("start", start)
    assert line["size"] == "16x16" and "G: width 8" in line["nets"]
    projected = next(e for e in events if e["event"] == "plan")
    assert projected["seconds_per_step"] > 0 and "suggest" not in projected  # 2 steps left
    # a long run on a CPU gets a plan that fits in about an hour
    long = plan(2.0, 10_000, "cpu", TrainOptions(variant="dcgan", width=64))
    assert long["projected_s"] == 20_000 and long["suggest"] == "--steps 1800 or --width 32"
    assert "suggest" not in plan(2.0, 10_000, "cuda", TrainOptions(variant="dcgan"))
    shown = _shown("plan", long)
    assert shown["duration"] == "5 h 33 min" and "--steps 1800" in shown["hint"]
