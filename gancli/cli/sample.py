"""`gan sample CKPT`: draw samples as a grid, one PNG each, an array, or PNG on stdout."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
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

ROW_DEFAULT = 8  # samples per row when rows are classes or sweep values


@shows_progress
def sample(
    ckpt: CkptArg,
    n: Annotated[
        int | None,
        typer.Option(
            "-n",
            "--num",
            help="How many samples (per row with --class all / --sweep). Default 64 (8 per row).",
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="grid.png (or .jpg, .webp), '-' (PNG on stdout) or samples.npy (float32 NCHW in [-1, 1], or (N, 2) points).",
        ),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option(help="Write one PNG per sample here, named by seed.")
    ] = None,
    nrow: Annotated[int | None, typer.Option(help="Images per grid row (default: square).")] = None,
    ema: Annotated[bool, typer.Option("--ema/--no-ema", help="Use the EMA generator.")] = True,
    class_: Annotated[
        str | None,
        typer.Option(
            "--class",
            help="Conditional checkpoints: a class name or index, or 'all' for one row per class.",
        ),
    ] = None,
    code: Annotated[
        list[str] | None,
        typer.Option(
            "--code", help="InfoGAN checkpoints: fix a latent code, e.g. --code c1=3 --code c2=0.5."
        ),
    ] = None,
    sweep: Annotated[
        str | None, typer.Option(help="InfoGAN checkpoints: vary this code across rows.")
    ] = None,
    sweep_steps: Annotated[int, typer.Option(help="Rows of a continuous --sweep.")] = 10,
    sweep_range: Annotated[
        str, typer.Option(help="Range of a continuous --sweep, LO,HI.")
    ] = "-1,1",
    latents: Annotated[
        Path | None,
        typer.Option(
            help="Read exact latents (.safetensors with 'z', or .npy) instead of drawing them."
        ),
    ] = None,
    save_latents: Annotated[
        str | None, typer.Option(help="Write the latents used (.safetensors or .npy).")
    ] = None,
    truncation: TruncationOpt = None,
    label_seeds: Annotated[
        bool,
        typer.Option(
            "--label-seeds",
            help="Draw each sample's seed number on its tile, to pick exemplars for gan concept add.",
        ),
    ] = False,
    batch_size: Annotated[int, typer.Option(help="Samples per forward pass.")] = 256,
    workers: Annotated[
        int | None,
        typer.Option(
            help="--out-dir: worker processes that write the PNGs (on a CPU each also runs the "
            "generator for its batches; on a GPU this process generates). Default: one per "
            "core for 1,024 images or more; 0: all in this process."
        ),
    ] = None,
    seed: SeedOpt = 0,
    seed_list: Annotated[
        str | None,
        typer.Option(
            "--seeds",
            help="Exactly these seeds, as a list and ranges: 3,9,14 or 0-35 (instead of -n "
            "and --seed).",
        ),
    ] = None,
    device: DeviceOpt = "auto",
    json: JsonOpt = False,
) -> None:
    """Draw samples from a trained generator.

    Sample i uses the latent of seed SEED+i (and, for a conditional checkpoint without
    --class, class (SEED+i) mod K)."""
    import numpy as np
    import torch

    from gancli.engine.device import resolve_device
    from gancli.engine.model import load_model
    from gancli.latent.codes import parse_assignment, set_code, sweep_values
    from gancli.latent.io import load_latents
    from gancli.latent.io import save_latents as write_latents
    from gancli.latent.priors import seeded_latents
    from gancli.latent.walks import apply_truncation
    from gancli.render import grid, labelled, picture, save_image, still_format, to_uint8_images
    from gancli.store.locate import resolve

    if n is not None and n < 1:
        raise GanError("-n must be at least 1")
    chosen = None
    if seed_list is not None:
        from gancli.latent.priors import parse_seeds

        if n is not None or seed != 0 or latents is not None:
            raise GanError("--seeds names every sample: leave out -n, --seed and --latents")
        chosen = parse_seeds(seed_list, "--seeds")
        n = len(chosen)
    if nrow is not None and nrow < 1:
        raise GanError(f"--nrow must be at least 1; got {nrow}")
    if output is None and out_dir is None:
        output = "samples.png"
    if json and output == "-":
        raise GanError("--json and -o - both want stdout; pick one")
    if output is not None and not output.lower().endswith(".npy"):
        still_format(output, also=".npy")
    source = resolve(ckpt)
    model = load_model(source, resolve_device(device))
    variant = model.variant
    if (class_ is not None) and not variant.conditional:
        raise GanError(
            f"--class needs a conditional checkpoint (cgan, acgan); this one is {variant.name}"
        )
    if class_ == "all" and sweep:
        raise GanError("--class all and --sweep both make rows: pick one")
    rows_mode = class_ == "all" or sweep is not None
    cols = n or (ROW_DEFAULT if rows_mode else 64)
    # (The rows of --class all and --sweep are a handful: cols is the count that matters.)
    check_fits_in_memory(
        cols,
        variant.latent_size,
        model.spec["shape"],
        "write them one file each with --out-dir DIR"
        if output is not None
        else "make them in parts: -n M --seed 0, -n M --seed M, ...",
        images=output is not None,
        where=output,
    )

    if latents is not None:
        z = load_latents(latents, variant.latent_size)
        seeds = list(range(len(z)))
    else:
        seeds = chosen if chosen is not None else list(range(seed, seed + cols))
        z = seeded_latents(variant, seeds)
    z_dim = variant.hyper.z_dim
    z = apply_truncation(z, truncation, variant.hyper.prior, z_dim)
    for text in code or []:
        set_code(z, z_dim, variant.latent_codes, *parse_assignment(text))

    labels = None
    if variant.conditional:
        k = variant.num_classes
        labels = torch.tensor([s % k for s in seeds])
        if class_ is not None and class_ != "all":
            labels = torch.full((len(z),), class_index(class_, model.spec))
    if rows_mode:
        zs, ls = [], []
        if sweep is not None:
            lo, hi = _range(sweep_range)
            for v in sweep_values(z_dim, variant.latent_codes, sweep, sweep_steps, lo, hi):
                row = z.clone()
                set_code(row, z_dim, variant.latent_codes, sweep, v)
                zs.append(row)
                ls.append(labels)
        else:
            for c in range(variant.num_classes):
                zs.append(z)
                ls.append(torch.full((len(z),), c))
        z = torch.cat(zs)
        labels = None if ls[0] is None else torch.cat(ls)
        nrow = nrow or len(seeds)
        seeds = [s for _ in zs for s in seeds]

    if batch_size < 1:
        raise GanError("--batch-size must be at least 1")
    # --out-dir alone streams: batches are generated and encoded as they come, never all held.
    x = model.sample(z, labels, ema=ema, batch=batch_size).cpu() if output is not None else None
    if save_latents:
        write_latents(save_latents, z, prior=variant.hyper.prior)
    written = []
    if output is not None:
        if output.lower().endswith(".npy"):
            with open(output, "wb") as f:  # np.save(name) would add .npy to "X.NPY"
                np.save(f, x.numpy().astype(np.float32))
        else:
            if label_seeds:
                if model.spec["kind"] != "image":
                    raise GanError("--label-seeds labels image tiles; this model makes 2-D points")
                tiles = labelled(to_uint8_images(x), [str(s) for s in seeds])
                save_image(grid(tiles, nrow), output)
            else:
                save_image(picture(x, model.spec, nrow), output)
        written.append(output)
    if out_dir is not None:
        if model.spec["kind"] != "image":
            raise GanError(
                "--out-dir writes one PNG per image; this model makes 2-D points: use -o"
            )
        if rows_mode:
            per_row = len(set(seeds))
            names = [f"row{i // per_row:02d}_{s:06d}.png" for i, s in enumerate(seeds)]
        else:
            names = [f"{s:06d}.png" for s in seeds]
        out_dir.mkdir(parents=True, exist_ok=True)
        pool = png_workers(len(z), workers)
        # On a CPU the workers also run the generator, each on its own batches with one thread:
        # generating here would leave the cores to share between this process's threads and
        # the encoders. On a GPU this process generates and the workers only encode.
        generate_there = pool > 0 and x is None and model.variant.device.type == "cpu"

        def jobs():
            for i in range(0, len(z), batch_size):
                part = slice(i, i + batch_size)
                y = None if labels is None else labels[part]
                if generate_there:
                    y = None if y is None else y.numpy()
                    yield (
                        sample_pngs,
                        (str(source), ema, str(out_dir), names[part], z[part].numpy(), y),
                    )
                    continue
                images = (
                    x[part]
                    if x is not None
                    else model.sample(z[part], y, ema=ema, batch=batch_size)
                )
                yield encode_pngs, (str(out_dir), names[part], to_uint8_images(images))

        run_jobs(jobs(), pool, total=len(names))
        written.append(str(out_dir))
    if json:
        import json as _json

        print(
            _json.dumps(
                {
                    "checkpoint": str(resolve(ckpt)),
                    "n": len(z),
                    "seed": seed,
                    "ema": ema,
                    "outputs": written,
                }
            )
        )
    elif output != "-":
        info(f"wrote {', '.join(written)} ({len(z)} samples)")


def _range(text: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError as e:
        raise GanError(f"--sweep-range takes LO,HI like -1,1; got {text!r}") from e
    return lo, hi


# ---- many PNGs fast: encoding in worker processes while the generator runs -------------------

PARALLEL_FROM = 1024  # fewer images than this are written here: starting workers costs more


def encode_pngs(out_dir: str | Path, names: list[str], images: Any) -> int:
    """Write uint8 (N, H, W, C) images as PNGs named `names` into `out_dir` (a worker's job)."""
    from PIL import Image

    out_dir = Path(out_dir)
    for name, img in zip(names, images):
        Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img).save(out_dir / name)
    return len(names)


_WORKER_MODELS: dict[str, Any] = {}  # a worker process's loaded checkpoints


def sample_pngs(source: str, ema: bool, out_dir: str, names: list[str], z: Any, labels: Any) -> int:
    """Generate the images of latents `z` (and class `labels`) from checkpoint `source` on the
    CPU, then write them as PNGs (a worker's job; the model is loaded once per worker)."""
    import torch

    from gancli.engine.model import load_model
    from gancli.render import to_uint8_images

    model = _WORKER_MODELS.get(source)
    if model is None:
        torch.set_num_threads(1)  # one worker per core: more threads would only contend
        model = _WORKER_MODELS[source] = load_model(source, "cpu")
    y = None if labels is None else torch.from_numpy(labels)
    x = model.sample(torch.from_numpy(z), y, ema=ema, batch=len(z))
    return encode_pngs(out_dir, names, to_uint8_images(x))


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def png_workers(n: int, workers: int | None) -> int:
    """Worker processes for n images: --workers, else one per core from PARALLEL_FROM on."""
    if workers is None:
        return default_workers() if n >= PARALLEL_FROM else 0
    if workers < 0:
        raise GanError("--workers must be 0 or more")
    return workers


def run_jobs(
    jobs: Iterable[tuple[Callable[..., int], tuple[Any, ...]]], workers: int, total: int = 0
) -> None:
    """Run each (function, args) job as it comes: here, or in a pool of `workers` processes
    (PNG encoding is CPU-bound Python + zlib, so threads would queue on the GIL for small
    images) while this process prepares the next ones; at most two jobs per worker wait in
    the queue, so memory stays bounded whatever the number of images. Each job returns how
    many images it wrote; with `total`, progress is reported as they land."""
    from gancli.reporting import report

    written = 0

    def landed(count: int) -> None:
        nonlocal written
        written += count
        if total:
            report("writing PNGs", written, total)

    if workers == 0:
        for fn, args in jobs:
            landed(fn(*args))
        return
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    # spawn, not fork: this process holds torch and its thread pools.
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        pending: set[Any] = set()
        try:
            for fn, args in jobs:
                if len(pending) >= 2 * workers:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for f in done:
                        landed(f.result())
                pending.add(pool.submit(fn, *args))
            for f in pending:
                landed(f.result())
        except BaseException:
            for f in pending:
                f.cancel()
            raise
