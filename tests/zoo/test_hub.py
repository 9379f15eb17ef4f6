"""The zoo and the Hugging Face Hub, on loopback: olah serves downloads from git repositories,
a minimal in-test server takes uploads (see hubserver.py). Nothing here touches the internet."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gancli.cli import app
from tests.zoo.hubserver import READ_ONLY_TOKEN, TOKEN, subprocess_env

runner = CliRunner()
README = Path(__file__).resolve().parents[2] / "README.md"


def gan(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def ok(r) -> str:
    assert r.exit_code == 0, r.output
    assert TOKEN not in r.output
    return r.output


def data(r) -> dict:
    ok(r)
    return json.loads(r.stdout)


def one_line_error(r, *needles: str) -> str:
    assert r.exit_code == 1, r.output
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), r.output
    assert "Traceback" not in r.output and TOKEN not in r.output and READ_ONLY_TOKEN not in r.output
    for needle in needles:
        assert needle in r.output, r.output
    return lines[0]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(autouse=True, scope="module")
def _no_progress_bars():
    from huggingface_hub.utils import disable_progress_bars, enable_progress_bars

    disable_progress_bars()
    yield
    enable_progress_bars()


@pytest.fixture
def pushed(hub, trained, tmp_path, request):
    """A tiny model in the zoo as 'tiny' and pushed to a fresh repo; returns the repo id."""
    repo_id = f"alice/{request.node.name.split('[')[0].replace('_', '-')[:60]}"
    run = tmp_path / "tiny"
    shutil.copytree(trained, run)
    ok(gan("concept", "add", "red", "-c", run, "--seeds", "1,2,3", "--device", "cpu"))
    ok(gan("zoo", "add", run))
    ok(gan("zoo", "push", "tiny", repo_id))
    return repo_id


def test_push_then_pull_round_trip(pushed, hub, zoo_dir):
    repo = hub.repo_dir(pushed)
    assert sorted(p.name for p in repo.iterdir() if p.name != ".git") == [
        ".gitattributes",
        "README.md",
        "concepts.safetensors",
        "model.safetensors",
        "samples.png",
    ]
    assert "oid sha256:" in (repo / "model.safetensors").read_text()  # stored in LFS, like the Hub
    card = (repo / "README.md").read_text()
    assert card.startswith("---\nlibrary_name: gancli\ntags:\n- gan\n- dcgan\n")
    assert f'hf_hub_download("{pushed}", "model.safetensors")' in card
    assert f"gan sample hf://{pushed}" in card and "![samples" in card

    got = data(gan("zoo", "pull", pushed, "--name", "copy", "--json"))
    entry = zoo_dir / "copy"
    assert (
        got["name"] == "copy"
        and got["commit"] == got["commit"].lower()
        and len(got["commit"]) == 40
    )
    for f in ("concepts.safetensors", "samples.png"):
        assert sha256(entry / f) == sha256(zoo_dir / "tiny" / f)
    # the model: the same tensors, and no local paths in what went public
    from safetensors import safe_open

    with (
        safe_open(str(entry / "model.safetensors"), "pt") as a,
        safe_open(str(zoo_dir / "tiny" / "model.safetensors"), "pt") as b,
    ):
        assert sorted(a.keys()) == sorted(b.keys())
        assert all(a.get_tensor(k).equal(b.get_tensor(k)) for k in a.keys())
        pushed_train = json.loads(a.metadata()["config"])["train"]
        local_train = json.loads(b.metadata()["config"])["train"]
    assert "/" in local_train["out"] and pushed_train["out"] == Path(local_train["out"]).name
    assert (entry / "README.md").read_text() == card
    origin = json.loads((entry / "origin.json").read_text())
    assert origin["repo"] == pushed and origin["commit"] == got["commit"]

    from gancli.store.recent import most_recent

    assert most_recent() == str((entry / "model.safetensors").resolve())
    out = ok(gan("zoo", "info", "copy"))
    assert f"hf://{pushed}@main" in out and "red" in out
    assert "already" in ok(gan("zoo", "pull", pushed, "--name", "copy"))
    before = sha256(zoo_dir / "tiny" / "model.safetensors")
    # the local model it was pushed from has the same weights: no clash, nothing overwritten
    assert "already holds these weights" in ok(gan("zoo", "pull", pushed, "--name", "tiny"))
    assert sha256(zoo_dir / "tiny" / "model.safetensors") == before


def test_hf_ckpt_works_everywhere_and_offline_uses_the_cache(pushed, hub, tmp_path, monkeypatch):
    from huggingface_hub import constants

    from gancli.api import load
    from gancli.store.locate import locate

    where = locate(f"hf://{pushed}")
    assert where.source == "hf" and where.name.startswith(f"{pushed}@")
    model = load(f"hf://{pushed}@main")
    assert tuple(model.sample(model.variant.sample_z(3)).shape) == (3, 3, 16, 16)
    info = data(gan("info", f"hf://{pushed}", "--json"))
    assert info["concepts"] == ["red"] and info["source"]["kind"] == "hf"
    ok(
        gan(
            "arithmetic",
            "red - red + red",
            "-c",
            f"hf://{pushed}",
            "-o",
            tmp_path / "a.png",
            "--device",
            "cpu",
        )
    )

    seen = len(hub.requests)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    ok(gan("sample", f"hf://{pushed}", "-n", 4, "-o", tmp_path / "g.png"))
    ok(gan("zoo", "pull", pushed, "--name", "offline-copy"))
    assert len(hub.requests) == seen, "offline means no request at all"
    one_line_error(
        gan("zoo", "pull", "alice/never-pulled"),
        "alice/never-pulled is not in the Hugging Face cache and HF_HUB_OFFLINE=1 is set",
    )
    one_line_error(gan("zoo", "push", "tiny", "alice/x"), "HF_HUB_OFFLINE=1")

    # a cached file that no longer matches the hash it was stored under is refused offline too
    blob = (Path(where.path)).resolve()
    blob.write_bytes(blob.read_bytes()[:-1] + b"\0")
    one_line_error(gan("zoo", "pull", pushed, "--name", "bad"), "does not match the sha256")
    assert not (tmp_path / "zoo" / "bad").exists()


def test_readme_snippet_loads_a_pushed_repo_in_plain_python(pushed, hub, tmp_path):
    text = README.read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    snippet = next(b for b in blocks if "hf_hub_download" in b)
    assert len(snippet.strip().splitlines()) == 3
    code = snippet.replace("owner/repo", pushed) + (
        "print(tuple(model.sample(model.variant.sample_z(5)).shape))\n"
    )
    env = subprocess_env(hub, tmp_path / "hf-plain")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(5, 3, 16, 16)"


def test_a_tampered_file_is_refused_and_nothing_is_overwritten(
    pushed, hub, zoo_dir, trained, tmp_path
):
    ok(gan("zoo", "pull", pushed, "--name", "mine"))
    before = sha256(zoo_dir / "mine" / "model.safetensors")
    # a second version of the repo whose weights are changed on the server after upload
    run = tmp_path / "v2"
    shutil.copytree(trained, run)
    ok(gan("zoo", "add", run, "--name", "v2"))
    (zoo_dir / "v2" / "metrics.json").write_text('{"format": 1, "results": []}')
    ok(gan("zoo", "push", "v2", pushed))
    hub.tamper(pushed, "model.safetensors")
    one_line_error(
        gan("zoo", "pull", pushed, "--name", "mine", "--force"),
        "model.safetensors from",
        "does not match the sha256 the Hub reports",
        "nothing was registered",
    )
    assert sha256(zoo_dir / "mine" / "model.safetensors") == before
    assert not (hub.repo_dir(pushed) / "concepts.safetensors").exists(), "v2 has no concepts"
    one_line_error(gan("sample", f"hf://{pushed}", "-o", tmp_path / "x.png"), "does not match")


def test_repos_that_are_not_gancli_models_are_refused(hub, zoo_dir):
    hub.create("bob/bert")
    hub.write_files(
        "bob/bert",
        {
            "README.md": b"---\nlibrary_name: transformers\n---\n# bert\n",
            "model.safetensors": b"\0" * 64,
        },
    )
    hub.create("bob/bare")
    hub.write_files("bob/bare", {"model.safetensors": b"\0" * 64})
    hub.create("bob/notes")
    hub.write_files("bob/notes", {"README.md": b"---\nlibrary_name: gancli\n---\n"})
    start = len(hub.requests)
    one_line_error(gan("zoo", "pull", "bob/bert"), "bob/bert is not a gancli model", "transformers")
    one_line_error(gan("zoo", "pull", "bob/bare"), "does not say library_name: gancli")
    one_line_error(gan("sample", "hf://bob/notes"), "has no model.safetensors")
    assert not any("/resolve/" in path for _, path in hub.requests[start:]), (
        "no file was downloaded"
    )
    assert not zoo_dir.exists() or not any(zoo_dir.iterdir())


def test_hub_errors_are_one_line_each(hub, zoo_dir, trained, monkeypatch):
    one_line_error(gan("zoo", "pull", "alice/nothing-here"), "no model repo alice/nothing-here on")
    one_line_error(
        gan("zoo", "pull", "ratelimited/model"), "rate-limiting", "HTTP 429", "retry in 7 s"
    )
    one_line_error(gan("zoo", "pull", "down/model"), "HTTP 503", "try again later")
    one_line_error(gan("zoo", "pull", "../evil"), "bad Hub repo")
    one_line_error(gan("zoo", "pull", "alice/x@bad..rev"), "bad revision")
    one_line_error(gan("zoo", "pull", "alice/x", "--name", "../../x"), "bad zoo name")

    ok(gan("zoo", "add", trained, "--name", "tiny"))
    monkeypatch.setenv("HF_TOKEN", READ_ONLY_TOKEN)
    one_line_error(gan("zoo", "push", "tiny", "alice/ro"), "HTTP 403", "write access")
    monkeypatch.setenv("HF_TOKEN", "hf_notTheRightToken0123456789")
    line = one_line_error(
        gan("zoo", "push", "tiny", "alice/bad-token"), "refused the token (HTTP 401)"
    )
    assert "hf_notTheRightToken" not in line
    monkeypatch.delenv("HF_TOKEN")
    one_line_error(
        gan("zoo", "push", "tiny", "alice/no-token"), "needs a Hugging Face token", "hf auth login"
    )

    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{closed}")
    one_line_error(gan("zoo", "pull", "alice/anything"), "cannot reach the Hub", "HF_HUB_OFFLINE=1")


def test_push_to_a_branch_and_pull_that_revision(hub, trained, zoo_dir, tmp_path):
    ok(gan("zoo", "add", trained, "--name", "tiny"))
    ok(gan("zoo", "push", "tiny", "carol/branches", "--private"))
    assert hub.created["carol/branches"]["visibility"] == "private"
    out = ok(gan("zoo", "push", "tiny", "carol/branches", "--revision", "v1", "-m", "on v1"))
    assert "gan sample hf://carol/branches@v1" in out
    got = data(gan("zoo", "pull", "hf://carol/branches@v1", "--name", "b1", "--json"))
    origin = json.loads((zoo_dir / "b1" / "origin.json").read_text())
    assert origin["revision"] == "v1" and origin["commit"] == got["commit"]
    main = data(gan("zoo", "pull", "carol/branches", "--name", "b0", "--json"))
    assert main["commit"] != got["commit"]


def test_a_card_without_the_marker_is_pushed_as_written(hub, trained, zoo_dir):
    ok(gan("zoo", "add", trained, "--name", "tiny"))
    (zoo_dir / "tiny" / "README.md").write_text("---\ntags: [mine]\n---\n# My own words\n")
    ok(gan("zoo", "push", "tiny", "dave/own-card"))
    card = (hub.repo_dir("dave/own-card") / "README.md").read_text()
    assert "# My own words" in card and "library_name: gancli" in card
    assert "- mine\n- gan\n- dcgan\n" in card
    assert (zoo_dir / "tiny" / "README.md").read_text().startswith("---\ntags: [mine]")


def test_push_a_run_folder_then_pull_it_back_over_the_same_weights(hub, trained, zoo_dir, tmp_path):
    run = tmp_path / "my-run"
    shutil.copytree(trained, run)
    ok(gan("zoo", "push", run, "dave/my-run"))  # a folder, as Hub users push folders
    assert not (zoo_dir / "my-run").exists()  # the zoo is not touched by a push
    ok(gan("zoo", "pull", "dave/my-run", "--name", "copy"))
    from safetensors.torch import load_file

    pulled = load_file(zoo_dir / "copy" / "model.safetensors")
    local = load_file(run / "model.safetensors")
    assert set(pulled) == set(local) and all((pulled[k] == local[k]).all() for k in local)
    card = (zoo_dir / "copy" / "README.md").read_text()
    assert card.startswith("---\nlibrary_name: gancli") and "my-run" in card
    ok(gan("zoo", "push", run / "model.safetensors", "dave/as-file"))
    # the model is in the zoo under the same name from training: pulling it back is no clash
    ok(gan("zoo", "add", run, "--name", "my-run"))
    out = ok(gan("zoo", "pull", "dave/my-run"))
    assert "already holds these weights" in out
