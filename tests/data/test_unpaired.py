"""Unpaired data (CycleGAN): two domains stacked in the pair form with independent orders, the
folder layouts of the released sets, the synthfaces glasses domains with their held-out split,
and the paper's sets offline."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from PIL import Image

from gancli.data import load_data
from gancli.data.cyclegan_sets import _extract
from gancli.data.face_glasses import SEEDS, glasses_domains
from gancli.data.registry import unpaired_builtins
from gancli.data.unpaired import interleave_orders, load_unpaired, stack_unpaired
from gancli.errors import GanError


def _folder(root, n, colour, size=12):
    root.mkdir(parents=True)
    for i in range(n):
        Image.new("RGB", (size, size), (colour, i * 10 % 256, 0)).save(root / f"{i:03d}.png")
    return root


def test_every_image_of_both_domains_is_used_and_b_is_not_aligned_with_a():
    ia, ib = interleave_orders(7, 3, seed=1)
    assert len(ia) == len(ib) == 7
    assert sorted(ia) == list(range(7))  # the larger domain once, in a shuffled order
    assert set(ib) == {0, 1, 2} and np.bincount(ib).min() >= 2  # the smaller one repeated
    a = np.arange(7 * 3 * 2 * 2, dtype=np.uint8).reshape(7, 3, 2, 2)
    b = 200 + np.arange(3 * 3 * 2 * 2, dtype=np.uint8).reshape(3, 3, 2, 2)
    x = stack_unpaired(a, b, seed=1)
    assert x.shape == (7, 6, 2, 2)
    assert all((x[i, :3] == a[ia[i]]).all() and (x[i, 3:] == b[ib[i]]).all() for i in range(7))
    with pytest.raises(GanError, match="differ in shape"):
        stack_unpaired(a, b[:, :1])
    with pytest.raises(GanError, match="images in both domains"):
        interleave_orders(0, 3)


def test_two_folders_become_an_unaligned_set_of_both_domains(tmp_path):
    a = _folder(tmp_path / "horses", 5, 10)
    b = _folder(tmp_path / "zebras", 3, 250, size=20)  # another size: brought to A's
    ds = load_unpaired(str(a), str(b), cache_dir=tmp_path / "cache")
    assert ds.x.shape == (5, 6, 16, 16)  # a folder's size rounded to 16, as any folder
    assert ds.name == "horses2zebras"
    spec = ds.spec()
    assert spec["shape"] == [3, 16, 16]
    assert spec["pair"] == {"names": ["horses", "zebras"], "layout": "channels", "aligned": False}
    assert (ds.x[:, 0] < 50).all() and (ds.x[:, 3] > 200).all()  # A's red, then B's


def test_a_folder_in_the_released_layout_is_read_as_two_domains(tmp_path):
    _folder(tmp_path / "h2z" / "trainA", 4, 10)
    _folder(tmp_path / "h2z" / "trainB", 6, 250)
    _folder(tmp_path / "h2z" / "testA", 2, 10)
    ds = load_data(tmp_path / "h2z", unpaired=True, cache_dir=tmp_path / "cache")
    assert ds.name == "h2z" and len(ds) == 6 and not ds.aligned


def test_a_domain_must_hold_single_images(tmp_path):
    a = _folder(tmp_path / "a", 3, 10)
    with pytest.raises(GanError, match="--data-b ring8: holds 2-D points"):
        load_unpaired(str(a), "ring8", cache_dir=tmp_path / "cache")
    with pytest.raises(GanError, match="not two domains"):
        load_data("shapes", unpaired=True, cache_dir=tmp_path / "cache")


def test_glasses_domains_split_faces_by_their_glasses():
    a, b = glasses_domains(60, 16, seed=5)
    assert len(a.x) + len(b.x) == 60 and min(len(a.x), len(b.x)) > 15
    assert (a.attributes["glasses"] == 0).all() and (b.attributes["glasses"] > 0).all()
    assert a.x.shape[1:] == (3, 16, 16)


def test_glasses_builtins_are_unpaired_and_the_test_split_is_other_faces(tmp_path):
    assert {"synthfaces-glasses", "synthfaces-glasses-test"} <= set(unpaired_builtins())
    test = load_data("synthfaces-glasses-test", image_size=16, unpaired=True)
    assert test.pair_names == ("no-glasses", "glasses") and not test.aligned
    assert 500 <= len(test) <= 600  # the larger domain of 1,000 faces, about half each
    train_a, _ = glasses_domains(20, 16, SEEDS["synthfaces-glasses"])
    held_a = test.x[:, :3].numpy()
    assert not any((held_a == face).all(axis=(1, 2, 3)).any() for face in train_a.x)
    with pytest.raises(GanError, match="aligned pairs"):
        from gancli.variants import get

        get("pix2pix").check_data(test.spec())


@pytest.mark.parametrize("name", ["horse2zebra", "apple2orange", "monet2photo"])
def test_paper_sets_fail_offline_in_one_line(name):
    with pytest.raises(GanError) as e:
        load_data(name, unpaired=True)
    msg = str(e.value)
    assert "GANCLI_OFFLINE=1 forbids downloading it" in msg and f"{name}.zip" in msg
    assert "\n" not in msg


def test_an_archive_cannot_write_outside_the_data_root(tmp_path):
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("../escape.txt", "x")
    with pytest.raises(GanError, match="outside"):
        _extract(bad, tmp_path / "root")
    assert not (tmp_path / "escape.txt").exists()


def test_export_writes_the_released_layout_which_reads_back(tmp_path):
    from gancli.data.export import export_folder

    a = _folder(tmp_path / "a", 3, 10, size=16)
    b = _folder(tmp_path / "b", 2, 250, size=16)
    ds = load_unpaired(str(a), str(b), cache_dir=tmp_path / "cache")
    assert export_folder(ds, tmp_path / "out") == 3
    assert len(list((tmp_path / "out" / "trainA").glob("*.png"))) == 3
    back = load_data(tmp_path / "out", unpaired=True, cache_dir=tmp_path / "cache")
    assert not back.aligned and back.x.shape == ds.x.shape[:1] + (6, 16, 16)
    assert (back.x[:, 0] < 50).all() and (back.x[:, 3] > 200).all()
