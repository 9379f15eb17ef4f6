"""train --eval-every: metrics during training in offline features, the best step named."""

from __future__ import annotations

import json

from gancli.engine.loop import Trainer
from tests.conftest import tiny_options


def test_eval_every_logs_metrics_keeps_the_steps_and_names_the_best(tmp_path, capsys):
    run = tmp_path / "run"
    opts = tiny_options(run, steps=4, eval_every=2, eval_samples=200, eval_metrics="fid,kid")
    Trainer(opts, json_lines=True).run()
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    evals = [e for e in events if e["event"] == "eval"]
    assert [e["step"] for e in evals] == [2, 4]
    assert all(e["features"] == "classifier" and e["fid"] > 0 and "kid" in e for e in evals)
    logged = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in logged if r.get("event") == "eval"] == [2, 4]
    best = next(e for e in events if e["event"] == "best")
    assert best["metric"] == "fid" and best["value"] == min(e["fid"] for e in evals)
    assert best["checkpoint"] == f"{run}@{best['step']}"
    kept = sorted(p.name for p in (run / "snapshots").iterdir())
    assert kept == ["step_000002.safetensors", "step_000004.safetensors"]


def test_eval_every_refuses_what_it_cannot_compute(tmp_path):
    import pytest

    from gancli.errors import GanError

    with pytest.raises(GanError, match="unknown metric 'fdi'"):
        Trainer(tiny_options(tmp_path / "a", eval_every=1, eval_metrics="fdi"), quiet=True)
    with pytest.raises(GanError, match="eval-samples"):
        Trainer(tiny_options(tmp_path / "b", eval_every=1, eval_samples=0), quiet=True)
