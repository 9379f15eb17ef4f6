"""Fixtures for the zoo: a tiny trained run, an isolated zoo, and a Hub on loopback."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from tests.conftest import tiny_options
from tests.zoo.hubserver import READ_ONLY_TOKEN, TOKEN


@pytest.fixture(scope="session")
def trained(tmp_path_factory) -> Path:
    """A tiny trained DCGAN run folder (2 steps), shared by the zoo tests: copy before changing."""
    from gancli.engine.loop import Trainer

    out = tmp_path_factory.mktemp("zoo-run") / "shapes-tiny"
    Trainer(tiny_options(out), quiet=True).run()
    return out


@pytest.fixture
def zoo_dir(tmp_path, monkeypatch) -> Path:
    """An empty local zoo for one test."""
    path = tmp_path / "zoo"
    monkeypatch.setenv("GAN_ZOO", str(path))
    return path


@pytest.fixture(scope="session")
def hub_server(tmp_path_factory):
    pytest.importorskip("olah", reason="the Hub tests serve downloads with olah (pip install olah)")
    if shutil.which("git") is None:
        pytest.skip("the loopback Hub keeps its repositories in git")
    from tests.zoo.hubserver import Hub

    hub = Hub(tmp_path_factory.mktemp("hub"), TOKEN, READ_ONLY_TOKEN).start()
    yield hub
    hub.stop()


@pytest.fixture
def hub(hub_server, monkeypatch, tmp_path, zoo_dir):
    """Online against the loopback Hub, with a write token in HF_TOKEN and a fresh cache.

    huggingface_hub reads HF_HUB_OFFLINE and its cache folder when it is imported (the suite
    imports it offline), so those are set on its constants as well as in the environment."""
    from huggingface_hub import constants

    cache = tmp_path / "hf-home"
    monkeypatch.setenv("HF_ENDPOINT", hub_server.url)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_HOME", str(cache))
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")  # the loopback Hub speaks LFS, not Xet
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache / "hub"))
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(cache / "token"))
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
    # huggingface_hub fetches a registry of coding agents from huggingface.co for its user
    # agent header; an empty one keeps it on loopback
    from huggingface_hub.utils import _detect_agent

    monkeypatch.setattr(_detect_agent, "_registry", _detect_agent._EMPTY_REGISTRY, raising=False)
    # and nothing may leave the machine: every name lookup but loopback is refused and recorded
    real_getaddrinfo = socket.getaddrinfo
    refused: list[str] = []

    def loopback_only(host, *args, **kwargs):
        if host not in ("127.0.0.1", "localhost", "::1"):
            refused.append(str(host))
            raise socket.gaierror(socket.EAI_NONAME, f"the tests stay on loopback, not {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)
    yield hub_server
    assert not refused, f"a test tried to reach {sorted(set(refused))}"


@pytest.fixture(autouse=True)
def _wide_tables(monkeypatch):
    """Rich folds tables to the terminal's width; the tests read whole cells."""
    monkeypatch.setenv("COLUMNS", "200")
