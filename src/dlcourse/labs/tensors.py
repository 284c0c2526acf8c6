"""Tensor basics: creation, dtypes, the NumPy bridge, broadcasting, devices.

A tensor is an n-dimensional array with a dtype and a device. ``torch.from_numpy`` shares memory
with the NumPy array (change one, the other changes), ``torch.tensor`` copies. Broadcasting lines
shapes up from the right and stretches size-1 dimensions. ``.to(device)`` moves data; arithmetic
needs both operands on the same device.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from dlcourse.labs.run_context import RunContext


@dataclass(frozen=True)
class Config:
    size: int = 5


CONFIGS = {"quick": Config(), "full": Config(size=1000)}


def creation(size: int) -> dict[str, object]:
    ones = torch.ones(2, size)  # [2, size] float32: the default dtype
    ints = torch.arange(size)  # [size] int64: Python ints become int64
    halves = torch.zeros(size, dtype=torch.float16)
    mixed = ints + ones  # int64 + float32 promotes to float32
    return {
        "ones_shape": list(ones.shape),
        "ones_dtype": str(ones.dtype),
        "arange_dtype": str(ints.dtype),
        "arange_sum": int(ints.sum()),
        "half_dtype": str(halves.dtype),
        "promoted_dtype": str(mixed.dtype),
    }


def numpy_bridge() -> dict[str, object]:
    array = np.arange(4.0)  # float64
    shared = torch.from_numpy(array)  # same memory
    copied = torch.tensor(array)  # own memory
    array[0] = 100.0
    return {
        "shared_sees_change": float(shared[0]),
        "copy_unchanged": float(copied[0]),
        "from_numpy_dtype": str(shared.dtype),  # float64 kept: NumPy's default, not torch's
        "back_to_numpy_type": type(shared.numpy()).__name__,
    }


def broadcasting() -> dict[str, object]:
    column = torch.arange(3).reshape(3, 1)  # [3, 1]
    row = torch.arange(4).reshape(1, 4)  # [1, 4]
    table = column * 10 + row  # [3, 4]: both stretched
    x = torch.randn(8, 5)
    centred = x - x.mean(dim=0)  # [8, 5] - [5]: the mean of each column removed
    return {
        "table_shape": list(table.shape),
        "table": table.tolist(),
        "column_means_after_centring": float(centred.mean(dim=0).abs().max()),
    }


def devices(device: torch.device) -> dict[str, object]:
    x = torch.arange(6.0).reshape(2, 3)
    moved = x.to(device)
    back = (moved * 2).cpu()  # compute where the data is, bring the result home
    return {"device": str(moved.device.type), "round_trip": back.tolist()}


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    return {**creation(cfg.size), **numpy_bridge(), **broadcasting(), **devices(ctx.device)}
