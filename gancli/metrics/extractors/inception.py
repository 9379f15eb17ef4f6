"""`inception`: torch-fidelity's Inception-v3 with the TF-ported FID weights; images are
resized to 299x299 by torch-fidelity's TF1-exact bilinear interpolation, grey images repeated
to RGB. The weights download once into torch's hub cache on a machine with internet; elsewhere
give the file with --inception-weights or $GANCLI_INCEPTION_WEIGHTS. It is read as plain
tensors (safetensors, or torch.load with weights_only=True): nothing is unpickled."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from unittest import mock

import torch

from gancli.errors import GanError
from gancli.metrics.features import Extractor, ExtractorRequest, file_sha256
from gancli.metrics.registry import extractor

INCEPTION_ENV = "GANCLI_INCEPTION_WEIGHTS"
INCEPTION_FEATURES = ("2048", "logits_unbiased")
# sha256 of torch-fidelity's weights-inception-2015-12-05-6726825d.pth (the file name carries
# its first 8 hex digits): the FID weights that published numbers use.
INCEPTION_SHA256 = "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2"


def _inception_url() -> str:
    from torch_fidelity.feature_extractor_inceptionv3 import URL_INCEPTION_V3

    return URL_INCEPTION_V3


def inception_weights_path(given: str | os.PathLike | None) -> Path:
    """The Inception weights file: --inception-weights, else $GANCLI_INCEPTION_WEIGHTS, else
    torch's hub cache, downloading it there once when the network is allowed."""
    from gancli.data.builtins import offline

    given = given or os.environ.get(INCEPTION_ENV) or None
    if given:
        path = Path(given).expanduser()
        if not path.is_file():
            raise GanError(f"Inception weights '{given}': no such file")
        return path
    url = _inception_url()
    hub = Path(torch.hub.get_dir()) / "checkpoints" / url.rsplit("/", 1)[-1]
    if hub.is_file():
        return hub
    how = (
        f"download {url} on a machine with internet and pass --inception-weights PATH "
        f"(or set {INCEPTION_ENV}=PATH), or use --features classifier, which works offline"
    )
    if offline():
        raise GanError(f"the Inception weights for FID/KID/IS are not on this machine: {how}")
    hub.parent.mkdir(parents=True, exist_ok=True)
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(60)
    try:
        torch.hub.download_url_to_file(url, str(hub), hash_prefix=INCEPTION_SHA256, progress=False)
    except Exception as e:
        reason = " ".join(str(e).split())[:120] or type(e).__name__
        raise GanError(f"could not download the Inception weights ({reason}): {how}") from e
    finally:
        socket.setdefaulttimeout(old)
    return hub


def read_weights(path: Path) -> dict[str, torch.Tensor]:
    """A state dict from safetensors or a torch file, as tensors only (nothing unpickled)."""
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return load_file(str(path))
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        reason = " ".join(str(e).split())[:160]
        raise GanError(f"could not read '{path}' as a file of weights ({reason})") from e
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise GanError(f"'{path}' is not a state dict of tensors")
    return state


@extractor(
    "inception",
    help="Inception-v3 pool3 (2048-d) and logits, the TF-ported weights of FID "
    "(torch-fidelity); downloads once, or --inception-weights / $GANCLI_INCEPTION_WEIGHTS",
    summary="FID's Inception-v3, the default for images; downloads once, or --inception-weights",
    kinds=("image",),
    logits=True,
    torch_fidelity=True,
)
def build(request: ExtractorRequest) -> Extractor:
    device, note = request.device, request.note
    batch_size = min(request.batch_size, 64)
    weights = request.inception_weights
    path = inception_weights_path(weights)
    digest = file_sha256(path)
    standard = digest == "sha256:" + INCEPTION_SHA256
    if not standard:
        note(
            f"warning: {path} is not torch-fidelity's FID Inception weights file (sha256 "
            f"{INCEPTION_SHA256[:8]}...): these numbers will not compare with published FIDs"
        )
    state = read_weights(path)
    from torch_fidelity import feature_extractor_inceptionv3 as fe

    # torch-fidelity's own loader unpickles the weights file in full (weights_only off), which
    # can run code from it; hand it the tensors read above in place of that loader.
    with mock.patch.object(fe, "load_state_dict_from_url", lambda *a, **k: state):
        try:
            net = fe.FeatureExtractorInceptionV3("inception-v3-compat", list(INCEPTION_FEATURES))
        except RuntimeError as e:
            first = str(e).strip().splitlines()[0][:160]
            raise GanError(f"'{path}' does not hold the FID Inception-v3 weights ({first})") from e
    net = net.to(device)

    def forward(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        f, logits = net(x.contiguous())
        return f, logits

    return Extractor(
        "inception",
        digest,
        "torch-fidelity TF1-exact bilinear to 299x299 (grey repeated to RGB), from uint8",
        forward,
        device,
        batch_size,
        info={"dim": 2048, "weights": str(path), "standard_fid_weights": standard},
    )
