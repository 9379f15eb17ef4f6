"""--resume continues exactly: 10 steps + 10 resumed steps equal 20 straight steps."""

from __future__ import annotations

import json

import pytest
import torch

from gancli.engine.loop import Trainer
from gancli.engine.model import load_model
from tests.conftest import tiny_options


def _losses(run):
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("variant", ["dcgan", "gan"])
def test_resume_is_exact(tmp_path, variant):
    straight, split = tmp_path / "straight", tmp_path / "split"
    # flip=True so the data-order generator also drives augmentation; gan has dropout (global RNG)
    Trainer(tiny_options(straight, variant, steps=20, flip=True), quiet=True).run()
    Trainer(tiny_options(split, variant, steps=10, flip=True), quiet=True).run()
    Trainer(tiny_options(None, variant, steps=20, resume=str(split)), quiet=True).run()

    a, b = _losses(straight), _losses(split)
    assert [r["step"] for r in b] == list(range(1, 21))
    for ra, rb in zip(a, b):
        assert ra["d_loss"] == rb["d_loss"] and ra["g_loss"] == rb["g_loss"], ra["step"]
    ta, tb = load_model(straight).tensors(), load_model(split).tensors()
    assert ta.keys() == tb.keys()
    for k in ta:
        assert torch.equal(ta[k], tb[k]), k


def test_resume_keeps_the_runs_options(tmp_path):
    run = tmp_path / "run"
    Trainer(tiny_options(run, steps=2, batch_size=4), quiet=True).run()
    t = Trainer(tiny_options(None, steps=3, resume=str(run), batch_size=None), quiet=True)
    assert t.variant.hyper.batch_size == 4 and t.step == 2 and t.total == 3


def test_config_json_follows_the_checkpoint_after_a_resume(tmp_path):
    run = tmp_path / "run"
    Trainer(tiny_options(run, steps=2), quiet=True).run()
    Trainer(tiny_options(None, steps=5, resume=str(run)), quiet=True).run()
    plain = json.loads((run / "config.json").read_text())
    assert plain["step"] == 5 == load_model(run).config["step"]


def test_refuses_to_overwrite_a_run(tmp_path, tiny_run):
    from gancli.errors import GanError

    with pytest.raises(GanError, match="already holds a run"):
        Trainer(tiny_options(tiny_run), quiet=True)


def test_resume_with_inconsistent_state_is_refused(tmp_path, tiny_run):
    from gancli.errors import GanError
    from gancli.store.checkpoint import load_state, save_state
    from gancli.store.files import STATE_FILE

    state = load_state(tiny_run / STATE_FILE)
    state["step"] = 1
    save_state(tiny_run / STATE_FILE, state)
    with pytest.raises(GanError, match="inconsistent"):
        Trainer(tiny_options(None, steps=4, resume=str(tiny_run)), quiet=True)
