"""`gan evaluate`, called as a user calls it: the table, --json, metrics.json, --compare and its
refusals, --fake folders and arrays, and one clear line for each kind of bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from gancli.api.train import ZooTrainer as Trainer
from gancli.cli import app
from tests.conftest import tiny_options

runner = CliRunner()
# The offline extractor, trained for one epoch (cached for the whole session).
OFFLINE = ["--data", "shapes", "--features", "classifier", "--classifier-epochs", "1"]
OFFLINE += ["--device", "cpu"]


def gan(*args, env: dict | None = None):
    return runner.invoke(app, [str(a) for a in args], env=env)


def one_error_line(r, *needles: str) -> str:
    assert r.exit_code == 1, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("evaluate") / "dcgan"
    Trainer(tiny_options(out, "dcgan", steps=2), quiet=True).run()
    return out


@pytest.fixture(scope="module")
def real_folder(tmp_path_factory):
    """150 real shapes as PNG files, and one broken file."""
    from gancli.data import load_data

    folder = tmp_path_factory.mktemp("fake") / "real"
    folder.mkdir()
    x = load_data("shapes", image_size=16).x[-150:].numpy().transpose(0, 2, 3, 1)
    for i, img in enumerate(x):
        Image.fromarray(img).save(folder / f"{i:04d}.png")
    (folder / "broken.png").write_bytes(b"not a png")
    return folder


def evaluate_json(*args) -> dict:
    r = gan("evaluate", *args, "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_table_and_metrics_json_beside_the_checkpoint(run):
    args = ["evaluate", run, *OFFLINE, "-n", "200", "-m", "fid,pr,is,classes", "--bootstrap", "5"]
    r = gan(*args)
    assert r.exit_code == 0, r.output
    for word in ("fid", "precision", "recall", "is", "classes", "classifier", "shapes"):
        assert word in r.stdout
    assert "bootstrap SE (5 resamples" in r.stdout
    saved = json.loads((run / "metrics.json").read_text())["results"]
    assert [x["metric"] for x in saved] == ["fid", "precision", "recall", "is", "classes"]
    # the same evaluation again replaces its results; another n is appended beside them
    assert gan(*args).exit_code == 0
    assert len(json.loads((run / "metrics.json").read_text())["results"]) == 5
    assert gan("evaluate", run, *OFFLINE, "-n", "150", "-m", "fid").exit_code == 0
    assert len(json.loads((run / "metrics.json").read_text())["results"]) == 6


def test_json_is_one_object_with_receipts(run, tmp_path):
    doc = evaluate_json(
        run, *OFFLINE, "-n", "200", "-m", "fid,kid", "--kid-subset-size", "100",
        "--kid-subsets", "5", "--out-dir", tmp_path, "--seed", "3",
    )  # fmt: skip
    assert doc["source"]["checkpoint"].endswith("model.safetensors")
    assert set(doc["timings_s"]) >= {"sampling", "features_fake", "features_reference", "fid"}
    fid, kid = doc["results"]
    assert fid["metric"] == "fid" and fid["value"] > 0 and fid["spread"] > 0
    assert fid["ci95"][0] < fid["value"] < fid["ci95"][1]
    rec = fid["receipt"]
    assert rec["n"] == 200 and rec["n_ref"] == 10000 and rec["seed"] == 3
    assert rec["features"] == "classifier" and rec["features_hash"].startswith("sha256:")
    assert rec["reference_hash"].startswith("sha256:") and rec["reference"].startswith("shapes")
    assert rec["resize"] and rec["gancli_version"] and rec["source"]["step"] == 2
    assert kid["receipt"]["protocol"]["subset_size"] == 100
    assert kid["spread_kind"] == "std over 5 subsets"
    assert (tmp_path / "metrics.json").exists()


def test_compare_refuses_results_that_differ_and_names_the_field(run, tmp_path):
    def save(name: str, *args: str):
        doc = evaluate_json(run, *OFFLINE, "-m", "fid", "--bootstrap", "0", "--no-save", *args)
        (tmp_path / name).write_text(json.dumps(doc))
        return tmp_path / name

    a = save("a.json", "-n", "200")
    b = save("b.json", "-n", "300")
    c = save("c.json", "-n", "200", "--seed", "9")
    one_error_line(gan("evaluate", "--compare", a, b), "cannot compare fid", "in n (200", "300")
    r = gan("evaluate", "--compare", a, c)
    assert r.exit_code == 0, r.output
    assert "fid" in r.stdout
    rows = json.loads(gan("evaluate", "--compare", a, c, "--json").stdout)["rows"]
    assert rows[0]["metric"] == "fid" and rows[0]["better"] == "lower"
    p = save("p.json", "-n", "200", "--features", "pixels")
    one_error_line(gan("evaluate", "--compare", a, p), "in features (classifier", "pixels")
    (tmp_path / "junk.json").write_text("[1, 2]")
    one_error_line(gan("evaluate", "--compare", a, tmp_path / "junk.json"), "no gan evaluate")


def test_unknown_metric_lists_the_known_ones(run):
    line = one_error_line(gan("evaluate", run, *OFFLINE, "-m", "fid,fdi"), "unknown metric 'fdi'")
    for name in ("fid", "kid", "is", "pr", "modes", "parzen", "memorisation"):
        assert name in line
    one_error_line(gan("evaluate", run, *OFFLINE, "--features", "inceptoin"), "'inception'")
    one_error_line(gan("evaluate", run, *OFFLINE, "-m", "modes"), "Stacked MNIST")


def test_too_few_samples_name_the_minimum(run):
    one_error_line(
        gan("evaluate", run, *OFFLINE, "-n", "50", "-m", "kid", "--kid-subset-size", "100"),
        "at least 100 generated and 100 reference",
        "--kid-subset-size",
    )
    one_error_line(
        gan("evaluate", run, *OFFLINE, "-n", "3", "-m", "pr"), "at least 4 generated", "--pr-k"
    )


def test_offline_inception_is_one_line(run, tmp_path):
    env = {"TORCH_HOME": str(tmp_path), "GANCLI_OFFLINE": "1", "GANCLI_INCEPTION_WEIGHTS": None}
    r = gan("evaluate", run, "--data", "shapes", "-n", "20", "-m", "fid", env=env)
    one_error_line(r, "Inception weights", "--inception-weights", "GANCLI_INCEPTION_WEIGHTS")


def test_fake_folder_scores_any_generator(run, real_folder):
    doc = evaluate_json(
        "--fake", real_folder, *OFFLINE, "--image-size", "16", "-m", "fid,pr", "--no-save"
    )
    fid = doc["results"][0]
    assert fid["receipt"]["n"] == 150 and doc["source"]["skipped"] == 1
    model = evaluate_json(run, *OFFLINE, "-n", "150", "-m", "fid,pr", "--no-save")
    # real images score far better than a generator trained for two steps
    assert fid["value"] < model["results"][0]["value"] / 5
    assert doc["results"][1]["value"] > model["results"][1]["value"]  # precision


def test_fake_array_of_toy_points_scores_all_modes(tmp_path):
    from gancli.data import load_data

    pts = load_data("ring8", seed=1).x[:2500].numpy()
    np.save(tmp_path / "ring.npy", pts)
    doc = evaluate_json(
        "--fake", tmp_path / "ring.npy", "--data", "ring8", "-m", "modes,fid,kid", "--no-save"
    )
    modes, fid, kid = doc["results"]
    assert modes["value"] == 8 and modes["details"]["total"] == 8
    assert abs(modes["details"]["high_quality"] - 0.9889) < 0.01
    assert fid["receipt"]["features"] == "points" and fid["value"] < 1e-3
    assert abs(kid["value"]) < 3 * kid["spread"] + 1e-4
    one_error_line(
        gan("evaluate", "--fake", tmp_path / "ring.npy", "--data", "ring8", "-m", "parzen"),
        "needs images",
    )


def test_fake_writes_results_only_where_asked(tmp_path, monkeypatch):
    from gancli.data import load_data

    np.save(tmp_path / "ring.npy", load_data("ring8", seed=1).x[:500].numpy())
    monkeypatch.chdir(tmp_path)
    args = ["--fake", "ring.npy", "--data", "ring8", "-m", "modes", "-n", "500"]
    assert gan("evaluate", *args).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ring.npy"]  # nothing in the cwd
    assert gan("evaluate", *args, "--out-dir", "scores").exit_code == 0
    saved = json.loads((tmp_path / "scores" / "metrics.json").read_text())
    assert saved["results"][0]["value"] == 8


def test_memorisation_and_parzen(run, tmp_path):
    doc = evaluate_json(
        run, *OFFLINE, "-n", "100", "-m", "memorisation,parzen", "--out-dir", tmp_path
    )
    mem, parzen = doc["results"]
    assert (tmp_path / "memorisation.png").exists()
    assert mem["details"]["n_heldout"] == 1000 and len(mem["details"]["closest"]) == 8
    assert mem["value"] > 0 and "seed" in mem["details"]["closest"][0]
    assert parzen["receipt"]["protocol"]["validation"] == 1000
    assert parzen["spread"] > 0
    assert np.abs(np.logspace(-1, 0, 10) - parzen["details"]["sigma"]).min() < 1e-9


def test_bad_input_lines(run, tmp_path):
    one_error_line(gan("evaluate", "--data", "shapes"), "give a checkpoint or --fake")
    one_error_line(gan("evaluate", run), "--data is required")
    one_error_line(gan("evaluate", run, "--data", "nowhere"), "unknown data source")
    one_error_line(gan("evaluate", run, "--data", "ring8", "-m", "modes"), "the checkpoint makes")
    np.save(tmp_path / "wrong.npy", np.zeros((4, 3, 8, 8), np.float32))
    one_error_line(gan("evaluate", "--fake", tmp_path / "wrong.npy", "--data", "ring8"), "(N, 2)")
    one_error_line(  # was a sampling loop that would never finish
        gan("evaluate", run, "--data", "shapes", "--features", "pixels", "-n", 10**11),
        "evaluate with a smaller -n",
    )


def test_reference_folder_with_a_broken_image_and_fid_of_a_set_with_itself(real_folder):
    r = gan(
        "evaluate", "--fake", real_folder, "--data", real_folder, "--image-size", "16",
        "--features", "pixels", "-m", "fid,pr", "--no-save", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "skipped 1 unreadable file(s)" in r.stderr and "broken.png" in r.stderr
    fid, precision, recall = json.loads(r.stdout)["results"]
    assert abs(fid["value"]) < 1e-6 and fid["receipt"]["features"] == "pixels"
    assert precision["value"] == recall["value"] == 1.0


def test_results_reach_the_zoo_entrys_card(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_ZOO", str(tmp_path / "zoo"))
    run = tmp_path / "cardrun"
    Trainer(tiny_options(run, "dcgan", steps=1), quiet=True).run()
    entry = tmp_path / "zoo" / "cardrun"
    card = (entry / "README.md").read_text()
    assert "fid" not in card.lower()
    out = evaluate_json("cardrun", *OFFLINE, "-m", "fid", "-n", "64")
    assert str(entry / "README.md") in out["outputs"] and (entry / "metrics.json").is_file()
    card = (entry / "README.md").read_text()
    assert "fid" in card.lower()  # the card's metrics table and front matter carry it


def test_json_progress_goes_to_stderr_and_stdout_stays_one_object(run, tmp_path):
    r = gan("evaluate", run, *OFFLINE, "-n", "200", "-m", "fid", "--out-dir", tmp_path, "--json")
    assert r.exit_code == 0, r.output
    json.loads(r.stdout)  # one document
    events = [json.loads(line) for line in r.stderr.splitlines() if line.startswith("{")]
    drawn = [e for e in events if e["event"] == "progress" and e["task"] == "drawing samples"]
    assert drawn and drawn[-1]["done"] == drawn[-1]["total"] == 200
