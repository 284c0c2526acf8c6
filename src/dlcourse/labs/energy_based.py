"""Energy-based models: an energy surface learned with contrastive samples.

An energy-based model (EBM) gives every point ``x`` a scalar *energy* ``E(x)``: low where data
lives, high elsewhere. It need not normalise anything — no probabilities, no partition function —
but it must be *shaped*. Pushing the energy down on the data alone is not enough: a net can lower
it everywhere at once, and the surface collapses flat. A *contrastive* method also pushes the
energy up somewhere: at points the model itself currently thinks are good, which are exactly the
places where it is wrong if they lie off the data.

1. **Data.** Points on a noisy ellipse in the plane — a one-dimensional manifold in two dimensions.
2. **Model.** An MLP from ``[n, 2]`` to energies ``[n]``, with smooth (SiLU) units so that
   ``∇ₓE`` is smooth too.
3. **Contrastive samples.** Short-run Langevin dynamics, ``x ← x − η ∇ₓE(x) + σ ε``: roll downhill
   on the current surface, with noise. The chains start from a replay buffer of earlier samples
   (and, for a few, from uniform noise), so they keep exploring (Du and Mordatch, 2019).
4. **Loss.** ``E(x⁺) − E(x⁻)`` averaged — down on data, up on the samples — plus a small
   ``α (E(x⁺)² + E(x⁻)²)`` that keeps the energies from drifting to ±∞.
5. **Measure.** On held-out data and on points spread uniformly over the plane: how often a data
   point has lower energy than a random point (the area under the ROC curve; 0.5 means no shape),
   how much of the plane is as low as the data, and where Langevin chains started from uniform
   noise end up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from dlcourse.labs.plot import subplots
from dlcourse.labs.run_context import RunContext

BOX = 2.5  # the plane we look at: [-BOX, BOX]²


@dataclass(frozen=True)
class Config:
    points: int = 2000
    noise: float = 0.05  # distance of the data from the ellipse (standard deviation)
    hidden: int = 128
    steps: int = 2000
    batch_size: int = 256
    lr: float = 1e-3
    langevin_steps: int = 20  # per training step, from the buffer
    step_size: float = 0.05  # η
    langevin_noise: float = 0.01  # σ
    restart: float = 0.05  # fraction of chains restarted from uniform noise
    buffer_size: int = 4096
    alpha: float = 0.1  # energy magnitude regulariser
    sample_steps: int = 200  # Langevin steps from uniform noise, for the evaluation


CONFIGS = {
    "quick": Config(steps=300, hidden=64, langevin_steps=10, sample_steps=100),
    "full": Config(),
}


def ellipse(n: int, noise: float, generator: torch.Generator) -> torch.Tensor:
    """``n`` points ``[n, 2]`` on the ellipse x²/2² + y²/1² = 1, tilted by 30°, plus noise."""
    angle = 2 * math.pi * torch.rand(n, generator=generator)
    points = torch.stack([2.0 * angle.cos(), 1.0 * angle.sin()], dim=1)  # [n, 2]
    tilt = torch.tensor(math.pi / 6)
    rotation = torch.stack(
        [torch.stack([tilt.cos(), -tilt.sin()]), torch.stack([tilt.sin(), tilt.cos()])]
    )
    return points @ rotation.T + noise * torch.randn(n, 2, generator=generator)


def distance_to_ellipse(points: torch.Tensor) -> torch.Tensor:
    """Distance ``[n]`` from each point to the (noise-free) ellipse, over a fine polygon of it."""
    curve = ellipse(4096, 0.0, torch.Generator().manual_seed(0))  # [4096, 2]
    return torch.cdist(points, curve).min(dim=1).values


class Energy(nn.Module):
    """An MLP ``[n, 2] → [n]``: one scalar energy per point."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(2, hidden), nn.SiLU(),
            nn.Linear(hidden, hidden), nn.SiLU(),
            nn.Linear(hidden, hidden), nn.SiLU(),
            nn.Linear(hidden, 1),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)  # [n]


def langevin(
    energy: nn.Module,
    x: torch.Tensor,
    steps: int,
    step_size: float,
    noise: float,
    generator: torch.Generator,
) -> torch.Tensor:
    """``steps`` of ``x ← x − η ∇ₓE(x) + σ ε``, kept inside the box; returns new points ``[n, 2]``.

    The gradient is with respect to the *input*: the energy's weights do not move here.
    """
    x = x.detach().clone()
    for _ in range(steps):
        x.requires_grad_(True)
        grad = torch.autograd.grad(energy(x).sum(), x)[0]  # ∇ₓE: [n, 2]
        step_noise = torch.randn(x.shape, generator=generator).to(x.device)
        x = (x - step_size * grad + noise * step_noise).clamp(-BOX, BOX).detach()
    return x


def uniform(n: int, generator: torch.Generator) -> torch.Tensor:
    return (torch.rand(n, 2, generator=generator) * 2 - 1) * BOX  # [n, 2]


def train(
    data: torch.Tensor, cfg: Config, ctx: RunContext
) -> tuple[nn.Module, list[float], torch.Tensor]:
    """Adam on the contrastive loss; returns the model, its loss per step and the last samples."""
    torch.manual_seed(ctx.seed)
    model = ctx.wrap(Energy(cfg.hidden))
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    generator = ctx.generator(1000 + ctx.dist.rank)
    buffer = uniform(cfg.buffer_size, generator)  # the replay buffer starts as noise
    batches = ctx.batches(data, batch_size=cfg.batch_size)
    epochs = -(-cfg.steps // len(batches))
    losses = torch.empty(epochs * len(batches), device=ctx.device)  # [steps]
    step = 0
    negatives = buffer[:0]
    # Langevin asks for ∇ₓE only: the plain module, outside DDP's gradient bookkeeping.
    plain = model.module if hasattr(model, "module") else model
    for _epoch in ctx.track(range(epochs), "energy-based model"):
        for (positives,) in batches:  # data points [b, 2]
            # Contrastive samples: chains from the buffer (a few from fresh noise), run downhill.
            slots = torch.randint(cfg.buffer_size, (len(positives),), generator=generator)
            start = buffer[slots]
            fresh = torch.rand(len(positives), generator=generator) < cfg.restart
            start[fresh] = uniform(int(fresh.sum()), generator)
            negatives = langevin(
                plain, start.to(ctx.device), cfg.langevin_steps, cfg.step_size,
                cfg.langevin_noise, generator,
            )  # fmt: skip
            buffer[slots] = negatives.cpu()
            with ctx.autocast():
                e_pos, e_neg = model(positives), model(negatives)  # 1. forward: [b], [b]
                loss = (  # 2. loss: down on data, up on samples, and bounded
                    e_pos.float().mean()
                    - e_neg.float().mean()
                    + cfg.alpha * (e_pos.float().pow(2).mean() + e_neg.float().pow(2).mean())
                )
            optimizer.zero_grad(set_to_none=True)  # 3. zero the gradients
            ctx.backward(loss)  # 4. backward
            ctx.step(optimizer)  # 5. step
            losses[step] = loss.detach()
            step += 1
    return model, ctx.mean_across_ranks(losses.tolist()), negatives.cpu()


@torch.no_grad()
def energies(model: nn.Module, points: torch.Tensor, device: torch.device) -> torch.Tensor:
    return model(points.to(device)).float().cpu()  # [n]


def auc(low: torch.Tensor, high: torch.Tensor) -> float:
    """P(a ``low`` energy < a ``high`` energy), over all pairs: the area under the ROC curve."""
    return float((low[:, None] < high[None, :]).float().mean())


def plot_surface(
    model: nn.Module,
    data: torch.Tensor,
    negatives: torch.Tensor,
    samples: torch.Tensor,
    losses: list[float],
    ctx: RunContext,
) -> None:
    """The energy over the plane (dark: low), with data, training negatives and fresh samples."""
    grid = torch.linspace(-BOX, BOX, 150)
    gx, gy = torch.meshgrid(grid, grid, indexing="xy")
    surface = energies(model, torch.stack([gx.flatten(), gy.flatten()], 1), ctx.device)
    fig, axes = subplots(1, 3, size=4)
    ax = axes[0][0]
    shown = ax.contourf(gx, gy, surface.reshape(150, 150), levels=30, cmap="viridis")
    fig.colorbar(shown, ax=ax, fraction=0.046)
    ax.scatter(data[:400, 0], data[:400, 1], s=2, c="white", label="data")
    ax.set_title("energy E(x) and the data")
    ax = axes[0][1]
    ax.contour(gx, gy, surface.reshape(150, 150), levels=15, cmap="viridis", linewidths=0.6)
    ax.scatter(negatives[:, 0], negatives[:, 1], s=2, c="tab:red", label="last negatives")
    ax.scatter(samples[:, 0], samples[:, 1], s=2, c="k", label="samples from noise")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("where Langevin chains go")
    for ax in axes[0][:2]:
        ax.set_xlim(-BOX, BOX)
        ax.set_ylim(-BOX, BOX)
        ax.set_aspect("equal")
    axes[0][2].plot(losses)
    axes[0][2].set_xlabel("step")
    axes[0][2].set_title("E(data) − E(negatives) + α E²")
    fig.tight_layout()
    ctx.save_figure(fig, "energy_surface")


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    data = ellipse(cfg.points, cfg.noise, ctx.generator(1))  # [n, 2]
    held_out = ellipse(1000, cfg.noise, ctx.generator(2))
    plane = uniform(1000, ctx.generator(3))  # points anywhere in the box
    torch.manual_seed(ctx.seed)
    untrained = Energy(cfg.hidden).to(ctx.device)
    model, losses, negatives = train(data, cfg, ctx)
    model.eval()
    e_data, e_plane = energies(model, held_out, ctx.device), energies(model, plane, ctx.device)
    threshold = e_data.quantile(0.9)  # as low as 90% of the held-out data
    samples = langevin(
        model, uniform(500, ctx.generator(4)).to(ctx.device), cfg.sample_steps, cfg.step_size,
        cfg.langevin_noise, ctx.generator(5),
    ).cpu()  # fmt: skip
    if ctx.is_main:
        plot_surface(model, data, negatives, samples, losses, ctx)
    start = uniform(500, ctx.generator(4))
    return {
        "auc_data_vs_plane": auc(e_data, e_plane),
        "auc_untrained": auc(
            energies(untrained, held_out, ctx.device), energies(untrained, plane, ctx.device)
        ),
        "mean_energy_data": float(e_data.mean()),
        "mean_energy_plane": float(e_plane.mean()),
        # how much of the plane is as low as the data: the ellipse's noisy band is a small part
        "plane_fraction_below_data_q90": float((e_plane < threshold).float().mean()),
        "data_band_fraction_of_plane": float(
            (distance_to_ellipse(plane) < 3 * cfg.noise).float().mean()
        ),
        "sample_distance_to_ellipse": float(distance_to_ellipse(samples).median()),
        "start_distance_to_ellipse": float(distance_to_ellipse(start).median()),
        "loss_curve": losses,
    }
