"""`gan train VARIANT`: one sub-command per registered variant, with its paper's defaults."""

from __future__ import annotations

import inspect
import sys
from typing import Annotated, Any, Optional

import typer
from typer._click.exceptions import UsageError
from typer.core import TyperCommand

from gancli import variants
from gancli.cli._common import JsonOpt, QuickHelpGroup
from gancli.cli._flags import with_options
from gancli.cli._output import info, stdout_is_terminal
from gancli.engine.options import TrainOptions
from gancli.errors import GanError, Interrupted


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
    from gancli.describe import read_config
    from gancli.zoo import resolve

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
        opts.lr_d = opts.lr_d if opts.lr_d is not None else lr
        opts.betas, opts.extra = _betas(betas), extra
        _train(opts, json or not stdout_is_terminal(), quiet)

    command.__doc__ = f"{cls.summary}\n\n{_defaults_text(cls)}"
    _add_variant_options(command, cls)
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
                f"No such option: {flag} ({flag} is an option of {', '.join(owners)}, not of "
                f"{self.name}{mine}; all options: gan train {self.name} --help)",
                ctx,
            ) from None


for _name in variants.names():
    _cls = variants.get(_name)
    _fn = _make_command(_cls)
    app.command(name=_name, help=_fn.__doc__, short_help=_cls.summary, cls=VariantCommand)(_fn)
