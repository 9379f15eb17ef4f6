"""`gan concept add|list|show|rm`: named latent vectors for `gan arithmetic`."""

from __future__ import annotations

from typing import Annotated

import typer

from gancli.cli._common import DeviceOpt, JsonOpt, PictureOpt, TruncationOpt
from gancli.cli._group import QuickHelpGroup
from gancli.cli._output import Output, info
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
SEEDS_HELP = (
    "Exemplar seeds to average, e.g. 12,40,77 or 0-9 (pick them from gan sample CKPT "
    "--label-seeds)."
)
IMAGES_HELP = (
    "Exemplar images or folders, several after one --images (--images a.png b.png faces/): "
    "each image is projected, then all are averaged."
)
CLASS_HELP = (
    "Conditional checkpoints: the concept's class (alone: the class with the prior's mean noise)."
)


def _open(ckpt: str | None, device: str = "cpu", writing: bool = False):
    from gancli.api.concepts import open_concepts

    return open_concepts(ckpt, device, writing, note=info)


@app.command("add")
def add(
    name: NameArg,
    ckpt: CkptOpt = None,
    seeds: Annotated[str | None, typer.Option(help=SEEDS_HELP)] = None,
    images: Annotated[
        list[str] | None, typer.Option(help=IMAGES_HELP, metavar="FILE|DIR ...")
    ] = None,
    class_: Annotated[str | None, typer.Option("--class", help=CLASS_HELP)] = None,
    truncation: TruncationOpt = None,
    steps: Annotated[int, typer.Option(help="Projection steps for --images.")] = 500,
    replace: Annotated[bool, typer.Option(help="Overwrite a concept of the same name.")] = False,
    device: DeviceOpt = "auto",
) -> None:
    """Make a concept: the mean latent of a few exemplars, as DCGAN averaged three per concept."""
    from gancli.api.concepts import make_concept
    from gancli.engine.progress import TaskProgress
    from gancli.latent.concepts import check_name
    from gancli.latent.priors import parse_seeds

    name = check_name(name)
    if (seeds is None) == (images is None) and not (seeds is None and class_ is not None):
        raise GanError("give the exemplars: --seeds 12,40,77, or --images DIR (or --class)")
    model, store, _ = _open(ckpt, device, writing=True)
    chosen = None if seeds is None else parse_seeds(seeds, "--seeds")
    with TaskProgress("project image(s)") as progress:
        concept, said = make_concept(
            model, name, chosen, images, class_, truncation, steps, progress
        )
    if said:
        info(said)
    store.add(concept, replace=replace)
    store.save()
    info(f"concept {name!r} saved in {store.path} ({len(store.names)} concept(s))")


@app.command("list")
def list_(
    ckpt: CkptOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="Every exemplar seed, however many.")] = False,
    json: JsonOpt = False,
) -> None:
    """The checkpoint's concepts and where each came from."""
    from gancli.latent.priors import seeds_text

    model, store, _ = _open(ckpt)
    rows = [{"name": c.name, **c.source} for c in store.concepts.values()]
    out = Output(json)
    if json:
        return out.document({"concepts": rows, "file": str(store.path)})
    if not rows:
        return info("no concepts yet: gan concept add NAME --seeds 12,40,77")

    def how(r: dict) -> str:
        if "seeds" in r:
            return f"seeds {seeds_text(r['seeds'], None if all_ else 8)}"
        return f"{len(r['images'])} image(s)" if "images" in r else f"class {r.get('class')}"

    out.table(
        ["name", "from", "created"], [(r["name"], how(r), r.get("created", "")) for r in rows]
    )


@app.command("show")
def show(
    name: NameArg,
    ckpt: CkptOpt = None,
    output: PictureOpt = "concept.png",
    device: DeviceOpt = "auto",
) -> None:
    """A row of the concept's exemplars (seeds) followed by the image of their mean."""
    from gancli.api.concepts import concept_sheet
    from gancli.render import save_image, still_format

    still_format(output)
    model, store, _ = _open(ckpt, device)
    save_image(concept_sheet(model, store.get(name)), output)
    if output != "-":
        info(f"wrote {output}")


@app.command("rm")
def rm(name: NameArg, ckpt: CkptOpt = None) -> None:
    """Remove a concept."""
    _, store, _ = _open(ckpt, writing=True)
    store.remove(name)
    store.save()
    info(f"removed concept {name!r} ({len(store.names)} left)")
