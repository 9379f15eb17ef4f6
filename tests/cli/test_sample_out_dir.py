"""`gan sample --out-dir`: batches generated and encoded as they come, in worker processes."""

from __future__ import annotations

import numpy as np
from PIL import Image
from typer.testing import CliRunner

from gancli.cli import app

runner = CliRunner()


def _pixels(folder):
    return {p.name: np.asarray(Image.open(p)) for p in sorted(folder.iterdir())}


def test_workers_write_the_same_images_as_one_process(tiny_run, tmp_path):
    """Batches of 7 (the last one short), encoded by 2 worker processes or in this process,
    give the same files, with the pixels of `-o x.npy`."""
    common = ["sample", str(tiny_run), "-n", "30", "--seed", "5", "--batch-size", "7"]
    r = runner.invoke(app, [*common, "--out-dir", str(tmp_path / "pool"), "--workers", "2"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, [*common, "--out-dir", str(tmp_path / "here"), "--workers", "0"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, [*common, "-o", str(tmp_path / "x.npy")])
    assert r.exit_code == 0, r.output

    pool, here = _pixels(tmp_path / "pool"), _pixels(tmp_path / "here")
    assert list(pool) == [f"{s:06d}.png" for s in range(5, 35)]
    assert pool.keys() == here.keys()
    x = np.load(tmp_path / "x.npy")
    expected = np.round((np.clip(x, -1, 1) + 1) * 127.5).astype(np.uint8).transpose(0, 2, 3, 1)
    for i, name in enumerate(pool):
        assert np.array_equal(pool[name], here[name])
        assert np.array_equal(pool[name].reshape(expected[i].shape), expected[i]), name


def test_workers_must_not_be_negative(tiny_run, tmp_path):
    r = runner.invoke(
        app, ["sample", str(tiny_run), "-n", "3", "--out-dir", str(tmp_path), "--workers", "-1"]
    )
    assert r.exit_code == 1 and "--workers" in r.output


def test_writing_a_folder_reports_progress(tiny_run, tmp_path):
    import json

    r = runner.invoke(
        app,
        ["sample", str(tiny_run), "-n", "30", "--batch-size", "7", "--workers", "0",
         "--out-dir", str(tmp_path / "d"), "--json"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    json.loads(r.stdout)  # the result, alone on stdout
    done = [
        json.loads(line)["done"]
        for line in r.stderr.splitlines()
        if line.startswith("{") and '"writing PNGs"' in line
    ]
    assert done and done == sorted(done) and done[-1] == 30
