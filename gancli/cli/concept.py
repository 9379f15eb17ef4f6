"""`gan concept add|list|show|rm`: named latent vectors for `gan arithmetic`."""

from __future__ import annotations

from typing import Annotated

import typer

from gancli.api.concepts import ConceptOptions
from gancli.cli._common import DeviceOpt, JsonOpt, PictureOpt
from gancli.cli._flags import with_options
from gancli.cli._group import QuickHelpGroup
from gancli.cli._output import Output, info

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


def _open(ckpt: str | None, device: str = "cpu", writing: bool = False):
    from gancli.api.concepts import open_concepts

    return open_concepts(ckpt, device, writing, note=info)


@app.command("add")
@with_options(ConceptOptions)
def add(name: NameArg, opts: ConceptOptions, ckpt: CkptOpt = None) -> None:
    """Make a concept: the mean latent of a few exemplars, as DCGAN averaged three per concept."""
    from gancli.api.concepts import make_concept
    from gancli.engine.progress import TaskProgress
    from gancli.latent.concepts import check_name

    name = check_name(name)
    opts.check()
    model, store, _ = _open(ckpt, opts.device, writing=True)
    with TaskProgress("project image(s)") as progress:
        concept, said = make_concept(model, name, opts, progress)
    if said:
        info(said)
    store.add(concept, replace=opts.replace)
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
