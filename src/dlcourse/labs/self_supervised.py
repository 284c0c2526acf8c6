"""Self-supervised learning: SimCLR pre-training on unlabelled digits, judged by a linear probe.

Labels are expensive; images are not. SimCLR (Chen et al., 2020) learns a representation from
images alone: show the encoder two random distortions of the same image, and train it so that the
two are each other's nearest neighbour among everything else in the batch. What survives every
distortion — the digit's shape, not its exact position, slant or noise — is what the
representation keeps.

1. **Data.** The 8×8 digits; pre-training sees the training images without their labels.
2. **Views.** Two random *augmentations* of each image: a small rotation, scaling and shift (one
   ``affine_grid``), noise and an erased patch.
3. **Model.** A CNN encoder ``f`` gives the representation ``h`` we keep; a small projection head
   ``g`` maps it to ``z`` where the loss is computed (SimCLR found the loss is better *not*
   applied to ``h`` directly).
4. **Loss.** NT-Xent: for ``2b`` views, each view's partner must win a softmax over the other
   ``2b − 1`` views by cosine similarity divided by a temperature.
5. **Linear probe.** Freeze the encoder; train only a linear classifier on ``h`` with a few labels
   per class. Compare with a *random* encoder (the same network, untrained) and with *supervised*
   training of the whole network on the same few labels. A good representation makes the few
   labels go far.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from dlcourse.labs.data.images import load_images
from dlcourse.labs.plot import image_grid, subplots
from dlcourse.labs.run_context import RunContext


@dataclass(frozen=True)
class Config:
    data: str = "digits"  # or mnist5k, mnist-idx:DIR, fashion-mnist[:DIR]
    channels: int = 32
    representation: int = 64  # h
    projection: int = 32  # z
    temperature: float = 0.2
    epochs: int = 100  # pre-training
    batch_size: int = 256
    lr: float = 3e-3
    labels_per_class: int = 10  # what the probe and the supervised baseline may use
    probe_steps: int = 300
    supervised_epochs: int = 100
    rotation_deg: float = 15.0
    shift: float = 0.15  # of the image width
    noise: float = 0.1
    erase: int = 3  # side of the erased square, pixels (0: none)


CONFIGS = {
    "quick": Config(channels=16, epochs=20, probe_steps=200, supervised_epochs=60),
    "full": Config(),
}


# -- augmentations --------------------------------------------------------------------------------


def augment(x: torch.Tensor, cfg: Config, generator: torch.Generator) -> torch.Tensor:
    """A random distortion of each image ``[b, 1, h, w]``: rotate, scale, shift, noise, erase."""
    b, _, h, w = x.shape
    rand = lambda *shape: torch.rand(*shape, generator=generator)  # noqa: E731
    angle = (2 * rand(b) - 1) * math.radians(cfg.rotation_deg)
    scale = 0.9 + 0.2 * rand(b)
    shift = (2 * rand(b, 2) - 1) * 2 * cfg.shift  # affine_grid's coordinates span [-1, 1]
    cos, sin = angle.cos() / scale, angle.sin() / scale
    theta = torch.stack(
        [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1
    )  # [b, 2, 3]: where each output pixel reads from
    grid = F.affine_grid(theta.to(x.device), list(x.shape), align_corners=False)
    out = F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")
    out = out + cfg.noise * torch.randn(out.shape, generator=generator).to(x.device)
    if cfg.erase:
        top = (rand(b) * (h - cfg.erase + 1)).long()
        left = (rand(b) * (w - cfg.erase + 1)).long()
        rows = torch.arange(h)[None, :, None]
        cols = torch.arange(w)[None, None, :]
        square = (
            (rows >= top[:, None, None]) & (rows < (top + cfg.erase)[:, None, None])
            & (cols >= left[:, None, None]) & (cols < (left + cfg.erase)[:, None, None])
        )  # fmt: skip
        out = out.masked_fill(square[:, None].to(x.device), 0.0)
    return out.clamp(0, 1)


# -- model ----------------------------------------------------------------------------------------


class Encoder(nn.Module):
    """Image ``[b, 1, h, w]`` → representation ``h`` ``[b, representation]``."""

    def __init__(self, shape: tuple[int, int, int], cfg: Config) -> None:
        super().__init__()
        c, ch = shape[0], cfg.channels
        self.net = nn.Sequential(
            nn.Conv2d(c, ch, 3, padding=1), nn.BatchNorm2d(ch), nn.ReLU(),
            nn.Conv2d(ch, ch, 3, padding=1), nn.BatchNorm2d(ch), nn.ReLU(),
            nn.MaxPool2d(2),  # [b, ch, h/2, w/2]
            nn.Conv2d(ch, 2 * ch, 3, padding=1), nn.BatchNorm2d(2 * ch), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),  # [b, 2ch]: where a stroke is stops mattering
            nn.Linear(2 * ch, cfg.representation),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class SimCLR(nn.Module):
    """Encoder ``f`` and projection head ``g``: ``z = g(f(x))``, the loss's space."""

    def __init__(self, shape: tuple[int, int, int], cfg: Config) -> None:
        super().__init__()
        self.encoder = Encoder(shape, cfg)
        self.head = nn.Sequential(
            nn.ReLU(), nn.Linear(cfg.representation, cfg.representation), nn.ReLU(),
            nn.Linear(cfg.representation, cfg.projection),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(x))


def nt_xent(z: torch.Tensor, temperature: float) -> torch.Tensor:
    """SimCLR's loss for ``z [2b, d]``, where rows ``i`` and ``i + b`` are views of one image."""
    z = F.normalize(z.float(), dim=1)
    n = len(z) // 2
    similarity = z @ z.T / temperature  # [2b, 2b]: cosine similarities, sharpened
    similarity.fill_diagonal_(-math.inf)  # a view is not its own partner
    partner = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(z.device)  # [2b]
    return F.cross_entropy(similarity, partner)  # the partner must win over 2b − 2 others


# -- training -------------------------------------------------------------------------------------


def pretrain(x: torch.Tensor, cfg: Config, ctx: RunContext) -> tuple[Encoder, list[float]]:
    """SimCLR on the images alone; the mean loss of every epoch."""
    torch.manual_seed(ctx.seed)
    model = ctx.wrap(SimCLR(tuple(x.shape[1:]), cfg))
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    views = ctx.generator(1000 + ctx.dist.rank)
    batches = ctx.batches(x, batch_size=cfg.batch_size)
    losses = torch.empty(cfg.epochs, len(batches), device=ctx.device)  # [epochs, steps]
    model.train()
    for epoch in ctx.track(range(cfg.epochs), "SimCLR pre-training"):
        for step, (images,) in enumerate(batches):  # [b, 1, h, w], no labels
            pair = torch.cat([augment(images, cfg, views), augment(images, cfg, views)])  # [2b]
            with ctx.autocast():
                z = model(pair)  # 1. forward: [2b, projection]
                loss = nt_xent(z, cfg.temperature)  # 2. loss
            optimizer.zero_grad(set_to_none=True)  # 3. zero the gradients
            ctx.backward(loss)  # 4. backward
            ctx.step(optimizer)  # 5. step
            losses[epoch, step] = loss.detach()
    plain = model.module if hasattr(model, "module") else model
    return plain.encoder, ctx.mean_across_ranks(losses.mean(1).tolist())


def few_labels(y: torch.Tensor, per_class: int, generator: torch.Generator) -> torch.Tensor:
    """Indices of ``per_class`` random training examples of every class."""
    order = torch.randperm(len(y), generator=generator)
    return torch.cat([order[y[order] == c][:per_class] for c in y.unique()])


@torch.no_grad()
def represent(encoder: nn.Module, x: torch.Tensor, device: torch.device) -> torch.Tensor:
    encoder.eval()
    return encoder(x.to(device)).float().cpu()  # [n, representation]


def linear_probe(
    h_train: torch.Tensor, y_train: torch.Tensor, h_test: torch.Tensor, y_test: torch.Tensor,
    cfg: Config, ctx: RunContext,
) -> float:  # fmt: skip
    """Logistic regression on frozen, standardised features; test accuracy."""
    mean, std = h_train.mean(0), h_train.std(0) + 1e-6
    h_train, h_test = (h_train - mean) / std, (h_test - mean) / std
    torch.manual_seed(ctx.seed)
    probe = nn.Linear(h_train.shape[1], int(y_train.max()) + 1)
    optimizer = torch.optim.Adam(probe.parameters(), lr=1e-2, weight_decay=1e-3)
    for _ in range(cfg.probe_steps):  # full batch: the features are few and fixed
        logits = probe(h_train)  # 1. forward
        loss = F.cross_entropy(logits, y_train)  # 2. loss
        optimizer.zero_grad(set_to_none=True)  # 3. zero
        loss.backward()  # 4. backward (a CPU-sized problem: no device, no AMP)
        optimizer.step()  # 5. step
    with torch.no_grad():
        return float((probe(h_test).argmax(1) == y_test).float().mean())


def supervised(
    x: torch.Tensor, y: torch.Tensor, x_test: torch.Tensor, y_test: torch.Tensor,
    cfg: Config, ctx: RunContext,
) -> float:  # fmt: skip
    """The same encoder plus a linear layer, trained end to end on the labelled examples only."""
    torch.manual_seed(ctx.seed)
    model = ctx.wrap(
        nn.Sequential(Encoder(tuple(x.shape[1:]), cfg), nn.Linear(cfg.representation, 10))
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    views = ctx.generator(3000 + ctx.dist.rank)
    batches = ctx.batches(x, y, batch_size=cfg.batch_size)
    model.train()
    for _epoch in ctx.track(range(cfg.supervised_epochs), "supervised baseline"):
        for images, labels in batches:
            # the same augmentations as SimCLR: a fair fight for so few labels
            with ctx.autocast():
                logits = model(augment(images, cfg, views))  # 1. forward
                loss = F.cross_entropy(logits.float(), labels)  # 2. loss
            optimizer.zero_grad(set_to_none=True)  # 3. zero
            ctx.backward(loss)  # 4. backward
            ctx.step(optimizer)  # 5. step
    model.eval()
    with torch.no_grad():
        predicted = model(x_test.to(ctx.device)).argmax(1).cpu()
    return float((predicted == y_test).float().mean())


def plot_results(
    x: torch.Tensor, accuracies: dict[str, float], losses: list[float], cfg: Config, ctx: RunContext
) -> None:
    fig, axes = subplots(1, 3, size=3.5)
    views = augment(x[:8].repeat(4, 1, 1, 1), cfg, torch.Generator().manual_seed(0))
    image_grid(axes[0][0], torch.cat([x[:8], views]), 5, 8)
    axes[0][0].set_title("digits (top) and random views", fontsize=9)
    axes[0][1].plot(losses)
    axes[0][1].set_xlabel("epoch")
    axes[0][1].set_title("NT-Xent loss", fontsize=9)
    ax = axes[0][2]
    names = list(accuracies)
    ax.bar(range(len(names)), [100 * accuracies[n] for n in names], color="tab:blue")
    for k, name in enumerate(names):
        ax.text(k, 100 * accuracies[name] + 1, f"{100 * accuracies[name]:.0f}%", ha="center")
    ax.set_xticks(range(len(names)), [n.replace(" ", "\n", 1) for n in names], fontsize=7)
    ax.set_ylim(0, 105)
    ax.set_title(f"test accuracy, {cfg.labels_per_class} labels per class", fontsize=9)
    fig.tight_layout()
    ctx.save_figure(fig, "self_supervised")


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    data = load_images(cfg.data, seed=ctx.seed)
    encoder, losses = pretrain(data.x_train, cfg, ctx)
    torch.manual_seed(ctx.seed)
    random_encoder = Encoder(data.shape, cfg).to(ctx.device)
    labelled = few_labels(data.y_train, cfg.labels_per_class, ctx.generator(2))
    x_few, y_few = data.x_train[labelled], data.y_train[labelled]
    accuracies = {}
    for name, net in (("random encoder + probe", random_encoder), ("SimCLR + probe", encoder)):
        h_few = represent(net, x_few, ctx.device)
        h_test = represent(net, data.x_test, ctx.device)
        accuracies[name] = linear_probe(h_few, y_few, h_test, data.y_test, cfg, ctx)
    accuracies["supervised, same labels"] = supervised(
        x_few, y_few, data.x_test, data.y_test, cfg, ctx
    )
    if ctx.is_main:
        plot_results(data.x_train, accuracies, losses, cfg, ctx)
    return {
        "labelled_examples": len(labelled),
        "unlabelled_examples": len(data.x_train),
        "probe_accuracy_random_encoder": accuracies["random encoder + probe"],
        "probe_accuracy_simclr": accuracies["SimCLR + probe"],
        "supervised_accuracy": accuracies["supervised, same labels"],
        "loss_curve": losses,
    }
