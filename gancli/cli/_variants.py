"""The Click side of `gan train`: the group that reads a resumed run's variant, and each
variant's command with its own options (and a clear refusal of another variant's)."""

from __future__ import annotations

import inspect
from typing import Annotated, Any, Optional

import typer
from typer._click.exceptions import UsageError
from typer.core import TyperCommand

from gancli import variants
from gancli.cli._group import QuickHelpGroup
from gancli.errors import GanError


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
            from gancli.api.train import saved_variant

            args = [saved_variant(run), *args]
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


def add_variant_options(command: Any, cls: type[variants.Variant]) -> None:
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
            owners = variants.option_owners(flag)
            if not owners:
                raise
            own = [f"--{o.name.replace('_', '-')}" for o in variants.get(self.name).options]
            mine = f"; {self.name}'s own options: {', '.join(own)}" if own else ""
            raise UsageError(
                f"No such option: {flag} ({flag} is an option of {', '.join(owners)}, not of "
                f"{self.name}{mine}; all options: gan train {self.name} --help)",
                ctx,
            ) from None
