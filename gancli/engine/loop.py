"""The training loop. It drives any registered variant the same way and never asks which.

A run folder holds: model.safetensors (latest checkpoint: config, G, EMA G, D),
state.safetensors (optimisers, RNG and data order for an exact --resume), config.json,
samples/step_NNNNNN.png from fixed latents, and metrics.jsonl (gancli.store.files names them).
The loop knows nothing of the zoo: `gan train` registers the finished run (`on_finish`).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from gancli import __version__, variants
from gancli.augment import parse_policy
from gancli.engine.batcher import Batcher, shuffle_order
from gancli.engine.device import (
    autocast,
    check_compile_mode,
    resolve_device,
    resolve_precision,
    seed_everything,
)
from gancli.engine.distributed import Distributed, derived_seed
from gancli.engine.model import Model, build_model, load_model
from gancli.engine.options import (
    DEFAULT_STEPS,
    MAX_ROLLBACKS,
    ROLLBACK_LR,
    TrainOptions,
    check_options,
)
from gancli.engine.progress import Clock, Reporter
from gancli.errors import GanError, Interrupted
from gancli.latent.draw import seed_classes
from gancli.render import picture, save_image
from gancli.reporting import report
from gancli.store.checkpoint import atomic_write, load_state, read_checkpoint, save_state
from gancli.store.files import (
    CONFIG_FILE,
    MODEL_FILE,
    SAMPLES_DIR,
    SNAPSHOTS_DIR,
    STATE_FILE,
    TRAIN_LOG_FILE,
    grid_name,
    snapshot_name,
)
from gancli.store.recent import remember

SAMPLE_GRID = 64  # images in each progress grid
TRANSLATION_GRID = 16  # pairs in a translation model's grid


class NonFinite(GanError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""


class Unhealthy(GanError):
    """The health monitor stopped the run (--on-collapse stop); the run is saved."""


def make_optimizer(hyper: Any, params: list[torch.Tensor], lr: float) -> torch.optim.Optimizer:
    # Fused kernels (one pass over all parameters) where torch has them: the same update, 2-4x
    # faster than the per-tensor loop on a CPU, and a few launches instead of dozens on a GPU.
    # Float parameters on a CPU or a CUDA device only.
    fused = bool(params) and all(
        p.is_floating_point() and p.device.type in ("cpu", "cuda") for p in params
    )
    if hyper.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, betas=hyper.betas, fused=fused or None)
    if hyper.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=hyper.momentum, fused=fused or None)
    if hyper.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    raise GanError(f"unknown optimizer {hyper.optimizer!r}")


def match_layouts(opt: torch.optim.Optimizer) -> None:
    """Give each per-parameter state tensor its parameter's memory layout.

    The saved moments come back contiguous, while a conv weight may be channels_last. The
    per-tensor update does not mind, but a fused kernel walks the tensors as flat memory and
    would pair each weight with another weight's moments."""
    for param, st in opt.state.items():
        for key, value in st.items():
            if (
                torch.is_tensor(value)
                and value.shape == param.shape
                and value.stride() != param.stride()
            ):
                st[key] = torch.empty_like(param, dtype=value.dtype).copy_(value)


def _rng_state() -> dict[str, Any]:
    state = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["cpu"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def keep_snapshot(model_file: Path, step: int) -> Path:
    """A copy of the checkpoint just written, as `snapshots/step_NNNNNN.safetensors` beside it
    (`gan sample RUN@STEP` reads it); written under a temporary name and renamed."""
    import shutil

    folder = model_file.parent / SNAPSHOTS_DIR
    folder.mkdir(exist_ok=True)
    dest = folder / snapshot_name(step)
    tmp = dest.with_name(dest.name + ".part")
    shutil.copyfile(model_file, tmp)
    os.replace(tmp, dest)
    return dest


PLAN_STEPS = 10  # the projected time is measured over the first steps of a run


def plan(per_step: float, left: int, device: str, opts: TrainOptions) -> dict[str, Any]:
    """The projected time of the rest of a run, and on a CPU a quicker plan when it is long."""
    seconds = per_step * left
    out: dict[str, Any] = {"seconds_per_step": round(per_step, 4), "projected_s": round(seconds)}
    if device == "cpu" and seconds > 3600:
        hour = max(1, int(3600 / per_step))
        width = opts.width
        out["suggest"] = f"--steps {hour}" + (
            f" or --width {width // 2}" if width else " or a smaller --width"
        )
    return out


def new_config(
    opts: TrainOptions, data: Any, note: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Everything that rebuilds the model, from the options and the data. A default batch
    larger than the data set is cut to the largest power of two that fits (said to `note`)."""
    cls = variants.get(opts.variant)
    if cls.text:
        data.load_captions()
    spec = data.spec()
    cls.check_data(spec)
    if not cls.adversarial:
        given = [f for f, v in (("--lr-d", opts.lr_d), ("--n-critic", opts.n_critic)) if v]
        if given:
            raise GanError(
                f"{cls.name} has no discriminator: {' and '.join(given)} "
                f"{'do' if len(given) > 1 else 'does'} not apply "
                "(--lr-g, or --lr, sets its learning rate)"
            )
    hyper = cls.hyper_for(spec).replace(
        batch_size=opts.batch_size,
        lr_g=opts.lr_g,
        lr_d=opts.lr_d,
        betas=opts.betas,
        n_critic=opts.n_critic,
        z_dim=opts.z_dim,
    )
    hyper = cls.with_options(hyper, opts.extra or {})
    if opts.batch_size is None and hyper.batch_size > len(data):
        fits = 2 ** max(0, int(len(data)).bit_length() - 1)
        if note is not None:
            note(
                f"the data set has {len(data)} items, fewer than {cls.name}'s batch of "
                f"{hyper.batch_size}: training with batches of {fits} (--batch-size to choose)"
            )
        hyper = hyper.replace(batch_size=fits)
    policy = parse_policy(opts.augment)
    if policy:
        if spec["kind"] != "image":
            raise GanError("--augment transforms images; the 2-D point sets take none")
        if not cls.augmentable:
            valid = ", ".join(n for n in variants.names() if variants.get(n).augmentable)
            raise GanError(f"{cls.name} does not support --augment; variants that do: {valid}")
        hyper = hyper.replace(augment=policy)
    config = {
        "variant": cls.name,
        "hyper": hyper.to_dict(),
        "nets": cls.net_config(spec, hyper, opts.width),
        "codes": cls.codes(spec, hyper),
        "data": spec,
        "step": 0,
        "train": {},
    }
    translation = cls.translation(spec, hyper)
    if translation is not None:
        config["translation"] = translation
    return config


def load_training_data(opts: TrainOptions, cls: type[variants.Variant]) -> Any:
    """The run's data: --data, or the two domains --data-a and --data-b of an unpaired model."""
    from gancli.data import load_data

    progress = lambda done, total: report("preparing the data", done, total)  # noqa: E731
    if opts.data_a is None and opts.data_b is None:
        return load_data(
            opts.data,
            image_size=opts.image_size,
            channels=opts.channels,
            seed=0,
            progress=progress,
            paired=cls.paired,
            unpaired=cls.unpaired,
        )
    if not cls.unpaired:
        raise GanError(
            f"--data-a and --data-b give the two domains of an unpaired translation model "
            f"(gan train cyclegan); {cls.name} trains on --data"
        )
    if opts.data_a is None or opts.data_b is None or opts.data is not None:
        raise GanError(
            "give both --data-a A and --data-b B (the two domains), and no --data; or --data "
            "alone with an unpaired set (a folder with trainA/ and trainB/, or a built-in)"
        )
    from gancli.data.unpaired import load_unpaired

    return load_unpaired(
        opts.data_a,
        opts.data_b,
        image_size=opts.image_size,
        channels=opts.channels,
        progress=progress,
    )


class Trainer:
    def __init__(
        self,
        opts: TrainOptions,
        json_lines: bool = False,
        quiet: bool = False,
        on_warning: Callable[[str], None] | None = None,
        on_finish: Callable[[Path, Callable[..., None]], None] | None = None,
    ) -> None:
        """`on_finish(run, event)` is called once the run is done, on rank 0 only, with the run
        folder and the progress output's `event(name, **fields)`, before the last event
        ("done"): `gan train` puts the finished model in the zoo there."""
        self.opts, self.json_lines, self.quiet = opts, json_lines, quiet
        self.on_finish = on_finish
        resume_ckpt = None
        if opts.resume:
            resume_ckpt = read_checkpoint(opts.resume)
            saved = TrainOptions.from_dict(resume_ckpt.config["train"])
            # The run's own options, except what may change on resume: length and cadence.
            for key in (
                "steps",
                "epochs",
                "sample_every",
                "checkpoint_every",
                "keep_every",
                "eval_every",
                "eval_metrics",
                "eval_samples",
                "log_every",
                "device",
                "compile",
                "compile_mode",
            ):
                if getattr(opts, key) is not None and getattr(opts, key) != getattr(
                    TrainOptions, key, None
                ):
                    setattr(saved, key, getattr(opts, key))
            # how the run is watched is this command's, not the run's: a run stopped by
            # --on-collapse stop goes on without it unless it is given again
            for key in ("health", "on_collapse", "rollback", "log"):
                setattr(saved, key, getattr(opts, key))
            saved.resume = opts.resume
            saved.out = str(resume_ckpt.path.parent)
            self.opts = opts = saved
        check_options(opts)
        cls = variants.get(opts.variant)
        if opts.ema_decay is None:  # saved with the run, so a resumed run keeps it
            opts.ema_decay = cls.ema_decay
        if opts.eval_every and cls.translates:
            raise GanError(
                f"--eval-every draws samples from noise; {cls.name} translates images: "
                "measure it on held-out data instead (benchmarks/pix2pix_ablation.py, srgan_table.py)"
            )

        # Under torchrun: join the group (and take this rank's GPU). Only rank 0 talks and writes.
        self.dist, self.device = Distributed.start(resolve_device(opts.device))
        if not self.dist.is_main:
            self.quiet = True
        warn = (on_warning if self.dist.is_main else None) or (lambda msg: None)

        # The first process on each machine builds the data cache; the others then read it.
        if self.dist.local_rank != 0:
            self.dist.barrier()
        self.data = load_training_data(opts, cls)
        if self.dist.local_rank == 0:
            self.dist.barrier()
        if self.data.skipped:
            names = ", ".join(self.data.skipped[:5]) + (
                " ..." if len(self.data.skipped) > 5 else ""
            )
            warn(f"skipped {len(self.data.skipped)} unreadable file(s): {names}")

        self.out = Path(opts.out or f"runs/{self.data.name}-{opts.variant}")
        if not opts.resume and (self.out / MODEL_FILE).exists():
            raise GanError(
                f"{self.out} already holds a run: continue it with --resume {self.out}, "
                "or choose another --out"
            )

        self.precision = resolve_precision(opts.precision, self.device, self.data.kind)
        compile_mode = check_compile_mode(opts.compile_mode)
        seed_everything(opts.seed)

        config = resume_ckpt.config if resume_ckpt else new_config(opts, self.data, warn)
        if resume_ckpt is None:
            self._check_data_fits(config)
        config["train"] = {**opts.to_dict(), "precision_resolved": self.precision}
        self.model: Model = (
            load_model(resume_ckpt, self.device, channels_last=False)
            if resume_ckpt
            else build_model(config, self.device, opts.ema_decay)
        )
        self.model.config = config
        self.variant = self.model.variant
        hyper = self.variant.hyper
        # One model on every rank (rank 0's), then each rank its own noise: rank 0 keeps the
        # seed, so that a one-process run is unchanged.
        self.dist.broadcast_modules(self.variant.nets, self.model.ema.net)
        if self.dist.rank > 0:
            seed_everything(derived_seed(opts.seed, self.dist.rank))

        conv = any(p.dim() == 4 for p in self.variant.nets.parameters())
        # With --compile on a GPU the compiler chooses the layout (inductor's layout
        # optimisation); channels_last weights there made torch 2.11's inductor fail in the
        # backward of DCGAN's first transposed convolution (benchmarks/gpu_checks.sh, H100).
        compiling = opts.compile or compile_mode is not None
        self.channels_last = (
            opts.channels_last
            and conv
            and self.device.type != "mps"
            and not (compiling and self.device.type == "cuda")
        )
        if self.channels_last:
            self.model.to_channels_last()
        if compiling:
            # reduce-overhead: CUDA graphs on a GPU, one replay instead of a launch per kernel
            for net in self.variant.nets.values():
                net.compile(mode=compile_mode)

        self.opt_g = make_optimizer(hyper, self.variant.g_parameters(), hyper.lr_g)
        # A variant without a discriminator (the VAE) trains every net in G's step.
        self.opt_d = (
            make_optimizer(hyper, self.variant.d_parameters(), hyper.lr_d)
            if self.variant.adversarial
            else None
        )
        self.variant.bind_optimizers(self.opt_g, self.opt_d)
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=self.precision == "fp16")
        flip = opts.flip if opts.flip is not None else Path(str(opts.data)).is_dir()
        self.batcher = Batcher(
            self.data,
            hyper.batch_size,
            self.device,
            seed=opts.seed,
            flip=flip,
            channels_last=self.channels_last,
            rank=self.dist.rank,
            world=self.dist.world,
            # Global or block order: every rank must walk the same one.
            order=self.dist.from_main(shuffle_order(self.data.x)),
            labels=self.variant.training_labels(self.data),
        )
        self.total = self._total_steps()
        self.variant.total_steps = self.total
        self.step = 0
        self.watch = None
        if opts.eval_every:
            from gancli.engine.watch import Watch

            self.watch = Watch(self.data, opts.eval_metrics, opts.eval_samples, seed=0)
        self.health = None
        if opts.health:
            from gancli.engine.health import HealthMonitor, watches

            if watches(self.variant):
                self.health = HealthMonitor(self.variant, self.data, opts.log_every, seed=opts.seed)
        self.rollbacks = 0
        if resume_ckpt is not None:
            self._restore(resume_ckpt.path.parent / STATE_FILE, resume_ckpt.step)
            if self.step > self.total:
                raise GanError(
                    f"{resume_ckpt.path.parent} is already at step {self.step}, past --steps "
                    f"{self.total}; an earlier step is a snapshot (RUN@STEP, train --keep-every)"
                )
        # Fixed latents for the progress grids, from their own generator: drawing them does not
        # disturb the training RNG, so grids never change what a run computes. A translation
        # model's grid translates the first pairs of its data instead.
        self.fixed_z = (
            self._fixed_pairs()
            if self.variant.translates
            else self.variant.sample_z(self._grid_n(), torch.Generator().manual_seed(opts.seed + 1))
        )
        # Conditional runs show every class: column j of the grid is class j (j mod K).
        k = self.variant.grid_columns()
        self.fixed_labels = seed_classes(self.variant, range(self._grid_n()))
        self.grid_nrow = min(k, 20) if k else None
        self._stop_signal: int | None = None

    # ---- setup helpers -------------------------------------------------------------------

    def _check_data_fits(self, config: dict[str, Any]) -> None:
        if config["hyper"]["batch_size"] > len(self.data):
            raise GanError(
                f"batch size {config['hyper']['batch_size']} is larger than the data "
                f"set ({len(self.data)} items); pass a smaller --batch-size"
            )

    def _fixed_pairs(self) -> torch.Tensor:
        from gancli.data import to_float

        return to_float(self.data.x[:TRANSLATION_GRID].clone())

    def _grid_n(self) -> int:
        return 2000 if self.data.kind == "points" else SAMPLE_GRID

    def _total_steps(self) -> int:
        if self.opts.steps is not None:
            return int(self.opts.steps)
        if self.opts.epochs is not None:
            d_batches = self.opts.epochs * len(self.data) / self.variant.hyper.batch_size
            return max(1, math.ceil(d_batches / max(1, self.variant.hyper.n_critic)))
        return DEFAULT_STEPS

    def _restore(self, state_path: Path, step: int) -> None:
        if not state_path.exists():
            raise GanError(f"cannot resume: {state_path} is missing (the run holds only a model)")
        state = load_state(state_path)
        if int(state["step"]) != step:
            raise GanError(
                f"cannot resume: {state_path} is at step {state['step']} but the model "
                f"is at step {step}; the run folder is inconsistent"
            )
        for name, opt in (("opt_g", self.opt_g), ("opt_d", self.opt_d)):
            if opt is not None:
                opt.load_state_dict(state[name])
                match_layouts(opt)
        if "scaler" in state:
            self.scaler.load_state_dict(state["scaler"])
        self.rollbacks = int(state.get("rollbacks", 0))
        self.batcher.load_state_dict(state["batcher"])
        # Rank r continues its own saved noise stream; a rank the saved run did not have (it
        # ran with fewer processes) starts one derived from the seed, its rank and the step.
        rng = [state["rng"], *state.get("rng_ranks", [])]
        if self.dist.rank < len(rng):
            _set_rng_state(rng[self.dist.rank])
        else:
            seed_everything(derived_seed(self.opts.seed, self.dist.rank, step))
        self.step = step

    # ---- outputs -------------------------------------------------------------------------

    def save(self) -> Path:
        """Write the checkpoint and the training state (rank 0). Every rank must call it at the
        same step: it gathers each rank's RNG state. Weights, optimiser, scaler and data order
        are the same on every rank, so rank 0's stand for all."""
        rngs = self.dist.gather(_rng_state())
        path = self.out / MODEL_FILE
        if self.dist.is_main:
            assert rngs is not None
            self._write(rngs)
        # No rank leaves before the checkpoint is on disk: a rank that exits (say, interrupted)
        # makes torchrun stop the others.
        self.dist.barrier()
        return path

    def _write(self, rngs: list[Any]) -> None:
        path = self.out / MODEL_FILE
        state = {
            "step": self.step,
            "opt_g": self.opt_g.state_dict(),
            "batcher": self.batcher.state_dict(),
            "rng": rngs[0],
            "rollbacks": self.rollbacks,
        }
        if self.opt_d is not None:
            state["opt_d"] = self.opt_d.state_dict()
        if len(rngs) > 1:
            state["rng_ranks"] = rngs[1:]
            state["world_size"] = len(rngs)
        if self.scaler.is_enabled():
            state["scaler"] = self.scaler.state_dict()
        save_state(self.out / STATE_FILE, state)
        self.model.save(path, self.step)
        self._write_config()  # the plain copy says what the checkpoint says (its step included)
        remember(path)

    def _write_config(self) -> None:
        text = json.dumps(self.model.config, indent=2, sort_keys=True)
        atomic_write(self.out / CONFIG_FILE, lambda tmp: Path(tmp).write_text(text))

    def save_grid(self) -> Path:
        path = self.out / SAMPLES_DIR / grid_name(self.step)
        if self.variant.translates:  # rows of input | output | target
            # dropout is G's noise: draw it from its own generator, as the latents above
            cuda = self.device.type == "cuda"
            with torch.random.fork_rng(devices=[self.device] if cuda else []):
                torch.manual_seed(self.opts.seed + 1)
                x, y = self.variant.split_pairs(self.fixed_z)
                out = self.model.sample(x).cpu()
            if x.shape[-2:] != out.shape[-2:]:  # super-resolution: the input at the output's size
                x = torch.nn.functional.interpolate(x, size=out.shape[-2:], mode="nearest")
            rows = torch.stack([x, out, y], 1).flatten(0, 1)
            save_image(picture(rows, self.data.spec(), 6), path)
            return path
        samples = self.model.sample(self.fixed_z, self.fixed_labels)
        save_image(picture(samples, self.data.spec(), self.grid_nrow), path)
        return path

    # ---- the loop ------------------------------------------------------------------------

    def _on_signal(self, signum: int, frame: Any) -> None:
        self._stop_signal = signum

    def run(self) -> Path:
        if self.dist.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            self._write_config()
        handlers = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        self.tb = None
        if self.opts.log == "tensorboard" and self.dist.is_main:
            from gancli.engine.tblog import TensorBoardLog

            self.tb = TensorBoardLog(self.out, self.step, self.model.config)
        try:
            path = self._loop()
            # Every rank leaves together: rank 0 may still be registering the run or writing
            # its last grid, and a rank that tears its group down while another still uses
            # it can abort in gloo's teardown, failing a run whose checkpoint is complete.
            self.dist.barrier()
            return path
        finally:
            if self.tb is not None:
                self.tb.close()
            # A process of a multi-process run keeps catching signals while it winds down: when
            # all stop together (a signal, a NaN), the first to exit makes torchrun send SIGTERM
            # to the others, and rank 0 must still get to say why.
            if not self.dist.enabled:
                for s, h in handlers.items():
                    signal.signal(s, h)
            self.dist.close()

    def _evaluate(self, rep: Any, metrics: Any) -> None:
        """--eval-every: the metrics of the EMA generator at this step, into metrics.jsonl and
        the progress output."""
        assert self.watch is not None
        was = self.variant.generator.training
        values = self.watch(self.model, self.step)
        self.variant.generator.train(was)
        record = {"event": "eval", "step": self.step, "features": self.watch.features, **values}
        metrics.write(json.dumps(record) + "\n")
        metrics.flush()
        rep.event("eval", **{k: v for k, v in record.items() if k != "event"})

    # ---- the health monitor (gancli.engine.health) -----------------------------------------

    def _record_grad(self, role: str, params: list[torch.Tensor]) -> None:
        assert self.health is not None
        scale = float(self.scaler.get_scale()) if self.scaler.is_enabled() else 1.0
        self.health.record_grad(role, params, scale)

    def _check_health(self, record: dict[str, Any], real: Any, labels: Any) -> list[Any]:
        """The monitor's signals into the step's record (and the states it holds); the states
        newly raised."""
        if self.health is None:
            return []
        findings = self.health.check(self.step, record, real, labels)
        record["health"] = self.health.last
        if self.health.active:
            record["warnings"] = sorted(self.health.active)
        return findings

    def _act_on(self, findings: list[Any], rep: Any, metrics: Any) -> bool:
        """Say each new state; stop on collapse (--on-collapse stop) or go back on divergence
        (--rollback). True when the run went back to an earlier step."""
        for f in findings:
            if self.dist.is_main:
                metrics.write(json.dumps({"event": "health", **f.to_dict()}) + "\n")
                metrics.flush()
            rep.event("health", **f.to_dict())
        states = self.dist.from_main({f.state for f in findings})
        if "divergence" in states and self._rollback(
            rep, metrics, "the health monitor saw divergence"
        ):
            return True
        if "collapse" in states and self.opts.on_collapse == "stop":
            path = self.save()
            found = next(f for f in findings if f.state == "collapse")
            raise Unhealthy(
                f"stopped at step {self.step}: {found.message}; saved {path}; try: "
                + "; ".join(found.remedies)
                + f"; or go on with: gan train {self.variant.name} --resume {self.out}"
            )
        return False

    def _rollback(self, rep: Any, metrics: Any, why: str) -> bool:
        """--rollback: back to the run's checkpoint with both learning rates lowered, said as a
        "rollback" event; False when it may not (off, no checkpoint, or done MAX_ROLLBACKS
        times)."""
        path = self.out / MODEL_FILE
        if not self.opts.rollback or self.rollbacks >= MAX_ROLLBACKS or not path.exists():
            return False
        count, at = self.rollbacks + 1, self.step
        ckpt = read_checkpoint(path)
        with torch.no_grad():
            for name, t in self.model.tensors().items():
                t.copy_(ckpt.tensors[name])
        self._restore(self.out / STATE_FILE, ckpt.step)  # reads the count saved there
        self.rollbacks = count
        hyper = self.variant.hyper
        lr_g, lr_d = hyper.lr_g * ROLLBACK_LR, hyper.lr_d * ROLLBACK_LR
        # The variant's schedules (MomentumSchedule) start from hyper; checkpoints record it.
        self.variant.hyper = hyper.replace(lr_g=lr_g, lr_d=lr_d)
        self.model.config["hyper"].update(lr_g=lr_g, lr_d=lr_d)
        for opt, lr in ((self.opt_g, lr_g), (self.opt_d, lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr
        if self.health is not None:
            self.health.reset()
        said = {
            "step": at, "reason": why, "lr_g": lr_g, "lr_d": lr_d,
            "to_step": ckpt.step, "count": count, "max": MAX_ROLLBACKS,
        }  # fmt: skip
        if self.dist.is_main:  # in the run's log too, for gan report
            metrics.write(json.dumps({"event": "rollback", **said}) + "\n")
            metrics.flush()
        rep.event("rollback", **said)
        return True

    def _lrs(self) -> dict[str, float]:
        opts = (("g", self.opt_g), ("d", self.opt_d))
        return {k: float(o.param_groups[0]["lr"]) for k, o in opts if o is not None}

    def _stopping(self) -> bool:
        """A stop signal, as every rank agrees on it (one process: as this process saw it)."""
        if self.dist.enabled:
            return self.dist.stop_requested()
        return self._stop_signal is not None

    def _loop(self) -> Path:
        opts, variant = self.opts, self.variant
        G = variant.generator
        ctx = autocast(self.device, self.precision)
        sums: dict[str, torch.Tensor] = {}
        count, clock = 0, Clock()
        last_good = self.step if self.opts.resume else None
        dist, share = self.dist, self.batcher.share
        # Only rank 0 keeps the log; the others compute the same means (they take part in the
        # reduction) and drop them.
        metrics = (
            (self.out / TRAIN_LOG_FILE).open("a") if dist.is_main else contextlib.nullcontext()
        )
        with Reporter(self.total, self.step, self.json_lines, self.quiet) as rep, metrics:
            nets = self.model.config["nets"]
            rep.event(
                "start",
                out=str(self.out),
                variant=variant.name,
                data=self.data.name,
                device=str(self.device),
                precision=self.precision,
                steps=self.total,
                from_step=self.step,
                shape=list(self.data.spec()["shape"]),
                batch=self.batcher.batch_size,
                widths={k: v["width"] for k, v in nets.items() if "width" in v},
                params={
                    k: sum(p.numel() for p in net.parameters()) for k, net in variant.nets.items()
                },
                **({"processes": dist.world} if dist.enabled else {}),
            )
            started = self.step
            if opts.rollback and not (self.out / MODEL_FILE).exists():
                self.save()  # --rollback needs a checkpoint to go back to from the start
            planned_at = self.step + PLAN_STEPS
            plan_clock = time.perf_counter()
            variant.nets.train()
            while self.step < self.total:
                variant.adjust_optimizers(self.step, self.opt_g, self.opt_d)
                logs: dict[str, torch.Tensor] = {}
                # the health monitor reads gradient norms on the steps that end at a check only
                measure = self.health is not None and self.health.measuring(
                    self.step + 1, self.total
                )
                d_steps = variant.critic_steps(self.step) if self.opt_d is not None else 0
                for _ in range(d_steps):
                    real, labels = self.batcher.next()
                    with ctx:
                        d_loss, d_logs = variant.d_loss(real, labels)
                    self.opt_d.zero_grad(set_to_none=True)
                    self.scaler.scale(d_loss).backward()
                    dist.average_gradients(self.opt_d, share)
                    if measure:
                        self._record_grad("d", variant.d_parameters())
                    self.scaler.step(self.opt_d)
                    self.scaler.update()
                    variant.after_d_step()
                    clock.tick(self.batcher.batch_size)  # the global batch
                if not d_steps:  # no D step drew the batch: G's step draws its own
                    real, labels = self.batcher.next()
                    d_logs = {}
                    clock.tick(self.batcher.batch_size)
                with ctx:
                    g_loss, g_logs = variant.g_loss(real, labels)
                self.opt_g.zero_grad(set_to_none=True)
                self.scaler.scale(g_loss).backward()
                # G's gradients, every net's batch-norm statistics and the stop flag, in one
                # collective (after G's backward every forward of the step has run).
                dist.average_gradients(
                    self.opt_g, share, buffers_of=variant.nets, stop=self._stop_signal is not None
                )
                if measure:
                    self._record_grad("g", variant.g_parameters())
                self.scaler.step(self.opt_g)
                self.scaler.update()
                self.model.ema.update(G, self.step)
                self.step += 1
                if dist.trace is not None:
                    dist.trace_weights(self.step, self.model.tensors())
                logs = {**({"d_loss": d_loss} if d_steps else {}), "g_loss": g_loss}
                logs.update({**d_logs, **g_logs})
                for k, v in logs.items():  # accumulated on the device: no host sync per step
                    sums[k] = sums[k] + v.detach().float() if k in sums else v.detach().float()
                count += 1
                rep.step(self.step)
                if self.step == planned_at and self.step < self.total:
                    per_step = (time.perf_counter() - plan_clock) / PLAN_STEPS
                    rep.event(
                        "plan", **plan(per_step, self.total - self.step, self.device.type, opts)
                    )

                done = self.step >= self.total
                due_log = self.step % opts.log_every == 0 or done
                due_ckpt = self.step % opts.checkpoint_every == 0 or done
                stopping = self._stopping()
                # Every rank takes this branch at the same steps: the reduction is collective.
                if due_log or due_ckpt or stopping:
                    means = {k: float(v) / count for k, v in dist.reduce_sums(sums, share).items()}
                    if not all(math.isfinite(v) for v in means.values()):
                        bad = ", ".join(
                            f"{k}={v}" for k, v in means.items() if not math.isfinite(v)
                        )
                        if self._rollback(rep, metrics, f"non-finite losses ({bad})"):
                            sums, count = {}, 0
                            continue
                        kept = (
                            f"the last good checkpoint (step {last_good}) is kept in {self.out}"
                            if last_good is not None
                            else "no checkpoint was written"
                        )
                        hint = "a lower --lr" + (
                            " or --precision fp32" if self.precision != "fp32" else ""
                        )
                        raise NonFinite(
                            f"training diverged at step {self.step} ({bad}); {kept}; try {hint}"
                        )
                    if due_log:
                        record = {
                            "step": self.step,
                            **means,
                            "img_per_s": clock.rate(),
                            "time": time.time(),
                        }
                        findings = self._check_health(record, real, labels)
                        if dist.is_main:
                            metrics.write(json.dumps(record) + "\n")
                            metrics.flush()
                        rep.log(record)
                        if self.tb is not None:
                            self.tb.scalars(record, self._lrs())
                        sums, count = {}, 0
                        if findings and self._act_on(findings, rep, metrics):
                            continue
                if stopping:
                    path = self.save()
                    raise Interrupted(
                        f"interrupted at step {self.step}; saved {path}; "
                        f"continue with: gan train {self.variant.name} --resume {self.out}"
                    )
                if (self.step % opts.sample_every == 0 or done) and dist.is_main:
                    grid = self.save_grid()
                    rep.event("samples", path=str(grid))
                    if self.tb is not None:
                        self.tb.image(self.step, grid)
                due_eval = self.watch is not None and (self.step % opts.eval_every == 0 or done)
                # an evaluated step is kept, so that the best one can be gone back to
                keep = due_eval or (bool(opts.keep_every) and self.step % opts.keep_every == 0)
                if due_ckpt or keep:
                    path = self.save()
                    last_good = self.step
                    rep.event("checkpoint", path=str(path), step=self.step)
                    if keep and dist.is_main:
                        kept = keep_snapshot(path, self.step)
                        rep.event("snapshot", path=str(kept), step=self.step)
                if due_eval and dist.is_main:
                    self._evaluate(rep, metrics)
            if self.step == started and self.opts.resume:
                # nothing left to train: the run now ends here (a shortened --steps is saved,
                # so the checkpoint says how it was made)
                self.save()
            best = self.watch.best if self.watch is not None else None
            if best is not None and dist.is_main:
                rep.event(
                    "best", step=best.step, metric=best.metric, value=best.value,
                    checkpoint=f"{self.out}@{best.step}",
                )  # fmt: skip
            if self.on_finish is not None and dist.is_main:
                self.on_finish(self.out, rep.event)
            rep.event(
                "done", checkpoint=str(self.out / MODEL_FILE), step=self.step, gancli=__version__
            )
        return self.out / MODEL_FILE
