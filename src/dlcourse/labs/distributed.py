"""Data-parallel training under ``torchrun`` (and so under SLURM's ``srun torchrun``).

We never launch processes ourselves: ``torchrun`` sets ``RANK``, ``WORLD_SIZE`` and
``LOCAL_RANK``; we read them, join the process group (gloo on CPU, NCCL on CUDA), wrap the model in
``DistributedDataParallel`` and let ``DistributedSampler`` give each rank its shard. Only rank 0
writes files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class DistEnv:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @classmethod
    def from_environ(cls) -> DistEnv:
        """Read the variables torchrun sets; a plain ``python`` run is world size 1."""
        return cls(
            rank=int(os.environ.get("RANK", 0)),
            world_size=int(os.environ.get("WORLD_SIZE", 1)),
            local_rank=int(os.environ.get("LOCAL_RANK", 0)),
        )

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def init_process_group(env: DistEnv, device: torch.device) -> bool:
    """Join the group torchrun prepared. Returns True when this call created it."""
    if not env.enabled or dist.is_initialized():
        return False
    backend = "nccl" if device.type == "cuda" else "gloo"
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group(backend=backend, rank=env.rank, world_size=env.world_size)
    return True


def destroy_process_group() -> None:
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def wrap_model(model: nn.Module, env: DistEnv, device: torch.device) -> nn.Module:
    """DDP averages gradients across ranks during ``backward``; world size 1 leaves the model."""
    if not env.enabled:
        return model
    device_ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(model, device_ids=device_ids)


def unwrap_model(model: nn.Module) -> nn.Module:
    """The plain module under a DDP wrapper (for saving, or for calling its own methods)."""
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


def mean_across_ranks(values: list[float], env: DistEnv, device: torch.device) -> list[float]:
    """Each rank's numbers averaged over all ranks (one all-reduce); world size 1 returns them.

    With equal shards (``DistributedSampler`` pads to make them equal) the mean of the ranks'
    mean losses is the mean loss over the global batch: what one process would have reported.
    """
    if not env.enabled or not dist.is_initialized() or not values:
        return values
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return (tensor / env.world_size).tolist()
