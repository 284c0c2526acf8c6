"""Regularisation: keeping a big model from memorising a small training set.

A bag-of-words classifier with a wide hidden layer and few labelled documents (some mislabelled)
can fit its training set perfectly by memorising which filler words appear where — and its
validation loss then climbs. Each regulariser restrains it differently:

* L2 (weight decay) pulls all weights towards zero; L1 pushes most of them to exactly zero;
* dropout trains a random sub-network each step, so no unit can rely on a memorised co-occurrence;
* early stopping keeps the weights from the epoch with the best validation loss.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import nn

from dlcourse.labs.data.text import bag_of_words, build_vocab, load_text
from dlcourse.labs.plot import subplots
from dlcourse.labs.run_context import RunContext
from dlcourse.labs.train import accuracy, predict


@dataclass(frozen=True)
class Config:
    data: str = "generated"  # or imdb:DIR
    train_size: int = 300
    test_size: int = 1000
    fillers: int = 500
    label_noise: float = 0.2
    max_vocab: int = 5000  # bags are dense [docs, vocab]: cap the vocabulary for real corpora
    hidden: int = 256
    epochs: int = 60
    lr: float = 1e-3
    l2: float = 1e-3
    l1: float = 1e-4
    dropout: float = 0.5


CONFIGS = {"quick": Config(epochs=30), "full": Config()}
VARIANTS = ("none", "l2", "l1", "dropout", "early_stopping")


def classifier(inputs: int, cfg: Config, dropout: float) -> nn.Module:
    return nn.Sequential(
        nn.Dropout(dropout),  # dropping input words is the text analogue of dropping pixels
        nn.Linear(inputs, cfg.hidden),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(cfg.hidden, 2),
    )


def weights(model: nn.Module) -> list[torch.Tensor]:
    return [p for name, p in model.named_parameters() if name.endswith("weight")]  # not biases


def penalty(variant: str, model: nn.Module, cfg: Config) -> torch.Tensor | float:
    """λ₁ Σ|w| or λ₂ Σw², added to the loss: the regulariser is part of the objective."""
    if variant == "l1":
        return cfg.l1 * sum(w.abs().sum() for w in weights(model))
    if variant == "l2":
        return cfg.l2 * sum((w**2).sum() for w in weights(model))
    return 0.0


def train(
    variant: str, x, y, x_val, y_val, cfg: Config, ctx: RunContext
) -> tuple[nn.Module, list[float]]:
    torch.manual_seed(ctx.seed)  # every variant starts from the same weights
    model = ctx.wrap(classifier(x.shape[1], cfg, cfg.dropout if variant == "dropout" else 0.0))
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    loss_fn = nn.CrossEntropyLoss()
    batches = ctx.batches(x, y, batch_size=32)
    val_losses, best, best_state = [], float("inf"), None
    for _epoch in ctx.track(range(cfg.epochs), f"regularisation: {variant}"):
        for xb, yb in batches:
            loss = loss_fn(model(xb), yb) + penalty(variant, model, cfg)  # forward, loss
            optimizer.zero_grad(set_to_none=True)
            ctx.backward(loss)
            ctx.step(optimizer)
        val_losses.append(float(loss_fn(predict(model, x_val), y_val)))
        if variant == "early_stopping" and val_losses[-1] < best:
            best, best_state = val_losses[-1], copy.deepcopy(model.state_dict())
    if best_state is not None:
        model.load_state_dict(best_state)  # early stopping: roll back to the best epoch
    return model, val_losses


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    text = load_text(
        cfg.data,
        ctx.generator(),
        cfg.train_size,
        cfg.test_size,
        fillers=cfg.fillers,
        label_noise=cfg.label_noise,
        negation_rate=0.0,  # a bag of words cannot see negation; this lab is about over-fitting
    )
    vocab = build_vocab(text.train_tokens, max_size=cfg.max_vocab)  # training documents only
    x, y = bag_of_words(text.train_tokens, vocab).to(ctx.device), text.train_labels.to(ctx.device)
    x_val = bag_of_words(text.test_tokens, vocab).to(ctx.device)
    y_val = text.test_labels.to(ctx.device)
    metrics: dict[str, object] = {}
    curves = {}
    for variant in VARIANTS:
        model, curves[variant] = train(variant, x, y, x_val, y_val, cfg, ctx)
        metrics[f"{variant}_val_loss"] = float(
            nn.functional.cross_entropy(predict(model, x_val), y_val)
        )
        metrics[f"{variant}_val_accuracy"] = accuracy(model, x_val, y_val)
        metrics[f"{variant}_train_accuracy"] = accuracy(model, x, y)
    if ctx.is_main:
        fig, axes = subplots(1, 1, size=5)
        for variant, losses in curves.items():
            axes[0][0].plot(range(1, len(losses) + 1), losses, label=variant)
        axes[0][0].set_xlabel("epoch")
        axes[0][0].set_ylabel("validation loss")
        axes[0][0].legend()
        ctx.save_figure(fig, "validation_loss")
    return metrics
