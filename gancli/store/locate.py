"""The one place that turns a CKPT argument into a model file.

CKPT resolves, in this order:

1. a path: a `.safetensors` file, or a run folder / zoo entry folder holding `model.safetensors`
   (`RUN@STEP`: the snapshot `gan train --keep-every` kept of that step);
2. a name in the local zoo (`$GAN_ZOO`, else the platform's user data folder, `gancli/zoo`);
3. a name in the curated zoo shipped with gancli (a `zoo/` folder, one folder per entry);
4. `hf://owner/repo[@revision]`: downloaded through huggingface_hub's cache, every file checked
   against the hash the Hub reports (see gancli.store.hub).

Paths and names are the zoo's (gancli.store.zoo.locate); this module, above both the zoo and the
Hub, adds the Hub's repos. Commands call `locate` or `resolve` from here.
"""

from __future__ import annotations

from pathlib import Path

from gancli.store import hub, zoo
from gancli.store.checkpoint import model_path
from gancli.store.zoo import Located


def locate(ckpt: str) -> Located:
    """Where the model that `ckpt` names is, in the order of the module docstring."""
    if ckpt.startswith(zoo.HF_PREFIX):
        repo_id, revision = hub.parse(ckpt)
        folder, commit = hub.fetch(repo_id, revision)
        return Located(model_path(folder), "hf", f"{repo_id}@{commit}")
    return zoo.locate(ckpt)


def resolve(ckpt: str) -> Path:
    """The model file that `ckpt` names: a path, a zoo name or hf://owner/repo[@revision]."""
    return locate(ckpt).path
