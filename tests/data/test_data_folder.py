"""Image folders: every PIL mode, broken files, labels, channels, resizing."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gancli.data import load_data
from gancli.errors import GanError

BROKEN = ["empty.png", "text.jpg", "truncated.png"]
READABLE = [
    "anim.gif",
    "cmyk.jpg",
    "grey_l.png",
    "grey_la.png",
    "i16.png",
    "img.bmp",
    "img.webp",
    "nested/sub/deep.png",
    "one_bit.png",
    "p_trans.png",
    "rgb.jpg",
    "rgba.png",
    "wide.png",
]
S = 16


@pytest.fixture
def awkward(awkward_dir, tmp_path):
    return load_data(str(awkward_dir), image_size=S, cache_dir=tmp_path / "cache")


def _img(ds, rel: str) -> np.ndarray:
    return ds.x[ds.files.index(rel)].numpy().astype(int)


def test_awkward_folder_shape_and_skipped(awkward, awkward_dir):
    ds = awkward
    assert ds.kind == "image" and ds.name == "awkward"
    assert ds.x.dtype == torch.uint8 and ds.x.is_contiguous() and ds.x.device.type == "cpu"
    assert tuple(ds.x.shape) == (len(READABLE), 3, S, S)
    assert len(ds) == len(READABLE)
    assert ds.files == READABLE  # sorted, nested included, hidden and .txt ignored
    assert ds.skipped == BROKEN
    assert ds.labels is None and ds.class_names == []
    assert ds.source == str(awkward_dir)


def test_alpha_is_composited_on_white(awkward):
    rgba = _img(awkward, "rgba.png")  # left half transparent, right half red
    assert (rgba[:, :, :4] == 255).all()
    r, g, b = rgba[:, :, -4:]
    assert (r > 240).all() and (g < 15).all() and (b < 15).all()
    p = _img(awkward, "p_trans.png")  # palette transparency, right half green
    assert (p[:, :, :4] == 255).all()
    assert (p[1, :, -4:] > 240).all() and (p[0, :, -4:] < 15).all()


def test_mode_conversions(awkward):
    i16 = _img(awkward, "i16.png")  # 16-bit full scale on the left
    assert i16.max() >= 250 and i16[:, :, -4:].max() <= 5
    cmyk = _img(awkward, "cmyk.jpg")  # CMYK (0, 255, 255, 0) is red
    assert cmyk[0].mean() > 200 and cmyk[1].mean() < 60 and cmyk[2].mean() < 60
    gif = _img(awkward, "anim.gif")  # first frame red, second blue
    assert gif[0].mean() > 200 and gif[2].mean() < 60
    one = _img(awkward, "one_bit.png")
    assert one.min() < 20 and one.max() > 235
    # grey sources in a colour folder are replicated into equal channels
    grey = _img(awkward, "grey_l.png")
    assert (grey[0] == grey[1]).all() and (grey[1] == grey[2]).all()


def test_grey_folder_is_one_channel(grey_dir, tmp_path):
    ds = load_data(str(grey_dir), image_size=S, cache_dir=tmp_path / "c")
    assert tuple(ds.x.shape) == (5, 1, S, S)
    assert ds.skipped == []
    forced = load_data(str(grey_dir), image_size=S, channels=3, cache_dir=tmp_path / "c")
    assert tuple(forced.x.shape) == (5, 3, S, S)


def test_forced_one_channel(awkward_dir, tmp_path):
    ds = load_data(str(awkward_dir), image_size=S, channels=1, cache_dir=tmp_path / "c")
    assert tuple(ds.x.shape) == (len(READABLE), 1, S, S)
    red = ds.x[ds.files.index("rgba.png"), 0].numpy().astype(int)
    assert (red[:, :4] == 255).all() and abs(int(red[:, -4:].mean()) - 76) <= 3  # luma of red


def test_resize_shorter_side_then_centre_crop(tmp_path):
    from PIL import Image

    root = tmp_path / "wide"
    root.mkdir()
    a = np.zeros((40, 120, 3), dtype=np.uint8)
    a[:, :40] = (255, 0, 0)  # left third red, middle third green, right third blue
    a[:, 40:80] = (0, 255, 0)
    a[:, 80:] = (0, 0, 255)
    Image.fromarray(a).save(root / "a.png")
    Image.fromarray(a.transpose(1, 0, 2).copy()).save(root / "b.png")  # tall version
    ds = load_data(str(root), image_size=20, cache_dir=tmp_path / "c")
    assert tuple(ds.x.shape) == (2, 3, 20, 20)
    for img in ds.x.numpy().astype(int):
        assert img[1].mean() > 240 and img[0].mean() < 10 and img[2].mean() < 10


@pytest.mark.parametrize(
    "side, expected", [(24, 32), (25, 32), (12, 16), (40, 32), (50, 64), (300, 64)]
)
def test_default_folder_size_follows_the_images(make_images, tmp_path, side, expected):
    ds = load_data(str(make_images(tmp_path / "imgs", 2, size=side)), cache_dir=tmp_path / "c")
    assert tuple(ds.x.shape) == (2, 3, expected, expected)


def test_labels_from_class_subfolders(class_dir, tmp_path):
    ds = load_data(str(class_dir), image_size=S, cache_dir=tmp_path / "c")
    assert ds.class_names == ["cats", "dogs"]
    assert ds.files == ["cats/a.png", "cats/b.png", "dogs/c.png", "dogs/x/d.png"]
    assert ds.labels.dtype == torch.int64 and ds.labels.tolist() == [0, 0, 1, 1]
    assert ds.spec()["num_classes"] == 2


def test_no_labels_with_one_subfolder_or_root_images(class_dir, make_images, tmp_path):
    make_images(class_dir, 1)  # a loose image at the root: the folders are not classes
    ds = load_data(str(class_dir), image_size=S, cache_dir=tmp_path / "c")
    assert ds.labels is None and ds.class_names == []
    one = make_images(tmp_path / "one" / "only", 2).parent
    ds = load_data(str(one), image_size=S, cache_dir=tmp_path / "c")
    assert ds.labels is None


def test_empty_folder_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("no images here")
    with pytest.raises(GanError, match="no images in"):
        load_data(str(tmp_path / "empty"), cache_dir=tmp_path / "c")


def test_only_broken_files_is_an_error(tmp_path):
    root = tmp_path / "broken"
    root.mkdir()
    (root / "a.png").write_bytes(b"")
    (root / "b.jpg").write_text("text")
    with pytest.raises(GanError, match="no readable image.*all 2 image files failed"):
        load_data(str(root), cache_dir=tmp_path / "c")


def test_spec_for_images(awkward):
    spec = awkward.spec()
    assert spec == {
        "name": "awkward",
        "kind": "image",
        "shape": [3, S, S],
        "value_range": [-1.0, 1.0],
        "num_classes": 0,
        "class_names": [],
    }
