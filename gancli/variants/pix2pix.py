"""pix2pix: Isola, Zhu, Zhou & Efros 2017, "Image-to-Image Translation with Conditional
Adversarial Networks".

A conditional GAN on image pairs (x, y): G maps x to y (a U-Net, `gancli.nets.unet`), and D
(a PatchGAN, `gancli.nets.patchgan`) sees x with either y or G(x) and scores every patch:

    L_D = 1/2 [ -log D(x, y) - log(1 - D(x, G(x))) ]      (D's loss halved, as the paper's)
    L_G = w * -log D(x, G(x)) + lambda * |y - G(x)|_1     (lambda 100, w 1)

The L1 term gets the low frequencies right, D the high ones (sharpness). `--l1-lambda 0` is the
paper's "cGAN" ablation and `--gan-weight 0` its "L1" (G ignores D; D still trains, so its
losses stay comparable). G's step reuses the D step's G(x), as the released code does.

Defaults are the paper's: Adam 2e-4, betas (0.5, 0.999), batch 1, instance norm (batch norm
with batch 1 and test-time statistics; `--norm batch` for larger batches), a 70x70 PatchGAN,
dropout 0.5 in the first three decoder blocks as the only noise, and random jitter: the pair
resized to 286/256 of its size, randomly cropped back and mirrored, scaled to --image-size
(at 32x32: resized to 36, cropped to 32). No latent z (the paper found G ignored it).

EMA of G is off by default (`--ema-decay 0`): the paper evaluates G itself, with dropout on
and the test batch's statistics, and an average of weights is a different model from the one
its numbers describe; give --ema-decay to keep one anyway.

The direction is the model's, not the data's: the pair is stored A|B, and `--direction BtoA`
trains B -> A (facades labels -> photo). The checkpoint says which way it translates, from what
to what and at which size (`translation` in its config), for `gan translate`.
"""

from __future__ import annotations

from typing import Any

from gancli._lazy import lazy
from gancli.variants import Option, register
from gancli.variants.base import Hyper, Variant

torch = lazy("torch")
F = lazy("torch.nn.functional")

L1_LAMBDA = 100.0
JITTER = 286 / 256  # the paper's resize before the random crop
PATCHES = ("70", "1", "16", "286")
DIRECTIONS = ("AtoB", "BtoA")


def random_jitter(pairs: Any, flip: bool = True, generator: Any = None) -> Any:
    """The paper's jitter on a batch of stacked pairs (N, C, H, W): resize to 286/256 of the
    size (bilinear), crop back to H x W at a random place and mirror at random, each item on its
    own; both images of a pair move together since they are one tensor."""
    n, _, h, w = pairs.shape
    big_h, big_w = round(h * JITTER), round(w * JITTER)
    big = F.interpolate(pairs, size=(big_h, big_w), mode="bilinear", align_corners=False)
    dev = pairs.device
    top = torch.randint(0, big_h - h + 1, (n,), generator=generator).tolist()
    left = torch.randint(0, big_w - w + 1, (n,), generator=generator).tolist()
    mirror = (torch.rand(n, generator=generator) < 0.5).tolist() if flip else [False] * n
    out = []
    for i in range(n):
        crop = big[i, :, top[i] : top[i] + h, left[i] : left[i] + w]
        out.append(crop.flip(-1) if mirror[i] else crop)
    return torch.stack(out).to(dev)


def split_pair(pairs: Any, direction: str) -> tuple[Any, Any]:
    """Stacked pairs A|B (N, 2C, H, W) -> (input, target) for `direction`."""
    c = pairs.shape[1] // 2
    a, b = pairs[:, :c], pairs[:, c:]
    return (a, b) if direction == "AtoB" else (b, a)


@register
class Pix2Pix(Variant):
    name = "pix2pix"
    paper = "Isola, Zhu, Zhou & Efros 2017, Image-to-Image Translation with Conditional GANs"
    summary = "Paired image translation: U-Net G, PatchGAN D, cGAN + 100 x L1 (gan translate)."
    defaults = Hyper(
        z_dim=0,
        batch_size=1,
        optimizer="adam",
        lr_g=2e-4,
        lr_d=2e-4,
        betas=(0.5, 0.999),
        extra={
            "direction": "AtoB",
            "l1_lambda": L1_LAMBDA,
            "gan_weight": 1.0,
            "patch": "70",
            "norm": "instance",
            "jitter": True,
        },
    )
    paired = True
    translates = True
    augmentable = False  # the paper's jitter is its augmentation
    ema_decay = 0.0
    options = (
        Option(
            "direction",
            str,
            "Which image of each pair is the input: AtoB (the left/A image to the right/B one) "
            "or BtoA (facades: labels -> photo).",
            choices=DIRECTIONS,
        ),
        Option("l1_lambda", float, "Weight of G's L1 term (0: cGAN alone).", low=0.0),
        Option("gan_weight", float, "Weight of G's cGAN term (0: L1 alone).", low=0.0),
        Option(
            "patch",
            str,
            "D's patch in pixels (its receptive field): 1 (PixelGAN), 16, 70 (the paper's), "
            "286 (an image GAN at 256x256). At smaller --image-size a patch covers more of "
            "the image: 16 at 64x64 is about the share 70 has at 256x256.",
            choices=PATCHES,
        ),
        Option(
            "norm",
            str,
            "instance (batch norm at batch 1, the paper's) or batch (for larger batches); "
            "both use the statistics of the batch in hand at test time too.",
            choices=("instance", "batch"),
        ),
        Option("jitter", bool, "Random jitter: resize by 286/256, random crop back, mirror."),
    )

    @classmethod
    def check_data(cls, spec: dict[str, Any]) -> None:
        from gancli.errors import GanError

        if spec.get("kind") != "image" or not spec.get("pair"):
            raise GanError(
                "pix2pix trains on image pairs: --data a folder with A/ and B/ of matching file "
                "names, a folder of side-by-side A|B images, or a paired built-in "
                "(synthfaces-edges, facades, maps, edges2shoes)"
            )
        if spec["pair"].get("aligned") is False:
            raise GanError(
                f"pix2pix trains on aligned pairs and '{spec.get('name')}' holds two unpaired "
                "domains: train a CycleGAN on them (gan train cyclegan)"
            )

    @classmethod
    def net_config(cls, spec, hyper, width):
        from gancli.nets.patchgan import PATCH_LAYERS

        channels, size, _ = spec["shape"]
        width = width or 64
        norm = str(hyper.extra.get("norm", "instance"))
        layers = PATCH_LAYERS[int(hyper.extra.get("patch", "70"))]
        return {
            "generator": {
                "family": "unet.generator",
                "in_channels": channels,
                "out_channels": channels,
                "image_size": size,
                "width": width,
                "norm": norm,
            },
            "discriminator": {
                "family": "patchgan.discriminator",
                "in_channels": 2 * channels,
                "image_size": size,
                "width": width,
                "layers": layers,
                "norm": norm,
            },
        }

    @classmethod
    def translation(cls, spec: dict[str, Any], hyper: Hyper) -> dict[str, Any]:
        """What `gan translate` and the model card need: the direction, from what to what, the
        training size and channels."""
        a, b = spec["pair"]["names"]
        direction = str(hyper.extra.get("direction", "AtoB"))
        source, target = (a, b) if direction == "AtoB" else (b, a)
        return {
            "directions": {direction: [source, target]},
            "default": direction,
            "image_size": int(spec["shape"][-1]),
            "channels": int(spec["shape"][0]),
        }

    def __init__(self, config: dict[str, Any], device: Any = "cpu") -> None:
        super().__init__(config, device)
        self.direction = str(self.hyper.extra.get("direction", "AtoB"))
        self._step: tuple[Any, Any, Any, Any] | None = None  # (batch, input, target, G(input))

    def generate(self, z: Any, labels: Any = None, net: Any = None) -> Any:
        """G(x): `z` is a batch of input images."""
        return (net if net is not None else self.generator)(z)

    def split_pairs(self, pairs: Any) -> tuple[Any, Any]:
        """Stacked A|B pairs -> (input, target) in this model's direction."""
        return split_pair(pairs, self.direction)

    def _pair(self, real: Any) -> tuple[Any, Any]:
        if self.hyper.extra.get("jitter", True):
            real = random_jitter(real)
        return self.split_pairs(real)

    def d_loss(self, real, labels):
        x, y = self._pair(real)
        fake = self.generator(x)
        self._step = (real, x, y, fake)
        real_logit = self.discriminator(torch.cat([x, y], 1)).float()
        fake_logit = self.discriminator(torch.cat([x, fake.detach()], 1)).float()
        loss = 0.5 * (F.softplus(-real_logit).mean() + F.softplus(fake_logit).mean())
        return loss, {"d_real": real_logit.mean(), "d_fake": fake_logit.mean()}

    def g_loss(self, real, labels):
        if self._step is not None and self._step[0] is real:
            _, x, y, fake = self._step
        else:  # G's step on a batch D has not seen (not the engine's order)
            x, y = self._pair(real)
            fake = self.generator(x)
        self._step = None
        l1 = (fake.float() - y.float()).abs().mean()
        w = float(self.hyper.extra.get("gan_weight", 1.0))
        lam = float(self.hyper.extra.get("l1_lambda", L1_LAMBDA))
        loss = lam * l1
        logs = {"l1": l1.detach()}
        if w > 0:
            gan = F.softplus(-self.discriminator(torch.cat([x, fake], 1)).float()).mean()
            loss = loss + w * gan
            logs["g_gan"] = gan.detach()
        return loss, logs
