"""`gan zoo list|info|add|rm|export|push|pull`: named models, here and on the Hugging Face Hub."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from gancli.cli._common import JsonOpt
from gancli.cli._group import QuickHelpCommand, QuickHelpGroup
from gancli.cli._output import info, table_console
from gancli.errors import GanError

app = typer.Typer(
    cls=QuickHelpGroup,
    help="Named models: trained here, pulled from the Hugging Face Hub, or shipped with gancli.",
    no_args_is_help=True,
)

NameArg = Annotated[
    str, typer.Argument(help="The entry's name (see gan zoo list).", show_default=False)
]
RepoArg = Annotated[
    str,
    typer.Argument(
        help="A Hub model repo: owner/repo (hf://owner/repo also works).", show_default=False
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace what is already there.")]


def _same_weights(a: Any, b: Any) -> bool:
    """Whether two model files hold the same tensors (a model pushed and pulled back: a push
    rewrites the metadata, for one thing to leave out local paths, but not the weights)."""
    import torch
    from safetensors import safe_open

    try:
        with safe_open(str(a), framework="pt") as fa, safe_open(str(b), framework="pt") as fb:
            if set(fa.keys()) != set(fb.keys()):
                return False
            return all(torch.equal(fa.get_tensor(k), fb.get_tensor(k)) for k in fa.keys())
    except Exception:  # unreadable: not the same model as far as a pull can tell
        return False


def _print_json(data: Any) -> None:
    import json

    print(json.dumps(data, indent=1))


def _origin_text(entry: Any) -> str:
    if entry.curated:
        return "curated"
    origin = entry.origin()
    if origin.get("source") == "hf":
        return f"hf://{origin.get('repo')}"
    return {"train": "train", "add": "added"}.get(origin.get("source"), "-")


def _row(entry: Any) -> dict[str, Any]:
    from gancli.store.describe import summarize

    row: dict[str, Any] = {
        "name": entry.name,
        "where": entry.where,
        "path": str(entry.path),
        "bytes": entry.size(),
        "origin": entry.origin(),
        "from": _origin_text(entry),
    }
    try:
        s = summarize(entry.model)
    except GanError as e:
        return {**row, "error": str(e)}
    return {
        **row,
        "variant": s["variant"],
        "data": s["data"]["name"],
        "resolution": s["data"]["resolution"],
        "steps": s["steps"],
        "metrics": s["metrics"],
        "concepts": s["concepts"],
    }


@app.command("list", cls=QuickHelpCommand)
def list_(json: JsonOpt = False) -> None:
    """List the zoo: local entries, then the curated ones shipped with gancli."""
    from gancli.cli.info import human_bytes
    from gancli.store import zoo
    from gancli.store.describe import metrics_text

    rows = [_row(e) for e in zoo.entries()]
    # a local entry of a curated model's name hides it from plain names: show both, and how
    # to reach the curated one
    local = zoo.local_entries()
    for name, entry in sorted(zoo.curated_entries().items()):
        if name in local:
            for r in rows:
                if r["name"] == name:
                    r["from"] += f" (hides {zoo.CURATED_PREFIX}{name})"
            rows.append({**_row(entry), "name": f"{zoo.CURATED_PREFIX}{name}"})
    if json:
        _print_json(rows)
        return
    if not rows:
        info(
            f"the zoo is empty ({zoo.root()}): gan train adds each model it trains, "
            "gan zoo pull owner/repo adds one from the Hugging Face Hub"
        )
        return
    from rich.table import Table

    table = Table(
        title=f"gan zoo ({zoo.root()})",
        title_justify="left",
        box=None,
        padding=(0, 2, 0, 0),
        header_style="bold underline",
    )
    for col, just in (
        ("name", "left"),
        ("variant", "left"),
        ("data", "left"),
        ("resolution", "left"),
        ("steps", "right"),
        ("metrics", "left"),
        ("size", "right"),
        ("from", "left"),
    ):
        wrap = col in ("metrics", "resolution")  # the rest keep their one line
        table.add_column(col, justify=just, overflow="fold", no_wrap=not wrap)  # type: ignore[arg-type]
    for r in rows:
        if "error" in r:
            table.add_row(r["name"], "[red]unreadable[/red]", r["error"], "", "", "", "", r["from"])
            continue
        table.add_row(
            r["name"],
            r["variant"],
            str(r["data"]),
            r["resolution"],
            f"{r['steps']:,}",
            metrics_text(r["metrics"], limit=2) or "-",
            human_bytes(r["bytes"]),
            r["from"],
        )
    table_console().print(table)


@app.command("info", cls=QuickHelpCommand)
def info_(name: NameArg, json: JsonOpt = False) -> None:
    """What an entry is (as gan info says), with its files and where it came from."""
    from gancli.cli.info import human_bytes, rows, show
    from gancli.store import zoo
    from gancli.store.describe import summarize

    entry = zoo.get(name)
    summary = summarize(entry.model)
    files = {p.name: p.stat().st_size for p in entry.files()}
    if json:
        _print_json(
            {
                **summary,
                "name": entry.name,
                "where": entry.where,
                "path": str(entry.path),
                "files": files,
                "origin": entry.origin(),
            }
        )
        return
    lines = [("entry", f"{entry.path} ({entry.where})")]
    origin = entry.origin()
    if origin.get("source") == "hf":
        lines.append(
            (
                "from",
                f"hf://{origin.get('repo')}@{origin.get('revision')} (commit {origin.get('commit', '')[:12]})",
            )
        )
    elif origin.get("source") == "train":
        lines.append(("from", f"gan train, run {origin.get('run')}"))
    elif origin.get("source") == "add":
        lines.append(("from", f"gan zoo add {origin.get('checkpoint')}"))
    lines += rows(summary)
    lines.append(("files", ", ".join(f"{n} ({human_bytes(b)})" for n, b in files.items())))
    show(f"zoo entry {entry.name}", lines)


@app.command("add", cls=QuickHelpCommand)
def add(
    ckpt: Annotated[
        str,
        typer.Argument(
            help="A checkpoint: a .safetensors file, a run folder or hf://owner/repo@revision.",
            show_default=False,
        ),
    ],
    name: Annotated[
        str | None,
        typer.Option("--name", help="The entry's name (default: the folder's or file's)."),
    ] = None,
    force: ForceOpt = False,
    slim: Annotated[
        bool,
        typer.Option(
            "--slim",
            help="Keep only the EMA generator, in fp16: a fraction of the size, enough to sample, "
            "walk, do arithmetic and evaluate (not to resume training).",
        ),
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Copy a checkpoint into the local zoo (with its concepts, metrics and a sample grid)."""
    from gancli.store import zoo
    from gancli.store.describe import read_config
    from gancli.store.files import MODEL_FILE, SAMPLES_FILE
    from gancli.store.locate import locate

    where = locate(ckpt)
    model = where.path
    read_config(model)  # a broken or foreign file is refused before anything else
    if name is None:
        if where.source == "hf":
            name = zoo.safe_name(str(where.name).split("@")[0].split("/")[-1])
        elif model.name == MODEL_FILE:
            name = zoo.safe_name(model.parent.resolve().name)
        else:
            name = zoo.safe_name(model.stem)
    zoo.check_name(name)
    if where.source in ("local", "curated") and where.name == name:
        raise GanError(f"'{name}' is already in the zoo")
    samples, generated = None, False
    if model.name == MODEL_FILE:
        samples = zoo.latest_grid(model.parent)
    if samples is None and not (
        model.name == MODEL_FILE and (model.parent / SAMPLES_FILE).is_file()
    ):
        samples, generated = _sample_grid(model), True
    origin = {"source": "add", "checkpoint": str(where.name or model.resolve())}
    extra, slim_file = {}, None
    if slim:
        slim_file = _slim_copy(model)
        extra[MODEL_FILE] = slim_file
        origin["slim"] = True
    try:
        entry = zoo.add(
            name,
            model,
            origin,
            replace=force,
            samples=samples,
            keep_card=where.source == "hf",
            extra=extra,
        )
    finally:
        if generated and samples is not None:
            samples.unlink(missing_ok=True)
        if slim_file is not None:
            slim_file.unlink(missing_ok=True)
    if json:
        _print_json({"name": entry.name, "path": str(entry.path)})
    else:
        info(f"added {entry.name} to the zoo ({entry.path}); sample it: gan sample {entry.name}")


def _slim_copy(model_file: Path) -> Path:
    """A slim (EMA generator, fp16) copy of `model_file` in a temporary file."""
    import os
    import tempfile

    from gancli.engine.model import load_model, save_slim

    model = load_model(model_file, "cpu", channels_last=False)
    fd, tmp = tempfile.mkstemp(prefix=".gancli-slim-", suffix=".safetensors")
    os.close(fd)
    save_slim(model, tmp)
    return Path(tmp)


def _sample_grid(model_file: Path) -> Path:
    """Samples of seeds 0, 1, ... from the EMA generator, for a checkpoint without a grid:
    an 8x8 grid of images, or a scatter of 2,000 points."""
    import os
    import tempfile

    from gancli.engine.model import load_model
    from gancli.latent.priors import seeded_latents
    from gancli.render import picture, save_image

    model = load_model(model_file, "cpu")
    variant = model.variant
    n = 64 if model.spec["kind"] == "image" else 2000
    z = seeded_latents(variant, list(range(n)))
    labels = None
    if getattr(variant, "conditional", False):
        import torch

        labels = torch.arange(n) % int(variant.num_classes)
    x = model.sample(z, labels).cpu()
    fd, tmp = tempfile.mkstemp(prefix=".gancli-grid-", suffix=".png")
    os.close(fd)
    save_image(picture(x, model.spec, None), tmp)
    return Path(tmp)


@app.command("rm", cls=QuickHelpCommand)
def rm(
    name: NameArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Remove an entry from the local zoo."""
    from gancli.store import zoo

    entry = zoo.get(name, local_only=True)
    if not yes:
        if not sys.stdin.isatty():
            raise GanError(f"pass --yes to remove {name} without asking")
        typer.confirm(f"remove {entry.path}?", abort=True, err=True)
    zoo.remove(name)
    info(f"removed {name} ({entry.path})")


@app.command("export", cls=QuickHelpCommand)
def export(
    name: NameArg,
    dest: Annotated[Path, typer.Argument(help="The folder to write into.", show_default=False)],
    force: ForceOpt = False,
) -> None:
    """Copy an entry's files into a folder, to share it another way.

    The files are those that go to the Hub: model, card, samples, concepts, metrics."""
    from gancli.store import zoo

    written = zoo.export(name, dest, force)
    info(f"wrote {len(written)} files to {dest}: {', '.join(p.name for p in written)}")


@app.command("push", cls=QuickHelpCommand)
def push(
    name: NameArg,
    repo: RepoArg,
    private: Annotated[bool, typer.Option("--private", help="Create the repo private.")] = False,
    revision: Annotated[
        str | None, typer.Option("--revision", help="Push to this branch (created if needed).")
    ] = None,
    message: Annotated[
        str | None, typer.Option("--message", "-m", help="The commit message.")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Upload a zoo entry, a run folder or a model file to the Hugging Face Hub as one commit.

    The commit holds model.safetensors, a model card with the metrics, the sample grid and the
    concepts. It needs a token with write access (hf auth login, or HF_TOKEN), which is never
    printed."""
    import contextlib
    from pathlib import Path

    from gancli.store import hub, zoo

    repo_id, at = hub.parse(repo)
    if at and revision and at != revision:
        raise GanError(f"{repo} names revision {at} and --revision says {revision}: pick one")
    is_path = not zoo.NAME_RE.fullmatch(name) or (
        Path(name).exists() and zoo.local_entries().get(name) is None
    )
    with zoo.staged(Path(name)) if is_path else contextlib.nullcontext(zoo.get(name)) as entry:
        result = hub.push(entry.path, entry.name, repo_id, at or revision, private, message)
    if json:
        _print_json(result)
    else:
        info(
            f"pushed {entry.name} to {result['url']} (commit {str(result['commit'])[:12]}); "
            f"anyone can now run: gan sample hf://{repo_id}"
            + (f"@{result['revision']}" if result["revision"] != "main" else "")
        )


@app.command("pull", cls=QuickHelpCommand)
def pull(
    repo: Annotated[
        str,
        typer.Argument(
            help="A Hub model repo: owner/repo, or owner/repo@revision (hf:// optional).",
            show_default=False,
        ),
    ],
    name: Annotated[
        str | None, typer.Option("--name", help="The entry's name (default: the repo's name).")
    ] = None,
    force: ForceOpt = False,
    json: JsonOpt = False,
) -> None:
    """Download a gancli model from the Hugging Face Hub into the zoo.

    Files go through huggingface_hub's cache (HF_HUB_OFFLINE=1 uses what is cached), and each
    one is checked against the hash the Hub reports."""
    from gancli.store import hub, zoo
    from gancli.store.checkpoint import model_path
    from gancli.store.files import MODEL_FILE
    from gancli.store.recent import remember

    repo_id, revision = hub.parse(repo)
    name = zoo.check_name(name) if name else zoo.safe_name(repo_id.split("/")[1])
    existing = zoo.local_entries().get(name)
    folder, commit = hub.fetch(repo_id, revision)
    if existing is not None and not force and existing.origin().get("repo") != repo_id:
        if _same_weights(existing.model, model_path(folder)):
            remember(existing.model, "pulled")
            info(f"the zoo's '{name}' already holds these weights (hf://{repo_id}); nothing to do")
            return
        raise GanError(
            f"the zoo already has '{name}' (another model): pass --force to replace it, "
            "or --name to choose another name"
        )
    if existing is not None:
        origin = existing.origin()
        if origin.get("repo") == repo_id and origin.get("commit") == commit:
            remember(existing.model, "pulled")
            info(f"{name} is already {repo_id} at commit {commit[:12]}")
            if json:
                _print_json(
                    {"name": name, "repo": repo_id, "commit": commit, "path": str(existing.path)}
                )
            return
        if not force:
            raise GanError(
                f"the zoo already has '{name}' (hf://{repo_id} at commit "
                f"{str(origin.get('commit'))[:12]}, not {commit[:12]}): pass --force to update it, "
                "or --name to choose another name"
            )
    origin = {"source": "hf", "repo": repo_id, "revision": revision or "main", "commit": commit}
    if hub.endpoint() != hub.DEFAULT_ENDPOINT:
        origin["endpoint"] = hub.endpoint()
    entry = zoo.add(name, folder / MODEL_FILE, origin, replace=force, keep_card=True)
    remember(entry.model, "pulled")
    if json:
        _print_json({"name": name, "repo": repo_id, "commit": commit, "path": str(entry.path)})
    else:
        info(
            f"pulled {repo_id}@{commit[:12]} into the zoo as {name} ({entry.path}); "
            f"sample it: gan sample {name}"
        )
