"""Procedural faces: a labelled, roughly aligned face set that needs no download.

Each face is drawn on a 256x256 canvas with PIL and box-filtered down to the asked size, so the
same seed gives the same face at every resolution, anti-aliased. The face is front-on, centred
and upright within a small jitter (tilt, shift), as in aligned face sets such as CelebA's.

Attributes are drawn independently, except where real photos tie them: presentation sets the
odds of hair style, facial hair, lipstick and earrings (with overlap: some men wear longer hair
or an earring, some women short hair). Every image is a pure function of (seed, index).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from gancli.data import captions
from gancli.data.cache import ImageArrays
from gancli.data.registry import Request, builtin
from gancli.errors import GanError

if TYPE_CHECKING:
    from gancli.data.dataset import Dataset

COUNT = 30_000
TEST_COUNT = 1_000
TEST_SEED = 1_000_003  # synthfaces-test: another seed than the training set's (0)
DEFAULT_SIZE = 64
MAX_SIZE = 128
CANVAS = 256
CROP = (0.2, 0.17, 0.8, 0.77)  # the aligned crop: the face fills most of the frame
VERSION = 2  # bump when the drawing changes: it is part of the cache key

ATTRIBUTE_NAMES: dict[str, list[str]] = {
    "presentation": ["man", "woman"],
    "glasses": ["none", "clear", "sunglasses"],
    "expression": ["neutral", "smiling"],
    "hair_colour": ["black", "brown", "blonde", "auburn", "grey"],
    "hair_style": ["short", "bob", "long"],
    "facial_hair": ["none", "stubble", "moustache", "beard"],
    "lipstick": ["no", "yes"],
    "earrings": ["no", "yes"],
    "skin": ["pale", "light", "medium", "tan", "dark"],
    "background": ["grey", "blue", "green", "beige", "pink", "teal"],
    "lighting": ["left", "front", "right"],
}
LABEL_ATTRIBUTE = "presentation"  # the class label, as shapes uses its shape
CONTINUOUS = ("tilt", "shift_x", "shift_y")  # degrees, fractions of the side

_HAIR = {
    "black": (28, 24, 22),
    "brown": (92, 58, 34),
    "blonde": (212, 178, 108),
    "auburn": (150, 62, 32),
    "grey": (170, 170, 172),
}
_SKIN = {
    "pale": (246, 218, 198),
    "light": (232, 190, 160),
    "medium": (200, 150, 112),
    "tan": (160, 110, 76),
    "dark": (102, 68, 48),
}
_BACKGROUND = {
    "grey": (150, 152, 156),
    "blue": (110, 140, 190),
    "green": (120, 160, 120),
    "beige": (210, 196, 168),
    "pink": (214, 160, 172),
    "teal": (84, 150, 150),
}
_CLOTHES = [
    (40, 60, 110),
    (150, 40, 40),
    (40, 110, 70),
    (230, 230, 230),
    (60, 60, 60),
    (200, 150, 40),
]
_IRIS = [(70, 44, 28), (60, 100, 150), (70, 110, 70), (40, 30, 24)]
_LIPSTICK = [(190, 24, 48), (200, 60, 110), (150, 20, 40)]

# presentation -> the odds of each value (in ATTRIBUTE_NAMES order)
_STYLE_ODDS = {"man": [0.85, 0.12, 0.03], "woman": [0.15, 0.35, 0.50]}
_FACIAL_ODDS = {"man": [0.45, 0.20, 0.15, 0.20], "woman": [1.0, 0.0, 0.0, 0.0]}
_LIPSTICK_ODDS = {"man": 0.0, "woman": 0.5}
_EARRING_ODDS = {"man": 0.08, "woman": 0.5}
_HAIR_ODDS = [0.30, 0.30, 0.17, 0.10, 0.13]
_GLASSES_ODDS = [0.5, 0.25, 0.25]


def _pick(rng: np.random.Generator, name: str, p: list[float] | None = None) -> int:
    return int(rng.choice(len(ATTRIBUTE_NAMES[name]), p=p))


def face_params(seed: int, index: int) -> dict:
    """Every choice behind face `index` of the set made from `seed` (attributes as indices)."""
    rng = np.random.default_rng([seed, index])
    pres = _pick(rng, "presentation")
    who = ATTRIBUTE_NAMES["presentation"][pres]
    p: dict = {
        "presentation": pres,
        "glasses": _pick(rng, "glasses", _GLASSES_ODDS),
        "expression": _pick(rng, "expression"),
        "hair_colour": _pick(rng, "hair_colour", _HAIR_ODDS),
        "hair_style": _pick(rng, "hair_style", _STYLE_ODDS[who]),
        "facial_hair": _pick(rng, "facial_hair", _FACIAL_ODDS[who]),
        "lipstick": int(rng.random() < _LIPSTICK_ODDS[who]),
        "earrings": int(rng.random() < _EARRING_ODDS[who]),
        "skin": _pick(rng, "skin"),
        "background": _pick(rng, "background"),
        "lighting": _pick(rng, "lighting"),
        "tilt": float(rng.uniform(-6.0, 6.0)),
        "shift_x": float(rng.uniform(-0.03, 0.03)),
        "shift_y": float(rng.uniform(-0.03, 0.03)),
        # appearance that is not labelled: face shape, features, colours
        "width": float(rng.uniform(0.195, 0.215) + (0.012 if who == "man" else 0.0)),
        "length": float(rng.uniform(0.26, 0.285)),
        "eye_gap": float(rng.uniform(0.078, 0.09)),
        "eye_y": float(rng.uniform(-0.01, 0.01)),
        "mouth_w": float(rng.uniform(0.05, 0.062)),
        "brow": float(rng.uniform(0.007, 0.011) + (0.004 if who == "man" else 0.0)),
        "iris": int(rng.integers(len(_IRIS))),
        "clothes": int(rng.integers(len(_CLOTHES))),
        "lipstick_colour": int(rng.integers(len(_LIPSTICK))),
        "shade": float(rng.uniform(0.92, 1.06)),
        "light_strength": float(rng.uniform(0.12, 0.22)),
    }
    return p


def _scale(c: tuple, f: float) -> tuple:
    return tuple(int(max(0, min(255, round(v * f)))) for v in c)


def _mix(a: tuple, b: tuple, t: float) -> tuple:
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b))


def _box(cx: float, cy: float, rx: float, ry: float) -> tuple:
    s = CANVAS
    return ((cx - rx) * s, (cy - ry) * s, (cx + rx) * s, (cy + ry) * s)


def _pt(x: float, y: float) -> tuple:
    return (x * CANVAS, y * CANVAS)


def _chord(cx: float, cy: float, rx: float, ry: float, t0: float, t1: float) -> list:
    """The chord of an ellipse from angle t0 to t1 (degrees, clockwise from 3 o'clock) as a
    polygon: ImageDraw.chord mis-fills some float boxes and angles."""
    ts = np.radians(np.linspace(t0, t1, 48))
    return [_pt(cx + rx * math.cos(t), cy + ry * math.sin(t)) for t in ts]


def _draw_person(p: dict) -> Image.Image:
    """The person on a transparent canvas, upright and centred (before tilt and shift)."""
    name = {k: ATTRIBUTE_NAMES[k][p[k]] for k in ATTRIBUTE_NAMES}
    img = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    s = CANVAS
    skin = _scale(_SKIN[name["skin"]], p["shade"])
    hair = _HAIR[name["hair_colour"]]
    cx, cy, rx, ry = 0.5, 0.47, p["width"], p["length"]
    style = name["hair_style"]

    # long hair falls behind the head and the shoulders
    if style in ("bob", "long"):
        bottom = 0.70 if style == "bob" else 0.92
        d.ellipse(_box(cx, cy - 0.02, rx + 0.055, ry + 0.05), fill=hair)
        d.rounded_rectangle(
            (_pt(cx - rx - 0.055, cy - 0.02) + _pt(cx + rx + 0.055, bottom)),
            radius=0.05 * s,
            fill=hair,
        )
    # shoulders and neck
    d.ellipse(_box(cx, 1.10, 0.44, 0.27), fill=_CLOTHES[p["clothes"]])
    neck = _scale(skin, 0.86)
    d.rectangle(_pt(cx - 0.075, cy + 0.15) + _pt(cx + 0.075, 0.87), fill=neck)
    d.ellipse(_box(cx, 0.85, 0.075, 0.035), fill=neck)
    if style == "long":  # the front locks over the shoulders
        for side in (-1, 1):
            x0 = cx + side * (rx + 0.01)
            d.rounded_rectangle(
                (_pt(min(x0, x0 + side * 0.06), cy) + _pt(max(x0, x0 + side * 0.06), 0.95)),
                radius=0.03 * s,
                fill=hair,
            )
    # ears, then the head
    ear_y = cy + 0.01
    for side in (-1, 1):
        d.ellipse(_box(cx + side * rx, ear_y, 0.028, 0.05), fill=_scale(skin, 0.93))
        if p["earrings"]:
            d.ellipse(
                _box(cx + side * (rx + 0.004), ear_y + 0.062, 0.012, 0.012), fill=(230, 190, 60)
            )
    d.ellipse(_box(cx, cy, rx, ry), fill=skin)

    # facial hair sits on the jaw, under the mouth and nose
    mouth_y = cy + 0.14
    facial = name["facial_hair"]
    jaw = math.degrees(math.asin(min(1.0, 0.07 / ry)))  # the beard line at the nose tip
    if facial == "beard":
        d.polygon(_chord(cx, cy, rx + 0.004, ry + 0.006, jaw, 180 - jaw), fill=hair)
        d.ellipse(_box(cx, mouth_y - 0.004, p["mouth_w"] + 0.02, 0.03), fill=hair)
    elif facial == "stubble":
        layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
        ImageDraw.Draw(layer).polygon(
            _chord(cx, cy, rx + 0.002, ry + 0.002, jaw + 4, 176 - jaw),
            fill=_scale(hair, 0.5) + (80,),
        )
        img.alpha_composite(layer)
        d = ImageDraw.Draw(img)
    if facial in ("moustache", "beard"):
        d.chord(_box(cx, mouth_y - 0.022, p["mouth_w"] + 0.012, 0.03), 180, 360, fill=hair)

    # hair on top of the head: a cap down to the hairline, with side locks for longer styles
    hairline = {"short": 0.52, "bob": 0.46, "long": 0.44}[style]  # of ry above the centre
    cap_rx, cap_ry = rx + 0.012, ry + 0.022
    a = math.degrees(math.asin(min(1.0, hairline * ry / cap_ry)))
    d.polygon(_chord(cx, cy, cap_rx, cap_ry, 180 + a, 360 - a), fill=hair)
    # hair down the sides of the head: sideburns for short hair, locks framing the face else
    down, inset = (8, 0.03) if style == "short" else (-35, 0.045)
    for side in (-1, 1):
        ts = np.radians(np.linspace(180 + a, 180 - down, 12))
        outer = [(cx + side * -cap_rx * math.cos(t), cy + cap_ry * math.sin(t)) for t in ts]
        inner = [
            (cx + side * -(rx - inset) * math.cos(t), cy + (ry - 0.02) * math.sin(t)) for t in ts
        ]
        d.polygon([_pt(x, y) for x, y in outer + inner[::-1]], fill=hair)

    # eyebrows and eyes
    eye_y = cy - 0.02 + p["eye_y"]
    smiling = name["expression"] == "smiling"
    for side in (-1, 1):
        ex = cx + side * (p["eye_gap"] / 2 + 0.005)
        bw = p["brow"] * s
        d.line(
            [
                _pt(ex - 0.035, eye_y - 0.045),
                _pt(ex, eye_y - 0.055),
                _pt(ex + 0.035, eye_y - 0.045),
            ],
            fill=_scale(hair, 0.8),
            width=max(1, round(bw)),
            joint="curve",
        )
        eh = 0.016 if smiling else 0.021
        d.ellipse(_box(ex, eye_y, 0.03, eh), fill=(245, 245, 240))
        d.ellipse(_box(ex, eye_y, 0.014, min(eh, 0.014)), fill=_IRIS[p["iris"]])
        d.ellipse(_box(ex, eye_y, 0.006, 0.006), fill=(10, 10, 10))
        d.arc(_box(ex, eye_y, 0.03, eh), 190, 350, fill=(40, 30, 30), width=round(0.007 * s))
        if smiling:  # the cheeks lift under the eyes
            d.arc(
                _box(ex, eye_y + 0.03, 0.03, 0.012),
                200,
                340,
                fill=_scale(skin, 0.85),
                width=round(0.004 * s),
            )

    # nose: a shadow down one side and the nostrils
    nose_y = cy + 0.075
    d.line(
        [_pt(cx - 0.006, eye_y + 0.02), _pt(cx - 0.016, nose_y), _pt(cx + 0.004, nose_y + 0.008)],
        fill=_scale(skin, 0.78),
        width=round(0.006 * s),
        joint="curve",
    )
    for side in (-1, 1):
        d.ellipse(_box(cx + side * 0.014, nose_y + 0.006, 0.006, 0.004), fill=_scale(skin, 0.6))

    # mouth
    lips = (
        _LIPSTICK[p["lipstick_colour"]]
        if p["lipstick"]
        else _mix(_scale(skin, 0.8), (170, 80, 80), 0.4)
    )
    mw = p["mouth_w"]
    if smiling:
        mw *= 1.25
        d.chord(_box(cx, mouth_y - 0.012, mw, 0.042), 0, 180, fill=lips)
        d.chord(_box(cx, mouth_y - 0.012, mw - 0.008, 0.032), 0, 180, fill=(80, 20, 24))
        d.chord(_box(cx, mouth_y - 0.012, mw - 0.01, 0.018), 0, 180, fill=(250, 250, 245))
        d.line(
            [_pt(cx - mw, mouth_y - 0.012), _pt(cx + mw, mouth_y - 0.012)],
            fill=lips,
            width=round(0.008 * s),
        )
    else:
        d.ellipse(_box(cx, mouth_y, mw, 0.016 if p["lipstick"] else 0.012), fill=lips)
        d.line(
            [_pt(cx - mw * 0.95, mouth_y), _pt(cx + mw * 0.95, mouth_y)],
            fill=_scale(lips, 0.55),
            width=round(0.005 * s),
        )

    # glasses over the eyes
    kind = name["glasses"]
    if kind != "none":
        frame = (20, 20, 24) if kind == "sunglasses" else (50, 40, 40)
        fw = round(0.009 * s)
        for side in (-1, 1):
            ex = cx + side * (p["eye_gap"] / 2 + 0.005)
            box = _box(ex, eye_y + 0.003, 0.046, 0.034)
            if kind == "sunglasses":
                d.rounded_rectangle(
                    box, radius=0.02 * s, fill=(16, 18, 22), outline=frame, width=fw
                )
                d.line(
                    [_pt(ex - 0.025, eye_y - 0.012), _pt(ex - 0.008, eye_y - 0.022)],
                    fill=(90, 95, 105),
                    width=round(0.006 * s),
                )
            else:
                layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
                ImageDraw.Draw(layer).rounded_rectangle(
                    box, radius=0.02 * s, fill=(200, 220, 240, 50)
                )
                img.alpha_composite(layer)
                d = ImageDraw.Draw(img)
                d.rounded_rectangle(box, radius=0.02 * s, outline=frame, width=fw)
            d.line(
                [_pt(ex + side * 0.046, eye_y - 0.004), _pt(cx + side * rx, eye_y - 0.002)],
                fill=frame,
                width=fw,
            )
        d.line([_pt(cx - 0.02, eye_y - 0.004), _pt(cx + 0.02, eye_y - 0.004)], fill=frame, width=fw)
    return img


def render_face(p: dict, size: int = DEFAULT_SIZE) -> np.ndarray:
    """One face as uint8 (3, size, size) from `face_params`.

    The person is drawn and turned on the 256x256 canvas (that is the anti-aliasing); the
    aligned crop (`CROP`: the face fills most of the frame, as in CelebA's aligned crops) is
    box-filtered to `size`; background, shading and light are applied at `size`."""
    person = _draw_person(p)
    move = {
        "center": (CANVAS * 0.5, CANVAS * 0.6),
        "translate": (p["shift_x"] * CANVAS, p["shift_y"] * CANVAS),
    }
    person = person.rotate(p["tilt"], resample=Image.BILINEAR, **move)
    person = person.crop(tuple(round(CANVAS * f) for f in CROP))
    if size != person.width:
        person = person.resize((size, size), Image.BOX)
    rgba = np.asarray(person, np.float32) / 255.0
    inside = rgba[..., 3:]
    # shading: the figure darkens towards its outline (its blurred silhouette)
    soft = person.getchannel("A").filter(ImageFilter.GaussianBlur(size * 0.03))
    rim = 1.0 - np.asarray(soft, np.float32)[..., None] / 255.0
    colour = rgba[..., :3] * (1.0 - 0.35 * rim)
    bg = np.asarray(_BACKGROUND[ATTRIBUTE_NAMES["background"][p["background"]]], np.float32)
    ramp = np.linspace(1.08, 0.85, size, dtype=np.float32)[:, None, None]
    a = inside * colour * 255.0 + (1.0 - inside) * bg * ramp
    # the light: brighter on the lit side of the whole picture
    side = {"left": -1.0, "front": 0.0, "right": 1.0}[ATTRIBUTE_NAMES["lighting"][p["lighting"]]]
    x = np.linspace(-1.0, 1.0, size, dtype=np.float32)[None, :, None]
    a *= 1.0 + side * p["light_strength"] * x
    return np.clip(np.rint(a), 0, 255).astype(np.uint8).transpose(2, 0, 1)


def make_faces(
    n: int = COUNT, size: int = DEFAULT_SIZE, seed: int = 0, progress=None
) -> ImageArrays:
    """`n` faces of `size` x `size` (3 channels), deterministic for `seed`, with labels
    (presentation) and every attribute; the continuous jitter is kept in `extras`."""
    if not 8 <= size <= MAX_SIZE:
        raise ValueError(f"synthfaces renders 8 to {MAX_SIZE} pixels square; got {size}")
    from gancli.data.parallel import thread_map

    x = np.empty((n, 3, size, size), dtype=np.uint8)
    attrs = {k: np.empty(n, np.int64) for k in ATTRIBUTE_NAMES}

    def one(i: int) -> tuple[int, dict, np.ndarray]:
        p = face_params(seed, i)
        return i, p, render_face(p, size)

    for i, p, img in thread_map(one, range(n), n, progress):
        x[i] = img
        for k in ATTRIBUTE_NAMES:
            attrs[k][i] = p[k]
    return ImageArrays(
        x=x,
        labels=attrs[LABEL_ATTRIBUTE].copy(),
        class_names=list(ATTRIBUTE_NAMES[LABEL_ATTRIBUTE]),
        attributes=attrs,
        attribute_names={k: list(v) for k, v in ATTRIBUTE_NAMES.items()},
    )


def drawn_faces(
    request: Request, build: Callable[..., ImageArrays], default_size: int, **identity: object
) -> ImageArrays:
    """The arrays of a set made from the procedural faces (edge maps, glasses domains):
    `build(name, size, channels, progress)` at the asked size (checked), once into the cache;
    `identity` as for drawn_set."""
    from gancli.data.builtins import drawn_arrays

    name, size = request.name, request.image_size or default_size
    if not 8 <= size <= MAX_SIZE:
        raise GanError(f"{name} is drawn at 8 to {MAX_SIZE} pixels square; got {size}")
    made = functools.partial(build, name, size, request.channels, request.progress)
    return drawn_arrays(request, made, size, **identity)


@builtin(
    "synthfaces",
    help="30,000 procedural aligned faces, 64x64 (up to 128), 11 labelled attributes",
    kind="image",
    aliases=("faces", "synth-faces"),
)
@builtin(
    "synthfaces-test",
    help="1,000 held-out synthfaces (other faces than synthfaces'), for evaluation",
    kind="image",
    aliases=("faces-test",),
)
def load_synthfaces(request: Request) -> Dataset:
    from gancli.data.builtins import drawn_set

    if request.name == "synthfaces-test":  # its own faces, whatever the data seed
        n, seed = TEST_COUNT, TEST_SEED
    else:
        n, seed = COUNT, request.seed
    size = request.image_size or DEFAULT_SIZE
    if not 8 <= size <= MAX_SIZE:
        raise GanError(
            f"synthfaces is drawn at 8 to {MAX_SIZE} pixels square; got --image-size "
            f"{size} (the default is {DEFAULT_SIZE})"
        )
    data = drawn_set(
        request,
        lambda: make_faces(n, size, seed, request.progress),
        size,
        n=n,
        seed=seed,
        version=VERSION,
    )
    attrs = {k: v.numpy() for k, v in data.attributes.items()}
    names, seed = data.attribute_names, request.seed
    data.caption_maker = lambda: captions.face_captions(attrs, names, seed)
    return data
