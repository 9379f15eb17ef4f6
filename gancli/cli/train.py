"""`gan train VARIANT`: one sub-command per registered variant, with its paper's defaults."""

from __future__ import annotations

import inspect
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from typer._click.exceptions import UsageError
from typer.core import TyperCommand

from gancli import variants
from gancli.cli._common import (
    DeviceOpt,
    JsonOpt,
    QuickHelpGroup,
    SeedOpt,
    info,
    stdout_is_terminal,
)
from gancli.data.registry import builtin_names
from gancli.engine.options import DEFAULT_STEPS, DEFAULTS, TrainOptions
from gancli.errors import GanError, Interrupted
from gancli.store.files import SNAPSHOTS_DIR, TRAIN_LOG_FILE


class TrainGroup(QuickHelpGroup):
    """`gan train --resume RUN [options]` reads the variant from the run and goes on as
    `gan train VARIANT --resume RUN [options]`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and (args[0] == "--resume" or args[0].startswith("--resume=")):
            if args[0] == "--resume":
                if len(args) < 2:
                    raise GanError("--resume needs a run folder: gan train --resume runs/NAME")
                run = args[1]
            else:
                run = args[0].split("=", 1)[1]
            args = [_saved_variant(run), *args]
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """An unknown variant name is refused with the list of the valid ones."""
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            try:
                variants.get(name)  # the registry's own message, with the closest name
            except GanError as e:
                raise UsageError(str(e), ctx) from None
        return super().resolve_command(ctx, args)


def _saved_variant(run: str) -> str:
    from gancli.store.describe import read_config
    from gancli.store.locate import resolve

    variant = str(read_config(resolve(run))[0]["variant"])
    if variant not in variants.names():
        raise GanError(f"{run} is a {variant} run, a variant this gancli does not have")
    return variant


app = typer.Typer(
    cls=TrainGroup,
    help="Train a GAN variant on an image folder, a built-in data set or a 2-D toy. "
    "Continue a stopped run with: gan train --resume RUN [--steps N].",
    no_args_is_help=True,
)


def _betas(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        b1, b2 = (float(v) for v in text.split(","))
    except ValueError as e:
        raise GanError(f"--betas takes two numbers like 0.5,0.999; got {text!r}") from e
    return b1, b2


def _hyper_text(h: variants.Hyper) -> str:
    lr = f"lr {h.lr_g:g}" if h.lr_g == h.lr_d else f"lr G {h.lr_g:g} / D {h.lr_d:g}"
    return (
        f"z {h.z_dim}-d {h.prior}, batch {h.batch_size}, {h.optimizer} {lr}"
        + (f", betas {h.betas[0]:g},{h.betas[1]:g}" if h.optimizer == "adam" else "")
        + (f", momentum {h.momentum:g}" if h.optimizer == "sgd" else "")
        + f", n_critic {h.n_critic}."
    )


def _defaults_text(cls: type[variants.Variant]) -> str:
    lines = [f"Defaults from {cls.paper}:", _hyper_text(cls.defaults)]
    if cls.toy_defaults is not None:
        lines.append(f"On 2-D toys: {_hyper_text(cls.toy_defaults)}")
    return "\n\n".join(lines)


def torchrun_command(gpus: int, argv: list[str]) -> list[str]:
    """The torchrun command that runs `gan ARGV` (less --gpus) as `gpus` processes here."""
    if gpus < 1:
        raise GanError(f"--gpus must be at least 1; got {gpus}")
    args, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--gpus":
            skip = True
        elif not arg.startswith("--gpus="):
            args.append(arg)
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc-per-node={gpus}",
        "-m",
        "gancli",
        *args,
    ]


def launch_torchrun(gpus: int, argv: list[str]) -> int:
    """Run the training under torchrun and return its exit code (130 when interrupted).

    Ctrl-C reaches torchrun and its workers directly (one process group); SIGTERM sent to this
    process is passed on to torchrun, which passes it to the workers: either way they save a
    checkpoint at the same step and exit.
    """
    if os.environ.get("WORLD_SIZE"):
        raise GanError("--gpus starts torchrun; this process already runs under it")
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        raise GanError("--gpus needs torch")
    cmd = torchrun_command(gpus, argv)
    info(f"starting: {' '.join(cmd[1:])}")
    proc = subprocess.Popen(cmd)
    seen: list[int] = []

    def forward(signum: int, frame: Any) -> None:
        seen.append(signum)
        if signum == signal.SIGTERM:
            proc.send_signal(signum)

    old = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        rc = proc.wait()
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    return 130 if seen and rc != 0 else rc


class ZooTrainer:
    """The engine's Trainer as `gan train` runs it: once the run is done, its model goes into
    the local zoo under the run folder's name (gancli.store.zoo.register_run), on rank 0 only
    (the engine calls `on_finish` there), with a "zoo" event before the last one ("done"). A
    failure there is a warning, never a failed run."""

    def __init__(
        self,
        opts: TrainOptions,
        json_lines: bool = False,
        quiet: bool = False,
        on_warning: Callable[[str], None] | None = None,
    ) -> None:
        from gancli.engine.loop import Trainer

        self.entry: Any = None
        self.trainer = Trainer(
            opts, json_lines=json_lines, quiet=quiet, on_warning=on_warning, on_finish=self._add
        )

    def _add(self, run: Path, event: Callable[..., None]) -> None:
        from gancli.store.zoo import register_run

        try:
            self.entry = register_run(run)
        except (GanError, OSError) as e:
            if not self.trainer.quiet:
                print(f"warning: the model was not added to the zoo: {e}", file=sys.stderr)
            return
        if self.entry is not None:
            event("zoo", entry=self.entry.name, path=str(self.entry.path))

    def run(self) -> Path:
        """Train; the path of the final model file."""
        path = self.trainer.run()
        if self.entry is not None and not (self.trainer.quiet or self.trainer.json_lines):
            name = self.entry.name
            print(f"added to the zoo as {name}: gan sample {name}", file=sys.stderr)
        return path


def _make_command(cls: type[variants.Variant]):  # noqa: C901 - one option per line
    def command(
        data: Annotated[
            str | None,
            typer.Option(
                "--data",
                "-d",
                help="Image folder, or a built-in: "
                + ", ".join(builtin_names())
                + " (gan data list says what each is). Default: shapes (needs no download).",
            ),
        ] = DEFAULTS.data,
        image_size: Annotated[
            int | None,
            typer.Option(
                help="Resize (shorter side) and centre-crop images to this size (default: a "
                "folder's own size rounded to 16, 32 or 64; a built-in's own size)."
            ),
        ] = DEFAULTS.image_size,
        channels: Annotated[
            int | None, typer.Option(help="1 or 3; default: 1 if every image is grey.")
        ] = DEFAULTS.channels,
        steps: Annotated[
            int | None, typer.Option(help=f"Total generator steps (default: {DEFAULT_STEPS}).")
        ] = DEFAULTS.steps,
        epochs: Annotated[
            float | None,
            typer.Option(help="Train for this many passes of D over the data instead of --steps."),
        ] = DEFAULTS.epochs,
        batch_size: Annotated[
            int | None,
            typer.Option(
                help="Batch size (default: the paper's). With several processes it is the "
                "global batch, split evenly over them."
            ),
        ] = DEFAULTS.batch_size,
        lr: Annotated[float | None, typer.Option(help="Learning rate of both G and D.")] = None,
        lr_g: Annotated[float | None, typer.Option(help="Learning rate of G.")] = DEFAULTS.lr_g,
        lr_d: Annotated[float | None, typer.Option(help="Learning rate of D.")] = DEFAULTS.lr_d,
        betas: Annotated[str | None, typer.Option(help="Adam betas, e.g. 0.5,0.999.")] = None,
        n_critic: Annotated[
            int | None, typer.Option(help="D steps per G step.")
        ] = DEFAULTS.n_critic,
        z_dim: Annotated[int | None, typer.Option(help="Latent size.")] = DEFAULTS.z_dim,
        width: Annotated[
            int | None,
            typer.Option(
                help="Net width (dcgan: channels of the finest layer; default: the paper's, "
                "128 for dcgan; 32 or 64 train several times faster on a CPU)."
            ),
        ] = DEFAULTS.width,
        ema_decay: Annotated[
            float, typer.Option(help="EMA decay of the generator's weights.")
        ] = DEFAULTS.ema_decay,
        sample_every: Annotated[
            int, typer.Option(help="Write a sample grid every N steps.")
        ] = DEFAULTS.sample_every,
        checkpoint_every: Annotated[
            int, typer.Option(help="Write a checkpoint every N steps.")
        ] = DEFAULTS.checkpoint_every,
        keep_every: Annotated[
            int | None,
            typer.Option(
                help=f"Also keep the checkpoint of every N-th step in RUN/{SNAPSHOTS_DIR}/, to go back "
                "to it: gan sample RUN@STEP."
            ),
        ] = DEFAULTS.keep_every,
        eval_every: Annotated[
            int | None,
            typer.Option(
                help="Every N steps, compute --eval-metrics of the EMA generator in features "
                "that need no download (a classifier of the data's labels, else pixels) into "
                f"{TRAIN_LOG_FILE}; each evaluated step is kept, and the best is named at the end."
            ),
        ] = DEFAULTS.eval_every,
        eval_metrics: Annotated[
            str | None,
            typer.Option(help="Metrics for --eval-every, e.g. fid,kid,pr (default: fid)."),
        ] = DEFAULTS.eval_metrics,
        eval_samples: Annotated[
            int, typer.Option(help="Samples per --eval-every evaluation.")
        ] = DEFAULTS.eval_samples,
        log_every: Annotated[
            int, typer.Option(help="Report losses every N steps.")
        ] = DEFAULTS.log_every,
        flip: Annotated[
            bool | None,
            typer.Option(
                "--flip/--no-flip", help="Random horizontal flips (default: on for image folders)."
            ),
        ] = DEFAULTS.flip,
        augment: Annotated[
            str | None,
            typer.Option(
                help="DiffAugment (Zhao et al. 2020) for small image sets: the same random, "
                "differentiable transforms on real and generated images before D. Comma-"
                "separated: translation, cutout, color (the paper's 100-shot setting uses all "
                "three), and rotation (up to 15 degrees; not in DiffAugment)."
            ),
        ] = DEFAULTS.augment,
        precision: Annotated[
            str,
            typer.Option(
                help="auto, fp32, bf16 or fp16; auto picks bf16 where the hardware runs it fast."
            ),
        ] = DEFAULTS.precision,
        compile: Annotated[
            bool, typer.Option("--compile", help="torch.compile the nets.")
        ] = DEFAULTS.compile,
        compile_mode: Annotated[
            str,
            typer.Option(
                "--compile-mode",
                help="torch.compile mode (implies --compile unless 'default'): default, "
                "reduce-overhead (CUDA graphs on a GPU), max-autotune, "
                "max-autotune-no-cudagraphs.",
            ),
        ] = DEFAULTS.compile_mode,
        channels_last: Annotated[
            bool,
            typer.Option(
                "--channels-last/--no-channels-last",
                help="channels_last memory format for conv nets (on a GPU with --compile, "
                "the compiler picks the layout instead).",
            ),
        ] = DEFAULTS.channels_last,
        out: Annotated[
            str | None,
            typer.Option("--out", "-o", help="Run folder (default: runs/<data>-<variant>)."),
        ] = DEFAULTS.out,
        resume: Annotated[
            str | None,
            typer.Option(help="Continue the run in this folder exactly where it stopped."),
        ] = None,
        seed: SeedOpt = DEFAULTS.seed,
        device: DeviceOpt = DEFAULTS.device,
        json: JsonOpt = False,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
        gpus: Annotated[
            int | None,
            typer.Option(
                help="Train on N GPUs of this machine: starts torchrun with N processes, one "
                "per GPU (CPU processes with gloo where there is no GPU). For several "
                "machines run torchrun yourself: torchrun ... -m gancli train ...",
            ),
        ] = None,
        **extra: Any,
    ) -> None:
        if gpus is not None:
            raise typer.Exit(launch_torchrun(gpus, sys.argv[1:]))
        from gancli.engine.distributed import env_rank
        from gancli.engine.loop import NonFinite

        if resume is not None:
            from gancli.store.checkpoint import read_checkpoint
            from gancli.store.locate import resolve

            saved = read_checkpoint(resolve(resume)).config["variant"]
            if saved != cls.name:
                raise GanError(
                    f"{resume} is a {saved} run; resume it with: gan train {saved} --resume {resume}"
                )
        opts = TrainOptions(
            variant=cls.name,
            data=data,
            image_size=image_size,
            channels=channels,
            steps=steps,
            epochs=epochs,
            batch_size=batch_size,
            lr_g=lr_g if lr_g is not None else lr,
            lr_d=lr_d if lr_d is not None else lr,
            betas=_betas(betas),
            n_critic=n_critic,
            z_dim=z_dim,
            width=width,
            ema_decay=ema_decay,
            sample_every=sample_every,
            checkpoint_every=checkpoint_every,
            log_every=log_every,
            keep_every=keep_every,
            eval_every=eval_every,
            eval_metrics=eval_metrics,
            eval_samples=eval_samples,
            seed=seed,
            device=device,
            precision=precision,
            compile=compile,
            compile_mode=compile_mode,
            channels_last=channels_last,
            flip=flip,
            augment=augment,
            out=out,
            resume=resume,
            extra=extra,
        )
        json_lines = json or not stdout_is_terminal()
        from gancli.engine.progress import TaskProgress

        try:
            # a data set built on first use (a folder decoded, synthfaces drawn) shows progress
            with TaskProgress("train", json_lines=json_lines, quiet=quiet):
                trainer = ZooTrainer(
                    opts,
                    json_lines=json_lines,
                    quiet=quiet,
                    on_warning=lambda m: info(f"warning: {m}"),
                )
                path = trainer.run()
        except (NonFinite, Interrupted) as e:
            # Every rank stops on these together; rank 0 alone says why.
            if env_rank() == 0:
                raise
            raise typer.Exit(130 if isinstance(e, Interrupted) else 1) from None
        except GanError as e:
            if env_rank() == 0:
                raise
            raise GanError(f"process {env_rank()}: {e}") from e
        if not json_lines and not quiet and env_rank() == 0:
            info(f"saved {path}  (sample it: gan sample {path.parent} -o grid.png)")

    command.__doc__ = f"{cls.summary}\n\n{_defaults_text(cls)}"
    _add_variant_options(command, cls)
    return command


def _add_variant_options(command: Any, cls: type[variants.Variant]) -> None:
    """Offer the variant's own options (Variant.options) on its command only; Typer reads the
    parameters from the signature, so they are added there in place of **extra."""
    from rich.markup import escape

    sig = inspect.signature(command, eval_str=True)
    params = [p for p in sig.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]

    def toy_default(name: str) -> str:
        toy = cls.toy_defaults
        if toy is None or toy.extra.get(
            name, cls.defaults.extra.get(name)
        ) == cls.defaults.extra.get(name):
            return ""
        return f"; on 2-D toys {toy.extra.get(name)}"

    for opt in cls.options:
        default = cls.defaults.extra.get(opt.name)
        choices = f" One of: {', '.join(opt.choices)}." if opt.choices else ""
        flag = f"--{opt.name.replace('_', '-')}"
        decl = (flag if opt.type is not bool else f"{flag}/--no-{opt.name.replace('_', '-')}",)
        text = f"{opt.help}{choices} (default: {default}{toy_default(opt.name)})"
        info = typer.Option(*decl, help=escape(text))
        params.append(
            inspect.Parameter(
                opt.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[Optional[opt.type], info],  # noqa: UP045 - evaluated at run time
            )
        )
    command.__signature__ = sig.replace(parameters=params)


class VariantCommand(TyperCommand):
    """A variant's command: an option that belongs to other variants says which ones."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        from typer._click.exceptions import NoSuchOption

        try:
            return super().parse_args(ctx, args)
        except NoSuchOption as e:
            flag = e.option_name.split("=")[0]
            owners = [
                n
                for n in variants.names()
                for o in variants.get(n).options
                if flag in (f"--{o.name.replace('_', '-')}", f"--no-{o.name.replace('_', '-')}")
            ]
            if not owners:
                raise
            own = [f"--{o.name.replace('_', '-')}" for o in variants.get(self.name).options]
            mine = f"; {self.name}'s own options: {', '.join(own)}" if own else ""
            raise UsageError(
                f"{flag} is an option of {', '.join(owners)}, not of {self.name}{mine} "
                f"(all options: gan train {self.name} --help)",
                ctx,
            ) from None


for _name in variants.names():
    _cls = variants.get(_name)
    _fn = _make_command(_cls)
    app.command(name=_name, help=_fn.__doc__, short_help=_cls.summary, cls=VariantCommand)(_fn)
