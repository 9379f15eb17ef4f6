"""`gan zoo push|pull`: the zoo and the Hugging Face Hub (registered on the zoo's group)."""

from __future__ import annotations

from typing import Annotated

import typer

from gancli.cli._common import JsonOpt
from gancli.cli._output import Output, info

NameArg = Annotated[
    str, typer.Argument(help="The entry's name (see gan zoo list).", show_default=False)
]
RepoArg = Annotated[
    str,
    typer.Argument(
        help="A Hub model repo: owner/repo (hf://owner/repo also works).", show_default=False
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace what is already there.")]


def push(
    name: NameArg,
    repo: RepoArg,
    private: Annotated[bool, typer.Option("--private", help="Create the repo private.")] = False,
    revision: Annotated[
        str | None, typer.Option("--revision", help="Push to this branch (created if needed).")
    ] = None,
    message: Annotated[
        str | None, typer.Option("--message", "-m", help="The commit message.")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Upload a zoo entry, a run folder or a model file to the Hugging Face Hub as one commit.

    The commit holds model.safetensors, a model card with the metrics, the sample grid and the
    concepts. It needs a token with write access (hf auth login, or HF_TOKEN), which is never
    printed."""
    from gancli.api.zoo import push as upload
    from gancli.store import hub

    entry, result = upload(name, repo, private, revision, message)
    at = f"@{result['revision']}" if result["revision"] != "main" else ""
    repo_id = hub.parse(repo)[0]
    said = (
        f"pushed {entry.name} to {result['url']} (commit {str(result['commit'])[:12]}); "
        f"anyone can now run: gan sample hf://{repo_id}{at}"
    )
    out = Output(json)
    out.document(result, indent=1) if json else out.note(said)


def pull(
    repo: Annotated[
        str,
        typer.Argument(
            help="A Hub model repo: owner/repo, or owner/repo@revision (hf:// optional).",
            show_default=False,
        ),
    ],
    name: Annotated[
        str | None, typer.Option("--name", help="The entry's name (default: the repo's name).")
    ] = None,
    force: ForceOpt = False,
    json: JsonOpt = False,
) -> None:
    """Download a gancli model from the Hugging Face Hub into the zoo.

    Files go through huggingface_hub's cache (HF_HUB_OFFLINE=1 uses what is cached), and each
    one is checked against the hash the Hub reports."""
    from gancli.api.zoo import pull as download

    p = download(repo, name, force)
    if p.entry is None:
        return info(
            f"the zoo's '{p.name}' already holds these weights (hf://{p.repo}); nothing to do"
        )
    doc = {"name": p.name, "repo": p.repo, "commit": p.commit, "path": str(p.entry.path)}
    out = Output(json)
    if not p.fresh:
        info(f"{p.name} is already {p.repo} at commit {p.commit[:12]}")
        return out.document(doc, indent=1) if json else None
    said = (
        f"pulled {p.repo}@{p.commit[:12]} into the zoo as {p.name} ({p.entry.path}); "
        f"sample it: gan sample {p.name}"
    )
    out.document(doc, indent=1) if json else out.note(said)
