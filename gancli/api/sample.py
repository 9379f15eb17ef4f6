"""Drawing samples from a checkpoint into files: a grid, one PNG each, an array, or PNG bytes
on stdout. `gan sample` is this with flags; Python callers fill `SampleOptions` themselves.

    from gancli.api.sample import SampleOptions, sample
    result = sample("mnist5k-dcgan", SampleOptions(n=16, output="grid.png"))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gancli.errors import GanError
from gancli.optionspec import (
    at_least,
    device_option,
    ema_option,
    option,
    parse_range,
    seed_option,
    truncation_option,
)

ROW_DEFAULT = 8  # samples per row when rows are classes or sweep values


@dataclass
class SampleOptions:
    n: int | None = option(
        None,
        "-n",
        "--num",
        help="How many samples (per row with --class all / --sweep). Default 64 (8 per row).",
    )
    output: str | None = option(
        None,
        "--output",
        "-o",
        help="grid.png (or .jpg, .webp), '-' (PNG on stdout) or samples.npy (float32 NCHW in "
        "[-1, 1], or (N, 2) points).",
    )
    out_dir: Path | None = option(None, help="Write one PNG per sample here, named by seed.")
    nrow: int | None = option(None, help="Images per grid row (default: square).")
    ema: bool = ema_option()
    class_: str | None = option(
        None,
        "--class",
        help="Conditional checkpoints: a class name or index, or 'all' for one row per class.",
    )
    text: list[str] | None = option(
        None,
        "--text",
        help="Text-to-image checkpoints (gancls): draw what this caption says, -n samples; "
        "several --text give one row each.",
    )
    code: list[str] | None = option(
        None,
        "--code",
        help="InfoGAN checkpoints: fix a latent code, e.g. --code c1=3 --code c2=0.5.",
    )
    sweep: str | None = option(None, help="InfoGAN checkpoints: vary this code across rows.")
    sweep_steps: int = option(10, help="Rows of a continuous --sweep.")
    sweep_range: str = option("-1,1", help="Range of a continuous --sweep, LO,HI.")
    latents: Path | None = option(
        None, help="Read exact latents (.safetensors with 'z', or .npy) instead of drawing them."
    )
    save_latents: str | None = option(None, help="Write the latents used (.safetensors or .npy).")
    truncation: float | None = truncation_option()
    label_seeds: bool = option(
        False,
        "--label-seeds",
        help="Draw each sample's seed number on its tile, to pick exemplars for gan concept add.",
    )
    batch_size: int = option(256, help="Samples per forward pass.")
    workers: int | None = option(
        None,
        help="--out-dir: worker processes that write the PNGs (on a CPU each also runs the "
        "generator for its batches; on a GPU this process generates). Default: one per core "
        "for 1,024 images or more; 0: all in this process.",
    )
    seed: int = seed_option()
    seeds: str | None = option(
        None,
        "--seeds",
        help="Exactly these seeds, as a list and ranges: 3,9,14 or 0-35 (instead of -n and --seed).",
    )
    device: str = device_option()
    from_discriminator: bool = option(
        False,
        "--from-discriminator",
        help="Make the images with D alone: climb D's score from --d-start (ebgan, began, wgan, "
        "wgan-gp; gancli.api.ascend says how).",
    )
    d_start: str = option(
        "noise", help="--from-discriminator: start from noise (uniform) or generator (G's samples)."
    )
    d_steps: int = option(200, help="--from-discriminator: gradient steps on D's score.")
    d_step_size: float = option(
        0.02, help="--from-discriminator: pixels per step (the gradient divided by its RMS)."
    )
    d_noise: float = option(
        0.0,
        help="--from-discriminator: std of the Gaussian noise added each step (Langevin-style; "
        "0: plain gradient ascent).",
    )
    chosen: list[int] | None = field(default=None, init=False)

    def check(self) -> None:
        """Refuse contradictory or out-of-range options before anything is loaded."""
        from gancli.render import still_format

        if self.n is not None and self.n < 1:
            raise GanError("-n must be at least 1")
        if self.seeds is not None:
            from gancli.latent.priors import parse_seeds

            if self.n is not None or self.seed != 0 or self.latents is not None:
                raise GanError("--seeds names every sample: leave out -n, --seed and --latents")
            self.chosen = parse_seeds(self.seeds, "--seeds")
            self.n = len(self.chosen)
        at_least(self.nrow, 1, "--nrow")
        self._check_ascent()
        if self.output is None and self.out_dir is None:
            self.output = "samples.png"
        if self.output is not None and not self.output.lower().endswith(".npy"):
            still_format(self.output, also=".npy")

    def _check_ascent(self) -> None:
        import math

        from gancli.api.ascend import STARTS

        if self.d_start not in STARTS:
            raise GanError(f"--d-start must be one of: {', '.join(STARTS)}; got {self.d_start!r}")
        at_least(self.d_steps, 0, "--d-steps")
        if not (math.isfinite(self.d_step_size) and self.d_step_size > 0):
            raise GanError(f"--d-step-size must be a number above 0; got {self.d_step_size}")
        if not (math.isfinite(self.d_noise) and self.d_noise >= 0):
            raise GanError(f"--d-noise must be 0 or more; got {self.d_noise}")


@dataclass
class SampleResult:
    checkpoint: str
    n: int
    outputs: list[str]
    # --from-discriminator: what D's score means, and its mean over the images at the start
    # and at the end of the ascent
    score: dict[str, Any] | None = None


def _rows(model: Any, opts: SampleOptions, batch: Any) -> tuple[Any, int]:
    """--class all / --sweep: the same latents once per class or sweep value, one row each."""
    import torch

    from gancli.latent.codes import set_code, sweep_values
    from gancli.latent.draw import Draw

    variant, z_dim = model.variant, model.variant.hyper.z_dim
    zs, ls = [], []
    if opts.sweep is not None:
        lo, hi = parse_range(opts.sweep_range, "--sweep-range")
        codes = variant.latent_codes
        for v in sweep_values(z_dim, codes, opts.sweep, opts.sweep_steps, lo, hi):
            row = batch.z.clone()
            set_code(row, z_dim, codes, opts.sweep, v)
            zs.append(row)
            ls.append(batch.labels)
    else:
        for c in range(variant.num_classes):
            zs.append(batch.z)
            ls.append(torch.full((len(batch),), c))
    labels = None if ls[0] is None else torch.cat(ls)
    seeds = [s for _ in zs for s in batch.seeds]
    return Draw(torch.cat(zs), labels, seeds), len(batch.seeds)


def _text_rows(model: Any, opts: SampleOptions, batch: Any) -> tuple[Any, int]:
    """--text: the same latents once per caption, one row each."""
    import torch

    from gancli.latent.draw import Draw

    variant = model.variant
    if not variant.text:
        raise GanError(
            f"--text needs a text-to-image checkpoint (gancls); this one is {variant.name}"
        )
    if opts.class_ is not None or opts.sweep is not None:
        raise GanError("--text makes its own rows: leave out --class and --sweep")
    phi = variant.embed(list(opts.text or [])).cpu()
    n = len(batch)
    labels = torch.cat([row.expand(n, -1) for row in phi])
    z = batch.z.repeat(len(phi), 1)
    return Draw(z, labels, [s for _ in phi for s in batch.seeds]), n


def _draw(model: Any, opts: SampleOptions, cols: int) -> Any:
    from gancli.latent.codes import parse_assignment
    from gancli.latent.draw import class_index, draw
    from gancli.latent.io import load_latents

    variant = model.variant
    classes = None
    if opts.class_ is not None and opts.class_ != "all":
        classes = class_index(opts.class_, model.spec)
    codes = [parse_assignment(t) for t in opts.code or []]
    if opts.latents is not None:
        z = load_latents(opts.latents, variant.latent_size)
        return draw(variant, latents=z, codes=codes, classes=classes, truncation=opts.truncation)
    seeds = opts.chosen if opts.chosen is not None else range(opts.seed, opts.seed + cols)
    return draw(variant, seeds=seeds, codes=codes, classes=classes, truncation=opts.truncation)


def _write_still(model: Any, opts: SampleOptions, x: Any, seeds: list[int], nrow: Any) -> None:
    import numpy as np

    from gancli.render import grid, labelled, picture, save_image, to_uint8_images

    out = str(opts.output)
    if out.lower().endswith(".npy"):
        with open(out, "wb") as f:  # np.save(name) would add .npy to "X.NPY"
            np.save(f, x.numpy().astype(np.float32))
    elif opts.label_seeds:
        if model.spec["kind"] != "image":
            raise GanError("--label-seeds labels image tiles; this model makes 2-D points")
        save_image(grid(labelled(to_uint8_images(x), [str(s) for s in seeds]), nrow), out)
    else:
        save_image(picture(x, model.spec, nrow), out)


def sample(ckpt: str, opts: SampleOptions) -> SampleResult:
    """Sample i uses the latent of seed SEED+i (and, for a conditional checkpoint without a
    class, class (SEED+i) mod K); see `gancli.latent.draw`."""
    from gancli.api.pngs import write_pngs
    from gancli.engine.batcher import check_fits_in_memory
    from gancli.engine.device import resolve_device
    from gancli.engine.model import load_model
    from gancli.latent.io import save_latents
    from gancli.store.locate import resolve

    opts.check()
    source = resolve(ckpt)
    model = load_model(source, resolve_device(opts.device))
    variant = model.variant
    if opts.class_ is not None and not variant.conditional:
        raise GanError(
            f"--class needs a conditional checkpoint (cgan, acgan); this one is {variant.name}"
        )
    if opts.class_ == "all" and opts.sweep:
        raise GanError("--class all and --sweep both make rows: pick one")
    rows_mode = opts.class_ == "all" or opts.sweep is not None or bool(opts.text)
    cols = opts.n or (ROW_DEFAULT if rows_mode else 64)
    # (The rows of --class all and --sweep are a handful: cols is the count that matters.)
    check_fits_in_memory(
        cols,
        variant.latent_size,
        model.spec["shape"],
        "write them one file each with --out-dir DIR"
        if opts.output is not None
        else "make them in parts: -n M --seed 0, -n M --seed M, ...",
        images=opts.output is not None,
        where=opts.output,
    )
    batch = _draw(model, opts, cols)
    nrow, per_row = opts.nrow, None
    if opts.text:
        batch, per_row = _text_rows(model, opts, batch)
        nrow = nrow or per_row
    elif rows_mode:
        batch, per_row = _rows(model, opts, batch)
        nrow = nrow or per_row
    at_least(opts.batch_size, 1, "--batch-size")
    # --out-dir alone streams: batches are generated and encoded as they come, never all held.
    x, score = None, None
    if opts.from_discriminator:
        x, score = _from_discriminator(model, opts, batch)
    elif opts.output is not None:
        x = model.sample(batch.z, batch.labels, ema=opts.ema, batch=opts.batch_size).cpu()
    if opts.save_latents:
        save_latents(opts.save_latents, batch.z, prior=variant.hyper.prior)
    written = []
    if opts.output is not None:
        _write_still(model, opts, x, batch.seeds, nrow)
        written.append(opts.output)
    if opts.out_dir is not None:
        names = [
            f"row{i // per_row:02d}_{s:06d}.png" if per_row else f"{s:06d}.png"
            for i, s in enumerate(batch.seeds)
        ]
        write_pngs(
            model, source, batch, names, opts.out_dir, opts.ema, opts.batch_size, opts.workers, x
        )
        written.append(str(opts.out_dir))
    return SampleResult(str(source), len(batch), written, score)


def _from_discriminator(model: Any, opts: SampleOptions, batch: Any) -> tuple[Any, dict]:
    """The images D's score leads to from the batch's noise or G's samples."""
    from gancli.api.ascend import ascend, check_scorer, noise_images

    check_scorer(model)
    if opts.d_start == "noise":
        start = noise_images(batch.seeds, model.spec["shape"])
    else:
        start = model.sample(batch.z, batch.labels, ema=opts.ema, batch=opts.batch_size)
    got = ascend(model, start, opts.d_steps, opts.d_step_size, opts.d_noise, opts.seed)

    def mean(v: list[float]) -> float:
        return sum(v) / len(v)

    score = {
        "meaning": model.variant.score,
        "start": mean(got.start_score),
        "end": mean(got.end_score),
    }
    return got.images, score
