"""The health monitor: is this run collapsing, is D winning, is it oscillating or diverging?

It looks at the run where the loop already reads the losses back (every `--log-every` steps),
so it adds no host sync to the other steps. At each check it measures, on the live nets:

    acc_real, acc_fake  D's accuracy on the step's real batch and on a fixed batch of fakes
                        (at the variant's decision threshold: logit 0 for the log loss; where
                        D has none, a critic or an energy, the midpoint of the two means)
    gap                 D's mean score on real minus on fake, in D's own units
    grad_d, grad_g      the gradient norm of each player on the step before the check
    weight_d, weight_g  the norm of each player's weights, and jump_d, jump_g its growth since
                        the last check (divergence shows there before a NaN)
    diversity           mean pairwise distance of the fixed fakes over the same on real batches
                        (pixels or points): near 1 for a healthy run, well below when G
                        collapses
    drift               how far the centre of G's output moved since the last check: the
                        distance between the fixed fakes' means, in units of the real data's
                        mean pairwise distance (a G spread over the data keeps its centre; one
                        hopping from mode to mode carries it along)
    modes, hq           2-D toys: the modes G reaches (the nearest mode of at least a quarter of
                        a uniform share of the fixed fakes, however far they are from it: a G
                        still spreading out reaches many, a collapsed one few) and the share of
                        fakes within 3 std of a mode
    classes             conditional and InfoGAN models: the normalised entropy of the class (or
                        categorical code) D's classifier or Q gives the fixed fakes (0: all one);
                        reported, not yet a state (no measured threshold)

The monitor's forwards run with the RNG and the batch-norm statistics put back afterwards, so a
run with the monitor computes exactly what it computes without it.

Named states (each needs its condition for `patience` checks in a row, after `warmup` steps,
except divergence, which is called at once) come from THRESHOLDS, chosen from measured runs:

    collapse     diversity below `diversity`, or (2-D toys) under `modes` of the modes reached
    d_winning    D's accuracy at least `accuracy` on real and on fake while G's output has
                 stopped moving (drift under `frozen`): G is no longer learning. Accuracy alone
                 is not enough: a healthy DCGAN keeps D near 100% at many checks while its
                 samples improve (drift 0.2-0.41 on faces, 0.04-0.09 on MNIST). G's gradient
                 is shown, not required (measured, it did not vanish when D won). Only for variants whose D decides (a logit), not
                 for a critic or an energy
    d_fooled     D's accuracy on fake at most `fooled`: D takes G's samples for real, G's loss
                 is near its floor and nothing pulls G towards the data (a D too slow or too
                 weak for G). Healthy runs keep it at 0.30 or more after the warm-up. Only
                 where D decides, as d_winning
    oscillation  (2-D toys, where it was measured) drift above `drift`; an image G moves that
                 much between checks while it learns
    divergence   a non-finite signal, a player's weights `weight_jump` times their norm at the
                 last check, or a gradient or loss `blowup` times its median over recent checks
                 and above its highest value so far (a run leaving a stuck phase sends D's
                 gradient up 20-150x from near zero, back to where it was at the start)

benchmarks/health_monitor.py trains healthy and failing runs and writes how in
docs/benchmarks.md.
"""

from __future__ import annotations

import contextlib
import math
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import torch

from gancli.latent.draw import seed_classes

STATES = ("collapse", "d_winning", "d_fooled", "oscillation", "divergence")
MESSAGES = {
    "collapse": "mode collapse: G's samples are far less diverse than the data ({why})",
    "d_winning": "D is winning: it tells real from fake almost perfectly and G has stopped "
    "moving ({why})",
    "d_fooled": "D is losing: it takes G's samples for real, so nothing teaches G what the "
    "data looks like ({why})",
    "oscillation": "oscillation: G's samples keep jumping between checks ({why})",
    "divergence": "divergence: gradients or losses are blowing up ({why})",
}


@dataclass(frozen=True)
class Thresholds:
    """When a signal names a state; the values and how they were chosen:
    docs/benchmarks.md, section "Health monitor"."""

    warmup: int = 1000  # steps before collapse, D winning or oscillation can be called
    patience: int = 3  # checks in a row a condition must hold
    diversity: float = 0.35  # collapse: diversity below this share of the data's ...
    modes: float = 0.5  # ... or (2-D toys) G reaching fewer than this share of the modes
    accuracy: float = 0.95  # D winning: accuracy on real and on fake both at least this ...
    frozen: float = 0.02  # ... and G's output moving less than this between checks
    fooled: float = 0.05  # D losing: D's accuracy on fake at most this
    drift: float = 0.3  # oscillation (2-D toys): G's output moving more than this per check
    blowup: float = 20.0  # divergence: a gradient or |loss| this many times its recent median
    weight_jump: float = 1.5  # ... or a player's weight norm this many times the last check's
    history: int = 3  # checks of history a blow-up is measured against, at least ...
    window: int = 5  # ... and at most (the recent median)


THRESHOLDS = Thresholds()


@dataclass
class Finding:
    """A state raised at a check: what the user sees, in the progress line and as JSON."""

    state: str
    step: int
    message: str
    remedies: list[str]
    signals: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "step": self.step,
            "message": self.message,
            "remedies": self.remedies,
            "signals": self.signals,
        }


@contextlib.contextmanager
def untouched(nets: Any) -> Iterator[None]:
    """Forwards that leave no trace: the RNG state (dropout, noise) and every buffer (batch-norm
    running statistics) are put back, and no gradient is recorded."""
    buffers = [b for b in nets.buffers()]
    saved = [b.clone() for b in buffers]
    devices = [d for d in {b.device for b in nets.parameters()} if d.type == "cuda"]
    with torch.random.fork_rng(devices=devices), torch.no_grad():
        try:
            yield
        finally:
            for b, s in zip(buffers, saved, strict=True):
                b.copy_(s)


def grad_norm(params: Any) -> torch.Tensor | None:
    """The total gradient norm of `params`, on the device (no host sync)."""
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return None
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)).float())


def _weight_norm(params: Any) -> float:
    params = [p.detach() for p in params]
    return float(torch.linalg.vector_norm(torch.stack(torch._foreach_norm(params)).float()))


def mean_distance(x: torch.Tensor) -> float:
    """Mean pairwise L2 distance between the rows of x (flattened)."""
    flat = x.reshape(len(x), -1).float()
    if len(flat) < 2:
        return 0.0
    return float(torch.pdist(flat).mean())


def watches(variant: Any) -> bool:
    """Whether the monitor applies: a GAN drawing from noise (not the VAE, which has no D, nor
    pix2pix, whose G translates an input rather than drawing from a prior)."""
    return bool(variant.adversarial) and not variant.translates


@dataclass
class HealthMonitor:
    """Built by the Trainer; `measuring(step)` says whether the loop should record gradient norms
    on this step, `check(...)` reads the signals and returns the states newly raised."""

    variant: Any
    data: Any
    log_every: int
    thresholds: Thresholds = THRESHOLDS
    seed: int = 0
    n: int = 0
    history: list[dict[str, float]] = field(default_factory=list)
    active: set[str] = field(default_factory=set)
    streak: dict[str, int] = field(default_factory=dict)
    _grads: dict[str, torch.Tensor] = field(default_factory=dict)
    _real_div: list[float] = field(default_factory=list)
    _previous: torch.Tensor | None = None
    _weights: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0  # time spent in the monitor (its cost: benchmarks/health_monitor.py)

    def __post_init__(self) -> None:
        points = self.data.kind == "points"
        self.n = self.n or (256 if points else 64)
        gen = torch.Generator().manual_seed(self.seed + 2)
        device = self.variant.device
        self.z = self.variant.sample_z(self.n, gen).to(device)
        labels = seed_classes(self.variant, range(self.n))
        self.labels = labels.to(device) if labels is not None else None
        self.modes = getattr(self.data, "modes", None) if points else None
        self.mode_std = float(getattr(self.data, "mode_std", 0.0) or 0.0)
        self._weights = self._weight_norms()  # what the first check's jump is measured from

    # ---- in the loop ---------------------------------------------------------------------

    def measuring(self, step: int, total: int) -> bool:
        """Whether step `step` (1-based, the one about to run) ends at a check."""
        return step % self.log_every == 0 or step >= total

    def record_grad(self, role: str, params: Any, scale: float = 1.0) -> None:
        start = time.perf_counter()
        norm = grad_norm(params)
        if norm is not None:
            self._grads[role] = norm / scale
        self.seconds += time.perf_counter() - start

    def check(self, step: int, losses: dict[str, float], real: Any, labels: Any) -> list[Finding]:
        """The signals at `step` (kept in `history`, the last as `last`) and the states raised."""
        start = time.perf_counter()
        signals = self.signals(real, labels)
        signals.update({k: v for k, v in losses.items() if k in ("d_loss", "g_loss")})
        found = self._states(step, signals)
        self.history.append(signals)
        self.seconds += time.perf_counter() - start
        return found

    def reset(self) -> None:
        """Forget the run so far (it went back to an earlier step: --rollback)."""
        self.history, self.active, self.streak, self._grads = [], set(), {}, {}
        self._previous = None
        self._weights = self._weight_norms()

    def _weight_norms(self) -> dict[str, float]:
        v = self.variant
        return {"d": _weight_norm(v.d_parameters()), "g": _weight_norm(v.g_parameters())}

    @property
    def last(self) -> dict[str, float]:
        return self.history[-1] if self.history else {}

    # ---- the signals ---------------------------------------------------------------------

    def signals(self, real: Any, labels: Any) -> dict[str, float]:
        v = self.variant
        out: dict[str, float] = {}
        for role, norm in self._grads.items():
            out[f"grad_{role}"] = float(norm)
        self._grads = {}
        for role, norm in self._weight_norms().items():
            out[f"weight_{role}"] = norm
            # divergence shows in the weights before a NaN: the growth since the last check
            out[f"jump_{role}"] = norm / max(self._weights.get(role, norm), 1e-12)
        self._weights = {k: out[f"weight_{k}"] for k in ("d", "g")}
        with untouched(v.nets):
            fake = v.generate(self.z, self.labels).float()
            real_score = v.realness(real, labels).float()
            fake_score = v.realness(fake.to(real.dtype), self.labels).float()
            classes = v.predicted_classes(fake)
        threshold = v.realness_threshold()
        if threshold is None:
            threshold = 0.5 * float(real_score.mean() + fake_score.mean())
        out["acc_real"] = float((real_score > threshold).float().mean())
        out["acc_fake"] = float((fake_score < threshold).float().mean())
        out["gap"] = float(real_score.mean() - fake_score.mean())
        self._real_div = [*self._real_div[-49:], mean_distance(real)]  # the last 50 batches
        scale = max(statistics.fmean(self._real_div), 1e-12)
        out["diversity"] = mean_distance(fake) / scale
        centre = fake.mean(0)
        if self._previous is not None:
            out["drift"] = float((centre - self._previous).norm()) / scale
        self._previous = centre
        if self.modes is not None and self.mode_std > 0:
            self._toy_signals(fake, out)
        if classes is not None:
            k = max(2, int(classes.max()) + 1, v.class_count())
            p = torch.bincount(classes.flatten().cpu(), minlength=k).float() / classes.numel()
            p = p[p > 0]
            out["classes"] = float(-(p * p.log()).sum() / math.log(k))
        return {k: round(val, 6) for k, val in out.items()}

    def _toy_signals(self, fake: torch.Tensor, out: dict[str, float]) -> None:
        """Modes reached and the high-quality share, into `out`."""
        modes = torch.as_tensor(self.modes, dtype=torch.float32, device=fake.device)
        d2 = torch.cdist(fake.reshape(len(fake), -1), modes).square()
        nearest = d2.argmin(1)
        k = len(modes)
        share = torch.bincount(nearest, minlength=k).float().cpu() / len(fake)
        out["modes"] = float((share >= 0.25 / k).sum())
        out["modes_total"] = float(k)
        out["hq"] = float((d2.min(1).values <= (3 * self.mode_std) ** 2).float().mean())

    # ---- the states ----------------------------------------------------------------------

    def _median(self, key: str) -> float | None:
        """The median of `key` over the last `window` checks; None before `history` of them."""
        seen = [h[key] for h in self.history if key in h and math.isfinite(h[key])]
        if len(seen) < self.thresholds.history:
            return None
        return statistics.median(seen[-self.thresholds.window :])

    def _highest(self, key: str) -> float:
        """The largest |key| at any earlier check."""
        seen = [abs(h[key]) for h in self.history if key in h and math.isfinite(h[key])]
        return max(seen, default=0.0)

    def conditions(self, step: int, s: dict[str, float]) -> dict[str, str | None]:
        """For each state, why it holds at this check (None: it does not)."""
        t = self.thresholds
        out: dict[str, str | None] = dict.fromkeys(STATES)
        out["divergence"] = self._diverging(s)
        if step < t.warmup:
            return out
        if "modes" in s and s["modes"] < t.modes * s["modes_total"]:
            out["collapse"] = f"G reaches {s['modes']:.0f} of {s['modes_total']:.0f} modes"
        elif s["diversity"] < t.diversity:
            out["collapse"] = f"diversity {s['diversity']:.2f} of the data's"
        # only where D decides (a logit): a critic's or an energy's midpoint splits real from
        # fake in a healthy run too
        decides = self.variant.realness_threshold() is not None
        pinned = s["acc_real"] >= t.accuracy and s["acc_fake"] >= t.accuracy
        if decides and pinned and s.get("drift", math.inf) < t.frozen:
            med_g = self._median("grad_g")
            grad = (
                f"; G's gradient {s['grad_g']:.2g}, {s['grad_g'] / med_g:.2f}x its median"
                if "grad_g" in s and med_g
                else ""
            )
            out["d_winning"] = (
                f"accuracy {s['acc_real']:.0%} on real, {s['acc_fake']:.0%} on fake; G's "
                f"samples moved {s['drift']:.3f} of the data's spread since the last check{grad}"
            )
        if decides and s["acc_fake"] <= t.fooled:
            out["d_fooled"] = (
                f"accuracy {s['acc_fake']:.0%} on fake, {s['acc_real']:.0%} on real; "
                f"G's loss {s.get('g_loss', math.nan):.3g}"
            )
        if "modes" in s and s.get("drift", 0.0) > t.drift:
            out["oscillation"] = (
                f"the centre of G's samples moved {s['drift']:.2f} of the data's spread"
            )
        return out

    def _diverging(self, s: dict[str, float]) -> str | None:
        t = self.thresholds
        for key, value in s.items():
            if not math.isfinite(value):
                return f"{key} is {value}"
        for role in ("d", "g"):
            jump = s.get(f"jump_{role}", 1.0)
            if jump > t.weight_jump:
                return f"{role.upper()}'s weights grew {jump:.1f}x since the last check"
        for key in ("grad_d", "grad_g", "d_loss", "g_loss"):
            med = self._median(key)
            value = abs(s.get(key, 0.0))
            # ... and higher than it has ever been: a G that was stuck and starts learning
            # again sends D's gradient up from near zero to where it was early in the run
            if key in s and med and value > t.blowup * abs(med) and value > self._highest(key):
                return f"{key} {value:.3g}, {value / abs(med):.0f}x its recent median"
        return None

    def _states(self, step: int, s: dict[str, float]) -> list[Finding]:
        found = []
        for state, why in self.conditions(step, s).items():
            self.streak[state] = self.streak.get(state, 0) + 1 if why else 0
            needed = 1 if state == "divergence" else self.thresholds.patience
            if why and self.streak[state] >= needed and state not in self.active:
                self.active.add(state)
                message = MESSAGES[state].format(why=why)
                remedies = self.variant.remedies(state, self.variant.spec)
                found.append(Finding(state, step, message, remedies, s))
            elif not why and state in self.active:
                self.active.discard(state)
        return found
