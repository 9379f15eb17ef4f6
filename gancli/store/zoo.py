"""The zoo: named models, in a local folder and shipped with gancli (curated).

`locate` finds what a CKPT argument names here, in this order:

1. a path: a `.safetensors` file, or a run folder / zoo entry folder holding `model.safetensors`
   (`RUN@STEP`: the snapshot `gan train --keep-every` kept of that step);
2. a name in the local zoo (`$GAN_ZOO`, else the platform's user data folder, `gancli/zoo`);
3. a name in the curated zoo shipped with gancli (a `zoo/` folder, one folder per entry).

`hf://owner/repo[@revision]` is the Hub's (gancli.store.hub, which sits above this module);
gancli.store.locate resolves every kind of CKPT, hf:// included, and is what commands call.
An unknown or ambiguous name is refused with one line naming the closest entries.

An entry is a folder: `model.safetensors`, `README.md` (a Hub model card), and, when there
are any, `concepts.safetensors`, `samples.png` and `metrics.json`; the same files go to and
come from the Hub. `origin.json` says where the entry came from and never leaves the machine.
Entries are written into a temporary folder and renamed into place, so a failed or interrupted
write leaves the zoo as it was.
"""

from __future__ import annotations

import contextlib
import datetime
import difflib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gancli.errors import GanError
from gancli.store import describe, modelcard
from gancli.store.checkpoint import atomic_write, model_path
from gancli.store.files import (
    CARD_FILE,
    CONCEPTS_FILE,
    ENTRY_FILES,
    GRID_GLOB,
    MODEL_FILE,
    ORIGIN_FILE,
    RESULTS_FILE,
    SAMPLES_DIR,
    SAMPLES_FILE,
    concepts_file,
)

ZOO_ENV = "GAN_ZOO"
REGISTER_ENV = "GAN_ZOO_REGISTER"
HF_PREFIX = "hf://"  # a Hub repo: gancli.store.locate resolves it, through gancli.store.hub
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
NAME_RULE = "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"


# ---- where the zoos are ----------------------------------------------------------------------


CURATED_PREFIX = "curated:"  # curated:NAME always means the model shipped with gancli


def hidden_curated(name: str) -> bool:
    """Whether the local entry `name` hides a curated model of the same name."""
    return name in local_entries() and name in curated_entries()


def root() -> Path:
    """The local zoo: $GAN_ZOO, else the user data folder (e.g. ~/.local/share/gancli/zoo)."""
    env = os.environ.get(ZOO_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("gancli", appauthor=False)) / "zoo"


def curated_roots() -> list[Path]:
    """Where the curated zoo may live: `zoo/` at the top of a source checkout (beside
    pyproject.toml), `gancli/curated/` inside an installed package, or `share/gancli/zoo` under
    the installation prefix. The first that holds an entry wins for that entry's name."""
    package = Path(__file__).resolve().parents[1]  # gancli/
    candidates = []
    if (package.parent / "pyproject.toml").exists():
        candidates.append(package.parent / "zoo")
    candidates += [package / "curated", Path(sys.prefix) / "share" / "gancli" / "zoo"]
    # in a checkout gancli/curated is a link to zoo/: the same folder, counted once
    return [p for p in dict.fromkeys(c.resolve() for c in candidates) if p.is_dir()]


def check_name(name: str) -> str:
    """A zoo name is a plain folder name: no separators, no '..', nothing odd."""
    if not NAME_RE.fullmatch(name or ""):
        raise GanError(f"bad zoo name {name!r}: use {NAME_RULE} (e.g. mnist5k-dcgan)")
    return name


def safe_name(text: str) -> str:
    """A valid zoo name made from any text (a run folder's name, a repo's name)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", text).lstrip("._-")[:64].rstrip("._-")
    return name or "model"


# ---- entries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    name: str
    path: Path
    curated: bool = False

    @property
    def model(self) -> Path:
        return self.path / MODEL_FILE

    @property
    def where(self) -> str:
        return "curated" if self.curated else "local"

    def origin(self) -> dict[str, Any]:
        try:
            data = json.loads((self.path / ORIGIN_FILE).read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def files(self) -> list[Path]:
        return [self.path / f for f in ENTRY_FILES if (self.path / f).is_file()]

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.files())


def _scan(folder: Path, curated: bool) -> dict[str, Entry]:
    try:
        children = sorted(folder.iterdir())
    except OSError:
        return {}
    return {
        p.name: Entry(p.name, p, curated)
        for p in children
        if NAME_RE.fullmatch(p.name) and (p / MODEL_FILE).is_file()
    }


def local_entries() -> dict[str, Entry]:
    return _scan(root(), curated=False)


def curated_entries() -> dict[str, Entry]:
    found: dict[str, Entry] = {}
    for folder in curated_roots():
        for name, entry in _scan(folder, curated=True).items():
            found.setdefault(name, entry)
    return found


def entries() -> list[Entry]:
    """Every entry a name reaches: local ones, then curated ones not shadowed by a local one."""
    local = local_entries()
    curated = [e for n, e in curated_entries().items() if n not in local]
    return list(local.values()) + curated


def find(name: str) -> Entry | None:
    return local_entries().get(name) or curated_entries().get(name)


def get(name: str, local_only: bool = False) -> Entry:
    """The entry called `name`, or one line naming the closest ones."""
    if not NAME_RE.fullmatch(name or "") and Path(name).exists():
        # A run folder or a checkpoint file where an entry's name belongs (zoo push, rm, ...).
        raise GanError(
            f"{name} is a path, not a zoo entry: gan zoo add {name} --name NAME makes it "
            f"one (gan info {name} describes it as it is)"
        )
    check_name(name)
    entry = local_entries().get(name) if local_only else find(name)
    if entry is not None:
        return entry
    if local_only and name in curated_entries():
        raise GanError(f"'{name}' is in the curated zoo shipped with gancli, not the local zoo")
    raise _unknown(name, local_only)


def _unknown(name: str, local_only: bool = False) -> GanError:
    names = sorted(local_entries()) if local_only else sorted({e.name for e in entries()})
    starting = [n for n in names if n.lower().startswith(name.lower())]
    if len(starting) > 1:
        return GanError(f"'{name}' is ambiguous: {', '.join(starting[:6])}; give the full name")
    lower = {n.lower(): n for n in names}
    close = [lower[c] for c in difflib.get_close_matches(name.lower(), list(lower), 3, 0.5)]
    close += [n for n in starting if n not in close]
    where = "the local zoo" if local_only else "a path, nor in the local or curated zoo"
    hint = f"; closest: {', '.join(close)}" if close else "; gan zoo list shows the zoo"
    return GanError(f"no model '{name}': not {where}{hint}")


# ---- resolution --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Located:
    """A resolved CKPT: the model file and where it was found."""

    path: Path
    source: str  # "path" | "local" | "curated" | "hf"
    name: str | None = None  # the zoo name, or owner/repo@commit

    @property
    def read_only(self) -> bool:
        """Shipped with gancli or in huggingface_hub's cache: commands must not write there."""
        return self.source in ("curated", "hf")


def _looks_like_path(text: str) -> bool:
    return (
        "/" in text or "\\" in text or text.endswith(".safetensors") or text.startswith(("~", "."))
    )


def locate(ckpt: str) -> Located:
    """Where the model that `ckpt` names is, in the order of the module docstring: a path, a
    local or a curated name. A Hub repo is gancli.store.locate's to resolve."""
    if ckpt.startswith(CURATED_PREFIX):
        return _curated(ckpt)
    if ckpt.startswith(HF_PREFIX):
        raise GanError(f"{ckpt} is a Hub repo: gancli.store.locate resolves it, not the zoo")
    path = Path(ckpt).expanduser()
    if path.exists():
        return Located(model_path(path), "path")
    run, at, step = str(path).rpartition("@")
    if at and step.isdigit() and Path(run).is_dir():  # RUN@STEP: a kept snapshot
        return Located(model_path(path), "path")
    if _looks_like_path(ckpt):
        hint = ""
        if re.fullmatch(r"[\w.-]+/[\w.-]+(@[\w./-]+)?", ckpt):
            hint = f" (for a Hugging Face Hub repo, write hf://{ckpt})"
        raise GanError(f"no checkpoint '{ckpt}': no such file or folder{hint}")
    if not NAME_RE.fullmatch(ckpt):
        raise GanError(
            f"no checkpoint {ckpt!r}: not a file or folder, and not a zoo name ({NAME_RULE})"
        )
    entry = find(ckpt)
    if entry is None:
        raise _unknown(ckpt)
    return Located(model_path(entry.path), entry.where, entry.name)


def _curated(ckpt: str) -> Located:
    """`curated:NAME`: the model shipped with gancli, even where a local entry has its name."""
    name = ckpt[len(CURATED_PREFIX) :]
    entry = curated_entries().get(name)
    if entry is None:
        names = ", ".join(sorted(curated_entries())) or "none"
        raise GanError(f"no curated model '{name}'; the curated zoo has: {names}")
    return Located(model_path(entry.path), "curated", entry.name)


# ---- writing entries ---------------------------------------------------------------------------


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _install(name: str, write: Callable[[Path], None], replace: bool) -> Entry:
    """Build an entry in a temporary folder with `write`, then rename it into place."""
    check_name(name)
    zoo = root()
    zoo.mkdir(parents=True, exist_ok=True)
    dest = zoo / name
    if dest.exists() and not replace:
        raise GanError(
            f"the zoo already has '{name}' ({dest}): pass --force to replace it, "
            "or --name to choose another name"
        )
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=zoo))
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp's 0700 would hide a shared zoo's entries
        write(tmp)
        if dest.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".old", dir=zoo))
            os.rename(dest, old / name)
            try:
                os.rename(tmp, dest)
            except OSError:
                os.rename(old / name, dest)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, dest)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise GanError(f"cannot write the zoo entry {dest}: {e.strerror or e}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Entry(name, dest)


def _entry_sources(model_file: Path, samples: Path | None, with_card: bool) -> dict[str, Path]:
    """The files of a new entry for `model_file`, taken from beside it."""
    files = {MODEL_FILE: model_file}
    if concepts_file(model_file).is_file():
        files[CONCEPTS_FILE] = concepts_file(model_file)
    folder = model_file.parent
    if model_file.name == MODEL_FILE:  # a run folder or an entry: its other files are its own
        if (folder / RESULTS_FILE).is_file():
            files[RESULTS_FILE] = folder / RESULTS_FILE
        if with_card and (folder / CARD_FILE).is_file():
            files[CARD_FILE] = folder / CARD_FILE
        if samples is None and (folder / SAMPLES_FILE).is_file():
            samples = folder / SAMPLES_FILE
    if samples is not None:
        files[SAMPLES_FILE] = samples
    return files


def add(
    name: str,
    model_file: Path,
    origin: dict[str, Any],
    *,
    replace: bool = False,
    samples: Path | None = None,
    keep_card: bool = False,
    extra: dict[str, Path] | None = None,
) -> Entry:
    """Copy `model_file` (and its concepts, metrics and sample grid) into the zoo as `name`.

    The card is written from the model unless `keep_card` and a README.md is beside it."""
    check_name(name)
    describe.read_config(model_file)  # refuse a broken model before touching the zoo
    files = {**_entry_sources(model_file, samples, keep_card), **(extra or {})}
    return _install(name, lambda tmp: _write_entry(tmp, name, files, origin), replace)


def _write_entry(tmp: Path, name: str, files: dict[str, Path], origin: dict[str, Any]) -> None:
    """The files of an entry called `name` into the folder `tmp`, with a card if none is given."""
    for dst, src in files.items():
        shutil.copyfile(src, tmp / dst)
    if CARD_FILE not in files:
        summary = describe.summarize(tmp / MODEL_FILE)
        card = modelcard.render(summary, name, samples=SAMPLES_FILE in files)
        (tmp / CARD_FILE).write_text(card, encoding="utf-8")
    (tmp / ORIGIN_FILE).write_text(json.dumps({**origin, "added": _now()}, indent=1) + "\n")


@contextlib.contextmanager
def staged(path: Path) -> Iterator[Entry]:
    """A run folder or model file as a zoo entry in a temporary folder (for a push), named
    after the run folder or the file; the zoo itself is not touched."""
    model_file = model_path(path)
    name = safe_name(model_file.parent.name if model_file.name == MODEL_FILE else model_file.stem)
    describe.read_config(model_file)
    files = _entry_sources(model_file, latest_grid(model_file.parent), with_card=False)
    with tempfile.TemporaryDirectory(prefix="gancli-push-") as tmp:
        folder = Path(tmp) / name
        folder.mkdir()
        _write_entry(folder, name, files, {"source": "add", "path": str(path)})
        yield Entry(name, folder)


def refresh_card(folder: Path) -> bool:
    """Rewrite the model card in `folder` from its model and metrics.json, if the card is
    gancli's own (it carries the marker); a user's own card is left alone. True if rewritten."""
    card = folder / CARD_FILE
    if not (folder / MODEL_FILE).is_file() or not card.is_file():
        return False
    if modelcard.MARKER not in card.read_text(encoding="utf-8", errors="replace"):
        return False
    summary = describe.summarize(folder / MODEL_FILE)
    text = modelcard.render(summary, folder.name, samples=(folder / SAMPLES_FILE).is_file())
    atomic_write(card, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return True


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def latest_grid(run: Path) -> Path | None:
    grids = sorted((run / SAMPLES_DIR).glob(GRID_GLOB))
    return grids[-1] if grids else None


def register_run(run: Path) -> Entry | None:
    """Put a finished run's model in the local zoo under the run folder's name; None when
    $GAN_ZOO_REGISTER is 0 (for benchmarks and scripted sweeps).

    The entry of an earlier registration of the same run is replaced (the files only it holds,
    such as concepts made on the entry, are kept); a name taken by another model, or by a
    curated one (which a local entry would hide), gets -2, -3..."""
    if os.environ.get(REGISTER_ENV, "").strip().lower() in ("0", "false", "no", "off"):
        return None
    run = run.resolve()
    base = safe_name(run.name)
    local = local_entries()
    curated = curated_entries()
    samples = latest_grid(run)
    new = _entry_sources(run / MODEL_FILE, samples, with_card=False)
    name, i = base, 1
    while name in local or name in curated:
        if name in curated and name not in local:
            i += 1
            name = f"{base[:60]}-{i}"
            continue
        old = local[name]
        if old.origin().get("run") == str(run):
            kept = {
                f: old.path / f
                for f in (CONCEPTS_FILE, RESULTS_FILE)
                if (old.path / f).is_file() and f not in new
            }
            clash = any(
                (old.path / f).is_file() and not _same_file(old.path / f, src)
                for f, src in new.items()
                if f in (CONCEPTS_FILE, RESULTS_FILE)
            )
            if not clash:
                origin = {"source": "train", "run": str(run)}
                return add(
                    name, run / MODEL_FILE, origin, replace=True, samples=samples, extra=kept
                )
        i += 1
        name = f"{base[:60]}-{i}"
    return add(name, run / MODEL_FILE, {"source": "train", "run": str(run)}, samples=samples)


def remove(name: str) -> Entry:
    entry = get(name, local_only=True)
    trash = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".rm", dir=entry.path.parent))
    try:
        os.rename(entry.path, trash / name)
    except OSError as e:
        shutil.rmtree(trash, ignore_errors=True)
        raise GanError(f"cannot remove {entry.path}: {e.strerror or e}") from None
    shutil.rmtree(trash, ignore_errors=True)
    return entry


def export(name: str, dest: Path, force: bool = False) -> list[Path]:
    """Copy an entry's files (what would go to the Hub) into the folder `dest`."""
    entry = get(name)
    if dest.exists() and not dest.is_dir():
        raise GanError(f"{dest} is a file; export writes into a folder")
    sources = entry.files()
    taken = [dest / p.name for p in sources if (dest / p.name).exists()]
    if taken and not force:
        shown = ", ".join(str(p) for p in taken[:3])
        raise GanError(
            f"{shown} already exist{'s' if len(taken) == 1 else ''}: pass --force to overwrite"
        )
    written = []
    for src in sources:
        target = dest / src.name
        atomic_write(target, lambda tmp, src=src: shutil.copyfile(src, tmp))
        written.append(target)
    return written
