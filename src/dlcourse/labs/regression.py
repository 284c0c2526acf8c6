"""Regression: linear vs non-linear fits, and an ensemble's spread as uncertainty.

A straight line cannot follow a curve, so its error stays high; a small ReLU or tanh net can.
Train several nets from different random starts and they agree where there is data but disagree
away from it — the spread of an ensemble is a cheap, honest "I don't know".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from dlcourse.labs.data.toy import toy_regression, true_curve
from dlcourse.labs.plot import subplots
from dlcourse.labs.run_context import RunContext


@dataclass(frozen=True)
class Config:
    points: int = 200
    hidden: int = 100
    members: int = 10
    steps: int = 2000
    lr: float = 1e-2


CONFIGS = {"quick": Config(members=5, steps=600), "full": Config()}


class Ensemble(nn.Module):
    """``members`` independent one-hidden-layer nets, evaluated together with batched matmuls.

    The loss is the sum of the members' losses, so each member's gradient depends on it alone:
    training them together is training them separately, only faster.
    """

    def __init__(self, members: int, hidden: int, activation: nn.Module) -> None:
        super().__init__()
        # nn.Linear's default initialisation, U(-1/√fan_in, 1/√fan_in), one draw per member.
        self.w1 = nn.Parameter(torch.empty(members, 1, hidden).uniform_(-1, 1))
        self.b1 = nn.Parameter(torch.empty(members, 1, hidden).uniform_(-1, 1))
        bound = 1 / math.sqrt(hidden)
        self.w2 = nn.Parameter(torch.empty(members, hidden, 1).uniform_(-bound, bound))
        self.b2 = nn.Parameter(torch.empty(members, 1, 1).uniform_(-bound, bound))
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x [n, 1] → [members, n, 1]
        h = self.activation(x @ self.w1 + self.b1)  # [members, n, hidden]
        return h @ self.w2 + self.b2


def train(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, cfg: Config, ctx: RunContext, name: str
) -> nn.Module:
    model = ctx.wrap(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    for _step in ctx.track(range(cfg.steps), f"regression: {name}"):
        prediction = model(x)  # [members, n, 1] (or [n, 1] for the line)
        loss = ((prediction - y) ** 2).mean(dim=(-2, -1)).sum()  # sum of per-member MSEs
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return model


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    x, y = toy_regression(cfg.points, generator=ctx.generator())  # [n, 1] each
    x, y = x.to(ctx.device), y.to(ctx.device)
    line = train(nn.Linear(1, 1), x, y, cfg, ctx, "linear")
    nets = {
        name: train(Ensemble(cfg.members, cfg.hidden, act), x, y, cfg, ctx, name)
        for name, act in (("relu", nn.ReLU()), ("tanh", nn.Tanh()))
    }
    on_data = torch.cat([torch.linspace(-2, -0.5, 50), torch.linspace(0.5, 2, 50)])[:, None]
    off_data = torch.cat([torch.linspace(-4, -3, 50), torch.linspace(3, 4, 50)])[:, None]
    metrics: dict[str, object] = {}
    with torch.no_grad():
        metrics["mse_linear"] = float(((line(x) - y) ** 2).mean())
        for name, net in nets.items():
            metrics[f"mse_{name}"] = float(((net(x) - y) ** 2).mean())
            metrics[f"spread_on_data_{name}"] = float(net(on_data.to(ctx.device)).std(0).mean())
            metrics[f"spread_off_data_{name}"] = float(net(off_data.to(ctx.device)).std(0).mean())
    if ctx.is_main:
        fig, axes = subplots(1, 2, size=4)
        grid = torch.linspace(-4, 4, 200)[:, None]
        with torch.no_grad():
            for ax, (name, net) in zip(axes[0], nets.items(), strict=True):
                members = net(grid.to(ctx.device)).cpu()[..., 0]  # [members, 200]
                ax.plot(grid, members.T, color="tab:blue", alpha=0.3, lw=1)
                ax.plot(grid, line(grid.to(ctx.device)).cpu(), color="tab:red", label="linear")
                ax.plot(grid, true_curve(grid), "k--", lw=1, label="truth")
                ax.scatter(x.cpu(), y.cpu(), s=4, color="k")
                ax.set_ylim(-3, 6)
                ax.set_title(f"{name} ensemble")
                ax.legend(loc="upper center")
        ctx.save_figure(fig, "ensembles")
    return metrics
