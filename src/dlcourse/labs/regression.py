"""Regression: linear vs non-linear fits, and an ensemble's spread as uncertainty.

A straight line cannot follow a curve, so its error stays high; a small ReLU or tanh net can.
Train several nets from different random starts and they agree where there is data but disagree
away from it — the spread of an ensemble is a cheap "I don't know".

But it is a modest one. Off the data (|x| in 3..4) the spread grows 20–40 times, yet it stays
about ten times smaller than the ensemble's actual error there: members that share an architecture
and a training set extrapolate alike — ReLU nets continue their last linear piece, tanh nets
saturate — while the true curve bends away. The metrics report both (``spread_off_data_*`` and
``error_off_data_*``) and the figure prints them: a spread is a warning that the model is guessing,
not an error bar to trust.
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


def prediction(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``[n, 1]``: the line's output, or an ensemble's mean over its members."""
    out = model(x)
    return out.mean(0) if out.dim() == 3 else out  # [members, n, 1] → [n, 1]


def train(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, cfg: Config, ctx: RunContext, name: str
) -> nn.Module:
    model = ctx.wrap(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    for _step in ctx.track(range(cfg.steps), f"regression: {name}"):
        with ctx.autocast():
            prediction = model(x)  # 1. forward: [members, n, 1] (or [n, 1] for the line)
        loss = ((prediction.float() - y) ** 2).mean(dim=(-2, -1)).sum()  # 2. Σ member MSEs
        optimizer.zero_grad(set_to_none=True)  # 3. zero the gradients
        ctx.backward(loss)  # 4. backward
        ctx.step(optimizer)  # 5. step
    return model


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    x, y = toy_regression(cfg.points, generator=ctx.generator())  # [n, 1] each
    x_test, y_test = toy_regression(1000, generator=ctx.generator(1))  # held out, same patches
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
        for name, model in (("linear", line), *nets.items()):
            for split, inputs, targets in (("train", x, y), ("test", x_test, y_test)):
                error = prediction(model, inputs.to(ctx.device)).cpu() - targets.cpu()
                metrics[f"{split}_mse_{name}"] = float((error**2).mean())
        for name, net in nets.items():
            for where, points in (("on_data", on_data), ("off_data", off_data)):
                members = net(points.to(ctx.device)).cpu()  # [members, 100, 1]
                metrics[f"spread_{where}_{name}"] = float(members.std(0).mean())
                # how wrong the ensemble's mean is there: does the spread warn of it?
                metrics[f"error_{where}_{name}"] = float(
                    (members.mean(0) - true_curve(points)).abs().mean()
                )
    if ctx.is_main:
        plot_ensembles(nets, line, x.cpu(), y.cpu(), metrics, ctx)
    return metrics


def plot_ensembles(
    nets: dict[str, nn.Module], line: nn.Module, x, y, metrics: dict, ctx: RunContext
) -> None:
    """Each member's curve, the ±2 std band of the ensemble, the truth and the data."""
    fig, axes = subplots(1, len(nets), size=4)
    grid = torch.linspace(-4, 4, 200)[:, None]
    with torch.no_grad():
        for ax, (name, net) in zip(axes[0], nets.items(), strict=True):
            members = net(grid.to(ctx.device)).cpu()[..., 0]  # [members, 200]
            mean, std = members.mean(0), members.std(0)
            ax.fill_between(grid[:, 0], mean - 2 * std, mean + 2 * std, color="tab:blue",
                            alpha=0.15, label="ensemble ±2 std")  # fmt: skip
            ax.plot(grid, members.T, color="tab:blue", alpha=0.3, lw=1)
            ax.plot(grid, line(grid.to(ctx.device)).cpu(), color="tab:red", label="linear")
            ax.plot(grid, true_curve(grid), "k--", lw=1, label="truth")
            ax.scatter(x, y, s=4, color="k")
            for edge in (-2, 2):
                ax.axvline(edge, color="grey", lw=0.5, ls=":")  # the data ends here
            ax.set_ylim(-3, 6)
            spread, error = (metrics[f"{k}_off_data_{name}"] for k in ("spread", "error"))
            note = f"off the data (|x| ≥ 3): spread {spread:.2f}, error {error:.2f}"
            ax.text(0, -2.9, note, ha="center", va="bottom", fontsize=8)
            ax.set_title(f"{name} ensemble (data only in |x| ≤ 2)")
            ax.legend(loc="upper center", fontsize=7)
    ctx.save_figure(fig, "ensembles")
