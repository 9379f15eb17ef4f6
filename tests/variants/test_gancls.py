"""GAN-CLS / GAN-INT (Reed et al. 2016): the text features, the matching-aware D's three terms,
GAN-INT's interpolated captions, and the nets' text conditioning."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from gancli.data import load_data
from gancli.engine.loop import new_config
from gancli.engine.model import build_model
from gancli.errors import GanError
from gancli.variants.gancls import BETA, caption_ids, text_features
from tests.conftest import tiny_options

VOCAB = ["a", "circle", "red", "square"]


def test_text_features_are_the_normalised_bag_of_words():
    ids = caption_ids(["a red red square", "", "A SQUARE, a circle"], VOCAB)
    phi = text_features(ids, len(VOCAB))
    assert torch.allclose(phi[0], torch.tensor([1.0, 0, 2, 1]) / 6**0.5)
    assert phi[1].abs().sum() == 0  # an empty caption
    assert torch.allclose(phi[2], torch.tensor([2.0, 1, 0, 1]) / 6**0.5)  # order is not read


def test_unknown_words_are_named_with_words_the_model_knows():
    with pytest.raises(GanError) as e:
        caption_ids(["a purple sqare"], VOCAB, strict=True)
    msg = str(e.value)
    assert "'purple'" in msg and "'sqare'" in msg and "square" in msg
    assert caption_ids(["a purple square"], VOCAB).tolist()[0][:3] == [1, 4, 0]  # training


@pytest.fixture(scope="module")
def variant(tmp_path_factory):
    opts = tiny_options(tmp_path_factory.mktemp("g") / "run", "gancls")
    data = load_data("shapes", image_size=16)
    model = build_model(new_config(opts, data))
    return model.variant, data


def _batch(variant, data, n=8):
    labels = variant.training_labels(data)
    assert labels.shape[:2] == (len(data), 5)
    return (data.x[:n].float() / 127.5 - 1), labels[:n]


def test_matching_aware_d_has_the_wrong_text_term_weighted_half(variant):
    v, data = variant
    real, labels = _batch(v, data)
    for cls in (True, False):
        v.hyper.extra["cls"] = cls
        torch.manual_seed(0)
        loss, logs = v.d_loss(real, labels)
        torch.manual_seed(0)
        phi = v._phi(labels)
        fake = v.generator(v.sample_z(len(real)), phi).detach()
        s_r, s_f = v.discriminator(real, phi), v.discriminator(fake, phi)
        s_w = v.discriminator(real, phi.roll(1, 0))
        expected = F.softplus(-s_r).mean()
        if cls:
            expected = expected + 0.5 * (F.softplus(s_w).mean() + F.softplus(s_f).mean())
            assert "d_wrong" in logs
        else:
            expected = expected + F.softplus(s_f).mean()
            assert "d_wrong" not in logs
        assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    v.hyper.extra["cls"] = True


def test_gan_int_adds_g_loss_on_interpolated_captions(variant):
    v, data = variant
    real, labels = _batch(v, data)
    v.hyper.extra["int"] = True
    torch.manual_seed(1)
    loss, logs = v.g_loss(real, labels)
    torch.manual_seed(1)
    phi = v._phi(labels)
    plain = F.softplus(-v.discriminator(v.generator(v.sample_z(8), phi), phi)).mean()
    mixed = BETA * phi + (1 - BETA) * phi.roll(1, 0)
    inter = F.softplus(-v.discriminator(v.generator(v.sample_z(8), mixed), mixed)).mean()
    assert float(logs["g_int"]) == pytest.approx(float(inter), rel=1e-5)
    assert float(loss) == pytest.approx(float(plain + inter), rel=1e-5)
    v.hyper.extra["int"] = False
    torch.manual_seed(1)
    loss, logs = v.g_loss(real, labels)
    assert "g_int" not in logs and float(loss) == pytest.approx(float(plain), rel=1e-5)
    v.hyper.extra["int"] = True


def test_the_caption_changes_what_g_draws_and_what_d_says(variant):
    v, _ = variant
    z = torch.randn(4, v.hyper.z_dim)
    v.generator.eval()
    v.discriminator.eval()
    a = v.generate(z, v.embed(["a red circle"] * 4))
    b = v.generate(z, v.embed(["a big blue square"] * 4))
    assert a.shape == (4, 3, 16, 16) and not torch.allclose(a, b)
    assert not torch.allclose(v.realness(a, v.embed(["a red circle"] * 4)), v.realness(a, None))
    v.generator.train()
    v.discriminator.train()


def test_data_without_captions_is_refused(tmp_path):
    from gancli.engine.loop import new_config as config_for

    data = load_data("ring8")
    with pytest.raises(GanError, match="captioned images"):
        config_for(tiny_options(tmp_path / "r", "gancls", data="ring8"), data)
