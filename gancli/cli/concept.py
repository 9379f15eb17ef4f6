"""`gan concept add|list|show|rm`: named latent vectors for `gan arithmetic`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from gancli.cli._common import (
    DeviceOpt,
    JsonOpt,
    QuickHelpGroup,
    TruncationOpt,
    class_index,
    info,
    table_console,
)
from gancli.errors import GanError

app = typer.Typer(
    cls=QuickHelpGroup,
    help="Named latent vectors (concepts) stored with a checkpoint, for gan arithmetic.",
    no_args_is_help=True,
)

CkptOpt = Annotated[
    str | None,
    typer.Option(
        "--ckpt",
        "-c",
        help="The checkpoint (default: $GAN_CKPT, else the most recently trained or pulled model).",
    ),
]
NameArg = Annotated[str, typer.Argument(help="The concept's name, e.g. 'glasses man'.")]


def open_concepts(
    ckpt: str | None, device: str = "cpu", writing: bool = False
) -> tuple[Any, Any, Path]:
    from gancli.engine.device import resolve_device
    from gancli.engine.model import load_model
    from gancli.latent.concepts import ConceptStore
    from gancli.store.locate import locate
    from gancli.store.recent import default_checkpoint

    ckpt, note = default_checkpoint(ckpt)
    if note:
        info(note)
    where = locate(ckpt)
    if writing and where.read_only:
        what = "shipped with gancli" if where.source == "curated" else "in the Hugging Face cache"
        base = str(where.name or where.path.parent.name).split("@")[0].split("/")[-1][:40]
        raise GanError(
            f"{ckpt} is {what} and read-only: copy it into your zoo first "
            f"(gan zoo add {ckpt} --name my-{base}) and add concepts there"
        )
    path = where.path
    model = load_model(path, resolve_device(device))
    if model.spec["kind"] != "image":
        raise GanError("concepts are for image checkpoints; this one makes 2-D points")
    return model, ConceptStore.for_model(path, model.variant), path


def _seeds(text: str) -> list[int]:
    from gancli.latent.priors import parse_seeds

    return parse_seeds(text, "--seeds")


@app.command("add")
def add(
    name: NameArg,
    ckpt: CkptOpt = None,
    seeds: Annotated[
        str | None,
        typer.Option(
            help="Exemplar seeds to average, e.g. 12,40,77 or 0-9 (pick them from "
            "gan sample CKPT --label-seeds)."
        ),
    ] = None,
    images: Annotated[
        list[str] | None,
        typer.Option(
            help="Exemplar images or folders, several after one --images (--images a.png "
            "b.png faces/): each image is projected, then all are averaged.",
            metavar="FILE|DIR ...",
        ),
    ] = None,
    class_: Annotated[
        str | None,
        typer.Option(
            "--class",
            help="Conditional checkpoints: the concept's class (alone: the class with the "
            "prior's mean noise).",
        ),
    ] = None,
    truncation: TruncationOpt = None,
    steps: Annotated[int, typer.Option(help="Projection steps for --images.")] = 500,
    replace: Annotated[bool, typer.Option(help="Overwrite a concept of the same name.")] = False,
    device: DeviceOpt = "auto",
) -> None:
    """Make a concept: the mean latent of a few exemplars, as DCGAN averaged three per concept."""
    import torch

    from gancli.latent.concepts import Concept, check_name
    from gancli.latent.priors import seeded_latents
    from gancli.latent.walks import apply_truncation

    name = check_name(name)
    if (seeds is None) == (images is None) and not (seeds is None and class_ is not None):
        raise GanError("give the exemplars: --seeds 12,40,77, or --images DIR (or --class)")
    model, store, _ = open_concepts(ckpt, device, writing=True)
    variant = model.variant
    k = int(variant.num_classes) if variant.conditional else 0
    if class_ is not None and not k:
        raise GanError(f"--class needs a conditional checkpoint; this one is {variant.name}")
    if k and images is not None and class_ is None:
        raise GanError("a conditional checkpoint needs --class with --images")
    fixed = class_index(class_, model.spec) if class_ is not None else None
    source: dict[str, Any] = {}
    if seeds is not None:
        chosen = _seeds(seeds)
        z = seeded_latents(variant, chosen)
        z = apply_truncation(z, truncation, variant.hyper.prior, variant.hyper.z_dim)
        source["seeds"] = chosen
        labels = [fixed if fixed is not None else s % k for s in chosen] if k else []
        if truncation is not None:
            source["truncation"] = truncation
    elif images is not None:
        from gancli.latent.project import load_targets, project

        targets, names = load_targets(images, model.spec)
        onehot = None
        if k:
            onehot = torch.nn.functional.one_hot(torch.full((len(targets),), fixed), k).float()
        from gancli.engine.progress import TaskProgress

        with TaskProgress(f"project {len(targets)} image(s)") as progress:
            result = project(model, targets, steps=steps, labels=onehot, progress=progress)
        z = result.z
        source["images"] = names
        source["projection_mse"] = [round(float(m), 5) for m in result.mse]
        labels = [fixed] * len(targets) if k else []
        info(f"projected {len(names)} image(s): mean mse {float(result.mse.mean()):.4f}")
    else:
        z = torch.zeros(1, variant.latent_size)
        labels = [fixed]
    y = None
    if k:
        y = torch.nn.functional.one_hot(torch.tensor(labels), k).float().mean(0)
        source["class"] = class_ if class_ is not None else sorted(set(labels))
    store.add(Concept(name, z.mean(0), y, source), replace=replace)
    store.save()
    info(f"concept {name!r} saved in {store.path} ({len(store.names)} concept(s))")


def seeds_text(seeds: list[int], limit: int | None = 8) -> str:
    """Seeds as ranges where they run on (0-9,12), cut after `limit` parts with a count."""
    parts: list[str] = []
    i = 0
    while i < len(seeds):
        j = i
        while j + 1 < len(seeds) and seeds[j + 1] == seeds[j] + 1:
            j += 1
        parts.append(str(seeds[i]) if j == i else f"{seeds[i]}-{seeds[j]}")
        i = j + 1
    if limit is not None and len(parts) > limit:
        return ",".join(parts[:limit]) + f",... ({len(seeds)} seeds; --all for every one)"
    return ",".join(parts)


@app.command("list")
def list_(
    ckpt: CkptOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="Every exemplar seed, however many.")] = False,
    json: JsonOpt = False,
) -> None:
    """The checkpoint's concepts and where each came from."""
    model, store, _ = open_concepts(ckpt)
    rows = [{"name": c.name, **c.source} for c in store.concepts.values()]
    if json:
        import json as _json

        print(_json.dumps({"concepts": rows, "file": str(store.path)}))
        return
    if not rows:
        info("no concepts yet: gan concept add NAME --seeds 12,40,77")
        return
    from rich.table import Table

    table = Table("name", "from", "created")
    for r in rows:
        how = (
            f"seeds {seeds_text(r['seeds'], None if all_ else 8)}"
            if "seeds" in r
            else f"{len(r['images'])} image(s)"
            if "images" in r
            else f"class {r.get('class')}"
        )
        table.add_row(r["name"], how, str(r.get("created", "")))
    table_console().print(table)


@app.command("show")
def show(
    name: NameArg,
    ckpt: CkptOpt = None,
    output: Annotated[
        str, typer.Option("--output", "-o", help="PNG (or .jpg, .webp), or '-' for PNG on stdout.")
    ] = "concept.png",
    device: DeviceOpt = "auto",
) -> None:
    """A row of the concept's exemplars (seeds) followed by the image of their mean."""
    import torch

    from gancli.latent.priors import seeded_latents
    from gancli.render import grid, labelled, save_image, still_format, to_uint8_images

    still_format(output)
    model, store, _ = open_concepts(ckpt, device)
    concept = store.get(name)
    variant = model.variant
    zs, tags = [], []
    for s in concept.source.get("seeds", []):
        zs.append(seeded_latents(variant, [s]))
        tags.append(str(s))
    zs.append(concept.z[None])
    tags.append("mean")
    z = torch.cat(zs)
    y = None
    if concept.y is not None:
        y = concept.y[None].expand(len(z), -1)
    x = model.sample(z, y)
    tiles = labelled(to_uint8_images(x), tags)
    save_image(grid(tiles, nrow=len(tiles)), output)
    if output != "-":
        info(f"wrote {output}")


@app.command("rm")
def rm(name: NameArg, ckpt: CkptOpt = None) -> None:
    """Remove a concept."""
    _, store, _ = open_concepts(ckpt, writing=True)
    store.remove(name)
    store.save()
    info(f"removed concept {name!r} ({len(store.names)} left)")
