"""Concepts: named latent vectors stored beside a checkpoint, for latent arithmetic.

A concept is the mean of a few exemplar latents, as Radford et al. 2016 averaged three per
concept ("smiling woman", "neutral man", ...). For a conditional checkpoint it also carries a
class vector (the mean of the exemplars' one-hot labels), so "4 - 9 + 7" style arithmetic moves
the label as well as the noise.

The file is `concepts.safetensors` in the run or model folder (or `NAME.concepts.safetensors`
beside a loose `NAME.safetensors`): tensors `z.<i>` (and `y.<i>`), and in its metadata each
concept's name and where it came from (seeds, images, class).
"""

from __future__ import annotations

import difflib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from gancli.errors import GanError
from gancli.latent.expr import seed_of
from gancli.store.checkpoint import FORMAT, FORMAT_VERSION, read_file, save_tensors
from gancli.store.files import concepts_file


@dataclass
class Concept:
    name: str
    z: torch.Tensor  # (latent_size,)
    y: torch.Tensor | None = None  # (num_classes,) for conditional checkpoints
    source: dict[str, Any] = field(default_factory=dict)


def check_name(name: str) -> str:
    """Concept names: words of letters, digits and underscores, single spaces between them."""
    words = name.split()
    if not words or not all(w.replace("_", "a").isalnum() and not w[0].isdigit() for w in words):
        raise GanError(
            f"bad concept name {name!r}: use words of letters, digits and underscores "
            "(not starting with a digit), e.g. 'glasses man' or red_circle"
        )
    return " ".join(words)


class ConceptStore:
    """The concepts of one checkpoint, loaded from and saved to its concepts file."""

    def __init__(self, path: Path, latent_size: int, num_classes: int = 0) -> None:
        self.path = path
        self.latent_size = latent_size
        self.num_classes = num_classes
        self.concepts: dict[str, Concept] = {}
        if path.exists():
            self._load()

    @classmethod
    def for_model(cls, model_file: Path, variant: Any) -> ConceptStore:
        k = int(variant.num_classes) if getattr(variant, "conditional", False) else 0
        return cls(concepts_file(model_file), variant.latent_size, k)

    def _load(self) -> None:
        tensors, meta = read_file(self.path, "concepts")
        try:
            entries = json.loads(meta.get("concepts", "[]"))
        except json.JSONDecodeError as e:
            raise GanError(f"{self.path}: unreadable concept list ({e})") from e
        for i, entry in enumerate(entries):
            z = tensors.get(f"z.{i}")
            if z is None or z.shape != (self.latent_size,):
                raise GanError(
                    f"{self.path}: concept {entry.get('name')!r} does not fit this checkpoint "
                    f"(latent size {self.latent_size}); were the concepts made for another model?"
                )
            y = tensors.get(f"y.{i}")
            if self.num_classes and (y is None or y.shape != (self.num_classes,)):
                raise GanError(f"{self.path}: concept {entry.get('name')!r} has no class vector")
            self.concepts[entry["name"]] = Concept(entry["name"], z, y, entry.get("source", {}))

    def seed_concept(self, name: str, variant: Any) -> Concept:
        """The sample of the seed `name` names ('seed:42') as a concept of one exemplar."""
        from gancli.latent.priors import seeded_latents

        seed = seed_of(name)
        if seed is None or variant is None:
            raise GanError(f"{name!r} is not a seed term, or no checkpoint was given to draw it")
        y = None
        if self.num_classes:
            y = torch.nn.functional.one_hot(torch.tensor(seed % self.num_classes), self.num_classes)
            y = y.float()
        return Concept(name, seeded_latents(variant, [seed])[0], y, {"seeds": [seed]})

    def term(self, name: str, variant: Any) -> Concept:
        """The concept an expression's term names: a stored one, or a sample (seed:N)."""
        return self.seed_concept(name, variant) if seed_of(name) is not None else self.get(name)

    @property
    def names(self) -> list[str]:
        return list(self.concepts)

    def get(self, name: str) -> Concept:
        if name not in self.concepts:
            raise GanError(self.unknown(name))
        return self.concepts[name]

    def unknown(self, name: str) -> str:
        if not self.concepts:
            return (
                f"no concept {name!r}: this checkpoint has no concepts yet "
                "(make one with gan concept add NAME -c CKPT --seeds 1,2,3)"
            )
        close = difflib.get_close_matches(name, self.names, n=3, cutoff=0.5)
        hint = f"closest: {', '.join(close)}" if close else f"known: {', '.join(self.names)}"
        return f"no concept {name!r}; {hint}"

    def add(self, concept: Concept, replace: bool = False) -> None:
        concept.name = check_name(concept.name)
        if concept.name in self.concepts and not replace:
            raise GanError(
                f"concept {concept.name!r} exists; pass --replace to overwrite it, "
                "or remove it with gan concept rm"
            )
        concept.source = {**concept.source, "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
        self.concepts[concept.name] = concept

    def remove(self, name: str) -> None:
        self.get(name)
        del self.concepts[name]

    def save(self) -> None:
        tensors: dict[str, torch.Tensor] = {}
        entries = []
        for i, c in enumerate(self.concepts.values()):
            tensors[f"z.{i}"] = c.z.float()
            if c.y is not None:
                tensors[f"y.{i}"] = c.y.float()
            entries.append({"name": c.name, "source": c.source})
        if not tensors:
            self.path.unlink(missing_ok=True)
            return
        meta = {
            "format": FORMAT,
            "kind": "concepts",
            "format_version": str(FORMAT_VERSION),
            "concepts": json.dumps(entries),
        }
        save_tensors(self.path, tensors, meta)

    def combine(
        self, terms: list[tuple[str, float]], variant: Any = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """sum_i w_i * concept_i, for the latent and (conditional) the class vector.

        A term named 'seed:N' (see gancli.latent.expr) is the sample of seed N: its latent, and
        for a conditional model the class `gan sample --seed N` gives it (N mod K); it needs
        the checkpoint's `variant` to draw the latent."""
        z = torch.zeros(self.latent_size)
        y = torch.zeros(self.num_classes) if self.num_classes else None
        for name, w in terms:
            c = self.seed_concept(name, variant) if seed_of(name) is not None else self.get(name)
            z = z + w * c.z
            if y is not None and c.y is not None:
                y = y + w * c.y
        return z, y
