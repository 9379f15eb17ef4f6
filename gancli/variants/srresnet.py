"""SRResNet: the MSE baseline of Ledig et al. 2017, "Photo-Realistic Single Image
Super-Resolution Using a Generative Adversarial Network".

G (`gancli.nets.srresnet`: 9x9 conv + PReLU, 16 residual blocks conv-BN-PReLU-conv-BN, global
skip, x2 sub-pixel blocks) maps the low-resolution image x = down_s(y) to y, trained on the
pixel-wise MSE alone:

    L = mean (y - G(down_s(y)))^2

No discriminator. It gets the best PSNR of the paper's models and blurry textures; `gan train
srgan --init` starts SRGAN from it, as the paper does. Adam 1e-4, betas (0.9, 0.999), batch
16 (the paper's 96x96 crops are here whole images of --image-size). The LR input is made from
each batch as `variants/_superres.py` says (antialiased bicubic, 8-bit levels).
"""

from __future__ import annotations

from gancli.variants import register
from gancli.variants._superres import BLOCKS, BLOCKS_OPTION, SCALE, SCALE_OPTION, SuperResolution
from gancli.variants.base import Hyper, Variant


@register
class SRResNet(SuperResolution, Variant):
    name = "srresnet"
    paper = (
        "Ledig et al. 2017, Photo-Realistic Single Image Super-Resolution Using a GAN (SRResNet)"
    )
    summary = "Super-resolution baseline: SRResNet G on pixel MSE, no D (gan upscale)."
    defaults = Hyper(
        z_dim=0,
        batch_size=16,
        optimizer="adam",
        lr_g=1e-4,
        lr_d=1e-4,
        betas=(0.9, 0.999),
        extra={"scale": SCALE, "blocks": BLOCKS},
    )
    adversarial = False
    options = (SCALE_OPTION, BLOCKS_OPTION)

    @classmethod
    def net_config(cls, spec, hyper, width):
        return {"generator": cls.generator_config(spec, hyper, width)}

    def g_loss(self, real, labels):
        x, y = self.split_pairs(real)
        mse = (self.generator(x).float() - y.float()).pow(2).mean()
        return mse, {"mse": mse.detach()}
