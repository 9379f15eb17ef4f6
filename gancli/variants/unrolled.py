"""Unrolled GAN: Metz, Poole, Pfau & Sohl-Dickstein 2017, "Unrolled Generative Adversarial
Networks".

G is trained against the discriminator it would face K updates from now. At every generator
step a copy of D is rolled forward K optimiser steps from D's current parameters and optimiser
state, on the same minibatch (the real batch D just saw and the generator step's z); G then
minimises the GAN loss at those look-ahead parameters θ_D^K(θ_G, θ_D), and its gradient flows
back through the K updates (second-order terms included), which is what lets G see how D would
react and discourages it from collapsing onto the modes D currently favours. The look-ahead
copy is then dropped: D itself takes only its ordinary step (the GAN's `d_loss`).

The optimiser is unrolled as the engine runs it for D: Adam (the paper's), continuing from D's
real first and second moments and step count, with D's lr, betas and eps; plain or momentum
SGD is unrolled too. G's loss is the GAN variant's at the look-ahead parameters, so with K = 0
its gradient is exactly the GAN's: by default the non-saturating -log D_K(G(z)). The paper
writes G's objective as the value function itself, f_K = E[log D_K(x)] + E[log(1 - D_K(G(z)))],
and `--g-loss minimax` minimises exactly that, as the reference notebook does (it minimises
minus D's unrolled loss). Its real-data term matters: for K >= 1, D_K depends on G through the
K updates, so E[log D_K(x)] has a gradient with respect to G.

`--lookahead` is a different, cheaper method, NOT the paper's: the copy is updated with
detached gradients, so θ_D^K is a constant to G and the second-order term is dropped.

Nets: DCGAN's on images (with DCGAN's defaults); on 2-D toys the PacGAN nets that every
variant shares (G 4x400 BN+ReLU, D 3x200 maxout), trained with the Unrolled GAN reference
notebook's protocol: z 256-d N(0, I), batch 512, D lr 1e-4, G lr 1e-3, beta1 0.5, K = 5.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from gancli._lazy import lazy
from gancli.errors import GanError
from gancli.variants import Option, register
from gancli.variants._mixins import G_LOSS, MINIMAX, NONSATURATING, LogLoss, generator_loss
from gancli.variants._nets import dcgan_nets
from gancli.variants.base import Hyper, Variant
from gancli.variants.dcgan import DCGAN

torch = lazy("torch")
F = lazy("torch.nn.functional")
func = lazy("torch.func")

UNROLL = 5  # the reference notebook's K (the paper's mixture figure uses 10)


@register
class Unrolled(LogLoss, Variant):
    """Nets: DCGAN's (`dcgan_nets`). Losses: D's is the GAN's log loss (`LogLoss`); G's is the
    `--g-loss` form at the look-ahead parameters (`g_loss` below)."""

    name = "unrolled"
    known_remedies = {"collapse": ("a larger --unroll (the paper's toy runs use up to 10)",)}
    paper = "Metz et al. 2017, Unrolled Generative Adversarial Networks"
    summary = "G looks K discriminator updates ahead, differentiating through them."
    defaults = DCGAN.defaults.replace(
        extra={"unroll": UNROLL, "lookahead": False, "g_loss": NONSATURATING}
    )
    reuse_fakes = False  # G's loss runs through its own look-ahead
    # The look-ahead calls D functionally on the batches it unrolls on; augmenting those
    # would need the same transforms replayed at every unrolled step, which is not done.
    augmentable = False
    # The reference notebook's 2-D protocol (its 2x128 tanh nets replaced by the PacGAN nets
    # that the other variants use on toys, so that runs compare like for like).
    toy_defaults = Hyper(
        z_dim=256,
        prior="normal",
        batch_size=512,
        optimizer="adam",
        lr_g=1e-3,
        lr_d=1e-4,
        betas=(0.5, 0.999),
        extra={"unroll": UNROLL, "lookahead": False, "g_loss": NONSATURATING},
    )
    options = (
        Option("unroll", int, "K: discriminator updates that G looks ahead through.", low=0),
        Option(
            "lookahead",
            bool,
            "Cheap look-ahead, NOT the paper's method: the K updates use detached gradients, "
            "so G's gradient ignores how D's updates depend on G (no second-order term).",
        ),
        G_LOSS,
    )

    @classmethod
    def net_config(cls, spec, hyper, width):
        return dcgan_nets(spec, hyper, width)

    # ---- the look-ahead ------------------------------------------------------------------

    def g_loss(self, real: Any, labels: Any) -> tuple[Any, dict[str, Any]]:
        k = int(self.hyper.extra.get("unroll", UNROLL))
        if k < 0:
            raise GanError(f"--unroll must be 0 or more, got {k}")
        lookahead = bool(self.hyper.extra.get("lookahead", False))
        D = self.discriminator
        fake = self.generator(self.sample_z(real.shape[0]))
        # Leaves of their own: the unrolled graph starts here, so G's backward never writes
        # into the real D's .grad, and the real D's tensors are never modified in place.
        params = {n: p.detach().requires_grad_(True) for n, p in D.named_parameters()}
        # Cloned buffers: batch-norm statistics the look-ahead updates are the copy's only.
        buffers = {n: b.clone() for n, b in D.named_buffers()}

        def logits(theta: dict[str, Any], x: Any) -> Any:
            out = func.functional_call(D, (theta, buffers), (x,))
            # At least float32, as the GAN's losses are computed (autocast may give bf16).
            return out.to(torch.promote_types(out.dtype, torch.float32))

        rule = _UnrolledOptimizer(D, getattr(self, "opt_d", None), self.hyper)
        target = fake.detach() if lookahead else fake
        for _ in range(k):
            # Exactly the real D's loss (LogLoss.d_loss), on this step's batch and z.
            d_loss = self.d_scale * (
                F.softplus(-logits(params, real)).mean() + F.softplus(logits(params, target)).mean()
            )
            names = list(params)
            grads = torch.autograd.grad(
                d_loss, [params[n] for n in names], create_graph=not lookahead, allow_unused=True
            )
            params = rule.step(params, dict(zip(names, grads)), differentiable=not lookahead)
        if lookahead:  # constants to G: no gradient to compute for them
            params = {n: p.detach() for n, p in params.items()}
        fake_logit = logits(params, fake)
        loss = generator_loss(fake_logit, self.g_loss_kind)
        if self.g_loss_kind == MINIMAX and k > 0 and not lookahead:
            # f_K's real-data term: constant in G unless D_K depends on G (K >= 1, second
            # order); with it, G minimises exactly f at the look-ahead parameters.
            loss = loss - F.softplus(-logits(params, real)).mean()
        return loss, {"d_fake_unrolled": fake_logit.detach().mean()}


class _UnrolledOptimizer:
    """D's optimiser (torch.optim.Adam or SGD) as a pure function params -> params.

    It starts from a copy of the real optimiser's state (moments, step count) and never writes
    back: the look-ahead must leave the real optimiser exactly as it was. Each parameter group
    is updated as one flat vector, so an unrolled step costs a dozen tensor operations rather
    than a dozen per parameter; on small nets those operations, not the matrix products, are
    most of the time.
    """

    def __init__(self, D: Any, opt: Any, hyper: Hyper) -> None:
        by_id = {id(p): n for n, p in D.named_parameters()}
        if opt is None:  # used outside the engine: a fresh optimiser built from the hyper
            self.kind, self.state = hyper.optimizer, {}
            groups = [{**_default_group(hyper), "params": list(D.parameters())}]
        else:
            self.kind, self.state, groups = type(opt).__name__.lower(), opt.state, opt.param_groups
        if self.kind not in ("adam", "sgd"):
            raise GanError(f"unrolled can unroll Adam and SGD, not {self.kind}")
        # Per group: its settings, its (name, real parameter) pairs, and its flat state, built
        # on the first step from the parameters that have a gradient (torch.optim skips the
        # others, and so does this).
        self.groups: list[dict[str, Any]] = []
        for group in groups:
            if group.get("maximize") or group.get("amsgrad") or group.get("nesterov"):
                raise GanError("unrolled cannot unroll maximize, amsgrad or nesterov")
            members = [(by_id[id(p)], p) for p in group["params"] if id(p) in by_id]
            self.groups.append({"setting": group, "members": members, "flat": None})

    def step(
        self, params: dict[str, Any], grads: dict[str, Any], differentiable: bool
    ) -> dict[str, Any]:
        out = dict(params)
        for group in self.groups:
            if group["flat"] is None:
                group["members"] = [(n, p) for n, p in group["members"] if grads[n] is not None]
                group["flat"] = self._initial_state([p for _, p in group["members"]])
            names = [n for n, _ in group["members"]]
            if not names:
                continue
            p = torch.cat([params[n].reshape(-1) for n in names])
            g = torch.cat([grads[n].reshape(-1) for n in names])
            if not differentiable:
                p, g = p.detach(), g.detach()
            new = self._update(group["setting"], group["flat"], p, g)
            if not differentiable:
                new = new.detach()
            sizes = [params[n].numel() for n in names]
            for n, piece in zip(names, torch.split(new, sizes)):
                piece = piece.view_as(params[n])
                out[n] = piece if differentiable else piece.requires_grad_(True)
        return out

    def _initial_state(self, real: list[Any]) -> dict[str, Any]:
        """The group's optimiser state as flat copies (zeros on D's very first step)."""
        if not real:
            return {}
        states = [self.state.get(p, {}) for p in real]

        def flat(key: str) -> Any:
            if not all(key in s for s in states):
                return None
            return torch.cat([s[key].detach().reshape(-1) for s in states]).clone()

        if self.kind == "sgd":
            return {"buf": flat("momentum_buffer")}
        counts = [s["step"] for s in states if "step" in s]
        m, v = flat("exp_avg"), flat("exp_avg_sq")
        if m is None:  # torch creates the state at the first step: zero moments, step 0
            m = torch.cat([p.detach().reshape(-1) for p in real]).zero_()
            return {"m": m, "v": m.clone(), "t": 0.0}
        if counts[0].device.type != "cpu":
            # A fused optimiser keeps the count on the GPU: use it there (reading it, or
            # comparing the counts, would make the CPU wait for the GPU every step). All of a
            # group's parameters step together, so the first count is the group's.
            return {"m": m, "v": v, "t": counts[0].detach().clone()}
        steps = {float(c) for c in counts}
        if len(steps) > 1:
            raise GanError("unrolled needs D's parameters to share one Adam step count")
        return {"m": m, "v": v, "t": steps.pop()}

    def _update(self, setting: dict[str, Any], st: dict[str, Any], p: Any, g: Any) -> Any:
        if setting.get("weight_decay"):
            g = g + setting["weight_decay"] * p
        if self.kind == "sgd":
            if setting.get("momentum"):
                buf = st["buf"]
                dampening = setting.get("dampening", 0.0)
                g = g if buf is None else setting["momentum"] * buf + (1 - dampening) * g
                st["buf"] = g
            return p - setting["lr"] * g
        beta1, beta2 = setting["betas"]
        st["t"] += 1
        step_size = setting["lr"] / (1 - beta1 ** st["t"])
        correction2 = 1 - beta2 ** st["t"]  # a tensor when the count is on the GPU
        root = correction2.sqrt() if torch.is_tensor(correction2) else math.sqrt(correction2)
        p, st["m"], st["v"] = _adam_step().apply(
            p, g, st["m"], st["v"], beta1, beta2, step_size, root, setting["eps"]
        )
        return p


@functools.cache
def _adam_step() -> Any:
    """The autograd Function below, defined on first use (importing a variant must not import
    torch: `gan train --help` answers without it)."""

    class AdamStep(torch.autograd.Function):
        """One Adam update of flat vectors with its derivative written out, for the look-ahead:

            m' = b1 m + (1 - b1) g,   v' = b2 v + (1 - b2) g^2,
            d = sqrt(v') / root + eps,   p' = p - step m' / d

        (step = lr / (1 - b1^t), root = sqrt(1 - b2^t)). Left to autograd, these are about 20
        operations on every weight of D and about 25 in the backward; here the forward is 7 and
        the backward about 15 (benchmarks/unrolled_step.py measures the time saved). sqrt's
        derivative is taken as 0 where v' = 0, a weight that has only ever had zero gradients
        (a maxout piece never selected): inf * 0 would turn the whole unrolled gradient into
        NaN. G's gradient passes through the update once (it is not differentiated again),
        hence once_differentiable."""

        @staticmethod
        def forward(ctx, p, g, m, v, beta1, beta2, step, root, eps):  # type: ignore[override]
            m_new = torch.lerp(m, g, 1 - beta1)
            v_new = torch.addcmul(v * beta2, g, g, value=1 - beta2)
            s = v_new.sqrt()
            d = (s / root).add_(eps)
            if torch.is_tensor(step):  # the count lives on the GPU
                p_new = p - step * m_new / d
            else:
                p_new = torch.addcdiv(p, m_new, d, value=-step)
            ctx.save_for_backward(g, m_new, s, d)
            ctx.consts = (beta1, beta2, step, root)
            ctx.set_materialize_grads(False)  # the last step's m' and v' go unused: None
            return p_new, m_new, v_new

        @staticmethod
        @torch.autograd.function.once_differentiable
        def backward(ctx, gp, gm, gv):  # type: ignore[override]
            g, m_new, s, d = ctx.saved_tensors
            beta1, beta2, step, root = ctx.consts
            if gp is None:
                gp = torch.zeros_like(g)
            # Through p' = p - step m' / d: into p as is, into m' and (through d) into v'.
            gp_over_d = gp / d
            grad_m_new = gp_over_d * -step
            grad_v_new = torch.where(s > 0, gp_over_d * m_new / d * step / (2 * root * s), 0.0)
            if gm is not None:
                grad_m_new = grad_m_new + gm
            if gv is not None:
                grad_v_new = grad_v_new + gv
            grad_g = grad_m_new * (1 - beta1) + grad_v_new * g * (2 * (1 - beta2))
            need = ctx.needs_input_grad
            return (
                gp if need[0] else None,
                grad_g if need[1] else None,
                grad_m_new * beta1 if need[2] else None,
                grad_v_new * beta2 if need[3] else None,
                None,
                None,
                None,
                None,
                None,
            )

    return AdamStep


def _default_group(hyper: Hyper) -> dict[str, Any]:
    return {
        "lr": hyper.lr_d,
        "betas": hyper.betas,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "momentum": hyper.momentum,
        "dampening": 0.0,
    }
