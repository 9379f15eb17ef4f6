"""`gan interpolate CKPT`: walks in latent space as a PNG strip, a PNG grid or an animated GIF."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from gancli.cli._common import (
    CkptArg,
    DeviceOpt,
    JsonOpt,
    SeedOpt,
    TruncationOpt,
    check_fits_in_memory,
    class_index,
    info,
    shows_progress,
)
from gancli.errors import GanError


def _ints(text: str, what: str) -> list[int]:
    from gancli.latent.priors import parse_seeds

    return parse_seeds(text, what)


@shows_progress
def interpolate(
    ckpt: CkptArg,
    steps: Annotated[
        int, typer.Option("--steps", help="Frames per leg of the walk, both ends included.")
    ] = 10,
    from_: Annotated[
        int | None, typer.Option("--from", help="Start at this seed's latent.")
    ] = None,
    to: Annotated[int | None, typer.Option("--to", help="End at this seed's latent.")] = None,
    through: Annotated[
        str | None,
        typer.Option(help="Walk through these seeds in order, e.g. 3,9,14,2 (DCGAN's walks)."),
    ] = None,
    latents: Annotated[
        Path | None,
        typer.Option(
            help="Walk through the latents in this file (.safetensors or .npy), in order."
        ),
    ] = None,
    towards: Annotated[
        str | None,
        typer.Option(
            help="Walk from --from SEED (default --seed) along a concept direction, e.g. "
            "'glasses man - man': the last frame is the start plus the expression "
            "(see gan arithmetic)."
        ),
    ] = None,
    walks: Annotated[
        int,
        typer.Option(
            "-n",
            "--walks",
            help="Random walks, one per row: walk i goes from seed SEED+2i to SEED+2i+1.",
        ),
    ] = 1,
    method: Annotated[
        str | None,
        typer.Option(help="slerp or lerp (default: slerp for a normal prior, lerp for uniform)."),
    ] = None,
    loop: Annotated[bool, typer.Option(help="Return to the first point at the end.")] = False,
    walk: Annotated[
        str | None,
        typer.Option(
            help="Keep the noise fixed and walk one code: an InfoGAN code name (c1, c2, ...) "
            "or 'class' for conditional checkpoints."
        ),
    ] = None,
    walk_range: Annotated[
        str | None,
        typer.Option(
            help="With --walk: LO,HI for a continuous code (default -1,1), or FROM,TO classes "
            "(default: through every class / category)."
        ),
    ] = None,
    class_: Annotated[
        str | None, typer.Option("--class", help="Conditional checkpoints: the class to walk in.")
    ] = None,
    code: Annotated[
        list[str] | None,
        typer.Option("--code", help="InfoGAN checkpoints: fix a code along the walk, e.g. c1=3."),
    ] = None,
    truncation: TruncationOpt = None,
    output: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            help="walk.gif (animated), walk.png (a strip, one row per walk; or .jpg, .webp) or '-' (stdout).",
        ),
    ] = "walk.png",
    fmt: Annotated[
        str | None, typer.Option("--format", help="png or gif; for '-o -' (default png).")
    ] = None,
    fps: Annotated[
        float, typer.Option("--frames-per-second", "--fps", help="GIF frame rate.")
    ] = 8.0,
    save_latents: Annotated[
        str | None, typer.Option(help="Write every frame's latent (.safetensors or .npy).")
    ] = None,
    ema: Annotated[bool, typer.Option("--ema/--no-ema", help="Use the EMA generator.")] = True,
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    json: JsonOpt = False,
) -> None:
    """Walks in latent space as a PNG strip or an animated GIF, as DCGAN showed them.

    Between two seeds (--from/--to), through several (--through), through saved latents
    (--latents), N random walks (-n), or from one seed along a concept direction
    (--from 42 --towards 'glasses man - man'). Conditional and InfoGAN checkpoints can walk one code
    with the noise fixed (--walk class, --walk c2)."""
    import torch

    from gancli.engine.device import resolve_device
    from gancli.engine.model import load_model
    from gancli.latent.codes import parse_assignment, set_code
    from gancli.latent.io import load_latents
    from gancli.latent.io import save_latents as write_latents
    from gancli.latent.priors import seeded_latents
    from gancli.latent.walks import apply_truncation, default_method
    from gancli.render import grid, save_gif, save_image, still_format, to_uint8_images
    from gancli.store.locate import resolve

    if fmt is not None and fmt.lower() not in ("png", "gif"):
        raise GanError(f"--format {fmt}: use png or gif")
    if output == "-":
        kind = (fmt or "png").lower()
    else:
        kind = "gif" if output.lower().endswith(".gif") else "png"
        if kind == "png":
            still_format(output, also=".gif")
        if fmt is not None and fmt.lower() != kind:
            raise GanError(f"--format {fmt} does not match -o {output}; leave --format out")
    if json and output == "-":
        raise GanError("--json and -o - both want stdout; pick one")
    if walks < 1:
        raise GanError("-n must be at least 1")
    if not (math.isfinite(fps) and fps > 0):
        raise GanError(f"--frames-per-second must be a number above 0; got {fps}")
    sources = [from_ is not None or to is not None, through is not None, latents is not None]
    if sum(sources) > 1:
        raise GanError("pick one of --from/--to, --through and --latents")
    if walks > 1 and sum(sources):
        raise GanError("-n draws random walks; --from/--to, --through and --latents make one walk")
    if towards is not None:
        if to is not None or through is not None or latents is not None or walk is not None:
            raise GanError(
                "--towards walks from one seed (--from): leave out --to, --through, --latents and --walk"
            )
        return _towards(
            ckpt,
            towards,
            seed if from_ is None else from_,
            steps,
            output,
            kind,
            fps,
            ema,
            device,
            json,
        )
    if (from_ is None) != (to is None):
        raise GanError("--from and --to go together")

    model = load_model(resolve(ckpt), resolve_device(device))
    variant = model.variant
    if model.spec["kind"] != "image":
        raise GanError("interpolate renders images; this checkpoint makes 2-D points")
    hyper = variant.hyper
    method = method or default_method(hyper.prior)
    codes = variant.latent_codes
    k = int(variant.num_classes) if variant.conditional else 0
    if class_ is not None and not k:
        raise GanError(f"--class needs a conditional checkpoint; this one is {variant.name}")

    def fixed(z: torch.Tensor) -> torch.Tensor:
        for text in code or []:
            set_code(z, hyper.z_dim, codes, *parse_assignment(text))
        return z

    def room_for(frames: int) -> None:  # every frame is held at once for the picture
        check_fits_in_memory(
            frames, variant.latent_size, model.spec["shape"], "use fewer --steps",
            images=True, where=output, what="frames",
        )  # fmt: skip

    labels: torch.Tensor | None = None  # (rows * frames, K) soft one-hot for conditional
    if walk is not None:
        if sum(sources):
            raise GanError("--walk keeps the noise fixed: it takes -n and --seed, not other points")
        room_for(walks * steps)  # at least this many: a code walk has a leg or more per row
        seeds = list(range(seed, seed + walks))
        base = fixed(
            apply_truncation(seeded_latents(variant, seeds), truncation, hyper.prior, hyper.z_dim)
        )
        rows_z, rows_y = _code_walk(variant, model.spec, base, walk, walk_range, steps, loop)
        frames = torch.stack(rows_z)
        if rows_y is not None:
            labels = torch.stack(rows_y).reshape(-1, k)
    else:
        if latents is not None:
            rows = [load_latents(latents, variant.latent_size)]
        elif through is not None:
            rows = [seeded_latents(variant, _ints(through, "--through"))]
        elif from_ is not None:
            rows = [seeded_latents(variant, [from_, to])]
        else:
            rows = [seeded_latents(variant, [seed + 2 * i, seed + 2 * i + 1]) for i in range(walks)]
        rows = [fixed(apply_truncation(r, truncation, hyper.prior, hyper.z_dim)) for r in rows]
        legs = sum(max(1, len(r) - 1 + int(loop)) for r in rows)
        room_for(legs * steps)
        frames = torch.stack([_walk(r, steps, method, loop, hyper.z_dim) for r in rows])
        if k:
            first = int(_ints(through, "--through")[0]) if through else (from_ or seed)
            c = class_index(class_, model.spec) if class_ is not None else first % k
            labels = torch.nn.functional.one_hot(
                torch.full((frames.shape[0] * frames.shape[1],), c), k
            ).float()
    n_rows, n_frames = frames.shape[:2]
    z = frames.reshape(n_rows * n_frames, -1)
    from gancli.reporting import report

    parts = []
    for i in range(0, len(z), 64):  # in parts, so that a long walk shows its progress
        report("drawing frames", i, len(z))
        y = None if labels is None else labels[i : i + 64]
        parts.append(model.sample(z[i : i + 64], y, ema=ema).cpu())
    report("drawing frames", len(z), len(z))
    x = torch.cat(parts)
    images = to_uint8_images(x)
    if kind == "png":
        save_image(grid(images, nrow=n_frames), output)
    else:
        per_frame = images.reshape(n_rows, n_frames, *images.shape[1:]).transpose(1, 0, 2, 3, 4)
        side = max(1, math.ceil(math.sqrt(n_rows)))
        save_gif([grid(f, nrow=side) for f in per_frame], output, fps=fps, loop=True)
    if save_latents:
        write_latents(save_latents, z, prior=hyper.prior)
    if json:
        import json as _json

        print(
            _json.dumps(
                {
                    "checkpoint": str(resolve(ckpt)),
                    "walks": n_rows,
                    "frames": n_frames,
                    "method": method,
                    "output": output,
                }
            )
        )
    elif output != "-":
        info(f"wrote {output} ({n_rows} walk(s) x {n_frames} frames, {method})")


def _towards(
    ckpt: str, expression: str, start: int, steps: int, output: str, kind: str, fps: float,
    ema: bool, device: str, json: bool,
) -> None:  # fmt: skip
    """Frames from seed `start` to seed `start` + the expression, evenly spaced (a straight
    line: the direction is a difference of concept means)."""
    import torch

    from gancli.cli.concept import open_concepts
    from gancli.latent.expr import parse
    from gancli.render import grid, save_gif, save_image, to_uint8_images

    if steps < 2:
        raise GanError("--steps must be at least 2")
    model, store, path = open_concepts(ckpt, device)
    terms = parse(expression, store.names)
    direction, dy = store.combine([(t.name, t.weight) for t in terms], model.variant)
    base, y = store.combine([(f"seed:{start}", 1.0)], model.variant)
    t = torch.linspace(0, 1, steps)[:, None]
    z = base[None] + t * direction[None]
    ys = None if y is None else (y[None] + t * dy[None]).clamp(0, 1)
    images = to_uint8_images(model.sample(z, ys, ema=ema).cpu())
    if kind == "png":
        save_image(grid(images, nrow=steps), output)
    else:
        save_gif([grid(f[None], nrow=1) for f in images], output, fps=fps, loop=True)
    if json:
        import json as _json

        print(
            _json.dumps(
                {
                    "checkpoint": str(path),
                    "from": start,
                    "towards": expression,
                    "frames": steps,
                    "output": output,
                }
            )
        )
    elif output != "-":
        info(f"wrote {output} ({steps} frames from seed {start} towards {expression!r})")


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
            stops = _ints(walk_range, "--walk-range")
            if len(stops) != 2 or not all(0 <= s < count for s in stops):
                raise GanError(
                    f"--walk-range for {walk} takes FROM,TO categories in 0..{count - 1}"
                )
        values = torch.eye(count)[stops]
    else:
        lo, hi = -1.0, 1.0
        if walk_range:
            try:
                lo, hi = (float(v) for v in walk_range.split(","))
            except ValueError as e:
                raise GanError(f"--walk-range takes LO,HI like -1,1; got {walk_range!r}") from e
        values = torch.tensor([[lo], [hi]])
    track = _walk(values, steps, "lerp", loop, values.shape[1])
    rows = []
    for row in base:
        r = row.expand(len(track), -1).clone()
        r[:, where] = track
        rows.append(r)
    return rows, None
