"""The metrics and feature extractors `gan evaluate` knows, each an entry that carries its
implementation.

A metric is a module in `gancli/metrics/` with a function decorated by `@metric(...)`; a feature
extractor is a module in `gancli/metrics/extractors/` with a builder decorated by
`@extractor(...)`. The decorators' arguments (name, help line, data kinds, ...) are read from the
modules' text, so that help texts and the error for a misspelt name import neither torch nor
numpy; a module is imported when its metric or extractor is used (`METRICS.load(name)`).
See `gancli._registry` for the rules a declaration follows.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gancli._registry import Registry
from gancli.errors import GanError
from gancli.metrics.protocol import DEFAULT_IMAGE_METRICS, DEFAULT_POINT_METRICS

KINDS = ("image", "points")


def _check_kinds(what: str, name: str, kinds: Any) -> tuple[str, ...]:
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    if not kinds or any(k not in KINDS for k in kinds):
        raise ValueError(f"{what} {name!r}: kinds must be some of {KINDS}, got {kinds!r}")
    return kinds


@dataclass(frozen=True)
class MetricInfo:
    """One metric. `compute(inputs)` adds its results through `inputs.add` (see
    `gancli.metrics.evaluation.Inputs` for what the protocol hands it)."""

    name: str
    help: str
    kinds: tuple[str, ...]  # data kinds it applies to: "image", "points"
    better: str  # "lower" or "higher": which way is better, for --compare
    features: bool = False  # computed on the feature extractor's output (else pixels or points)
    aliases: tuple[str, ...] = ()  # other spellings of -m NAME
    logits: bool = False  # needs the extractor's class logits
    named_classes: bool = False  # needs an extractor whose classes have names (the classifier)
    torch_fidelity: bool = False  # computed by torch-fidelity
    module: str = ""
    compute: Callable[[Any], None] | None = None
    # check(n_fake, n_ref, proto): the sample-count minimums, before anything is drawn
    check: Callable[[int, int, Any], None] | None = None
    # check_reference(reference): whether the reference set suits it, before anything is drawn
    check_reference: Callable[[Any], None] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kinds", _check_kinds("metric", self.name, self.kinds))
        object.__setattr__(self, "aliases", tuple(self.aliases))
        if self.better not in ("lower", "higher"):
            raise ValueError(f"metric {self.name!r}: better must be 'lower' or 'higher'")
        if not isinstance(self.help, str) or not self.help:
            raise ValueError(f"metric {self.name!r}: missing help")


@dataclass(frozen=True)
class ExtractorInfo:
    """One feature extractor. `build(request)` returns a `features.Extractor` for the
    reference set of `request` (a `features.ExtractorRequest`)."""

    name: str
    help: str  # one line for listings
    summary: str  # a few words for `gan evaluate --help`
    kinds: tuple[str, ...] = ("image",)  # the data kinds it reads
    logits: bool = False  # it gives class logits (IS, classes)
    named_classes: bool = False  # its classes have names (the reference's own)
    torch_fidelity: bool = False  # it needs torch-fidelity
    module: str = ""
    build: Callable[[Any], Any] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kinds", _check_kinds("extractor", self.name, self.kinds))


METRICS: Registry[MetricInfo] = Registry(
    "metric",
    "gancli.metrics",
    "metric",
    MetricInfo,
    impl="compute",
    runtime=("check", "check_reference"),
)
EXTRACTORS: Registry[ExtractorInfo] = Registry(
    "feature extractor", "gancli.metrics.extractors", "extractor", ExtractorInfo, impl="build"
)

metric = METRICS.register  # @metric("name", help=..., kinds=..., better=..., features=...)
extractor = EXTRACTORS.register  # @extractor("name", help=..., summary=..., kinds=...)


def metric_names() -> list[str]:
    return sorted(METRICS)


def aliases() -> dict[str, str]:
    """Other spellings -> the metric's name."""
    return {a: m.name for m in METRICS.values() for a in m.aliases}


def parse_metrics(text: str | None, kind: str | None) -> list[str]:
    """`fid,kid,pr` -> ["fid", "kid", "pr"], checked against the data kind ("image",
    "points"; None checks the names only); GanError otherwise."""
    if text is None or not text.strip():
        return list(DEFAULT_POINT_METRICS if kind == "points" else DEFAULT_IMAGE_METRICS)
    other = aliases()
    out: list[str] = []
    for raw in text.split(","):
        name = raw.strip().lower()
        if not name:
            continue
        name = other.get(name, name)
        if name not in METRICS:
            msg = f"unknown metric '{raw.strip()}'; known: {', '.join(metric_names())}"
            close = difflib.get_close_matches(name, metric_names(), n=1, cutoff=0.5)
            if close:
                msg += f" (did you mean '{close[0]}'?)"
            raise GanError(msg)
        if kind is not None and kind not in METRICS[name].kinds:
            if kind == "points":
                raise GanError(f"{name} needs images; this data set is 2-D points (use modes)")
            raise GanError(f"{name} needs 2-D points; this data set is images")
        if name not in out:
            out.append(name)
    if not out:
        raise GanError(f"--metrics is empty; known: {', '.join(metric_names())}")
    return out


def check_extractor(name: str) -> str:
    key = name.strip().lower()
    if key not in EXTRACTORS:
        msg = f"unknown feature extractor '{name}'; known: {', '.join(sorted(EXTRACTORS))}"
        close = difflib.get_close_matches(key, sorted(EXTRACTORS), n=1, cutoff=0.5)
        if close:
            msg += f" (did you mean '{close[0]}'?)"
        raise GanError(msg)
    return key
