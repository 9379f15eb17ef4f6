"""The checkpoint format: self-describing, atomic, and every refusal one clear line."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file, save_file

from gancli.engine.model import load_model
from gancli.errors import GanError
from gancli.store.checkpoint import (
    FORMAT_VERSION,
    MODEL_FILE,
    pack,
    read_checkpoint,
    save_tensors,
    unpack,
)


def _rewrite(src, dst, drop=None, reshape=None, meta_change=None):
    from safetensors import safe_open

    with safe_open(str(src), "pt") as f:
        meta = dict(f.metadata())
    tensors = load_file(str(src))
    if drop:
        tensors.pop(drop)
    if reshape:
        tensors[reshape] = torch.zeros(3, 3)
    if meta_change:
        meta.update(meta_change)
    save_file(tensors, str(dst), metadata=meta)
    return dst


def test_checkpoint_is_self_describing(tiny_run):
    ckpt = read_checkpoint(tiny_run)
    assert ckpt.path.name == MODEL_FILE
    cfg = ckpt.config
    assert cfg["variant"] == "dcgan" and cfg["step"] == 2
    assert cfg["data"]["shape"] == [3, 16, 16]
    assert cfg["nets"]["generator"]["family"] == "dcgan.generator"
    assert cfg["format_version"] == FORMAT_VERSION and "gancli_version" in cfg
    prefixes = {k.split(".")[0] for k in ckpt.tensors}
    assert prefixes == {"generator", "generator_ema", "discriminator"}


@pytest.mark.parametrize(
    "case, message",
    [
        ("empty", "is empty"),
        ("garbage", "not a safetensors file"),
        ("foreign", "not a gancli model"),
        ("missing", "is missing tensors: generator.net.0.weight"),
        ("shape", "has shape (3, 3)"),
        ("newer", "newer gancli"),
        ("folder", "without model.safetensors"),
        ("absent", "no checkpoint"),
    ],
)
def test_bad_checkpoints_are_refused_clearly(tmp_path, tiny_run, case, message):
    src = tiny_run / MODEL_FILE
    bad = tmp_path / "bad.safetensors"
    if case == "empty":
        bad.write_bytes(b"")
    elif case == "garbage":
        bad.write_bytes(b"\x00\x01 this is not a checkpoint" * 10)
    elif case == "foreign":
        save_file({"weight": torch.zeros(2)}, str(bad))
    elif case == "missing":
        _rewrite(src, bad, drop="generator.net.0.weight")
    elif case == "shape":
        _rewrite(src, bad, reshape="discriminator.net.0.weight")
    elif case == "newer":
        _rewrite(src, bad, meta_change={"format_version": str(FORMAT_VERSION + 1)})
    elif case == "folder":
        bad = tmp_path / "empty_folder"
        bad.mkdir()
    elif case == "absent":
        bad = tmp_path / "nothing_here"
    with pytest.raises(GanError, match=message.replace("(", r"\(").replace(")", r"\)")) as err:
        from gancli.store.locate import resolve

        load_model(resolve(str(bad)))
    assert "\n" not in str(err.value)


def test_pack_roundtrip_of_optimizer_state():
    net = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(net.parameters(), betas=(0.5, 0.9))
    net(torch.randn(4, 3)).sum().backward()
    opt.step()
    tensors = {}
    skeleton = pack({"opt": opt.state_dict(), "rng": torch.get_rng_state(), "n": 3}, tensors)
    json.dumps(skeleton)  # the skeleton is plain JSON
    back = unpack(json.loads(json.dumps(skeleton)), tensors)
    opt2 = torch.optim.Adam(net.parameters())
    opt2.load_state_dict(back["opt"])
    assert opt2.param_groups[0]["betas"] == (0.5, 0.9)
    assert torch.equal(
        opt2.state_dict()["state"][0]["exp_avg"], opt.state_dict()["state"][0]["exp_avg"]
    )
    assert back["n"] == 3


def test_writes_are_atomic(tmp_path, monkeypatch):
    """A write that fails midway leaves the previous file intact and no temp files behind."""
    import safetensors.torch as st

    path = tmp_path / "m.safetensors"
    save_tensors(path, {"a": torch.ones(2)}, {"format": "gancli"})

    def broken(tensors, filename, metadata=None):
        with open(filename, "wb") as f:
            f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(st, "save_file", broken)
    with pytest.raises(OSError):
        save_tensors(path, {"a": torch.zeros(2)}, {"format": "gancli"})
    assert torch.equal(load_file(str(path))["a"], torch.ones(2))
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


@pytest.mark.parametrize(
    "family", ["os.system", "dcgan.__init__", "dcgan.nonexistent", "../x.y", 7]
)
def test_net_families_from_checkpoints_are_checked(family):
    from gancli import nets

    with pytest.raises(GanError, match="unknown network family"):
        nets.build({"family": family})
