"""`gan info CKPT`: what a checkpoint is, read from its header (no weights are loaded)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from gancli.cli._common import CKPT_HELP, JsonOpt
from gancli.cli._output import table_console

CkptArg = Annotated[
    str,
    typer.Argument(
        help=CKPT_HELP,
        show_default=False,
    ),
]


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"


def rows(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """The lines of `gan info`, as (field, text)."""
    from gancli.store.describe import number

    data, latent, hyper = summary["data"], summary["latent"], summary["hyper"]
    out = [("variant", summary["variant"])]
    for net, info in summary["nets"].items():
        family = info.get("family") or ""
        if net == "generator_ema":
            family = "EMA copy of the generator"
        out.append((net, f"{info['parameters']:,} parameters" + (f" ({family})" if family else "")))
    if summary.get("slim"):
        out.append(("slim", f"only the EMA generator is kept ({summary.get('dtype')} weights)"))
    kind = "images" if data["kind"] == "image" else "points"
    shape = "x".join(map(str, data.get("shape") or []))
    if kind == "points":
        shape = f"{shape}-D"
    text = f"{data.get('name')}: {shape} {kind}"
    if data.get("classes"):
        text += f", {data['classes']} classes"
    if data.get("value_range"):
        lo, hi = data["value_range"]
        text += f", values in [{number(lo)}, {number(hi)}]"
    out.append(("data", text))
    codes = ", ".join(
        f"{c.get('name')} {c.get('kind')}" + (f" {c['size']}" if c.get("size") else "")
        for c in latent["codes"]
    )
    text = f"{latent['prior']} prior, {latent['z_dim']} dimensions"
    if codes:
        text += f" + codes {codes} ({latent['size']} in all)"
    out.append(("latent", text))
    out.append(("steps", f"{summary['steps']:,}"))
    train = []
    if hyper.get("optimizer"):
        train.append(str(hyper["optimizer"]))
    if hyper.get("lr_g") is not None:
        train.append(f"lr G {hyper['lr_g']:g} / D {hyper.get('lr_d') or 0:g}")
    if hyper.get("optimizer") == "adam" and hyper.get("betas"):
        train.append("betas " + ",".join(f"{b:g}" for b in hyper["betas"]))
    for key, label in (("batch_size", "batch"), ("n_critic", "n_critic")):
        if hyper.get(key) is not None:
            train.append(f"{label} {hyper[key]}")
    if summary["train"].get("precision_resolved"):
        train.append(str(summary["train"]["precision_resolved"]))
    if train:
        out.append(("training", ", ".join(train)))
    out.append(
        (
            "format",
            f"gancli format {summary['format_version']}, written by gancli "
            f"{summary['gancli_version']}; {summary['dtype']}; {human_bytes(summary['bytes'])}",
        )
    )
    if summary["metrics"]:
        for m in summary["metrics"]:
            about = ", ".join(
                str(x) for x in (f"n {m['n']}" if m.get("n") else None, m.get("features")) if x
            )
            out.append((m["metric"], number(m["value"]) + (f"  ({about})" if about else "")))
    else:
        out.append(("metrics", "none yet (gan evaluate CKPT --data ... adds them)"))
    if summary["concepts"]:
        out.append(("concepts", ", ".join(summary["concepts"])))
    return out


def show(title: str, lines: list[tuple[str, str]]) -> None:
    from rich.table import Table

    table = Table(show_header=False, box=None, pad_edge=False, title=title, title_justify="left")
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in lines:
        table.add_row(key, value)
    table_console().print(table)


def source_text(where: Any) -> str:
    return {
        "path": str(where.path),
        "local": f"{where.path} (local zoo: {where.name})",
        "curated": f"{where.path} (curated zoo: {where.name})",
        "hf": f"{where.path} (hf://{where.name})",
    }.get(where.source, str(where.path))


def info(ckpt: CkptArg, json: JsonOpt = False) -> None:
    """Say what a checkpoint is: variant, nets and sizes, data, prior, steps, metrics.

    Reads the file's header only: instant, and nothing is unpickled or loaded."""
    import json as _json

    from gancli.store.describe import summarize
    from gancli.store.locate import locate

    where = locate(ckpt)
    summary = summarize(where.path)
    summary["source"] = {"kind": where.source, "name": where.name}
    if json:
        print(_json.dumps(summary, indent=1))
        return
    show(source_text(where), rows(summary))
