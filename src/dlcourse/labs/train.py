"""The course's training loop, written once for the labs whose loop is the textbook one.

It is the five steps — forward, loss, zero_grad, backward, step — with the device-dependent parts
(AMP scaling, DDP) delegated to the run context. Labs with an unusual loop (truncated BPTT, VAE,
controller through an emulator) write theirs out in full.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from dlcourse.labs.data.batches import TensorBatches
from dlcourse.labs.run_context import RunContext

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def fit(
    model: nn.Module,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    batches: TensorBatches,
    epochs: int,
    ctx: RunContext,
    description: str = "train",
) -> list[float]:
    """Train for ``epochs``; returns the mean training loss of each epoch (this rank's shard)."""
    # Each step's loss is copied into one buffer made up front. Keeping the step's own loss
    # tensors in a list instead kept one small allocation per step alive between the step's big
    # ones; the heap then could not reuse its freed space and touched fresh pages every step
    # (68 page faults per step on the spiral, +10 % time).
    losses = torch.empty(epochs * len(batches), device=ctx.device)  # (steps,)
    step = 0
    model.train()
    for _epoch in ctx.track(range(epochs), description):
        for x, y in batches:
            with ctx.autocast():
                output = model(x)  # 1. forward
                loss = loss_fn(output, y)  # 2. loss
            optimizer.zero_grad(set_to_none=True)  # 3. zero the gradients
            ctx.backward(loss)  # 4. backward (scaled under AMP; all-reduced under DDP)
            ctx.step(optimizer)  # 5. step
            losses[step] = loss.detach()  # stays on the device: no sync per step
            step += 1
    if step == 0:
        return [0.0] * epochs
    per_epoch = losses[:step].reshape(epochs, -1).mean(dim=1)  # (epochs,): one op, one sync
    return per_epoch.tolist()


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
