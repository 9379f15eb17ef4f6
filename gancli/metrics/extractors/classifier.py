"""`classifier`: `SmallCNN` trained once on the labelled reference set at its resolution, and
cached under `<cache>/eval/`; 128-d features and class logits, with the reference's class
names. Works offline; its numbers compare only within one data set."""

from __future__ import annotations

import json
import math
from typing import Any

import torch

from gancli.errors import GanError
from gancli.metrics.features import (
    Extractor,
    ExtractorRequest,
    eval_cache_dir,
    eval_key,
    eval_slug,
    file_sha256,
)
from gancli.metrics.registry import extractor
from gancli.store.checkpoint import save_tensors

CLASSIFIER_ARCH = "SmallCNN/1"
CLASSIFIER_HELD_OUT = 0.1  # of the reference, to report the classifier's accuracy
CLASSIFIER_MAX_TRAIN = 20_000


def auto_epochs(n_train: int) -> int:
    """About 50,000 images seen, from 3 to 30 passes: mnist5k (4,500) trains 12 epochs."""
    return int(min(30, max(3, math.ceil(50_000 / max(1, n_train)))))


@extractor(
    "classifier",
    help="a small CNN trained once on the labelled reference set (cached): 128-d "
    "features and class logits; works offline, not comparable across data sets",
    summary="a small CNN trained once on the labelled reference set; offline",
    kinds=("image",),
    logits=True,
    named_classes=True,
)
def build(request: ExtractorRequest) -> Extractor:
    """Trained on the reference set at its own resolution, then read from the cache."""
    from safetensors import safe_open

    from gancli.metrics.classifier import SmallCNN, predict, train_classifier

    ref, ref_hash, device = request.reference, request.ref_hash, request.device
    epochs, batch_size, note = request.classifier_epochs, request.batch_size, request.note
    if ref.labels is None or ref.num_classes < 2:
        raise GanError(
            f"--features classifier trains a classifier on the reference's labels, and "
            f"'{ref.source or ref.name}' has none: give a labelled set (a folder with one "
            f"sub-folder per class, mnist5k, shapes), or use --features inception or pixels"
        )
    n = len(ref)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(0))
    n_held = max(1, int(n * CLASSIFIER_HELD_OUT)) if n >= 10 else 0
    held, train = perm[:n_held], perm[n_held:][:CLASSIFIER_MAX_TRAIN]
    epochs = epochs or auto_epochs(len(train))
    if epochs < 1:
        raise GanError(f"--classifier-epochs must be at least 1; got {epochs}")
    shape = [int(s) for s in ref.x.shape[1:]]
    material = {
        "data": ref_hash,
        "arch": CLASSIFIER_ARCH,
        "epochs": epochs,
        "split_seed": 0,
        "max_train": CLASSIFIER_MAX_TRAIN,
    }
    path = (
        eval_cache_dir() / f"classifier-{eval_slug(ref.name)}-{eval_key(material)[:24]}.safetensors"
    )
    k = ref.num_classes
    net = SmallCNN(shape[0], k)
    meta: dict[str, Any] | None = None
    if path.is_file():
        try:
            with safe_open(str(path), framework="pt") as f:
                meta = json.loads(f.metadata()["gancli_classifier"])
                state = {name: f.get_tensor(name) for name in f.keys()}
            net.load_state_dict(state)
        except Exception:
            meta = None
    if meta is None:
        note(
            f"training the classifier feature extractor on {ref.name} ({len(train)} images, "
            f"{epochs} epochs; once, then cached)"
        )
        x = ref.x[train]
        net = train_classifier(x, ref.labels[train], k, epochs=epochs, seed=0, device=device)
        acc = None
        if n_held:
            pred = predict(net, ref.x[held].float().div(127.5).sub(1))
            acc = float((pred == ref.labels[held]).float().mean())
        meta = {
            "data": ref.name,
            "data_hash": ref_hash,
            "arch": CLASSIFIER_ARCH,
            "epochs": epochs,
            "n_train": len(train),
            "n_held_out": n_held,
            "held_out_accuracy": acc,
            "class_names": list(ref.class_names),
            "shape": shape,
        }
        try:
            save_tensors(path, net.cpu().state_dict(), {"gancli_classifier": json.dumps(meta)})
        except OSError as e:
            raise GanError(
                f"could not save the classifier in {path.parent} ({e.strerror or e}): point "
                f"GANCLI_CACHE at a writable folder"
            ) from e
    net = net.to(device).eval()

    def forward(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = net.features(x.float().div(127.5).sub(1))
        return f, net.head(f)

    acc = meta.get("held_out_accuracy")
    return Extractor(
        "classifier",
        file_sha256(path),
        f"none: trained at the reference's {shape[1]}x{shape[2]}",
        forward,
        device,
        batch_size,
        class_names=list(meta["class_names"]),
        info={
            "dim": 128,
            "weights": str(path),
            "held_out_accuracy": acc,
            "epochs": meta["epochs"],
            "trained_on": meta["data"],
        },
    )
