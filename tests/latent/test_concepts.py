"""The concept store beside a checkpoint: save, reload, refuse what does not fit."""

from __future__ import annotations

import pytest
import torch

from gancli.errors import GanError
from gancli.latent.concepts import Concept, ConceptStore, check_name
from gancli.store.files import concepts_file as concepts_path


def test_paths_beside_the_model(tmp_path):
    assert concepts_path(tmp_path / "model.safetensors") == tmp_path / "concepts.safetensors"
    assert concepts_path(tmp_path / "faces.safetensors") == tmp_path / "faces.concepts.safetensors"


def test_round_trip_replace_remove_and_combine(tmp_path):
    path = tmp_path / "concepts.safetensors"
    store = ConceptStore(path, 4, 3)
    store.add(Concept("glasses  man", torch.tensor([1.0, 0, 0, 0]), torch.tensor([0, 1.0, 0])))
    store.add(
        Concept("man", torch.tensor([0, 2.0, 0, 0]), torch.tensor([0, 1.0, 0]), {"seeds": [1]})
    )
    store.save()
    again = ConceptStore(path, 4, 3)
    assert again.names == ["glasses man", "man"]  # whitespace in names normalised
    assert again.get("man").source["seeds"] == [1]
    z, y = again.combine([("glasses man", 1.0), ("man", -0.5)])
    assert torch.equal(z, torch.tensor([1.0, -1.0, 0, 0])) and torch.equal(
        y, torch.tensor([0, 0.5, 0])
    )
    with pytest.raises(GanError, match="--replace"):
        again.add(Concept("man", torch.zeros(4), torch.zeros(3)))
    again.add(Concept("man", torch.zeros(4), torch.zeros(3)), replace=True)
    again.remove("glasses man")
    again.save()
    assert ConceptStore(path, 4, 3).names == ["man"]
    with pytest.raises(GanError, match="closest: man"):
        again.get("mam")


def test_concepts_of_another_model_are_refused(tmp_path):
    path = tmp_path / "concepts.safetensors"
    store = ConceptStore(path, 4)
    store.add(Concept("a", torch.zeros(4)))
    store.save()
    with pytest.raises(GanError, match="another model"):
        ConceptStore(path, 8)


@pytest.mark.parametrize("bad", ["", "  ", "2x", "a-b", "smile!", "a+b"])
def test_bad_names(bad):
    with pytest.raises(GanError, match="concept name"):
        check_name(bad)
