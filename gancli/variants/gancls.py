"""GAN-CLS / GAN-INT: Reed et al. 2016, "Generative Adversarial Text to Image Synthesis".

G(z, φ(t)) draws an image for a caption t; D(x, φ(t)) scores an image and a caption together.
The paper's φ is a char-CNN-RNN pretrained jointly with the images (1024-d). Here φ(t) is the
caption's bag of words over the model's vocabulary (the training captions' words, kept in the
checkpoint's config), L2-normalised: fixed, transparent, and enough for captions whose meaning
is which attribute words they hold, as the procedural sets' are; word order is not read. Each
net compresses φ(t) to 128 by its own fully connected layer with a leaky ReLU, as in the paper
(`gancli/nets/gancls.py`).

Losses (the paper's Algorithm 1), s = sigmoid of D's logit:
- matching-aware D (GAN-CLS, `--cls`): log s(real, right text) + [log(1 - s(real, wrong text))
  + log(1 - s(fake, right text))] / 2; the wrong text is another image's caption from the
  batch. `--no-cls`: the plain conditional log loss, log s(real, right) + log(1 - s(fake, right)).
- G: -log s(G(z, φ(t)), t) and, with GAN-INT (`--int`), the same on interpolated embeddings
  β φ(t1) + (1 - β) φ(t2) of two training captions, β = 0.5 (the paper's), scored by D with
  the interpolated embedding.
Adam 2e-4, beta1 0.5, batch 64, z 100-d normal; one caption drawn per image per step.
"""

from __future__ import annotations

import difflib
from typing import Any, ClassVar

from gancli._lazy import lazy
from gancli.errors import GanError
from gancli.variants import register
from gancli.variants._nets import dcgan_generator
from gancli.variants.base import Hyper, Option, Variant

torch = lazy("torch")
F = lazy("torch.nn.functional")

MAX_WORDS = 32  # a caption's words beyond this are not read
MAX_CAPTIONS = 10  # captions kept per image for training
BETA = 0.5  # GAN-INT's interpolation weight


def text_features(tokens: Any, vocab_size: int) -> Any:
    """φ(t): word ids (..., L), 0 for padding and word i of the vocabulary as i + 1, as the
    caption's bag of words (..., V), L2-normalised (an empty caption is all zeros)."""
    bag = torch.zeros(*tokens.shape[:-1], vocab_size + 1, device=tokens.device)
    bag.scatter_add_(-1, tokens, torch.ones_like(tokens, dtype=bag.dtype))
    bag = bag[..., 1:]
    return bag / bag.norm(dim=-1, keepdim=True).clamp_min(1e-8)


def caption_ids(
    texts: list[str], vocab: list[str], strict: bool = False, what: str = "--text"
) -> Any:
    """Captions as word ids (n, MAX_WORDS), padded with 0. Words outside the vocabulary are
    skipped, or refused with `strict` in one line that names them and some words it knows."""
    from gancli.data.captions import words

    index = {w: i + 1 for i, w in enumerate(vocab)}
    out = torch.zeros(len(texts), MAX_WORDS, dtype=torch.long)
    for row, text in enumerate(texts):
        ws = words(text)
        unknown = [w for w in ws if w not in index]
        if strict and (unknown or not ws):
            raise GanError(unknown_words(text, unknown, vocab, what))
        ids = [index[w] for w in ws if w in index][:MAX_WORDS]
        out[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
    return out


def unknown_words(text: str, unknown: list[str], vocab: list[str], what: str) -> str:
    if not unknown:
        return f"{what} {text!r} holds no word; give a caption such as 'a red square'"
    close = [c for w in unknown for c in difflib.get_close_matches(w, vocab, n=3)]
    some = list(dict.fromkeys(close + [w for w in vocab if len(w) > 2]))[:8]
    names = ", ".join(repr(w) for w in dict.fromkeys(unknown))
    return (
        f"{what} {text!r}: this model does not know the word{'s' * (len(unknown) > 1)} "
        f"{names}; it knows {len(vocab)} words, e.g. {', '.join(some)}"
    )


@register
class GANCLS(Variant):
    """Nets: DCGAN's, each with its own text compression (FC to 128, leaky ReLU), the code
    concatenated to z in G and to the 4x4 maps in D. Losses: the matching-aware D and GAN-INT's
    interpolated captions in G (above). Optimiser: Adam."""

    name = "gancls"
    paper = "Reed et al. 2016, Generative Adversarial Text to Image Synthesis (GAN-CLS, GAN-INT)"
    summary = (
        "Text to image: G draws what a caption says; sample with --text. The text encoder is a "
        "bag of words over the training captions' vocabulary (the paper's is a char-CNN-RNN)."
    )
    defaults = Hyper(
        z_dim=100,
        prior="normal",
        batch_size=64,
        optimizer="adam",
        lr_g=2e-4,
        lr_d=2e-4,
        betas=(0.5, 0.999),
        extra={"cls": True, "int": True},
    )
    options = (
        Option(
            "cls",
            bool,
            "GAN-CLS's matching-aware D: real images with another image's caption are a third, "
            "fake term (--no-cls: D sees only real and fake images with their right captions).",
        ),
        Option(
            "int",
            bool,
            "GAN-INT: G also learns from interpolated captions, 0.5 phi(t1) + 0.5 phi(t2).",
        ),
    )
    text: ClassVar[bool] = True
    augmentable: ClassVar[bool] = False  # D's text pairing, not its pixels, is what it learns

    @classmethod
    def check_data(cls, spec: dict[str, Any]) -> None:
        super().check_data(spec)
        if spec.get("kind") != "image" or not spec.get("text"):
            raise GanError(
                f"{cls.name} trains on captioned images: a folder with captions.txt "
                f"(file<TAB>caption lines) or metadata.jsonl, or shapes / synthfaces; "
                f"'{spec.get('name')}' has no captions"
            )

    @classmethod
    def net_config(cls, spec, hyper, width):
        vocab = len(spec["text"]["vocabulary"])
        channels, size, _ = spec["shape"]
        g = dcgan_generator(spec, hyper.z_dim, width or 128)
        g.update(family="gancls.generator", vocab_size=vocab, text_dim=128)
        return {
            "generator": g,
            "discriminator": {
                "family": "gancls.discriminator",
                "vocab_size": vocab,
                "channels": channels,
                "image_size": size,
                "width": width or 128,
                "text_dim": 128,
            },
        }

    # ---- text ------------------------------------------------------------------------------
    @property
    def vocabulary(self) -> list[str]:
        return list(self.spec["text"]["vocabulary"])

    def embed(self, texts: list[str], what: str = "--text") -> Any:
        """φ of each caption, (n, V); an unknown word is refused in one line."""
        ids = caption_ids(texts, self.vocabulary, strict=True, what=what)
        return text_features(ids, len(self.vocabulary)).to(self.device)

    def examples(self) -> list[str]:
        return list(self.spec["text"].get("examples") or []) or [""]

    def seed_texts(self, seeds: Any) -> Any:
        """φ of the example caption `seed mod K` for each seed (no --text given)."""
        ex = self.examples()
        ids = caption_ids([ex[int(s) % len(ex)] for s in seeds], self.vocabulary)
        return text_features(ids, len(self.vocabulary))

    def grid_columns(self) -> int:
        return len(self.examples())

    def training_labels(self, data: Any) -> Any:
        """Every image's captions as word ids (N, C, MAX_WORDS): C = the most captions an image
        has (at most MAX_CAPTIONS), an image with fewer repeats its own."""
        captions = data.load_captions()
        per = min(MAX_CAPTIONS, max(len(c) for c in captions))
        flat, vocab = [], self.vocabulary
        for caps in captions:
            caps = list(caps) or [""]
            flat += [caps[i % len(caps)] for i in range(per)]
        return caption_ids(flat, vocab).view(len(captions), per, MAX_WORDS)

    def _phi(self, labels: Any) -> Any:
        """φ of one caption per image: batch labels are (N, C, L) word ids, of which a random
        caption is taken; (N, L) ids are one caption each; floats are φ already."""
        if labels is None:
            raise GanError("gancls draws from a caption: give one (--text)")
        if labels.is_floating_point():
            return labels.to(self.device)
        if labels.dim() == 3:
            pick = torch.randint(labels.shape[1], (labels.shape[0],), device=labels.device)
            labels = labels[torch.arange(labels.shape[0], device=labels.device), pick]
        return text_features(labels.to(self.device), len(self.vocabulary))

    def generate(self, z: Any, labels: Any = None, net: Any = None) -> Any:
        phi = self._phi(labels) if labels is not None else self.seed_texts(range(len(z)))
        return (net if net is not None else self.generator)(z, phi.to(z.device))

    def realness(self, x: Any, labels: Any = None) -> Any:
        phi = self._phi(labels) if labels is not None else self.seed_texts(range(len(x)))
        return self.discriminator(x, phi.to(x.device)).float()

    # ---- losses ----------------------------------------------------------------------------
    def d_loss(self, real, labels):
        phi = self._phi(labels)
        fake = self.generator(self.sample_z(real.shape[0]), phi).detach()
        s_real = self.discriminator(real, phi).float()
        s_fake = self.discriminator(fake, phi).float()
        logs = {"d_real": s_real.mean(), "d_fake": s_fake.mean()}
        if not self.hyper.extra.get("cls", True):
            return F.softplus(-s_real).mean() + F.softplus(s_fake).mean(), logs
        # another image's caption: the batch is in random order, so the next row's will do
        s_wrong = self.discriminator(real, phi.roll(1, 0)).float()
        loss = F.softplus(-s_real).mean() + 0.5 * (
            F.softplus(s_wrong).mean() + F.softplus(s_fake).mean()
        )
        return loss, {**logs, "d_wrong": s_wrong.mean()}

    def g_loss(self, real, labels):
        phi = self._phi(labels)
        n = real.shape[0]
        loss = F.softplus(-self.discriminator(self.generator(self.sample_z(n), phi), phi).float())
        loss = loss.mean()
        if not self.hyper.extra.get("int", True):
            return loss, {}
        mixed = BETA * phi + (1 - BETA) * phi.roll(1, 0)
        s_int = self.discriminator(self.generator(self.sample_z(n), mixed), mixed).float()
        interpolated = F.softplus(-s_int).mean()
        return loss + interpolated, {"g_int": interpolated}
