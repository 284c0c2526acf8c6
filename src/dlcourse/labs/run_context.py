"""What a lab needs from the outside world, in one object: device, seed, AMP, DDP, output, progress.

A lab's ``run(cfg, ctx)`` writes its five-step loop itself and asks ``ctx`` only for the pieces that
change between a laptop, a GPU and a cluster: where tensors live (``ctx.device``), how the model is
wrapped (``ctx.wrap``), how batches are sharded (``ctx.batches``), how loss is scaled under AMP
(``ctx.backward``/``ctx.step``) and where figures go (``ctx.save_figure``).
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
import torch
from torch import nn

from dlcourse.labs.data.batches import TensorBatches
from dlcourse.labs.device import autocast, resolve_device, resolve_precision
from dlcourse.labs.distributed import DistEnv, mean_across_ranks, wrap_model

T = TypeVar("T")


class ProgressSink(Protocol):
    """Receives progress; the CLI plugs a Rich progress bar in here."""

    def start(self, description: str, total: int | None) -> None: ...

    def advance(self) -> None: ...

    def stop(self) -> None: ...


class NoProgress:
    def start(self, description: str, total: int | None) -> None:
        pass

    def advance(self) -> None:
        pass

    def stop(self) -> None:
        pass


def seed_everything(seed: int) -> None:
    """Same seed on every rank: identical data and initial weights everywhere."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


@dataclass
class RunContext:
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    seed: int = 0
    out: Path | None = None
    dist: DistEnv = field(default_factory=DistEnv)
    precision: str = "fp32"  # fp32, or mixed precision: bf16 | fp16 (see ``device.py``)
    progress: ProgressSink = field(default_factory=NoProgress)
    figures: list[Path] = field(default_factory=list)
    autocast_regions: int = 0  # forward passes run under autocast (the AMP test reads it)
    _scaler: Any = None

    @classmethod
    def create(
        cls,
        device: str = "auto",
        seed: int = 0,
        out: Path | str | None = None,
        progress: ProgressSink | None = None,
        precision: str = "auto",
    ) -> RunContext:
        """Build a context for this process (reads torchrun's variables; no process group yet)."""
        env = DistEnv.from_environ()
        dev = resolve_device(device, env.local_rank)
        ctx = cls(
            device=dev,
            seed=seed,
            out=Path(out) if out is not None else None,
            dist=env,
            precision=resolve_precision(precision, dev),
            progress=progress or NoProgress(),
        )
        if ctx.precision == "fp16":  # bf16 has fp32's exponent range: nothing to scale
            ctx._scaler = torch.amp.GradScaler(dev.type)
        return ctx

    @property
    def amp(self) -> bool:
        """Mixed precision on: the forward pass runs under autocast."""
        return self.precision != "fp32"

    # -- randomness -------------------------------------------------------------------------
    def generator(self, offset: int = 0) -> torch.Generator:
        """A CPU generator for data: same numbers on every rank and every device."""
        return torch.Generator().manual_seed(self.seed * 1_000_003 + offset)

    def rng(self, offset: int = 0) -> np.random.Generator:
        return np.random.default_rng(self.seed * 1_000_003 + offset)

    # -- model and data -------------------------------------------------------------------------
    def wrap(self, model: nn.Module) -> nn.Module:
        """Move to the device; wrap in DDP when torchrun started several processes."""
        return wrap_model(model.to(self.device), self.dist, self.device)

    def batches(
        self, *tensors: torch.Tensor, batch_size: int | None = None, shuffle: bool = True
    ) -> TensorBatches:
        """Mini-batches of in-memory tensors on the device, sharded across ranks.

        ``batch_size`` is the *global* batch: each of W ranks takes ``batch_size / W`` examples per
        step, so W processes take the same steps on the same examples as one process would (DDP
        averages their gradients). ``None`` is the full batch.
        """
        per_rank = None
        if batch_size is not None:
            per_rank = max(1, batch_size // self.dist.world_size)
        return TensorBatches(
            tuple(t.to(self.device) for t in tensors),
            batch_size=per_rank,
            shuffle=shuffle,
            seed=self.seed,
            rank=self.dist.rank,
            world_size=self.dist.world_size,
        )

    # -- the loop's device-dependent steps -------------------------------------------------------
    def autocast(self) -> contextlib.AbstractContextManager[None]:
        """Autocast to bf16/fp16 under mixed precision; for fp32 one shared no-op context."""
        if self.precision == "fp32":
            return autocast(self.device, "fp32")  # the shared no-op: the fast path stays free
        self.autocast_regions += 1
        return autocast(self.device, self.precision)

    def backward(self, loss: torch.Tensor) -> None:
        """``loss.backward()``, scaled first under AMP so float16 gradients do not underflow."""
        if self._scaler is not None:
            self._scaler.scale(loss).backward()
        else:
            loss.backward()

    def clip_gradients(self, optimizer: torch.optim.Optimizer, max_norm: float) -> None:
        """``clip_grad_norm_`` over the optimiser's parameters, on the true (unscaled) gradients."""
        if self._scaler is not None:
            self._scaler.unscale_(optimizer)  # fp16: the gradients are still multiplied by S
        params = [p for group in optimizer.param_groups for p in group["params"]]
        nn.utils.clip_grad_norm_(params, max_norm)

    def step(self, optimizer: torch.optim.Optimizer) -> None:
        """``optimizer.step()``, unscaled and skipped on inf/nan under AMP."""
        if self._scaler is not None:
            self._scaler.step(optimizer)
            self._scaler.update()
        else:
            optimizer.step()

    def mean_across_ranks(self, values: list[float]) -> list[float]:
        """Average per-rank numbers (each rank's mean loss over its shard) into global ones."""
        return mean_across_ranks(values, self.dist, self.device)

    # -- output ---------------------------------------------------------------------------------
    @property
    def is_main(self) -> bool:
        return self.dist.is_main

    def save_figure(self, fig: Any, name: str) -> Path | None:
        """Write ``name.png`` under ``out`` (rank 0 only) and close the figure."""
        import matplotlib.pyplot as plt

        path = None
        if self.out is not None and self.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            path = self.out / f"{name}.png"
            fig.savefig(path, dpi=100, bbox_inches="tight")
            self.figures.append(path)
        plt.close(fig)
        return path

    def track(self, items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
        """Iterate and move the progress bar (the CLI shows it; tests see nothing)."""
        if isinstance(self.progress, NoProgress):
            return iter(items)  # nobody watching: no per-item call at all
        if total is None and hasattr(items, "__len__"):
            total = len(items)  # type: ignore[arg-type]
        return self._tracked(items, description, total)

    def _tracked(self, items: Iterable[T], description: str, total: int | None) -> Iterator[T]:
        self.progress.start(description, total)
        try:
            for item in items:
                yield item
                self.progress.advance()
        finally:
            self.progress.stop()
