"""CycleGAN: Zhu, Park, Isola & Efros 2017, "Unpaired Image-to-Image Translation using
Cycle-Consistent Adversarial Networks", as its released code trains it.

Two generators, G: A -> B and F: B -> A (ResNet generators, `gancli.nets.resnet_gen`), and two
70x70 PatchGANs, D_B judging B images (real B against G(a)) and D_A judging A images, held as
one module each (`gancli.nets.cycle`) so that the engine's one G slot and one D slot carry them:

    L_D_B = 1/2 [ (D_B(b) - 1)^2 + D_B(pool_B(G(a)))^2 ]       (LSGAN; D's loss halved)
    L_D_A = 1/2 [ (D_A(a) - 1)^2 + D_A(pool_A(F(b)))^2 ]
    L_G   = (D_B(G(a)) - 1)^2 + (D_A(F(b)) - 1)^2
            + lambda * ( |F(G(a)) - a|_1 + |G(F(b)) - b|_1 )                        (cycle)
            + identity * lambda * ( |G(b) - b|_1 + |F(a) - a|_1 )                 (identity)

lambda 10 (`--cycle-lambda`), identity 0.5 (`--identity`, 0 turns it off). D sees a history of
generated images: each pool keeps the last 50 (`--pool-size`) and, once full, answers each new
fake with a stored one half of the time (storing the new one in its place), as Shrivastava et
al. 2017 propose and the released code does; the pools live in memory and start empty again
after --resume. Adam 2e-4, betas (0.5, 0.999), batch 1, the learning rates constant for the
first half of the run and then linearly down to 0 (`--decay-start`, the share of --steps
before the decay: the paper's 100 + 100 epochs). The data get the released code's jitter
(resize by 286/256, random crop back, mirror), each domain's image on its own.

The engine's loop runs D's step before G's; G's step reuses the D step's G(a) and F(b) (the
released code runs G first, then D on the same fakes). EMA is off by default, as for pix2pix.

The checkpoint translates both ways: `gan translate CKPT x.png` (A to B, the default) or
`--direction BtoA`.
"""

from __future__ import annotations

from typing import Any

from gancli._lazy import lazy
from gancli.variants import Option, register
from gancli.variants.base import Hyper, Variant

torch = lazy("torch")
F = lazy("torch.nn.functional")

CYCLE_LAMBDA = 10.0
POOL_SIZE = 50
PATCHES = ("70", "1", "16", "286")
BLOCKS = ("auto", "9", "6")


class ImagePool:
    """A history of generated images for D (Shrivastava et al. 2017): up to `size` kept; once
    full, each new image is answered with a random stored one (which it replaces) with
    probability 1/2, else with itself. Size 0 answers every image with itself."""

    def __init__(self, size: int) -> None:
        self.size = int(size)
        self.images: list[Any] = []

    def query(self, images: Any) -> Any:
        if self.size == 0:
            return images
        out = []
        for img in images.detach():
            img = img.unsqueeze(0)
            if len(self.images) < self.size:
                self.images.append(img)
                out.append(img)
            elif float(torch.rand(())) < 0.5:
                i = int(torch.randint(self.size, ()))
                out.append(self.images[i])
                self.images[i] = img
            else:
                out.append(img)
        return torch.cat(out)


def linear_decay(step: int, total: int, start: float) -> float:
    """The released code's schedule in steps: 1 until `start` x `total`, then linearly down,
    reaching 1/(n+1) at the last step of the n decaying ones (0 just after it)."""
    first = int(round(start * total))
    n = total - first
    if n <= 0:
        return 1.0
    return 1.0 - max(0, step + 1 - first) / (n + 1)


@register
class CycleGAN(Variant):
    name = "cyclegan"
    paper = (
        "Zhu, Park, Isola & Efros 2017, Unpaired Image-to-Image Translation using "
        "Cycle-Consistent Adversarial Networks"
    )
    summary = (
        "Unpaired image translation: two ResNet Gs, two PatchGAN Ds, LSGAN + cycle + identity "
        "losses (--data-a A --data-b B; gan translate)."
    )
    defaults = Hyper(
        z_dim=0,
        batch_size=1,
        optimizer="adam",
        lr_g=2e-4,
        lr_d=2e-4,
        betas=(0.5, 0.999),
        extra={
            "blocks": "auto",
            "cycle_lambda": CYCLE_LAMBDA,
            "identity": 0.5,
            "pool_size": POOL_SIZE,
            "patch": "70",
            "decay_start": 0.5,
            "jitter": True,
        },
    )
    unpaired = True
    translates = True
    augmentable = False  # the released code's jitter is its augmentation
    ema_decay = 0.0
    options = (
        Option(
            "blocks",
            str,
            "Residual blocks in each G: 6 (the paper's for 128x128 and smaller), 9 (256x256), "
            "or auto (by --image-size).",
            choices=BLOCKS,
        ),
        Option("cycle_lambda", float, "Weight of the cycle-consistency L1 terms.", low=0.0),
        Option(
            "identity",
            float,
            "Weight of the identity terms |G(b) - b| and |F(a) - a|, as a share of "
            "--cycle-lambda (0: none).",
            low=0.0,
        ),
        Option("pool_size", int, "Generated images kept in each D's history (0: none).", low=0),
        Option(
            "patch",
            str,
            "D's patch in pixels: 1, 16, 70 (the paper's) or 286 (see gan train pix2pix).",
            choices=PATCHES,
        ),
        Option(
            "decay_start",
            float,
            "Share of --steps at the full learning rate; after it both rates fall linearly "
            "to 0 (1: no decay).",
            low=0.0,
        ),
        Option("jitter", bool, "Random jitter: resize by 286/256, random crop back, mirror."),
    )

    @classmethod
    def check_data(cls, spec: dict[str, Any]) -> None:
        from gancli.errors import GanError

        if spec.get("kind") != "image" or not spec.get("pair"):
            raise GanError(
                "cyclegan trains on two domains of images: --data-a A --data-b B (folders or "
                "built-in image sets), a folder with trainA/ and trainB/, or an unpaired "
                "built-in (synthfaces-glasses, horse2zebra, apple2orange, monet2photo)"
            )

    @classmethod
    def net_config(cls, spec, hyper, width):
        from gancli.errors import GanError
        from gancli.nets.patchgan import PATCH_LAYERS
        from gancli.nets.resnet_gen import default_blocks

        channels, size, _ = spec["shape"]
        if float(hyper.extra.get("decay_start", 0.5)) > 1:
            raise GanError("--decay-start is a share of --steps: give a number from 0 to 1")
        blocks = str(hyper.extra.get("blocks", "auto"))
        width = width or 64
        return {
            "generator": {
                "family": "cycle.generators",
                "channels": channels,
                "width": width,
                "blocks": default_blocks(size) if blocks == "auto" else int(blocks),
                "norm": "instance",
            },
            "discriminator": {
                "family": "cycle.discriminators",
                "channels": channels,
                "image_size": size,
                "width": width,
                "layers": PATCH_LAYERS[int(hyper.extra.get("patch", "70"))],
                "norm": "instance",
            },
        }

    @classmethod
    def translation(cls, spec: dict[str, Any], hyper: Hyper) -> dict[str, Any]:
        """Both directions, A to B the default."""
        a, b = spec["pair"]["names"]
        return {
            "directions": {"AtoB": [a, b], "BtoA": [b, a]},
            "default": "AtoB",
            "image_size": int(spec["shape"][-1]),
            "channels": int(spec["shape"][0]),
        }

    def __init__(self, config: dict[str, Any], device: Any = "cpu") -> None:
        super().__init__(config, device)
        self.direction = "AtoB"  # the way generate() translates (gan translate --direction)
        size = int(self.hyper.extra.get("pool_size", POOL_SIZE))
        self.pool_a, self.pool_b = ImagePool(size), ImagePool(size)
        self._step: tuple[Any, ...] | None = None  # (batch, a, b, F(b), G(a))

    def generate(self, z: Any, labels: Any = None, net: Any = None) -> Any:
        """G(x) or F(x) as `self.direction` says: `z` is a batch of input images."""
        return (net if net is not None else self.generator)(z, self.direction)

    def split_pairs(self, pairs: Any) -> tuple[Any, Any]:
        """Stacked A|B items -> (input, an image of the other domain) for `self.direction`."""
        c = pairs.shape[1] // 2
        a, b = pairs[:, :c], pairs[:, c:]
        return (a, b) if self.direction == "AtoB" else (b, a)

    def _domains(self, real: Any) -> tuple[Any, Any]:
        c = real.shape[1] // 2
        a, b = real[:, :c], real[:, c:]
        if self.hyper.extra.get("jitter", True):
            from gancli.variants.pix2pix import random_jitter

            a, b = random_jitter(a), random_jitter(b)
        return a, b

    def adjust_optimizers(self, step: int, opt_g: Any, opt_d: Any) -> None:
        if self.total_steps is None:
            return
        factor = linear_decay(step, self.total_steps, float(self.hyper.extra["decay_start"]))
        for opt, lr in ((opt_g, self.hyper.lr_g), (opt_d, self.hyper.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr * factor

    def d_loss(self, real, labels):
        a, b = self._domains(real)
        g = self.generator
        fake_b, fake_a = g(a, "AtoB"), g(b, "BtoA")
        self._step = (real, a, b, fake_a, fake_b)
        d = self.discriminator
        old_b, old_a = self.pool_b.query(fake_b), self.pool_a.query(fake_a)
        real_b, real_a = d(b, "B").float(), d(a, "A").float()
        seen_b, seen_a = d(old_b, "B").float(), d(old_a, "A").float()
        d_b = 0.5 * ((real_b - 1).square().mean() + seen_b.square().mean())
        d_a = 0.5 * ((real_a - 1).square().mean() + seen_a.square().mean())
        logs = {"d_a": d_a.detach(), "d_b": d_b.detach()}
        return d_a + d_b, logs

    def g_loss(self, real, labels):
        g, d = self.generator, self.discriminator
        if self._step is not None and self._step[0] is real:
            _, a, b, fake_a, fake_b = self._step
        else:  # G's step on a batch D has not seen (not the engine's order)
            a, b = self._domains(real)
            fake_b, fake_a = g(a, "AtoB"), g(b, "BtoA")
        self._step = None
        lam = float(self.hyper.extra.get("cycle_lambda", CYCLE_LAMBDA))
        idt = float(self.hyper.extra.get("identity", 0.5))
        gan_ab = (d(fake_b, "B").float() - 1).square().mean()
        gan_ba = (d(fake_a, "A").float() - 1).square().mean()
        cycle_a = (g(fake_b, "BtoA").float() - a.float()).abs().mean()
        cycle_b = (g(fake_a, "AtoB").float() - b.float()).abs().mean()
        loss = gan_ab + gan_ba + lam * (cycle_a + cycle_b)
        logs = {
            "g_ab": gan_ab.detach(),
            "g_ba": gan_ba.detach(),
            "cycle_a": cycle_a.detach(),
            "cycle_b": cycle_b.detach(),
        }
        if idt > 0:
            idt_b = (g(b, "AtoB").float() - b.float()).abs().mean()
            idt_a = (g(a, "BtoA").float() - a.float()).abs().mean()
            loss = loss + idt * lam * (idt_a + idt_b)
            logs.update(idt_a=idt_a.detach(), idt_b=idt_b.detach())
        opt = getattr(self, "opt_g", None)
        if opt is not None:  # G's learning rate, to see the decay in the logs
            logs["lr"] = torch.tensor(float(opt.param_groups[0]["lr"]), device=self.device)
        return loss, logs
