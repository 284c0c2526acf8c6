"""Evaluation helpers the labs share: predictions in eval mode, accuracy, parameter counts.

The training loop itself is not here: every lab writes its five steps (forward, loss, zero_grad,
backward, step) out in its own module, because that loop is what the course teaches.
"""

from __future__ import annotations

import torch
from torch import nn


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 4096) -> torch.Tensor:
    """Model outputs for ``x`` in eval mode, in chunks so big test sets fit."""
    was_training = model.training
    model.eval()
    outputs = torch.cat([model(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])
    model.train(was_training)
    return outputs.float()


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of argmax predictions equal to ``y`` — always in [0, 1]."""
    x, y = x.to(next(model.parameters()).device), y.to(next(model.parameters()).device)
    return float((predict(model, x).argmax(dim=-1) == y).float().mean())


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
