"""The library under the commands (gancli.api, gancli.latent.draw): a Python caller gets what
the command line gets, and one seed names one sample everywhere."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from gancli.api import load
from gancli.api.sample import SampleOptions, sample
from gancli.api.train import train
from gancli.cli import app
from gancli.errors import GanError
from gancli.latent.codes import find_code
from gancli.latent.draw import draw
from tests.conftest import tiny_options


def gan(*args: str):
    return CliRunner().invoke(app, list(args))


def test_sample_from_python_is_the_command(tmp_path):
    r = gan("sample", "mnist5k-dcgan", "--seeds", "3,9,14", "-o", str(tmp_path / "cli.png"))
    assert r.exit_code == 0, r.output
    result = sample("mnist5k-dcgan", SampleOptions(seeds="3,9,14", output=str(tmp_path / "py.png")))
    assert result.n == 3 and result.outputs == [str(tmp_path / "py.png")]
    a, b = (np.asarray(Image.open(tmp_path / f)) for f in ("cli.png", "py.png"))
    assert np.array_equal(a, b)


def test_sample_options_are_checked_before_loading(tmp_path):
    with pytest.raises(GanError, match="--seeds names every sample"):
        sample("no-such-model", SampleOptions(seeds="0-3", n=4))
    with pytest.raises(GanError, match="--nrow must be at least 1"):
        sample("no-such-model", SampleOptions(nrow=0))


def test_one_seed_is_one_latent_whatever_is_drawn_with_it():
    variant = load("mnist5k-dcgan").variant
    alone = draw(variant, seeds=[42]).z
    among = draw(variant, seeds=range(40, 45)).z
    assert torch.equal(alone[0], among[2])
    assert draw(variant, seeds=[42]).labels is None  # not conditional


def test_conditional_classes_follow_the_seed_unless_named(tmp_path):
    train(tiny_options(tmp_path / "c", "cgan"), quiet=True)
    variant = load(str(tmp_path / "c")).variant
    k = variant.num_classes
    batch = draw(variant, seeds=[0, 1, k + 1, 2 * k + 2])
    assert batch.labels.tolist() == [0, 1, 1, 2 % k]
    assert draw(variant, seeds=range(4), classes=1).labels.tolist() == [1, 1, 1, 1]
    with pytest.raises(GanError, match="a class must be"):
        draw(variant, seeds=range(2), classes=k)


def test_named_codes_override_what_the_seed_drew():
    variant = load("mnist5k-infogan").variant
    z_dim = variant.hyper.z_dim
    plain = draw(variant, seeds=range(4)).z
    coded = draw(variant, seeds=range(4), codes=[("c1", 3)]).z
    assert torch.equal(plain[:, :z_dim], coded[:, :z_dim])  # the noise is the seed's
    assert not torch.equal(plain[:, z_dim:], coded[:, z_dim:])
    where, _ = find_code(z_dim, variant.latent_codes, "c1")
    assert (coded[:, where].argmax(1) == 3).all()  # every sample has that category


def test_the_train_job_registers_its_run_in_the_zoo(tmp_path):
    path = train(tiny_options(tmp_path / "api-run"), quiet=True)
    assert path.is_file()
    r = gan("zoo", "list", "--json")
    assert r.exit_code == 0, r.output
    assert "api-run" in {row["name"] for row in json.loads(r.stdout)}
