"""The curated zoo shipped in the package: every entry loads, describes itself and samples,
offline, by name alone; its files are read-only to gancli's commands."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image
from typer.testing import CliRunner

from gancli.cli import app
from gancli.store import zoo

runner = CliRunner()
ZOO = Path(__file__).resolve().parents[2] / "zoo"
NAMES = [
    "ring8-gan", "ring8-unrolled", "mnist5k-dcgan", "mnist5k-infogan", "shapes-dcgan",
    "synthfaces-dcgan", "synthfaces-edges-pix2pix", "synthfaces-vae", "shapes-gancls",
    "synthfaces-srresnet", "synthfaces-srgan",
]  # fmt: skip


def gan(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(autouse=True)
def offline_empty_zoo(zoo_dir, monkeypatch):
    """A fresh user with an empty local zoo and no network."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_the_promised_entries_are_shipped_and_found_by_name():
    curated = zoo.curated_entries()
    assert set(NAMES) <= set(curated), sorted(curated)
    for name in NAMES:
        assert zoo.locate(name).source == "curated"
    r = gan("zoo", "list", "--json")
    assert r.exit_code == 0, r.output
    listed = {e["name"]: e for e in json.loads(r.stdout)}
    assert set(NAMES) <= set(listed)


@pytest.mark.parametrize("name", NAMES)
def test_entry_is_slim_self_describing_and_evaluated(name):
    from gancli.engine.model import load_model

    entry = ZOO / name
    model_file = entry / "model.safetensors"
    assert model_file.stat().st_size < 16_000_000  # small enough to ship in the package
    model = load_model(model_file)
    assert model.slim
    card = (entry / "README.md").read_text()
    meta = yaml.safe_load(card.split("---")[1])
    assert meta["library_name"] == "gancli" and model.variant.name in meta["tags"]
    assert f"gan train {model.variant.name}" in card  # the command that trained it
    results = json.loads((entry / "metrics.json").read_text())["results"]
    assert results and all(isinstance(r["value"], (int, float)) for r in results)
    assert str(ZOO.parent) not in (entry / "metrics.json").read_text()  # no local paths
    assert Image.open(entry / "samples.png").size[0] > 100


def test_sample_a_curated_model_by_name_offline(tmp_path):
    out = tmp_path / "grid.png"
    r = gan("sample", "mnist5k-dcgan", "-n", 16, "-o", out)
    assert r.exit_code == 0, r.output
    img = np.asarray(Image.open(out).convert("L"), dtype=np.float32)
    assert img.std() > 20  # digits on a dark ground, not a blank or grey picture


def test_translate_an_edge_map_with_the_curated_pix2pix_by_name_offline(tmp_path):
    """A held-out edge map in, a face out: closer to the true face than the edge map itself
    or a flat grey picture is."""
    from gancli.data import load_data
    from gancli.data.pairs import split_pair

    pairs = load_data("synthfaces-edges-test", image_size=32, paired=True)
    edges, faces = split_pair(np.asarray(pairs.x[:1]))
    Image.fromarray(edges[0].transpose(1, 2, 0)).save(tmp_path / "edges.png")
    out = tmp_path / "face.png"
    r = gan("translate", "synthfaces-edges-pix2pix", tmp_path / "edges.png", "-o", out)
    assert r.exit_code == 0, r.output
    got = np.asarray(Image.open(out).convert("RGB"), dtype=np.float32)
    true = faces[0].transpose(1, 2, 0).astype(np.float32)
    assert got.shape == true.shape
    err = np.abs(got - true).mean()
    assert err < np.abs(edges[0].transpose(1, 2, 0) - true).mean()
    assert err < np.abs(np.full_like(true, 127.5) - true).mean()


def test_upscale_held_out_faces_with_the_curated_srresnet_by_name_offline(tmp_path):
    """Eight held-out faces at 16x16 in, 64x64 out: closer to the true faces than bicubic."""
    import torch

    from gancli.data import load_data
    from gancli.variants._superres import bicubic_up, downsample

    hr = torch.as_tensor(np.asarray(load_data("synthfaces-test", image_size=64).x[:8]))
    lr = downsample(hr.float().div(127.5).sub(1), 4)
    small = tmp_path / "small"
    small.mkdir()
    for i, img in enumerate(lr.add(1).mul(127.5).round().byte().permute(0, 2, 3, 1).numpy()):
        Image.fromarray(img).save(small / f"{i}.png")
    r = gan("upscale", "synthfaces-srresnet", small, "--out-dir", tmp_path / "big")
    assert r.exit_code == 0, r.output
    got = np.stack([np.asarray(Image.open(tmp_path / "big" / f"{i}.png")) for i in range(8)])
    true = hr.permute(0, 2, 3, 1).numpy().astype(np.float32)
    bicubic = bicubic_up(lr, 4).add(1).mul(127.5).permute(0, 2, 3, 1).numpy()
    assert got.shape == true.shape
    assert np.abs(got - true).mean() < np.abs(bicubic - true).mean()


def test_text_to_image_with_the_curated_gancls_by_name_offline(tmp_path):
    """ "a red circle" draws red shapes, "a blue square" blue ones: the caption is obeyed."""
    out = tmp_path / "grid.npy"
    r = gan("sample", "shapes-gancls", "--text", "a red circle", "--text", "a blue square",
            "-n", 8, "-o", out)  # fmt: skip
    assert r.exit_code == 0, r.output
    x = np.load(out).astype(np.float32)  # (16, 3, 32, 32) in [-1, 1], one row per caption
    assert x.shape[0] == 16
    for rows, channel in ((x[:8], 0), (x[8:], 2)):
        lit = rows.max(1) > 0  # the shape's pixels (the background is black)
        colour = rows.transpose(1, 0, 2, 3)[:, lit]
        assert lit.mean() > 0.02 and np.argmax(colour.mean(1)) == channel


def test_curated_files_stay_untouched(tmp_path):
    def stamps():
        return {p: p.stat().st_mtime_ns for n in NAMES for p in (ZOO / n).iterdir()}

    before = stamps()
    r = gan("concept", "add", "mine", "-c", "shapes-dcgan", "--seeds", "1,2,3")
    assert r.exit_code == 1 and "read-only" in r.stderr and "gan zoo add" in r.stderr
    r = gan("concept", "rm", "red circle", "-c", "shapes-dcgan")
    assert r.exit_code == 1 and "read-only" in r.stderr
    r = gan("evaluate", "ring8-gan", "--data", "ring8", "-m", "modes", "-n", 500)
    assert r.exit_code == 0, r.output  # printed, not written into the shipped entry
    assert before == stamps()
    r = gan(
        "evaluate",
        "ring8-gan",
        "--data",
        "ring8",
        "-m",
        "modes",
        "-n",
        500,
        "--out-dir",
        tmp_path / "mine",
    )
    assert r.exit_code == 0 and (tmp_path / "mine" / "metrics.json").is_file()


def test_shapes_concepts_do_arithmetic(tmp_path):
    r = gan("concept", "list", "-c", "shapes-dcgan", "--json")
    assert r.exit_code == 0, r.output
    names = {c["name"] for c in json.loads(r.stdout)["concepts"]}
    assert {"red circle", "blue circle", "blue square"} <= names
    out = tmp_path / "out.png"
    expr = "red circle - blue circle + blue square"
    r = gan("arithmetic", expr, "-c", "shapes-dcgan", "--renorm", "-o", out)
    assert r.exit_code == 0, r.output
    assert Image.open(out).size[0] > 32


def test_infogan_codes_sweep(tmp_path):
    out = tmp_path / "sweep.png"
    r = gan("sample", "mnist5k-infogan", "--sweep", "c1", "-o", out)
    assert r.exit_code == 0, r.output


def test_info_describes_a_toy_model():
    r = gan("info", "ring8-gan")
    assert r.exit_code == 0, r.output
    assert "curated zoo: ring8-gan" in r.output and "ring8: 2-D points" in r.output
    assert "slim" in r.output


def test_zoo_list_into_a_pipe_keeps_one_row_per_line():
    """`gan zoo list | grep NAME` must see the whole row, however narrow the terminal was."""
    r = runner.invoke(app, ["zoo", "list"], env={"COLUMNS": "60"})
    assert r.exit_code == 0, r.output
    for name in NAMES:
        rows = [line for line in r.stdout.splitlines() if line.startswith(name + " ")]
        assert len(rows) == 1, r.stdout
        assert rows[0].rstrip().endswith("curated"), rows[0]
        assert " MB " in rows[0] or " kB " in rows[0], rows[0]


def test_a_run_named_like_a_curated_model_does_not_hide_it(tmp_path, capsys):
    from gancli.api.train import ZooTrainer as Trainer
    from tests.conftest import tiny_options

    run = tmp_path / "shapes-dcgan"  # what the quick start's run folder is called
    Trainer(tiny_options(run), json_lines=True).run()
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["entry"] for e in events if e["event"] == "zoo"] == ["shapes-dcgan-2"]
    assert zoo.locate("shapes-dcgan").source == "curated"  # the README's name still works
    r = gan(
        "arithmetic",
        "red circle - blue circle + blue square",
        "-c",
        "shapes-dcgan",
        "-o",
        tmp_path / "a.png",
    )
    assert r.exit_code == 0, r.output
    # a local entry made deliberately under the name hides it, and the list says so
    assert gan("zoo", "add", run, "--name", "shapes-dcgan").exit_code == 0
    assert zoo.locate("shapes-dcgan").source == "local"
    assert zoo.locate("curated:shapes-dcgan").source == "curated"
    listed = {e["name"]: e for e in json.loads(gan("zoo", "list", "--json").stdout)}
    assert "hides curated:shapes-dcgan" in listed["shapes-dcgan"]["from"]
    assert listed["curated:shapes-dcgan"]["where"] == "curated"
    r = gan("sample", "curated:shapes-dcgan", "-n", 4, "-o", tmp_path / "c.png")
    assert r.exit_code == 0, r.output
    r = gan("sample", "curated:nope", "-o", tmp_path / "c.png")
    assert r.exit_code == 1 and "shapes-dcgan" in r.output
