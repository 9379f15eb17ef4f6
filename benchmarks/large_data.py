"""A data set larger than memory: how long the cache build takes, how much memory it needs, and
how fast batches come out of the memory-mapped cache in global and in block order.

    python benchmarks/large_data.py                    # 200,000 PNGs at 64x64; writes docs
    python benchmarks/large_data.py --n 20000 --threads 1 --no-write

Steps, each in its own process (so that one's memory never mixes with another's):

1. A synthetic folder of `--n` PNGs (procedural `shapes` images at `--size`, written by
   several processes) under `--work` (default /tmp); kept and reused on the next run.
2. Cache build, cold: an empty gancli cache, and the PNGs dropped from the OS page cache
   first where the OS allows it (posix_fadvise). Wall time of `load_data`, and the peak
   memory of the process: ru_maxrss (exact) and the RSS/PSS that this process samples.
   A cache hit (the same load again) gives the baseline: imports and an open memory map.
3. Batcher: `Batcher(data, 128, cpu, flip=True)` under GANCLI_SHUFFLE=global and =blocks;
   the cache file is dropped from the page cache, then the first `--batches` batches are
   timed (cold: the file comes from disk) and the next `--batches` (steady), with the bytes
   the process read from storage (/proc/self/io); `--repeats` processes per order, in turn,
   and the median.
4. Training: `gan train dcgan --data FOLDER --steps S --batch-size 128` under each order;
   images/s between the metrics records at the warm-up step and the last step.

The two orders differ in steady rate only when the cache file is larger than the page cache
can hold: 200,000 images at 64x64 are 2.3 GiB, less than most machines' RAM; `--size 256`
makes them 37 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    MIB,
    cpu_cores,
    machine_summary,
    markdown_table,
    run_measured,
    tail,
    text_table,
    today,
    write_section,
)

REPO = Path(__file__).resolve().parent.parent
SECTION = "large_data"
BATCH = 128
ORDERS = ("global", "blocks")
# gancli.engine.batcher.WINDOW_BLOCKS and gancli.data.folder.CHUNK_BYTES, written out here
# because importing them would import torch, and this process stays small.
WINDOW, CHUNK_MIB = 4, 64
FILES_PER_TASK = 500


# ---- the synthetic folder --------------------------------------------------------------------


def _write_pngs(task: tuple[str, int, int, int]) -> int:
    """Write images [start, end) of the set as PNGs (one process of the pool)."""
    from PIL import Image

    from gancli.data.shapes import make_shapes

    folder, start, end, size = task
    x = make_shapes(end - start, size, seed=start).x
    for i, img in enumerate(x, start):
        Image.fromarray(img.transpose(1, 2, 0)).save(Path(folder) / f"{i:07d}.png")
    return end - start


def make_folder(work: Path, n: int, size: int, writers: int) -> tuple[Path, float | None]:
    """`n` PNGs in one flat folder (no class sub-folders); reused when already complete.
    Returns the folder and the seconds it took to write (None when reused)."""
    folder = work / f"png-{n}-{size}"
    stamp = work / f"png-{n}-{size}.json"
    manifest = {"n": n, "size": size, "content": "shapes", "seed": "start index"}
    if folder.is_dir() and stamp.exists() and json.loads(stamp.read_text()) == manifest:
        return folder, None
    shutil.rmtree(folder, ignore_errors=True)
    stamp.unlink(missing_ok=True)
    folder.mkdir(parents=True)
    tasks = [
        (str(folder), s, min(n, s + FILES_PER_TASK), size) for s in range(0, n, FILES_PER_TASK)
    ]
    t = time.perf_counter()
    done = 0
    with ProcessPoolExecutor(max_workers=writers) as pool:
        for k in pool.map(_write_pngs, tasks):
            done += k
            if done % 20_000 < FILES_PER_TASK:
                print(f"  wrote {done:,} / {n:,} PNGs", flush=True)
    took = time.perf_counter() - t
    stamp.write_text(json.dumps(manifest))
    return folder, took


def folder_bytes(folder: Path) -> int:
    return sum(e.stat().st_size for e in os.scandir(folder) if e.is_file())


def evict(paths: list[Path]) -> bool:
    """Drop the files' pages from the OS page cache (Linux; clean pages only, so dirty data
    is written back first). Returns whether the OS offers it."""
    if not hasattr(os, "posix_fadvise"):
        return False
    os.sync()
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    return True


def storage_read_bytes() -> int | None:
    """Bytes this process has caused to be read from storage (Linux /proc/self/io)."""
    try:
        for line in Path("/proc/self/io").read_text().splitlines():
            if line.startswith("read_bytes:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def max_rss_bytes() -> int | None:
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


# ---- the child processes ---------------------------------------------------------------------


def child_load(a: argparse.Namespace) -> dict:
    """Load the folder (a cold build or a cache hit, as the cache folder decides)."""
    from gancli.data import load_data

    t = time.perf_counter()
    ds = load_data(a.data, image_size=a.size)
    took = time.perf_counter() - t
    return {
        "load_s": took,
        "count": len(ds),
        "shape": list(ds.x.shape),
        "skipped": len(ds.skipped),
        "max_rss": max_rss_bytes(),
    }


def child_batcher(a: argparse.Namespace) -> dict:
    """Batches of 128 from the cache, cold (the cache file just dropped from the page cache)
    then steady, in the order GANCLI_SHUFFLE forces."""
    import torch

    from gancli.data import load_data
    from gancli.engine.batcher import Batcher

    ds = load_data(a.data, image_size=a.size)
    files = list(Path(os.environ["GANCLI_CACHE"]).glob("data/*/x.npy"))
    evicted = evict(files)
    b = Batcher(ds, BATCH, torch.device("cpu"), seed=0, flip=True)
    rates, reads = [], []
    for _ in range(2):
        r0, t0 = storage_read_bytes(), time.perf_counter()
        for _ in range(a.batches):
            b.next()
        took = time.perf_counter() - t0
        r1 = storage_read_bytes()
        rates.append(a.batches * BATCH / took)
        reads.append(None if r0 is None or r1 is None else r1 - r0)
    return {
        "order": b.order,
        "block_images": b.block,
        "evicted": evicted,
        "cold_img_s": rates[0],
        "steady_img_s": rates[1],
        "cold_read": reads[0],
        "steady_read": reads[1],
    }


def run_child(a: argparse.Namespace) -> None:
    if a.threads:
        import torch

        torch.set_num_threads(a.threads)
    fn = child_load if a.child == "load" else child_batcher
    Path(a.result).write_text(json.dumps(fn(a)))


# ---- the parent ------------------------------------------------------------------------------


def child_env(args: argparse.Namespace, cache: Path, order: str | None = None) -> dict:
    env = dict(os.environ, PYTHONUNBUFFERED="1", HF_HUB_OFFLINE="1", GANCLI_CACHE=str(cache))
    env.pop("GANCLI_SHUFFLE", None)
    if order:
        env["GANCLI_SHUFFLE"] = order
    if args.threads:
        env["OMP_NUM_THREADS"] = str(args.threads)
    return env


def launch(args: argparse.Namespace, kind: str, data: Path, cache: Path, tag: str, order=None):
    out = args.runs / tag
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        kind,
        "--data",
        str(data),
        "--size",
        str(args.size),
        "--batches",
        str(args.batches),
        "--result",
        str(out / "result.json"),
    ]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    m = run_measured(cmd, out / "log.txt", env=child_env(args, cache, order))
    if m.returncode != 0:
        raise SystemExit(f"{tag} failed (exit {m.returncode}):\n{tail(out / 'log.txt')}")
    res = json.loads((out / "result.json").read_text())
    res.update(wall_s=m.wall_s, peak_rss=m.peak_rss, peak_pss=m.peak_pss)
    return res


def train(args: argparse.Namespace, data: Path, cache: Path, order: str) -> dict:
    out = args.runs / f"train-{order}"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [
        sys.executable,
        "-m",
        "gancli",
        "train",
        "dcgan",
        "--data",
        str(data),
        "--image-size",
        str(args.size),
        "--steps",
        str(args.steps),
        "--batch-size",
        str(BATCH),
        "--log-every",
        str(args.warmup),
        "--sample-every",
        str(10**9),
        "--checkpoint-every",
        str(10**9),
        "--device",
        args.device,
        "--out",
        str(out),
        "--quiet",
    ]
    log = args.runs / f"train-{order}.log"
    t = time.perf_counter()
    with log.open("w") as f:
        rc = subprocess.call(cmd, env=child_env(args, cache, order), stdout=f, stderr=f)
    wall = time.perf_counter() - t
    if rc != 0:
        raise SystemExit(f"training under {order} order failed (exit {rc}):\n{tail(log)}")
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    at = {r["step"]: r["time"] for r in records}
    return {
        "img_s": (args.steps - args.warmup) * BATCH / (at[args.steps] - at[args.warmup]),
        "wall_s": wall,
    }


def summarise(runs: list[dict]) -> dict:
    """The median of each measure over the repeats, and the range of the rates."""
    out = dict(runs[0])
    for key in ("cold_img_s", "steady_img_s", "cold_read", "steady_read"):
        values = [x[key] for x in runs]
        if any(v is None for v in values):
            out[key] = None
            continue
        out[key] = statistics.median(values)
        out[key + "_range"] = (min(values), max(values))
    return out


def rate(b: dict, key: str) -> str:
    lo, hi = b[key + "_range"]
    return f"{b[key]:,.0f}" + (f" ({lo:,.0f}-{hi:,.0f})" if hi > lo else "")


def mib(v: float | None) -> str:
    return "-" if v is None else f"{v / MIB:,.0f}"


def tables(args, r: dict) -> tuple[tuple[list[str], list[list[str]]], ...]:
    build, hit = r["build"], r["hit"]
    n = build["count"]
    build_rows = [
        [
            "build (cold)",
            f"{build['load_s']:.1f}",
            f"{n / build['load_s']:,.0f}",
            mib(build["max_rss"]),
            mib(build["peak_rss"]),
            mib(build["peak_pss"]),
        ],
        [
            "cache hit",
            f"{hit['load_s']:.2f}",
            "-",
            mib(hit["max_rss"]),
            mib(hit["peak_rss"]),
            mib(hit["peak_pss"]),
        ],
    ]
    build_head = ["load_data", "s", "img/s", "peak RSS MiB", "sampled RSS MiB", "sampled PSS MiB"]
    read_rows = []
    for order in ORDERS:
        b, t = r["batcher"][order], r["train"].get(order)
        read_rows.append(
            [
                order,
                rate(b, "cold_img_s"),
                mib(b["cold_read"]),
                rate(b, "steady_img_s"),
                mib(b["steady_read"]),
                "-" if t is None else f"{t['img_s']:.1f}",
            ]
        )
    read_head = [
        "order",
        f"Batcher cold img/s (first {args.batches} batches)",
        "cold MiB read",
        f"Batcher steady img/s (next {args.batches} batches)",
        "steady MiB read",
        f"train img/s (steps {args.warmup + 1}-{args.steps})",
    ]
    return (build_head, build_rows), (read_head, read_rows)


def doc_section(args, r: dict, command: str, took: float) -> str:
    (bh, br), (rh, rr) = tables(args, r)
    build = r["build"]
    n, shape = build["count"], build["shape"]
    x_bytes = n * shape[1] * shape[2] * shape[3]
    small = args.n < 200_000
    block = r["batcher"]["blocks"]["block_images"]
    threads = f"{args.threads} torch thread(s)" if args.threads else "torch's default threads"
    bat = r["batcher"]

    def ratio(key: str) -> str:
        return f"{bat['blocks'][key] / bat['global'][key]:.2f}x"

    def overlap(key: str) -> bool:
        (g_lo, g_hi), (b_lo, b_hi) = (bat[o][key + "_range"] for o in ORDERS)
        return g_lo <= b_hi and b_lo <= g_hi

    train_ratio = (
        f"{r['train']['blocks']['img_s'] / r['train']['global']['img_s']:.2f}x"
        if r["train"]
        else None
    )
    lines = [
        "## A data set larger than memory: streaming cache build, block order",
        "",
        f"`{command}` on {args.device}: {machine_summary()}; {today()}; the whole run took "
        f"{took / 60:.1f} min; load average (1 min) at the start {r['load']:.1f} on "
        f"{cpu_cores()} cores"
        + (
            "; the machine was busy with other work, so the rates are lower and noisier "
            "than on an idle one"
            if r["load"] > cpu_cores() / 2
            else ""
        )
        + ".",
        "",
        f"Folder: {n:,} PNGs at {args.size}x{args.size} (procedural `shapes` images, "
        f"{folder_bytes(r['folder']) / MIB:,.1f} MiB of files), flat, no classes; the cache "
        f"holds {x_bytes / MIB:,.0f} MiB of uint8 pixels."
        + (
            f" **This run used `--n {args.n}`**; the default, 200,000, is for a machine "
            "that can spare the time."
            if small
            else ""
        ),
        "",
        markdown_table(bh, br),
        "",
        "The build streams the decoded images into the cache file through a memory-mapped "
        f"window of about {CHUNK_MIB} MiB, so its peak memory is the baseline plus about one "
        "window whatever the folder's size: here the build's peak RSS is "
        f"{(build['max_rss'] - r['hit']['max_rss']) / MIB:,.0f} MiB above the cache hit's, "
        "where holding the images in one array would have taken "
        f"{x_bytes / MIB:,.0f} MiB for the array alone. Cold: an empty cache, and the PNGs "
        "dropped from the OS page cache first (posix_fadvise). `peak RSS`: the process's "
        "ru_maxrss when `load_data` returned (exact); the sampled columns: what the parent "
        "read every 0.1 s (PSS every 1 s) over the process's whole life, its start and exit "
        "included. The cache hit is "
        "the baseline: Python, torch and numpy imported, the cache file mapped.",
        "",
        markdown_table(rh, rr),
        "",
        f"Batcher: batches of {BATCH} from the memory-mapped cache on the CPU (uint8 -> float, "
        f"random flips), {threads}; `cold` right after the cache file was dropped from the OS "
        "page cache (posix_fadvise), so that it is read from disk; `MiB read`: bytes the "
        "process read from storage (/proc/self/io). Each Batcher figure is the median of "
        f"{args.repeats} processes per order, run alternately (range in parentheses). Block "
        "order used blocks of "
        f"{block:,} images (32 MiB), shuffled {WINDOW} blocks at a time. Train: `gan train "
        f"dcgan --steps {args.steps} --batch-size {BATCH}` with its defaults (precision auto), "
        "images/s between its metrics records at those steps. Block order relative to "
        f"global: cold {ratio('cold_img_s')}, steady {ratio('steady_img_s')}"
        + (f", training {train_ratio}" if train_ratio else "")
        + "."
        + (
            " The two orders' ranges overlap, cold and steady: a difference within the noise "
            "of this run."
            if overlap("cold_img_s") and overlap("steady_img_s")
            else ""
        )
        + (
            f" Here the whole cache ({x_bytes / MIB:,.0f} MiB) is far smaller than the RAM: "
            "once read it stays in the page cache in either order, so the steady rates are "
            "gathers from memory and only the cold pass reads from disk. On a set larger than "
            "memory, a global permutation keeps missing the page cache for the whole epoch; "
            "block order reads each region of the file once per epoch."
            if small
            else ""
        ),
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--n", type=int, default=200_000, help="images in the folder (200,000)")
    p.add_argument("--size", type=int, default=64, help="image side in pixels (64)")
    p.add_argument("--work", type=Path, default=Path("/tmp"), help="where the folder goes")
    p.add_argument("--writers", type=int, default=None, help="processes writing PNGs (cores)")
    p.add_argument("--batches", type=int, default=100, help="batches per Batcher timing (100)")
    p.add_argument("--repeats", type=int, default=3, help="Batcher processes per order (3)")
    p.add_argument("--steps", type=int, default=50, help="training steps per order (50)")
    p.add_argument("--warmup", type=int, default=10, help="steps before the clock starts (10)")
    p.add_argument("--no-train", action="store_true", help="skip the training runs")
    p.add_argument("--device", default="cpu", help="device for training (cpu)")
    p.add_argument("--threads", type=int, default=None, help="torch threads per process")
    p.add_argument("--no-write", action="store_true", help="print the tables only")
    p.add_argument("--doc", type=Path, default=REPO / "docs" / "performance.md")
    # Internal: one child process.
    p.add_argument("--child", choices=["load", "batcher"], help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if not a.child:
        if a.n < 2 * BATCH:
            p.error(f"--n must be at least {2 * BATCH}")
        if not 0 < a.warmup < a.steps:
            p.error("need 0 < --warmup < --steps")
    return a


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        run_child(args)
        return
    start = time.perf_counter()
    command = "python benchmarks/large_data.py " + shlex.join(
        sys.argv[1:] if argv is None else argv
    )
    work = args.work / "gancli-large-data"
    args.runs = work / "runs"
    cache = work / "cache"
    r: dict = {"load": os.getloadavg()[0], "batcher": {}, "train": {}}
    folder, wrote = make_folder(work, args.n, args.size, args.writers or cpu_cores())
    r["folder"] = folder
    print(f"folder {folder}" + (f" (written in {wrote:.0f} s)" if wrote else " (reused)"))

    shutil.rmtree(cache, ignore_errors=True)
    evicted = evict([Path(e.path) for e in os.scandir(folder)])
    print(f"cache build (cold{', PNGs evicted' if evicted else ''}) ...", flush=True)
    r["build"] = launch(args, "load", folder, cache, "build")
    print(f"  {r['build']['load_s']:.1f} s, peak RSS {mib(r['build']['max_rss'])} MiB")
    r["hit"] = launch(args, "load", folder, cache, "hit")
    runs: dict[str, list[dict]] = {order: [] for order in ORDERS}
    for k in range(args.repeats):  # alternating, so that a busy spell hits both orders
        for order in ORDERS:
            print(f"Batcher, {order} order ({k + 1}/{args.repeats}) ...", flush=True)
            res = launch(args, "batcher", folder, cache, f"batcher-{order}-{k}", order)
            assert res["order"] == order, res
            runs[order].append(res)
            print(f"  cold {res['cold_img_s']:,.0f} img/s, steady {res['steady_img_s']:,.0f} img/s")
    r["batcher"] = {order: summarise(runs[order]) for order in ORDERS}
    if not args.no_train:
        for order in ORDERS:
            print(f"gan train dcgan, {order} order, {args.steps} steps ...", flush=True)
            r["train"][order] = train(args, folder, cache, order)
            print(f"  {r['train'][order]['img_s']:.1f} img/s")
    took = time.perf_counter() - start

    for head, rows in tables(args, r):
        print()
        print(text_table(head, rows))
    if not args.no_write:
        write_section(args.doc, SECTION, doc_section(args, r, command, took))
        print(f"\nwrote the {SECTION} section of {args.doc}")


if __name__ == "__main__":
    main()
