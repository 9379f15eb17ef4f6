"""DiffAugment (`gan train --augment`): the transforms, that every variant which accepts it
passes real and generated images through it in D's step and in G's, and the option's errors."""

from __future__ import annotations

import math

import pytest
import torch
from typer.testing import CliRunner

from gancli import augment, variants
from gancli.cli import app
from gancli.engine.loop import Trainer
from gancli.engine.model import load_model
from gancli.errors import GanError
from tests.conftest import tiny_options

AUGMENTABLE = [n for n in variants.names() if variants.get(n).augmentable]


def shifted(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """`x` moved down by dy and right by dx, the border repeating (the reference for the test)."""
    h, w = x.shape[-2:]
    ys = (torch.arange(h) - dy).clamp(0, h - 1)
    xs = (torch.arange(w) - dx).clamp(0, w - 1)
    return x[..., ys, :][..., :, xs]


def test_translation_is_a_shift_of_at_most_an_eighth_with_the_border_repeated():
    torch.manual_seed(0)
    x = torch.randn(64, 3, 16, 16)
    y = augment.translation(x)
    seen = set()
    for i in range(len(x)):
        hits = [
            (dy, dx)
            for dy in range(-2, 3)
            for dx in range(-2, 3)
            if torch.equal(y[i], shifted(x[i], dy, dx))
        ]
        assert len(hits) == 1, f"image {i} is not one shift of up to 2 px of its input"
        seen.add(hits[0])
    assert len(seen) > 10, "the shifts should vary from image to image"


def test_cutout_zeroes_one_square_of_at_most_half_the_side():
    torch.manual_seed(0)
    y = augment.cutout(torch.ones(200, 2, 16, 16))
    zeros = y[:, 0] == 0
    assert torch.equal(zeros, y[:, 1] == 0), "every channel is cut at the same place"
    counts = zeros.flatten(1).sum(1)
    assert counts.max() == 64 and counts.min() > 0
    for mask in zeros[:20]:
        rows, cols = mask.any(1).nonzero(), mask.any(0).nonzero()
        # a solid rectangle: its bounding box is all zeros
        box = mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
        assert box.all()


def test_color_keeps_shape_and_changes_each_image_its_own_way():
    torch.manual_seed(0)
    x = torch.rand(8, 3, 8, 8) * 2 - 1
    y = augment.color(x)
    assert y.shape == x.shape and torch.isfinite(y).all()
    shifts = (y - x).mean(dim=(1, 2, 3))
    assert shifts.std() > 0.05


def principal_angle(image: torch.Tensor) -> float:
    """The angle in degrees from the vertical of the long axis of the bright pixels."""
    ys, xs = torch.nonzero(image > 0, as_tuple=True)
    ys, xs = ys.float() - ys.float().mean(), xs.float() - xs.float().mean()
    cov = torch.stack(
        [
            torch.stack([(xs * xs).mean(), (xs * ys).mean()]),
            torch.stack([(xs * ys).mean(), (ys * ys).mean()]),
        ]
    )
    _, vectors = torch.linalg.eigh(cov)
    vx, vy = vectors[:, -1].tolist()
    return float(torch.rad2deg(torch.atan2(torch.tensor(vx), torch.tensor(vy)))) % 180


def test_rotation_turns_each_image_by_its_own_angle_of_at_most_15_degrees():
    torch.manual_seed(0)
    x = -torch.ones(64, 1, 32, 32)
    x[:, :, 4:28, 15:17] = 1  # a vertical bar
    y = augment.rotation(x)
    angles = [principal_angle(img[0]) for img in y]
    tilts = [a if a < 90 else a - 180 for a in angles]
    assert max(abs(t) for t in tilts) <= 16, "a turn beyond 15 degrees"
    assert max(tilts) > 8 and min(tilts) < -8, "the angles should spread both ways"
    assert y.min() >= -1 and y.max() <= 1, "bilinear sampling stays within the input's range"


def test_rotation_of_a_wide_image_turns_without_stretching():
    """On a 16x48 image a blob 12 pixels right of the centre must stay 12 pixels from the
    centre, whatever the angle: a rotation written in -1..1 coordinates without the aspect
    correction would move it along an ellipse instead (3 times too little or too much up or
    down)."""
    h, w = 16, 48
    cy, cx = (h - 1) / 2, (w - 1) / 2
    yy, xx = torch.meshgrid(torch.arange(h).float(), torch.arange(w).float(), indexing="ij")
    blob = torch.exp(-((xx - cx - 12) ** 2 + (yy - cy) ** 2) / (2 * 1.2**2))
    torch.manual_seed(3)
    y = augment.rotation(blob.expand(32, 1, h, w).clone())[:, 0]

    mass = y.sum(dim=(1, 2))
    ox = (y * xx).sum(dim=(1, 2)) / mass - cx
    oy = (y * yy).sum(dim=(1, 2)) / mass - cy
    assert torch.allclose(torch.hypot(ox, oy), torch.full_like(ox, 12.0), atol=0.3)
    turn = torch.atan2(oy, ox).abs()
    assert turn.max() > 0.2, "some turns should be large enough to tell a stretch apart"
    assert turn.max() < math.radians(15) + 0.03


def test_rotation_by_zero_degrees_is_the_identity():
    x = torch.rand(3, 2, 12, 20) * 2 - 1
    assert torch.allclose(augment.rotation(x, degrees=0.0), x, atol=1e-5)


def test_gradients_flow_through_every_transform():
    x = torch.randn(4, 3, 16, 16, requires_grad=True)
    augment.diff_augment(x, "color,rotation,translation,cutout").square().sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_no_policy_is_the_identity():
    x = torch.randn(2, 1, 8, 8)
    assert augment.diff_augment(x, "") is x


def test_policy_parsing():
    assert augment.parse_policy(" Translation, cutout,translation ") == "translation,cutout"
    assert augment.parse_policy("none") == ""
    assert augment.parse_policy(None) == ""
    with pytest.raises(GanError, match="did you mean 'translation'"):
        augment.parse_policy("transl")
    assert augment.parse_policy("rotation,translation") == "rotation,translation"
    with pytest.raises(GanError, match="did you mean 'rotation'"):
        augment.parse_policy("rotate")
    with pytest.raises(GanError, match="valid: translation, cutout, color, rotation"):
        augment.parse_policy("mirror")


@pytest.mark.parametrize("name", AUGMENTABLE)
def test_every_augmentable_variant_augments_real_and_fake_in_both_steps(
    tmp_path, monkeypatch, name
):
    """A spy around the real transform: in D's step it must see the real batch itself and a
    generated batch; in G's step a generated batch that carries G's gradient."""
    trainer = Trainer(tiny_options(tmp_path / "run", variant=name, augment="translation"), True)
    variant = trainer.variant
    calls: list[torch.Tensor] = []
    real_fn = augment.diff_augment

    def spy(x, policy):
        calls.append(x)
        return real_fn(x, policy)

    monkeypatch.setattr(augment, "diff_augment", spy)
    real = torch.rand(8, 3, 16, 16) * 2 - 1
    labels = torch.randint(variant.num_classes or 1, (8,)) if variant.num_classes else None

    variant.d_loss(real, labels)
    assert any(c is real for c in calls), "D's step does not augment the real batch"
    assert any(c is not real and c.shape == real.shape for c in calls), "nor the fakes"
    calls.clear()
    loss, _ = variant.g_loss(real, labels)
    assert calls and all(c.requires_grad for c in calls), "G's step does not augment its fakes"
    loss.backward()
    grads = [p.grad for p in variant.generator.parameters() if p.grad is not None]
    assert grads and any(g.abs().sum() > 0 for g in grads)


def test_augmented_run_records_the_policy_and_resumes_with_it(tmp_path):
    out = tmp_path / "run"
    Trainer(tiny_options(out, augment="translation, cutout"), quiet=True).run()
    assert load_model(out).config["hyper"]["augment"] == "translation,cutout"
    from gancli.engine.options import TrainOptions

    Trainer(TrainOptions(variant="dcgan", steps=3, resume=str(out)), quiet=True).run()
    model = load_model(out)
    assert model.config["step"] == 3
    assert model.config["hyper"]["augment"] == "translation,cutout"


def test_without_the_option_nothing_is_augmented(tmp_path):
    out = tmp_path / "run"
    Trainer(tiny_options(out), quiet=True).run()
    assert load_model(out).config["hyper"]["augment"] == ""


@pytest.mark.parametrize(
    "args, message",
    [
        (["dcgan", "--data", "ring8", "--augment", "translation"], "2-D point sets take none"),
        (["unrolled", "--augment", "translation"], "unrolled does not support --augment"),
        (["dcgan", "--augment", "flip"], "unknown augmentation 'flip'"),
    ],
)
def test_bad_augment_gets_one_line(tmp_path, args, message):
    result = CliRunner().invoke(
        app, ["train", *args, "--steps", "1", "-o", str(tmp_path / "r")], catch_exceptions=False
    )
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_model_card_command_rebuilds_the_augmented_run(tmp_path):
    from gancli.store.modelcard import train_command

    out = tmp_path / "run"
    Trainer(tiny_options(out, augment="Cutout, translation"), quiet=True).run()
    command = train_command(load_model(out).config)
    assert "--augment cutout,translation" in command
    plain = tmp_path / "plain"
    Trainer(tiny_options(plain), quiet=True).run()
    assert "--augment" not in train_command(load_model(plain).config)
