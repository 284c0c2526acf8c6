"""1-D regression data for the regression and Bayesian-NN labs: a curve seen on two patches."""

from __future__ import annotations

import math

import torch


def toy_regression(
    n: int = 200, noise: float = 0.1, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``x`` on [-2, -0.5] ∪ [0.5, 2] (a gap in the middle, nothing beyond ±2), ``y = f(x) + ε``.

    Returns ``x [n, 1]`` and ``y [n, 1]``. The gaps are where a model should be unsure.
    """
    side = torch.randint(0, 2, (n, 1), generator=generator).float() * 2 - 1  # ±1
    x = side * (0.5 + 1.5 * torch.rand(n, 1, generator=generator))
    y = true_curve(x) + noise * torch.randn(n, 1, generator=generator)
    return x, y


def true_curve(x: torch.Tensor) -> torch.Tensor:
    return torch.sin(math.pi * x / 2) + 0.3 * x**2
