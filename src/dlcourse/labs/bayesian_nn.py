"""Bayesian NN (MC dropout): predictive uncertainty from dropout left on at test time.

Dropout during training randomly silences units. Keeping it on at prediction time and averaging
many stochastic forward passes approximates a Bayesian posterior predictive (Gal & Ghahramani,
2016): the mean is the prediction, the variance is the model's uncertainty, and it grows where
there was no training data.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from dlcourse.labs.data.toy import toy_regression, true_curve
from dlcourse.labs.plot import subplots
from dlcourse.labs.run_context import RunContext


@dataclass(frozen=True)
class Config:
    points: int = 200
    hidden: int = 200
    dropout: float = 0.2
    epochs: int = 2000
    lr: float = 1e-2
    passes: int = 200  # stochastic forward passes at test time


CONFIGS = {"quick": Config(epochs=500, passes=100), "full": Config()}


def dropout_net(cfg: Config) -> nn.Module:
    return nn.Sequential(
        nn.Linear(1, cfg.hidden),
        nn.ReLU(),
        nn.Dropout(cfg.dropout),
        nn.Linear(cfg.hidden, cfg.hidden),
        nn.ReLU(),
        nn.Dropout(cfg.dropout),
        nn.Linear(cfg.hidden, 1),
    )


def train(model: nn.Module, x: torch.Tensor, y: torch.Tensor, cfg: Config, ctx: RunContext) -> None:
    """Full-batch Adam on the squared error, dropout on (as in any dropout training)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=1e-5)
    loss_fn = nn.MSELoss()
    batches = ctx.batches(x, y)  # the full batch
    model.train()
    for _epoch in ctx.track(range(cfg.epochs), "bayesian-nn"):
        for inputs, targets in batches:  # [n, 1] each
            with ctx.autocast():
                prediction = model(inputs)  # 1. forward: a random sub-network, [n, 1]
                loss = loss_fn(prediction.float(), targets)  # 2. loss
            optimizer.zero_grad(set_to_none=True)  # 3. zero the gradients
            ctx.backward(loss)  # 4. backward
            ctx.step(optimizer)  # 5. step


@torch.no_grad()
def mc_predict(model: nn.Module, x: torch.Tensor, passes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and variance over ``passes`` forward passes with dropout on: ``[n, 1]`` each."""
    model.train()  # the point: dropout stays active
    samples = torch.stack([model(x) for _ in range(passes)])  # [passes, n, 1]
    return samples.mean(0), samples.var(0)


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    x, y = toy_regression(cfg.points, generator=ctx.generator())  # [n, 1] each
    model = ctx.wrap(dropout_net(cfg))
    train(model, x, y, cfg, ctx)
    on_data = torch.cat([torch.linspace(-2, -0.5, 50), torch.linspace(0.5, 2, 50)])[:, None]
    off_data = torch.cat([torch.linspace(-4, -3, 50), torch.linspace(3, 4, 50)])[:, None]
    mean_on, var_on = mc_predict(model, on_data.to(ctx.device), cfg.passes)
    _, var_off = mc_predict(model, off_data.to(ctx.device), cfg.passes)
    metrics = {
        "mse_on_data": float(((mean_on.cpu() - true_curve(on_data)) ** 2).mean()),
        "variance_on_data": float(var_on.mean()),
        "variance_off_data": float(var_off.mean()),
    }
    if ctx.is_main:
        grid = torch.linspace(-4, 4, 300)[:, None]
        mean, var = (t.cpu()[:, 0] for t in mc_predict(model, grid.to(ctx.device), cfg.passes))
        fig, axes = subplots(1, 1, size=5)
        ax = axes[0][0]
        std = var.sqrt()
        ax.fill_between(grid[:, 0], mean - 2 * std, mean + 2 * std, alpha=0.3, label="±2 std")
        ax.plot(grid, mean, label="MC-dropout mean")
        ax.plot(grid, true_curve(grid), "k--", lw=1, label="truth")
        ax.scatter(x, y, s=4, color="k")
        ax.legend()
        ctx.save_figure(fig, "mc_dropout")
    return metrics
