"""Captions: the text that comes with images, for text-to-image models (GAN-CLS).

A folder of images may carry its captions beside them, in either of two forms:

- `captions.txt`: one `file<TAB>caption` line per caption, several lines per file allowed
  (`file` relative to the folder, as `Dataset.files` names it); blank lines and lines starting
  with `#` are skipped;
- `metadata.jsonl`: the Hugging Face imagefolder convention, one JSON object per line with
  `file_name` and `text` (or `caption`), a string or a list of strings.

The procedural sets get captions written from their labelled attributes (`shape_captions`,
`face_captions`): several templates and synonyms, attributes sometimes left out, the same
captions for the same image every time (each image's wording comes from its own seeded
generator). Some colour-shape pairs are never named together in the training captions of
shapes (`HELD_OUT_SHAPES`): a caption that names both is one the model never read, for the
text-to-image benchmark (`held_out_shape_captions`).

Words are lower-case runs of letters and digits (`words`); a model's vocabulary is the sorted
set of its training captions' words (`vocabulary`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from gancli.errors import GanError

CAPTIONS_TXT = "captions.txt"
METADATA_JSONL = "metadata.jsonl"
PER_IMAGE = 5  # captions written per procedural image (CUB and Oxford-102 have 10)
MAX_VOCABULARY = 5000  # a folder's most frequent words; the rest are left out of the encoding

_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """The words of a caption: lower-case runs of letters and digits ("top-left" is 2)."""
    return _WORD.findall(text.lower())


def vocabulary(captions: Sequence[Sequence[str]], limit: int = MAX_VOCABULARY) -> list[str]:
    """The `limit` most frequent words of the captions (ties by the word), sorted."""
    counts = Counter(w for caps in captions for c in caps for w in words(c))
    kept = sorted(counts, key=lambda w: (-counts[w], w))[:limit]
    return sorted(kept)


# --- captions that come with a folder ------------------------------------------------------


def _from_txt(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, tab, text = line.partition("\t")
        if not tab or not text.strip():
            raise GanError(f"{path}:{n}: a line must be FILE<TAB>CAPTION; got {line[:60]!r}")
        out.setdefault(name.strip(), []).append(text.strip())
    return out


def _from_jsonl(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise GanError(f"{path}:{n}: not a JSON object ({e.msg})") from e
        text = row.get("text", row.get("caption")) if isinstance(row, dict) else None
        if not isinstance(row, dict) or "file_name" not in row or text is None:
            raise GanError(f"{path}:{n}: each line needs 'file_name' and 'text' (or 'caption')")
        texts = [text] if isinstance(text, str) else list(text)
        out.setdefault(str(row["file_name"]), []).extend(str(t).strip() for t in texts)
    return out


def read_folder_captions(root: Path, files: Sequence[str]) -> list[list[str]]:
    """The captions of each of `files` (paths relative to `root`) from the folder's
    captions.txt or metadata.jsonl; [] when it has neither. An image without a caption gets
    none (it trains with an empty text); a caption for a file the folder lacks is refused."""
    found = [root / f for f in (CAPTIONS_TXT, METADATA_JSONL) if (root / f).is_file()]
    if not found:
        return []
    if len(found) > 1:
        raise GanError(f"'{root}' has both {CAPTIONS_TXT} and {METADATA_JSONL}: keep one")
    path = found[0]
    table = _from_txt(path) if path.name == CAPTIONS_TXT else _from_jsonl(path)
    known = {f.replace("\\", "/") for f in files}
    missing = [name for name in table if name not in known]
    if missing:
        raise GanError(
            f"{path.name} names {len(missing)} file(s) that are not images of '{root}' "
            f"(e.g. {missing[0]!r}); names are relative to the folder"
        )
    captions = [table.get(f.replace("\\", "/"), []) for f in files]
    if not any(captions):
        raise GanError(f"{path} holds no caption")
    return captions


# --- captions written from attributes: shapes ----------------------------------------------

# colour-shape pairs never named together in training captions (an image of one is described
# by its colour or by its shape, never both)
HELD_OUT_SHAPES = (("red", "triangle"), ("green", "square"), ("blue", "circle"))

_SHAPE_NOUN = {
    "circle": ("circle", "disc", "dot"),
    "square": ("square", "box", "block"),
    "triangle": ("triangle",),
}
_SIZE_WORD = {"small": ("small", "little", "tiny"), "large": ("large", "big")}
_PLACE = {
    "top-left": ("in the top left corner", "at the top left"),
    "top": ("at the top", "near the top"),
    "top-right": ("in the top right corner", "at the top right"),
    "left": ("on the left", "at the left"),
    "centre": ("in the centre", "in the middle"),
    "right": ("on the right", "at the right"),
    "bottom-left": ("in the bottom left corner", "at the bottom left"),
    "bottom": ("at the bottom", "near the bottom"),
    "bottom-right": ("in the bottom right corner", "at the bottom right"),
}
_SHAPE_TEMPLATES = (
    "a {size} {colour} {shape} {place}",
    "{place} there is a {size} {colour} {shape}",
    "a {colour} {shape} {place}",
    "one {size} {shape} in {colour} {place}",
    "a {size} {colour} {shape} on black",
    "{place} a {colour} {shape}",
)


def _pick(rng: np.random.Generator, options: tuple[str, ...] | list[str]) -> str:
    """One of `options`, as `rng.choice(options)` draws it (the same integer from the same
    stream) without its array conversion, which made captioning 10,000 shapes take seconds."""
    return str(options[int(rng.integers(len(options)))])


def _join(text: str) -> str:
    return " ".join(text.split())


def shape_caption(attrs: dict[str, str], rng: np.random.Generator, held_out: bool) -> str:
    """One caption of a shape; `held_out`: its colour and shape are not both named."""
    keep = {k: rng.random() < p for k, p in (("colour", 0.85), ("shape", 0.85))}
    keep.update(size=rng.random() < 0.7, place=rng.random() < 0.7)
    if held_out and keep["colour"] and keep["shape"]:
        keep["colour" if rng.random() < 0.5 else "shape"] = False
    if not (keep["colour"] or keep["shape"]):
        keep["shape"] = not held_out or rng.random() < 0.5
        keep["colour"] = not keep["shape"]
    shape = _pick(rng, _SHAPE_NOUN[attrs["shape"]]) if keep["shape"] else "shape"
    fields = {
        "colour": attrs["colour"] if keep["colour"] else "",
        "shape": shape,
        "size": _pick(rng, _SIZE_WORD[attrs["size"]]) if keep["size"] else "",
        "place": _pick(rng, _PLACE[attrs["position"]]) if keep["place"] else "",
    }
    template = _pick(rng, _SHAPE_TEMPLATES)
    if not keep["colour"]:
        template = template.replace(" in {colour}", "")
    return _join(template.format(**fields))


def shape_captions(
    attributes: dict[str, np.ndarray], names: dict[str, list[str]], seed: int
) -> list[list[str]]:
    """`PER_IMAGE` captions per shape image, from its attributes, deterministic for (seed, i)."""
    out = []
    for i in range(len(attributes["shape"])):
        attrs = {
            k: names[k][int(attributes[k][i])] for k in ("shape", "colour", "size", "position")
        }
        rng = np.random.default_rng([seed, i, 29])
        held = (attrs["colour"], attrs["shape"]) in HELD_OUT_SHAPES
        out.append([shape_caption(attrs, rng, held) for _ in range(PER_IMAGE)])
    return out


def held_out_shape_captions() -> list[tuple[str, dict[str, str]]]:
    """Captions that name a colour-shape pair no training caption names, with what they ask
    for (attribute -> value): the text-to-image benchmark's prompts."""
    out = []
    for colour, shape in HELD_OUT_SHAPES:
        out.append((f"a {colour} {shape}", {"colour": colour, "shape": shape}))
        out.append(
            (
                f"a large {colour} {shape} in the centre",
                {"colour": colour, "shape": shape, "size": "large", "position": "centre"},
            )
        )
    return out


# --- captions written from attributes: faces -----------------------------------------------

_PERSON = {"man": ("man", "guy", "gentleman"), "woman": ("woman", "lady")}
_FACE_FEATURES = {
    "glasses": {"clear": ("glasses", "spectacles"), "sunglasses": ("sunglasses", "dark glasses")},
    "facial_hair": {
        "stubble": ("stubble",),
        "moustache": ("a moustache",),
        "beard": ("a beard", "a full beard"),
    },
    "lipstick": {"yes": ("lipstick", "red lips")},
    "earrings": {"yes": ("earrings",)},
}
_FACE_TEMPLATES = (
    "a {mood} {person} with {features}",
    "a {mood} {person}{on}",
    "portrait of a {mood} {person} with {features}{on}",
    "a {person} with {features}",
)


def face_caption(attrs: dict[str, str], rng: np.random.Generator) -> str:
    """One caption of a face: who, sometimes the expression, some of the features, sometimes
    the background; a feature the face lacks is never named."""
    person = _pick(rng, _PERSON[attrs["presentation"]])
    mood = ""
    if rng.random() < 0.6:
        mood = "smiling" if attrs["expression"] == "smiling" else "serious"
    features = []
    for attr, options in _FACE_FEATURES.items():
        value = attrs[attr]
        if value in options and rng.random() < 0.8:
            features.append(_pick(rng, options[value]))
    if rng.random() < 0.6:
        style = "" if attrs["hair_style"] == "bob" or rng.random() < 0.5 else attrs["hair_style"]
        features.append(_join(f"{style} {attrs['hair_colour']} hair"))
    rng.shuffle(features)
    listed = ""
    if features:
        listed = ", ".join(features[:-1]) + (" and " if len(features) > 1 else "") + features[-1]
    on = f" on a {attrs['background']} background" if rng.random() < 0.3 else ""
    template = _pick(rng, _FACE_TEMPLATES if features else _FACE_TEMPLATES[1:2])
    return _join(template.format(mood=mood, person=person, features=listed, on=on))


def face_captions(
    attributes: dict[str, np.ndarray], names: dict[str, list[str]], seed: int
) -> list[list[str]]:
    """`PER_IMAGE` captions per face, from its attributes, deterministic for (seed, i)."""
    keys = list(names)
    out = []
    for i in range(len(attributes[keys[0]])):
        attrs = {k: names[k][int(attributes[k][i])] for k in keys}
        rng = np.random.default_rng([seed, i, 29])
        out.append([face_caption(attrs, rng) for _ in range(PER_IMAGE)])
    return out
