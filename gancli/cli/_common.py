"""What every command shares: option aliases, error handling, output helpers."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from gancli.optionspec import DEVICE_HELP, PICTURE_HELP, SEED_HELP, TRUNCATION_HELP

SeedOpt = Annotated[int, typer.Option("--seed", help=SEED_HELP)]
DeviceOpt = Annotated[str, typer.Option("--device", help=DEVICE_HELP)]
TruncationOpt = Annotated[
    float | None,
    typer.Option(help=TRUNCATION_HELP),
]
PictureOpt = Annotated[str, typer.Option("--output", "-o", help=PICTURE_HELP)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]
CKPT_HELP = (
    "A checkpoint: a .safetensors file, a run folder, a zoo name (gan zoo list; "
    "curated:NAME for the shipped one), or hf://owner/repo, optionally @revision."
)
CkptArg = Annotated[str, typer.Argument(help=CKPT_HELP, show_default=False)]
# the inputs of an image-to-image command (translate, upscale)
ImagesArg = Annotated[
    list[str],
    typer.Argument(
        help="Image files, one folder of images, or '-' for an image on stdin.",
        show_default=False,
    ),
]


def reflow(text: str | None) -> str | None:
    """Help text as paragraphs that wrap to the terminal: the lines of each paragraph (split at
    blank lines) are joined, so a docstring's hard breaks at 80-odd columns do not leave ragged
    short lines; indented lines (examples) keep their own."""
    import inspect

    if not text:
        return text
    paragraphs = []
    for block in inspect.cleandoc(text).split("\n\n"):
        lines = block.splitlines()
        if any(line.startswith((" ", "\t")) for line in lines[1:]):
            paragraphs.append(block)
        else:
            paragraphs.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(paragraphs)


def reflow_help(app: Any) -> None:
    """Reflow the help of every command and group under a Typer app (see `reflow`)."""
    for cmd in app.registered_commands:
        if cmd.help:
            cmd.help = reflow(cmd.help)
        elif cmd.callback is not None and cmd.callback.__doc__:
            cmd.callback.__doc__ = reflow(cmd.callback.__doc__)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            info_ = group.typer_instance.info
            if isinstance(info_.help, str):
                info_.help = reflow(info_.help)
            reflow_help(group.typer_instance)


def shows_progress(fn: Any) -> Any:
    """A command whose long library loops (a classifier's training, drawing samples, feature
    extraction) show progress bars with an ETA on a terminal, JSON lines on stderr with --json."""
    import functools

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        from gancli.engine.progress import TaskProgress

        with TaskProgress(fn.__name__, json_lines=bool(kwargs.get("json"))):
            return fn(*args, **kwargs)

    return run
