"""SRGAN: Ledig et al. 2017, "Photo-Realistic Single Image Super-Resolution Using a Generative
Adversarial Network".

G is SRResNet (`variants/srresnet.py`), D the paper's (`nets/srresnet.SRDiscriminator`: eight
3x3 convs 64 -> 512, LeakyReLU 0.2, BN, dense 1024, sigmoid). With x = down_s(y), the LR input
made from each HR batch (`variants/_superres.py`):

    L_D = -log D(y) - log(1 - D(G(x)))
    L_G = content(G(x), y) + 1e-3 * -log D(G(x))            (the perceptual loss, eq. 3)

The content loss is the MSE between feature maps of a fixed network (`--content`):
vgg54 (phi_5,4 of VGG19: after the 4th conv's ReLU, before the 5th pool; the paper's SRGAN),
vgg22 (phi_2,2: the paper's SRGAN-VGG22) or mse (pixels: its SRGAN-MSE). The inputs go to VGG
as torchvision's ImageNet models take them ([0, 1], ImageNet mean and std).

The feature network's weights: `--vgg-weights FILE`, a torchvision VGG19 state dict in
safetensors, gives the paper's, with the feature maps scaled by 1/12.75 as the paper does.
Offline there is no trained VGG19, so by default the network is VGG19's layers at
`--content-width` (16: a quarter of VGG19's widths, for CPU budgets; 64 is VGG19's) with fixed
random weights (He-normal from seed 0, the same on every machine): random convolutional
features keep the local structure and texture statistics of an image (He, Wang & Hopcroft 2016;
Ustyuzhaninova et al. 2017), which is what the content loss needs of them, and they are
independent of the classifier whose features the project's offline FID uses, so a perceptual
score in those features does not reward the loss's own network. The feature network is built
when training starts and never stored in the checkpoint.

`--init RUN` starts G from a trained SRResNet (or SRGAN) of the same shape, as the paper
initialises SRGAN with its SRResNet. Adam 1e-4, betas (0.9, 0.999), batch 16.
"""

from __future__ import annotations

from typing import Any

from gancli._lazy import lazy
from gancli.errors import GanError
from gancli.variants import Option, register
from gancli.variants._superres import BLOCKS, BLOCKS_OPTION, SCALE, SCALE_OPTION, SuperResolution
from gancli.variants.base import Hyper, Variant

torch = lazy("torch")
F = lazy("torch.nn.functional")

ADV_WEIGHT = 1e-3
VGG_SCALE = 1 / 12.75  # the paper's rescaling of VGG feature maps
RANDOM_SEED = 0
CONTENTS = ("vgg54", "vgg22", "mse")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def content_network(kind: str, weights: str, width: int) -> tuple[Any, float]:
    """The fixed feature network for `kind` (vgg54 | vgg22) and the factor on its features."""
    from gancli.nets.srresnet import load_vgg, random_vgg

    if not weights:
        return random_vgg(kind, width, RANDOM_SEED), 1.0
    from pathlib import Path

    from safetensors.torch import load_file

    path = Path(weights).expanduser()
    if not path.is_file():
        raise GanError(f"--vgg-weights {weights}: no such file")
    try:
        tensors = load_file(str(path))
    except Exception as e:
        raise GanError(
            f"--vgg-weights {weights}: not a safetensors file ({type(e).__name__}); give a "
            "torchvision VGG19 state dict saved with safetensors.torch.save_file"
        ) from e
    return load_vgg(tensors, kind), VGG_SCALE


def generator_from(path: str, generator: Any) -> None:
    """Load G's weights from a trained SRResNet or SRGAN checkpoint of the same shape."""
    from gancli.store.checkpoint import read_checkpoint

    try:
        ckpt = read_checkpoint(path)
    except GanError as e:
        raise GanError(f"--init {path}: {e}") from e
    if ckpt.config.get("variant") not in ("srresnet", "srgan"):
        raise GanError(
            f"--init {path}: a {ckpt.config.get('variant')} model; --init takes an SRResNet "
            "(gan train srresnet) or SRGAN run"
        )
    state = {
        k[len("generator.") :]: v for k, v in ckpt.tensors.items() if k.startswith("generator.")
    }
    own = generator.state_dict()
    if set(state) != set(own) or any(state[k].shape != own[k].shape for k in own):
        raise GanError(
            f"--init {path}: its generator has another shape (--scale, --blocks, --width and "
            "the image channels must match)"
        )
    generator.load_state_dict(state)


@register
class SRGAN(SuperResolution, Variant):
    name = "srgan"
    paper = "Ledig et al. 2017, Photo-Realistic Single Image Super-Resolution Using a GAN"
    summary = (
        "Super-resolution GAN: SRResNet G, the paper's D, VGG content + 1e-3 adversarial loss "
        "(gan upscale)."
    )
    defaults = Hyper(
        z_dim=0,
        batch_size=16,
        optimizer="adam",
        lr_g=1e-4,
        lr_d=1e-4,
        betas=(0.9, 0.999),
        extra={
            "scale": SCALE,
            "blocks": BLOCKS,
            "content": "vgg54",
            "vgg_weights": "",
            "content_width": 16,
            "adv_weight": ADV_WEIGHT,
            "init": "",
        },
    )
    options = (
        SCALE_OPTION,
        BLOCKS_OPTION,
        Option(
            "content",
            str,
            "The content loss: MSE on VGG19 features phi_5,4 (vgg54, the paper's SRGAN) or "
            "phi_2,2 (vgg22), or on pixels (mse).",
            choices=CONTENTS,
        ),
        Option(
            "vgg_weights",
            str,
            "A torchvision VGG19 state dict (safetensors) for the content loss: the paper's "
            "features. Without it: VGG19's layers with fixed random weights (offline).",
        ),
        Option(
            "content_width",
            int,
            "Width of the random-weight VGG's first layer (64: VGG19's; ignored with "
            "--vgg-weights, which is VGG19 itself).",
            low=1,
        ),
        Option("adv_weight", float, "Weight of the adversarial term (the paper's 1e-3).", low=0.0),
        Option(
            "init",
            str,
            "Start G from this trained SRResNet run or checkpoint (the paper's initialisation).",
        ),
    )

    @classmethod
    def net_config(cls, spec, hyper, width):
        channels, size, _ = spec["shape"]
        if size % 16:
            raise GanError(
                f"SRGAN's D halves the image four times: --image-size must be a multiple of 16; "
                f"got {size}"
            )
        content = hyper.extra.get("content", "vgg54")
        if content != "mse" and channels != 3:
            raise GanError(
                f"the VGG content loss takes colour images; these have {channels} channel(s): "
                "--channels 3, or --content mse"
            )
        return {
            "generator": cls.generator_config(spec, hyper, width),
            "discriminator": {
                "family": "srresnet.discriminator",
                "channels": channels,
                "image_size": size,
                "width": width or 64,
            },
        }

    def __init__(self, config: dict[str, Any], device: Any = "cpu") -> None:
        super().__init__(config, device)
        self._content: tuple[Any, float] | None = None
        self._step: tuple[Any, Any, Any, Any] | None = None  # (batch, input, target, G(input))
        init = str(self.hyper.extra.get("init", ""))
        if init and int(config.get("step", 0)) == 0:  # a new run, not a resumed or loaded one
            generator_from(init, self.generator)

    def features(self, x: Any) -> Any:
        """The fixed network's features of images in [-1, 1] (ImageNet-normalised first)."""
        if self._content is None:
            e = self.hyper.extra
            net, factor = content_network(
                str(e.get("content", "vgg54")),
                str(e.get("vgg_weights", "")),
                int(e.get("content_width", 16)),
            )
            self._content = (net.to(self.device).eval().requires_grad_(False), factor)
        net, factor = self._content
        mean = torch.tensor(IMAGENET_MEAN, device=x.device).view(1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD, device=x.device).view(1, 3, 1, 1)
        return net(((x.float() + 1) / 2 - mean) / std) * factor

    def content_loss(self, sr: Any, hr: Any) -> Any:
        if self.hyper.extra.get("content", "vgg54") == "mse":
            return (sr.float() - hr.float()).pow(2).mean()
        return (self.features(sr) - self.features(hr)).pow(2).mean()

    def d_loss(self, real, labels):
        x, y = self.split_pairs(real)
        fake = self.generator(x)
        self._step = (real, x, y, fake)
        real_logit = self.discriminator(y).float()
        fake_logit = self.discriminator(fake.detach()).float()
        loss = F.softplus(-real_logit).mean() + F.softplus(fake_logit).mean()
        return loss, {"d_real": real_logit.mean(), "d_fake": fake_logit.mean()}

    def g_loss(self, real, labels):
        if self._step is not None and self._step[0] is real:
            _, x, y, fake = self._step
        else:
            x, y = self.split_pairs(real)
            fake = self.generator(x)
        self._step = None
        content = self.content_loss(fake, y)
        adv = F.softplus(-self.discriminator(fake).float()).mean()
        loss = content + float(self.hyper.extra.get("adv_weight", ADV_WEIGHT)) * adv
        mse = (fake.detach().float() - y.float()).pow(2).mean()
        return loss, {"content": content.detach(), "g_adv": adv.detach(), "mse": mse}
