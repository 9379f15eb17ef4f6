"""A small CNN classifier trained on a labelled data set: it judges class-conditional samples
(does a "7" look like a 7?) and gives features that need no download."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from gancli.reporting import report


class SmallCNN(nn.Module):
    """Two conv blocks, global pooling to 4x4, a 128-d feature layer, K logits; any image size."""

    def __init__(self, channels: int, num_classes: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.AdaptiveAvgPool2d(4),
            nn.Flatten(),
            nn.Linear(64 * 16, 128),
            nn.ReLU(),
        )
        self.head = nn.Linear(128, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def train_classifier(
    x: torch.Tensor,
    labels: torch.Tensor,
    num_classes: int,
    epochs: int = 5,
    batch_size: int = 128,
    seed: int = 0,
    device: Any = "cpu",
) -> SmallCNN:
    """Train on uint8 images (N, C, H, W) with light augmentation (random shifts of 2 px)."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = SmallCNN(x.shape[1], num_classes).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    data = x.float().div(127.5).sub(1).to(device)
    labels = labels.to(device)
    n = len(data)
    net.train()
    per_epoch = max(1, n // batch_size)
    for epoch in range(epochs):
        perm = torch.randperm(n, generator=g)
        report("training the classifier", epoch * per_epoch, epochs * per_epoch)
        for i in range(0, n - batch_size + 1, batch_size):
            idx = perm[i : i + batch_size].to(device)
            xb = data[idx]
            dx, dy = (int(v) for v in torch.randint(-2, 3, (2,), generator=g))
            xb = torch.roll(xb, shifts=(dy, dx), dims=(2, 3))
            loss = nn.functional.cross_entropy(net(xb), labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    report("training the classifier", epochs * per_epoch, epochs * per_epoch)
    return net.eval()


@torch.no_grad()
def predict(net: SmallCNN, images: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    """Class indices for float images in [-1, 1] (N, C, H, W)."""
    dev = next(net.parameters()).device
    return torch.cat(
        [
            net(images[i : i + batch_size].to(dev)).argmax(1).cpu()
            for i in range(0, len(images), batch_size)
        ]
    )
