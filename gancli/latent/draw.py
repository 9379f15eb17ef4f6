"""What a generator is asked to draw: seeds -> latents -> classes, in one place.

Every command that draws from a checkpoint (sample, interpolate, concept, evaluate, project) and
the evaluation protocol go through `draw`, so one contract holds everywhere:

- sample i of seeds S is the latent of seed S[i], whatever else is drawn with it;
- a conditional model draws class `seed mod K` unless a class is named;
- truncation cuts the noise part of normal latents, never the codes after it;
- latent codes (InfoGAN) set by name override what the seed drew.

    from gancli.engine.model import load_model
    from gancli.latent.draw import draw

    model = load_model("mnist5k-dcgan", "cpu")
    batch = draw(model.variant, seeds=range(16))
    images = model.sample(batch.z, batch.labels)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from gancli.errors import GanError


@dataclass
class Draw:
    """Latents (N, latent_size), their class labels (N,) or None, and the seed of each row."""

    z: torch.Tensor
    labels: torch.Tensor | None
    seeds: list[int]

    def __len__(self) -> int:
        return len(self.z)

    def __getitem__(self, part: slice) -> Draw:
        labels = None if self.labels is None else self.labels[part]
        return Draw(self.z[part], labels, self.seeds[part])


def seed_classes(variant: Any, seeds: Sequence[int]) -> torch.Tensor | None:
    """The class a conditional model draws for each seed when none is named: seed mod K (a
    text model: its example caption seed mod K, as the text's embedding)."""
    if variant.text:
        return variant.seed_texts(seeds)
    if not variant.conditional:
        return None
    return torch.tensor([s % variant.num_classes for s in seeds], dtype=torch.long)


def class_labels(variant: Any, seeds: Sequence[int], classes: Any = None) -> torch.Tensor | None:
    """Labels for `seeds`: seed mod K, or one fixed class (int), or one per seed (a sequence)."""
    if classes is None:
        return seed_classes(variant, seeds)
    if not variant.conditional:
        raise GanError(f"classes need a conditional checkpoint; this one is {variant.name}")
    if isinstance(classes, int):
        labels = torch.full((len(seeds),), classes, dtype=torch.long)
    else:
        labels = torch.as_tensor(list(classes), dtype=torch.long)
        if len(labels) != len(seeds):
            raise GanError(f"{len(labels)} classes for {len(seeds)} samples")
    if len(labels) and not 0 <= int(labels.min()) <= int(labels.max()) < variant.num_classes:
        raise GanError(f"a class must be 0 to {variant.num_classes - 1}")
    return labels


def class_index(text: str, spec: dict[str, Any]) -> int:
    """A class named by its name or index in a checkpoint's spec."""
    names = [str(c) for c in spec.get("class_names") or []]
    if text in names:
        return names.index(text)
    if text.isdigit() and int(text) < len(names):
        return int(text)
    shown = ", ".join(names[:20]) + (" ..." if len(names) > 20 else "")
    raise GanError(f"unknown class '{text}'; this checkpoint's classes: {shown} (or 'all')")


def refuse_translation(variant: Any) -> None:
    """One line for a model that maps images to images (pix2pix, cyclegan, srresnet, srgan):
    it draws nothing from noise, and the line names the command that applies it."""
    if variant.translates:
        from gancli.store.describe import applying_command

        raise GanError(
            f"this is a {variant.name} model: it translates images and draws nothing from "
            f"noise; use gan {applying_command(variant.config.get('translation'))} CKPT IMAGE -o OUT"
        )


def draw(
    variant: Any,
    seeds: Iterable[int] | None = None,
    latents: torch.Tensor | None = None,
    codes: Iterable[tuple[str, float]] = (),
    classes: Any = None,
    truncation: float | None = None,
) -> Draw:
    """The latents and classes to draw: from `seeds` (one latent per seed), or exact `latents`
    (their seeds are their row numbers); then `truncation` (normal priors), then each
    (code name, value) of `codes`; classes as `class_labels` gives them."""
    from gancli.latent.codes import set_code
    from gancli.latent.priors import seeded_latents
    from gancli.latent.walks import apply_truncation

    if (seeds is None) == (latents is None):
        raise ValueError("draw takes seeds or latents, one of them")
    refuse_translation(variant)
    if latents is not None:
        z, chosen = latents, list(range(len(latents)))
    else:
        chosen = [int(s) for s in seeds]  # type: ignore[union-attr]
        z = seeded_latents(variant, chosen)
    z_dim = variant.hyper.z_dim
    z = apply_truncation(z, truncation, variant.hyper.prior, z_dim)
    codes = list(codes)
    if codes:
        z = z.clone() if z is latents else z
        for name, value in codes:
            set_code(z, z_dim, variant.latent_codes, name, value)
    return Draw(z, class_labels(variant, chosen, classes), chosen)
