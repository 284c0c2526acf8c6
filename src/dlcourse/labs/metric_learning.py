"""Metric learning: Siamese nets with a contrastive loss, and the triplet loss.

A classifier learns a fixed set of labels. Metric learning learns a *distance* instead: an encoder
maps each input to a point, and the training asks that two inputs of the same kind land close
together and two of different kinds far apart. Two copies of one encoder, sharing their weights,
look at the two inputs — a *Siamese* net (Bromley, LeCun et al., 1993, for signatures).

1. **Data.** The 8×8 digits (or MNIST); the label only says which pairs are alike.
2. **Model.** A small CNN that maps a digit to a point in the plane (``dim = 2``, so we can look).
3. **Losses.** *Contrastive* (Hadsell, Chopra and LeCun, 2006): for a pair at distance ``d``,
   ``d²/2`` if alike, ``max(0, m − d)²/2`` if not — pull alike pairs together, push unlike pairs
   until they are ``m`` apart, and no further. *Triplet* (Schroff et al., 2015, FaceNet): an anchor,
   a positive like it and a negative unlike it; ``max(0, d(a, p) − d(a, n) + m)`` asks the
   positive to be nearer than the negative by a margin.
4. **Training.** The same encoder, initialised alike, once with each loss.
5. **Evaluation.** *Recall@k* on held-out digits: for each test digit, is one of its ``k`` nearest
   test digits (by the learned distance) of the same class? A random encoder — the same network,
   untrained — is the baseline: its plane is a muddle.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from dlcourse.labs.data.images import load_images
from dlcourse.labs.plot import subplots
from dlcourse.labs.run_context import RunContext


@dataclass(frozen=True)
class Config:
    data: str = "digits"  # or mnist5k, mnist-idx:DIR, fashion-mnist[:DIR]
    dim: int = 2  # the embedding: a plane, so the figure shows the space itself
    channels: int = 16
    margin: float = 1.0
    epochs: int = 100  # passes over the training digits as anchors
    batch_size: int = 128  # anchors per step
    lr: float = 1e-3
    ks: tuple[int, ...] = (1, 5)  # recall@k


CONFIGS = {"quick": Config(epochs=15, channels=8), "full": Config()}


class Encoder(nn.Module):
    """conv → pool → conv → pool → MLP: an image ``[b, 1, h, w]`` to a point ``[b, dim]``."""

    def __init__(self, shape: tuple[int, int, int], dim: int, channels: int) -> None:
        super().__init__()
        c, h, w = shape
        self.net = nn.Sequential(
            nn.Conv2d(c, channels, 3, padding=1),  # [b, ch, h, w]
            nn.ReLU(),
            nn.MaxPool2d(2),  # [b, ch, h/2, w/2]
            nn.Conv2d(channels, 2 * channels, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # [b, 2ch, h/4, w/4]
            nn.Flatten(),
            nn.Linear(2 * channels * (h // 4) * (w // 4), 64),
            nn.ReLU(),
            nn.Linear(64, dim),  # [b, dim]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def contrastive_loss(
    z1: torch.Tensor, z2: torch.Tensor, alike: torch.Tensor, margin: float
) -> torch.Tensor:
    """Hadsell et al.: ``alike · d²/2 + (1 − alike) · max(0, m − d)²/2``, batch mean."""
    d = (z1 - z2).float().norm(dim=1)  # [b]
    return (alike * d.pow(2) + (1 - alike) * F.relu(margin - d).pow(2)).mean() / 2


def triplet_loss(
    anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor, margin: float
) -> torch.Tensor:
    """FaceNet's hinge: ``max(0, d(a, p) − d(a, n) + m)``, batch mean."""
    d_pos = (anchor - positive).float().norm(dim=1)  # [b]
    d_neg = (anchor - negative).float().norm(dim=1)
    return F.relu(d_pos - d_neg + margin).mean()


class PairSampler:
    """For a batch of labels, random examples of the same class and of another class.

    The training set is indexed by class once; a draw is then arithmetic, with no Python loop.
    """

    def __init__(self, labels: torch.Tensor, generator: torch.Generator) -> None:
        self.order = labels.argsort()  # example ids grouped by class
        classes, self.counts = labels.unique(return_counts=True)
        self.starts = torch.cumsum(self.counts, 0) - self.counts  # first position of each class
        self.classes = len(classes)
        self.generator = generator

    def _draw(self, classes: torch.Tensor) -> torch.Tensor:
        u = torch.rand(len(classes), generator=self.generator)
        offset = (u * self.counts[classes]).long()  # uniform within the class
        return self.order[self.starts[classes] + offset]

    def same(self, labels: torch.Tensor) -> torch.Tensor:
        return self._draw(labels.cpu())

    def other(self, labels: torch.Tensor) -> torch.Tensor:
        # a class drawn uniformly among the others: shift by 1 … classes − 1, modulo
        shift = torch.randint(1, self.classes, (len(labels),), generator=self.generator)
        return self._draw((labels.cpu() + shift) % self.classes)


def train(
    loss_name: str, x: torch.Tensor, y: torch.Tensor, cfg: Config, ctx: RunContext
) -> tuple[nn.Module, list[float]]:
    """Adam on the contrastive or the triplet loss; the mean loss of every epoch."""
    torch.manual_seed(ctx.seed)  # both losses start from the same encoder
    model = ctx.wrap(Encoder(tuple(x.shape[1:]), cfg.dim, cfg.channels))
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    sampler = PairSampler(y, ctx.generator(1000 + ctx.dist.rank))
    x = x.to(ctx.device)
    anchors = ctx.batches(torch.arange(len(y)), batch_size=cfg.batch_size)
    losses = torch.empty(cfg.epochs, len(anchors), device=ctx.device)  # [epochs, steps]
    for epoch in ctx.track(range(cfg.epochs), f"metric learning: {loss_name}"):
        for step, (anchor,) in enumerate(anchors):  # anchor ids [b]
            positive = sampler.same(y[anchor.cpu()]).to(ctx.device)  # [b] ids, same class
            negative = sampler.other(y[anchor.cpu()]).to(ctx.device)  # [b] ids, another class
            with ctx.autocast():
                if loss_name == "contrastive":
                    # half the pairs alike, half unlike
                    alike = (torch.arange(len(anchor), device=ctx.device) % 2).float()  # [b]
                    partner = torch.where(alike.bool(), positive, negative)
                    # one encoder, both inputs: a Siamese pair is one batch of 2b images
                    z1, z2 = model(x[torch.cat([anchor, partner])]).chunk(2)  # 1. forward
                    loss = contrastive_loss(z1, z2, alike, cfg.margin)  # 2. loss: [b, dim] ×2
                else:
                    triplets = torch.cat([anchor, positive, negative])  # [3b]
                    za, zp, zn = model(x[triplets]).chunk(3)  # 1. forward: [b, dim] ×3
                    loss = triplet_loss(za, zp, zn, cfg.margin)  # 2. loss
            optimizer.zero_grad(set_to_none=True)  # 3. zero the gradients
            ctx.backward(loss)  # 4. backward
            ctx.step(optimizer)  # 5. step
            losses[epoch, step] = loss.detach()
    return model, ctx.mean_across_ranks(losses.mean(1).tolist())


@torch.no_grad()
def embed(model: nn.Module, x: torch.Tensor, device: torch.device) -> torch.Tensor:
    model.eval()
    return model(x.to(device)).float().cpu()  # [n, dim]


def recall_at_k(z: torch.Tensor, y: torch.Tensor, ks: tuple[int, ...]) -> dict[int, float]:
    """Fraction of points with a same-class point among their ``k`` nearest others."""
    distance = torch.cdist(z, z)  # [n, n]
    distance.fill_diagonal_(float("inf"))  # a point is not its own neighbour
    neighbours = distance.topk(max(ks), largest=False).indices  # [n, max k]
    hit = y[neighbours] == y[:, None]  # [n, max k]
    return {k: float(hit[:, :k].any(1).float().mean()) for k in ks}


def plot_embeddings(
    embeddings: dict[str, torch.Tensor],
    y: torch.Tensor,
    recalls: dict[str, dict[int, float]],
    losses: dict[str, list[float]],
    ctx: RunContext,
) -> None:
    """The test digits in each learned plane, coloured by class; and the training losses."""
    fig, axes = subplots(1, len(embeddings) + 1, size=3.5)
    for ax, (name, z) in zip(axes[0], embeddings.items(), strict=False):
        scatter = ax.scatter(z[:, 0], z[:, 1], c=y, cmap="tab10", s=5, vmin=-0.5, vmax=9.5)
        ax.set_title(f"{name}: recall@1 {100 * recalls[name][1]:.0f}%", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(scatter, ax=axes[0][len(embeddings) - 1], ticks=range(10), fraction=0.05)
    ax = axes[0][-1]
    for name, curve in losses.items():
        ax.plot(curve, label=name, alpha=0.8)
    ax.set_xlabel("epoch")
    ax.set_title("training loss", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    ctx.save_figure(fig, "embeddings")


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    data = load_images(cfg.data, seed=ctx.seed)
    torch.manual_seed(ctx.seed)
    models = {"random encoder": Encoder(data.shape, cfg.dim, cfg.channels).to(ctx.device)}
    losses = {}
    for loss_name in ("contrastive", "triplet"):
        models[loss_name], losses[loss_name] = train(
            loss_name, data.x_train, data.y_train, cfg, ctx
        )
    embeddings = {name: embed(m, data.x_test, ctx.device) for name, m in models.items()}
    recalls = {name: recall_at_k(z, data.y_test, cfg.ks) for name, z in embeddings.items()}
    pixels = recall_at_k(data.x_test.flatten(1), data.y_test, cfg.ks)
    if ctx.is_main:
        plot_embeddings(embeddings, data.y_test, recalls, losses, ctx)
    metrics: dict[str, object] = {"embedding_dim": cfg.dim, "test_images": len(data.y_test)}
    for name, recall in {**recalls, "pixels": pixels}.items():
        for k, value in recall.items():
            metrics[f"{name.replace(' ', '_')}_recall_at_{k}"] = value
    for name, curve in losses.items():
        metrics[f"{name}_loss_curve"] = curve
    return metrics
