"""Paired data (pix2pix): two folders of matching names, side-by-side A|B files, the built-in
edge maps -> faces with their held-out split, and the paper's sets offline."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from gancli.data import load_data
from gancli.data.face_edges import SEEDS, make_face_edges, sobel_edges
from gancli.data.pairs import split_pair
from gancli.data.registry import SOURCES, paired_builtins
from gancli.errors import GanError


def _img(seed: int, w: int = 16, h: int = 16) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_two_folders_pair_by_file_name_and_skip_the_lonely(tmp_path):
    root = tmp_path / "pairs"
    (root / "A").mkdir(parents=True)
    (root / "B").mkdir()
    for i in range(3):
        Image.fromarray(_img(i)).save(root / "A" / f"x{i}.png")
        Image.fromarray(_img(10 + i)).save(
            root / "B" / f"x{i}.jpg" if i == 1 else root / "B" / f"x{i}.png"
        )
    Image.fromarray(_img(99)).save(root / "A" / "lonely.png")
    ds = load_data(root, image_size=16, paired=True)
    assert ds.x.shape == (3, 6, 16, 16)
    assert ds.spec()["shape"] == [3, 16, 16]
    assert ds.spec()["pair"]["names"] == ["A", "B"]
    a, b = split_pair(ds.x.numpy())
    assert np.array_equal(a[0], _img(0).transpose(2, 0, 1))
    assert np.array_equal(b[2], _img(12).transpose(2, 0, 1))  # x2's partner, not another's


def test_side_by_side_files_are_split_in_the_middle(tmp_path):
    root = tmp_path / "sbs"
    root.mkdir()
    for i in range(2):
        Image.fromarray(np.concatenate([_img(i), _img(20 + i)], 1)).save(root / f"{i}.png")
    ds = load_data(root, image_size=16, paired=True)
    a, b = split_pair(ds.x.numpy())
    assert np.array_equal(a[1], _img(1).transpose(2, 0, 1))
    assert np.array_equal(b[1], _img(21).transpose(2, 0, 1))
    # the same folder without paired=True is a plain image folder
    assert load_data(root, image_size=16).x.shape[1] == 3


def test_a_paired_set_exports_side_by_side_and_reads_back_the_same(tmp_path):
    from gancli.data.export import export_folder

    root = tmp_path / "sbs"
    root.mkdir()
    for i in range(3):
        Image.fromarray(np.concatenate([_img(i), _img(20 + i)], 1)).save(root / f"{i}.png")
    ds = load_data(root, image_size=16, paired=True)
    assert export_folder(ds, tmp_path / "out") == 3
    assert Image.open(tmp_path / "out" / "00000.png").size == (32, 16)  # A|B
    back = load_data(tmp_path / "out", image_size=16, paired=True)
    assert np.array_equal(back.x.numpy(), ds.x.numpy())


def test_bad_pairs_say_what_is_wrong(tmp_path):
    (tmp_path / "ab" / "A").mkdir(parents=True)
    (tmp_path / "ab" / "B").mkdir()
    Image.fromarray(_img(0)).save(tmp_path / "ab" / "A" / "one.png")
    Image.fromarray(_img(1)).save(tmp_path / "ab" / "B" / "two.png")
    with pytest.raises(GanError, match="no file name in A/ has a partner"):
        load_data(tmp_path / "ab", paired=True)
    odd = tmp_path / "odd"
    odd.mkdir()
    Image.fromarray(_img(0, w=15)).save(odd / "o.png")
    with pytest.raises(GanError, match="15x16: a side-by-side pair .* has an even width"):
        load_data(odd, paired=True)
    (tmp_path / "empty").mkdir()
    with pytest.raises(GanError, match="no pairs in"):
        load_data(tmp_path / "empty", paired=True)
    with pytest.raises(GanError, match="'shapes' holds single images, not pairs"):
        load_data("shapes", image_size=8, paired=True)


def test_sobel_finds_the_outline_and_nothing_in_flat_areas():
    img = np.zeros((12, 12), np.float32)
    img[3:9, 3:9] = 1.0
    edges = sobel_edges(img)
    assert edges[3, 5] and edges[8, 5] and edges[5, 3]  # on the square's border
    assert not edges[5:7, 5:7].any() and not edges[0, :].any()  # inside, far outside


def test_face_edges_pairs_and_a_held_out_split():
    train = make_face_edges(3, 16, SEEDS["synthfaces-edges"]).x
    test = make_face_edges(3, 16, SEEDS["synthfaces-edges-test"]).x
    assert train.shape == (3, 6, 16, 16) and train.dtype == np.uint8
    edges, faces = split_pair(train)
    assert (edges[:, 0] == edges[:, 1]).all()  # black lines on white: grey
    assert np.median(edges) == 255 and edges.min() < 128  # mostly paper, some ink
    assert faces.std() > 20  # a coloured face, not a blank
    assert not any(np.array_equal(t, s) for t in test for s in train)
    assert set(paired_builtins()) >= {"synthfaces-edges", "synthfaces-edges-test", "facades"}
    assert SOURCES["synthfaces-edges-test"].kind == "pairs"


@pytest.mark.parametrize("name", ["facades", "maps", "edges2shoes"])
def test_paper_sets_fail_offline_in_one_line(name):
    with pytest.raises(GanError) as e:
        load_data(name, paired=True)
    msg = str(e.value)
    assert "GANCLI_OFFLINE=1 forbids downloading it" in msg and f"{name}.tar.gz" in msg
    assert "\n" not in msg
