"""The run context of an exported notebook: one process, plain PyTorch, nothing imported.

A lab asks its context where tensors go, how batches are cut and where figures go. On the command
line that context (``run_context.RunContext``) also handles several processes and mixed
precision; a notebook runs in one process, so its context is this page of plain PyTorch, pasted
into the notebook, with the same names. It cuts batches in the same order as the command line's
context, so a notebook's numbers are the command line's numbers.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's random numbers: the same run every time."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


@dataclass(frozen=True)
class OneProcess:
    """This notebook is the only process: rank 0 of a world of one."""

    rank: int = 0
    world_size: int = 1


class Batches:
    """Mini-batches of tensors already in memory, in a new random order every epoch.

    ``batch_size=None`` is the full batch: every step sees all the data.
    """

    def __init__(self, tensors: tuple[torch.Tensor, ...], batch_size: int | None, shuffle: bool,
                 seed: int) -> None:  # fmt: skip
        self.tensors, self.shuffle, self.seed, self.epoch = tensors, shuffle, seed, 0
        self.n = len(tensors[0])
        self.batch_size = min(batch_size or self.n, self.n)

    def __len__(self) -> int:
        return -(-self.n // self.batch_size)  # steps per epoch, the last batch may be smaller

    def __iter__(self):
        epoch, self.epoch = self.epoch, self.epoch + 1
        if self.batch_size == self.n:
            yield self.tensors
            return
        if self.shuffle:
            order = torch.randperm(
                self.n, generator=torch.Generator().manual_seed(self.seed + epoch)
            )
        else:
            order = torch.arange(self.n)
        order = order.to(self.tensors[0].device)
        for start in range(0, self.n, self.batch_size):
            idx = order[start : start + self.batch_size]
            yield tuple(t[idx] for t in self.tensors)


@dataclass
class RunContext:
    """Where tensors live, the seed, and where figures go."""

    device: torch.device = field(
        default_factory=lambda: torch.device("cuda" if torch.cuda.is_available() else "cpu")
    )
    seed: int = 0
    out: Path | str | None = None
    figures: list[Path] = field(default_factory=list)
    dist: OneProcess = field(default_factory=OneProcess)
    precision: str = "fp32"  # mixed precision (bf16, fp16) is `dlcourse lab run --precision`
    is_main: bool = True  # the only process writes the figures

    def __post_init__(self) -> None:
        self.out = Path(self.out) if self.out is not None else None

    def generator(self, offset: int = 0) -> torch.Generator:
        """A CPU random-number generator for data: the same numbers on every device."""
        return torch.Generator().manual_seed(self.seed * 1_000_003 + offset)

    def rng(self, offset: int = 0) -> np.random.Generator:
        return np.random.default_rng(self.seed * 1_000_003 + offset)

    def wrap(self, model: nn.Module) -> nn.Module:
        """The model on the device (on the command line, also wrapped for several processes)."""
        return model.to(self.device)

    def batches(self, *tensors: torch.Tensor, batch_size: int | None = None,
                shuffle: bool = True) -> Batches:  # fmt: skip
        return Batches(tuple(t.to(self.device) for t in tensors), batch_size, shuffle, self.seed)

    def autocast(self) -> contextlib.AbstractContextManager[None]:
        """fp32 here: entering it changes nothing (the command line can switch to bf16/fp16)."""
        return contextlib.nullcontext()

    def backward(self, loss: torch.Tensor) -> None:
        loss.backward()

    def step(self, optimizer: torch.optim.Optimizer) -> None:
        optimizer.step()

    def clip_gradients(self, optimizer: torch.optim.Optimizer, max_norm: float) -> None:
        """Scale the gradients down so their joint norm is at most ``max_norm``."""
        params = [p for group in optimizer.param_groups for p in group["params"]]
        nn.utils.clip_grad_norm_(params, max_norm)

    def mean_across_ranks(self, values: list[float]) -> list[float]:
        return values  # one process: its numbers are the numbers

    def track(self, items: Any, description: str = "", total: int | None = None) -> Any:
        return iter(items)

    def save_figure(self, fig: Any, name: str) -> Path | None:
        """Write ``name.png`` into ``out`` (when set); the notebook shows the figures at the end."""
        import matplotlib.pyplot as plt

        path = None
        if self.out is not None:
            self.out.mkdir(parents=True, exist_ok=True)
            path = self.out / f"{name}.png"
            fig.savefig(path, dpi=100, bbox_inches="tight")
            self.figures.append(path)
        plt.close(fig)
        return path
