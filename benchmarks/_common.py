"""Helpers shared by the scripts in benchmarks/: the machine, the peak memory of a process
tree, a Fréchet distance on pixel features, and writing one section of a docs page.

Kept free of torch, so that the process that watches a benchmark's subprocesses stays small
and its own memory never mixes with theirs.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MIB = 1024 * 1024
# Benchmark runs are measurements, not models to keep: `gan train` would add each one to the
# user's zoo. Their subprocesses inherit this.
os.environ.setdefault("GAN_ZOO_REGISTER", "0")
DEFAULT_DOC_HEADER = (
    "# Performance\n\n"
    "Every number on this page comes from a script in `benchmarks/` that anyone can re-run; "
    "each section says how it was made, on which machine and when.\n"
)


# ---- the machine ---------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def cpu_cores() -> int:
    """The cores this process may use (taskset/cgroup affinity where the OS tells)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def cpu_flags() -> list[str]:
    """The matrix-relevant instruction sets, as /proc/cpuinfo names them."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    flags = set()
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
    wanted = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")
    return [f for f in wanted if f in flags]


def package_version(name: str) -> str:
    """A package's version without importing it (torch takes seconds and hundreds of MiB)."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine_summary() -> str:
    """One line: CPU model, cores, instruction sets, RAM, Python, torch."""
    parts = [f"{cpu_model()}, {cpu_cores()} cores"]
    flags = cpu_flags()
    if flags:
        parts.append(" ".join(flags))
    try:
        import psutil

        parts.append(f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM")
    except ImportError:
        pass
    parts.append(f"Python {platform.python_version()}")
    parts.append(f"torch {package_version('torch')}")
    return ", ".join(parts)


def today() -> str:
    return datetime.date.today().isoformat()


# ---- `gan` as a user runs it -----------------------------------------------------------------


def gan(*args: str) -> str:
    """Run `gan ARGS` as a user would; its stdout, or exit with its stderr."""
    cmd = [sys.executable, "-m", "gancli", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ})
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stderr[-3000:]}")
    return out.stdout


def train_or_finish(train_args: Sequence[str], run: Path, steps: int) -> Path:
    """`gan train ...` (`train_args` after `gan`, with `--out run`) into `run`, or resume a
    shorter run to `steps`; a run already at `steps` is kept. Its output is appended to
    RUN.log beside the folder."""
    from gancli.store.checkpoint import read_checkpoint

    cmd = [sys.executable, "-m", "gancli", *train_args]
    if (run / "model.safetensors").is_file():
        if read_checkpoint(run / "model.safetensors").step >= steps:
            return run
        cmd = [sys.executable, "-m", "gancli", "train", "--resume", str(run), "--steps", str(steps)]
    print("training", " ".join(cmd[3:]), file=sys.stderr, flush=True)
    run.parent.mkdir(parents=True, exist_ok=True)
    with (run.parent / f"{run.name}.log").open("a") as out:
        subprocess.run(cmd, check=True, stdout=out, stderr=subprocess.STDOUT)
    return run


def fid_kid(*source: str, n: int, data: str = "shapes", extra: tuple[str, ...] = ()) -> dict:
    """FID and KID against `data` in the offline classifier features, as `gan evaluate SOURCE
    --data DATA -n N -m fid,kid --features classifier` reports them (SOURCE: a checkpoint or
    `--fake FILE`; `extra`: more flags); each value's spread as METRIC_se (0 where none)."""
    doc = json.loads(
        gan(
            "evaluate",
            *source,
            "--data",
            data,
            *extra,
            "-n",
            str(n),
            "-m",
            "fid,kid",
            "--features",
            "classifier",
            "--kid-subset-size",
            str(min(1000, n)),
            "--json",
            "--no-save",
        )  # fmt: skip
    )
    out = {r["metric"]: r["value"] for r in doc["results"]}
    out.update({f"{r['metric']}_se": r.get("spread") or 0.0 for r in doc["results"]})
    return out


def train_minutes(run: Path, batch: int) -> float:
    """A run's training time from the run's own log: each logged stretch of steps at its images/s."""
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    rows = [r for r in rows if "img_per_s" in r]
    seconds, prev = 0.0, 0
    for r in rows:
        seconds += (r["step"] - prev) * batch / r["img_per_s"]
        prev = r["step"]
    return seconds / 60


def shapes_fid_kid(*source: str, n: int) -> dict[str, float]:
    """FID and KID against the built-in shapes (fid_kid without the spreads)."""
    return {k: v for k, v in fid_kid(*source, n=n).items() if not k.endswith("_se")}


# ---- peak memory of a subprocess and all its children ----------------------------------------


@dataclass
class Measured:
    returncode: int
    wall_s: float
    peak_rss: int  # bytes: the largest sum of RSS over the process tree at one sample
    peak_pss: int | None  # bytes: the same with PSS (Linux), which counts shared pages once


def run_measured(
    cmd: Sequence[str],
    log: Path,
    env: dict[str, str] | None = None,
    interval: float = 0.1,
    pss_every: int = 10,
) -> Measured:
    """Run `cmd` (output to `log`) and sample the memory of its whole process tree.

    The sum of RSS is what `top` would show added up, but forked workers (a DataLoader's)
    share the parent's pages and RSS counts them once per process; PSS splits shared pages
    between their users, so its sum is the real footprint. PSS costs a few ms per process
    to read, so it is sampled every `pss_every`-th time only.
    """
    import psutil

    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(list(cmd), env=env, stdout=out, stderr=subprocess.STDOUT)
    root = psutil.Process(proc.pid)
    peak_rss, peak_pss, pss_ok, i = 0, 0, True, 0
    try:
        while proc.poll() is None:
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            rss = pss = 0
            for p in tree:
                try:
                    rss += p.memory_info().rss
                    if pss_ok and i % pss_every == 0:
                        pss += p.memory_full_info().pss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass  # a worker that just exited
                except AttributeError:  # no PSS on this OS
                    pss_ok = False
            peak_rss = max(peak_rss, rss)
            if pss_ok and i % pss_every == 0:
                peak_pss = max(peak_pss, pss)
            i += 1
            time.sleep(interval)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return Measured(
        proc.wait(), time.perf_counter() - start, peak_rss, peak_pss if pss_ok else None
    )


def cpu_seconds() -> float:
    """CPU seconds (user + system) used so far by this process, its live descendants (e.g.
    DataLoader workers) and the children it has already reaped. On a shared machine this
    says what a run costs even when wall-clock rates suffer from other people's jobs."""
    import psutil

    me = psutil.Process()
    t = me.cpu_times()
    total = t.user + t.system + t.children_user + t.children_system
    for child in me.children(recursive=True):
        try:
            c = child.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += c.user + c.system
    return total


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# ---- a rough quality check -------------------------------------------------------------------


def pixel_features(images: np.ndarray, side: int = 8) -> np.ndarray:
    """uint8 (N, C, H, W) -> float64 (N, C*side*side) in [0, 1]: each image average-pooled to
    side x side. Images of any size that `side` divides give comparable features, so real
    images at their stored size and samples at the training size can be compared."""
    n, c, h, w = images.shape
    if h % side or w % side:
        raise ValueError(f"{h}x{w} images do not pool evenly to {side}x{side}")
    x = images.reshape(n, c, side, h // side, side, w // side).astype(np.float64)
    return x.mean(axis=(3, 5)).reshape(n, -1) / 255.0


def _sqrt_psd(m: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((m + m.T) / 2)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (rows are samples).

    Uses tr sqrt(Ca Cb) = tr sqrt(Ca^1/2 Cb Ca^1/2), whose argument is symmetric positive
    semi-definite, so two symmetric eigendecompositions do it without scipy.
    """
    mu_a, mu_b = a.mean(0), b.mean(0)
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    sa = _sqrt_psd(ca)
    inner = sa @ cb @ sa
    tr_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((inner + inner.T) / 2), 0.0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(ca) + np.trace(cb) - 2.0 * tr_sqrt)


# ---- docs ------------------------------------------------------------------------------------


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table; numbers right-aligned (any column whose cells all start with a digit)."""

    def numeric(col: int) -> bool:
        return all(r[col][:1].isdigit() or r[col] == "-" for r in rows)

    align = ["---:" if rows and numeric(i) else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """The same table padded for a terminal."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(
        [fmt.format(*headers), fmt.format(*("-" * w for w in widths))]
        + [fmt.format(*r) for r in rows]
    )


def write_section(doc: Path, key: str, body: str, after: str | None = None) -> None:
    """Put `body` into `doc` between the markers for `key`, replacing only what was there.

    Each benchmark owns one section, so several scripts can share a page; a page that does
    not exist yet gets a short header, and a new section goes right after the section `after`
    when the page has it, else at the end.
    """
    start, end = f"<!-- benchmark:{key} -->", f"<!-- /benchmark:{key} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = doc.read_text() if doc.exists() else DEFAULT_DOC_HEADER
    if start in text and end in text and text.index(start) < text.index(end):
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + block + after
    elif after and f"<!-- /benchmark:{after} -->" in text:
        anchor = f"<!-- /benchmark:{after} -->"
        before, rest = text.split(anchor, 1)
        text = before + anchor + "\n\n" + block + rest
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    tmp = doc.with_name(f".{doc.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, doc)
