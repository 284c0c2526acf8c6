"""Space stretching: what a layer does to the plane.

A linear map ``W`` is a rotation, an axis-aligned stretch, and another rotation: ``W = U S Vᵀ``
(the singular value decomposition). Applied to a round Gaussian cloud it gives an ellipse whose
axes are the singular values. A non-linearity after it (tanh, ReLU) folds and squashes the plane,
which no matrix can do — that is what lets a net separate classes a line cannot.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from dlcourse.labs.plot import subplots
from dlcourse.labs.run_context import RunContext


@dataclass(frozen=True)
class Config:
    points: int = 1000
    maps: int = 5


CONFIGS = {"quick": Config(points=500, maps=2), "full": Config(points=2000, maps=5)}


def rotate_scale_rotate(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``U [2, 2]``, ``S [2]``, ``Vh [2, 2]`` with ``W = U diag(S) Vh``."""
    return torch.linalg.svd(w)


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    g = ctx.generator()
    cloud = torch.randn(cfg.points, 2, generator=g)  # [n, 2]
    singular_values, reconstruction_errors, spread_ratios = [], [], []
    fig, axes = subplots(2, cfg.maps, size=3)
    for k in range(cfg.maps):
        w = torch.randn(2, 2, generator=g)
        u, s, vh = rotate_scale_rotate(w)
        reconstruction_errors.append(float((u @ torch.diag(s) @ vh - w).abs().max()))
        singular_values.append(s.tolist())
        stretched = cloud @ w.T  # [n, 2]: y = W x for every point
        # The ellipse's axes: standard deviations along the principal directions ≈ singular values.
        axes_std = torch.linalg.svdvals(stretched - stretched.mean(0)) / (cfg.points - 1) ** 0.5
        spread_ratios.append((axes_std / s).tolist())
        layer = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
        with torch.no_grad():
            layer[0].weight.copy_(w * 3)  # a strong stretch so tanh saturates and folds
            layer[0].bias.zero_()
            folded = layer(cloud)  # [n, 2], squashed into the square [-1, 1]²
        colour = cloud[:, 0].numpy()
        axes[0][k].scatter(stretched[:, 0], stretched[:, 1], c=colour, s=2, cmap="viridis")
        axes[0][k].set_title(f"W x, σ = {s[0]:.2f}, {s[1]:.2f}", fontsize=8)
        axes[1][k].scatter(folded[:, 0], folded[:, 1], c=colour, s=2, cmap="viridis")
        axes[1][k].set_title("tanh(3 W x)", fontsize=8)
        for ax in (axes[0][k], axes[1][k]):
            ax.set_aspect("equal")
    ctx.save_figure(fig, "stretching")
    return {
        "singular_values": singular_values,
        "max_reconstruction_error": max(reconstruction_errors),
        "cloud_axes_over_singular_values": spread_ratios,
        "folded_inside_unit_square": bool(folded.abs().max() <= 1),
    }
