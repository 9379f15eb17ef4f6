"""`gan report RUN`: a run's curves, health signals, sample time-lapse and events, as pictures
and one self-contained report.html."""

from __future__ import annotations

from typing import Annotated

import typer

from gancli.api.report import ReportOptions
from gancli.cli._common import JsonOpt
from gancli.cli._flags import with_options
from gancli.cli._output import Output, info

RunArg = Annotated[
    str,
    typer.Argument(
        help="A run folder (the --out of gan train): finished, stopped or still training.",
        show_default=False,
    ),
]


@with_options(ReportOptions)
def report(run: RunArg, opts: ReportOptions, json: JsonOpt = False) -> None:
    """Show a run: loss and health curves, the sample grids over training as a strip and a GIF,
    the last values, evaluations and the health monitor's events, in report.html.

    Reads what the run folder holds, so it works while the run is still training."""
    from gancli.api.report import report as make

    made = make(run, opts)
    if json:
        return Output(json).document(made.to_dict(), indent=1)
    for name, path in made.pictures.items():
        info(f"{name}: {path}")
    events = f"{len(made.events)} health event(s)" if made.events else "no health event"
    info(f"wrote {made.html} (step {made.steps}; {events})")
