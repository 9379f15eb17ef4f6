"""`gan evaluate CKPT --data REF`: FID, KID, IS, precision/recall, class histograms, mode
coverage, Parzen log-likelihood and memorisation, each with the receipt of what it was
computed on; `gan evaluate --compare a.json b.json` compares two sets of results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from gancli.api.evaluate import EvaluateOptions
from gancli.cli._common import CKPT_HELP, JsonOpt, shows_progress
from gancli.cli._flags import with_options
from gancli.cli._output import Output, info, table_console
from gancli.errors import GanError

CompareOpt = Annotated[
    tuple[Path, Path] | None,
    typer.Option(
        help="Compare two results files (metrics.json or --json output); refuses results "
        "whose receipts differ in what matters and names the field."
    ),
]


@shows_progress
@with_options(EvaluateOptions)
def evaluate(
    opts: EvaluateOptions,
    ckpt: Annotated[str | None, typer.Argument(help=CKPT_HELP + " Or use --fake.")] = None,
    compare: CompareOpt = None,
    json: JsonOpt = False,
) -> None:
    """Score a generator against a reference set, with the receipt of every number.

    Sample i uses the latent of seed SEED+i, as `gan sample` does. Every result says what it
    was computed on (n, feature extractor and a hash of its weights, resize, reference and a
    hash of its features, protocol, seed, version); results compare only when those match."""
    from gancli.api.evaluate import score

    if compare is not None:
        if ckpt is not None or opts.fake is not None:
            raise GanError("--compare takes two results files and no checkpoint or --fake")
        return _compare(compare, json)
    scored = score(ckpt, opts, note=info, quiet=json)
    report = scored.report
    if json:
        doc = {
            "format": 1,
            "source": scored.source,
            "reference": scored.reference,
            "results": report.results,
            "timings_s": {k: round(v, 3) for k, v in report.timings.items()},
            "outputs": scored.written,
            **report.info,
        }
        return Output(json).document(doc)
    _table(report.results)
    if scored.written:
        info(f"wrote {', '.join(scored.written)}")


def _table(results: list[dict[str, Any]]) -> None:
    """One row per result; what each value and ± means, and the full receipts' names, go
    below the table."""
    from rich.table import Table

    from gancli.metrics.wording import cell, number

    table = Table(title="gan evaluate", title_justify="left")
    for col, just in (("metric", "left"), ("value", "right"), ("±", "right"), ("n", "right")):
        table.add_column(col, justify=just, overflow="fold")  # type: ignore[arg-type]
    for col in ("features", "reference"):
        table.add_column(col, justify="left", overflow="fold")
    notes: dict[str, None] = {}
    for r in results:
        rec = r["receipt"]
        value, note = cell(r)
        if note:
            notes[note] = None
        spread = "" if r.get("spread") is None else number(r["spread"])
        if r.get("spread_kind"):
            notes[f"± {r['metric']}: {r['spread_kind']}"] = None
        n = str(rec.get("n")) + (f"/{rec['n_ref']}" if rec.get("n_ref") else "")
        feats = rec.get("features") or "-"
        weights = f"weights {rec['features_hash'][:15]}, " if rec.get("features_hash") else ""
        notes[f"features {feats}: {weights}resize {rec.get('resize')}"] = None
        ref = str(rec.get("reference") or "-")
        notes[f"reference: {ref}"] = None
        table.add_row(r["metric"], value, spread, n, feats.split(" ")[0], ref.split(" (")[0])
    console = table_console()
    console.print(table)
    console.print("n: generated / reference samples", highlight=False)
    for line in notes:
        console.print(line, highlight=False)


def _compare(paths: tuple[Path, Path], json: bool) -> None:
    from gancli.api.evaluate import compare
    from gancli.metrics.wording import number

    names, rows, notes = compare(paths)
    if json:
        return Output(json).document({"compare": list(names), "rows": rows, "notes": notes})

    def with_spread(value: float, spread: float | None) -> str:
        return number(value) + ("" if spread is None else f" ± {number(spread)}")

    Output().table(
        ["metric", "a", "b", "b - a", "better", "n", "features"],
        [
            (o["metric"], with_spread(o["a"], o["a_spread"]), with_spread(o["b"], o["b_spread"]))
            + (number(o["difference"]), o["winner"], o["receipt"]["n"], o["receipt"]["features"])
            for o in rows
        ],
        title=f"{names[0]} vs {names[1]}",
    )
    table_console().print(
        "better: the file with the better value, unless the difference is within twice the "
        "combined ± (within 2σ)",
        highlight=False,
    )
    for line in notes:
        info(line)
