"""The variant contract: what a GAN variant says, and only what differs between variants.

A variant names its nets, its discriminator and generator losses, and its defaults. The
engine's loop (`gancli.engine.loop`) drives any variant the same way:

    for each step:
        repeat variant.critic_steps(step) times:
            loss = variant.d_loss(real, labels); backward; D optimiser step; variant.after_d_step()
        loss = variant.g_loss(real, labels); backward; G optimiser step

A variant without a discriminator (`adversarial = False`: the VAE) has no D step: the loop
draws the batch itself and G's step trains every net the variant's `g_parameters` names.

Class attributes hold the metadata (name, paper, defaults) and are plain Python, so that the
CLI can list variants and their defaults without importing torch.

A variant subclasses `Variant` itself, never another variant, and states its own nets and
losses: `net_config` (with the shared configurations of `_nets.py`, e.g. `dcgan_nets`) and
`d_loss` / `g_loss`, or a loss from `_mixins.py` listed before `Variant` (e.g. `LogLoss`).
Every option it offers is one its code reads, with its default in `defaults.extra`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

from gancli._lazy import lazy

torch = lazy("torch")


@dataclass(frozen=True)
class Hyper:
    """Training hyperparameters; a variant's defaults come from its paper."""

    z_dim: int = 100
    prior: str = "normal"  # "normal" | "uniform"
    batch_size: int = 64
    optimizer: str = "adam"  # "adam" | "sgd" | "rmsprop"
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    momentum: float = 0.0  # sgd only
    n_critic: int = 1
    augment: str = ""  # DiffAugment policy for D's inputs, e.g. "translation,cutout" (augment.py)
    extra: dict[str, Any] = field(default_factory=dict)

    def replace(self, **changes: Any) -> Hyper:
        changes = {k: v for k, v in changes.items() if v is not None}
        if "betas" in changes:
            changes["betas"] = tuple(float(b) for b in changes["betas"])
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["betas"] = list(self.betas)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Hyper:
        known = {f.name for f in dataclasses.fields(cls)}
        d = {k: v for k, v in d.items() if k in known}
        if "betas" in d:
            d["betas"] = tuple(d["betas"])
        return cls(**d)


@dataclass(frozen=True)
class Option:
    """A variant's own training option (e.g. unrolled's `--unroll`). Its value lives in
    `Hyper.extra[name]`, its default in the variant's `defaults.extra`; the CLI offers it as
    `--name` (underscores become dashes) on that variant's train command only."""

    name: str
    type: type
    help: str
    choices: tuple[str, ...] = ()
    low: float | None = None  # numbers: the smallest value allowed ...
    above: bool = False  # ... or, when set, the bound that values must exceed

    def check(self, value: Any) -> Any:
        """The value as the option's type; one clear line when it is out of range."""
        from gancli.errors import GanError

        flag = "--" + self.name.replace("_", "-")
        if self.choices and value not in self.choices:
            raise GanError(f"{flag} must be one of: {', '.join(self.choices)}; got {value!r}")
        value = self.type(value)
        if self.type in (int, float):
            if not math.isfinite(value):
                raise GanError(f"{flag} must be a finite number; got {value}")
            if self.low is not None and (value <= self.low if self.above else value < self.low):
                bound = f"above {self.low:g}" if self.above else f"{self.low:g} or more"
                raise GanError(f"{flag} must be {bound}; got {value}")
        return value


class Variant:
    """Base class. Subclasses set the ClassVars and implement `net_config`, `d_loss`, `g_loss`
    (themselves or through a mixin); the hooks below default to doing nothing extra."""

    name: ClassVar[str]
    paper: ClassVar[str]  # the citation whose hyperparameters are the defaults
    summary: ClassVar[str]
    defaults: ClassVar[Hyper]
    # Defaults for 2-D toy data, where the papers use a different protocol (PacGAN, VEEGAN).
    toy_defaults: ClassVar[Hyper | None] = None
    # G and D see the class label (cgan, acgan): the data must have labels.
    conditional: ClassVar[bool] = False
    # G and D read a caption (gancls): the data must have captions, `gan sample --text`.
    text: ClassVar[bool] = False
    # Options only this variant has; values go to Hyper.extra.
    options: ClassVar[tuple[Option, ...]] = ()
    # Its losses pass every image D sees through `augmented` (`gan train --augment`).
    augmentable: ClassVar[bool] = True
    # A translation model (pix2pix): G maps images to images, with no latent; `gan translate`
    # applies it, and its config says how (`translation`). `paired`: it trains on A|B pairs.
    translates: ClassVar[bool] = False
    paired: ClassVar[bool] = False
    # It trains on two unpaired domains (CycleGAN): --data-a/--data-b, or an unpaired set.
    unpaired: ClassVar[bool] = False
    # The EMA decay of G when the run gives no --ema-decay (0: no average).
    ema_decay: ClassVar[float] = 0.999
    # What its D says of one image, as a score that is higher for what D takes as more real
    # (the words for `gan sample --from-discriminator`, which ascends `realness`); empty where D
    # gives no usable score of the data on its own.
    score: ClassVar[str] = ""
    # It has a discriminator (or critic) that the loop trains in steps of its own, with its own
    # optimiser. Without one, the loop runs G's step alone, and --lr-d and --n-critic are refused.
    adversarial: ClassVar[bool] = True

    # ---- metadata, no torch -------------------------------------------------------------
    @classmethod
    def hyper_for(cls, spec: dict[str, Any]) -> Hyper:
        if spec.get("kind") == "points" and cls.toy_defaults is not None:
            return cls.toy_defaults
        return cls.defaults

    @classmethod
    def with_options(cls, hyper: Hyper, values: dict[str, Any]) -> Hyper:
        """Hyper with the variant's own options set; unknown names and bad choices refused."""
        from gancli.errors import GanError

        known = {o.name: o for o in cls.options}
        extra = dict(hyper.extra)
        for name, value in values.items():
            if value is None:
                continue
            if name not in known:
                valid = ", ".join(f"--{o.name.replace('_', '-')}" for o in cls.options) or "none"
                raise GanError(
                    f"{cls.name} has no option --{name.replace('_', '-')}; its own options: {valid}"
                )
            extra[name] = known[name].check(value)
        return dataclasses.replace(hyper, extra=extra)

    @classmethod
    def net_config(
        cls, spec: dict[str, Any], hyper: Hyper, width: int | None
    ) -> dict[str, dict[str, Any]]:
        """The constructor arguments of every net, keyed by role; stored in the checkpoint."""
        raise NotImplementedError

    @classmethod
    def codes(cls, spec: dict[str, Any], hyper: Hyper) -> list[dict[str, Any]]:
        """Structured latent codes appended to the noise (InfoGAN), e.g.
        [{"name": "c1", "kind": "categorical", "size": 10}, {"name": "c2", "kind": "uniform"}]."""
        return []

    @classmethod
    def translation(cls, spec: dict[str, Any], hyper: Hyper) -> dict[str, Any] | None:
        """For a translation model: {"directions": {name: [from, to]}, "default": name,
        "image_size": side, "channels": C}, stored in the checkpoint's config; None otherwise."""
        return None

    @classmethod
    def check_data(cls, spec: dict[str, Any]) -> None:
        """Refuse data this variant cannot train on, with a message that says what it needs."""
        from gancli.errors import GanError

        if spec.get("pair"):
            what, model = (
                ("two unpaired domains", "cyclegan")
                if spec["pair"].get("aligned") is False
                else ("image pairs", "pix2pix")
            )
            raise GanError(
                f"'{spec.get('name')}' holds {what}, for a translation model "
                f"(gan train {model}); {cls.name} trains on single images"
            )
        if cls.conditional and not spec.get("num_classes"):
            raise GanError(
                f"{cls.name} is conditional and needs labels: a folder with one sub-folder per "
                f"class, or a labelled built-in (mnist5k, shapes, ...); '{spec.get('name')}' has none"
            )

    # ---- the model -----------------------------------------------------------------------
    def __init__(self, config: dict[str, Any], device: Any = "cpu") -> None:
        from gancli import nets

        self.config = config
        self.spec: dict[str, Any] = config["data"]
        self.hyper = Hyper.from_dict(config["hyper"])
        self.device = torch.device(device)
        self.nets = torch.nn.ModuleDict(
            {role: nets.build(cfg) for role, cfg in config["nets"].items()}
        ).to(self.device)
        self.latent_codes: list[dict[str, Any]] = config.get("codes", [])
        self.num_classes: int = int(self.spec.get("num_classes") or 0)
        # The run's length in G steps, set by the training loop before it starts (schedules
        # that end with the run, e.g. CycleGAN's linear decay, read it); None outside a run.
        self.total_steps: int | None = None

    @property
    def generator(self) -> Any:
        return self.nets["generator"]

    @property
    def discriminator(self) -> Any:
        return self.nets["discriminator"]

    def g_parameters(self) -> list[Any]:
        return list(self.generator.parameters())

    def d_parameters(self) -> list[Any]:
        return list(self.discriminator.parameters())

    @property
    def latent_size(self) -> int:
        """The size of G's latent input: the noise, then the codes."""
        from gancli.latent.codes import codes_width

        return self.hyper.z_dim + codes_width(self.latent_codes)

    def sample_z(self, n: int, generator: Any = None) -> Any:
        """Latents from the prior (noise, then codes); seeded generators draw on the CPU."""
        from gancli.latent.codes import sample_codes
        from gancli.latent.priors import sample_prior

        z = sample_prior(self.hyper.prior, n, self.hyper.z_dim, generator, self.device)
        if not self.latent_codes:
            return z
        return torch.cat([z, sample_codes(self.latent_codes, n, generator, self.device)], 1)

    def sample_labels(self, n: int, generator: Any = None) -> Any:
        """Class labels, uniform over the classes, for conditional generator steps."""
        where = "cpu" if generator is not None else self.device
        labels = torch.randint(self.num_classes, (n,), generator=generator, device=where)
        return labels.to(self.device)

    def generate(self, z: Any, labels: Any = None, net: Any = None) -> Any:
        """Images (or points) from latents; conditional variants also take labels."""
        return (net if net is not None else self.generator)(z)

    def training_labels(self, data: Any) -> Any:
        """What the training batches carry beside the images, one row per item of the data
        (its class labels; a text model: its captions as word ids)."""
        return data.labels

    def grid_columns(self) -> int:
        """Columns of the training grids: one per class (conditional), else a square grid (0)."""
        return self.num_classes if self.conditional else 0

    def bind_optimizers(self, opt_g: Any, opt_d: Any) -> None:
        """The engine hands over the optimisers it built (e.g. for unrolling D's updates)."""
        self.opt_g, self.opt_d = opt_g, opt_d

    def critic_steps(self, step: int) -> int:
        return self.hyper.n_critic

    def adjust_optimizers(self, step: int, opt_g: Any, opt_d: Any) -> None:
        """Per-step schedules (momentum ramps, decays) that a paper prescribes."""

    def after_d_step(self) -> None:
        """Runs after every optimiser step of D (e.g. WGAN's weight clipping)."""

    def augmented(self, x: Any) -> Any:
        """D's input: `x` through the run's DiffAugment policy (unchanged without one). Losses
        call it on real and generated images alike, in D's step and in G's."""
        if not self.hyper.augment:
            return x
        from gancli.augment import diff_augment

        return diff_augment(x, self.hyper.augment)

    # ---- what the health monitor reads (gancli.engine.health) ------------------------------
    # What to try, by health state; a variant lists its own first (`remedies`).
    known_remedies: ClassVar[dict[str, tuple[str, ...]]] = {}

    def realness(self, x: Any, labels: Any = None) -> Any:
        """D's score of each sample, higher for what D judges real (its logit by default)."""
        return self.discriminator(x).float().reshape(len(x), -1)[:, 0]

    def realness_threshold(self) -> float | None:
        """The score at which D's decision flips (logit 0); None where D has no threshold of its
        own (a critic, an energy): the monitor then uses the midpoint of the real and fake means."""
        return 0.0

    def predicted_classes(self, fake: Any) -> Any:
        """The class D's classifier (or the categorical code Q) gives each fake; None if none."""
        return None

    def class_count(self) -> int:
        return self.num_classes

    @classmethod
    def remedies(cls, state: str, spec: dict[str, Any] | None = None) -> list[str]:
        """What to try when the health monitor names `state`: this variant's own, then the
        general ones."""
        images = (spec or {}).get("kind", "image") == "image"
        general = {
            "collapse": [
                "gan train unrolled (Metz et al. 2017)",
                "gan train wgan-gp (a gradient penalty)",
                "a lower --lr-g",
            ]
            + (["--augment translation,cutout,color"] if images and cls.augmentable else []),
            "d_winning": [
                "a lower --lr-d or a higher --lr-g",
                "--n-critic 1",
                "gan train wgan-gp (a critic whose gradient does not vanish)",
            ]
            + (["--augment translation,cutout,color"] if images and cls.augmentable else []),
            "d_fooled": [
                "a higher --lr-d or a lower --lr-g",
                "--n-critic 2 (more D steps per G step)",
                "a wider D (--width)",
            ],
            "oscillation": ["a lower --lr-g and --lr-d", "--betas 0.5,0.999", "more D steps"],
            "divergence": ["a lower --lr", "--rollback", "--precision fp32"],
        }
        own = list(cls.known_remedies.get(state, ()))
        itself = f"gan train {cls.name} "
        return own + [
            r for r in general.get(state, []) if r not in own and not r.startswith(itself)
        ]

    def d_loss(self, real: Any, labels: Any) -> tuple[Any, dict[str, Any]]:
        raise NotImplementedError

    def g_loss(self, real: Any, labels: Any) -> tuple[Any, dict[str, Any]]:
        raise NotImplementedError
