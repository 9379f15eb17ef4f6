"""The Hugging Face Hub side of the zoo. huggingface_hub speaks the protocol; this module only
chooses what to send, checks what comes back, and turns the Hub's errors into one line each.

- Downloads go through huggingface_hub's cache (`snapshot_download`), so `HF_HUB_OFFLINE=1`
  uses what is cached. Every file is checked against the hash the Hub reports for it (the
  sha256 of LFS files, the git blob id of small text files such as the card); offline, against
  the hash the cache stored it under. A file that does not match is removed from the cache.
- The token comes from huggingface_hub's usual places (`HF_TOKEN`, `hf auth login`); it is
  never printed, and any message that would show it shows *** instead.
- A repo is a gancli model only when its card says `library_name: gancli` and it holds
  `model.safetensors`; anything else is refused before a byte of weights is downloaded.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gancli import __version__
from gancli.errors import GanError
from gancli.store import describe, modelcard
from gancli.store.files import CARD_FILE, ENTRY_FILES, MODEL_FILE, SAMPLES_FILE

_PART = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?"
REPO_RE = re.compile(rf"{_PART}/{_PART}")
REVISION_RE = re.compile(r"[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*")
DEFAULT_ENDPOINT = "https://huggingface.co"
LOGIN = "run `hf auth login` or set HF_TOKEN"


def parse(text: str) -> tuple[str, str | None]:
    """`hf://owner/repo[@revision]` (or `owner/repo[@revision]`) as (repo id, revision)."""
    spec = text[len("hf://") :] if text.startswith("hf://") else text
    repo_id, at, revision = spec.partition("@")
    if not REPO_RE.fullmatch(repo_id) or ".." in repo_id or "--" in repo_id:
        raise GanError(
            f"bad Hub repo {text!r}: write owner/repo or owner/repo@revision "
            "(letters, digits, '.', '_', '-'), e.g. hf://alice/mnist-dcgan"
        )
    if at and (not REVISION_RE.fullmatch(revision) or ".." in revision):
        raise GanError(f"bad revision {revision!r} in {text!r}: a branch, tag or commit id")
    return repo_id, (revision or None)


def endpoint() -> str:
    from huggingface_hub import constants

    return (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT or DEFAULT_ENDPOINT).rstrip("/")


def offline() -> bool:
    from huggingface_hub import constants

    return bool(constants.is_offline_mode())


def _token() -> str | None:
    from huggingface_hub import get_token

    try:
        return get_token()
    except Exception:  # a broken token file reads as no token
        return None


def _scrub(text: str) -> str:
    token = _token()
    return text.replace(token, "***") if token and len(token) >= 8 else text


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0][:200] if text else type(e).__name__


# ---- errors ------------------------------------------------------------------------------------


def _is_network(e: BaseException) -> bool:
    """A connection that failed or timed out (httpx, requests and the standard library alike)."""
    names = {c.__name__ for c in type(e).__mro__}
    transport = {"TransportError", "NetworkError", "TimeoutException", "ConnectError"}
    return bool(names & transport) or isinstance(e, (ConnectionError, TimeoutError))


def _chain(e: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        yield e
        e = e.__cause__ or e.__context__  # type: ignore[assignment]


def explain(e: BaseException, repo_id: str, revision: str | None, action: str) -> GanError:
    """One line that says what went wrong with `action` on `repo_id`, and what to do."""
    from huggingface_hub import errors as hf

    where = f"{repo_id}@{revision}" if revision else repo_id
    ep = endpoint()
    has_token = _token() is not None

    def http(err: BaseException) -> str | None:
        response = getattr(err, "response", None)
        status = getattr(response, "status_code", None)
        if isinstance(err, hf.GatedRepoError):
            return f"{repo_id} is gated: accept its conditions at {ep}/{repo_id}, then {LOGIN}"
        if isinstance(err, hf.RevisionNotFoundError):
            return f"{repo_id} has no revision '{revision}' on {ep}"
        if isinstance(err, hf.RepositoryNotFoundError):
            private = (
                "if it is private, your token cannot see it"
                if has_token
                else f"if it is private, {LOGIN}"
            )
            return f"no model repo {repo_id} on {ep} ({private})"
        if isinstance(err, hf.EntryNotFoundError) and status in (None, 404):
            return f"{where} has no such file: {_first_line(err)}"
        if status == 429:
            after = response.headers.get("Retry-After") if response is not None else None
            wait = f"retry in {after} s" if after else "wait a few minutes and retry"
            return f"the Hub is rate-limiting requests from this machine (HTTP 429): {wait}"
        if status == 401:
            if not has_token:
                return f"the Hub wants a token to {action} {repo_id} (HTTP 401): {LOGIN}"
            return f"the Hub refused the token (HTTP 401) to {action} {repo_id}: {LOGIN} again"
        if status == 403 and action == "download":
            return f"the Hub refused access to {repo_id} (HTTP 403): your token cannot read it"
        if status == 403:
            return (
                f"the token may not {action} {repo_id} (HTTP 403): it needs write access to "
                f"'{repo_id.split('/')[0]}'"
            )
        if status is not None and status >= 500:
            return f"the Hub answered HTTP {status} (a server problem) to {action} {where}: try again later"
        if status is not None:
            detail = getattr(err, "server_message", None) or _first_line(err)
            return f"the Hub answered HTTP {status} to {action} {where}: {_first_line(detail)}"
        return None

    for err in _chain(e):
        if isinstance(err, hf.OfflineModeIsEnabled) or (
            isinstance(err, hf.LocalEntryNotFoundError) and offline()
        ):
            if action != "download":
                return GanError(
                    f"HF_HUB_OFFLINE=1 is set: cannot {action} {repo_id} without the network"
                )
            return GanError(
                f"{where} is not in the Hugging Face cache and HF_HUB_OFFLINE=1 is set: "
                "pull it once online, or unset HF_HUB_OFFLINE"
            )
        message = http(err)
        if message:
            return GanError(_scrub(message))
        if _is_network(err):
            return GanError(
                _scrub(
                    f"cannot reach the Hub at {ep} ({_first_line(err)}): check the connection, "
                    "or set HF_HUB_OFFLINE=1 to use models already in the cache"
                )
            )
        if isinstance(err, hf.HFValidationError):
            return GanError(f"bad Hub repo {repo_id!r}: {_first_line(err)}")
    return GanError(_scrub(f"could not {action} {where}: {_first_line(e)}"))


@contextmanager
def _errors(repo_id: str, revision: str | None, action: str) -> Iterator[None]:
    try:
        yield
    except GanError:
        raise
    except Exception as e:  # every Hub failure becomes one line; --debug shows the cause
        raise explain(e, repo_id, revision, action) from e


# ---- hashes ------------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def git_blob_id(path: Path) -> str:
    """The git object id of a file: what the Hub reports for files not stored in LFS."""
    h = hashlib.sha1(usedforsecurity=False)
    h.update(f"blob {path.stat().st_size}\0".encode())
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _evict(path: Path) -> None:
    """Drop a bad file from huggingface_hub's cache (the snapshot link and its blob)."""
    try:
        blob = path.resolve()
        path.unlink(missing_ok=True)
        if blob != path and blob.exists():
            blob.unlink()
    except OSError:
        pass


def _mismatch(path: Path, where: str, kind: str, got: str, want: str) -> GanError:
    _evict(path)
    return GanError(
        f"{path.name} from {where} does not match the {kind} the Hub reports "
        f"({got[:12]}... downloaded, {want[:12]}... expected): a damaged or tampered download; "
        "it was removed from the cache and nothing was registered"
    )


def verify(folder: Path, remote: list[Any], where: str) -> None:
    """Check each downloaded file against the Hub's paths-info: sha256 for LFS files, the git
    blob id for the others."""
    for info in remote:
        path = folder / info.path
        if not path.is_file():
            raise GanError(f"{info.path} of {where} is missing from the download; try again")
        lfs = getattr(info, "lfs", None)
        if lfs is not None:
            got, want = sha256(path), str(lfs.sha256)
            if got != want:
                raise _mismatch(path, where, "sha256", got, want)
        elif getattr(info, "blob_id", None):
            got, want = git_blob_id(path), str(info.blob_id)
            if got != want:
                raise _mismatch(path, where, "git blob id", got, want)
        else:
            raise GanError(f"the Hub reports no hash for {info.path} of {where}: cannot check it")


def verify_cached(folder: Path, where: str) -> list[str]:
    """Offline: check each cached file against the hash huggingface_hub stored it under (its
    blob's name is the sha256 of LFS files and the git blob id of the others). Returns the
    files that cannot be checked this way (a cache without symlinks)."""
    unchecked = []
    for name in ENTRY_FILES:
        path = folder / name
        if not path.exists():
            continue
        blob = path.resolve().name if path.is_symlink() else ""
        if re.fullmatch(r"[0-9a-f]{64}", blob):
            got = sha256(path)
            if got != blob:
                raise _mismatch(path, where, "sha256", got, blob)
        elif re.fullmatch(r"[0-9a-f]{40}", blob):
            got = git_blob_id(path)
            if got != blob:
                raise _mismatch(path, where, "git blob id", got, blob)
        else:
            unchecked.append(name)
    return unchecked


# ---- download ----------------------------------------------------------------------------------


def _card_meta(folder: Path) -> dict[str, Any]:
    try:
        return modelcard.split((folder / CARD_FILE).read_text(encoding="utf-8"))[0]
    except (OSError, UnicodeDecodeError):
        return {}


def _check_gancli(repo_id: str, meta: dict[str, Any], files: list[str]) -> None:
    if MODEL_FILE not in files:
        raise GanError(f"{repo_id} is not a gancli model: it has no {MODEL_FILE}")
    if not modelcard.is_gancli(meta):
        said = meta.get("library_name")
        raise GanError(
            f"{repo_id} is not a gancli model: its model card says library_name: {said}"
            if said
            else f"{repo_id} is not a gancli model: its model card does not say library_name: gancli"
        )


def fetch(repo_id: str, revision: str | None = None) -> tuple[Path, str]:
    """Download (or, offline, find in the cache) a gancli repo's files; check every one.

    Returns the snapshot folder in huggingface_hub's cache and the commit id."""
    from huggingface_hub import HfApi, snapshot_download

    ep = endpoint()
    rev = revision or "main"
    common = {
        "endpoint": ep,
        "library_name": "gancli",
        "library_version": __version__,
    }
    if offline():
        with _errors(repo_id, revision, "download"):
            folder = Path(
                snapshot_download(repo_id, revision=rev, allow_patterns=list(ENTRY_FILES), **common)
            )
        _check_gancli(repo_id, _card_meta(folder), [p.name for p in folder.iterdir()])
        unchecked = verify_cached(folder, f"{repo_id}@{folder.name[:8]}")
        if unchecked:
            print(
                f"note: {', '.join(unchecked)} of {repo_id} could not be checked offline "
                "(this cache keeps copies, not hash-named blobs)",
                file=sys.stderr,
            )
        return folder, folder.name

    api = HfApi(endpoint=ep, library_name="gancli", library_version=__version__)
    with _errors(repo_id, revision, "download"):
        info = api.model_info(repo_id, revision=rev)
    files = [s.rfilename for s in info.siblings or []]
    card = info.card_data.to_dict() if info.card_data is not None else {}
    if getattr(info, "library_name", None) and "library_name" not in card:
        card["library_name"] = info.library_name
    _check_gancli(repo_id, card, files)
    wanted = [f for f in ENTRY_FILES if f in files]
    with _errors(repo_id, revision, "download"):
        folder = Path(snapshot_download(repo_id, revision=rev, allow_patterns=wanted, **common))
        remote = api.get_paths_info(repo_id, wanted, revision=folder.name)
    verify(folder, list(remote), f"{repo_id}@{folder.name[:8]}")
    return folder, folder.name


# ---- upload ------------------------------------------------------------------------------------


def card_for_push(entry_dir: Path, name: str, repo_id: str) -> str:
    """The README.md to push: gancli's card rewritten for the repo, or the user's own card with
    its front matter completed."""
    summary = describe.summarize(entry_dir / MODEL_FILE)
    path = entry_dir / CARD_FILE
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if not text.strip() or modelcard.MARKER in text:
        samples = (entry_dir / SAMPLES_FILE).is_file()
        return modelcard.render(summary, name, repo_id=repo_id, samples=samples)
    return modelcard.with_front_matter(text, modelcard.front_matter(summary))


def public_model_bytes(model_file: Path) -> bytes:
    """The model file as it goes to the Hub: the same tensors, with the local paths in its
    training settings (run folder, data folder, resumed run) cut to their last component, so
    a push never publishes the layout of the machine it came from."""
    import json

    from safetensors import safe_open
    from safetensors.torch import save

    with safe_open(str(model_file), framework="pt") as f:
        meta = dict(f.metadata() or {})
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    config = json.loads(meta.get("config", "{}"))
    train = config.get("train") or {}
    for key in ("out", "data", "resume"):
        value = train.get(key)
        if isinstance(value, str) and ("/" in value or "\\" in value):
            train[key] = Path(value.rstrip("/\\")).name or value
    if train:
        config["train"] = train
        meta["config"] = json.dumps(config, sort_keys=True)
    return save(tensors, metadata=meta)


def push(
    entry_dir: Path,
    name: str,
    repo_id: str,
    revision: str | None = None,
    private: bool = False,
    message: str | None = None,
) -> dict[str, Any]:
    """Upload a zoo entry as one commit; returns the repo, revision, commit id and URL."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi

    if offline():
        raise GanError(f"HF_HUB_OFFLINE=1 is set: cannot push to {repo_id} without the network")
    if _token() is None:
        raise GanError(f"pushing needs a Hugging Face token with write access: {LOGIN}")
    card = card_for_push(entry_dir, name, repo_id)
    files = [f for f in ENTRY_FILES if f != CARD_FILE and (entry_dir / f).is_file()]
    ep = endpoint()
    api = HfApi(endpoint=ep, library_name="gancli", library_version=__version__)
    branch = revision if revision and revision != "main" else None
    with _errors(repo_id, revision, "push to"):
        api.create_repo(repo_id, private=private or None, exist_ok=True)
        if branch:
            api.create_branch(repo_id, branch=branch, exist_ok=True)
        remote = set(api.list_repo_files(repo_id, revision=branch))
        ops: list[Any] = [
            CommitOperationAdd(
                path_in_repo=f,
                path_or_fileobj=public_model_bytes(entry_dir / f)
                if f == MODEL_FILE
                else str(entry_dir / f),
            )
            for f in files
        ]
        ops.append(CommitOperationAdd(path_in_repo=CARD_FILE, path_or_fileobj=card.encode()))
        stale = [f for f in ENTRY_FILES if f in remote and f not in files and f != CARD_FILE]
        ops += [CommitOperationDelete(path_in_repo=f) for f in stale]
        commit = api.create_commit(
            repo_id,
            ops,
            commit_message=message or f"{name}: model, card and samples from gancli {__version__}",
            revision=branch,
        )
    return {
        "name": name,
        "repo": repo_id,
        "revision": revision or "main",
        "commit": commit.oid,
        "url": f"{ep}/{repo_id}" + (f"/tree/{branch}" if branch else ""),
        "files": files + [CARD_FILE],
        "deleted": stale,
    }
