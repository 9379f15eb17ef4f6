"""The names of the files in a run folder and a zoo entry: each one is defined here and only here.

A run folder (`gan train -o RUN`) holds:

    model.safetensors       the model: config, G, EMA G, D (gancli.store.checkpoint)
    state.safetensors       optimisers, RNG and data order, for an exact --resume
    config.json             the model's config as plain JSON
    metrics.jsonl           losses (and --eval-every metrics) during training
    samples/step_NNNNNN.png progress grids from fixed latents
    snapshots/step_NNNNNN.safetensors   the steps train --keep-every keeps (RUN@STEP)

and, once made, concepts.safetensors (gan concept), metrics.json and memorisation.png
(gan evaluate). A zoo entry holds model.safetensors, README.md (its model card), samples.png,
concepts.safetensors and metrics.json (ENTRY_FILES: what goes to and comes from the Hub), and
origin.json, which never leaves the machine.

Standard library only: anything may import this module.
"""

from __future__ import annotations

from pathlib import Path

MODEL_FILE = "model.safetensors"
STATE_FILE = "state.safetensors"
CONFIG_FILE = "config.json"
TRAIN_LOG_FILE = "metrics.jsonl"
SAMPLES_DIR = "samples"
SNAPSHOTS_DIR = "snapshots"
TENSORBOARD_DIR = "tensorboard"  # --log tensorboard's event files
CONCEPTS_FILE = "concepts.safetensors"
RESULTS_FILE = "metrics.json"
MEMORISATION_FILE = "memorisation.png"
CARD_FILE = "README.md"
SAMPLES_FILE = "samples.png"
ORIGIN_FILE = "origin.json"

ENTRY_FILES = (MODEL_FILE, CARD_FILE, CONCEPTS_FILE, SAMPLES_FILE, RESULTS_FILE)

_STEP = "step_"
GRID_GLOB = f"{_STEP}*.png"  # the progress grids in SAMPLES_DIR
SNAPSHOT_GLOB = f"{_STEP}*.safetensors"  # the kept checkpoints in SNAPSHOTS_DIR


def grid_name(step: int) -> str:
    """The progress grid of `step`, in SAMPLES_DIR."""
    return f"{_STEP}{step:06d}.png"


def snapshot_name(step: int) -> str:
    """The checkpoint train --keep-every keeps of `step`, in SNAPSHOTS_DIR."""
    return f"{_STEP}{step:06d}.safetensors"


def snapshot_step(path: Path) -> int:
    """The step of a kept checkpoint, from its name."""
    return int(path.stem[len(_STEP) :])


def concepts_file(model_file: Path) -> Path:
    """Where the concepts of a model live: concepts.safetensors in a run folder or zoo entry,
    NAME.concepts.safetensors beside a loose NAME.safetensors."""
    if model_file.name == MODEL_FILE:
        return model_file.parent / CONCEPTS_FILE
    return model_file.with_name(f"{model_file.stem}.{CONCEPTS_FILE}")
