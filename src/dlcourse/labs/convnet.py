"""Convolutional nets and inductive bias.

A CNN assumes that nearby pixels belong together (local kernels) and that a pattern means the same
wherever it appears (shared weights). With the same number of parameters as a fully connected (FC)
net, it classifies digits better — because the assumption is true of images.

Shuffle every image's pixels with one fixed permutation and the assumption becomes false: the CNN
loses its edge. The FC net does not care at all: it never knew which pixels were neighbours. We show
this exactly: the FC net on permuted images starts from the same weights, permuted the same way,
so it is the same function and learns the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from dlcourse.labs.data.images import ImageSet, load_images
from dlcourse.labs.plot import image_grid, subplots
from dlcourse.labs.run_context import RunContext
from dlcourse.labs.train import accuracy, count_parameters, fit


@dataclass(frozen=True)
class Config:
    data: str = "digits"  # or mnist5k, mnist-idx:DIR, fashion-mnist[:DIR]
    channels: int = 4  # ~360 parameters: small enough that the inductive bias shows
    epochs: int = 30
    batch_size: int = 64
    lr: float = 1e-2
    seeds: int = 5  # results are averaged over seeds: one test set of 360 digits is noisy


CONFIGS = {"quick": Config(epochs=12, seeds=2), "full": Config()}


class ConvNet(nn.Module):
    """conv3x3 → ReLU → pool → conv3x3 → ReLU → pool → linear."""

    def __init__(self, shape: tuple[int, int, int], classes: int, channels: int) -> None:
        super().__init__()
        c, h, w = shape
        self.features = nn.Sequential(
            nn.Conv2d(c, channels, 3, padding=1),  # [b, ch, h, w]
            nn.ReLU(),
            nn.MaxPool2d(2),  # [b, ch, h/2, w/2]
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # [b, ch, h/4, w/4]
        )
        self.classifier = nn.Linear(channels * (h // 4) * (w // 4), classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))  # [b, classes]


class FullyConnected(nn.Module):
    """One hidden layer, as wide as the parameter budget allows."""

    def __init__(self, shape: tuple[int, int, int], classes: int, hidden: int) -> None:
        super().__init__()
        inputs = shape[0] * shape[1] * shape[2]
        self.net = nn.Sequential(
            nn.Flatten(), nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, classes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def matched_hidden(shape: tuple[int, int, int], classes: int, budget: int) -> int:
    """Hidden width so the FC net has about ``budget`` parameters: (d + 1) h + (h + 1) k."""
    inputs = shape[0] * shape[1] * shape[2]
    return max(1, round((budget - classes) / (inputs + 1 + classes)))


def permute_pixels(x: torch.Tensor, perm: torch.Tensor) -> torch.Tensor:
    """The same shuffle of pixel positions for every image: ``[b, c, h, w]`` → same shape."""
    return x.flatten(1)[:, perm].reshape(x.shape)


def train_and_score(
    model: nn.Module, data: ImageSet, cfg: Config, ctx: RunContext, name: str
) -> float:
    model = ctx.wrap(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    batches = ctx.batches(data.x_train, data.y_train, batch_size=cfg.batch_size)
    fit(model, nn.CrossEntropyLoss(), optimizer, batches, cfg.epochs, ctx, f"convnet: {name}")
    return accuracy(model, data.x_test, data.y_test)


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    data = load_images(cfg.data, seed=ctx.seed)
    pixels = data.x_train[0].numel()
    perm = torch.randperm(pixels, generator=ctx.generator(1))
    permuted = ImageSet(
        permute_pixels(data.x_train, perm),
        data.y_train,
        permute_pixels(data.x_test, perm),
        data.y_test,
        data.name + "-permuted",
    )
    scores: dict[str, list[float]] = {"fc": [], "cnn": [], "fc_permuted": [], "cnn_permuted": []}
    params = {}
    for k in range(cfg.seeds):
        seed = ctx.seed * 1000 + k
        torch.manual_seed(seed)
        cnn = ConvNet(data.shape, data.classes, cfg.channels)
        hidden = matched_hidden(data.shape, data.classes, count_parameters(cnn))
        torch.manual_seed(seed)
        fc = FullyConnected(data.shape, data.classes, hidden)
        fc_permuted = FullyConnected(data.shape, data.classes, hidden)
        with torch.no_grad():  # the same first layer, its input columns permuted like the pixels
            fc_permuted.net[1].weight.copy_(fc.net[1].weight[:, perm])
            fc_permuted.net[1].bias.copy_(fc.net[1].bias)
            fc_permuted.net[3].load_state_dict(fc.net[3].state_dict())
        torch.manual_seed(seed)
        cnn_permuted = ConvNet(data.shape, data.classes, cfg.channels)  # same init as cnn
        params = {"cnn_parameters": count_parameters(cnn), "fc_parameters": count_parameters(fc)}
        scores["fc"].append(train_and_score(fc, data, cfg, ctx, "FC"))
        scores["cnn"].append(train_and_score(cnn, data, cfg, ctx, "CNN"))
        scores["fc_permuted"].append(
            train_and_score(fc_permuted, permuted, cfg, ctx, "FC, permuted")
        )
        scores["cnn_permuted"].append(
            train_and_score(cnn_permuted, permuted, cfg, ctx, "CNN, permuted")
        )
    metrics: dict[str, object] = {f"{k}_accuracy": sum(v) / len(v) for k, v in scores.items()}
    metrics.update(params)
    metrics["per_seed"] = scores
    if ctx.is_main:
        fig, axes = subplots(1, 2, size=3)
        image_grid(axes[0][0], data.x_test[:16], 4, 4)
        axes[0][0].set_title("digits")
        image_grid(axes[0][1], permuted.x_test[:16], 4, 4)
        axes[0][1].set_title("same digits, pixels permuted")
        ctx.save_figure(fig, "permutation")
    return metrics
