"""`gan train VARIANT`: one sub-command per registered variant, with its paper's defaults."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from gancli import variants
from gancli.cli._common import JsonOpt
from gancli.cli._flags import with_options
from gancli.cli._output import info, stdout_is_terminal
from gancli.cli._variants import TrainGroup, VariantCommand, add_variant_options
from gancli.engine.options import TrainOptions
from gancli.errors import GanError, Interrupted

app = typer.Typer(
    cls=TrainGroup,
    help="Train a GAN variant on an image folder, a built-in data set or a 2-D toy. "
    "Continue a stopped run with: gan train --resume RUN [--steps N].",
    no_args_is_help=True,
)


GPUS_HELP = (
    "Train on N GPUs of this machine: starts torchrun with N processes, one per GPU (CPU "
    "processes with gloo where there is no GPU). For several machines run torchrun yourself: "
    "torchrun ... -m gancli train ..."
)


def _betas(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        b1, b2 = (float(v) for v in text.split(","))
    except ValueError as e:
        raise GanError(f"--betas takes two numbers like 0.5,0.999; got {text!r}") from e
    return b1, b2


def _make_command(cls: type[variants.Variant]):
    @with_options(TrainOptions, variant=cls.name)
    def command(
        opts: TrainOptions,
        lr: Annotated[float | None, typer.Option(help="Learning rate of both G and D.")] = None,
        betas: Annotated[str | None, typer.Option(help="Adam betas, e.g. 0.5,0.999.")] = None,
        json: JsonOpt = False,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
        gpus: Annotated[int | None, typer.Option(help=GPUS_HELP)] = None,
        **extra: Any,
    ) -> None:
        if gpus is not None:
            from gancli.engine.launch import launch_torchrun

            raise typer.Exit(launch_torchrun(gpus, sys.argv[1:], note=info))
        opts.lr_g = opts.lr_g if opts.lr_g is not None else lr
        if cls.adversarial:  # a VAE has one learning rate
            opts.lr_d = opts.lr_d if opts.lr_d is not None else lr
        opts.betas, opts.extra = _betas(betas), extra
        _train(opts, json or not stdout_is_terminal(), quiet)

    command.__doc__ = f"{cls.summary}\n\n{variants.defaults_text(cls)}"
    add_variant_options(command, cls)
    return command


def _train(opts: TrainOptions, json_lines: bool, quiet: bool) -> None:
    """Run the training; with several processes, rank 0 alone says why all stopped."""
    from gancli.api.train import train
    from gancli.engine.distributed import env_rank
    from gancli.engine.loop import NonFinite

    try:
        path = train(opts, json_lines, quiet, warn=lambda m: info(f"warning: {m}"))
    except (NonFinite, Interrupted) as e:
        if env_rank() == 0:
            raise
        raise typer.Exit(130 if isinstance(e, Interrupted) else 1) from None
    except GanError as e:
        if env_rank() == 0:
            raise
        raise GanError(f"process {env_rank()}: {e}") from e
    if not json_lines and not quiet and env_rank() == 0:
        info(f"saved {path}  (sample it: gan sample {path.parent} -o grid.png)")


for _name in variants.names():
    _cls = variants.get(_name)
    _fn = _make_command(_cls)
    app.command(name=_name, help=_fn.__doc__, short_help=_cls.summary, cls=VariantCommand)(_fn)
