"""Mini-batches of tensors already in memory (and on the device), sharded for DDP.

``torch.utils.data.DataLoader`` is built for datasets that stream from disk; for the labs' few
thousand examples its per-batch overhead dominates. We slice tensors instead and take the shard
order from ``DistributedSampler`` so multi-process runs split the data exactly as PyTorch would.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch.utils.data import DistributedSampler


class TensorBatches:
    """Iterate ``(x_batch, y_batch, ...)`` over aligned tensors; reshuffled every epoch."""

    def __init__(
        self,
        tensors: tuple[torch.Tensor, ...],
        batch_size: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        n = len(tensors[0])
        if any(len(t) != n for t in tensors):
            raise ValueError("all tensors must have the same first dimension")
        self.tensors = tensors
        self.shuffle = shuffle
        self.world_size = world_size
        # DistributedSampler pads so every rank sees the same number of examples, which keeps
        # DDP's collective calls in step; with one process it is a plain (shuffled) range.
        self.sampler = DistributedSampler(
            range(n), num_replicas=world_size, rank=rank, shuffle=shuffle, seed=seed
        )
        self.shard_size = len(self.sampler)
        self.batch_size = batch_size or self.shard_size  # None: full batch
        self.epoch = 0

    def __len__(self) -> int:
        return -(-self.shard_size // self.batch_size)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[tuple[torch.Tensor, ...]]:
        epoch, self.epoch = self.epoch, self.epoch + 1  # a new order next time by default
        full_batch = self.batch_size >= self.shard_size
        if self.world_size == 1 and full_batch:
            yield self.tensors  # one process, one batch: the tensors themselves, not even a view
            return
        if self.world_size == 1 and not self.shuffle:
            order = None  # one process, in order: slice without copying
        elif self.world_size == 1:
            # What DistributedSampler does for one replica, without the list round-trip.
            g = torch.Generator().manual_seed(self.sampler.seed + epoch)
            order = torch.randperm(self.shard_size, generator=g).to(self.tensors[0].device)
        else:
            self.sampler.set_epoch(epoch)
            order = torch.tensor(list(self.sampler), device=self.tensors[0].device)
        for start in range(0, self.shard_size, self.batch_size):
            if order is None:
                yield tuple(t[start : start + self.batch_size] for t in self.tensors)
            else:
                idx = order[start : start + self.batch_size]
                yield tuple(t[idx] for t in self.tensors)
