"""Captions: read from a folder (captions.txt, metadata.jsonl), written for shapes and faces."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from gancli.data import load_data
from gancli.data.captions import (
    HELD_OUT_SHAPES,
    PER_IMAGE,
    face_captions,
    held_out_shape_captions,
    shape_captions,
    words,
)
from gancli.data.shapes import ATTRIBUTE_NAMES as SHAPE_NAMES
from gancli.data.synthfaces import ATTRIBUTE_NAMES as FACE_NAMES
from gancli.errors import GanError


def _folder(root, names=("a.png", "b.png", "sub/c.png")):
    for i, name in enumerate(names):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (8, 8), (40 * i, 0, 0)).save(root / name)
    return root


def test_captions_txt_gives_each_image_its_captions(tmp_path):
    root = _folder(tmp_path / "imgs")
    (root / "captions.txt").write_text(
        "# file<TAB>caption\na.png\tA red thing\nsub/c.png\ta blue thing\na.png\ta crimson one\n"
    )
    data = load_data(str(root), image_size=8, cache_dir=tmp_path / "cache")
    by_file = dict(zip(data.files, data.captions))
    assert by_file == {
        "a.png": ["A red thing", "a crimson one"],
        "b.png": [],
        "sub/c.png": ["a blue thing"],
    }
    assert data.spec()["text"]["vocabulary"] == ["a", "blue", "crimson", "one", "red", "thing"]


def test_metadata_jsonl_hugging_face_convention(tmp_path):
    root = _folder(tmp_path / "imgs", ("a.png", "b.png"))
    rows = [{"file_name": "a.png", "text": "a dog"}, {"file_name": "b.png", "caption": ["x", "y"]}]
    (root / "metadata.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    data = load_data(str(root), image_size=8, cache_dir=tmp_path / "cache")
    assert dict(zip(data.files, data.captions)) == {"a.png": ["a dog"], "b.png": ["x", "y"]}


def test_caption_for_a_missing_file_is_one_clear_error(tmp_path):
    root = _folder(tmp_path / "imgs", ("a.png",))
    (root / "captions.txt").write_text("nope.png\ta cat\n")
    with pytest.raises(GanError, match="nope.png"):
        load_data(str(root), image_size=8, cache_dir=tmp_path / "cache")
    (root / "captions.txt").write_text("a.png a cat without a tab\n")
    with pytest.raises(GanError, match="FILE<TAB>CAPTION"):
        load_data(str(root), image_size=8, cache_dir=tmp_path / "cache")


def test_folder_without_captions_has_none(tmp_path):
    data = load_data(str(_folder(tmp_path / "imgs")), image_size=8, cache_dir=tmp_path / "c")
    assert data.captions == [] and "text" not in data.spec()


def _shape_attrs(n=400, seed=3):
    rng = np.random.default_rng(seed)
    return {k: rng.integers(0, len(v), n) for k, v in SHAPE_NAMES.items()}


def test_shape_captions_describe_the_image_truly_with_varied_wording():
    attrs = _shape_attrs()
    caps = shape_captions(attrs, SHAPE_NAMES, seed=0)
    assert len(caps) == 400 and all(len(c) == PER_IMAGE for c in caps)
    assert caps == shape_captions(attrs, SHAPE_NAMES, seed=0)  # deterministic
    colours = set(SHAPE_NAMES["colour"])
    for i, per_image in enumerate(caps):
        colour = SHAPE_NAMES["colour"][attrs["colour"][i]]
        for c in per_image:
            named = colours & set(words(c))
            assert named <= {colour}, (c, colour)  # never a wrong colour
    flat = [c for per in caps for c in per]
    assert len(set(flat)) > 500  # many distinct wordings
    assert any("big" in words(c) for c in flat) and any("large" in words(c) for c in flat)
    assert any(not (colours & set(words(c))) for c in flat)  # colour sometimes left out


def test_held_out_colour_shape_pairs_are_never_named_together():
    attrs = _shape_attrs(2000)
    caps = shape_captions(attrs, SHAPE_NAMES, seed=0)
    nouns = {"triangle": {"triangle"}, "square": {"square", "box", "block"}}
    nouns["circle"] = {"circle", "disc", "dot"}
    for per_image in caps:
        for c in per_image:
            w = set(words(c))
            for colour, shape in HELD_OUT_SHAPES:
                assert not (colour in w and nouns[shape] & w), c
    prompts = [text for text, _ in held_out_shape_captions()]
    assert "a red triangle" in prompts


def test_face_captions_name_only_what_the_face_has():
    rng = np.random.default_rng(0)
    attrs = {k: rng.integers(0, len(v), 300) for k, v in FACE_NAMES.items()}
    caps = face_captions(attrs, FACE_NAMES, seed=1)
    for i, per_image in enumerate(caps):
        has_glasses = FACE_NAMES["glasses"][attrs["glasses"][i]] != "none"
        smiling = FACE_NAMES["expression"][attrs["expression"][i]] == "smiling"
        for c in per_image:
            w = set(words(c))
            assert has_glasses or not w & {"glasses", "sunglasses", "spectacles"}, c
            assert smiling or "smiling" not in w, c
    assert any("smiling" in c and "glasses" in c for per in caps for c in per)


def test_built_in_shapes_come_with_captions(tmp_path):
    data = load_data("shapes", image_size=16, cache_dir=tmp_path / "cache")
    # made on first use: a model that reads no text neither waits for them nor stores words
    assert data.captions == [] and "text" not in data.spec()
    captions = data.load_captions()
    assert len(captions) == len(data) and len(captions[0]) == PER_IMAGE
    assert data.captions is captions
    text = data.spec()["text"]
    assert {"red", "circle", "left"} <= set(text["vocabulary"])
    assert len(text["examples"]) == 8
