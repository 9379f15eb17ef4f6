"""Many PNGs fast: encoding in worker processes while the generator runs.

`write_pngs` writes one PNG per latent; on a CPU the workers also run the generator (each on
its own batches, one thread each), on a GPU this process generates and they only encode.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from gancli.errors import GanError

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


def write_pngs(
    model: Any,
    source: str | Path,
    batch: Any,
    names: list[str],
    out_dir: Path,
    ema: bool = True,
    batch_size: int = 256,
    workers: int | None = None,
    images: Any = None,
) -> None:
    """One PNG per row of `batch` (a `gancli.latent.draw.Draw`) into `out_dir`, named `names`.
    `images`: the samples, when already generated; else they are generated batch by batch as
    they are encoded, never all held."""
    if model.spec["kind"] != "image":
        raise GanError("--out-dir writes one PNG per image; this model makes 2-D points: use -o")
    from gancli.render import to_uint8_images

    out_dir.mkdir(parents=True, exist_ok=True)
    pool = png_workers(len(batch), workers)
    generate_there = pool > 0 and images is None and model.variant.device.type == "cpu"

    def jobs():
        for i in range(0, len(batch), batch_size):
            part = slice(i, i + batch_size)
            z, y = batch.z[part], None if batch.labels is None else batch.labels[part]
            if generate_there:
                y = None if y is None else y.numpy()
                yield sample_pngs, (str(source), ema, str(out_dir), names[part], z.numpy(), y)
                continue
            x = (
                images[part]
                if images is not None
                else model.sample(z, y, ema=ema, batch=batch_size)
            )
            yield encode_pngs, (str(out_dir), names[part], to_uint8_images(x))

    run_jobs(jobs(), pool, total=len(names))
