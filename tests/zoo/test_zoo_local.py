"""The local zoo: registration by gan train, names, resolution order, list/info/add/rm/export."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gancli.cli import app
from gancli.errors import GanError
from gancli.store import zoo
from tests.conftest import tiny_options

runner = CliRunner()


def gan(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def one_line_error(r, *needles: str) -> None:
    assert r.exit_code == 1, r.output
    assert r.output.startswith("error: ") and r.output.count("\n") == 1, r.output
    assert "Traceback" not in r.output
    for needle in needles:
        assert needle in r.output, r.output


def copy_run(trained: Path, dest: Path) -> Path:
    shutil.copytree(trained, dest)
    return dest


def test_gan_train_registers_the_final_model_under_the_run_name(zoo_dir, tmp_path, capsys):
    from gancli.api.train import ZooTrainer as Trainer

    run = tmp_path / "a" / "faces-dcgan"
    Trainer(tiny_options(run), json_lines=True).run()
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {"event": "zoo", "entry": "faces-dcgan", "path": str(zoo_dir / "faces-dcgan")} in events
    assert events[-1]["event"] == "done"
    entry = zoo_dir / "faces-dcgan"
    assert (entry / "model.safetensors").read_bytes() == (run / "model.safetensors").read_bytes()
    last_grid = sorted((run / "samples").glob("*.png"))[-1]
    assert (entry / "samples.png").read_bytes() == last_grid.read_bytes()
    card = (entry / "README.md").read_text()
    assert card.startswith("---\nlibrary_name: gancli\ntags:\n- gan\n- dcgan\n")
    assert "gan train dcgan --data shapes --image-size 16 --steps 2" in card
    assert json.loads((entry / "origin.json").read_text())["run"] == str(run.resolve())
    assert not list(zoo_dir.glob(".*")), "no temporary folders are left behind"

    # another run with the same folder name does not replace it
    other = tmp_path / "b" / "faces-dcgan"
    Trainer(tiny_options(other), quiet=True).run()
    assert sorted(p.name for p in zoo_dir.iterdir()) == ["faces-dcgan", "faces-dcgan-2"]
    # continuing the first run updates its own entry, keeping a concept made on the entry
    (entry / "concepts.safetensors").write_bytes(b"made on the entry")
    Trainer(tiny_options(run, steps=3, resume=str(run)), quiet=True).run()
    assert sorted(p.name for p in zoo_dir.iterdir()) == ["faces-dcgan", "faces-dcgan-2"]
    r = gan("info", "faces-dcgan", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["steps"] == 3
    assert (entry / "concepts.safetensors").read_bytes() == b"made on the entry"


def test_gan_zoo_register_0_keeps_runs_out_of_the_zoo(zoo_dir, tmp_path, monkeypatch):
    from gancli.api.train import ZooTrainer as Trainer

    monkeypatch.setenv("GAN_ZOO_REGISTER", "0")
    Trainer(tiny_options(tmp_path / "sweep-1"), quiet=True).run()
    assert not zoo_dir.exists()


def test_names_are_checked(zoo_dir, trained, tmp_path):
    for bad in ["../../x", "a/b", "", ".hidden", "a b", "x" * 65, "-x", "ok\n"]:
        with pytest.raises(GanError, match="bad zoo name"):
            zoo.check_name(bad)
    assert zoo.check_name("mnist5k-dcgan_v1.2") == "mnist5k-dcgan_v1.2"
    one_line_error(gan("zoo", "rm", "../../x", "--yes"), "bad zoo name '../../x'")
    one_line_error(gan("zoo", "info", "a;b"), "bad zoo name")
    one_line_error(gan("zoo", "add", trained, "--name", "../evil"), "bad zoo name")
    assert not (tmp_path / "evil").exists() and not zoo_dir.exists()
    one_line_error(gan("sample", "two words"), "not a zoo name")
    assert zoo.safe_name("my run (copy)") == "my-run-copy"
    # A run folder where an entry's name belongs: say how to make it one; touch nothing.
    one_line_error(gan("zoo", "rm", trained, "--yes"), "is a path, not a zoo entry")
    # a run folder is pushed as it is (offline here: the Hub step refuses), the zoo untouched
    one_line_error(gan("zoo", "push", trained, "alice/x"), "cannot push to alice/x")
    assert not zoo_dir.exists()
    assert (trained / "model.safetensors").exists()


def test_resolution_order_and_closest_names(zoo_dir, trained, tmp_path, monkeypatch):
    curated = tmp_path / "curated"
    copy_run(trained, curated / "alpha")
    copy_run(trained, curated / "beta")
    monkeypatch.setattr(zoo, "curated_roots", lambda: [curated])
    assert gan("zoo", "add", trained, "--name", "alpha").exit_code == 0

    assert zoo.locate("alpha").source == "local"  # local before curated
    assert zoo.locate("alpha").path == zoo_dir / "alpha" / "model.safetensors"
    assert zoo.locate("beta").source == "curated"
    monkeypatch.chdir(tmp_path)
    copy_run(trained, tmp_path / "beta")
    assert zoo.locate("beta") == zoo.Located(Path("beta/model.safetensors"), "path")  # a path first
    assert zoo.locate(str(trained)).source == "path"

    for name in ("mnist5k-dcgan", "mnist5k-infogan"):
        copy_run(trained, curated / name)
    one_line_error(gan("sample", "alpah"), "no model 'alpah'", "closest: alpha")
    one_line_error(gan("info", "mnist5k"), "'mnist5k' is ambiguous: mnist5k-dcgan, mnist5k-infogan")
    one_line_error(gan("info", "mnist5k-dcgn"), "closest: mnist5k-dcgan")
    one_line_error(gan("info", "runs/nothing"), "no such file or folder")
    one_line_error(gan("info", "alice/repo"), "write hf://alice/repo")

    r = gan("sample", "alpha", "-n", 4, "-o", tmp_path / "grid.png")
    assert r.exit_code == 0 and (tmp_path / "grid.png").exists(), r.output
    r = gan("zoo", "list", "--json")
    rows = {row["name"]: row["where"] for row in json.loads(r.output)}
    assert rows == {
        "alpha": "local",
        "curated:alpha": "curated",  # the curated model the local one hides, still reachable
        "beta": "curated",
        "mnist5k-dcgan": "curated",
        "mnist5k-infogan": "curated",
    }
    one_line_error(gan("zoo", "rm", "beta", "--yes"), "curated zoo")


def test_info_list_and_zoo_info(zoo_dir, trained, tmp_path):
    from gancli.engine.model import load_model

    run = copy_run(trained, tmp_path / "shapes-fid")
    result = {
        "metric": "fid",
        "value": 12.5,
        "spread": 0.5,
        "receipt": {"n": 100, "features": "toy"},
    }
    (run / "metrics.json").write_text(json.dumps({"format": 1, "results": [result]}))
    assert gan("zoo", "add", run).exit_code == 0

    r = gan("info", run / "model.safetensors", "--json")
    assert r.exit_code == 0, r.output
    info = json.loads(r.output)
    model = load_model(run, "cpu")
    for net, module in (
        ("generator", model.variant.generator),
        ("discriminator", model.variant.discriminator),
    ):
        assert info["nets"][net]["parameters"] == sum(p.numel() for p in module.parameters())
    assert info["variant"] == "dcgan" and info["steps"] == 2 and info["format_version"] == 1
    assert info["data"]["resolution"] == "16x16" and info["latent"]["prior"] == "uniform"
    assert info["metrics"][0]["metric"] == "fid" and info["metrics"][0]["value"] == 12.5

    r = gan("info", "shapes-fid")
    assert r.exit_code == 0, r.output
    assert "local zoo: shapes-fid" in r.output and "dcgan.generator" in r.output
    assert "fid" in r.output and "12.5" in r.output

    r = gan("zoo", "list")
    assert r.exit_code == 0, r.output
    assert "shapes-fid" in r.output and "fid 12.5" in r.output and "16x16" in r.output
    rows = json.loads(gan("zoo", "list", "--json").output)
    assert rows[0]["steps"] == 2 and rows[0]["from"] == "added" and rows[0]["bytes"] > 0

    r = gan("zoo", "info", "shapes-fid", "--json")
    data = json.loads(r.output)
    assert set(data["files"]) == {"model.safetensors", "README.md", "samples.png", "metrics.json"}
    card = (zoo_dir / "shapes-fid" / "README.md").read_text()
    assert "metrics:\n- fid\n" in card and "| fid | 12.5 | 0.5000 | 100 | toy |" in card


def test_add_refuses_to_overwrite_and_broken_models(zoo_dir, trained, tmp_path):
    assert gan("zoo", "add", trained, "--name", "m").exit_code == 0
    before = (zoo_dir / "m" / "origin.json").read_text()
    one_line_error(gan("zoo", "add", trained, "--name", "m"), "already has 'm'", "--force")
    assert (zoo_dir / "m" / "origin.json").read_text() == before
    assert gan("zoo", "add", trained, "--name", "m", "--force").exit_code == 0

    data = (trained / "model.safetensors").read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(data[: len(data) // 2])
    one_line_error(gan("zoo", "add", tmp_path / "cut.safetensors", "--name", "cut"), "is damaged")
    import torch
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(2)}, str(tmp_path / "other.safetensors"))
    one_line_error(gan("zoo", "add", tmp_path / "other.safetensors"), "not a gancli model")
    assert sorted(p.name for p in zoo_dir.iterdir()) == ["m"]


def test_add_a_loose_file_draws_a_sample_grid_and_keeps_concepts(zoo_dir, trained, tmp_path):
    run = copy_run(trained, tmp_path / "run")
    r = gan("concept", "add", "red", "-c", run, "--seeds", "1,2,3", "--device", "cpu")
    assert r.exit_code == 0, r.output
    loose = tmp_path / "loose.safetensors"
    shutil.copy(run / "model.safetensors", loose)
    shutil.copy(run / "concepts.safetensors", tmp_path / "loose.concepts.safetensors")
    r = gan("zoo", "add", loose)
    assert r.exit_code == 0, r.output
    entry = zoo_dir / "loose"
    assert {p.name for p in entry.iterdir()} == {
        "model.safetensors",
        "concepts.safetensors",
        "samples.png",
        "README.md",
        "origin.json",
    }
    assert "concepts" in gan("info", "loose").output and "red" in gan("info", "loose").output
    r = gan("arithmetic", "red + red", "-c", "loose", "-o", tmp_path / "a.png", "--device", "cpu")
    assert r.exit_code == 0, r.output


def test_rm_and_export(zoo_dir, trained, tmp_path, monkeypatch):
    assert gan("zoo", "add", trained, "--name", "m").exit_code == 0
    out = tmp_path / "shared"
    r = gan("zoo", "export", "m", out)
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == [
        "README.md",
        "model.safetensors",
        "samples.png",
    ]
    one_line_error(gan("zoo", "export", "m", out), "already exist", "--force")
    assert gan("zoo", "export", "m", out, "--force").exit_code == 0
    assert gan("sample", out, "-n", 2, "-o", tmp_path / "s.png").exit_code == 0

    one_line_error(gan("zoo", "rm", "m"), "--yes")  # not a terminal: never deletes unasked
    assert (zoo_dir / "m").exists()
    r = gan("zoo", "rm", "m", "--yes")
    assert r.exit_code == 0 and not (zoo_dir / "m").exists(), r.output
    assert not list(zoo_dir.iterdir())
    one_line_error(gan("zoo", "rm", "m", "--yes"), "no model 'm'")
    r = gan("zoo", "list", "--json")
    assert r.exit_code == 0 and all(e["from"] == "curated" for e in json.loads(r.output))
    monkeypatch.setattr(zoo, "curated_roots", lambda: [])
    r = gan("zoo", "list")
    assert r.exit_code == 0 and "the zoo is empty" in r.output


@pytest.mark.parametrize(
    "args", [["zoo", "--help"], ["info", "--help"], ["zoo", "list"], ["zoo", "push", "--help"]]
)
def test_zoo_commands_do_not_import_torch(args, zoo_dir):
    """Listing the zoo reads safetensors headers only: no torch, numpy or pydantic."""
    code = (
        "import sys; from gancli.cli import app; from typer.testing import CliRunner; "
        f"r = CliRunner().invoke(app, {args!r}); assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in ('torch', 'numpy', 'pydantic', 'huggingface_hub') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_gan_info_reads_the_header_only(trained):
    """No torch: `gan info` answers at once (Typer itself still brings pydantic for the argument)."""
    code = (
        "import sys; from gancli.cli import app; from typer.testing import CliRunner; "
        f"r = CliRunner().invoke(app, ['info', {str(trained)!r}]); assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in ('torch', 'numpy', 'huggingface_hub') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_slim_entry_samples_like_the_full_model_at_a_fraction_of_the_size(
    zoo_dir, trained, tmp_path
):
    from gancli.engine.model import load_model
    from gancli.latent.priors import seeded_latents

    run = copy_run(trained, tmp_path / "run")
    assert gan("concept", "add", "red", "-c", run, "--seeds", "1,2,3").exit_code == 0
    r = gan("zoo", "add", run, "--name", "small", "--slim")
    assert r.exit_code == 0, r.output
    entry = zoo_dir / "small"
    assert {"model.safetensors", "concepts.safetensors", "README.md"} <= {
        p.name for p in entry.iterdir()
    }
    full_size = (run / "model.safetensors").stat().st_size
    assert (entry / "model.safetensors").stat().st_size < full_size / 4  # no D, no raw G, fp16

    full, slim = load_model(run), load_model(entry)
    z = seeded_latents(full.variant, list(range(16)))
    a, b = full.sample(z), slim.sample(z)
    assert (a - b).abs().max() < 0.02  # fp16 weights: the same pictures to the eye
    assert (a - b).abs().mean() < 2e-3

    out = gan("info", "small").output
    assert "slim" in out and "F16" in out and "discriminator" not in out
    one_line_error(gan("sample", "small", "--no-ema", "-o", tmp_path / "x.png"), "--no-ema")
    r = gan("arithmetic", "red + red", "-c", "small", "-o", tmp_path / "a.png")
    assert r.exit_code == 0, r.output
    # projection still works, on pixels only, and says why
    from PIL import Image

    Image.open(tmp_path / "a.png").crop((0, 0, 16, 16)).save(tmp_path / "t.png")
    r = runner.invoke(
        app,
        [
            "project",
            "small",
            str(tmp_path / "t.png"),
            "-o",
            str(tmp_path / "z.safetensors"),
            "--steps",
            "5",
            "--restarts",
            "1",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "pixels only" in r.stderr
