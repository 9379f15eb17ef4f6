"""`gan train --eval-every N`: metrics of the EMA generator during training, as StyleGAN's
`--metrics` computes FID at each snapshot, here in features that need no download.

The features are those `gan evaluate --features` offers offline: a classifier trained on the
data's labels where it has them (mnist5k, shapes, synthfaces, a folder of class sub-folders),
pixels for an image set without labels, the coordinates for 2-D toys. The samples are the same
seeds at every evaluation, so the numbers along a run compare; the first metric decides which
step was best.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gancli.errors import GanError

DEFAULT_METRICS = "fid"
DEFAULT_SAMPLES = 2000


@dataclass
class Best:
    step: int
    metric: str
    value: float


class Watch:
    def __init__(self, data: Any, metrics: str | None, n: int, seed: int = 0) -> None:
        from gancli.metrics.evaluation import Protocol, preflight, require_torch_fidelity
        from gancli.metrics.registry import METRICS, parse_metrics

        self.data, self.n = data, n
        self.metrics = parse_metrics(metrics or DEFAULT_METRICS, data.kind)
        if data.kind == "points":
            features = "points"
        elif data.labels is not None and data.num_classes >= 2:
            features = "classifier"
        else:
            features = "pixels"
        needs_logits = [m for m in self.metrics if METRICS[m].logits]
        if needs_logits and features != "classifier":
            raise GanError(
                f"--eval-metrics {','.join(needs_logits)} needs a labelled data set (class "
                "logits); this one has no labels"
            )
        if any(METRICS[m].features for m in self.metrics) and features != "points":
            require_torch_fidelity()
        self.proto = Protocol(
            metrics=self.metrics,
            features=features,
            seed=seed,
            kid_subset_size=min(1000, n // 2),
            bootstrap=0,  # one number per evaluation: the curve is the spread
        )
        preflight(self.metrics, n, len(data), self.proto)
        self.better = METRICS[self.metrics[0]].better
        self.prepared: Any = None
        self.best: Best | None = None

    @property
    def features(self) -> str:
        return str(self.proto.features)

    def __call__(self, model: Any, step: int) -> dict[str, float]:
        """The metrics of `model` (its EMA generator) now; remembers the best step."""
        from gancli.metrics.evaluation import draw_samples, evaluate, prepare

        if self.prepared is None:  # the classifier is trained (or read from the cache) once
            self.prepared = prepare(self.data, self.proto)
        x = draw_samples(model, self.n, self.proto.seed)
        report = evaluate(x, self.data, self.proto, {"step": step}, prepared=self.prepared)
        values: dict[str, float] = {}
        for r in report.results:
            if isinstance(r.get("value"), (int, float)):
                values[r["metric"]] = float(r["value"])
        first = self.metrics[0]
        value = values.get(first)
        if value is not None:
            improved = self.best is None or (
                value < self.best.value if self.better == "lower" else value > self.best.value
            )
            if improved:
                self.best = Best(step, first, value)
        return values
