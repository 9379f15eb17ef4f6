"""Concepts (named latent vectors stored beside a checkpoint) and what is drawn from them:
making one from exemplars, its sheet of exemplars, DCGAN's arithmetic grid, and a walk from
one sample along a concept direction.

    from gancli.api.concepts import arithmetic, open_concepts
    model, store, path = open_concepts("synthfaces-dcgan")
    picture, terms = arithmetic(model, store, "glasses man - man + woman")
    picture.save("out.png")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gancli.errors import GanError
from gancli.optionspec import (
    PICTURE_HELP,
    device_option,
    ema_option,
    option,
    seed_option,
    truncation_option,
)


@dataclass
class ConceptOptions:
    """How `gan concept add` makes a concept."""

    seeds: str | None = option(
        None,
        help="Exemplar seeds to average, e.g. 12,40,77 or 0-9 (pick them from gan sample CKPT "
        "--label-seeds).",
    )
    images: list[str] | None = option(
        None,
        help="Exemplar images or folders, several after one --images (--images a.png b.png "
        "faces/): each image is projected, then all are averaged.",
        metavar="FILE|DIR ...",
    )
    class_: str | None = option(
        None,
        "--class",
        help="Conditional checkpoints: the concept's class (alone: the class with the prior's "
        "mean noise).",
    )
    truncation: float | None = truncation_option()
    steps: int = option(500, help="Projection steps for --images.")
    replace: bool = option(False, help="Overwrite a concept of the same name.")
    device: str = device_option()

    def check(self) -> list[int] | None:
        """The exemplar seeds (None: images or a class alone); refuses a missing source."""
        from gancli.latent.priors import parse_seeds

        if (self.seeds is None) == (self.images is None) and not (
            self.seeds is None and self.class_ is not None
        ):
            raise GanError("give the exemplars: --seeds 12,40,77, or --images DIR (or --class)")
        return None if self.seeds is None else parse_seeds(self.seeds, "--seeds")


@dataclass
class ArithmeticOptions:
    """How `gan arithmetic` draws an expression's result."""

    output: str = option(
        "arithmetic.png",
        "--output",
        "-o",
        help=PICTURE_HELP,
    )
    noise: float = option(
        0.25, help="Scale of the uniform noise added to the result for its 8 neighbours."
    )
    show_terms: bool = option(False, help="Add a row above: each term's image, then the result.")
    renorm: bool = option(
        False,
        help="Rescale the result to the prior's typical norm before adding the noise: means of "
        "many exemplars are shorter than the latents G was trained on.",
    )
    truncation: float | None = truncation_option()
    ema: bool = ema_option()
    seed: int = seed_option()
    device: str = device_option()

    def check(self) -> None:
        from gancli.render import still_format

        if self.noise < 0:
            raise GanError("--noise must be 0 or more")
        still_format(self.output)


def open_concepts(
    ckpt: str | None,
    device: str = "cpu",
    writing: bool = False,
    note: Callable[[str], None] | None = None,
) -> tuple[Any, Any, Path]:
    """(model, its ConceptStore, the model file) for `ckpt`, or the default checkpoint, of
    which `note` is told; `writing`: refuse read-only (curated, Hub cache) checkpoints."""
    from gancli.engine.device import resolve_device
    from gancli.engine.model import load_model
    from gancli.latent.concepts import ConceptStore
    from gancli.store.locate import locate
    from gancli.store.recent import default_checkpoint

    ckpt, told = default_checkpoint(ckpt)
    if told and note is not None:
        note(told)
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


def make_concept(
    model: Any, name: str, opts: ConceptOptions, progress: Any = None
) -> tuple[Any, str | None]:
    """A concept: the mean latent of exemplar seeds, or of images projected into the latent
    space, or (conditional checkpoints) a class alone with the prior's mean noise. Returns the
    concept and a line about the projection, if any."""
    import torch

    from gancli.latent.concepts import Concept
    from gancli.latent.draw import class_index, draw

    seeds, images, class_, truncation = opts.check(), opts.images, opts.class_, opts.truncation
    variant = model.variant
    k = int(variant.num_classes) if variant.conditional else 0
    if class_ is not None and not k:
        raise GanError(f"--class needs a conditional checkpoint; this one is {variant.name}")
    if k and images is not None and class_ is None:
        raise GanError("a conditional checkpoint needs --class with --images")
    fixed = class_index(class_, model.spec) if class_ is not None else None
    source: dict[str, Any] = {}
    said = None
    if seeds is not None:
        batch = draw(variant, seeds=seeds, classes=fixed, truncation=truncation)
        z, labels = batch.z, [] if batch.labels is None else batch.labels.tolist()
        source["seeds"] = seeds
        if truncation is not None:
            source["truncation"] = truncation
    elif images is not None:
        from gancli.latent.project import load_targets, project

        targets, names = load_targets(images, model.spec)
        onehot = None
        if k:
            onehot = torch.nn.functional.one_hot(torch.full((len(targets),), fixed), k).float()
        result = project(model, targets, steps=opts.steps, labels=onehot, progress=progress)
        z = result.z
        source["images"] = names
        source["projection_mse"] = [round(float(m), 5) for m in result.mse]
        labels = [fixed] * len(targets) if k else []
        said = f"projected {len(names)} image(s): mean mse {float(result.mse.mean()):.4f}"
    else:
        z = torch.zeros(1, variant.latent_size)
        labels = [fixed]
    y = None
    if k:
        y = torch.nn.functional.one_hot(torch.tensor(labels), k).float().mean(0)
        source["class"] = class_ if class_ is not None else sorted(set(labels))
    return Concept(name, z.mean(0), y, source), said


def concept_sheet(model: Any, concept: Any) -> Any:
    """A row of the concept's exemplars (seeds) followed by the image of their mean."""
    import torch

    from gancli.latent.draw import draw
    from gancli.render import grid, labelled, to_uint8_images

    seeds = list(concept.source.get("seeds", []))
    z = torch.cat([draw(model.variant, seeds=seeds).z, concept.z[None]])
    tags = [str(s) for s in seeds] + ["mean"]
    y = None if concept.y is None else concept.y[None].expand(len(z), -1)
    tiles = labelled(to_uint8_images(model.sample(z, y)), tags)
    return grid(tiles, nrow=len(tiles))


def arithmetic(
    model: Any, store: Any, expression: str, opts: ArithmeticOptions | None = None
) -> tuple[Any, list[Any]]:
    """The expression's result in the centre of a 3x3 grid whose 8 others add uniform noise of
    +-noise to its latent (Radford et al. 2016, figure 7); show_terms adds a row above with
    each term's image, then the result. Returns the picture and the parsed terms."""
    import torch

    from gancli.latent.expr import parse, terms_in_order
    from gancli.latent.priors import renormalize
    from gancli.latent.walks import apply_truncation
    from gancli.render import grid, labelled, stack, to_uint8_images

    opts = opts or ArithmeticOptions()
    opts.check()
    noise, truncation, ema = opts.noise, opts.truncation, opts.ema
    terms = parse(expression, store.names)
    z, y = store.combine([(t.name, t.weight) for t in terms], model.variant)
    hyper = model.variant.hyper
    if opts.renorm:
        z = renormalize(z[None], hyper.prior, hyper.z_dim)[0]
    g = torch.Generator().manual_seed(opts.seed)
    around = z[None] + (torch.rand(8, len(z), generator=g) * 2 - 1) * noise
    zs = torch.cat([around[:4], z[None], around[4:]])  # the result in the centre
    zs = apply_truncation(zs, truncation, hyper.prior, hyper.z_dim)
    ys = None if y is None else y[None].expand(len(zs), -1)
    images = to_uint8_images(model.sample(zs, ys, ema=ema))
    if not opts.show_terms:
        return grid(images, nrow=3), terms
    shown = terms_in_order(expression, store.names)
    parts = [store.term(t.name, model.variant) for t in shown]
    tz = torch.stack([c.z for c in parts] + [z])
    ty = None if y is None else torch.stack([c.y for c in parts] + [y])
    tags = [f"{'+' if t.weight >= 0 else '-'}{_weight(abs(t.weight))}{t.name}" for t in shown]
    tiles = labelled(to_uint8_images(model.sample(tz, ty, ema=ema)), tags + ["= result"])
    result = grid(labelled(images, [""] * len(images)), nrow=3)
    return stack(grid(tiles, nrow=len(tiles)), result), terms


def _weight(w: float) -> str:
    return "" if w == 1 else f"{w:g}*"


def towards(
    model: Any, store: Any, expression: str, start: int, steps: int, ema: bool = True
) -> Any:
    """Frames (uint8 images) from seed `start` to seed `start` + the expression, evenly spaced
    (a straight line: the direction is a difference of concept means)."""
    import torch

    from gancli.latent.expr import parse
    from gancli.render import to_uint8_images

    if steps < 2:
        raise GanError("--steps must be at least 2")
    terms = parse(expression, store.names)
    direction, dy = store.combine([(t.name, t.weight) for t in terms], model.variant)
    base, y = store.combine([(f"seed:{start}", 1.0)], model.variant)
    t = torch.linspace(0, 1, steps)[:, None]
    z = base[None] + t * direction[None]
    ys = None if y is None else (y[None] + t * dy[None]).clamp(0, 1)
    return to_uint8_images(model.sample(z, ys, ema=ema).cpu())
