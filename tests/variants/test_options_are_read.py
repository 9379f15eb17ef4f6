"""Every option a variant offers is read by its training: one step with the option's default and
one with another value end with different weights or report different losses. An option that a
variant inherits or lists but ignores (as a DCGAN subclass with losses of its own could with
--g-loss) fails here."""

from __future__ import annotations

import json

import pytest
import torch

from gancli import variants
from gancli.engine.loop import Trainer
from tests.conftest import tiny_options

# Where the generic other value trains the same first step by design: a history pool larger
# than one batch is not full yet (1 answers with stored fakes at once), and a decay that starts
# at step 0 of a one-step run is the default's (1.0: no decay).
OTHER_VALUES = {("cyclegan", "pool_size"): 1, ("cyclegan", "decay_start"): 1.0}


def _file_value(tmp_path, name: str, option: str) -> str:
    """A valid file for the options that name one (their default: none)."""
    if (name, option) == ("srgan", "vgg_weights"):  # a torchvision VGG19 state dict
        import torchvision
        from safetensors.torch import save_file

        path = tmp_path / "vgg19.safetensors"
        state = torchvision.models.vgg19().features.state_dict()
        save_file({f"features.{k}": v for k, v in state.items()}, str(path))
        return str(path)
    if (name, option) == ("srgan", "init"):  # a trained SRResNet of the same shape
        Trainer(tiny_options(tmp_path / "init", "srresnet", steps=1), quiet=True).run()
        return str(tmp_path / "init")
    raise AssertionError(f"{name} --{option}: no file value known to this test")


def _other_value(opt: variants.Option, default, variant: str = "", file=None):
    """A valid value other than the default."""
    if (variant, opt.name) in OTHER_VALUES:
        return OTHER_VALUES[(variant, opt.name)]
    if opt.type is str and not opt.choices and not default:
        return file()
    if opt.choices:
        return next(c for c in opt.choices if c != default)
    if opt.type is bool:
        return not default
    if opt.type is int:
        return default + 1
    return default * 2 + 1.0


def _offered() -> list[tuple[str, str]]:
    return [(n, o.name) for n in variants.names() for o in variants.get(n).options]


def _one_step(tmp_path, name: str, run: str, extra: dict) -> tuple[dict, dict]:
    """The weights after one training step on 16x16 images (every variant takes them; hinge's
    --d-norm applies to images only), and the losses that step reported. Both count: EBGAN's
    margin, for one, moves D's loss but not its gradient while every fake is inside it."""
    opts = tiny_options(tmp_path / run, name, steps=1, extra=extra)
    trainer = Trainer(opts, quiet=True)
    trainer.run()
    (logged,) = map(json.loads, (tmp_path / run / "metrics.jsonl").read_text().splitlines())
    losses = {k: v for k, v in logged.items() if k not in ("img_per_s", "time")}
    return {k: v.detach().clone() for k, v in trainer.model.tensors().items()}, losses


def _same(a: tuple[dict, dict], b: tuple[dict, dict]) -> bool:
    (wa, la), (wb, lb) = a, b
    return (
        la == lb
        and wa.keys() == wb.keys()
        and all(wa[k].shape == wb[k].shape and torch.equal(wa[k], wb[k]) for k in wa)
    )


@pytest.mark.parametrize(("name", "option"), _offered())
def test_every_offered_option_changes_the_training_step(tmp_path, name, option):
    cls = variants.get(name)
    opt = next(o for o in cls.options if o.name == option)
    default = cls.defaults.extra[option]
    base = _one_step(tmp_path, name, "default", {})
    # the same run again: whatever differs below comes from the option, not from chance
    assert _same(base, _one_step(tmp_path, name, "again", {option: default}))
    other = _other_value(opt, default, name, lambda: _file_value(tmp_path, name, option))
    changed = _one_step(tmp_path, name, "other", {option: other})
    flag = "--" + option.replace("_", "-")
    assert not _same(base, changed), f"{name} offers {flag} but trains the same with {other}"


def test_the_walk_covers_every_option_of_every_variant():
    offered = _offered()
    assert len(offered) == sum(len(variants.get(n).options) for n in variants.names())
    assert ("dcgan", "g_loss") in offered and ("lsgan", "g_loss") not in offered


def test_an_option_needs_a_default():
    class NoDefault(variants.Variant):
        name = "no-default-test"
        paper = summary = "x"
        defaults = variants.Hyper()
        options = (variants.Option("g_loss", str, "x"),)

    with pytest.raises(ValueError, match=r"options \['g_loss'\] have no default"):
        variants.register(NoDefault)
    assert not variants.is_valid("no-default-test")
