"""Projections in high dimension: intuition from 2-D and 3-D fails.

Two random directions in ``d`` dimensions are almost orthogonal: their cosine has mean 0 and
standard deviation ``1/√d``. Norms concentrate: a Gaussian vector's length is ``≈ √d`` with spread
that does not grow with ``d``, so in high dimension "all points are about equally far apart".
Projecting onto a random 2-D plane (what a scatter plot of a layer's activations does) shows a round
blob, whatever the structure the cloud has in its other dimensions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from dlcourse.labs.plot import subplots
from dlcourse.labs.run_context import RunContext


@dataclass(frozen=True)
class Config:
    dimensions: tuple[int, ...] = (2, 10, 100, 1000, 10000)
    samples: int = 2000


CONFIGS = {"quick": Config(dimensions=(2, 10, 100, 1000), samples=500), "full": Config()}


def cosine_spread(d: int, samples: int, g: torch.Generator) -> float:
    """Standard deviation of the cosine between pairs of random Gaussian vectors in ``d`` dims."""
    a, b = torch.randn(samples, d, generator=g), torch.randn(samples, d, generator=g)
    return float(torch.nn.functional.cosine_similarity(a, b, dim=1).std())


def norm_concentration(d: int, samples: int, g: torch.Generator) -> tuple[float, float]:
    """Mean and std of ``‖x‖`` for ``x ~ N(0, I_d)``: mean ≈ √d, std ≈ 1/√2 for every d."""
    norms = torch.randn(samples, d, generator=g).norm(dim=1)
    return float(norms.mean()), float(norms.std())


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    g = ctx.generator()
    spreads = [cosine_spread(d, cfg.samples, g) for d in cfg.dimensions]
    norms = [norm_concentration(d, cfg.samples, g) for d in cfg.dimensions]
    # A hypercube's corners {±1}^d projected on a random plane: a round blob for large d.
    d = cfg.dimensions[-1]
    corners = torch.randint(0, 2, (cfg.samples, d), generator=g).float() * 2 - 1  # [n, d]
    plane, _ = torch.linalg.qr(torch.randn(d, 2, generator=g))  # orthonormal [d, 2]
    shadow = corners @ plane  # [n, 2]
    if ctx.is_main:
        fig, axes = subplots(1, 2, size=4)
        axes[0][0].loglog(cfg.dimensions, spreads, "o-", label="measured")
        axes[0][0].loglog(
            cfg.dimensions, [1 / math.sqrt(x) for x in cfg.dimensions], "k--", label="1/√d"
        )
        axes[0][0].set_xlabel("dimension d")
        axes[0][0].set_title("std of cos(angle) of random pairs")
        axes[0][0].legend()
        axes[0][1].scatter(shadow[:, 0], shadow[:, 1], s=2)
        axes[0][1].set_aspect("equal")
        axes[0][1].set_title(f"corners of a {d}-cube on a random plane")
        ctx.save_figure(fig, "projections")
    return {
        "dimensions": list(cfg.dimensions),
        "cosine_std": spreads,
        "cosine_std_times_sqrt_d": [
            s * math.sqrt(x) for s, x in zip(spreads, cfg.dimensions, strict=True)
        ],
        "norm_mean_over_sqrt_d": [
            m / math.sqrt(x) for (m, _), x in zip(norms, cfg.dimensions, strict=True)
        ],
        "norm_std": [s for _, s in norms],
    }
