"""What the user sees comes from the registries: the help texts and `gan data list` name every
registered metric, feature extractor and built-in set; and a metric, an extractor or a data set
registered here, in this test module, works through `gan evaluate` and `load_data` with no
other file touched."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from gancli.cli import app
from gancli.data.registry import SOURCES, builtin
from gancli.engine.loop import Trainer
from gancli.metrics.registry import EXTRACTORS, METRICS, extractor, metric
from tests.conftest import tiny_options

runner = CliRunner()


def gan(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "300"})


def squashed(text: str) -> str:
    """Help text with the table's borders and line breaks taken out."""
    return " ".join(text.replace("│", " ").split())


# ---- listings -----------------------------------------------------------------------------


def test_train_help_lists_every_builtin_set():
    r = gan("train", "dcgan", "--help")
    assert r.exit_code == 0, r.output
    text = squashed(r.output)
    assert "stacked-mnist" in text
    assert "a built-in: " + ", ".join(sorted(SOURCES)) in text


def test_data_list_shows_every_builtin_set_with_its_help():
    r = gan("data", "list", "--json")
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["name"] for row in rows] == sorted(SOURCES)
    assert {row["name"]: row["about"] for row in rows} == {n: s.help for n, s in SOURCES.items()}
    assert "stacked-mnist" in {row["name"] for row in rows}


def test_evaluate_help_lists_every_metric_and_extractor():
    r = gan("evaluate", "--help")
    assert r.exit_code == 0, r.output
    text = squashed(r.output)
    assert "Comma-separated: " + ", ".join(sorted(METRICS)) + "." in text
    for name, e in EXTRACTORS.items():
        assert f"{name} ({e.summary})" in text


def test_evaluate_help_does_not_import_torch():
    code = (
        "import sys; from gancli.cli import app; from typer.testing import CliRunner; "
        "r = CliRunner().invoke(app, ['evaluate', '--help']); assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in ('torch', 'numpy', 'PIL') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_evaluate_defaults_are_the_protocols():
    from gancli.cli.evaluate import evaluate
    from gancli.metrics.protocol import DEFAULTS

    params = inspect.signature(evaluate).parameters
    for name in ("kid_subsets", "kid_subset_size", "pr_k", "is_splits", "bootstrap", "batch_size"):
        assert params[name].default == getattr(DEFAULTS, name), name


# ---- a metric, an extractor and a data set registered by this module ------------------------


@pytest.fixture
def brightness():
    """A throwaway metric: how far the samples' mean brightness is from the reference's."""

    def check(n_fake, n_ref, proto):
        if n_fake < 10:
            from gancli.errors import GanError

            raise GanError(f"brightness needs at least 10 samples; got {n_fake}")

    @metric(
        "brightness",
        help="difference of mean pixel values, a test's own",
        kinds=("image",),
        better="lower",
        aliases=("bright",),
        check=check,
    )
    def compute(inputs):
        fake = float(inputs.fake.float().mean()) / 255
        real = float(inputs.reference.x.float().mean()) / 255
        inputs.add(
            "brightness",
            abs(fake - real),
            {**inputs.pixels_receipt, "protocol": {"brightness": 1}},
            details={"fake": fake, "reference": real},
        )

    yield "brightness"
    METRICS.unregister("brightness")


@pytest.fixture
def meancolour():
    """A throwaway feature extractor: each image's mean colour, 3 numbers."""
    from gancli.metrics.features import Extractor

    @extractor(
        "meancolour",
        help="the mean of each channel, a test's own",
        summary="mean colour",
        kinds=("image",),
    )
    def build(request):
        return Extractor(
            "meancolour",
            None,
            "none",
            lambda x: (x.float().mean((2, 3)) / 255, None),
            request.device,
            request.batch_size,
            info={"dim": 3},
        )

    yield "meancolour"
    EXTRACTORS.unregister("meancolour")


@pytest.fixture
def line4():
    """A throwaway 2-D toy: four Gaussians on a line."""

    @builtin(
        "line4",
        help="2-D toy: 4 Gaussians on the x axis, a test's own",
        kind="points",
        aliases=("line",),
    )
    def load(request):
        from gancli.data.toys import make_mixture

        means = np.array([[-3.0, 0.0], [-1.0, 0.0], [1.0, 0.0], [3.0, 0.0]])
        ds = make_mixture("line4", means, 0.05, 4000, request.seed)
        ds.source = request.source
        return ds

    yield "line4"
    SOURCES.unregister("line4")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("registries") / "dcgan"
    Trainer(tiny_options(out, "dcgan", steps=1), quiet=True).run()
    return out


def test_a_metric_registered_here_runs_through_gan_evaluate(run, brightness, tmp_path):
    base = ["evaluate", run, "--data", "shapes", "--device", "cpu"]
    args = [*base, "-n", 40]
    r = gan(*args, "-m", "bright", "--out-dir", tmp_path, "--json")
    assert r.exit_code == 0, r.output
    (result,) = json.loads(r.stdout)["results"]
    assert result["metric"] == "brightness" and result["better"] == "lower"
    assert 0 <= result["value"] <= 1 and result["receipt"]["n"] == 40
    assert result["receipt"]["protocol"] == {"brightness": 1}
    saved = json.loads((tmp_path / "metrics.json").read_text())["results"]
    assert [x["metric"] for x in saved] == ["brightness"]
    r = gan(*base, "-n", 5, "-m", "brightness", "--no-save")
    assert r.exit_code == 1 and "brightness needs at least 10 samples; got 5" in r.stderr
    r = gan(*args, "-m", "brightnes")
    assert "did you mean 'brightness'?" in r.stderr and "brightness" in r.stderr
    r = gan("evaluate", "--fake", tmp_path / "x.npy", "--data", "ring8", "-m", "brightness")
    assert "brightness needs images" in r.stderr


def test_an_extractor_registered_here_runs_through_gan_evaluate(brightness, meancolour, tmp_path):
    from gancli.data import load_data

    np.save(tmp_path / "fake.npy", load_data("shapes", image_size=16).x[:200].numpy())
    args = ["evaluate", "--fake", tmp_path / "fake.npy", "--data", "shapes"]
    r = gan(*args, "--features", "meancolour", "-m", "fid,brightness", "--no-save", "--json")
    assert r.exit_code == 0, r.output
    fid, bright = json.loads(r.stdout)["results"]
    assert fid["receipt"]["features"] == "meancolour" and fid["details"]["dim"] == 3
    assert fid["value"] >= 0 and bright["metric"] == "brightness"
    r = gan(*args, "--features", "meancolor", "-m", "fid")
    assert "did you mean 'meancolour'?" in r.stderr
    r = gan(*args, "--features", "meancolour", "-m", "is")
    assert "is needs class logits; --features meancolour has none" in r.stderr


def test_a_data_set_registered_here_loads_and_evaluates(line4, tmp_path):
    from gancli.data import builtin_names, load_data

    assert "line4" in builtin_names()
    ds = load_data("Line", seed=1)  # an alias, in any case
    assert ds.name == "line4" and ds.kind == "points" and ds.source == "Line"
    assert tuple(ds.x.shape) == (4000, 2) and len(ds.modes) == 4
    np.save(tmp_path / "line.npy", ds.x[:1000].numpy())
    r = gan("evaluate", "--fake", tmp_path / "line.npy", "--data", "line4", "-m", "modes,fid")
    assert r.exit_code == 0, r.output
    assert "4 / 4" in r.stdout
    r = gan("data", "list", "--json")
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert {"name": "line4", "about": SOURCES["line4"].help} in rows
    r = gan("evaluate", "--fake", tmp_path / "line.npy", "--data", "line5")
    assert "did you mean 'line4'?" in r.stderr
