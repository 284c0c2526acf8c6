"""Pick the device once; everything else asks the run context where tensors go.

Nothing in the labs assumes CPU or CUDA: ``auto`` takes CUDA, then Apple's MPS, then the CPU.
Under ``torchrun`` each process takes the GPU named by its ``LOCAL_RANK``.
"""

from __future__ import annotations

import contextlib

import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def resolve_device(spec: str = "auto", local_rank: int = 0) -> torch.device:
    """Turn ``auto|cpu|cuda|mps`` (or ``cuda:1``) into a ``torch.device`` that exists here."""
    spec = spec.lower()
    if spec == "auto":
        if torch.cuda.is_available():
            spec = "cuda"
        elif torch.backends.mps.is_available():
            spec = "mps"
        else:
            spec = "cpu"
    if spec == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError("--device cuda asked for, but torch.cuda.is_available() is False")
        return torch.device("cuda", local_rank % torch.cuda.device_count())
    if spec == "mps" and not torch.backends.mps.is_available():
        raise RuntimeError("--device mps asked for, but torch.backends.mps.is_available() is False")
    return torch.device(spec)


def amp_enabled(device: torch.device) -> bool:
    """Mixed precision only where it pays and is mature: CUDA."""
    return device.type == "cuda"


_NO_AUTOCAST = contextlib.nullcontext()  # reusable and re-entrant: one object for every step


def autocast(device: torch.device, enabled: bool) -> contextlib.AbstractContextManager[None]:
    """float16 autocast on CUDA, a no-op elsewhere (so the loop reads the same everywhere).

    The no-op is one shared ``nullcontext``: entering it costs two attribute look-ups, where a
    ``@contextmanager`` generator cost microseconds per step on the CPU.
    """
    if enabled:
        return torch.autocast(device_type=device.type, dtype=torch.float16)
    return _NO_AUTOCAST
