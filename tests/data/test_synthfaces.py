"""synthfaces: procedural faces with labelled attributes, their cache, and `gan data export`."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from typer.testing import CliRunner

from gancli.cli import app
from gancli.data import load_data
from gancli.data import synthfaces as sf
from gancli.errors import GanError

runner = CliRunner()


@pytest.fixture
def few_faces(monkeypatch):
    """The built-in with 60 faces instead of 30,000, so that loading it takes a second."""
    monkeypatch.setattr(sf, "COUNT", 60)


def test_faces_are_deterministic_distinct_and_sized():
    a, b = sf.make_faces(40, 32, seed=0), sf.make_faces(40, 32, seed=0)
    assert a.x.shape == (40, 3, 32, 32) and a.x.dtype == np.uint8
    assert np.array_equal(a.x, b.x)
    assert not np.array_equal(a.x, sf.make_faces(40, 32, seed=1).x)
    flat = a.x.reshape(40, -1)
    assert len({row.tobytes() for row in flat}) == 40  # no two faces alike
    # one face is the same face at every size: the 64 px one box-averaged is close to the 32
    big = sf.make_faces(4, 64, seed=0).x.astype(float)
    small = big.reshape(4, 3, 32, 2, 32, 2).mean(axis=(3, 5))
    assert np.abs(small - a.x[:4]).mean() < 3.0


def test_attributes_are_labelled_independent_and_overlap_as_in_photos():
    params = [sf.face_params(0, i) for i in range(3000)]
    get = {k: np.array([p[k] for p in params]) for k in sf.ATTRIBUTE_NAMES}
    for k, names in sf.ATTRIBUTE_NAMES.items():
        assert set(get[k]) <= set(range(len(names)))
    man = get["presentation"] == 0
    assert 0.45 < man.mean() < 0.55
    # glasses and expression do not depend on presentation
    for k in ("glasses", "expression"):
        for v in range(len(sf.ATTRIBUTE_NAMES[k])):
            assert abs((get[k][man] == v).mean() - (get[k][~man] == v).mean()) < 0.06
    # presentation sets the odds, with overlap: some men have long hair or earrings, some
    # women short hair; only men have facial hair, only women lipstick
    long_hair = get["hair_style"] == sf.ATTRIBUTE_NAMES["hair_style"].index("long")
    short = get["hair_style"] == 0
    assert 0 < long_hair[man].mean() < long_hair[~man].mean()
    assert 0 < short[~man].mean() < short[man].mean()
    assert (get["facial_hair"][~man] == 0).all() and (get["facial_hair"][man] > 0).mean() > 0.4
    assert (get["lipstick"][man] == 0).all() and get["lipstick"][~man].mean() > 0.3
    assert 0 < get["earrings"][man].mean() < get["earrings"][~man].mean()
    # every hair colour and skin tone, grey included
    assert set(get["hair_colour"]) == set(range(5)) and set(get["skin"]) == set(range(5))


def _eyes_and_mouth(p: dict) -> tuple[float, float]:
    img = sf.render_face({**p, "tilt": 0.0, "shift_x": 0.0, "shift_y": 0.0}, 64).astype(float)
    eyes = img[:, 25:35, 12:52].mean()
    mouth = img[:, 42:55, 22:42]
    return eyes, mouth


def test_the_attributes_show_in_the_pixels():
    p = sf.face_params(0, 3)
    none = {**p, "glasses": 0}
    sun = {**p, "glasses": sf.ATTRIBUTE_NAMES["glasses"].index("sunglasses")}
    assert _eyes_and_mouth(sun)[0] < _eyes_and_mouth(none)[0] - 20  # dark lenses
    neutral = _eyes_and_mouth({**p, "expression": 0})[1]
    smiling = _eyes_and_mouth({**p, "expression": 1})[1]
    assert np.abs(smiling - neutral).mean() > 10  # the open smile and its teeth
    shaven = sf.render_face({**p, "presentation": 0, "facial_hair": 0}, 64).astype(float)
    beard = sf.render_face({**p, "presentation": 0, "facial_hair": 3}, 64).astype(float)
    assert np.abs(beard - shaven)[:, 45:64, 12:52].mean() > 20


def test_builtin_loads_with_labels_and_refuses_sizes_it_cannot_draw(few_faces, tmp_path):
    ds = load_data("synthfaces", image_size=32, cache_dir=tmp_path)
    assert tuple(ds.x.shape) == (60, 3, 32, 32)
    assert ds.class_names == ["man", "woman"]
    assert set(ds.attribute_names) == set(sf.ATTRIBUTE_NAMES)
    assert np.array_equal(ds.labels.numpy(), ds.attributes["presentation"].numpy())
    assert load_data("faces", image_size=32, cache_dir=tmp_path).name == "synthfaces"
    with pytest.raises(GanError, match="8 to 128"):
        load_data("synthfaces", image_size=256, cache_dir=tmp_path)


def test_export_writes_pngs_and_an_attribute_table_that_data_reads_back(few_faces, tmp_path):
    out = tmp_path / "faces"
    r = runner.invoke(
        app, ["data", "export", "synthfaces", str(out), "-n", "20", "--image-size", "32"]
    )
    assert r.exit_code == 0, r.output
    files = sorted(p.name for p in out.glob("*.png"))
    assert len(files) == 20 and files[0] == "00000.png"
    rows = list(csv.DictReader(open(out / "attributes.csv")))
    assert [r_["file"] for r_ in rows] == files
    assert set(rows[0]) == {"file", *sf.ATTRIBUTE_NAMES}
    ds = load_data("synthfaces", image_size=32)
    back = load_data(str(out), image_size=32)
    assert np.array_equal(back.x.numpy(), ds.x[:20].numpy())  # PNG is lossless
    names = back.attribute_names["glasses"]
    got = [names[int(v)] for v in back.attributes["glasses"]]
    want = [sf.ATTRIBUTE_NAMES["glasses"][int(v)] for v in ds.attributes["glasses"][:20]]
    assert got == want
    # a second export into the same folder is refused in one line, nothing overwritten
    r = runner.invoke(app, ["data", "export", "synthfaces", str(out)])
    assert r.exit_code == 1 and "not empty" in r.output and "Traceback" not in r.output
    assert len(list(out.glob("*.png"))) == 20
