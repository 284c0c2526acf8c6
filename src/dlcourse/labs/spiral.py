"""Spiral classification: why we need non-linearities.

Three interleaved spiral arms in the plane, one class each. A linear classifier can only cut the
plane with straight lines, so it gets about half the points right (the course's 50%). Add one hidden
layer of ReLUs and the net bends its decision boundaries around the arms (95% and above).

The training loop is the course's five steps: forward, loss, zero_grad, backward, step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from dlcourse.labs.plot import subplots
from dlcourse.labs.run_context import RunContext
from dlcourse.labs.train import accuracy


@dataclass(frozen=True)
class Config:
    points_per_class: int = 1000
    classes: int = 3
    hidden: int = 100
    epochs: int = 1000
    lr: float = 1e-3
    weight_decay: float = 1e-5


CONFIGS = {
    "quick": Config(points_per_class=300, epochs=300, lr=1e-2),
    "full": Config(),
}


def make_spiral(
    points_per_class: int, classes: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Points ``[classes * n, 2]`` on ``classes`` arms, and their labels ``[classes * n]``."""
    n = points_per_class
    xs, ys = [], []
    for c in range(classes):
        radius = torch.linspace(0, 1, n)  # [n]
        angle = torch.linspace(2 * math.pi * c / classes, 2 * math.pi * (2 + c) / classes, n)
        angle = angle + 0.2 * torch.randn(n, generator=generator)  # blur the arms
        xs.append(radius[:, None] * torch.stack([angle.sin(), angle.cos()], dim=1))  # [n, 2]
        ys.append(torch.full((n,), c, dtype=torch.long))
    return torch.cat(xs), torch.cat(ys)


def linear_model(cfg: Config) -> nn.Module:
    """One linear layer: a score per class, ``W x + b``. Where two scores tie is a straight line,
    so whatever it learns, the plane is cut into convex wedges — the arms wind through them."""
    return nn.Linear(2, cfg.classes)  # logits = W x + b: straight decision boundaries


def two_layer_net(cfg: Config) -> nn.Module:
    """A hidden layer of ReLUs before the same linear read-out: each unit folds the plane along a
    line, and a hundred folds are enough to bend the boundaries around the arms."""
    return nn.Sequential(nn.Linear(2, cfg.hidden), nn.ReLU(), nn.Linear(cfg.hidden, cfg.classes))


def train(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, cfg: Config, ctx: RunContext, name: str
) -> tuple[nn.Module, list[float]]:
    """Full-batch Adam on cross-entropy; returns the model and its loss after every epoch.

    This is the loop the whole course repeats: forward, loss, zero the gradients, backward, step.
    """
    model = ctx.wrap(model)  # onto the device (and into DDP when torchrun started several)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    loss_fn = nn.CrossEntropyLoss()  # softmax + negative log-likelihood, from logits
    batches = ctx.batches(x, y)  # full batch, as in the course
    losses = torch.empty(cfg.epochs, len(batches), device=ctx.device)  # [epochs, steps]
    for epoch in ctx.track(range(cfg.epochs), f"spiral: {name}"):
        for step, (points, labels) in enumerate(batches):  # points [n, 2], labels [n]
            with ctx.autocast():
                logits = model(points)  # 1. forward: [n, classes]
                loss = loss_fn(logits, labels)  # 2. loss
            optimizer.zero_grad(set_to_none=True)  # 3. forget the previous step's gradients
            ctx.backward(loss)  # 4. backward: loss.backward() (scaled under fp16)
            ctx.step(optimizer)  # 5. step: optimizer.step()
            losses[epoch, step] = loss.detach()  # stays on the device: no sync per step
    return model, ctx.mean_across_ranks(losses.mean(1).tolist())


def plot_boundaries(
    models: dict[str, nn.Module], x: torch.Tensor, y: torch.Tensor, ctx: RunContext
) -> None:
    """Colour a grid of points by the class each model predicts, with the data on top."""
    fig, axes = subplots(1, len(models))
    grid = torch.linspace(-1.1, 1.1, 200)
    gx, gy = torch.meshgrid(grid, grid, indexing="xy")
    points = torch.stack([gx.flatten(), gy.flatten()], dim=1)  # [200*200, 2]
    for ax, (name, model) in zip(axes[0], models.items(), strict=True):
        with torch.no_grad():
            regions = model(points.to(ctx.device)).argmax(dim=1).cpu().reshape(200, 200)
        ax.contourf(gx, gy, regions, alpha=0.3, cmap="brg")
        ax.scatter(x[:, 0], x[:, 1], c=y, s=4, cmap="brg")
        ax.set_title(name)
        ax.set_aspect("equal")
    ctx.save_figure(fig, "decision_boundaries")


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    """Make the spiral, train both models from the same seed, measure and draw them."""
    x, y = make_spiral(cfg.points_per_class, cfg.classes, ctx.generator())  # [n, 2], [n]
    torch.manual_seed(ctx.seed)
    linear, linear_losses = train(linear_model(cfg), x, y, cfg, ctx, "linear")
    torch.manual_seed(ctx.seed)
    net, net_losses = train(two_layer_net(cfg), x, y, cfg, ctx, "2-layer net")
    # The course reports training accuracy: the question is capacity, not generalisation.
    metrics = {
        "linear_accuracy": accuracy(linear, x, y),
        "net_accuracy": accuracy(net, x, y),
        "linear_loss_curve": linear_losses,
        "net_loss_curve": net_losses,
    }
    if ctx.is_main:
        plot_boundaries({"linear": linear, "2-layer ReLU net": net}, x, y, ctx)
    return metrics
