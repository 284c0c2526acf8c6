"""Autograd: the graph behind every tensor operation, and how to extend it.

Each result of an operation on tensors that require gradients remembers how it was made
(``grad_fn``); ``backward()`` walks that graph from the loss to the leaves with the chain rule.
``torch.no_grad()`` stops recording (evaluation, and updating weights in place — writing into
a leaf that requires grad outside ``no_grad`` is an error). A custom ``autograd.Function``
supplies its own backward; ``gradcheck`` compares it with finite differences.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from dlcourse.labs.run_context import RunContext


@dataclass(frozen=True)
class Config:
    size: int = 6


CONFIGS = {"quick": Config(), "full": Config(size=32)}


class SiLU(torch.autograd.Function):
    """``y = x σ(x)`` with a hand-written backward: ``dy/dx = σ(x) (1 + x (1 − σ(x)))``."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        sigma = torch.sigmoid(x)
        ctx.save_for_backward(x, sigma)
        return x * sigma

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        x, sigma = ctx.saved_tensors
        return grad_output * sigma * (1 + x * (1 - sigma))


def graph_walk() -> dict[str, object]:
    """``y = 3 (a + b)²`` at a=2, b=1: dy/da = dy/db = 6 (a + b) = 18."""
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    s = a + b
    y = 3 * s**2
    y.backward()
    with torch.no_grad():
        untracked = a * 2
    return {
        "grad_fn_chain": [type(y.grad_fn).__name__, type(s.grad_fn).__name__],
        "a_is_leaf": a.is_leaf,
        "grad_a": float(a.grad),
        "grad_b": float(b.grad),
        "no_grad_requires_grad": untracked.requires_grad,
    }


def in_place_leaf_update_is_refused() -> bool:
    """Updating a weight in place must happen under ``no_grad`` (a 2020 notebook bug)."""
    w = torch.ones(3, requires_grad=True)
    try:
        w -= 0.1
    except RuntimeError:
        return True
    return False


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    x = torch.randn(cfg.size, dtype=torch.float64, generator=ctx.generator(), requires_grad=True)
    ours = torch.autograd.grad(SiLU.apply(x).sum(), x)[0]
    reference = torch.autograd.grad(torch.nn.functional.silu(x).sum(), x)[0]
    return {
        **graph_walk(),
        "in_place_leaf_update_refused": in_place_leaf_update_is_refused(),
        "custom_function_gradcheck": bool(torch.autograd.gradcheck(SiLU.apply, (x,))),
        "custom_vs_torch_max_abs_diff": float((ours - reference).abs().max()),
    }
