"""Feature extractors (the cached classifier, Inception's safe loading and its offline error),
the reference-feature cache, and receipts: merging results files and refusing comparisons."""

from __future__ import annotations

import json
from fractions import Fraction
from unittest import mock

import pytest
import torch

from gancli.data import load_data
from gancli.errors import GanError
from gancli.metrics import features as F
from gancli.metrics.receipt import compare_results, merge_results, read_results, receipt


@pytest.fixture(scope="module")
def shapes16():
    return load_data("shapes", image_size=16)


def test_classifier_is_trained_once_and_cached(shapes16):
    h = F.data_hash(shapes16)
    notes: list[str] = []
    a = F.build_extractor("classifier", shapes16, h, classifier_epochs=1, note=notes.append)
    b = F.build_extractor("classifier", shapes16, h, classifier_epochs=1, note=notes.append)
    assert len(notes) <= 1  # trained at most once (another test may have trained it first)
    assert a.weights_hash == b.weights_hash and a.weights_hash.startswith("sha256:")
    assert a.class_names == ["circle", "square", "triangle"]
    out = a(shapes16.x[:5])
    assert out.features.shape == (5, 128) and out.logits.shape == (5, 3)
    assert a.info["held_out_accuracy"] is not None
    # the reference features: computed once, then read back identical from the cache
    r1 = F.reference_features(shapes16, h, a)
    r2 = F.reference_features(shapes16, h, b)
    assert r2.cached and r1.hash == r2.hash
    torch.testing.assert_close(r1.features.features, r2.features.features)


def test_classifier_needs_labels(shapes16):
    unlabelled = type(shapes16)(name="folder", kind="image", x=shapes16.x[:50])
    with pytest.raises(GanError, match="has none: give a labelled set"):
        F.build_extractor("classifier", unlabelled, F.data_hash(unlabelled))


def test_data_hash_follows_the_pixels(shapes16):
    a = type(shapes16)(name="a", kind="image", x=shapes16.x[:20].clone())
    b = type(shapes16)(name="b", kind="image", x=shapes16.x[:20].clone())
    assert F.data_hash(a) == F.data_hash(b)
    b.x[0, 0, 0, 0] ^= 1
    assert F.data_hash(a) != F.data_hash(b)


def test_inception_offline_is_one_clear_line(monkeypatch, tmp_path, shapes16):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # no cached download
    monkeypatch.delenv(F.INCEPTION_ENV, raising=False)
    monkeypatch.setenv("GANCLI_OFFLINE", "1")
    with pytest.raises(GanError) as e:
        F.build_extractor("inception", shapes16, "h")
    msg = str(e.value)
    assert "\n" not in msg and "--inception-weights" in msg and F.INCEPTION_ENV in msg
    with pytest.raises(GanError, match="no such file"):
        F.build_extractor("inception", shapes16, "h", inception_weights=str(tmp_path / "x.pth"))


def test_inception_weights_are_read_as_tensors_only(tmp_path, shapes16):
    """A weights file with anything but tensors is refused (torch-fidelity itself would
    unpickle it); a safetensors file of the right names gives 2048-d features and logits."""
    bad = tmp_path / "bad.pth"
    torch.save({"w": torch.zeros(1), "f": Fraction(1, 2)}, bad)
    with pytest.raises(GanError, match="could not read"):
        F.build_extractor("inception", shapes16, "h", inception_weights=str(bad))

    from safetensors.torch import save_file
    from torch_fidelity import feature_extractor_inceptionv3 as fe

    with (
        mock.patch.object(fe, "load_state_dict_from_url", lambda *a, **k: {}),
        mock.patch.object(fe.FeatureExtractorInceptionV3, "load_state_dict", lambda *a, **k: None),
    ):
        net = fe.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"])
    path = tmp_path / "inception.safetensors"
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(path))
    notes: list[str] = []
    ext = F.build_extractor(
        "inception", shapes16, "h", inception_weights=str(path), note=notes.append
    )
    assert ext.weights_hash == F.file_sha256(path)
    # random weights are not the FID weights: said once, and the receipt's hash differs
    assert len(notes) == 1 and "not torch-fidelity's FID Inception weights" in notes[0]
    assert ext.info["standard_fid_weights"] is False
    assert "299" in ext.resize
    grey = shapes16.x[:2, :1]  # grey images are repeated to RGB
    out = ext(grey)
    assert out.features.shape == (2, 2048) and out.logits.shape == (2, 1008)

    wrong = tmp_path / "wrong.safetensors"
    save_file({"fc.weight": torch.zeros(3, 3)}, str(wrong))
    with pytest.raises(GanError, match="does not hold the FID Inception-v3 weights"):
        F.build_extractor("inception", shapes16, "h", inception_weights=str(wrong))


def test_unknown_and_mismatched_extractors(shapes16):
    with pytest.raises(GanError, match="2-D points have no image features"):
        F.build_extractor("classifier", load_data("ring8"), "h")
    with pytest.raises(GanError, match="for 2-D toy data"):
        F.build_extractor("points", shapes16, "h")


# ---- receipts -----------------------------------------------------------------------------


def result(metric: str = "fid", value: float = 1.0, **fields) -> dict:
    base = dict(
        n=100,
        n_ref=200,
        features="classifier",
        features_hash="sha256:aa",
        resize="none",
        reference_hash="sha256:bb",
        protocol={"fid": 1},
        seed=0,
    )
    base.update(fields)
    return {"metric": metric, "value": value, "receipt": receipt(metric=metric, **base)}


def test_merge_replaces_reruns_and_appends_the_rest(tmp_path):
    path = tmp_path / "metrics.json"
    merge_results(path, [result("fid", 1.0), result("kid", 0.1)])
    merged = merge_results(path, [result("fid", 2.0), result("fid", 3.0, n=500)])
    assert [(r["metric"], r["value"]) for r in merged] == [("kid", 0.1), ("fid", 2.0), ("fid", 3.0)]
    assert read_results(path) == merged
    path.write_text("{not json")
    with pytest.raises(GanError, match="move it away"):
        merge_results(path, [result()])


@pytest.mark.parametrize(
    "field,value,named",
    [
        ("n", 5000, "in n ("),
        ("features", "inception", "in features ("),
        ("features_hash", "sha256:cc", "in features_hash"),
        ("resize", "bilinear", "in resize"),
        ("reference_hash", "sha256:dd", "in reference_hash"),
        ("protocol", {"fid": 2}, "in protocol.fid"),
    ],
)
def test_compare_refuses_and_names_the_field(field, value, named):
    with pytest.raises(GanError, match="cannot compare fid") as e:
        compare_results([result()], [result(**{field: value})], ("a.json", "b.json"))
    assert named in str(e.value) and "a.json" in str(e.value)


def test_compare_pairs_matching_receipts_and_ignores_seed_and_source():
    a = [result("fid", 3.0), result("kid", 0.2, protocol={"subsets": 100})]
    b = [result("fid", 2.0, seed=7, source={"checkpoint": "other"}), result("is", 5.0)]
    rows, notes = compare_results(a, b, ("a", "b"))
    assert [(r["metric"], r["a"]["value"], r["b"]["value"]) for r in rows] == [("fid", 3.0, 2.0)]
    assert notes == ["kid is only in a", "is is only in b"]
    with pytest.raises(GanError, match="share no metric"):
        compare_results([result("kid")], [result("fid")], ("a", "b"))
    json.dumps(rows)  # plain JSON
