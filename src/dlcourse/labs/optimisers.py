"""Optimisers by hand: SGD, momentum, RMSProp and Adam in a few lines each.

Each rule is written as the maths, on plain tensors under ``torch.no_grad()``, and run side by side
with its ``torch.optim`` twin from the same starting point on the same problem (an ill-conditioned
least-squares fit, where the differences between the rules show). They should agree step for step.

* SGD:        θ ← θ − η g
* momentum:   v ← μ v + g;            θ ← θ − η v
* RMSProp:    s ← α s + (1 − α) g²;   θ ← θ − η g / (√s + ε)
* Adam:       m ← β₁ m + (1 − β₁) g;  s ← β₂ s + (1 − β₂) g²;  θ ← θ − η m̂ / (√ŝ + ε),
              with bias corrections m̂ = m / (1 − β₁ᵗ), ŝ = s / (1 − β₂ᵗ)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from dlcourse.labs.plot import subplots
from dlcourse.labs.run_context import RunContext


@dataclass(frozen=True)
class Config:
    features: int = 20
    samples: int = 200
    steps: int = 300
    condition: float = 30.0  # ratio of the largest to the smallest feature scale


CONFIGS = {"quick": Config(steps=100), "full": Config()}


class HandSGD:
    def __init__(self, params: list[torch.Tensor], lr: float, momentum: float = 0.0) -> None:
        self.params, self.lr, self.momentum = params, lr, momentum
        self.velocity = [torch.zeros_like(p) for p in params]

    @torch.no_grad()
    def step(self) -> None:
        for p, v in zip(self.params, self.velocity, strict=True):
            v.mul_(self.momentum).add_(p.grad)  # v ← μ v + g (μ = 0: plain SGD)
            p.sub_(self.lr * v)


class HandRMSProp:
    def __init__(
        self, params: list[torch.Tensor], lr: float, alpha: float = 0.99, eps: float = 1e-8
    ) -> None:
        self.params, self.lr, self.alpha, self.eps = params, lr, alpha, eps
        self.square = [torch.zeros_like(p) for p in params]

    @torch.no_grad()
    def step(self) -> None:
        for p, s in zip(self.params, self.square, strict=True):
            s.mul_(self.alpha).add_((1 - self.alpha) * p.grad**2)
            p.sub_(self.lr * p.grad / (s.sqrt() + self.eps))


class HandAdam:
    def __init__(
        self,
        params: list[torch.Tensor],
        lr: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.params, self.lr, self.betas, self.eps, self.t = params, lr, betas, eps, 0
        self.mean = [torch.zeros_like(p) for p in params]
        self.square = [torch.zeros_like(p) for p in params]

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        for p, m, s in zip(self.params, self.mean, self.square, strict=True):
            m.mul_(b1).add_((1 - b1) * p.grad)
            s.mul_(b2).add_((1 - b2) * p.grad**2)
            m_hat, s_hat = m / (1 - b1**self.t), s / (1 - b2**self.t)
            p.sub_(self.lr * m_hat / (s_hat.sqrt() + self.eps))


def zero_grad(params: list[torch.Tensor]) -> None:
    for p in params:
        p.grad = None


def least_squares(cfg: Config, g: torch.Generator) -> Callable[[torch.Tensor], torch.Tensor]:
    """Loss ``‖X w − y‖² / n`` with feature scales from 1 to ``condition`` (a long, thin valley)."""
    scales = torch.logspace(0, torch.log10(torch.tensor(cfg.condition)), cfg.features)
    x = torch.randn(cfg.samples, cfg.features, generator=g) * scales  # [n, features]
    y = x @ torch.randn(cfg.features, generator=g) + 0.1 * torch.randn(cfg.samples, generator=g)
    return lambda w: ((x @ w - y) ** 2).mean()


PAIRS = {
    # name: (hand-written, torch.optim), both built from a parameter list
    "sgd": (lambda p: HandSGD(p, lr=1e-4), lambda p: torch.optim.SGD(p, lr=1e-4)),
    "momentum": (
        lambda p: HandSGD(p, lr=1e-4, momentum=0.9),
        lambda p: torch.optim.SGD(p, lr=1e-4, momentum=0.9),
    ),
    "rmsprop": (lambda p: HandRMSProp(p, lr=1e-2), lambda p: torch.optim.RMSprop(p, lr=1e-2)),
    "adam": (lambda p: HandAdam(p, lr=5e-2), lambda p: torch.optim.Adam(p, lr=5e-2)),
}


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    loss_fn = least_squares(cfg, ctx.generator())
    start = torch.zeros(cfg.features)
    metrics: dict[str, object] = {}
    curves = {}
    for name, (make_hand, make_torch) in PAIRS.items():
        w_hand = start.clone().requires_grad_()
        w_torch = start.clone().requires_grad_()
        hand, reference = make_hand([w_hand]), make_torch([w_torch])
        losses, gap = [], 0.0
        for _step in range(cfg.steps):
            for w, optimiser in ((w_hand, hand), (w_torch, reference)):
                loss = loss_fn(w)  # forward + loss
                zero_grad([w])
                loss.backward()
                optimiser.step()
            with torch.no_grad():
                losses.append(float(loss_fn(w_hand)))
                gap = max(gap, float((w_hand - w_torch).abs().max()))
        curves[name] = losses
        metrics[f"{name}_initial_loss"] = float(loss_fn(start))
        metrics[f"{name}_final_loss"] = losses[-1]
        metrics[f"{name}_max_gap_to_torch"] = gap
    if ctx.is_main:
        fig, axes = subplots(1, 1, size=5)
        for name, losses in curves.items():
            axes[0][0].semilogy(losses, label=name)
        axes[0][0].set_xlabel("step")
        axes[0][0].set_ylabel("loss")
        axes[0][0].legend()
        ctx.save_figure(fig, "optimisers")
    return metrics
