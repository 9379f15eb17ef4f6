"""Walks in latent space, as DCGAN showed them: between seeds, through seeds or saved latents,
random walks, one code with the noise fixed, or from one sample along a concept direction.
`gan interpolate` is this with flags.

    from gancli.api.interpolate import InterpolateOptions, interpolate
    interpolate("mnist5k-dcgan", InterpolateOptions(through="3,9,14", output="walk.gif"))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gancli.errors import GanError
from gancli.optionspec import (
    device_option,
    ema_option,
    option,
    parse_range,
    seed_option,
    truncation_option,
)


@dataclass
class InterpolateOptions:
    steps: int = option(10, "--steps", help="Frames per leg of the walk, both ends included.")
    from_: int | None = option(None, "--from", help="Start at this seed's latent.")
    to: int | None = option(None, "--to", help="End at this seed's latent.")
    through: str | None = option(
        None, help="Walk through these seeds in order, e.g. 3,9,14,2 (DCGAN's walks)."
    )
    latents: Path | None = option(
        None, help="Walk through the latents in this file (.safetensors or .npy), in order."
    )
    towards: str | None = option(
        None,
        help="Walk from --from SEED (default --seed) along a concept direction, e.g. "
        "'glasses man - man': the last frame is the start plus the expression "
        "(see gan arithmetic).",
    )
    walks: int = option(
        1,
        "-n",
        "--walks",
        help="Random walks, one per row: walk i goes from seed SEED+2i to SEED+2i+1.",
    )
    method: str | None = option(
        None, help="slerp or lerp (default: slerp for a normal prior, lerp for uniform)."
    )
    loop: bool = option(False, help="Return to the first point at the end.")
    walk: str | None = option(
        None,
        help="Keep the noise fixed and walk one code: an InfoGAN code name (c1, c2, ...) "
        "or 'class' for conditional checkpoints.",
    )
    walk_range: str | None = option(
        None,
        help="With --walk: LO,HI for a continuous code (default -1,1), or FROM,TO classes "
        "(default: through every class / category).",
    )
    class_: str | None = option(
        None, "--class", help="Conditional checkpoints: the class to walk in."
    )
    code: list[str] | None = option(
        None, "--code", help="InfoGAN checkpoints: fix a code along the walk, e.g. c1=3."
    )
    truncation: float | None = truncation_option()
    output: str = option(
        "walk.png",
        "--output",
        "-o",
        help="walk.gif (animated), walk.png (a strip, one row per walk; or .jpg, .webp) or "
        "'-' (stdout).",
    )
    fmt: str | None = option(None, "--format", help="png or gif; for '-o -' (default png).")
    fps: float = option(8.0, "--frames-per-second", "--fps", help="GIF frame rate.")
    save_latents: str | None = option(
        None, help="Write every frame's latent (.safetensors or .npy)."
    )
    ema: bool = ema_option()
    seed: int = seed_option()
    device: str = device_option()

    def kind(self) -> str:
        """'png' or 'gif', from --format and -o; refuses a mismatch."""
        from gancli.render import still_format

        fmt, output = self.fmt, self.output
        if fmt is not None and fmt.lower() not in ("png", "gif"):
            raise GanError(f"--format {fmt}: use png or gif")
        if output == "-":
            return (fmt or "png").lower()
        kind = "gif" if output.lower().endswith(".gif") else "png"
        if kind == "png":
            still_format(output, also=".gif")
        if fmt is not None and fmt.lower() != kind:
            raise GanError(f"--format {fmt} does not match -o {output}; leave --format out")
        return kind

    def check(self) -> int:
        """Refuse contradictions; the number of point sources given (--from/--to, --through,
        --latents)."""
        if self.walks < 1:
            raise GanError("-n must be at least 1")
        if not (math.isfinite(self.fps) and self.fps > 0):
            raise GanError(f"--frames-per-second must be a number above 0; got {self.fps}")
        given = [
            self.from_ is not None or self.to is not None,
            self.through is not None,
            self.latents is not None,
        ]
        if sum(given) > 1:
            raise GanError("pick one of --from/--to, --through and --latents")
        if self.walks > 1 and sum(given):
            raise GanError(
                "-n draws random walks; --from/--to, --through and --latents make one walk"
            )
        if self.towards is not None:
            if any(v is not None for v in (self.to, self.through, self.latents, self.walk)):
                raise GanError(
                    "--towards walks from one seed (--from): leave out --to, --through, "
                    "--latents and --walk"
                )
        elif (self.from_ is None) != (self.to is None):
            raise GanError("--from and --to go together")
        return sum(given)


@dataclass
class Walked:
    checkpoint: str
    rows: int
    frames: int
    method: str


def _save(images: Any, rows: int, frames: int, opts: InterpolateOptions, kind: str) -> None:
    """Frames as a strip (one row per walk) or an animated GIF (one grid of walks per frame)."""
    from gancli.render import grid, save_gif, save_image

    if kind == "png":
        save_image(grid(images, nrow=frames), opts.output)
        return
    per_frame = images.reshape(rows, frames, *images.shape[1:]).transpose(1, 0, 2, 3, 4)
    side = max(1, math.ceil(math.sqrt(rows)))
    save_gif([grid(f, nrow=side) for f in per_frame], opts.output, fps=opts.fps, loop=True)


def towards(ckpt: str, opts: InterpolateOptions, note: Any = None) -> Walked:
    """From seed --from (default --seed) to it plus the --towards expression."""
    from gancli.api.concepts import open_concepts
    from gancli.api.concepts import towards as frames

    kind = opts.kind()
    start = opts.seed if opts.from_ is None else opts.from_
    if opts.steps < 2:
        raise GanError("--steps must be at least 2")
    model, store, path = open_concepts(ckpt, opts.device, note=note)
    images = frames(model, store, opts.towards or "", start, opts.steps, opts.ema)
    _save(images, 1, opts.steps, opts, kind)
    return Walked(str(path), 1, opts.steps, "lerp")


def _frames(model: Any, opts: InterpolateOptions, given: int) -> tuple[Any, Any, str]:
    """The latents of every frame (rows, frames, latent) and their soft labels, or None."""
    import torch

    from gancli.engine.batcher import check_fits_in_memory
    from gancli.latent.codes import parse_assignment
    from gancli.latent.draw import class_index, draw
    from gancli.latent.io import load_latents
    from gancli.latent.priors import parse_seeds
    from gancli.latent.walks import default_method

    variant = model.variant
    hyper = variant.hyper
    method = opts.method or default_method(hyper.prior)
    k = int(variant.num_classes) if variant.conditional else 0
    if opts.class_ is not None and not k:
        raise GanError(f"--class needs a conditional checkpoint; this one is {variant.name}")
    codes = [parse_assignment(t) for t in opts.code or []]

    def points(**how: Any) -> Any:
        return draw(variant, codes=codes, truncation=opts.truncation, **how).z

    def room_for(frames: int) -> None:  # every frame is held at once for the picture
        check_fits_in_memory(
            frames, variant.latent_size, model.spec["shape"], "use fewer --steps",
            images=True, where=opts.output, what="frames",
        )  # fmt: skip

    if opts.walk is not None:
        if given:
            raise GanError("--walk keeps the noise fixed: it takes -n and --seed, not other points")
        room_for(opts.walks * opts.steps)  # at least: a code walk has a leg or more per row
        base = points(seeds=range(opts.seed, opts.seed + opts.walks))
        rows_z, rows_y = _code_walk(
            variant, model.spec, base, opts.walk, opts.walk_range, opts.steps, opts.loop
        )
        labels = None if rows_y is None else torch.stack(rows_y).reshape(-1, k)
        return torch.stack(rows_z), labels, method
    if opts.latents is not None:
        rows = [points(latents=load_latents(opts.latents, variant.latent_size))]
    elif opts.through is not None:
        rows = [points(seeds=parse_seeds(opts.through, "--through"))]
    elif opts.from_ is not None:
        rows = [points(seeds=[opts.from_, opts.to])]
    else:
        rows = [points(seeds=[opts.seed + 2 * i, opts.seed + 2 * i + 1]) for i in range(opts.walks)]
    room_for(sum(max(1, len(r) - 1 + int(opts.loop)) for r in rows) * opts.steps)
    frames = torch.stack([_walk(r, opts.steps, method, opts.loop, hyper.z_dim) for r in rows])
    labels = None
    if k:
        through = opts.through
        first = parse_seeds(through, "--through")[0] if through else (opts.from_ or opts.seed)
        c = class_index(opts.class_, model.spec) if opts.class_ is not None else first % k
        n = frames.shape[0] * frames.shape[1]
        labels = torch.nn.functional.one_hot(torch.full((n,), c), k).float()
    return frames, labels, method


def interpolate(ckpt: str, opts: InterpolateOptions, note: Any = None) -> Walked:
    """Draw the walk and write it to opts.output (a strip or a GIF)."""
    import torch

    from gancli.engine.device import resolve_device
    from gancli.engine.model import load_model
    from gancli.latent.io import save_latents
    from gancli.render import to_uint8_images
    from gancli.reporting import report
    from gancli.store.locate import resolve

    kind = opts.kind()
    given = opts.check()
    if opts.towards is not None:
        return towards(ckpt, opts, note)
    source = resolve(ckpt)
    model = load_model(source, resolve_device(opts.device))
    if model.spec["kind"] != "image":
        raise GanError("interpolate renders images; this checkpoint makes 2-D points")
    frames, labels, method = _frames(model, opts, given)
    n_rows, n_frames = frames.shape[:2]
    z = frames.reshape(n_rows * n_frames, -1)
    parts = []
    for i in range(0, len(z), 64):  # in parts, so that a long walk shows its progress
        report("drawing frames", i, len(z))
        y = None if labels is None else labels[i : i + 64]
        parts.append(model.sample(z[i : i + 64], y, ema=opts.ema).cpu())
    report("drawing frames", len(z), len(z))
    _save(to_uint8_images(torch.cat(parts)), n_rows, n_frames, opts, kind)
    if opts.save_latents:
        save_latents(opts.save_latents, z, prior=model.variant.hyper.prior)
    return Walked(str(source), n_rows, n_frames, method)


def _walk(points: Any, steps: int, method: str, loop: bool, z_dim: int) -> Any:
    """Frames through `points`: the noise part by `method`, any codes after it linearly."""
    import torch

    from gancli.latent.walks import path

    noise = path(points[:, :z_dim], steps, method, loop)
    if points.shape[1] == z_dim:
        return noise
    codes = path(points[:, z_dim:], steps, "lerp", loop)
    return torch.cat([noise, codes], 1)


def _code_walk(
    variant: Any,
    spec: dict[str, Any],
    base: Any,
    walk: str,
    walk_range: str | None,
    steps: int,
    loop: bool,
) -> tuple[list[Any], list[Any] | None]:
    """One row per noise vector in `base`; along each row only the walked code changes
    (linearly: codes are one-hot categories or uniform values, not normal noise)."""
    import torch

    from gancli.latent.codes import find_code
    from gancli.latent.draw import class_index
    from gancli.latent.priors import parse_seeds

    hyper = variant.hyper
    if walk == "class":
        if not variant.conditional:
            raise GanError(
                f"--walk class needs a conditional checkpoint; this one is {variant.name}"
            )
        k = int(variant.num_classes)
        if walk_range:
            parts = walk_range.split(",")
            if len(parts) != 2:
                raise GanError(f"--walk-range takes FROM,TO classes; got {walk_range!r}")
            stops = [class_index(p.strip(), spec) for p in parts]
        else:
            stops = list(range(k))
        eye = torch.eye(k)
        ys = _walk(eye[stops], steps, "lerp", loop, k)
        return [row.expand(len(ys), -1) for row in base], [ys for _ in base]
    where, meta = find_code(hyper.z_dim, variant.latent_codes, walk)
    if meta["kind"] == "categorical":
        count = int(meta["size"])
        stops = list(range(count))
        if walk_range:
            stops = parse_seeds(walk_range, "--walk-range")
            if len(stops) != 2 or not all(0 <= s < count for s in stops):
                raise GanError(
                    f"--walk-range for {walk} takes FROM,TO categories in 0..{count - 1}"
                )
        values = torch.eye(count)[stops]
    else:
        lo, hi = parse_range(walk_range, "--walk-range") if walk_range else (-1.0, 1.0)
        values = torch.tensor([[lo], [hi]])
    track = _walk(values, steps, "lerp", loop, values.shape[1])
    rows = []
    for row in base:
        r = row.expand(len(track), -1).clone()
        r[:, where] = track
        rows.append(r)
    return rows, None
