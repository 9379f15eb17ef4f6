"""gan report RUN: the pictures open and show what the run logged; the page is self-contained;
it works on a run still being written; a folder that is no run is one line."""

from __future__ import annotations

import json

from PIL import Image
from typer.testing import CliRunner

from gancli.cli import app

runner = CliRunner()


def trained(tmp_path):
    run = tmp_path / "run"
    r = runner.invoke(app, [
        "train", "gan", "--data", "ring8", "--width", "64", "--precision", "fp32",
        "--lr", "0.05", "--betas", "0.5,0.999",  # diverges at once: a health event to show
        "--steps", "150", "--sample-every", "50", "--out", str(run), "--json",
    ])  # fmt: skip
    assert r.exit_code == 0, r.output
    return run


def test_report_draws_the_run(tmp_path):
    run = trained(tmp_path)
    r = runner.invoke(app, ["report", str(run), "--json"])
    assert r.exit_code == 0, r.output
    made = json.loads(r.stdout)
    assert made["steps"] == 150 and made["html"] == str(run / "report" / "report.html")
    assert made["events"] and made["events"][0]["state"] == "divergence"
    for name in ("curves", "health", "timelapse"):
        with Image.open(made["pictures"][name]) as im:
            assert im.format == "PNG" and im.width >= 400 and im.height >= 100
            # not a blank picture: lines and samples were drawn
            assert len(im.convert("L").getcolors(1 << 16)) > 10
    with Image.open(made["pictures"]["timelapse"]) as strip:
        assert strip.width > 2 * strip.height  # three grids side by side
    with Image.open(made["pictures"]["timelapse_gif"]) as gif:
        assert gif.format == "GIF" and gif.n_frames == 3  # steps 50, 100, 150
    page = (run / "report" / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 3 and "data:image/gif;base64," in page
    assert "divergence" in page and 'src="http' not in page  # self-contained


def test_frames_and_out_folder(tmp_path):
    run = trained(tmp_path)
    out = tmp_path / "elsewhere"
    r = runner.invoke(app, ["report", str(run), "--frames", "2", "-o", str(out)])
    assert r.exit_code == 0, r.output
    with Image.open(out / "timelapse.gif") as gif:
        assert gif.n_frames == 2
    assert "wrote " in r.stderr and str(out / "report.html") in r.stderr


def test_a_run_still_being_written(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    record = {"step": 10, "d_loss": 1.3, "g_loss": 0.7, "img_per_s": 100.0, "time": 0.0}
    (run / "metrics.jsonl").write_text(json.dumps(record) + '\n{"step": 20, "d_lo')
    r = runner.invoke(app, ["report", str(run), "--json"])
    assert r.exit_code == 0, r.output
    made = json.loads(r.stdout)
    assert made["steps"] == 10 and set(made["pictures"]) == {"curves"}  # no grids, no monitor


def test_not_a_run_is_one_line(tmp_path):
    r = runner.invoke(app, ["report", str(tmp_path)])
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines() == [
        f"error: no training log in {tmp_path} (metrics.jsonl): is it a run folder?"
    ]
